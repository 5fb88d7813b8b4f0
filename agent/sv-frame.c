/*
 * The attach socket's frames: a type byte, a 16-bit big-endian length and
 * at most SV_FRAME_MAX bytes.  Both ends are the agent's own, as root.
 */
#include <errno.h>
#include <stddef.h>

#include "fdutil.h"
#include "sv.h"

/* One frame on a blocking descriptor. */
int
sv_frame_send(int fd, int type, const void *p, size_t len)
{
	unsigned char	 hdr[3];

	if (len > SV_FRAME_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	hdr[0] = (unsigned char)type;
	hdr[1] = (unsigned char)(len >> 8);
	hdr[2] = (unsigned char)len;
	if (write_all(fd, hdr, 3) == -1 || write_all(fd, p, len) == -1)
		return -1;
	return 0;
}

/*
 * A whole frame at the start of buf: its length in total (header
 * included), 0 if more is needed, -1 if it is malformed.
 */
int
sv_frame_get(const unsigned char *buf, size_t len, int *type, size_t *plen)
{
	size_t	 n;

	if (len < 3)
		return 0;
	n = (size_t)buf[1] << 8 | buf[2];
	if (n > SV_FRAME_MAX)
		return -1;
	if (len < 3 + n)
		return 0;
	*type = buf[0];
	*plen = n;
	return (int)(3 + n);
}
