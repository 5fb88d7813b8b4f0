/*
 * The bangerd <-> banger-net protocol.  bangerd tells banger-net where
 * to forward (NET_CONFIG), hands it the DNS listeners banger-priv bound
 * on the user's gateway (NET_LISTEN, one descriptor each) and, whenever
 * a VM gets or loses its address, the whole table of the user's names
 * (NET_NAMES).  banger-net reports its counters (NET_COUNTERS).
 */
#ifndef BANGER_PROTO_NET_H
#define BANGER_PROTO_NET_H

#include <stdint.h>

#include "msg.h"

#define NET_VERSION	1
#define NET_FRAME_MAX	(64 * 1024)
#define NET_UPSTREAM_MAX 4	/* resolvers banger-net forwards to */
#define NET_NAMES_MAX	256	/* a user's VMs with an address */
#define NET_ADDR_STRMAX	45	/* INET6_ADDRSTRLEN - 1 */
#define NET_NAME_STRMAX	63	/* one DNS label */

enum net_type {
	NET_CONFIG = 1,		/* d->n */
	NET_LISTEN,		/* d->n, with one listening socket */
	NET_NAMES,		/* d->n: replaces the whole table */
	NET_COUNTERS,		/* n->d */
	NET_TYPE_MAX = NET_COUNTERS
};

struct net_config {
	struct msg_strv	 upstream;	/* IPv4 or IPv6 addresses, port 53 */
};

#define NET_LISTEN_UDP	0
#define NET_LISTEN_TCP	1

struct net_listen {
	uint64_t	 kind;		/* NET_LISTEN_* */
};

struct net_names {
	struct msg_strv	 names;		/* labels: NAME of NAME.vm */
	struct msg_strv	 addrs;		/* names[i]'s IPv4 address */
};

struct net_counters {
	uint64_t	 queries;	/* well-formed queries received */
	uint64_t	 local;		/* answered from the .vm table */
	uint64_t	 forwarded;	/* sent upstream */
	uint64_t	 malformed;	/* dropped: not a well-formed query */
	uint64_t	 limited;	/* dropped: over a source's rate */
	uint64_t	 busy;		/* SERVFAIL: too many outstanding */
	uint64_t	 failed;	/* SERVFAIL: no usable answer */
	uint64_t	 bad_answers;	/* upstream answers dropped */
};

extern const struct msg_proto net_proto;

#endif
