/*
 * frame_peek() over arbitrary bytes, then frame_recv() reading the same
 * bytes from a stream socket.  The first byte picks the cap.
 */
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "frame.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const size_t caps[] = {
	FRAME_MAX_PRIV, FRAME_MAX_AGENT, FRAME_MAX_CTL, 1, 16, 300,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf	 payload = { 0 };
	size_t		 max, off, plen, be;
	int		 r, sv[2];

	if (size < 1 || size > 65536)
		return 0;
	max = caps[data[0] % (sizeof(caps) / sizeof(caps[0]))];
	data++;
	size--;

	/* Walk the bytes as a sequence of frames. */
	for (off = 0;; off += FRAME_HDR + plen) {
		plen = 0;
		r = frame_peek(data + off, size - off, max, &plen);
		if (size - off < FRAME_HDR) {
			if (r != FRAME_NEED)
				abort();
			break;
		}
		be = (size_t)data[off] << 24 | data[off + 1] << 16 |
		    data[off + 2] << 8 | data[off + 3];
		if (r == FRAME_BAD) {
			if (be != 0 && be <= max)
				abort();
			break;
		}
		if (r != FRAME_OK || plen != be || plen == 0 || plen > max)
			abort();
		if (plen > size - off - FRAME_HDR)
			break;
	}

	/* The same bytes through a socket, until EOF or an error. */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		abort();
	if (size > 0 && write(sv[0], data, size) != (ssize_t)size)
		abort();
	close(sv[0]);
	while (frame_recv(sv[1], max, &payload, NULL) == 0 &&
	    payload.len > 0)
		if (payload.len > max)
			abort();
	close(sv[1]);
	buf_free(&payload);
	return 0;
}
