/*
 * Forwarding to the upstream resolvers.  Each query goes out with a
 * fresh random ID from a fresh socket (so a fresh random source port),
 * connected to the resolver so the kernel drops datagrams from anyone
 * else; an answer must match the question (dns_check_answer) or it is
 * dropped and the wait goes on.  A truncated answer is asked again over
 * TCP.  At most FWD_MAX queries are outstanding; past that, SERVFAIL.
 */
#include <sys/socket.h>

#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>


#include "log.h"
#include "net.h"
#include "proto_priv.h"

static struct fwd {
	int			 used;
	struct client_addr	 ca;
	struct dns_q		 q;
	uint16_t		 id;
	size_t			 up;		/* the resolver asked */
	unsigned		 tries;
	int			 fd;		/* UDP, or -1 */
	struct event		*ev;
	struct bufferevent	*bev;		/* TCP, or NULL */
	struct event		*timer;
} fwds[FWD_MAX];

static uint8_t	 ans[DNS_TCP_MAX + 2], out[DNS_TCP_MAX];
static int	 up_failing[NET_UPSTREAM_MAX];	/* said so in the log */

static void	 fwd_start(struct fwd *, int);

static void
fwd_close(struct fwd *f)
{
	if (f->ev != NULL)
		event_free(f->ev);
	if (f->fd != -1)
		close(f->fd);
	if (f->bev != NULL)
		bufferevent_free(f->bev);
	f->ev = NULL;
	f->fd = -1;
	f->bev = NULL;
}

static void
fwd_free(struct fwd *f)
{
	fwd_close(f);
	if (f->timer != NULL)
		event_free(f->timer);
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	netd.nfwd--;
}

static void
fwd_fail(struct fwd *f)
{
	netd.cnt.failed++;
	front_reply(&f->ca, &f->q, DNS_RCODE_SERVFAIL, NULL, 0);
	fwd_free(f);
}

/* This resolver did not answer in time, or answered wrongly: the next. */
static void
fwd_next(struct fwd *f)
{
	/* Each resolver twice, 4 tries at most: under TCP_IDLE_SEC. */
	if (++f->tries >= 2 * netd.nup || f->tries >= FWD_TRIES_MAX) {
		fwd_fail(f);
		return;
	}
	f->up = (f->up + 1) % netd.nup;
	fwd_start(f, 0);
}

static void
fwd_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	fwd_next(arg);
}

/*
 * A checked answer to F's question: to the guest, as it can take it;
 * an allowlisted guest's through hold.c.
 */
static void
fwd_answer(struct fwd *f, const uint8_t *pkt, size_t len)
{
	ssize_t		 n;
	uint32_t	 guest;

	up_failing[f->up] = 0;
	/* No longer than its addresses stay allowed (banger-priv's cap). */
	f->q.ttl_max = policy_allowlisted(&f->ca.ss, NULL) ?
	    PRIV_EGRESS_TTL_MAX : 0;
	if ((n = dns_relay_answer(pkt, len, &f->q, f->ca.tcp != NULL ?
	    DNS_TCP_MAX : dns_udp_limit(&f->q), out,
	    sizeof(out))) == -1) {
		fwd_fail(f);
		return;
	}
	/* The policy as it is now, not as it was when the query came. */
	if (!policy_may_forward(&f->ca.ss, f->q.name)) {
		netd.cnt.refused++;
		front_reply(&f->ca, &f->q, DNS_RCODE_REFUSED, NULL, 0);
	} else if (policy_allowlisted(&f->ca.ss, &guest))
		hold_answer(&f->ca, &f->q, guest, out, (size_t)n);
	else
		front_send(&f->ca, out, (size_t)n);
	fwd_free(f);
}

static void
fwd_udp_read(evutil_socket_t fd, short what, void *arg)
{
	struct fwd	*f = arg;
	const char	*why;
	ssize_t		 n;

	(void)what;
	while ((n = recv(fd, ans, sizeof(ans), MSG_DONTWAIT | MSG_TRUNC))
	    != -1) {
		if ((size_t)n > sizeof(ans) || dns_check_answer(ans,
		    (size_t)n, &f->q, f->id, &why) == -1) {
			/* Not the answer (a stray or forged datagram). */
			netd.cnt.bad_answers++;
			continue;
		}
		if (ans[2] & 0x02) {	/* TC: ask again over TCP */
			/* A try of its own, so the 8 s bound holds. */
			if (++f->tries >= FWD_TRIES_MAX)
				fwd_fail(f);
			else
				fwd_start(f, 1);
			return;
		}
		fwd_answer(f, ans, (size_t)n);
		return;
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK)
		fwd_next(f);	/* ICMP unreachable, for one */
}

static void
fwd_tcp_read(struct bufferevent *bev, void *arg)
{
	struct fwd	*f = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	const char	*why;
	size_t		 len;

	if (evbuffer_copyout(in, ans, 2) != 2)
		return;
	len = (size_t)ans[0] << 8 | ans[1];
	if (evbuffer_get_length(in) < len + 2)
		return;
	evbuffer_remove(in, ans, len + 2);
	if (dns_check_answer(ans + 2, len, &f->q, f->id, &why) == -1) {
		netd.cnt.bad_answers++;
		fwd_next(f);
		return;
	}
	fwd_answer(f, ans + 2, len);
}

static void
fwd_tcp_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (!(what & BEV_EVENT_CONNECTED))
		fwd_next(arg);
}

/* Ask resolver f->up, over UDP or TCP, with a new ID and socket. */
static void
fwd_start(struct fwd *f, int tcp)
{
	struct timeval	 tv = { FWD_WAIT_MS / 1000, FWD_WAIT_MS % 1000 * 1000 };
	const struct sockaddr *sa = (const struct sockaddr *)&netd.up[f->up];
	uint8_t		 q[DNS_UDP_MAX + 2];
	ssize_t		 n;

	fwd_close(f);
	f->id = (uint16_t)arc4random();
	if ((n = dns_build_forward(&f->q, f->id, q + 2, sizeof(q) - 2)) ==
	    -1) {
		fwd_fail(f);
		return;
	}
	if (tcp) {
		q[0] = (uint8_t)(n >> 8);
		q[1] = (uint8_t)n;
		if ((f->bev = bufferevent_socket_new(netd.base, -1,
		    BEV_OPT_CLOSE_ON_FREE)) == NULL)
			goto fail;
		bufferevent_setcb(f->bev, fwd_tcp_read, NULL, fwd_tcp_event, f);
		bufferevent_setwatermark(f->bev, EV_READ, 0, DNS_TCP_MAX + 2);
		if (bufferevent_socket_connect(f->bev, sa,
		    netd.uplen[f->up]) == -1 ||
		    bufferevent_write(f->bev, q, (size_t)n + 2) == -1 ||
		    bufferevent_enable(f->bev, EV_READ) == -1)
			goto fail;
	} else {
		if ((f->fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0)) == -1 ||
		    connect(f->fd, sa, netd.uplen[f->up]) == -1 ||
		    send(f->fd, q + 2, (size_t)n, MSG_NOSIGNAL) != n ||
		    (f->ev = event_new(netd.base, f->fd, EV_READ | EV_PERSIST,
		    fwd_udp_read, f)) == NULL || event_add(f->ev, NULL) == -1)
			goto fail;
	}
	evtimer_add(f->timer, &tv);
	return;
fail:
	/* Said once until that resolver works again: guests cause these. */
	if (!up_failing[f->up]) {
		log_warn("resolver %zu", f->up + 1);
		up_failing[f->up] = 1;
	}
	fwd_next(f);
}

void
fwd_query(const struct client_addr *ca, const struct dns_q *q)
{
	struct fwd	*f = NULL;
	size_t		 i, n = 0;

	if (netd.nup == 0) {
		netd.cnt.failed++;
		front_reply(ca, q, DNS_RCODE_SERVFAIL, NULL, 0);
		return;
	}
	for (i = 0; i < FWD_MAX; i++)
		if (!fwds[i].used)
			f = f == NULL ? &fwds[i] : f;
		else
			n += same_source(&fwds[i].ca.ss, &ca->ss);
	/* One guest may not take every slot. */
	if (n >= FWD_PER_SOURCE || f == NULL || (f->timer = evtimer_new(netd.base, fwd_timeout,
	    f)) == NULL) {
		netd.cnt.busy++;
		front_reply(ca, q, DNS_RCODE_SERVFAIL, NULL, 0);
		return;
	}
	f->used = 1;
	f->fd = -1;
	f->ca = *ca;
	f->q = *q;
	f->up = arc4random_uniform((uint32_t)netd.nup);
	netd.nfwd++;
	netd.cnt.forwarded++;
	fwd_start(f, 0);
}

/* A TCP client went away: its queries' answers have nowhere to go. */
void
fwd_client_gone(struct tcpconn *c)
{
	size_t	 i;

	for (i = 0; i < FWD_MAX; i++)
		if (fwds[i].used && fwds[i].ca.tcp == c)
			fwd_free(&fwds[i]);
}

int
fwd_set_upstreams(const struct msg_strv *v, char *err, size_t errlen)
{
	struct sockaddr_in	*s4;
	struct sockaddr_in6	*s6;
	size_t			 i;

	for (i = 0; i < v->n; i++) {
		memset(&netd.up[i], 0, sizeof(netd.up[i]));
		s4 = (struct sockaddr_in *)&netd.up[i];
		s6 = (struct sockaddr_in6 *)&netd.up[i];
		if (inet_pton(AF_INET, v->v[i], &s4->sin_addr) == 1) {
			s4->sin_family = AF_INET;
			s4->sin_port = htons(53);
			netd.uplen[i] = sizeof(*s4);
		} else if (inet_pton(AF_INET6, v->v[i], &s6->sin6_addr) == 1) {
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(53);
			netd.uplen[i] = sizeof(*s6);
		} else {
			snprintf(err, errlen, "upstream %zu is not an address",
			    i);
			netd.nup = 0;
			return -1;
		}
	}
	netd.nup = v->n;
	return 0;
}
