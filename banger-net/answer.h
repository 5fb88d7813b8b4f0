/*
 * An allowlisted guest's answer: what it asks of bangerd before it may
 * be passed on (answer.c).
 */
#ifndef BANGER_NET_ANSWER_H
#define BANGER_NET_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "proto_net.h"

/* A and AAAA records looked at in one answer; more is refused. */
#define ANSWER_ADDRS_SCAN	(2 * NET_ALLOW_ADDRS_MAX)

#define ANSWER_PASS		0	/* no A record: pass it on now */
#define ANSWER_ASK		1	/* NET_ALLOW first, then pass it on */
#define ANSWER_REBINDING	(-1)	/* a non-public address: SERVFAIL */
#define ANSWER_TOO_MANY		(-2)	/* more addresses than one NET_ALLOW
					   (or the scan) holds: SERVFAIL */
#define ANSWER_BAD		(-3)	/* not a message: SERVFAIL */

struct answer_allow {
	uint32_t	 addr[NET_ALLOW_ADDRS_MAX];	/* network order */
	size_t		 n;				/* distinct */
	uint32_t	 ttl;		/* the smallest A record TTL */
};

/* One of ANSWER_*, with the addresses in *out for ANSWER_ASK. */
int	answer_check(const uint8_t *, size_t, struct answer_allow *);
/* Whether a guest may be pointed at this IPv6 address (16 bytes). */
int	answer_public6(const uint8_t *);

#endif
