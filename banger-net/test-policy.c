/*
 * The egress policy's tables (zone.c, policy.c): which guests the names
 * table allowlists, a table whose egress modes do not match its names
 * refused, each guest's domains as NET_EGRESS gives them (exact and
 * wildcard, refused unless normalised), kept when they come before the
 * table that lists the guest and dropped by one that does not, and an
 * allowlisted guest with no domains limited to .vm names.
 */
#include <arpa/inet.h>

#include <netinet/in.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net.h"

/* An IPv4 source as front.c sees one. */
static struct sockaddr_storage
src(const char *addr)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, addr, &sin->sin_addr), 1);
	return ss;
}

/* The names table: a at 10.0.0.2 (mode ma), b at 10.0.0.3 (mode mb). */
static int
names(uint64_t ma, uint64_t mb, size_t negress)
{
	static char		*n[] = { "a", "b", NULL };
	static char		*ad[] = { "10.0.0.2", "10.0.0.3", NULL };
	uint64_t		 eg[2] = { ma, mb };
	struct net_names	 nn;
	char			 err[128];
	int			 r;

	nn.names.v = n;
	nn.names.n = 2;
	nn.addrs.v = ad;
	nn.addrs.n = 2;
	nn.egress.v = eg;
	nn.egress.n = negress;
	if ((r = zone_set(&nn, err, sizeof(err))) == 0)
		policy_names();
	return r;
}

static int
egress(const char *guest, char **allow, size_t n)
{
	struct net_egress	 ne;
	char			 err[256];

	ne.guest = (char *)guest;
	ne.allow.v = allow;
	ne.allow.n = n;
	return policy_set(&ne, err, sizeof(err));
}

static int
may(const char *guest, const char *name)
{
	struct sockaddr_storage	 ss = src(guest);

	return policy_may_forward(&ss, name);
}

static void
test_names_egress_mismatch(void **state)
{
	struct sockaddr_storage	 ss = src("10.0.0.2");

	(void)state;
	assert_int_equal(names(EGRESS_ALLOWLIST, EGRESS_OPEN, 2), 0);
	assert_true(policy_allowlisted(&ss, NULL));
	/* One mode short, or none at all: refused, the table unchanged. */
	assert_int_equal(names(EGRESS_OPEN, EGRESS_OPEN, 1), -1);
	assert_int_equal(names(EGRESS_OPEN, EGRESS_OPEN, 0), -1);
	assert_true(policy_allowlisted(&ss, NULL));
	/* A mode that is neither. */
	assert_int_equal(names(2, EGRESS_OPEN, 2), -1);
	assert_true(policy_allowlisted(&ss, NULL));
}

static void
test_fail_closed(void **state)
{
	(void)state;
	assert_int_equal(names(EGRESS_ALLOWLIST, EGRESS_OPEN, 2), 0);
	/* No NET_EGRESS for 10.0.0.2: nothing forwarded. */
	assert_false(may("10.0.0.2", "github.com"));
	assert_false(may("10.0.0.2", ""));
	/* The open guest and the host (not in the table) as before. */
	assert_true(may("10.0.0.3", "github.com"));
	assert_true(may("10.0.0.1", "github.com"));
	assert_true(may("127.0.0.1", "anything.example"));
}

static void
test_patterns(void **state)
{
	static char	*allow[] = { "github.com", "*.npmjs.org", NULL };

	(void)state;
	assert_int_equal(names(EGRESS_ALLOWLIST, EGRESS_OPEN, 2), 0);
	assert_int_equal(egress("10.0.0.2", allow, 2), 0);
	assert_true(may("10.0.0.2", "github.com"));
	assert_true(may("10.0.0.2", "registry.npmjs.org"));
	assert_true(may("10.0.0.2", "a.b.npmjs.org"));
	assert_false(may("10.0.0.2", "npmjs.org"));
	assert_false(may("10.0.0.2", "api.github.com"));
	assert_false(may("10.0.0.2", "evil.com"));
	/* Another guest's domains are not 10.0.0.3's, nor needed by it. */
	assert_true(may("10.0.0.3", "evil.com"));
	/* A new message replaces the domains. */
	assert_int_equal(egress("10.0.0.2", allow + 1, 1), 0);
	assert_false(may("10.0.0.2", "github.com"));
	assert_true(may("10.0.0.2", "registry.npmjs.org"));
	assert_int_equal(egress("10.0.0.2", NULL, 0), 0);
	assert_false(may("10.0.0.2", "registry.npmjs.org"));
}

static void
test_patterns_refused(void **state)
{
	static char	*good[] = { "github.com", NULL };
	static char	*upper[] = { "example.org", "GitHub.com", NULL };
	static char	*bad[] = { "a..b", NULL };
	static char	*vm[] = { "*.vm", NULL };

	(void)state;
	assert_int_equal(names(EGRESS_ALLOWLIST, EGRESS_OPEN, 2), 0);
	assert_int_equal(egress("10.0.0.2", good, 1), 0);
	/* Not normalised, not a pattern, or a guest that is no address. */
	assert_int_equal(egress("10.0.0.2", upper, 2), -1);
	assert_int_equal(egress("10.0.0.2", bad, 1), -1);
	assert_int_equal(egress("10.0.0.2", vm, 1), -1);
	assert_int_equal(egress("guest", good, 1), -1);
	/* Each changed nothing. */
	assert_true(may("10.0.0.2", "github.com"));
	assert_false(may("10.0.0.2", "example.org"));
}

static void
test_patterns_before_names(void **state)
{
	static char	*allow[] = { "github.com", NULL };

	(void)state;
	assert_int_equal(names(EGRESS_OPEN, EGRESS_OPEN, 2), 0);
	/* bangerd sends the domains first, then the table. */
	assert_int_equal(egress("10.0.0.3", allow, 1), 0);
	assert_true(may("10.0.0.3", "evil.com"));
	assert_int_equal(names(EGRESS_OPEN, EGRESS_ALLOWLIST, 2), 0);
	assert_true(may("10.0.0.3", "github.com"));
	assert_false(may("10.0.0.3", "evil.com"));
	/* Open again: its domains go, and allowlisted once more it has none. */
	assert_int_equal(names(EGRESS_OPEN, EGRESS_OPEN, 2), 0);
	assert_true(may("10.0.0.3", "evil.com"));
	assert_int_equal(names(EGRESS_OPEN, EGRESS_ALLOWLIST, 2), 0);
	assert_false(may("10.0.0.3", "github.com"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_egress_mismatch),
		cmocka_unit_test(test_fail_closed),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_patterns_refused),
		cmocka_unit_test(test_patterns_before_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
