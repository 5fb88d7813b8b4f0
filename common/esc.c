/*
 * Escaping guest text (see esc.h).  A small UTF-8 validator: a sequence
 * is passed through only when it is well formed (no overlong forms, no
 * surrogates, nothing past U+10FFFF) and is not a C1 control; every
 * other byte is shown as \xNN.
 */
#include <stdio.h>
#include <string.h>

#include "esc.h"

void
esc_init(struct esc *e, int flags)
{
	memset(e, 0, sizeof(*e));
	e->flags = flags;
}

static size_t
esc_hex(unsigned char c, char *dst)
{
	static const char	 hex[] = "0123456789abcdef";

	dst[0] = '\\';
	dst[1] = 'x';
	dst[2] = hex[c >> 4];
	dst[3] = hex[c & 0xf];
	return 4;
}

/* One ASCII byte. */
static size_t
esc_ascii(int flags, unsigned char c, char *dst)
{
	const char	*s = NULL;

	switch (c) {
	case '\n':
		s = "\\n";
		break;
	case '\t':
		s = "\\t";
		break;
	case '\r':
		s = "\\r";
		break;
	case '\\':
		s = "\\\\";
		break;
	case 0x1b:
		s = "\\e";
		break;
	}
	if ((c == '\n' || c == '\t' || c == '\r' || c == '\\') &&
	    !(flags & ESC_LOG)) {
		dst[0] = (char)c;
		return 1;
	}
	if (s != NULL) {
		memcpy(dst, s, 2);
		return 2;
	}
	if (c < 0x20 || c == 0x7f)
		return esc_hex(c, dst);
	dst[0] = (char)c;
	return 1;
}

/* Length of the sequence a lead byte starts; 0 if it cannot lead. */
static size_t
esc_seqlen(unsigned char c)
{
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

/* May c follow the npend bytes in pend? (RFC 3629's table.) */
static int
esc_cont_ok(const unsigned char *pend, size_t npend, unsigned char c)
{
	unsigned char	 lo = 0x80, hi = 0xbf;

	if (npend == 1) {
		switch (pend[0]) {
		case 0xe0:
			lo = 0xa0;
			break;
		case 0xed:
			hi = 0x9f;	/* no surrogates */
			break;
		case 0xf0:
			lo = 0x90;
			break;
		case 0xf4:
			hi = 0x8f;	/* nothing past U+10FFFF */
			break;
		}
	}
	return c >= lo && c <= hi;
}

static size_t
esc_flush_pend(struct esc *e, char *dst)
{
	size_t	 i, o = 0;

	for (i = 0; i < e->npend; i++)
		o += esc_hex(e->pend[i], dst + o);
	e->npend = e->need = 0;
	return o;
}

/* One byte; returns what it wrote (at most ESC_OUTMAX(0)). */
static size_t
esc_byte(struct esc *e, unsigned char c, char *dst)
{
	size_t	 o = 0;

	if (e->npend > 0) {
		if (esc_cont_ok(e->pend, e->npend, c)) {
			e->pend[e->npend++] = c;
			if (e->npend < e->need)
				return 0;
			/* U+0080..U+009F: the C1 controls. */
			if (e->need == 2 && e->pend[0] == 0xc2 &&
			    e->pend[1] <= 0x9f)
				return esc_flush_pend(e, dst);
			memcpy(dst, e->pend, e->npend);
			o = e->npend;
			e->npend = e->need = 0;
			return o;
		}
		/* A broken sequence: show it, then read c afresh. */
		o = esc_flush_pend(e, dst);
	}
	if (c < 0x80)
		return o + esc_ascii(e->flags, c, dst + o);
	if ((e->need = esc_seqlen(c)) == 0)
		return o + esc_hex(c, dst + o);
	e->pend[0] = c;
	e->npend = 1;
	return o;
}

size_t
esc_feed(struct esc *e, const void *src, size_t n, char *dst)
{
	const unsigned char	*p = src;
	size_t			 i, o = 0;

	for (i = 0; i < n; i++)
		o += esc_byte(e, p[i], dst + o);
	return o;
}

size_t
esc_finish(struct esc *e, char *dst)
{
	return esc_flush_pend(e, dst);
}

size_t
esc_string(char *dst, size_t dstlen, const void *src, size_t n, int flags)
{
	const unsigned char	*p = src;
	struct esc		 e;
	char			 tmp[ESC_OUTMAX(1)];
	size_t			 i, o = 0, k;

	if (dstlen == 0)
		return 0;
	esc_init(&e, flags);
	for (i = 0; i <= n; i++) {
		k = i < n ? esc_byte(&e, p[i], tmp) : esc_finish(&e, tmp);
		if (o + k >= dstlen)
			break;
		memcpy(dst + o, tmp, k);
		o += k;
	}
	dst[o] = '\0';
	return o;
}
