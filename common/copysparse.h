/*
 * A disk image copied as cheaply as the file system allows: a reflink,
 * else its data ranges only (copysparse.c).
 */
#ifndef BANGER_COPYSPARSE_H
#define BANGER_COPYSPARSE_H

#include <stdint.h>

/*
 * out (empty, open for writing) becomes a copy of in: a reflink if the
 * file system shares blocks, else the data ranges only
 * (SEEK_DATA/SEEK_HOLE with copy_file_range), so that a sparse 8 GiB
 * disk costs what its files cost.  *copied: bytes of data written (0 for
 * a reflink).  0, or -1 with errno.
 */
int	copy_sparse(int in, int out, uint64_t *copied);

#endif
