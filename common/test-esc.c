/* Unit tests: escaping guest text for logs and terminals (esc.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "esc.h"

static void
check(const char *in, size_t n, int flags, const char *want)
{
	char	 out[512];

	esc_string(out, sizeof(out), in, n, flags);
	assert_string_equal(out, want);
}

#define CHECK(lit, flags, want)	check(lit, sizeof(lit) - 1, flags, want)

static void
test_log_controls(void **state)
{
	(void)state;
	/* A forged second record stays on the first line. */
	CHECK("oops\n2026-01-01T00:00:00Z bangerd: vm x: deleted", ESC_LOG,
	    "oops\\n2026-01-01T00:00:00Z bangerd: vm x: deleted");
	CHECK("a\tb\rc\\d", ESC_LOG, "a\\tb\\rc\\\\d");
	CHECK("\x1b]0;title\x07", ESC_LOG, "\\e]0;title\\x07");
	CHECK("nul\0x", ESC_LOG, "nul\\x00x");
	CHECK("del\x7f", ESC_LOG, "del\\x7f");
	CHECK("\x01\x1f", ESC_LOG, "\\x01\\x1f");
}

static void
test_term_keeps_lines(void **state)
{
	(void)state;
	CHECK("line 1\r\nline\t2\n", ESC_TERM, "line 1\r\nline\t2\n");
	CHECK("red \x1b[31mtext\b", ESC_TERM, "red \\e[31mtext\\x08");
	CHECK("back\\slash", ESC_TERM, "back\\slash");
}

static void
test_utf8(void **state)
{
	(void)state;
	/* Well-formed text passes: é, €, U+1F600. */
	CHECK("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", ESC_LOG,
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* C1 controls in UTF-8 (U+009B is CSI to some terminals). */
	CHECK("\xc2\x9b" "31m \xc2\x85", ESC_TERM, "\\xc2\\x9b31m \\xc2\\x85");
	/* U+00A0 is not a control. */
	CHECK("\xc2\xa0", ESC_TERM, "\xc2\xa0");
	/* Raw C1 bytes, stray continuations, impossible leads. */
	CHECK("\x9b" "1m\x80\xc0\xc1\xf5\xff", ESC_TERM,
	    "\\x9b1m\\x80\\xc0\\xc1\\xf5\\xff");
	/* Overlong, surrogate, past U+10FFFF. */
	CHECK("\xe0\x80\xaf", ESC_TERM, "\\xe0\\x80\\xaf");
	CHECK("\xed\xa0\x80", ESC_TERM, "\\xed\\xa0\\x80");
	CHECK("\xf4\x90\x80\x80", ESC_TERM, "\\xf4\\x90\\x80\\x80");
	/* A sequence broken by ASCII: both shown, the ASCII kept. */
	CHECK("\xe2\x82" "A", ESC_TERM, "\\xe2\\x82A");
	/* Cut off at the end. */
	CHECK("x\xe2\x82", ESC_TERM, "x\\xe2\\x82");
}

static void
test_stream_split(void **state)
{
	struct esc	 e;
	const char	*in = "\xe2\x82\xac\xc2\x9b\xf0\x9f\x98\x80\x1b";
	char		 out[ESC_OUTMAX(16) * 16], got[512];
	size_t		 i, o = 0, n = strlen(in);

	(void)state;
	/* Byte by byte: the same as all at once. */
	esc_init(&e, ESC_TERM);
	for (i = 0; i < n; i++)
		o += esc_feed(&e, in + i, 1, out + o);
	o += esc_finish(&e, out + o);
	out[o] = '\0';
	esc_string(got, sizeof(got), in, n, ESC_TERM);
	assert_string_equal(out, got);
	assert_string_equal(out,
	    "\xe2\x82\xac\\xc2\\x9b\xf0\x9f\x98\x80\\e");
}

static void
test_bound(void **state)
{
	char	 out[8];
	size_t	 n;

	(void)state;
	/* Never half an escape, always terminated. */
	n = esc_string(out, sizeof(out), "ab\x1b\x1b\x1b", 5, ESC_LOG);
	assert_int_equal(n, 6);
	assert_string_equal(out, "ab\\e\\e");
	n = esc_string(out, sizeof(out), "abcde\x01", 6, ESC_LOG);
	assert_string_equal(out, "abcde");
	n = esc_string(out, 1, "abc", 3, ESC_LOG);
	assert_int_equal(n, 0);
	assert_string_equal(out, "");
}

/* Worst case fits ESC_OUTMAX. */
static void
test_outmax(void **state)
{
	struct esc	 e;
	unsigned char	 in[64];
	char		 out[ESC_OUTMAX(64)];
	size_t		 o;
	int		 i;

	(void)state;
	for (i = 0; i < 64; i++)
		in[i] = 0x80 | (i & 1);
	esc_init(&e, ESC_LOG);
	/* Three pending bytes carried in, then all invalid. */
	o = esc_feed(&e, "\xf0\x9f\x98", 3, out);
	assert_int_equal(o, 0);
	o = esc_feed(&e, "\x01", 1, out);
	assert_int_equal(o, 16);
	o = esc_feed(&e, in, sizeof(in), out);
	assert_true(o <= ESC_OUTMAX(64));
	assert_int_equal(o, 64 * 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_controls),
		cmocka_unit_test(test_term_keeps_lines),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_stream_split),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_outmax),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
