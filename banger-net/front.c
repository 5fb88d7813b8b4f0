/*
 * The guests' side: the UDP and TCP listeners banger-priv bound on the
 * gateway, per-source and overall rate limits, and the answers.  A
 * malformed query, or one over its source's rate, is dropped and
 * counted; nothing a guest sends ends this process.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>


#include "log.h"
#include "net.h"

#define UDP_BATCH	64	/* datagrams read per wake-up */
#define TCP_PENDING_MAX	4	/* queries in flight per connection */
#define TCP_OUT_MAX	(256 * 1024)	/* answers a reader leaves unread */
#define RATE_TOTAL	2000	/* per second, all sources together */

#define TCP_PER_SOURCE	8	/* connections from one address */

struct tcpconn {
	TAILQ_ENTRY(tcpconn)	 entry;
	struct bufferevent	*bev;
	struct client_addr	 ca;
	unsigned		 pending;
	int			 eof;	/* it sent all it will send */
};

static TAILQ_HEAD(, tcpconn) tcpconns = TAILQ_HEAD_INITIALIZER(tcpconns);

static struct rate {
	uint8_t		 key[16];
	int64_t		 milli;		/* tokens, in thousandths */
	int64_t		 last;		/* ms */
	int		 used;
} rates[RATE_SOURCES], total;

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
take(struct rate *r, int64_t now, int64_t burst, int64_t per_sec)
{
	if (!r->used) {
		/* A new source (maybe an evicted one back): one second's. */
		r->used = 1;
		r->milli = per_sec * 1000;
	} else {
		r->milli += (now - r->last) * per_sec;
		if (r->milli > burst * 1000)
			r->milli = burst * 1000;
	}
	r->last = now;
	if (r->milli < 1000)
		return 0;
	r->milli -= 1000;
	return 1;
}

/* One more query from SS: within its source's rate and the total? */
static int
rate_ok(const struct sockaddr_storage *ss)
{
	struct rate	*r, *old = &rates[0];
	uint8_t		 key[16] = { 0 };
	int64_t		 now = now_ms();
	size_t		 i;

	if (ss->ss_family == AF_INET)
		memcpy(key, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	else
		memcpy(key, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	for (i = 0, r = NULL; i < RATE_SOURCES && r == NULL; i++) {
		if (rates[i].used && memcmp(rates[i].key, key, 16) == 0)
			r = &rates[i];
		else if (!rates[i].used || rates[i].last < old->last)
			old = &rates[i];
	}
	if (r == NULL) {
		/* A new source replaces the one heard from least recently. */
		r = old;
		memset(r, 0, sizeof(*r));
		memcpy(r->key, key, 16);
	}
	/* The source's own limit first: what it is refused costs no one. */
	if (!take(r, now, RATE_BURST, RATE_PER_SEC) ||
	    !take(&total, now, RATE_TOTAL, RATE_TOTAL)) {
		netd.cnt.limited++;
		return 0;
	}
	return 1;
}

static void
tcp_free(struct tcpconn *c)
{
	fwd_client_gone(c);
	hold_client_gone(c);
	bufferevent_free(c->bev);
	TAILQ_REMOVE(&tcpconns, c, entry);
	free(c);
	if (netd.ntcp-- == TCP_CONN_MAX && netd.tcp_ev != NULL)
		event_add(netd.tcp_ev, NULL);
}

/* An answer for CA, already in wire form. */
void
front_send(const struct client_addr *ca, const uint8_t *pkt, size_t len)
{
	struct evbuffer	*out;
	uint8_t		 hdr[2] = { len >> 8, len & 0xff };

	if (ca->tcp == NULL) {
		(void)sendto(netd.udp, pkt, len, MSG_DONTWAIT | MSG_NOSIGNAL,
		    (const struct sockaddr *)&ca->ss, ca->len);
		return;
	}
	out = bufferevent_get_output(ca->tcp->bev);
	if (ca->tcp->pending > 0)
		ca->tcp->pending--;
	/*
	 * A reader that asks and does not read loses the answer; its write
	 * timeout then closes the connection.
	 */
	if (evbuffer_get_length(out) <= TCP_OUT_MAX) {
		evbuffer_add(out, hdr, 2);
		evbuffer_add(out, pkt, len);
	}
	if (ca->tcp->eof)
		return;		/* tcp_write closes it once all is out */
	/* Queries it sent while at TCP_PENDING_MAX wait in the input. */
	bufferevent_enable(ca->tcp->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_input(ca->tcp->bev)) > 0)
		bufferevent_trigger(ca->tcp->bev, EV_READ,
		    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

void
front_reply(const struct client_addr *ca, const struct dns_q *q, int rcode,
    const uint32_t *a, size_t na)
{
	uint8_t	 out[DNS_UDP_MAX];
	ssize_t	 n;

	if ((n = dns_build_reply(q, rcode, a, na, ZONE_TTL, out,
	    sizeof(out))) == -1) {
		log_warnx("cannot build an answer for a %zu-byte name",
		    strlen(q->name));
		return;
	}
	front_send(ca, out, (size_t)n);
}

/*
 * A query from CA: the .vm zone answers here, the rest goes upstream
 * unless CA is an allowlisted guest and no domain of its allows the name.
 */
void
front_answer(const struct client_addr *ca, const uint8_t *pkt, size_t len)
{
	struct dns_q	 q;
	const char	*why;
	uint32_t	 a;

	if (dns_parse_query(pkt, len, &q, &why) == -1) {
		netd.cnt.malformed++;
		log_debug("query dropped: %s", why);
		if (ca->tcp != NULL && ca->tcp->pending > 0) {
			ca->tcp->pending--;
			/* A half-closed client may be done: see tcp_write. */
			bufferevent_trigger(ca->tcp->bev, EV_WRITE,
			    BEV_TRIG_IGNORE_WATERMARKS |
			    BEV_TRIG_DEFER_CALLBACKS);
		}
		return;
	}
	netd.cnt.queries++;
	if (!zone_is_local(q.name)) {
		if (policy_may_forward(&ca->ss, q.name))
			fwd_query(ca, &q);
		else {
			netd.cnt.refused++;
			front_reply(ca, &q, DNS_RCODE_REFUSED, NULL, 0);
		}
		return;
	}
	netd.cnt.local++;
	if (zone_lookup(q.name, &a) == 0)
		front_reply(ca, &q, DNS_RCODE_NOERROR, &a,
		    q.qtype == DNS_TYPE_A || q.qtype == DNS_TYPE_ANY);
	else
		front_reply(ca, &q, strcasecmp(q.name, "vm") == 0 ?
		    DNS_RCODE_NOERROR : DNS_RCODE_NXDOMAIN, NULL, 0);
}

static void
udp_read(evutil_socket_t fd, short what, void *arg)
{
	struct client_addr	 ca;
	uint8_t			 pkt[DNS_UDP_MAX * 8];
	ssize_t			 n;
	int			 i;

	(void)what;
	(void)arg;
	for (i = 0; i < UDP_BATCH; i++) {
		memset(&ca, 0, sizeof(ca));
		ca.len = sizeof(ca.ss);
		n = recvfrom(fd, pkt, sizeof(pkt), MSG_DONTWAIT | MSG_TRUNC,
		    (struct sockaddr *)&ca.ss, &ca.len);
		if (n == -1)
			break;
		if ((size_t)n > sizeof(pkt)) {
			netd.cnt.malformed++;
			continue;
		}
		if (rate_ok(&ca.ss))
			front_answer(&ca, pkt, (size_t)n);
	}
}

static void
tcp_read(struct bufferevent *bev, void *arg)
{
	struct tcpconn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	uint8_t		 hdr[2], pkt[DNS_TCP_MAX];
	size_t		 len;

	while (c->pending < TCP_PENDING_MAX &&
	    evbuffer_copyout(in, hdr, 2) == 2) {
		len = (size_t)hdr[0] << 8 | hdr[1];
		if (len < 12) {
			netd.cnt.malformed++;
			tcp_free(c);
			return;
		}
		if (evbuffer_get_length(in) < len + 2)
			return;
		evbuffer_drain(in, 2);
		evbuffer_remove(in, pkt, len);
		if (!rate_ok(&c->ca.ss))
			continue;
		c->pending++;
		front_answer(&c->ca, pkt, len);
	}
	if (c->pending >= TCP_PENDING_MAX)
		bufferevent_disable(bev, EV_READ);
}

/* Output drained: a client that half-closed goes once all is answered. */
static void
tcp_write(struct bufferevent *bev, void *arg)
{
	struct tcpconn	*c = arg;

	if (c->eof && c->pending == 0 &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		tcp_free(c);
}

static void
tcp_event(struct bufferevent *bev, short what, void *arg)
{
	struct tcpconn	*c = arg;

	/* End of its queries: answer those in flight, then close. */
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) &&
	    !(what & BEV_EVENT_TIMEOUT)) {
		c->eof = 1;
		bufferevent_disable(bev, EV_READ);
		tcp_write(bev, c);
		return;
	}
	tcp_free(c);
}

/* Whether two clients have the same address (ports aside). */
int
same_source(const struct sockaddr_storage *a,
    const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
		    &((const struct sockaddr_in *)b)->sin_addr, 4) == 0;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	    &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

static void
tcp_accept(evutil_socket_t fd, short what, void *arg)
{
	struct tcpconn	*c, *o;
	struct timeval	 idle = { TCP_IDLE_SEC, 0 };
	unsigned	 n = 0;
	int		 s;

	(void)what;
	(void)arg;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return;
	c->ca.len = sizeof(c->ca.ss);
	if ((s = accept4(fd, (struct sockaddr *)&c->ca.ss, &c->ca.len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1) {
		free(c);
		return;
	}
	/* One guest may not take every connection slot. */
	TAILQ_FOREACH(o, &tcpconns, entry)
		n += same_source(&o->ca.ss, &c->ca.ss);
	if (n >= TCP_PER_SOURCE)
		netd.cnt.limited++;
	if (n >= TCP_PER_SOURCE || !rate_ok(&c->ca.ss) ||
	    (c->bev = bufferevent_socket_new(netd.base, s,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(s);
		free(c);
		return;
	}
	c->ca.tcp = c;
	TAILQ_INSERT_TAIL(&tcpconns, c, entry);
	bufferevent_setcb(c->bev, tcp_read, tcp_write, tcp_event, c);
	bufferevent_set_timeouts(c->bev, &idle, &idle);
	bufferevent_setwatermark(c->bev, EV_READ, 0, DNS_TCP_MAX + 2);
	bufferevent_enable(c->bev, EV_READ);
	/* At the cap, stop accepting: the kernel's backlog holds the rest. */
	if (++netd.ntcp == TCP_CONN_MAX)
		event_del(netd.tcp_ev);
}

/* A listener from bangerd: check what it is before using it. */
void
front_listen(int kind, int fd)
{
	socklen_t	 sl = sizeof(int);
	int		 type, acc = 0;
	struct event	**evp = kind == NET_LISTEN_TCP ? &netd.tcp_ev :
	    &netd.udp_ev;
	int		*fdp = kind == NET_LISTEN_TCP ? &netd.tcp : &netd.udp;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl) == -1 ||
	    type != (kind == NET_LISTEN_TCP ? SOCK_STREAM : SOCK_DGRAM) ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &sl) == -1 ||
	    acc != (kind == NET_LISTEN_TCP))
		fatalx("bangerd sent a %s listener that is not one",
		    kind == NET_LISTEN_TCP ? "TCP" : "UDP");
	if (*evp != NULL) {
		event_free(*evp);
		close(*fdp);
	}
	evutil_make_socket_nonblocking(fd);
	*fdp = fd;
	*evp = event_new(netd.base, fd, EV_READ | EV_PERSIST,
	    kind == NET_LISTEN_TCP ? tcp_accept : udp_read, NULL);
	if (*evp == NULL || event_add(*evp, NULL) == -1)
		fatalx("listener event");
}
