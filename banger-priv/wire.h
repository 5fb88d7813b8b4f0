/*
 * banger-priv's own codec for its channel to bangerd: the frames and
 * msgpack maps of common/frame.c and common/msg.c (which bangerd keeps
 * using), for the helper's ten requests and eight replies only.
 */
#ifndef BANGER_PRIV_WIRE_H
#define BANGER_PRIV_WIRE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "proto_priv.h"

/*
 * The largest request, tap.egress with 32 addresses, takes 757 bytes
 * even in msgpack's widest encodings; a longer frame cannot be a request.
 */
#define WIRE_REQ_MAX	768
#define WIRE_PKT_MAX	(FRAME_HDR + WIRE_REQ_MAX + 1)

/*
 * The body of any request: every field a request may have, 0 where its
 * type has none.  tap.egress: addresses past the first
 * PRIV_EGRESS_ADDRS_MAX are only counted, and one longer than 15 bytes or
 * holding a NUL is left "", for validation to refuse with a PRIV_ERROR
 * (bangerd sends neither).
 */
struct wire_req {
	uint64_t	 vm_id;		/* in range for a type that has one */
	int		 persist;	/* tap.create */
	int		 tcp;		/* dns.listen */
	int		 allowlist;	/* tap.egress */
	uint64_t	 ttl;
	size_t		 naddrs;
	char		 addrs[PRIV_EGRESS_ADDRS_MAX][16];
	uint64_t	 addr;		/* port.listen, host order */
	uint64_t	 port;
};

/*
 * Read one frame (one SOCK_SEQPACKET packet) into a buffer of
 * WIRE_PKT_MAX bytes, its payload at the start, and up to FRAME_MAXFDS
 * descriptors.  Returns the payload's length, 0 at end of file, or -1
 * with errno (EPROTO: a broken frame or too many descriptors, all of
 * them closed).
 */
ssize_t	wire_recv(int, uint8_t *, int *, size_t *);
/* Decode one request strictly: NULL, or why it is refused. */
const char *wire_decode(const uint8_t *, size_t, struct msg_hdr *,
	    struct wire_req *);
/*
 * A reply, framed and packed in full by wire_reply(): the envelope, then
 * one pair per letter of fmt, a key and its value: 'u' a uint64_t, 's' a
 * string, 'a' a struct msg_u64v *.  One that does not fit, or of a type
 * that is not a reply, is marked full, and wire_send() refuses it.
 */
struct wire_out {
	uint8_t		 p[FRAME_HDR + FRAME_MAX_PRIV];
	size_t		 len;
	int		 full;
};

/* Returns the type, for a handler to return. */
int	wire_reply(struct wire_out *, uint32_t, uint64_t, const char *, ...);
/* Send a packed reply, with descriptor passfd if it is >= 0. */
int	wire_send(int, const struct wire_out *, int);

#endif
