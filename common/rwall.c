/* Apart from the rest of fdutil.c: banger-priv links only these two. */
#include <errno.h>
#include <unistd.h>

#include "fdutil.h"

ssize_t
read_all(int fd, void *p, size_t len)
{
	size_t	 off = 0;
	ssize_t	 n;

	while (off < len) {
		n = read(fd, (char *)p + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? (ssize_t)off : -1;
		off += n;
	}
	return off;
}

ssize_t
write_all(int fd, const void *p, size_t len)
{
	size_t	 off = 0;
	ssize_t	 n;

	while (off < len) {
		n = write(fd, (const char *)p + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		off += n;
	}
	return off;
}
