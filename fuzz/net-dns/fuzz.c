/*
 * banger-net's DNS codec (banger-net/dns.c) over arbitrary bytes, taken
 * both as a guest's query and as an upstream's answer to the question the
 * bytes hold.  What is accepted must hold together: a parsed query yields
 * a reply and a forward that parse again; a checked answer relays within
 * the guest's size and its addresses fit their array; and whatever one
 * function refuses the others refuse too.
 */
#include <sys/socket.h>

#include <arpa/inet.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "dns.h"
#include "pubaddr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
name_clean(const char *s)
{
	size_t	 i, n;

	n = strnlen(s, DNS_NAME_STRLEN);
	if (n == DNS_NAME_STRLEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_' || s[i] == '.'))
			return 0;
	return 1;
}

/* A guest's query accepted: it must come back out as replies and forward. */
static void
as_query(const uint8_t *data, size_t size)
{
	static uint8_t	 out[DNS_TCP_MAX];
	const uint32_t	 a[2] = { 0x0100000a, 0x0200000a };
	struct dns_q	 q, f;
	const char	*why;
	ssize_t		 n;

	if (dns_parse_query(data, size, &q, &why) == -1) {
		if (why == NULL)
			abort();
		return;
	}
	if (!name_clean(q.name) || strcasecmp(q.name, q.asked) != 0 ||
	    q.qclass != DNS_CLASS_IN || (!q.edns && q.udp_size != 0))
		abort();
	if (dns_udp_limit(&q) < DNS_UDP_MAX ||
	    dns_udp_limit(&q) > DNS_EDNS_SIZE)
		abort();
	n = dns_build_reply(&q, DNS_RCODE_NOERROR, a, 2, 60, out, sizeof(out));
	if (n < 0 || (size_t)n > dns_udp_limit(&q) ||
	    dns_walk(out, (size_t)n, &why) == -1)
		abort();
	n = dns_build_reply(&q, DNS_RCODE_NXDOMAIN, NULL, 0, 0, out,
	    sizeof(out));
	if (n < 0 || dns_walk(out, (size_t)n, &why) == -1)
		abort();
	n = dns_build_forward(&q, 0x5a5a, out, sizeof(out));
	if (n < 0 || dns_parse_query(out, (size_t)n, &f, &why) == -1 ||
	    strcmp(f.name, q.name) != 0 || f.qtype != q.qtype ||
	    f.id != 0x5a5a || !f.rd || f.udp_size != DNS_EDNS_SIZE)
		abort();
}

/*
 * The question the bytes hold, if it is written without pointers, as a
 * guest's query for it; else a fixed one.
 */
static void
question_of(const uint8_t *data, size_t size, struct dns_q *q)
{
	uint8_t		 b[12 + DNS_NAME_MAX + 4];
	size_t		 p = 12;

	while (p < size && p - 12 < DNS_NAME_MAX && data[p] != 0 &&
	    data[p] < 64)
		p += 1 + data[p];
	if (size >= 16 && p + 5 <= size && p - 12 < DNS_NAME_MAX &&
	    data[p] == 0) {
		memset(b, 0, 12);
		b[5] = 1;
		memcpy(b + 12, data + 12, p + 5 - 12);
		if (dns_parse_query(b, p + 5, q, NULL) == 0)
			return;
	}
	memset(q, 0, sizeof(*q));
	q->qtype = DNS_TYPE_A;
	q->qclass = DNS_CLASS_IN;
	strcpy(q->name, "www.example.org");
	strcpy(q->asked, "www.Example.org");
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* A relayed answer on an allowlisted guest's path, checked the long way. */
static void
as_allowlisted(const uint8_t *pkt, size_t len)
{
	static struct dns_addr	 a[ANSWER_ADDRS_SCAN + 1];
	struct answer_allow	 al;
	size_t			 n, i, k, na4 = 0;
	uint32_t		 v4, ttl = 0;
	int			 r, bad = 0;

	r = answer_check(pkt, len, &al);
	if (dns_answer_addrs(pkt, len, a, ANSWER_ADDRS_SCAN + 1, &n) == -1) {
		if (r != ANSWER_BAD)
			abort();
		return;
	}
	if (r == ANSWER_BAD || al.n > NET_ALLOW_ADDRS_MAX)
		abort();
	if (n > ANSWER_ADDRS_SCAN) {
		if (r != ANSWER_TOO_MANY)
			abort();
		return;
	}
	for (i = 0; i < n; i++) {
		if (a[i].af == AF_INET) {
			bad |= !pubaddr_ok4(get32(a[i].addr));
			ttl = na4++ == 0 || a[i].ttl < ttl ? a[i].ttl : ttl;
		} else
			bad |= !answer_public6(a[i].addr);
	}
	if (bad != (r == ANSWER_REBINDING) || (na4 == 0 && !bad &&
	    r != ANSWER_PASS))
		abort();
	if (r != ANSWER_ASK)
		return;
	if (al.n == 0 || al.ttl != ttl)
		abort();
	for (i = 0; i < al.n; i++) {
		if (!pubaddr_ok4(ntohl(al.addr[i])))
			abort();
		for (k = 0; k < i; k++)
			if (al.addr[k] == al.addr[i])
				abort();
	}
	for (i = 0; i < n; i++) {
		if (a[i].af != AF_INET)
			continue;
		memcpy(&v4, a[i].addr, 4);
		for (k = 0; k < al.n && al.addr[k] != v4; k++)
			;
		if (k == al.n)
			abort();
	}
}

static void
as_answer(const uint8_t *data, size_t size)
{
	static uint8_t	 out[DNS_TCP_MAX];
	struct dns_addr	 addrs[8];
	struct dns_q	 q;
	const char	*why;
	uint16_t	 id;
	ssize_t		 n;
	size_t		 na, i;
	int		 ok, walked, addrs_ok;

	question_of(data, size, &q);
	q.id = 0x1234;
	id = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0;
	ok = dns_check_answer(data, size, &q, id, &why) == 0;
	if (!ok && why == NULL)
		abort();
	walked = dns_walk(data, size, &why) == 0;
	if (ok && !walked)
		abort();
	addrs_ok = dns_answer_addrs(data, size, addrs, 8, &na) == 0;
	if (na > 8 || (!addrs_ok && na != 0) || (ok && !addrs_ok))
		abort();
	for (i = 0; i < na; i++)
		if (addrs[i].af != AF_INET && addrs[i].af != AF_INET6)
			abort();
	for (q.edns = 0; q.edns < 2; q.edns++) {
		q.udp_size = q.edns ? 4096 : 0;
		/* The second pass as for an allowlisted guest: TTLs capped. */
		q.ttl_max = q.edns ? 3600 : 0;
		n = dns_relay_answer(data, size, &q, dns_udp_limit(&q), out,
		    sizeof(out));
		/* Refusing is allowed (SERVFAIL); emitting a bad message not. */
		if (n >= 0 && ((size_t)n > dns_udp_limit(&q) ||
		    (out[0] << 8 | out[1]) != 0x1234 ||
		    dns_walk(out, (size_t)n, &why) == -1))
			abort();
		if (!walked && n >= 0)
			abort();
		n = dns_relay_answer(data, size, &q, DNS_TCP_MAX, out,
		    sizeof(out));
		if (n >= 0 && (!ok || dns_walk(out, (size_t)n, &why) == -1))
			abort();
		if (n >= 0)
			as_allowlisted(out, (size_t)n);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	as_query(data, size);
	as_answer(data, size);
	return 0;
}
