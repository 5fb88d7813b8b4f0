/*
 * banger-net: the DNS server on a user's gateway.  It answers the .vm
 * names of that user's VMs from the table bangerd sends, and forwards
 * every other query to the upstream resolvers, within each allowlisted
 * guest's egress policy (policy.c, hold.c).  Everything a guest sends
 * is hostile: each query is parsed strictly (dns.c), each source is rate
 * limited, and every table has a fixed bound.
 */
#ifndef BANGER_NET_H
#define BANGER_NET_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdint.h>

#include <event2/event.h>

#include "buf.h"
#include "dns.h"
#include "proto_net.h"

#define NET_CHAN_FD	3	/* the channel from bangerd */

#define FWD_MAX		256	/* outstanding upstream queries */
#define FWD_WAIT_MS	2000	/* for one upstream, before the next */
#define FWD_TRIES_MAX	4	/* tries per query, 8 s at most in all */
#define FWD_PER_SOURCE	32	/* outstanding queries of one guest */
#define TCP_CONN_MAX	64	/* guests' TCP connections at once */
#define TCP_IDLE_SEC	10
#define RATE_SOURCES	64	/* sources tracked for rate limits */
#define RATE_BURST	200	/* queries a source may send at once */
#define RATE_PER_SEC	100	/* and per second after that */
#define ZONE_TTL	5	/* .vm answers: VMs come and go */
#define HOLD_MAX	64	/* answers waiting for NET_ALLOWED */
#define HOLD_PER_SOURCE	16	/* of one guest */
#define HOLD_WAIT_MS	3000	/* for bangerd, before SERVFAIL */

struct tcpconn;

/* Where a query came from and where its answer goes. */
struct client_addr {
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	struct tcpconn		*tcp;	/* or NULL: UDP to ss */
};

struct netd {
	struct event_base	*base;
	int			 udp;	/* DNS listeners, -1 until sent */
	int			 tcp;
	struct event		*udp_ev, *tcp_ev;
	struct sockaddr_storage	 up[NET_UPSTREAM_MAX];
	socklen_t		 uplen[NET_UPSTREAM_MAX];
	size_t			 nup;
	struct net_counters	 cnt;
	struct net_counters	 cnt_sent;	/* as last reported */
	size_t			 ntcp;
	size_t			 nfwd;
};

extern struct netd	 netd;

/* front.c: the listeners and answers to guests */
void	front_listen(int, int);
void	front_answer(const struct client_addr *, const uint8_t *, size_t);
int	same_source(const struct sockaddr_storage *,
	    const struct sockaddr_storage *);
void	front_send(const struct client_addr *, const uint8_t *, size_t);
void	front_reply(const struct client_addr *, const struct dns_q *, int,
	    const uint32_t *, size_t);

/* zone.c: the user's .vm names */
int	zone_set(const struct net_names *, char *, size_t);
int	zone_lookup(const char *, uint32_t *);
int	zone_is_local(const char *);
int	zone_allowlisted(uint32_t);
int	zone_open(uint32_t);

/* policy.c: allowlisted guests' domains */
int	policy_set(const struct net_egress *, char *, size_t);
void	policy_names(void);
void	policy_gateway(uint32_t);
int	policy_allowlisted(const struct sockaddr_storage *, uint32_t *);
int	policy_may_forward(const struct sockaddr_storage *, const char *);

/* hold.c: allowlisted guests' answers, until bangerd allows them */
void	hold_answer(const struct client_addr *, const struct dns_q *,
	    uint32_t, const uint8_t *, size_t);
void	hold_allowed(uint64_t, int);
void	hold_client_gone(struct tcpconn *);

/* main.c: a message to bangerd if it can go without waiting */
int	chan_send_nowait(const struct buf *);

/* fwd.c: queries to the upstream resolvers */
void	fwd_query(const struct client_addr *, const struct dns_q *);
void	fwd_client_gone(struct tcpconn *);
int	fwd_set_upstreams(const struct msg_strv *, char *, size_t);

/* ports.c: published ports */
int	ports_set(const struct net_ports *, char *, size_t);
int	ports_given(const struct net_port_fd *, int, char *, size_t);

/* sandbox.c */
void	sandbox_net(void);

#endif
