/*
 * The bangerd <-> banger-net protocol.  bangerd tells banger-net where
 * to forward (NET_CONFIG), hands it the DNS listeners banger-priv bound
 * on the user's gateway (NET_LISTEN, one descriptor each) and, whenever
 * a VM gets or loses its address, the whole table of the user's names
 * (NET_NAMES), and the published ports of the VMs that have one
 * (NET_PORTS).  banger-net reports its counters (NET_COUNTERS) and
 * whether it could listen on each port (NET_PORT_STATE).
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
#define NET_PORTS_MAX	256	/* published ports of one user */
#define NET_PORT_STRMAX	43	/* "127.0.0.1:65535:10.213.0.2:65535" */
#define NET_LISTEN_STRMAX 21	/* "127.255.255.255:65535" */
#define NET_ERROR_STRMAX 127

enum net_type {
	NET_CONFIG = 1,		/* d->n */
	NET_LISTEN,		/* d->n, with one listening socket */
	NET_NAMES,		/* d->n: replaces the whole table */
	NET_COUNTERS,		/* n->d */
	NET_PORTS,		/* d->n: replaces the whole table */
	NET_PORT_STATE,		/* n->d: a listener is up, or why not */
	NET_TYPE_MAX = NET_PORT_STATE
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

struct net_ports {
	struct msg_strv	 ports;		/* HOSTADDR:PORT:GUESTADDR:PORT */
};

struct net_port_state {
	char		*listen;	/* HOSTADDR:PORT */
	char		*error;		/* "" when it listens */
};

extern const struct msg_proto net_proto;

#endif
