/*
 * What vm pull takes from a guest (bundle-hdr.c): a v2 bundle header
 * naming exactly refs/banger/pull, and git's list-heads line for it;
 * anything else is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bundle-hdr.h"

#define A	"a67e416ad507404ba266fe0eef2413a61a4e23bb"
#define B	"2912cbb28ab055341db789969f4ca66896c0969d"
#define REF	"refs/banger/pull"
#define SIG	"# v2 git bundle\n"

static int
hdr(const char *s, struct bundle_hdr *h)
{
	char	 err[256];

	return bundle_hdr_parse(s, strlen(s), REF, h, err, sizeof(err));
}

static int
bad(const char *s)
{
	struct bundle_hdr h;

	return hdr(s, &h) == -1;
}

static int
badn(const char *s, size_t len)
{
	struct bundle_hdr h;
	char	 err[256];

	return bundle_hdr_parse(s, len, REF, &h, err, sizeof(err)) == -1;
}

static void
test_hdr_taken(void **state)
{
	struct bundle_hdr h;
	const char	*s;

	(void)state;
	s = SIG "-" B " a commit's subject\n" A " " REF "\n\nPACK\0\0\0\2";
	assert_int_equal(hdr(s, &h), 0);
	assert_string_equal(h.oid, A);
	assert_int_equal(h.nprereq, 1);
	assert_memory_equal(s + h.pack_off, "PACK", 4);
	/* No prerequisites (a whole history); a bare prerequisite. */
	assert_int_equal(hdr(SIG A " " REF "\n\nPACK", &h), 0);
	assert_int_equal(h.nprereq, 0);
	assert_int_equal(hdr(SIG "-" B "\n" A " " REF "\n\nPACK", &h), 0);
}

/* A valid header of n bytes, "PACK" last: a long prerequisite comment. */
static char *
long_hdr(size_t n)
{
	static const char tail[] = "\n" A " " REF "\n\nPACK";
	char		*big, *p;

	big = malloc(n + 1);
	assert_non_null(big);
	p = stpcpy(big, SIG "-" B " ");
	memset(p, 'x', n - (size_t)(p - big) - (sizeof(tail) - 1));
	memcpy(big + n - (sizeof(tail) - 1), tail, sizeof(tail));
	return big;
}

static void
test_hdr_refused(void **state)
{
	char		*big, *p;
	size_t		 i, n;

	(void)state;
	assert_true(bad(""));
	assert_true(bad("garbage\n\nPACK"));
	assert_true(bad("# v3 git bundle\n@object-format=sha1\n"
	    A " " REF "\n\nPACK"));
	/* Other refs, more refs, none. */
	assert_true(bad(SIG A " refs/heads/main\n\nPACK"));
	assert_true(bad(SIG A " " REF "\n" B " refs/heads/main\n\nPACK"));
	assert_true(bad(SIG A " " REF "\n" A " " REF "\n\nPACK"));
	assert_true(bad(SIG A " refs/heads/main\n" A " " REF "\n\nPACK"));
	assert_true(bad(SIG "\nPACK"));
	assert_true(bad(SIG A " " REF "x\n\nPACK"));
	assert_true(bad(SIG A " " REF " \n\nPACK"));
	assert_true(bad(SIG A " " REF "\r\n\nPACK"));
	assert_true(bad(SIG A "  " REF "\n\nPACK"));
	/* Object ids: lowercase SHA-1 hex only. */
	assert_true(bad(SIG "A67E416AD507404BA266FE0EEF2413A61A4E23BB " REF
	    "\n\nPACK"));
	assert_true(bad(SIG "a67e416ad507404ba266fe0eef2413a61a4e23b " REF
	    "\n\nPACK"));
	assert_true(bad(SIG "-" B "x\n" A " " REF "\n\nPACK"));
	assert_true(bad(SIG "-xyz\n" A " " REF "\n\nPACK"));
	/* A prerequisite after the ref. */
	assert_true(bad(SIG A " " REF "\n-" B "\n\nPACK"));
	/* Cut short: no empty line, no pack. */
	assert_true(bad(SIG A " " REF "\n"));
	assert_true(bad(SIG A " " REF "\n\n"));
	assert_true(bad(SIG A " " REF "\n\nPAC"));
	assert_true(bad(SIG A " " REF "\n\nJUNK"));
	/* A NUL in a line. */
	assert_true(badn(SIG "-" B " a\0b\n" A " " REF "\n\nPACK",
	    sizeof(SIG "-" B " a\0b\n" A " " REF "\n\nPACK") - 1));
	/* Too many prerequisites. */
	n = sizeof(SIG) + (BUNDLE_PREREQ_MAX + 1) * 42 + 64;
	big = malloc(n);
	assert_non_null(big);
	p = stpcpy(big, SIG);
	for (i = 0; i <= BUNDLE_PREREQ_MAX; i++)
		p = stpcpy(p, "-" B "\n");
	stpcpy(p, A " " REF "\n\nPACK");
	assert_true(bad(big));
	free(big);
	/* A well-formed header (a long prerequisite comment) that ends
	 * right at the bound is taken; one that ends past it is not. */
	big = long_hdr(BUNDLE_HDR_MAX);
	assert_false(bad(big));
	free(big);
	big = long_hdr(BUNDLE_HDR_MAX + 1);
	assert_true(bad(big));
	free(big);
	big = long_hdr(BUNDLE_HDR_MAX + 100);
	assert_true(bad(big));
	free(big);
}

static int
heads(const char *s, char *oid)
{
	char	 err[256];

	return bundle_heads_parse(s, strlen(s), REF, oid, err, sizeof(err));
}

static void
test_heads(void **state)
{
	char	 oid[BUNDLE_OID_HEX + 1];

	(void)state;
	assert_int_equal(heads(A " " REF "\n", oid), 0);
	assert_string_equal(oid, A);
	assert_int_equal(heads("", oid), -1);
	assert_int_equal(heads(A " " REF, oid), -1);
	assert_int_equal(heads(A " refs/heads/main\n", oid), -1);
	assert_int_equal(heads(A " " REF "\n" B " refs/heads/main\n", oid),
	    -1);
	assert_int_equal(heads(A " " REF "\n\n", oid), -1);
	assert_int_equal(heads("error: " REF "\n", oid), -1);
	assert_int_equal(heads(A "\t" REF "\n", oid), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_taken),
		cmocka_unit_test(test_hdr_refused),
		cmocka_unit_test(test_heads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
