/*
 * Frames: a 32-bit big-endian payload length followed by that many bytes of
 * msgpack.  Every channel has its own cap, checked before any allocation.
 */
#ifndef BANGER_FRAME_H
#define BANGER_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define FRAME_HDR	4
#define FRAME_MAX_CTL	(1024 * 1024)	/* CLI <-> bangerd */
#define FRAME_MAX_PRIV	4096		/* bangerd <-> banger-priv */
#define FRAME_MAX_AGENT	(256 * 1024)	/* bangerd <-> guest agent */
#define FRAME_MAXFDS	2		/* descriptors one frame may carry */

/* Result of frame_peek(). */
#define FRAME_NEED	0	/* not enough bytes yet */
#define FRAME_OK	1	/* *plen holds the payload length */
#define FRAME_BAD	(-1)	/* length is zero or exceeds max */

int	frame_peek(const uint8_t *, size_t, size_t, size_t *);

/*
 * Blocking I/O on stream or SOCK_SEQPACKET sockets.  frame_send() writes
 * one whole frame (already prefixed by msg_frame()); passfd >= 0 sends that
 * descriptor with SCM_RIGHTS.  frame_recv() reads one frame into *payload
 * (without the prefix); if passfd is NULL any received descriptor is an
 * error, otherwise at most one is accepted and stored there (else -1).
 * Return 0 on success, -1 with errno set on error; errno EPROTO means the
 * peer broke framing, and 0 with payload->len == 0 means clean EOF.
 *
 * frame_sendv() and frame_recvv() are the same with up to FRAME_MAXFDS
 * descriptors: frame_recvv() stores at most maxfds of them and their count
 * in *nfds; more than maxfds is EPROTO, and every descriptor is closed.
 */
int	frame_send(int, const struct buf *, int);
int	frame_recv(int, size_t, struct buf *, int *);
int	frame_sendv(int, const struct buf *, const int *, size_t);
int	frame_recvv(int, size_t, struct buf *, int *, size_t, size_t *);

#endif
