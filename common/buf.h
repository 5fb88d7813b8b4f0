/* A growable byte buffer with a hard cap. */
#ifndef BANGER_BUF_H
#define BANGER_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t	*p;
	size_t	 len;
	size_t	 cap;
};

int	buf_append(struct buf *, const void *, size_t);
void	buf_reset(struct buf *);
void	buf_free(struct buf *);

#endif
