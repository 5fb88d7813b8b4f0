/*
 * banger-net's DNS codec (see dns.h).  ldns parses and builds every
 * message; what ldns does not check -- which way compression pointers
 * point, how many a name follows, names in the header's counts running
 * past the packet, trailing bytes, stray OPT records -- dns_walk() checks
 * first, over the raw bytes, as RFC 9267 asks of a parser of untrusted
 * messages.
 */
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dns.h"
#include "valid.h"

#define HDR_LEN		12
#define GET16(p)	((uint16_t)((p)[0] << 8 | (p)[1]))
/* CNAMEs followed from the question's name in dns_answer_addrs(). */
#define CHAIN_MAX	16

/*
 * Walk the name at *pos whose own bytes must end by end, and move *pos
 * past them.  A pointer must point strictly before the labels it
 * continues began, so each jump goes further back: no loop can form,
 * nothing not yet walked is read, and DNS_PTR_MAX bounds the work.
 */
static int
walk_name(const uint8_t *pkt, size_t len, size_t *pos, size_t end,
    const char **why)
{
	size_t	 p, lim, stop, next, total, t;
	int	 ptrs;

	p = lim = *pos;
	stop = end;
	next = total = 0;
	ptrs = 0;
	for (;;) {
		if (p >= stop) {
			*why = "name runs past its end";
			return -1;
		}
		switch (pkt[p] & 0xc0) {
		case 0x40:
			*why = "label type 01 (extended) or longer than 63";
			return -1;
		case 0x80:
			*why = "label type 10 (reserved)";
			return -1;
		case 0xc0:
			if (p + 2 > stop) {
				*why = "compression pointer runs past its end";
				return -1;
			}
			t = (size_t)(pkt[p] & 0x3f) << 8 | pkt[p + 1];
			if (ptrs == 0)
				next = p + 2;
			if (t >= len) {
				*why = "compression pointer outside the packet";
				return -1;
			}
			if (t >= lim) {
				*why = "compression pointer not strictly backwards";
				return -1;
			}
			if (t < HDR_LEN) {
				*why = "compression pointer into the header";
				return -1;
			}
			if (++ptrs > DNS_PTR_MAX) {
				*why = "too many compression pointers in a name";
				return -1;
			}
			p = lim = t;
			stop = len;
			continue;
		}
		total += 1 + (size_t)pkt[p];
		if (total > DNS_NAME_MAX) {
			*why = "name longer than 255 octets";
			return -1;
		}
		if (pkt[p] == 0)
			break;
		if (p + 1 + pkt[p] > stop) {
			*why = "label runs past its end";
			return -1;
		}
		p += 1 + (size_t)pkt[p];
	}
	*pos = ptrs == 0 ? p + 1 : next;
	return 0;
}

/*
 * The record types whose data holds names that ldns decompresses (its
 * descriptors' DNAME fields): fixed bytes before the names, character
 * strings, names, and the exact number of bytes after (-1: any).
 */
static const struct {
	uint16_t	 type;
	uint8_t		 pre, strings, names;
	int		 post;
} rdata_names[] = {
	{ LDNS_RR_TYPE_NS, 0, 0, 1, 0 },
	{ LDNS_RR_TYPE_MD, 0, 0, 1, 0 },
	{ LDNS_RR_TYPE_MF, 0, 0, 1, 0 },
	{ LDNS_RR_TYPE_CNAME, 0, 0, 1, 0 },
	{ LDNS_RR_TYPE_SOA, 0, 0, 2, 20 },
	{ LDNS_RR_TYPE_MB, 0, 0, 1, 0 },
	{ LDNS_RR_TYPE_MG, 0, 0, 1, 0 },
	{ LDNS_RR_TYPE_MR, 0, 0, 1, 0 },
	{ LDNS_RR_TYPE_PTR, 0, 0, 1, 0 },
	{ LDNS_RR_TYPE_MINFO, 0, 0, 2, 0 },
	{ LDNS_RR_TYPE_MX, 2, 0, 1, 0 },
	{ LDNS_RR_TYPE_RP, 0, 0, 2, 0 },
	{ LDNS_RR_TYPE_AFSDB, 2, 0, 1, 0 },
	{ LDNS_RR_TYPE_RT, 2, 0, 1, 0 },
	{ LDNS_RR_TYPE_SIG, 18, 0, 1, -1 },
	{ LDNS_RR_TYPE_PX, 2, 0, 2, 0 },
	{ LDNS_RR_TYPE_NXT, 0, 0, 1, -1 },
	{ LDNS_RR_TYPE_SRV, 6, 0, 1, 0 },
	{ LDNS_RR_TYPE_NAPTR, 4, 3, 1, 0 },
	{ LDNS_RR_TYPE_KX, 2, 0, 1, 0 },
	{ LDNS_RR_TYPE_DNAME, 0, 0, 1, 0 },
	{ LDNS_RR_TYPE_RRSIG, 18, 0, 1, -1 },
	{ LDNS_RR_TYPE_NSEC, 0, 0, 1, -1 },
	{ LDNS_RR_TYPE_TALINK, 0, 0, 2, 0 },
	{ LDNS_RR_TYPE_SVCB, 2, 0, 1, -1 },
	{ LDNS_RR_TYPE_HTTPS, 2, 0, 1, -1 },
	{ LDNS_RR_TYPE_LP, 2, 0, 1, 0 },
};

/* The names in one record's data, from p to end. */
static int
walk_rdata(const uint8_t *pkt, size_t len, uint16_t type, size_t p,
    size_t end, const char **why)
{
	const ldns_rr_descriptor	*d;
	size_t				 i, k;

	for (i = 0; i < sizeof(rdata_names) / sizeof(rdata_names[0]); i++)
		if (rdata_names[i].type == type)
			break;
	if (i == sizeof(rdata_names) / sizeof(rdata_names[0])) {
		/* Any other type ldns would decompress names in is refused. */
		d = ldns_rr_descript(type);
		if (d == NULL || d->_type != type)
			return 0;
		for (k = 0; k < d->_maximum; k++)
			if (d->_wireformat[k] == LDNS_RDF_TYPE_DNAME)
				break;
		if (k < d->_maximum || d->_variable == LDNS_RDF_TYPE_DNAME) {
			*why = "record type with names in its data that "
			    "banger-net does not check";
			return -1;
		}
		return 0;
	}
	if (end - p < rdata_names[i].pre) {
		*why = "record data shorter than its type";
		return -1;
	}
	p += rdata_names[i].pre;
	for (k = 0; k < rdata_names[i].strings; k++) {
		if (p >= end || end - p - 1 < pkt[p]) {
			*why = "character string runs past its record";
			return -1;
		}
		p += 1 + (size_t)pkt[p];
	}
	for (k = 0; k < rdata_names[i].names; k++)
		if (walk_name(pkt, len, &p, end, why) == -1)
			return -1;
	if (rdata_names[i].post >= 0 &&
	    end - p != (size_t)rdata_names[i].post) {
		*why = "record data of the wrong length for its type";
		return -1;
	}
	return 0;
}

int
dns_walk(const uint8_t *pkt, size_t len, const char **why)
{
	const char	*dummy;
	size_t		 pos, i, nrr, nan, start, rdlen;
	uint16_t	 type;
	int		 opt;

	if (why == NULL)
		why = &dummy;
	if (len < HDR_LEN) {
		*why = "shorter than a DNS header";
		return -1;
	}
	if (len > DNS_TCP_MAX) {
		*why = "longer than 65535 bytes";
		return -1;
	}
	pos = HDR_LEN;
	for (i = 0; i < GET16(pkt + 4); i++) {
		if (pos >= len) {
			*why = "question count runs past the packet";
			return -1;
		}
		if (walk_name(pkt, len, &pos, len, why) == -1)
			return -1;
		if (len - pos < 4) {
			*why = "question runs past the packet";
			return -1;
		}
		pos += 4;
	}
	nan = (size_t)GET16(pkt + 6) + GET16(pkt + 8);
	nrr = nan + GET16(pkt + 10);
	opt = 0;
	for (i = 0; i < nrr; i++) {
		if (pos >= len) {
			*why = "record counts run past the packet";
			return -1;
		}
		start = pos;
		if (walk_name(pkt, len, &pos, len, why) == -1)
			return -1;
		if (len - pos < 10) {
			*why = "record header runs past the packet";
			return -1;
		}
		type = GET16(pkt + pos);
		rdlen = GET16(pkt + pos + 8);
		pos += 10;
		if (rdlen > len - pos) {
			*why = "RDLENGTH runs past the packet";
			return -1;
		}
		if (type == LDNS_RR_TYPE_OPT) {
			if (i < nan || pkt[start] != 0 || opt++ > 0) {
				*why = "OPT record other than one, at the root, "
				    "in the additional section";
				return -1;
			}
		}
		if (type == LDNS_RR_TYPE_TSIG || type == LDNS_RR_TYPE_TKEY) {
			*why = "TSIG or TKEY record (not used here)";
			return -1;
		}
		if (walk_rdata(pkt, len, type, pos, pos + rdlen, why) == -1)
			return -1;
		pos += rdlen;
	}
	if (pos != len) {
		*why = "trailing bytes after the last record";
		return -1;
	}
	return 0;
}

/* The message checked by dns_walk(), then parsed by ldns. */
static ldns_pkt *
parse(const uint8_t *pkt, size_t len, const char **why)
{
	ldns_pkt	*p = NULL;
	ldns_status	 st;

	if (dns_walk(pkt, len, why) == -1)
		return NULL;
	st = ldns_wire2pkt(&p, pkt, len);
	if (st != LDNS_STATUS_OK) {
		ldns_pkt_free(p);
		*why = ldns_get_errorstr_by_id(st);
		if (*why == NULL)
			*why = "ldns could not parse the message";
		return NULL;
	}
	return p;
}

static int
name_byte_ok(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/*
 * A wire-form name into presentation form, lower-cased into lower and as
 * it came into asis (either may be NULL).  Only letters, digits, '-' and
 * '_' are taken, so neither needs escapes.
 */
static int
name_str(const ldns_rdf *dname, char *lower, char *asis, const char **why)
{
	const uint8_t	*d;
	size_t		 n, i, o;
	uint8_t		 l, c;

	if (dname == NULL || ldns_rdf_get_type(dname) != LDNS_RDF_TYPE_DNAME) {
		*why = "not a name";
		return -1;
	}
	d = ldns_rdf_data(dname);
	n = ldns_rdf_size(dname);
	i = o = 0;
	while (i < n && d[i] != 0) {
		l = d[i++];
		if (l > n - i || o + l + 1 >= DNS_NAME_STRLEN) {
			*why = "name too long";
			return -1;
		}
		if (o > 0) {
			if (lower != NULL)
				lower[o] = '.';
			if (asis != NULL)
				asis[o] = '.';
			o++;
		}
		for (; l > 0; l--, i++, o++) {
			c = d[i];
			if (!name_byte_ok(c)) {
				*why = "name holds a byte other than a letter, "
				    "digit, '-' or '_'";
				return -1;
			}
			if (lower != NULL)
				lower[o] = c >= 'A' && c <= 'Z' ? c + 32 : c;
			if (asis != NULL)
				asis[o] = c;
		}
	}
	if (lower != NULL)
		lower[o] = '\0';
	if (asis != NULL)
		asis[o] = '\0';
	return 0;
}

static int
meta_type(uint16_t t)
{
	return t == 0 || t == LDNS_RR_TYPE_OPT || (t >= LDNS_RR_TYPE_TKEY &&
	    t <= LDNS_RR_TYPE_MAILA);
}

int
dns_parse_query(const uint8_t *pkt, size_t len, struct dns_q *q,
    const char **why)
{
	const char	*dummy;
	ldns_pkt	*p;
	ldns_rr		*rr;
	int		 r = -1;

	if (why == NULL)
		why = &dummy;
	memset(q, 0, sizeof(*q));
	if ((p = parse(pkt, len, why)) == NULL)
		return -1;
	if (pkt[2] & 0x80)
		*why = "QR=1 in a query";
	else if (((pkt[2] >> 3) & 0x0f) != LDNS_PACKET_QUERY)
		*why = "opcode not QUERY";
	else if (GET16(pkt + 4) != 1)
		*why = "QDCOUNT not 1";
	else if (GET16(pkt + 6) != 0 || GET16(pkt + 8) != 0)
		*why = "answer or authority records in a query";
	else if (GET16(pkt + 10) > 1 || (GET16(pkt + 10) == 1 &&
	    ldns_rr_list_rr_count(ldns_pkt_additional(p)) != 0))
		*why = "additional records other than one OPT";
	else if (GET16(pkt + 10) == 1 && ldns_pkt_edns_version(p) != 0)
		*why = "EDNS version other than 0";
	else {
		rr = ldns_rr_list_rr(ldns_pkt_question(p), 0);
		if (rr == NULL)
			*why = "no question";
		else if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
			*why = "class not IN";
		else if (meta_type(ldns_rr_get_type(rr)))
			*why = "query type not served (OPT, TSIG, AXFR, ...)";
		else if (name_str(ldns_rr_owner(rr), q->name, q->asked,
		    why) == 0) {
			q->id = ldns_pkt_id(p);
			q->qtype = ldns_rr_get_type(rr);
			q->qclass = ldns_rr_get_class(rr);
			q->rd = ldns_pkt_rd(p);
			q->edns = GET16(pkt + 10) == 1;
			q->udp_size = q->edns ? ldns_pkt_edns_udp_size(p) : 0;
			r = 0;
		}
	}
	ldns_pkt_free(p);
	if (r == -1)
		memset(q, 0, sizeof(*q));
	return r;
}

size_t
dns_udp_limit(const struct dns_q *q)
{
	if (!q->edns || q->udp_size <= DNS_UDP_MAX)
		return DNS_UDP_MAX;
	return q->udp_size < DNS_EDNS_SIZE ? q->udp_size : DNS_EDNS_SIZE;
}

/* q's question as a record, named as the guest wrote it. */
static ldns_rr *
question_rr(const struct dns_q *q, int lower)
{
	ldns_rr		*rr;
	ldns_rdf	*owner;
	const char	*name;

	name = lower || q->asked[0] == '\0' ? q->name : q->asked;
	if (memchr(name, '\0', DNS_NAME_STRLEN) == NULL)
		return NULL;
	if ((owner = ldns_dname_new_frm_str(name[0] ? name : ".")) == NULL)
		return NULL;
	if ((rr = ldns_rr_new()) == NULL) {
		ldns_rdf_deep_free(owner);
		return NULL;
	}
	ldns_rr_set_owner(rr, owner);
	ldns_rr_set_question(rr, true);
	ldns_rr_set_type(rr, q->qtype);
	ldns_rr_set_class(rr, q->qclass);
	return rr;
}

/* A message with q's question and the given id and RD, with EDNS? */
static ldns_pkt *
start_pkt(const struct dns_q *q, uint16_t id, int rd, int edns, int lower)
{
	ldns_pkt	*p;
	ldns_rr		*rr;

	if ((p = ldns_pkt_new()) == NULL)
		return NULL;
	if ((rr = question_rr(q, lower)) == NULL ||
	    !ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, rr)) {
		ldns_rr_free(rr);
		ldns_pkt_free(p);
		return NULL;
	}
	ldns_pkt_set_id(p, id);
	ldns_pkt_set_opcode(p, LDNS_PACKET_QUERY);
	ldns_pkt_set_rd(p, rd != 0);
	if (edns)
		ldns_pkt_set_edns_udp_size(p, DNS_EDNS_SIZE);
	return p;
}

/* p in wire form into out (p is freed).  Length or -1. */
static ssize_t
emit(ldns_pkt *p, uint8_t *out, size_t outlen)
{
	uint8_t		*w = NULL;
	size_t		 n = 0;
	ssize_t		 r = -1;

	if (ldns_pkt2wire(&w, p, &n) == LDNS_STATUS_OK && n <= outlen &&
	    n <= DNS_TCP_MAX) {
		memcpy(out, w, n);
		r = (ssize_t)n;
	}
	free(w);
	ldns_pkt_free(p);
	return r;
}

static int
rcode_ok(int rcode)
{
	return rcode == DNS_RCODE_NOERROR || rcode == DNS_RCODE_FORMERR ||
	    rcode == DNS_RCODE_SERVFAIL || rcode == DNS_RCODE_NXDOMAIN ||
	    rcode == DNS_RCODE_REFUSED;
}

ssize_t
dns_build_reply(const struct dns_q *q, int rcode, const uint32_t *a,
    size_t na, uint32_t ttl, uint8_t *out, size_t outlen)
{
	ldns_pkt	*p;
	ldns_rr		*rr;
	ldns_rdf	*owner, *addr;
	size_t		 i;

	if (!rcode_ok(rcode) || (na > 0 && (a == NULL ||
	    rcode != DNS_RCODE_NOERROR)))
		return -1;
	if ((p = start_pkt(q, q->id, q->rd, q->edns, 0)) == NULL)
		return -1;
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_aa(p, true);
	ldns_pkt_set_ra(p, true);
	ldns_pkt_set_rcode(p, (uint8_t)rcode);
	if (q->qtype != DNS_TYPE_A && q->qtype != DNS_TYPE_ANY)
		na = 0;
	for (i = 0; i < na; i++) {
		rr = ldns_rr_new();
		owner = ldns_rdf_clone(ldns_rr_owner(
		    ldns_rr_list_rr(ldns_pkt_question(p), 0)));
		addr = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4, &a[i]);
		if (rr == NULL || owner == NULL || addr == NULL) {
			ldns_rr_free(rr);
			ldns_rdf_deep_free(owner);
			ldns_rdf_deep_free(addr);
			ldns_pkt_free(p);
			return -1;
		}
		ldns_rr_set_owner(rr, owner);
		ldns_rr_set_type(rr, LDNS_RR_TYPE_A);
		ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
		ldns_rr_set_ttl(rr, ttl);
		if (!ldns_rr_push_rdf(rr, addr)) {
			ldns_rdf_deep_free(addr);
			ldns_rr_free(rr);
			ldns_pkt_free(p);
			return -1;
		}
		if (!ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr)) {
			ldns_rr_free(rr);
			ldns_pkt_free(p);
			return -1;
		}
	}
	return emit(p, out, outlen);
}

ssize_t
dns_build_forward(const struct dns_q *q, uint16_t id, uint8_t *out,
    size_t outlen)
{
	ldns_pkt	*p;

	if ((p = start_pkt(q, id, 1, 1, 1)) == NULL)
		return -1;
	return emit(p, out, outlen);
}

/* An upstream's answer to q, whatever its id. */
static ldns_pkt *
answer_to(const uint8_t *pkt, size_t len, const struct dns_q *q,
    const char **why)
{
	ldns_pkt	*p;
	ldns_rr		*rr;
	char		 name[DNS_NAME_STRLEN];

	if ((p = parse(pkt, len, why)) == NULL)
		return NULL;
	rr = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	if (!ldns_pkt_qr(p))
		*why = "QR=0 in an answer";
	else if (ldns_pkt_get_opcode(p) != LDNS_PACKET_QUERY)
		*why = "opcode not QUERY";
	else if (GET16(pkt + 4) != 1 || rr == NULL)
		*why = "not exactly one question";
	else if (ldns_rr_get_type(rr) != q->qtype ||
	    ldns_rr_get_class(rr) != q->qclass)
		*why = "answers another type or class";
	else if (name_str(ldns_rr_owner(rr), name, NULL, why) == -1)
		;
	else if (strcmp(name, q->name) != 0)
		*why = "answers another name";
	else
		return p;
	ldns_pkt_free(p);
	return NULL;
}

int
dns_check_answer(const uint8_t *pkt, size_t len, const struct dns_q *q,
    uint16_t id, const char **why)
{
	const char	*dummy;
	ldns_pkt	*p;

	if (why == NULL)
		why = &dummy;
	if ((p = answer_to(pkt, len, q, why)) == NULL)
		return -1;
	if (ldns_pkt_id(p) != id) {
		*why = "id does not match";
		ldns_pkt_free(p);
		return -1;
	}
	ldns_pkt_free(p);
	return 0;
}

/* Copies of section s of from pushed onto to, TTLs at most ttl_max. */
static int
copy_section(ldns_pkt *to, const ldns_pkt *from, ldns_pkt_section s,
    uint32_t ttl_max)
{
	const ldns_rr_list	*l;
	ldns_rr			*rr;
	size_t			 i;

	l = s == LDNS_SECTION_ANSWER ? ldns_pkt_answer(from) :
	    s == LDNS_SECTION_AUTHORITY ? ldns_pkt_authority(from) :
	    ldns_pkt_additional(from);
	for (i = 0; i < ldns_rr_list_rr_count(l); i++) {
		if ((rr = ldns_rr_clone(ldns_rr_list_rr(l, i))) == NULL)
			return -1;
		if (ttl_max != 0 && ldns_rr_get_type(rr) != LDNS_RR_TYPE_OPT &&
		    ldns_rr_ttl(rr) > ttl_max)
			ldns_rr_set_ttl(rr, ttl_max);
		if (!ldns_pkt_push_rr(to, s, rr)) {
			ldns_rr_free(rr);
			return -1;
		}
	}
	return 0;
}

/* The header of q's reply from the upstream's answer up. */
static ldns_pkt *
relay_start(const struct dns_q *q, const ldns_pkt *up, int tc)
{
	ldns_pkt	*p;

	if ((p = start_pkt(q, q->id, q->rd, q->edns, 0)) == NULL)
		return NULL;
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_aa(p, ldns_pkt_aa(up));
	ldns_pkt_set_ra(p, ldns_pkt_ra(up));
	ldns_pkt_set_tc(p, tc);
	ldns_pkt_set_rcode(p, ldns_pkt_get_rcode(up));
	if (q->edns)
		ldns_pkt_set_edns_extended_rcode(p,
		    ldns_pkt_edns_extended_rcode(up));
	return p;
}

ssize_t
dns_relay_answer(const uint8_t *pkt, size_t len, const struct dns_q *q,
    size_t max, uint8_t *out, size_t outlen)
{
	const char	*why;
	ldns_pkt	*up, *p;
	uint8_t		*w = NULL;
	size_t		 n = 0;
	ssize_t		 r = -1;

	if ((up = answer_to(pkt, len, q, &why)) == NULL)
		return -1;
	if (!q->edns && ldns_pkt_edns_extended_rcode(up) != 0) {
		/* An extended rcode the guest cannot be told of. */
		p = relay_start(q, up, 0);
		if (p != NULL)
			ldns_pkt_set_rcode(p, DNS_RCODE_SERVFAIL);
		ldns_pkt_free(up);
		return p == NULL ? -1 : emit(p, out, outlen);
	}
	if ((p = relay_start(q, up, ldns_pkt_tc(up))) == NULL ||
	    copy_section(p, up, LDNS_SECTION_ANSWER, q->ttl_max) == -1 ||
	    copy_section(p, up, LDNS_SECTION_AUTHORITY, q->ttl_max) == -1 ||
	    copy_section(p, up, LDNS_SECTION_ADDITIONAL, q->ttl_max) == -1 ||
	    ldns_pkt2wire(&w, p, &n) != LDNS_STATUS_OK)
		goto out;
	/*
	 * What ldns wrote must pass our own walk too: an upstream's opaque
	 * data can hold bytes that do not survive the rewrite as a name.
	 */
	if (dns_walk(w, n, &why) == -1)
		goto out;
	if (n <= max) {
		if (n <= outlen) {
			memcpy(out, w, n);
			r = (ssize_t)n;
		}
		goto out;
	}
	/* Too long for the guest: the question alone, TC=1. */
	ldns_pkt_free(p);
	if ((p = relay_start(q, up, 1)) == NULL)
		goto out;
	r = emit(p, out, outlen < max ? outlen : max);
	p = NULL;
out:
	free(w);
	ldns_pkt_free(p);
	ldns_pkt_free(up);
	return r;
}

static int
in_names(const ldns_rdf *name, const ldns_rdf **names, size_t nn)
{
	size_t	 i;

	for (i = 0; i < nn; i++)
		if (ldns_dname_compare(name, names[i]) == 0)
			return 1;
	return 0;
}

int
dns_answer_addrs(const uint8_t *pkt, size_t len, struct dns_addr *out,
    size_t max, size_t *n)
{
	const ldns_rdf	*names[CHAIN_MAX], *rd;
	const char	*why;
	ldns_pkt	*p;
	ldns_rr_list	*ans;
	ldns_rr		*rr, *qr;
	size_t		 nn, i, cnt;
	int		 grew;

	*n = 0;
	if ((p = parse(pkt, len, &why)) == NULL)
		return -1;
	qr = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	if (!ldns_pkt_qr(p) || GET16(pkt + 4) != 1 || qr == NULL) {
		ldns_pkt_free(p);
		return -1;
	}
	ans = ldns_pkt_answer(p);
	cnt = ldns_rr_list_rr_count(ans);
	names[0] = ldns_rr_owner(qr);
	nn = 1;
	/* The question's name and the names it is a CNAME of, in order. */
	do {
		grew = 0;
		for (i = 0; i < cnt && nn < CHAIN_MAX; i++) {
			rr = ldns_rr_list_rr(ans, i);
			rd = ldns_rr_rdf(rr, 0);
			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
			    ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN &&
			    rd != NULL &&
			    ldns_rdf_get_type(rd) == LDNS_RDF_TYPE_DNAME &&
			    in_names(ldns_rr_owner(rr), names, nn) &&
			    !in_names(rd, names, nn)) {
				names[nn++] = rd;
				grew = 1;
			}
		}
	} while (grew && nn < CHAIN_MAX);
	for (i = 0; i < cnt && *n < max; i++) {
		rr = ldns_rr_list_rr(ans, i);
		rd = ldns_rr_rdf(rr, 0);
		if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN || rd == NULL ||
		    !in_names(ldns_rr_owner(rr), names, nn))
			continue;
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_A &&
		    ldns_rdf_size(rd) == 4)
			out[*n].af = AF_INET;
		else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_AAAA &&
		    ldns_rdf_size(rd) == 16)
			out[*n].af = AF_INET6;
		else
			continue;
		memset(out[*n].addr, 0, sizeof(out[*n].addr));
		memcpy(out[*n].addr, ldns_rdf_data(rd), ldns_rdf_size(rd));
		out[*n].ttl = ldns_rr_ttl(rr);
		(*n)++;
	}
	ldns_pkt_free(p);
	return 0;
}

int
dns_name_ok(const char *name)
{
	return valid_vm_name(name);
}
