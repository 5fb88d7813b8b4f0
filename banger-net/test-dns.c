/*
 * banger-net's DNS codec (dns.c): guests' queries accepted and refused,
 * the RFC 9267 cases of the strict walk (loops, forward and outside
 * pointers, label and name lengths, counts and RDLENGTH past the end,
 * trailing bytes), banger-net's own replies read back with ldns,
 * forwarded queries, upstream answers matched to their question, relayed
 * with the guest's id and truncated to the guest's size, the
 * addresses an answer gives, and what an allowlisted guest's answer asks
 * of bangerd (answer.c: its addresses, its smallest TTL, the rebinding
 * filter).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "answer.h"
#include "dns.h"

/* A header with the given flags (second and third byte) and counts. */
static size_t
hdr(uint8_t *b, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
    uint16_t ns, uint16_t ar)
{
	const uint16_t	 v[6] = { id, flags, qd, an, ns, ar };
	int		 i;

	for (i = 0; i < 6; i++) {
		b[2 * i] = v[i] >> 8;
		b[2 * i + 1] = v[i] & 0xff;
	}
	return 12;
}

static size_t
put16(uint8_t *b, size_t o, uint16_t v)
{
	b[o] = v >> 8;
	b[o + 1] = v & 0xff;
	return o + 2;
}

/* A dotted name in wire form at o ("" is the root). */
static size_t
put_name(uint8_t *b, size_t o, const char *s)
{
	const char	*dot;
	size_t		 l;

	while (*s != '\0') {
		dot = strchr(s, '.');
		l = dot == NULL ? strlen(s) : (size_t)(dot - s);
		b[o++] = (uint8_t)l;
		memcpy(b + o, s, l);
		o += l;
		s += l + (dot != NULL);
	}
	b[o++] = 0;
	return o;
}

/* A question for name, type, class at o. */
static size_t
put_q(uint8_t *b, size_t o, const char *name, uint16_t type, uint16_t cls)
{
	o = put_name(b, o, name);
	o = put16(b, o, type);
	return put16(b, o, cls);
}

/* An OPT record with the given UDP size and version at o. */
static size_t
put_opt(uint8_t *b, size_t o, uint16_t size, uint8_t version)
{
	b[o++] = 0;
	o = put16(b, o, LDNS_RR_TYPE_OPT);
	o = put16(b, o, size);
	b[o++] = 0;
	b[o++] = version;
	o = put16(b, o, 0);
	return put16(b, o, 0);
}

/* A record header (type IN, ttl 300) after an owner already written. */
static size_t
put_rrhdr(uint8_t *b, size_t o, uint16_t type, uint16_t rdlen)
{
	o = put16(b, o, type);
	o = put16(b, o, 1);
	o = put16(b, o, 0);
	o = put16(b, o, 300);
	return put16(b, o, rdlen);
}

/* A guest's A query for www.example.org, RD=1. */
static size_t
plain_query(uint8_t *b)
{
	hdr(b, 0x1234, 0x0100, 1, 0, 0, 0);
	return put_q(b, 12, "www.example.org", 1, 1);
}

static int
query_ok(const uint8_t *b, size_t n, struct dns_q *q)
{
	const char	*why = NULL;
	int		 r;

	r = dns_parse_query(b, n, q, &why);
	if (r == -1)
		assert_non_null(why);
	return r;
}

/* The reason a query is refused, for asserting on. */
static const char *
refusal(const uint8_t *b, size_t n)
{
	struct dns_q	 q;
	const char	*why = NULL;

	assert_int_equal(dns_parse_query(b, n, &q, &why), -1);
	assert_non_null(why);
	return why;
}

static void
test_query_ok(void **state)
{
	uint8_t		 b[512];
	struct dns_q	 q;
	size_t		 n;

	(void)state;
	hdr(b, 0xbeef, 0x0100, 1, 0, 0, 0);
	n = put_q(b, 12, "WwW.Example.ORG", 28, 1);
	assert_int_equal(query_ok(b, n, &q), 0);
	assert_int_equal(q.id, 0xbeef);
	assert_int_equal(q.qtype, 28);
	assert_int_equal(q.qclass, 1);
	assert_int_equal(q.rd, 1);
	assert_int_equal(q.edns, 0);
	assert_string_equal(q.name, "www.example.org");
	assert_string_equal(q.asked, "WwW.Example.ORG");
	assert_int_equal(dns_udp_limit(&q), 512);
	/* The root and underscores are names too. */
	hdr(b, 1, 0, 1, 0, 0, 0);
	n = put_q(b, 12, "", 2, 1);
	assert_int_equal(query_ok(b, n, &q), 0);
	assert_string_equal(q.name, "");
	assert_int_equal(q.rd, 0);
	n = put_q(b, 12, "_sip._tcp.example.org", 33, 1);
	assert_int_equal(query_ok(b, n, &q), 0);
	assert_string_equal(q.name, "_sip._tcp.example.org");
}

static void
test_query_edns(void **state)
{
	uint8_t		 b[512];
	struct dns_q	 q;
	size_t		 n, o;

	(void)state;
	hdr(b, 7, 0x0100, 1, 0, 0, 1);
	o = put_q(b, 12, "a.vm", 1, 1);
	n = put_opt(b, o, 4096, 0);
	assert_int_equal(query_ok(b, n, &q), 0);
	assert_int_equal(q.edns, 1);
	assert_int_equal(q.udp_size, 4096);
	assert_int_equal(dns_udp_limit(&q), DNS_EDNS_SIZE);
	n = put_opt(b, o, 1000, 0);
	assert_int_equal(query_ok(b, n, &q), 0);
	assert_int_equal(dns_udp_limit(&q), 1000);
	/* Below 512 counts as 512 (RFC 6891 6.2.5). */
	n = put_opt(b, o, 100, 0);
	assert_int_equal(query_ok(b, n, &q), 0);
	assert_int_equal(dns_udp_limit(&q), 512);
	n = put_opt(b, o, 1232, 1);
	assert_string_equal(refusal(b, n), "EDNS version other than 0");
	/* OPT owned by a name other than the root. */
	n = put_opt(b, o, 1232, 0);
	b[o] = 0xc0;
	memmove(b + o + 2, b + o + 1, n - o - 1);
	b[o + 1] = 12;
	n++;
	assert_string_equal(refusal(b, n), "OPT record other than one, at "
	    "the root, in the additional section");
	/* Two OPTs. */
	hdr(b, 7, 0x0100, 1, 0, 0, 2);
	n = put_opt(b, put_opt(b, o, 1232, 0), 1232, 0);
	assert_string_equal(refusal(b, n), "OPT record other than one, at "
	    "the root, in the additional section");
	/* An additional record that is not OPT. */
	hdr(b, 7, 0x0100, 1, 0, 0, 1);
	n = put_rrhdr(b, put_name(b, o, "x"), 1, 4) + 4;
	assert_string_equal(refusal(b, n),
	    "additional records other than one OPT");
}

static void
test_query_header(void **state)
{
	uint8_t		 b[512];
	size_t		 n;

	(void)state;
	n = plain_query(b);
	b[2] |= 0x80;
	assert_string_equal(refusal(b, n), "QR=1 in a query");
	n = plain_query(b);
	b[2] |= 2 << 3;
	assert_string_equal(refusal(b, n), "opcode not QUERY");
	hdr(b, 1, 0, 2, 0, 0, 0);
	n = put_q(b, put_q(b, 12, "a.org", 1, 1), "b.org", 1, 1);
	assert_string_equal(refusal(b, n), "QDCOUNT not 1");
	hdr(b, 1, 0, 0, 0, 0, 0);
	assert_string_equal(refusal(b, 12), "QDCOUNT not 1");
	hdr(b, 1, 0, 1, 1, 0, 0);
	n = put_q(b, 12, "a.org", 1, 1);
	n = put_rrhdr(b, put_name(b, n, "a.org"), 1, 4) + 4;
	assert_string_equal(refusal(b, n),
	    "answer or authority records in a query");
}

static void
test_query_question(void **state)
{
	uint8_t		 b[512];
	size_t		 n;

	(void)state;
	hdr(b, 1, 0, 1, 0, 0, 0);
	n = put_q(b, 12, "www.example.org", 1, 3);
	assert_string_equal(refusal(b, n), "class not IN");
	n = put_q(b, 12, "www.example.org", 252, 1);
	assert_string_equal(refusal(b, n),
	    "query type not served (OPT, TSIG, AXFR, ...)");
	/* A label holding a dot would pass for two labels in a string. */
	n = put_q(b, 12, "x", 1, 1);
	n = put_q(b, 12, "evilXnpmjs.org", 1, 1);
	b[17] = '.';
	assert_string_equal(refusal(b, n), "name holds a byte other than "
	    "a letter, digit, '-' or '_'");
	(void)n;
}

/* A query whose name is the bytes given (with any pointers), type A. */
static size_t
raw_query(uint8_t *b, const uint8_t *name, size_t nl)
{
	hdr(b, 1, 0, 1, 0, 0, 0);
	memcpy(b + 12, name, nl);
	put16(b, 12 + nl, 1);
	put16(b, 14 + nl, 1);
	return 16 + nl;
}

static void
test_walk_pointers(void **state)
{
	uint8_t		 b[600];
	const uint8_t	 self[] = { 1, 'a', 0xc0, 12 };
	const uint8_t	 fwd[] = { 0xc0, 14, 1, 'a', 0 };
	const uint8_t	 out[] = { 1, 'a', 0xc1, 0 };
	const uint8_t	 head[] = { 1, 'a', 0xc0, 2 };
	const char	*why = NULL;
	size_t		 n, o, i;

	(void)state;
	/* A pointer to its own name: the shortest loop. */
	n = raw_query(b, self, sizeof(self));
	assert_string_equal(refusal(b, n),
	    "compression pointer not strictly backwards");
	n = raw_query(b, fwd, sizeof(fwd));
	assert_string_equal(refusal(b, n),
	    "compression pointer not strictly backwards");
	n = raw_query(b, out, sizeof(out));
	assert_string_equal(refusal(b, n),
	    "compression pointer outside the packet");
	n = raw_query(b, head, sizeof(head));
	assert_string_equal(refusal(b, n),
	    "compression pointer into the header");
	/* Two records pointing at each other: the loop needs a forward one. */
	hdr(b, 1, 0x8000, 1, 2, 0, 0);
	o = put_q(b, 12, "a", 1, 1);
	b[o] = 0xc0;
	b[o + 1] = (uint8_t)(o + 16);
	o = put_rrhdr(b, o + 2, 1, 4) + 4;
	b[o] = 0xc0;
	b[o + 1] = (uint8_t)(o - 16);
	n = put_rrhdr(b, o + 2, 1, 4) + 4;
	assert_int_equal(dns_walk(b, n, NULL), -1);
	/*
	 * Question "a", then records each owned by a pointer to the one
	 * before: the 16th follows 16 pointers, the 17th one too many.
	 */
	hdr(b, 1, 0x8000, 1, 17, 0, 0);
	o = put_q(b, 12, "a", 1, 1);
	for (i = 0; i < 17; i++) {
		b[o] = 0xc0;
		b[o + 1] = (uint8_t)(i == 0 ? 12 : o - 12);
		o = put_rrhdr(b, o + 2, 16, 0);
	}
	assert_int_equal(dns_walk(b, o, &why), -1);
	assert_string_equal(why, "too many compression pointers in a name");
	put16(b, 6, 16);
	assert_int_equal(dns_walk(b, o - 12, &why), 0);
}

static void
test_walk_lengths(void **state)
{
	uint8_t		 b[600], name[300];
	struct dns_q	 q;
	size_t		 n, i;

	(void)state;
	/* A label of 63 is fine; 64 has the top bits 01. */
	memset(name, 'a', sizeof(name));
	name[0] = 63;
	name[64] = 0;
	n = raw_query(b, name, 65);
	assert_int_equal(query_ok(b, n, &q), 0);
	name[0] = 64;
	name[65] = 0;
	n = raw_query(b, name, 66);
	assert_string_equal(refusal(b, n),
	    "label type 01 (extended) or longer than 63");
	name[0] = 0x80 | 1;
	n = raw_query(b, name, 66);
	assert_string_equal(refusal(b, n), "label type 10 (reserved)");
	/* Three labels of 63 and one of 61: 255 octets; 62 makes 256. */
	memset(name, 'a', sizeof(name));
	for (i = 0; i < 3; i++)
		name[i * 64] = 63;
	name[192] = 61;
	name[254] = 0;
	n = raw_query(b, name, 255);
	assert_int_equal(query_ok(b, n, &q), 0);
	assert_int_equal(strlen(q.name), 253);
	name[192] = 62;
	name[255] = 0;
	n = raw_query(b, name, 256);
	assert_string_equal(refusal(b, n), "name longer than 255 octets");
	/* A label running past the packet. */
	name[0] = 10;
	n = raw_query(b, name, 5) - 4;
	assert_string_equal(refusal(b, n), "label runs past its end");
	assert_string_equal(refusal(b, 11), "shorter than a DNS header");
}

static void
test_walk_counts(void **state)
{
	uint8_t		 b[600];
	const char	*why;
	size_t		 n, o;

	(void)state;
	n = plain_query(b);
	b[5] = 2;
	assert_string_equal(refusal(b, n),
	    "question count runs past the packet");
	n = plain_query(b);
	b[11] = 1;
	assert_string_equal(refusal(b, n), "record counts run past the packet");
	n = plain_query(b);
	b[n] = 0;
	assert_string_equal(refusal(b, n + 1),
	    "trailing bytes after the last record");
	/* An answer whose RDLENGTH runs one past the packet. */
	hdr(b, 1, 0x8000, 1, 1, 0, 0);
	o = put_q(b, 12, "a", 1, 1);
	b[o] = 0xc0;
	b[o + 1] = 12;
	n = put_rrhdr(b, o + 2, 1, 5) + 4;
	assert_int_equal(dns_walk(b, n, &why), -1);
	assert_string_equal(why, "RDLENGTH runs past the packet");
	put16(b, n - 6, 4);
	assert_int_equal(dns_walk(b, n, &why), 0);
	/* A record header cut short. */
	assert_int_equal(dns_walk(b, n - 8, &why), -1);
	assert_string_equal(why, "record header runs past the packet");
	/* Names in record data are walked too: a forward CNAME target. */
	hdr(b, 1, 0x8000, 1, 1, 0, 0);
	n = put_rrhdr(b, o + 2, 5, 2);
	b[n] = 0xc0;
	b[n + 1] = (uint8_t)(n + 2);
	assert_int_equal(dns_walk(b, n + 2, &why), -1);
	assert_string_equal(why, "compression pointer outside the packet");
	b[n + 1] = 12;
	assert_int_equal(dns_walk(b, n + 2, &why), 0);
	/* A CNAME whose data holds more than its name. */
	put16(b, n - 2, 3);
	b[n + 2] = 0;
	assert_int_equal(dns_walk(b, n + 3, &why), -1);
	assert_string_equal(why, "record data of the wrong length for its type");
	/* TSIG is not ours to check; HIP has names the walk does not know. */
	n = put_rrhdr(b, o + 2, 250, 0);
	assert_int_equal(dns_walk(b, n, &why), -1);
	assert_string_equal(why, "TSIG or TKEY record (not used here)");
	n = put_rrhdr(b, o + 2, 55, 0);
	assert_int_equal(dns_walk(b, n, &why), -1);
	assert_string_equal(why, "record type with names in its data that "
	    "banger-net does not check");
}

/* dns_parse_query() on a plain query for name, type A, optional EDNS. */
static void
make_q(struct dns_q *q, const char *name, uint16_t type, uint16_t udp)
{
	uint8_t		 b[512];
	size_t		 n;

	hdr(b, 0x4242, 0x0100, 1, 0, 0, udp != 0);
	n = put_q(b, 12, name, type, 1);
	if (udp != 0)
		n = put_opt(b, n, udp, 0);
	assert_int_equal(query_ok(b, n, q), 0);
}

static ldns_pkt *
read_back(const uint8_t *b, ssize_t n)
{
	ldns_pkt	*p = NULL;

	assert_true(n > 0);
	assert_int_equal(dns_walk(b, (size_t)n, NULL), 0);
	assert_int_equal(ldns_wire2pkt(&p, b, (size_t)n), LDNS_STATUS_OK);
	return p;
}

static void
test_reply(void **state)
{
	const uint32_t	 a[2] = { htonl(0x0a000102), htonl(0x0a000103) };
	uint8_t		 b[512];
	struct dns_q	 q;
	ldns_pkt	*p;
	ldns_rr		*rr;
	ssize_t		 n;
	int		 i;

	(void)state;
	make_q(&q, "Dev.VM", 1, 0);
	n = dns_build_reply(&q, DNS_RCODE_NOERROR, a, 2, 30, b, sizeof(b));
	p = read_back(b, n);
	assert_int_equal(ldns_pkt_id(p), 0x4242);
	assert_true(ldns_pkt_qr(p) && ldns_pkt_aa(p) && ldns_pkt_ra(p));
	assert_true(ldns_pkt_rd(p));
	assert_int_equal(ldns_pkt_get_rcode(p), 0);
	assert_false(ldns_pkt_edns(p));
	assert_int_equal(ldns_pkt_qdcount(p), 1);
	rr = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	assert_int_equal(ldns_rr_get_type(rr), 1);
	assert_memory_equal(ldns_rdf_data(ldns_rr_owner(rr)),
	    "\3Dev\2VM", 8);
	assert_int_equal(ldns_pkt_ancount(p), 2);
	for (i = 0; i < 2; i++) {
		rr = ldns_rr_list_rr(ldns_pkt_answer(p), i);
		assert_int_equal(ldns_rr_get_type(rr), LDNS_RR_TYPE_A);
		assert_int_equal(ldns_rr_ttl(rr), 30);
		assert_memory_equal(ldns_rdf_data(ldns_rr_rdf(rr, 0)), &a[i],
		    4);
	}
	ldns_pkt_free(p);
	/* AAAA for a VM: NODATA.  NXDOMAIN, REFUSED: the question only. */
	make_q(&q, "dev.vm", 28, 1232);
	n = dns_build_reply(&q, DNS_RCODE_NOERROR, a, 2, 30, b, sizeof(b));
	p = read_back(b, n);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	assert_int_equal(ldns_pkt_edns_udp_size(p), DNS_EDNS_SIZE);
	ldns_pkt_free(p);
	n = dns_build_reply(&q, DNS_RCODE_NXDOMAIN, NULL, 0, 0, b, sizeof(b));
	p = read_back(b, n);
	assert_int_equal(ldns_pkt_get_rcode(p), DNS_RCODE_NXDOMAIN);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
	assert_int_equal(dns_build_reply(&q, 4, NULL, 0, 0, b, sizeof(b)),
	    -1);
	assert_int_equal(dns_build_reply(&q, DNS_RCODE_REFUSED, a, 1, 0, b,
	    sizeof(b)), -1);
	assert_int_equal(dns_build_reply(&q, 0, NULL, 0, 0, b, 20), -1);
}

static void
test_forward(void **state)
{
	uint8_t		 b[512];
	struct dns_q	 q, f;
	ldns_pkt	*p;
	ssize_t		 n;

	(void)state;
	make_q(&q, "WWW.Example.org", 28, 0);
	n = dns_build_forward(&q, 0x9999, b, sizeof(b));
	p = read_back(b, n);
	assert_int_equal(ldns_pkt_id(p), 0x9999);
	assert_true(ldns_pkt_rd(p));
	assert_false(ldns_pkt_qr(p));
	assert_int_equal(ldns_pkt_edns_udp_size(p), DNS_EDNS_SIZE);
	assert_int_equal(ldns_pkt_ancount(p) + ldns_pkt_nscount(p), 0);
	ldns_pkt_free(p);
	/* It is a query we would take ourselves. */
	assert_int_equal(query_ok(b, (size_t)n, &f), 0);
	assert_string_equal(f.name, "www.example.org");
	assert_int_equal(f.qtype, 28);
	assert_int_equal(f.id, 0x9999);
	assert_int_equal(f.udp_size, DNS_EDNS_SIZE);
}

/*
 * An upstream's answer built with ldns: question qname/qtype, records in
 * presentation form (a leading '+' puts one in the additional section).
 */
static size_t
answer(uint8_t *out, size_t outlen, uint16_t id, const char *qname,
    uint16_t qtype, const char *const *rrs, size_t nrr, int edns)
{
	ldns_pkt	*p;
	ldns_rr		*rr;
	uint8_t		*w = NULL;
	size_t		 n = 0, i;

	p = ldns_pkt_new();
	ldns_pkt_set_id(p, id);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_rd(p, true);
	ldns_pkt_set_ra(p, true);
	rr = ldns_rr_new();
	ldns_rr_set_owner(rr, ldns_dname_new_frm_str(qname));
	ldns_rr_set_question(rr, true);
	ldns_rr_set_type(rr, qtype);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, rr);
	for (i = 0; i < nrr; i++) {
		assert_int_equal(ldns_rr_new_frm_str(&rr, rrs[i] +
		    (rrs[i][0] == '+'), 0, NULL, NULL), LDNS_STATUS_OK);
		ldns_pkt_push_rr(p, rrs[i][0] == '+' ?
		    LDNS_SECTION_ADDITIONAL : LDNS_SECTION_ANSWER, rr);
	}
	if (edns)
		ldns_pkt_set_edns_udp_size(p, 4096);
	assert_int_equal(ldns_pkt2wire(&w, p, &n), LDNS_STATUS_OK);
	assert_true(n <= outlen);
	memcpy(out, w, n);
	free(w);
	ldns_pkt_free(p);
	return n;
}

static const char *const www_a[] = {
	"www.example.org. 300 IN A 192.0.2.1",
};

static void
test_check_answer(void **state)
{
	uint8_t		 b[512];
	struct dns_q	 q;
	const char	*why;
	size_t		 n;

	(void)state;
	make_q(&q, "www.example.org", 1, 0);
	n = answer(b, sizeof(b), 77, "www.example.org.", 1, www_a, 1, 1);
	assert_int_equal(dns_check_answer(b, n, &q, 77, &why), 0);
	assert_int_equal(dns_check_answer(b, n, &q, 78, &why), -1);
	assert_string_equal(why, "id does not match");
	n = answer(b, sizeof(b), 77, "WWW.EXAMPLE.ORG.", 1, www_a, 1, 0);
	assert_int_equal(dns_check_answer(b, n, &q, 77, &why), 0);
	n = answer(b, sizeof(b), 77, "ww.example.org.", 1, www_a, 1, 0);
	assert_int_equal(dns_check_answer(b, n, &q, 77, &why), -1);
	assert_string_equal(why, "answers another name");
	n = answer(b, sizeof(b), 77, "www.example.org.", 28, www_a, 1, 0);
	assert_int_equal(dns_check_answer(b, n, &q, 77, &why), -1);
	assert_string_equal(why, "answers another type or class");
	n = answer(b, sizeof(b), 77, "www.example.org.", 1, www_a, 1, 0);
	b[2] &= 0x7f;
	assert_int_equal(dns_check_answer(b, n, &q, 77, &why), -1);
	assert_string_equal(why, "QR=0 in an answer");
	b[2] |= 0x80;
	b[n] = 0;
	assert_int_equal(dns_check_answer(b, n + 1, &q, 77, &why), -1);
	assert_string_equal(why, "trailing bytes after the last record");
}

/*
 * An answer whose unknown-type record's opaque data another record's
 * owner points into (found by fuzz/net-dns): ldns rewrites it into a
 * message the walk refuses, so the relay refuses it too (SERVFAIL)
 * rather than hand the guest a message we would not accept ourselves.
 */
static void
test_relay_unwalkable(void **state)
{
	static const uint8_t	 up[] = {
		0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x03, 0x00,
		0x00, 0x00, 0x01, 0x03, 'w', 'w', 'w', 0x07, 'e', 'x',
		'a', 'm', 'p', 'l', 'e', 0x03, 'o', 'r', 'g', 0x00,
		0x00, 0x01, 0x00, 0x01, 0xc0, 0x1c, 0x40, 0x05, 0x00,
		0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x06, 0x03, 'w',
		'e', 'b', 0xc0, 0x0c, 0xc0, 0x2d, 0x00, 0x01, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04, 0xc0, 0x00,
		0x02, 0x07, 0xc0, 0x2d, 0x00, 0x01, 0x1c, 0x00, 0x00,
		0x00, 0x00, 'F', 0x00, 0x10, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00,
	};
	uint8_t			 b[4096];
	struct dns_q		 q;
	const char		*why;
	ssize_t			 n;

	(void)state;
	memset(&q, 0, sizeof(q));
	q.id = 0x1234;
	q.qtype = DNS_TYPE_A;
	q.qclass = DNS_CLASS_IN;
	strcpy(q.name, "www.example.org");
	strcpy(q.asked, "www.example.org");
	assert_int_equal(dns_check_answer(up, sizeof(up), &q, 0x1234, &why),
	    0);
	n = dns_relay_answer(up, sizeof(up), &q, DNS_TCP_MAX, b, sizeof(b));
	assert_true(n == -1 || dns_walk(b, (size_t)n, &why) == 0);
}

static void
test_relay(void **state)
{
	char		 big[40][64];
	const char	*rrs[40];
	uint8_t		 up[4096], b[4096];
	struct dns_q	 q;
	ldns_pkt	*p;
	ssize_t		 n;
	size_t		 un;
	int		 i;

	(void)state;
	make_q(&q, "WWW.example.org", 1, 0);
	un = answer(up, sizeof(up), 77, "www.example.org.", 1, www_a, 1, 1);
	n = dns_relay_answer(up, un, &q, dns_udp_limit(&q), b, sizeof(b));
	p = read_back(b, n);
	assert_int_equal(ldns_pkt_id(p), 0x4242);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	assert_false(ldns_pkt_tc(p));
	/* The guest sent no OPT, so gets none back. */
	assert_false(ldns_pkt_edns(p));
	assert_memory_equal(ldns_rdf_data(ldns_rr_owner(ldns_rr_list_rr(
	    ldns_pkt_question(p), 0))), "\3WWW", 4);
	ldns_pkt_free(p);
	/* 40 A records: 16 bytes each, past 512. */
	for (i = 0; i < 40; i++) {
		snprintf(big[i], sizeof(big[i]),
		    "www.example.org. 60 IN A 192.0.2.%d", i + 1);
		rrs[i] = big[i];
	}
	un = answer(up, sizeof(up), 77, "www.example.org.", 1, rrs, 40, 0);
	n = dns_relay_answer(up, un, &q, dns_udp_limit(&q), b, sizeof(b));
	assert_true(n > 0 && n <= DNS_UDP_MAX);
	p = read_back(b, n);
	assert_true(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_qdcount(p), 1);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	assert_int_equal(ldns_pkt_id(p), 0x4242);
	ldns_pkt_free(p);
	/* With EDNS 1232 it fits, and the OPT is ours. */
	make_q(&q, "www.example.org", 1, 4096);
	n = dns_relay_answer(up, un, &q, dns_udp_limit(&q), b, sizeof(b));
	p = read_back(b, n);
	assert_false(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_ancount(p), 40);
	assert_int_equal(ldns_pkt_edns_udp_size(p), DNS_EDNS_SIZE);
	ldns_pkt_free(p);
	/* Over TCP it fits as well; an answer to another name does not. */
	assert_true(dns_relay_answer(up, un, &q, DNS_TCP_MAX, b,
	    sizeof(b)) > 512);
	make_q(&q, "other.example.org", 1, 0);
	assert_int_equal(dns_relay_answer(up, un, &q, DNS_TCP_MAX, b,
	    sizeof(b)), -1);
}

/* An allowlisted guest is told no TTL past what its addresses get. */
static void
test_relay_ttl_max(void **state)
{
	static const char *const rrs[] = {
		"www.example.org. 86400 IN A 192.0.2.7",
		"www.example.org. 60 IN A 192.0.2.8",
	};
	uint8_t		 up[4096], b[4096];
	struct dns_q	 q;
	ldns_pkt	*p;
	ssize_t		 n;
	size_t		 un;

	(void)state;
	make_q(&q, "www.example.org", 1, 0);
	un = answer(up, sizeof(up), 77, "www.example.org.", 1, rrs, 2, 0);
	n = dns_relay_answer(up, un, &q, DNS_TCP_MAX, b, sizeof(b));
	p = read_back(b, n);
	assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 0)),
	    86400);
	ldns_pkt_free(p);
	q.ttl_max = 3600;
	n = dns_relay_answer(up, un, &q, DNS_TCP_MAX, b, sizeof(b));
	p = read_back(b, n);
	assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 0)),
	    3600);
	assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 1)),
	    60);
	ldns_pkt_free(p);
}

static void
test_answer_addrs(void **state)
{
	static const char *const rrs[] = {
		"www.example.org. 300 IN CNAME web.example.net.",
		"web.example.net. 60 IN A 192.0.2.7",
		"web.example.net. 70 IN AAAA 2001:db8::7",
		"other.example.com. 60 IN A 198.51.100.1",
		"+web.example.net. 60 IN A 198.51.100.2",
		"www.example.org. 80 IN A 192.0.2.8",
	};
	struct dns_addr	 a[4];
	uint8_t		 b[1024];
	size_t		 n, na;

	(void)state;
	n = answer(b, sizeof(b), 1, "www.example.org.", 1, rrs, 6, 0);
	assert_int_equal(dns_answer_addrs(b, n, a, 4, &na), 0);
	assert_int_equal(na, 3);
	assert_int_equal(a[0].af, AF_INET);
	assert_memory_equal(a[0].addr, "\xc0\x00\x02\x07", 4);
	assert_int_equal(a[0].ttl, 60);
	assert_int_equal(a[1].af, AF_INET6);
	assert_memory_equal(a[1].addr, "\x20\x01\x0d\xb8", 4);
	assert_int_equal(a[1].addr[15], 7);
	assert_int_equal(a[1].ttl, 70);
	assert_memory_equal(a[2].addr, "\xc0\x00\x02\x08", 4);
	assert_int_equal(dns_answer_addrs(b, n, a, 1, &na), 0);
	assert_int_equal(na, 1);
	assert_int_equal(dns_answer_addrs(b, n - 1, a, 4, &na), -1);
	assert_int_equal(na, 0);
}

/* answer_check() on an answer to www.example.org A with these records. */
static int
check_rrs(const char *const *rrs, size_t nrr, struct answer_allow *al)
{
	uint8_t	 b[8192];
	size_t	 n;

	n = answer(b, sizeof(b), 1, "www.example.org.", 1, rrs, nrr, 0);
	return answer_check(b, n, al);
}

static void
test_answer_allow(void **state)
{
	static const char *const rrs[] = {
		"www.example.org. 300 IN CNAME web.example.net.",
		"web.example.net. 60 IN A 192.0.2.7",
		"web.example.net. 70 IN AAAA 2001:db8::7",
		"www.example.org. 40 IN A 198.51.100.8",
		"web.example.net. 90 IN A 192.0.2.7",
		/* Not the question's name, nor in the additional: not asked. */
		"other.example.com. 5 IN A 198.51.100.1",
		"+web.example.net. 1 IN A 198.51.100.2",
	};
	static const char *const aaaa[] = {
		"www.example.org. 60 IN AAAA 2001:db8::1",
	};
	static const char *const soa[] = {
		"example.org. 60 IN SOA ns.example.org. h.example.org. "
		    "1 2 3 4 5",
	};
	struct answer_allow	 al;
	char			 big[40][64];
	const char		*many[40];
	size_t			 i;

	(void)state;
	assert_int_equal(check_rrs(rrs, 7, &al), ANSWER_ASK);
	/* 192.0.2.7 once; the smallest TTL of the A records asked for. */
	assert_int_equal(al.n, 2);
	assert_memory_equal(&al.addr[0], "\xc0\x00\x02\x07", 4);
	assert_memory_equal(&al.addr[1], "\xc6\x33\x64\x08", 4);
	assert_int_equal(al.ttl, 40);
	/* No A record: nothing to allow, pass it on. */
	assert_int_equal(check_rrs(aaaa, 1, &al), ANSWER_PASS);
	assert_int_equal(al.n, 0);
	assert_int_equal(check_rrs(soa, 1, &al), ANSWER_PASS);
	assert_int_equal(check_rrs(NULL, 0, &al), ANSWER_PASS);
	/* More distinct addresses than one NET_ALLOW holds. */
	for (i = 0; i < 40; i++) {
		snprintf(big[i], sizeof(big[i]), "www.example.org. 60 IN A "
		    "198.51.100.%zu", i + 1);
		many[i] = big[i];
	}
	assert_int_equal(check_rrs(many, NET_ALLOW_ADDRS_MAX, &al),
	    ANSWER_ASK);
	assert_int_equal(al.n, NET_ALLOW_ADDRS_MAX);
	assert_int_equal(check_rrs(many, NET_ALLOW_ADDRS_MAX + 1, &al),
	    ANSWER_TOO_MANY);
	assert_int_equal(answer_check((const uint8_t *)"\0\0", 2, &al),
	    ANSWER_BAD);
}

/* One public A record and one more that is not: the whole is refused. */
static void
rebinding(const char *rr)
{
	const char		*rrs[2] = { "www.example.org. 60 IN A 192.0.2.1",
				    rr };
	struct answer_allow	 al;

	if (check_rrs(rrs, 2, &al) != ANSWER_REBINDING)
		fail_msg("not refused: %s", rr);
	/* Or the one record alone. */
	if (check_rrs(rrs + 1, 1, &al) != ANSWER_REBINDING)
		fail_msg("not refused alone: %s", rr);
}

static void
test_answer_rebinding(void **state)
{
	static const char *const ok[] = {
		"www.example.org. 60 IN A 8.8.8.8",
		"www.example.org. 60 IN AAAA 2606:4700::1",
		"www.example.org. 60 IN AAAA ::ffff:8.8.8.8",
		"www.example.org. 60 IN AAAA 64:ff9b::808:808",
	};
	static const char *const cname[] = {
		"www.example.org. 60 IN CNAME x.example.net.",
		"x.example.net. 60 IN A 10.9.9.9",
	};
	struct answer_allow	 al;

	(void)state;
	rebinding("www.example.org. 60 IN A 10.1.2.3");
	rebinding("www.example.org. 60 IN A 127.0.0.1");
	rebinding("www.example.org. 60 IN A 169.254.169.254");
	rebinding("www.example.org. 60 IN A 192.168.1.1");
	rebinding("www.example.org. 60 IN A 172.16.0.1");
	rebinding("www.example.org. 60 IN A 100.64.0.1");
	rebinding("www.example.org. 60 IN A 0.0.0.0");
	rebinding("www.example.org. 60 IN A 224.0.0.1");
	rebinding("www.example.org. 60 IN A 255.255.255.255");
	rebinding("www.example.org. 60 IN AAAA ::1");
	rebinding("www.example.org. 60 IN AAAA ::");
	rebinding("www.example.org. 60 IN AAAA fe80::1");
	rebinding("www.example.org. 60 IN AAAA fd00::1");
	rebinding("www.example.org. 60 IN AAAA fc00::1");
	rebinding("www.example.org. 60 IN AAAA ff02::1");
	rebinding("www.example.org. 60 IN AAAA fec0::1");
	rebinding("www.example.org. 60 IN AAAA ::ffff:10.0.0.1");
	rebinding("www.example.org. 60 IN AAAA ::ffff:127.0.0.1");
	rebinding("www.example.org. 60 IN AAAA ::10.0.0.1");
	rebinding("www.example.org. 60 IN AAAA 64:ff9b::a00:1");
	rebinding("www.example.org. 60 IN AAAA 64:ff9b:1::1");
	/* Through a CNAME too. */
	assert_int_equal(check_rrs(cname, 2, &al), ANSWER_REBINDING);
	assert_int_equal(check_rrs(ok, 4, &al), ANSWER_ASK);
	assert_int_equal(al.n, 1);
}

static void
test_name_ok(void **state)
{
	(void)state;
	assert_true(dns_name_ok("dev"));
	assert_true(dns_name_ok("dev-2"));
	assert_false(dns_name_ok(""));
	assert_false(dns_name_ok("-dev"));
	assert_false(dns_name_ok("dev.x"));
	assert_false(dns_name_ok("Dev"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_ok),
		cmocka_unit_test(test_query_edns),
		cmocka_unit_test(test_query_header),
		cmocka_unit_test(test_query_question),
		cmocka_unit_test(test_walk_pointers),
		cmocka_unit_test(test_walk_lengths),
		cmocka_unit_test(test_walk_counts),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_forward),
		cmocka_unit_test(test_check_answer),
		cmocka_unit_test(test_relay),
		cmocka_unit_test(test_relay_unwalkable),
		cmocka_unit_test(test_answer_addrs),
		cmocka_unit_test(test_relay_ttl_max),
		cmocka_unit_test(test_answer_allow),
		cmocka_unit_test(test_answer_rebinding),
		cmocka_unit_test(test_name_ok),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
