#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Never grow a single buffer past this; callers cap far below it. */
#define BUF_HARDMAX	(64u * 1024 * 1024)

int
buf_append(struct buf *b, const void *data, size_t len)
{
	size_t	 need, ncap;
	uint8_t	*np;

	if (len > BUF_HARDMAX || b->len > BUF_HARDMAX - len) {
		errno = EMSGSIZE;
		return -1;
	}
	need = b->len + len;
	if (need > b->cap) {
		ncap = b->cap ? b->cap : 256;
		while (ncap < need)
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL)
			return -1;
		b->p = np;
		b->cap = ncap;
	}
	if (len > 0)
		memcpy(b->p + b->len, data, len);
	b->len = need;
	return 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
