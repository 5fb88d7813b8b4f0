/*
 * A disk image copied as cheaply as the file system allows (bangerd's
 * warm starts, banger-fetch copy-disk for vm fork).
 */
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <linux/fs.h>

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "copysparse.h"

int
copy_sparse(int in, int out, uint64_t *copied)
{
	struct stat	 st;
	off_t		 data, hole, off;
	ssize_t		 n;

	*copied = 0;
	if (fstat(in, &st) == -1)
		return -1;
	if (ioctl(out, FICLONE, in) == 0)
		return 0;
	if (ftruncate(out, st.st_size) == -1)
		return -1;
	for (data = 0; data < st.st_size; data = hole) {
		if ((data = lseek(in, data, SEEK_DATA)) == -1) {
			if (errno == ENXIO)
				break;		/* only a hole is left */
			return -1;
		}
		if ((hole = lseek(in, data, SEEK_HOLE)) == -1)
			return -1;
		for (off = data; off < hole; off += n) {
			loff_t	 ri = off, wo = off;

			n = copy_file_range(in, &ri, out, &wo,
			    (size_t)(hole - off), 0);
			if (n == -1 && errno == EINTR) {
				n = 0;
				continue;
			}
			if (n <= 0)
				return -1;
			*copied += (uint64_t)n;
		}
	}
	return 0;
}

