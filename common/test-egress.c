/* Egress patterns (check, normalise, match) and the rebinding filter. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "egress.h"
#include "pubaddr.h"

static char	 err[256];

static void
ok(const char *in, const char *norm)
{
	char	 out[EGRESS_PATTERN_MAX + 1];

	if (egress_pattern_norm(in, out, sizeof(out), err, sizeof(err)) != 0)
		fail_msg("refused %s: %s", in, err);
	assert_string_equal(out, norm);
}

static void
refused(const char *in, const char *msg)
{
	char	 out[EGRESS_PATTERN_MAX + 1];

	err[0] = '\0';
	assert_int_equal(egress_pattern_norm(in, out, sizeof(out), err,
	    sizeof(err)), -1);
	if (strstr(err, msg) == NULL)
		fail_msg("%s: \"%s\" lacks \"%s\"", in, err, msg);
}

static void
test_patterns(void **state)
{
	char	 big[300];

	(void)state;
	ok("github.com", "github.com");
	ok("*.NPMjs.org", "*.npmjs.org");
	ok("a-b.c1", "a-b.c1");
	ok("localhost", "localhost");
	refused("", "1 to 253");
	refused("*", "only letters");
	refused("*.", "each label");
	refused("a..b", "each label");
	refused("a.b.", "each label");
	refused(".a", "each label");
	refused("a.*.b", "only letters");
	refused("**.a", "only letters");
	refused("a_b.c", "only letters");
	refused("-a.b", "start or end");
	refused("a.b-", "start or end");
	refused("web.vm", ".vm");
	refused("*.VM", ".vm");
	memset(big, 'a', 64);
	big[64] = '\0';
	refused(big, "63");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (size_t i = 60; i < sizeof(big) - 1; i += 61)
		big[i] = '.';
	refused(big, "253");
}

static void
test_match(void **state)
{
	(void)state;
	assert_true(egress_match("github.com", "github.com"));
	assert_true(egress_match("github.com", "GitHub.COM."));
	assert_false(egress_match("github.com", "api.github.com"));
	assert_false(egress_match("github.com", "xgithub.com"));
	assert_false(egress_match("github.com", "github.co"));
	assert_true(egress_match("*.npmjs.org", "registry.npmjs.org"));
	assert_true(egress_match("*.npmjs.org", "a.b.npmjs.org."));
	assert_false(egress_match("*.npmjs.org", "npmjs.org"));
	assert_false(egress_match("*.npmjs.org", "evilnpmjs.org"));
	assert_false(egress_match("*.npmjs.org", ".npmjs.org"));
	assert_false(egress_match("*.npmjs.org", "npmjs.org.evil.com"));
}

static void
test_modes(void **state)
{
	(void)state;
	assert_int_equal(egress_mode_parse("open"), EGRESS_OPEN);
	assert_int_equal(egress_mode_parse("allowlist"), EGRESS_ALLOWLIST);
	assert_int_equal(egress_mode_parse("Allowlist"), -1);
	assert_int_equal(egress_mode_parse(""), -1);
	assert_string_equal(egress_mode_name(EGRESS_ALLOWLIST), "allowlist");
	assert_string_equal(egress_mode_name(EGRESS_OPEN), "open");
}

static void
test_pubaddr(void **state)
{
	(void)state;
	assert_true(pubaddr_ok4(0xc6336402));	/* 198.51.100.2 */
	assert_true(pubaddr_ok4(0x08080808));
	assert_true(pubaddr_ok4(0xac0fffff));	/* 172.15.255.255 */
	assert_true(pubaddr_ok4(0xac200000));	/* 172.32.0.0 */
	assert_true(pubaddr_ok4(0x64800000));	/* 100.128.0.0 */
	assert_true(pubaddr_ok4(0xdfffffff));	/* 223.255.255.255 */
	assert_false(pubaddr_ok4(0));
	assert_false(pubaddr_ok4(0x0ad50302));	/* the pool */
	assert_false(pubaddr_ok4(0x7f000001));
	assert_false(pubaddr_ok4(0xa9fea9fe));	/* metadata */
	assert_false(pubaddr_ok4(0xac100001));
	assert_false(pubaddr_ok4(0xac1fffff));
	assert_false(pubaddr_ok4(0xc0a80101));
	assert_false(pubaddr_ok4(0x64400001));
	assert_false(pubaddr_ok4(0xc0000001));
	assert_false(pubaddr_ok4(0xe0000001));
	assert_false(pubaddr_ok4(0xf0000001));
	assert_false(pubaddr_ok4(0xffffffff));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_pubaddr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
