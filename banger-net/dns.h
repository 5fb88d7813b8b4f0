/*
 * banger-net's DNS codec: guests' queries, banger-net's own answers for
 * the .vm zone, the queries it forwards upstream and the answers it
 * relays back.  Messages are parsed and built with ldns; before ldns sees
 * a byte, dns_walk() checks the message's layout strictly and bounded
 * (RFC 9267).  Every function returns an error (and a reason in *why
 * where there is one) for a malformed message; none aborts.
 */
#ifndef BANGER_NET_DNS_H
#define BANGER_NET_DNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DNS_UDP_MAX	512	/* a guest's UDP size without EDNS */
#define DNS_TCP_MAX	65535	/* a message over TCP */
#define DNS_NAME_MAX	255	/* a name in wire form, root label included */
/* A name in presentation form, no trailing dot, NUL included. */
#define DNS_NAME_STRLEN	254
/* The UDP size banger-net offers guests and asks of its upstreams. */
#define DNS_EDNS_SIZE	1232
/* Compression pointers followed in one name; more is refused. */
#define DNS_PTR_MAX	16

#define DNS_RCODE_NOERROR	0
#define DNS_RCODE_FORMERR	1
#define DNS_RCODE_SERVFAIL	2
#define DNS_RCODE_NXDOMAIN	3
#define DNS_RCODE_REFUSED	5

#define DNS_TYPE_A	1
#define DNS_TYPE_AAAA	28
#define DNS_TYPE_ANY	255
#define DNS_CLASS_IN	1

/*
 * A guest's question.  Names are limited to letters, digits, '-' and '_'
 * in each label, so the presentation form needs no escapes and compares
 * as a plain string (an allowlist's "*.example.org" cannot be fooled by
 * a label holding a dot).
 */
struct dns_q {
	uint16_t	 id;
	uint16_t	 qtype, qclass;
	int		 rd;
	int		 edns;		/* the query had an OPT RR */
	uint16_t	 udp_size;	/* its EDNS UDP size, as sent */
	char		 name[DNS_NAME_STRLEN];	/* lower-cased; "" is root */
	char		 asked[DNS_NAME_STRLEN];	/* as sent, for echoing */
	/* Set by the caller: relayed TTLs at most this (0: as they come). */
	uint32_t	 ttl_max;
};

/* An address from an answer, for the egress allowlist. */
struct dns_addr {
	int		 af;		/* AF_INET or AF_INET6 */
	uint8_t		 addr[16];	/* network order; 4 bytes for AF_INET */
	uint32_t	 ttl;
};

/*
 * The layout of any message: header, names (labels <= 63, names <= 255
 * octets, pointers only backwards and inside the packet, at most
 * DNS_PTR_MAX per name), counts and RDLENGTHs that fit, at most one OPT
 * RR (in the additional section, owned by the root), no TSIG, TKEY or
 * HIP, no trailing bytes.  0 or -1.
 */
int	dns_walk(const uint8_t *, size_t, const char **);

/* A guest's query into q.  0 or -1. */
int	dns_parse_query(const uint8_t *, size_t, struct dns_q *,
	    const char **);
/* The largest UDP reply the guest of q takes (512 to DNS_EDNS_SIZE). */
size_t	dns_udp_limit(const struct dns_q *);

/*
 * banger-net's own authoritative answer to q: rcode, and for an A or ANY
 * question with NOERROR the na addresses in a (network order) with ttl.
 * Returns the length written to out or -1.
 */
ssize_t	dns_build_reply(const struct dns_q *, int, const uint32_t *, size_t,
	    uint32_t, uint8_t *, size_t);
/* The query forwarded upstream for q, with a fresh id.  Length or -1. */
ssize_t	dns_build_forward(const struct dns_q *, uint16_t, uint8_t *, size_t);
/* Whether an upstream's answer answers the forward of q sent with id. */
int	dns_check_answer(const uint8_t *, size_t, const struct dns_q *,
	    uint16_t, const char **);
/*
 * A checked answer rewritten for q's guest: the guest's id and question,
 * no upstream EDNS options; a reply longer than max is replaced by the
 * question alone with TC=1.  Length or -1.
 */
ssize_t	dns_relay_answer(const uint8_t *, size_t, const struct dns_q *,
	    size_t, uint8_t *, size_t);
/*
 * The A and AAAA records of an answer's answer section owned by the
 * question's name or a name it is a CNAME of, at most max of them
 * (further ones are left out) with their count in *n.  0 or -1.
 */
int	dns_answer_addrs(const uint8_t *, size_t, struct dns_addr *, size_t,
	    size_t *);

/* Whether a VM name is usable as a label under .vm. */
int	dns_name_ok(const char *);

#endif
