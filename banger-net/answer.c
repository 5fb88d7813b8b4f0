/*
 * An allowlisted guest's answer, before it is passed on: the IPv4
 * addresses it would let the guest reach (the A records of the question's
 * name and its CNAMEs, as dns_answer_addrs() finds them) and the DNS
 * rebinding filter over them and their AAAA records.  Pure, so that the
 * fuzz target runs it as banger-net does.
 */
#include <sys/socket.h>

#include <string.h>

#include "answer.h"
#include "dns.h"
#include "pubaddr.h"

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * Whether a guest may be pointed at an IPv6 address: not unspecified,
 * loopback or IPv4-compatible (::/96), link-local (fe80::/10), site-local
 * (fec0::/10), unique local (fc00::/7), multicast (ff00::/8), nor an
 * IPv4-mapped (::ffff:0:0/96) or NAT64 (64:ff9b::/96) form of an IPv4
 * address that is not public, nor the local-use NAT64 prefix
 * (64:ff9b:1::/48), whose IPv4 half says nothing of where it goes.
 */
int
answer_public6(const uint8_t *a)
{
	static const uint8_t	 zero[12], mapped[12] = { [10] = 0xff,
	    [11] = 0xff }, nat64[12] = { 0x00, 0x64, 0xff, 0x9b };
	static const uint8_t	 nat64_local[6] = { 0x00, 0x64, 0xff, 0x9b,
	    0x00, 0x01 };

	if (memcmp(a, zero, 12) == 0)
		return 0;
	if ((a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
	    (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) ||
	    (a[0] & 0xfe) == 0xfc || a[0] == 0xff)
		return 0;
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return pubaddr_ok4(get32(a + 12));
	if (memcmp(a, nat64_local, 6) == 0)
		return 0;
	return 1;
}

int
answer_check(const uint8_t *pkt, size_t len, struct answer_allow *out)
{
	struct dns_addr	 a[ANSWER_ADDRS_SCAN + 1];
	size_t		 n, i, k;
	uint32_t	 v4;
	int		 any = 0;

	memset(out, 0, sizeof(*out));
	if (dns_answer_addrs(pkt, len, a, ANSWER_ADDRS_SCAN + 1, &n) == -1)
		return ANSWER_BAD;
	if (n > ANSWER_ADDRS_SCAN)
		return ANSWER_TOO_MANY;
	/* Every address first: one bad one spoils the whole answer. */
	for (i = 0; i < n; i++)
		if (a[i].af == AF_INET ? !pubaddr_ok4(get32(a[i].addr)) :
		    !answer_public6(a[i].addr))
			return ANSWER_REBINDING;
	for (i = 0; i < n; i++) {
		if (a[i].af != AF_INET)
			continue;
		out->ttl = !any || a[i].ttl < out->ttl ? a[i].ttl : out->ttl;
		any = 1;
		memcpy(&v4, a[i].addr, 4);
		for (k = 0; k < out->n && out->addr[k] != v4; k++)
			;
		if (k < out->n)
			continue;	/* the same address twice */
		if (out->n == NET_ALLOW_ADDRS_MAX)
			return ANSWER_TOO_MANY;
		out->addr[out->n++] = v4;
	}
	return any ? ANSWER_ASK : ANSWER_PASS;
}
