/*
 * The bangerd <-> banger-net protocol.  bangerd tells banger-net where
 * to forward (NET_CONFIG), hands it the DNS listeners banger-priv bound
 * on the user's gateway (NET_LISTEN, one descriptor each) and, whenever
 * a VM gets or loses its address, the whole table of the user's names
 * (NET_NAMES, with each VM's egress mode), the allowed domains of each
 * allowlisted VM (NET_EGRESS) and the published ports of the VMs that
 * have one (NET_PORTS).  banger-net reports its counters (NET_COUNTERS)
 * and whether it could listen on each port (NET_PORT_STATE), and asks
 * bangerd to let an allowlisted VM reach the addresses of an allowed
 * answer (NET_ALLOW, its header id echoed by NET_ALLOWED) before it
 * passes the answer on.
 */
#ifndef BANGER_PROTO_NET_H
#define BANGER_PROTO_NET_H

#include <stdint.h>

#include "egress.h"
#include "msg.h"
#include "portspec.h"

#define NET_VERSION	2	/* 2: unix: listeners, port_refused */
#define NET_FRAME_MAX	(64 * 1024)
#define NET_UPSTREAM_MAX 4	/* resolvers banger-net forwards to */
#define NET_NAMES_MAX	256	/* a user's VMs with an address */
#define NET_ADDR_STRMAX	45	/* INET6_ADDRSTRLEN - 1 */
#define NET_NAME_STRMAX	63	/* one DNS label */
#define NET_PORTS_MAX	256	/* published ports of one user */
/* "127.0.0.1:65535" or "unix:PATH", then ":10.213.0.2:65535" */
#define NET_LISTEN_STRMAX PORT_LISTEN_MAX
#define NET_PORT_STRMAX	(NET_LISTEN_STRMAX + 22)
#define NET_ERROR_STRMAX 127
#define NET_ALLOW_ADDRS_MAX 32	/* = PRIV_EGRESS_ADDRS_MAX */

enum net_type {
	NET_CONFIG = 1,		/* d->n */
	NET_LISTEN,		/* d->n, with one listening socket */
	NET_NAMES,		/* d->n: replaces the whole table */
	NET_COUNTERS,		/* n->d */
	NET_PORTS,		/* d->n: replaces the whole table */
	NET_PORT_STATE,		/* n->d: a listener is up, or why not */
	NET_EGRESS,		/* d->n: one guest's allowed domains */
	NET_ALLOW,		/* n->d: let a guest reach these addresses */
	NET_ALLOWED,		/* d->n: done (or not), same header id */
	NET_PORT_FD,		/* d->n, with a listener banger-priv made */
	NET_TYPE_MAX = NET_PORT_FD
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
	struct msg_u64v	 egress;	/* names[i]'s EGRESS_* mode */
};

/*
 * Replaces the allowed domains of guest (an address in NET_NAMES whose
 * mode is EGRESS_ALLOWLIST; patterns normalised as egress.h says).  An
 * allowlisted guest whose domains never came may resolve only .vm names.
 */
struct net_egress {
	char		*guest;
	struct msg_strv	 allow;
};

struct net_allow {
	char		*guest;
	struct msg_strv	 addrs;		/* IPv4, from one allowed answer */
	uint64_t	 ttl;		/* the answer's smallest A TTL */
};

struct net_allowed {
	int		 ok;		/* 0: the answer must not be passed on */
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
	uint64_t	 refused;	/* REFUSED: not allowed for the guest */
	uint64_t	 rebinding;	/* SERVFAIL: an allowed name answered
					   with a non-public address */
	uint64_t	 port_refused;	/* published-port connections closed:
					   not the user's (or root's) */
};

struct net_ports {
	struct msg_strv	 ports;		/* LISTEN:GUESTADDR:PORT, LISTEN as
					   below */
};

/*
 * The listening socket for a published port banger-net cannot make
 * itself (a port below 1024, bound by banger-priv; a unix:PATH socket,
 * made by bangerd's launcher), sent before the NET_PORTS that lists it;
 * banger-net uses it instead of binding and closes any the table that
 * follows does not name.
 */
struct net_port_fd {
	char		*listen;	/* HOSTADDR:PORT or unix:PATH */
};

struct net_port_state {
	char		*listen;	/* HOSTADDR:PORT or unix:PATH */
	char		*error;		/* "" when it listens */
};

extern const struct msg_proto net_proto;

#endif
