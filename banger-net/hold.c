/*
 * Answers to allowlisted guests, held until bangerd says their addresses
 * are in the guest's nftables set (NET_ALLOW, answered by NET_ALLOWED
 * with the same header id): a guest must not learn an address before it
 * may connect to it, nor one the rebinding filter refuses at all.  The
 * hold is bounded in number (overall and per guest), in time (HOLD_WAIT_MS,
 * then SERVFAIL) and never blocks on bangerd: a NET_ALLOW that cannot be
 * sent at once is a SERVFAIL.  A NET_ALLOWED that finds nothing (it came
 * after the timeout, or the client went) is ignored.
 */
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "buf.h"
#include "log.h"
#include "net.h"

static struct held {
	int			 used;
	uint64_t		 id;
	struct client_addr	 ca;
	struct dns_q		 q;
	uint8_t			*pkt;
	size_t			 len;
	struct event		*timer;
} holds[HOLD_MAX];

static uint64_t	 last_id;
static int	 bangerd_slow;	/* said so in the log */

static void
held_free(struct held *h)
{
	if (h->timer != NULL)
		event_free(h->timer);
	free(h->pkt);
	memset(h, 0, sizeof(*h));
}

static void
held_fail(struct held *h)
{
	netd.cnt.failed++;
	front_reply(&h->ca, &h->q, DNS_RCODE_SERVFAIL, NULL, 0);
	held_free(h);
}

static void
held_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	if (!bangerd_slow) {
		log_warnx("bangerd did not allow an answer's addresses in "
		    "%d ms: SERVFAIL", HOLD_WAIT_MS);
		bangerd_slow = 1;
	}
	held_fail(arg);
}

/* NET_ALLOW for the answer held in h, sent now or not at all. */
static int
ask(struct held *h, uint32_t guest, const struct answer_allow *al)
{
	struct net_allow	 na;
	struct buf		 b = { 0 };
	char			 gs[INET_ADDRSTRLEN];
	char			 s[NET_ALLOW_ADDRS_MAX][INET_ADDRSTRLEN];
	char			*v[NET_ALLOW_ADDRS_MAX + 1];
	size_t			 i;
	int			 r = -1;

	if (inet_ntop(AF_INET, &guest, gs, sizeof(gs)) == NULL)
		return -1;
	for (i = 0; i < al->n; i++) {
		if (inet_ntop(AF_INET, &al->addr[i], s[i], sizeof(s[i])) ==
		    NULL)
			return -1;
		v[i] = s[i];
	}
	v[al->n] = NULL;
	na.guest = gs;
	na.addrs.v = v;
	na.addrs.n = al->n;
	na.ttl = al->ttl;
	if (msg_frame(&net_proto, NET_ALLOW, h->id, &na, &b) == 0 &&
	    chan_send_nowait(&b) == 0)
		r = 0;
	buf_free(&b);
	return r;
}

/*
 * The relayed answer pkt to an allowlisted guest at guest (network
 * order): passed on, held for bangerd, or replaced by a SERVFAIL.
 */
void
hold_answer(const struct client_addr *ca, const struct dns_q *q,
    uint32_t guest, const uint8_t *pkt, size_t len)
{
	struct answer_allow	 al;
	struct timeval		 tv = { HOLD_WAIT_MS / 1000,
	    HOLD_WAIT_MS % 1000 * 1000 };
	struct held		*h = NULL;
	size_t			 i, n = 0;

	switch (answer_check(pkt, len, &al)) {
	case ANSWER_PASS:
		front_send(ca, pkt, len);
		return;
	case ANSWER_ASK:
		break;
	case ANSWER_REBINDING:
		netd.cnt.rebinding++;
		log_debug("%s: a non-public address in the answer: SERVFAIL",
		    q->name);
		front_reply(ca, q, DNS_RCODE_SERVFAIL, NULL, 0);
		return;
	default:
		/* More addresses than one NET_ALLOW takes, or no message. */
		netd.cnt.failed++;
		front_reply(ca, q, DNS_RCODE_SERVFAIL, NULL, 0);
		return;
	}
	for (i = 0; i < HOLD_MAX; i++)
		if (!holds[i].used)
			h = h == NULL ? &holds[i] : h;
		else
			n += same_source(&holds[i].ca.ss, &ca->ss);
	/* One guest may not take every slot. */
	if (n >= HOLD_PER_SOURCE || h == NULL ||
	    (h->pkt = malloc(len)) == NULL) {
		netd.cnt.busy++;
		front_reply(ca, q, DNS_RCODE_SERVFAIL, NULL, 0);
		return;
	}
	memcpy(h->pkt, pkt, len);
	h->len = len;
	h->ca = *ca;
	h->q = *q;
	h->used = 1;
	if (++last_id == 0)
		last_id = 1;
	h->id = last_id;
	if ((h->timer = evtimer_new(netd.base, held_timeout, h)) == NULL ||
	    evtimer_add(h->timer, &tv) == -1 || ask(h, guest, &al) == -1) {
		/* bangerd is not reading its channel: no waiting on it. */
		netd.cnt.busy++;
		front_reply(ca, q, DNS_RCODE_SERVFAIL, NULL, 0);
		held_free(h);
	}
}

/* NET_ALLOWED: the answer held under id goes on, or a SERVFAIL does. */
void
hold_allowed(uint64_t id, int ok)
{
	struct held	*h;
	size_t		 i;

	for (i = 0; i < HOLD_MAX; i++)
		if (holds[i].used && holds[i].id == id)
			break;
	if (i == HOLD_MAX)
		return;
	h = &holds[i];
	bangerd_slow = 0;
	if (!ok) {
		log_debug("%s: bangerd did not allow its addresses: SERVFAIL",
		    h->q.name);
		held_fail(h);
		return;
	}
	front_send(&h->ca, h->pkt, h->len);
	held_free(h);
}

/* A TCP client went away: its held answers have nowhere to go. */
void
hold_client_gone(struct tcpconn *c)
{
	size_t	 i;

	for (i = 0; i < HOLD_MAX; i++)
		if (holds[i].used && holds[i].ca.tcp == c)
			held_free(&holds[i]);
}
