/*
 * Unit tests for banger-priv's pure parts: policy parsing and the caller
 * check, address derivation, request validation against a lease table,
 * and the lease file format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "addr.h"
#include "buf.h"
#include "lease.h"
#include "nft.h"
#include "policy.h"
#include "priv.h"
#include "proto_priv.h"
#include "validate.h"

static struct lease_table	 T;

/* The generic lease API and the validators, in these tests' terms. */
static int
add_bridge(struct lease_table *t, uint32_t uid, uint32_t slot)
{
	return lease_add(t, LEASE_BRIDGE, (uint32_t[LEASE_NF]){ uid, slot });
}

static int
add_tap(struct lease_table *t, const struct lease_tap *lt)
{
	return lease_add(t, LEASE_TAP, lt->f);
}

static int
free_slot(const struct lease_table *t, uint32_t nslots, uint32_t *slot)
{
	return lease_free(t, LEASE_BRIDGE, LF_SLOT, 0, 0, nslots, slot);
}

static int
free_tapno(const struct lease_table *t, uint32_t from, uint32_t *n)
{
	return lease_free(t, LEASE_TAP, LF_TAPNO, 0, from, UINT64_MAX, n);
}

static int
free_host(const struct lease_table *t, uint32_t uid, uint32_t *n)
{
	return lease_free(t, LEASE_TAP, LF_HOST, uid, 0, UINT64_MAX, n);
}

static enum verdict
check(validator *fn, uint32_t type, const struct policy *pol, uint32_t uid,
    uint64_t vm_id, struct vres *r)
{
	struct priv	 p = { .uid = uid, .lt = &T };
	struct req	 rq = { .type = type };

	if (pol != NULL)
		p.pol = *pol;
	rq.u.vm_id = vm_id;
	return fn(&p, &rq, r);
}

static enum verdict
v_bridge(const struct policy *pol, uint32_t uid, struct vres *r)
{
	return check(validate_bridge_ensure, PRIV_BRIDGE_ENSURE, pol, uid, 0,
	    r);
}

static enum verdict
v_tap_create(const struct policy *pol, uint32_t uid, uint64_t vm_id,
    struct vres *r)
{
	return check(validate_tap_create, PRIV_TAP_CREATE, pol, uid, vm_id, r);
}

static enum verdict
v_tap_delete(uint32_t uid, uint64_t vm_id, struct vres *r)
{
	return check(validate_release, PRIV_TAP_DELETE, NULL, uid, vm_id, r);
}

static int
parse_policy(struct policy *p, const char *s, char *err, size_t errlen)
{
	return policy_parse(p, s, strlen(s), err, errlen);
}

/* The caller check as main.c makes it: the user, then each group. */
static int
allows(const struct policy *p, const char *user, const char **groups,
    size_t ngroups)
{
	size_t	 i;

	for (i = 0; i < ngroups; i++)
		if (policy_allows(p, NULL, groups[i]))
			return 1;
	return policy_allows(p, user, NULL);
}

static void
test_policy_ok(void **state)
{
	struct policy	 p;
	char		 err[256];
	const char	*g1[] = { "users", "kvm" };
	const char	*g2[] = { "users", "banger" };

	(void)state;
	assert_int_equal(parse_policy(&p,
	    "# site policy\n"
	    "allow_users alice bob\n"
	    "\n"
	    "  # indented comment\n"
	    "allow_groups\tbanger  \n"
	    "pool 10.99.0.0/20\n"
	    "max_taps_per_user 4", err, sizeof(err)), 0);
	assert_int_equal(p.nusers, 2);
	assert_int_equal(p.ngroups, 1);
	assert_int_equal(p.pool, 0x0a630000);
	assert_int_equal(p.pool_prefix, 20);
	assert_int_equal(p.max_taps, 4);
	assert_true(allows(&p, "alice", g1, 2));
	assert_true(allows(&p, "bob", NULL, 0));
	assert_false(allows(&p, "carol", g1, 2));
	assert_true(allows(&p, "carol", g2, 2));
	assert_false(allows(&p, NULL, g1, 2));
	assert_true(allows(&p, NULL, g2, 2));
	/* Prefix match is not membership. */
	assert_false(allows(&p, "alic", NULL, 0));
	assert_false(policy_allows(&p, NULL, "banger2"));
}

static void
test_policy_low_ports(void **state)
{
	struct policy	 p;
	char		 err[256];

	(void)state;
	assert_int_equal(parse_policy(&p, "", err, sizeof(err)), 0);
	assert_int_equal(p.nlow_ports, 0);
	assert_int_equal(parse_policy(&p, "publish_low_ports 80 443 1023\n",
	    err, sizeof(err)), 0);
	assert_int_equal(p.nlow_ports, 3);
	assert_int_equal(p.low_ports[0], 80);
	assert_int_equal(p.low_ports[2], 1023);
	assert_int_equal(parse_policy(&p, "publish_low_ports 80 1024\n", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "ports 1..1023"));
	assert_int_equal(parse_policy(&p, "publish_low_ports 0\n", err,
	    sizeof(err)), -1);
	assert_int_equal(parse_policy(&p, "publish_low_ports http\n", err,
	    sizeof(err)), -1);
}

static void
test_policy_resolved(void **state)
{
	static const struct {
		const char	*text;
		int		 want;
	} c[] = {
		{ "", 0 },
		{ "allow_users alice\n", 1 },
		{ "allow_users alice bob\n", 0 },
		{ "allow_groups banger\n", 0 },
		{ "allow_users alice\nallow_groups banger\n", 0 },
		{ "allow_users alice\nresolved_routing false\n", 0 },
		{ "allow_users alice bob\nresolved_routing true\n", 1 },
	};
	struct policy	 p;
	char		 err[256];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		assert_int_equal(parse_policy(&p, c[i].text, err, sizeof(err)),
		    0);
		if (p.resolved != c[i].want)
			fail_msg("case %zu: resolved %d", i, p.resolved);
	}
	assert_int_equal(parse_policy(&p, "resolved_routing yes\n", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "true or false"));
}

static void
test_policy_defaults(void **state)
{
	struct policy	 p;
	char		 err[256];

	(void)state;
	assert_int_equal(parse_policy(&p, "", err, sizeof(err)), 0);
	assert_int_equal(p.pool, 0x0ad50000);
	assert_int_equal(p.pool_prefix, 16);
	assert_int_equal(p.max_taps, POLICY_TAPS_DEFAULT);
	/* Nobody is allowed by an empty policy, root included. */
	assert_false(policy_allows(&p, "root", "root"));
}

static void
test_policy_bad(void **state)
{
	static const struct {
		const char	*text;
		const char	*want;
	} bad[] = {
		{ "pool 10.0.0.0/25\n", "line 1" },
		{ "pool 10.0.0.0/7\n", "line 1" },
		{ "pool 10.0.0.1/16\n", "host bits" },
		{ "pool 10.0.0/16\n", "line 1" },
		{ "pool 010.0.0.0/16\n", "line 1" },
		{ "pool 10.256.0.0/16\n", "line 1" },
		{ "pool 5\n", "line 1" },
		{ "pool\n", "line 1: pool must be one" },
		{ "pool 10.0.0.0/16 10.1.0.0/16\n", "line 1: pool must be one" },
		{ "\nfoo 1\n", "line 2: unknown key \"foo\"" },
		/* The old TOML form is not read any more. */
		{ "allow_users = [\"alice\"]\n", "not a valid" },
		{ "[x]\n", "unknown key" },
		{ "allow_users al,ice\n", "not a valid" },
		{ "allow_users -x\n", "not a valid" },
		{ "allow_users \"alice\"\n", "not a valid" },
		{ "allow_groups aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		    "not a valid" },
		{ "allow_users a\nallow_users b\n", "line 2: allow_users given "
		    "twice" },
		/* No names, or one name twice: a half-finished edit. */
		{ "allow_users\n", "line 1: allow_users: needs at least one" },
		{ "pool 10.0.0.0/16\nallow_groups   \n",
		    "line 2: allow_groups: needs at least one" },
		{ "allow_users alice bob alice\n", "given twice" },
		{ "allow_groups banger banger\n", "given twice" },
		{ "max_taps_per_user 0\n", "1..253" },
		{ "max_taps_per_user 254\n", "1..253" },
		{ "max_taps_per_user 03\n", "1..253" },
		{ "max_taps_per_user +3\n", "1..253" },
		{ "max_taps_per_user 99999999999999999999\n", "1..253" },
		{ "max_taps_per_user 3 4\n", "1..253" },
		{ "max_taps_per_user 3 # four\n", "1..253" },
		{ "pool 10.0.0.0/16\r\n", "line 1: control character 0xd" },
		{ "# ok\n\x01\n", "line 2: control character 0x1" },
	};
	static char	 big[8192];
	struct policy	 p;
	char		 err[256];
	size_t		 i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (parse_policy(&p, bad[i].text, err, sizeof(err)) != -1)
			fail_msg("accepted: %s", bad[i].text);
		if (strstr(err, bad[i].want) == NULL)
			fail_msg("%s: error \"%s\" lacks \"%s\"", bad[i].text,
			    err, bad[i].want);
	}
	/* A NUL inside the text, not at its end. */
	assert_int_equal(policy_parse(&p, "pool\0x\n", 7, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "control character"));
	/* 64 names fit on a line, 65 do not; a line over 4096 bytes. */
	n = (size_t)snprintf(big, sizeof(big), "allow_users");
	for (i = 0; i < 64; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, " u%zu", i);
	assert_int_equal(parse_policy(&p, big, err, sizeof(err)), 0);
	assert_int_equal(p.nusers, 64);
	snprintf(big + n, sizeof(big) - n, " u64");
	assert_int_equal(parse_policy(&p, big, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than 64 values"));
	memset(big, 'a', 5000);
	big[5000] = '\0';
	assert_int_equal(parse_policy(&p, big, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than 4096"));
}

static void
test_addr(void **state)
{
	char		 s[ADDR_STRLEN], mac[ADDR_MACLEN], name[ADDR_IFNAMELEN];
	uint32_t	 net, sub;
	unsigned	 pfx;

	(void)state;
	assert_int_equal(addr_parse_cidr("10.213.0.0/16", &net, &pfx), 0);
	assert_int_equal(addr_nslots(pfx), 256);
	assert_int_equal(addr_nslots(24), 1);
	assert_int_equal(addr_nslots(8), 65536);
	assert_int_equal(addr_nslots(25), 0);
	assert_int_equal(addr_nslots(7), 0);
	sub = addr_subnet(net, 3);
	addr_fmt(sub, s, sizeof(s));
	assert_string_equal(s, "10.213.3.0");
	addr_fmt(addr_host(sub, ADDR_HOST_GW), s, sizeof(s));
	assert_string_equal(s, "10.213.3.1");
	addr_fmt(addr_host(sub, 2), s, sizeof(s));
	assert_string_equal(s, "10.213.3.2");
	addr_mac(addr_host(sub, 2), mac, sizeof(mac));
	assert_string_equal(mac, "02:42:0a:d5:03:02");
	addr_fmt(addr_subnet(net, 255), s, sizeof(s));
	assert_string_equal(s, "10.213.255.0");
	addr_bridge_name(4294967294u, name, sizeof(name));
	assert_string_equal(name, "bgbr4294967294");
	addr_tap_name(LEASE_TAPNO_MAX, name, sizeof(name));
	assert_string_equal(name, "bgtap65535");
	assert_int_equal(addr_parse_cidr("10.213.0.0/16x", &net, &pfx), -1);
	assert_int_equal(addr_parse_cidr("10.213.0.0/33", &net, &pfx), -1);
	assert_int_equal(addr_parse_cidr("10.213.0.0", &net, &pfx), -1);
	assert_int_equal(addr_parse_cidr("010.213.0.0/16", &net, &pfx), -1);
	assert_int_equal(addr_parse_cidr("10.213.0.0/016", &net, &pfx), -1);
	assert_int_equal(addr_parse_cidr("10.213.0.1/24", &net, &pfx), -1);
}

/* Offset of needle in the ruleset; fails the test if it is missing. */
static size_t
at(const char *rs, const char *needle)
{
	const char	*p;

	if ((p = strstr(rs, needle)) == NULL)
		fail_msg("ruleset lacks: %s", needle);
	return (size_t)(p - rs);
}

#define RULE(chain, text)	"add rule inet banger " chain " " text "\n"

static void
test_nft_ruleset(void **state)
{
	char		*rs, *rs2;
	size_t		 i, n;

	(void)state;
	memset(&T, 0, sizeof(T));
	assert_int_equal(add_bridge(&T, 1000, 3), 0);
	assert_int_equal(add_bridge(&T, 995, 0), 0);
	assert_non_null(rs = nftb_ruleset(&T, 0x0ad50000));

	/* One inet table; the old ip table is removed in the same batch. */
	assert_int_equal(at(rs, "add table ip banger\n"
	    "delete table ip banger\nadd table inet banger\n"), 0);
	assert_null(strstr(rs + 1, "add table ip "));
	assert_null(strstr(rs, "rule ip "));
	assert_null(strstr(rs, "set ip "));

	/* Every lease's bridge, its /24 and its gateway, both users. */
	at(rs, "add element inet banger brnet { \"bgbr1000\" . "
	    "10.213.3.0/24, \"bgbr995\" . 10.213.0.0/24 }\n");
	at(rs, "add element inet banger brgw { \"bgbr1000\" . 10.213.3.1, "
	    "\"bgbr995\" . 10.213.0.1 }\n");
	at(rs, "add element inet banger samebr { \"bgbr1000\" . "
	    "\"bgbr1000\", \"bgbr995\" . \"bgbr995\" }\n");

	/* Idempotent: chains and sets are flushed before anything is added. */
	n = at(rs, "add rule ");
	assert_true(at(rs, "flush chain inet banger postrouting\n") < n);
	assert_true(at(rs, "flush chain inet banger forward\n") < n);
	assert_true(at(rs, "flush chain inet banger input\n") < n);
	assert_true(at(rs, "flush set inet banger brnet\n") < n);
	assert_true(at(rs, "flush set inet banger brgw\n") < n);
	assert_true(at(rs, "flush set inet banger samebr\n") < n);
	assert_true(at(rs, "add element ") > at(rs, "flush set inet banger "
	    "samebr\n"));
	assert_non_null(rs2 = nftb_ruleset(&T, 0x0ad50000));
	assert_string_equal(rs2, rs);
	free(rs2);

	/* No IPv6 to or through a bridge, ahead of every accept. */
	n = at(rs, RULE("input", "iifname \"bgbr*\" meta nfproto ipv6 drop"));
	assert_true(n < at(rs, RULE("input", "iifname \"bgbr*\" ct state "
	    "established,related accept")));
	n = at(rs, RULE("forward", "iifname \"bgbr*\" meta nfproto ipv6 "
	    "drop"));
	assert_true(n < at(rs, RULE("forward", "iifname . oifname @samebr "
	    "accept")));
	n = at(rs, RULE("forward", "oifname \"bgbr*\" meta nfproto ipv6 "
	    "drop"));
	assert_true(n < at(rs, RULE("forward", "iifname . oifname @samebr "
	    "accept")));

	/* Anti-spoof, first of the IPv4 rules in both filter chains. */
	n = at(rs, RULE("input", "iifname \"bgbr*\" iifname . ip saddr "
	    "!= @brnet drop"));
	assert_true(n < at(rs, RULE("input", "iifname \"bgbr*\" ct state "
	    "established,related accept")));
	n = at(rs, RULE("forward", "iifname \"bgbr*\" iifname . ip saddr "
	    "!= @brnet drop"));
	assert_true(n < at(rs, RULE("forward", "iifname . oifname @samebr "
	    "accept")));
	at(rs, RULE("postrouting", "iifname . ip saddr @brnet masquerade"));

	/* Between bridges: drop; into a bridge: replies only. */
	n = at(rs, RULE("forward", "iifname \"bgbr*\" oifname \"bgbr*\" "
	    "drop"));
	assert_true(n < at(rs, RULE("forward", "oifname \"bgbr*\" ct state "
	    "established,related accept")));
	assert_true(at(rs, RULE("forward", "oifname \"bgbr*\" ct state "
	    "established,related accept")) <
	    at(rs, RULE("forward", "oifname \"bgbr*\" drop")));
	at(rs, RULE("forward", "iifname \"bgbr*\" ip daddr 169.254.0.0/16 "
	    "drop"));

	/*
	 * Connections opened while open are marked; once the guest is
	 * allowlisted they are cut both ways, the replies before the
	 * established accept lets them in.
	 */
	at(rs, RULE("forward", "iifname \"bgbr*\" ct state new ip saddr != "
	    "@egress_r ct mark set ct mark | 0x00100000"));
	assert_true(at(rs, RULE("forward", "oifname \"bgbr*\" ip daddr "
	    "@egress_r ct mark & 0x00100000 == 0x00100000 drop")) <
	    at(rs, RULE("forward", "oifname \"bgbr*\" ct state "
	    "established,related accept")));
	at(rs, RULE("forward", "iifname \"bgbr*\" ip saddr @egress_r ct mark "
	    "& 0x00100000 == 0x00100000 meta l4proto tcp reject with tcp "
	    "reset"));
	at(rs, RULE("forward", "iifname \"bgbr*\" ip saddr @egress_r ct mark "
	    "& 0x00100000 == 0x00100000 drop"));

	/* The host: DNS and ping of the bridge's own gateway, then drop. */
	at(rs, RULE("input", "iifname . ip daddr @brgw udp dport 53 accept"));
	at(rs, RULE("input", "iifname . ip daddr @brgw tcp dport 53 accept"));
	/* The ping limit is one per bridge (keyed by iifname), not shared. */
	at(rs, "add set inet banger pinglim { type ifname; flags dynamic; ");
	at(rs, RULE("input", "iifname . ip daddr @brgw icmp type echo-request "
	    "update @pinglim { iifname limit rate 10/second } accept"));
	assert_null(strstr(rs, "echo-request limit"));
	assert_true(at(rs, "flush set inet banger pinglim\n") <
	    at(rs, "add rule "));
	assert_null(strstr(rs, "\"bgbr*\" udp dport"));
	assert_null(strstr(rs, "\"bgbr*\" tcp dport"));
	assert_null(strstr(rs, "\"bgbr*\" icmp"));
	n = at(rs, RULE("input", "iifname \"bgbr*\" drop"));
	/* ... and the last rule of its chain. */
	assert_null(strstr(rs + n + 1, "add rule inet banger input "));

	/*
	 * The host's sockets: no IPv6 into a bridge; replies, or new
	 * connections from the bridge's owner only (root included in
	 * "others"); the final drop is the last rule.
	 */
	at(rs, "add chain inet banger output { type filter hook output ");
	assert_true(at(rs, "flush chain inet banger output\n") <
	    at(rs, "add rule "));
	assert_true(at(rs, "flush set inet banger brown\n") <
	    at(rs, "add rule "));
	n = at(rs, RULE("output", "oifname \"bgbr*\" meta nfproto ipv6 drop"));
	assert_true(n < at(rs, RULE("output", "oifname \"bgbr*\" ct state "
	    "established,related accept")));
	assert_true(at(rs, RULE("output", "oifname \"bgbr*\" ct state "
	    "established,related accept")) <
	    at(rs, RULE("output", "oifname . meta skuid @brown accept")));
	n = at(rs, RULE("output", "oifname . meta skuid @brown accept"));
	assert_true(n < at(rs, RULE("output", "oifname \"bgbr*\" drop")));
	n = at(rs, RULE("output", "oifname \"bgbr*\" drop"));
	assert_int_equal(n + strlen(RULE("output", "oifname \"bgbr*\" drop")),
	    at(rs, "add table bridge banger\n"));
	at(rs, "add element inet banger brown { \"bgbr1000\" . 1000, "
	    "\"bgbr995\" . 995 }\n");
	assert_null(strstr(rs, "oifname \"bgbr*\" accept"));
	/* Every accept in a filter chain is narrower than "from a bridge". */
	assert_null(strstr(rs, "iifname \"bgbr*\" accept"));
	assert_null(strstr(rs, "policy drop"));

	/* No bridges: empty sets (an empty element list is an error). */
	free(rs);
	memset(&T, 0, sizeof(T));
	assert_non_null(rs = nftb_ruleset(&T, 0x0ad50000));
	assert_null(strstr(rs, "add element"));
	free(rs);

	/* A full lease table fits. */
	for (i = 0; i < LEASE_MAX_BRIDGES; i++)
		assert_int_equal(add_bridge(&T, (uint32_t)(10000 + i),
		    (uint32_t)i), 0);
	assert_non_null(rs = nftb_ruleset(&T, 0x0a000000));
	at(rs, "\"bgbr14095\" . 10.15.255.0/24 }\n");
	at(rs, "\"bgbr14095\" . 14095 }\n");
	free(rs);
}

/* Anti-spoofing between taps, and the egress allowlist. */
static void
test_nft_egress(void **state)
{
	struct lease_tap	 t42 = { .uid = 1000, .vm_id = 42, .tapno = 3,
	    .host = 7 }, t43 = { .uid = 1000, .vm_id = 43, .tapno = 4,
	    .host = 8 }, t5 = { .uid = 995, .vm_id = 5, .tapno = 0,
	    .host = 2 };
	const char		 two[][16] = { "8.8.8.8", "1.1.1.1", "8.8.8.8" };
	char			*rs;
	size_t			 n;

	(void)state;
	memset(&T, 0, sizeof(T));
	assert_int_equal(add_bridge(&T, 1000, 3), 0);
	assert_int_equal(add_bridge(&T, 995, 0), 0);
	assert_int_equal(add_tap(&T, &t42), 0);
	assert_int_equal(add_tap(&T, &t43), 0);
	assert_int_equal(add_tap(&T, &t5), 0);
	assert_int_equal(lease_add(&T, LEASE_EGRESS,
	    (uint32_t[LEASE_NF]){ 1000, 42 }), 0);
	assert_non_null(rs = nftb_ruleset(&T, 0x0ad50000));
	/* Every tap's own address, every user's; only vm 42 allowlisted. */
	at(rs, "add element bridge banger tapip { \"bgtap3\" . 10.213.3.7, "
	    "\"bgtap4\" . 10.213.3.8, \"bgtap0\" . 10.213.0.2 }\n");
	at(rs, "add element inet banger egress_r { 10.213.3.7 }\n");
	assert_true(at(rs, "flush set inet banger egress_r\n") <
	    at(rs, "add rule "));
	/* One egress_ok per user, bounded, made if missing, never flushed. */
	assert_null(strstr(rs, "flush set inet banger egress_ok"));
	assert_null(strstr(rs, "egress_ok {"));
	/* After the forward chain's drops, each user's allowlist rule. */
	for (n = 0; n < 2; n++) {
		char	 set[160], rule[256];
		unsigned uid = n == 0 ? 1000 : 995;

		snprintf(set, sizeof(set), "add set inet banger egress_ok_%u "
		    "{ type ipv4_addr . ipv4_addr; flags timeout; size 4096; "
		    "}\n", uid);
		snprintf(rule, sizeof(rule), RULE("forward", "iifname "
		    "\"bgbr%u\" ct state != { established, related } ip saddr "
		    "@egress_r ip saddr . ip daddr != @egress_ok_%u reject with "
		    "icmpx type admin-prohibited"), uid, uid);
		assert_true(at(rs, set) < at(rs, rule));
		assert_true(at(rs, rule) > at(rs, RULE("forward", "iifname "
		    "\"bgbr*\" ip daddr 169.254.0.0/16 drop")));
		assert_true(at(rs, rule) > at(rs, RULE("forward", "oifname "
		    "\"bgbr*\" drop")));
	}
	/* The bridge table: IPv4 and ARP only from the tap's address. */
	n = at(rs, "add table bridge banger\n"
	    "add chain bridge banger prerouting { type filter hook prerouting "
	    "priority filter; policy accept; }\n"
	    "flush chain bridge banger prerouting\n"
	    "add set bridge banger tapip { type ifname . ipv4_addr; }\n"
	    "flush set bridge banger tapip\n"
	    "add rule bridge banger prerouting iifname \"bgtap*\" ether type "
	    "ip iifname . ip saddr != @tapip drop\n"
	    "add rule bridge banger prerouting iifname \"bgtap*\" ether type "
	    "arp iifname . arp saddr ip != @tapip drop\n");
	assert_true(n < at(rs, "add element bridge banger tapip"));
	free(rs);

	/* Open again, and the tap's lease gone: out of both sets. */
	assert_int_equal(lease_del(&T, LEASE_EGRESS, 1000, 42), 0);
	assert_non_null(rs = nftb_ruleset(&T, 0x0ad50000));
	assert_null(strstr(rs, "add element inet banger egress_r"));
	free(rs);
	assert_int_equal(lease_add(&T, LEASE_EGRESS,
	    (uint32_t[LEASE_NF]){ 1000, 42 }), 0);
	assert_int_equal(lease_del(&T, LEASE_TAP, 1000, 42), 0);
	assert_int_equal(T.negress, 0);
	assert_non_null(rs = nftb_ruleset(&T, 0x0ad50000));
	assert_null(strstr(rs, "add element inet banger egress_r"));
	assert_null(strstr(rs, "bgtap3"));
	free(rs);

	/* Allowed addresses: each once, re-added so its timeout renews. */
	assert_non_null(rs = nftb_allow_cmd(1000, 0x0ad50307, two, 3, 300));
	assert_string_equal(rs, "add set inet banger egress_ok_1000 { type "
	    "ipv4_addr . ipv4_addr; flags timeout; size 4096; }\n"
	    "add element inet banger egress_ok_1000 { 10.213.3.7 . 8.8.8.8 "
	    "timeout 300s, 10.213.3.7 . 1.1.1.1 timeout 300s }\n"
	    "delete element inet banger egress_ok_1000 { 10.213.3.7 . "
	    "8.8.8.8, 10.213.3.7 . 1.1.1.1 }\n"
	    "add element inet banger egress_ok_1000 { 10.213.3.7 . 8.8.8.8 "
	    "timeout 300s, 10.213.3.7 . 1.1.1.1 timeout 300s }\n");
	free(rs);
}

static struct policy
pol16(unsigned max_taps)
{
	struct policy	 p;

	policy_defaults(&p);
	p.max_taps = max_taps;
	return p;
}

static void
test_validate_bridge(void **state)
{
	struct policy	 p = pol16(4);
	struct vres	 r;
	uint32_t	 slot, i;

	(void)state;
	memset(&T, 0, sizeof(T));
	assert_int_equal(v_bridge(&p, 1000, &r), VALID_OK);
	assert_int_equal(free_slot(&T, 256, &slot), 0);
	assert_int_equal(slot, 0);
	assert_int_equal(add_bridge(&T, 1000, 0), 0);
	assert_int_equal(add_bridge(&T, 1000, 1), -1);	/* one each */
	assert_int_equal(add_bridge(&T, 1001, 0), -1);	/* slot taken */
	assert_int_equal(free_slot(&T, 256, &slot), 0);
	assert_int_equal(slot, 1);
	/* A /24 pool has one slot: the second user is refused. */
	p.pool_prefix = 24;
	assert_int_equal(v_bridge(&p, 1000, &r), VALID_OK);
	assert_int_equal(v_bridge(&p, 1001, &r),
	    VALID_REFUSE);
	assert_int_equal(r.code, BERR_QUOTA);
	/* Pool shrunk below a leased slot. */
	assert_int_equal(add_bridge(&T, 1002, 5), 0);
	assert_int_equal(v_bridge(&p, 1002, &r),
	    VALID_REFUSE);
	assert_int_equal(r.code, BERR_INTERNAL);
	/* Lowest free slot fills holes. */
	p.pool_prefix = 16;
	for (i = 1; i < 5; i++)
		assert_int_equal(add_bridge(&T, 2000 + i, i), 0);
	assert_int_equal(free_slot(&T, 256, &slot), 0);
	assert_int_equal(slot, 6);
	assert_int_equal(v_bridge(&p, 0xffffffffu, &r),
	    VALID_FAULT);
}

static void
test_validate_tap(void **state)
{
	struct policy		 p = pol16(2);
	struct lease_tap	 lt = { .uid = 1000, .vm_id = 5, .tapno = 0,
	    .host = 2 };
	struct vres		 r;
	uint32_t		 n;

	(void)state;
	memset(&T, 0, sizeof(T));
	/* No bridge yet: a fault, not a refusal. */
	assert_int_equal(v_tap_create(&p, 1000, 5, &r),
	    VALID_FAULT);
	assert_int_equal(add_bridge(&T, 1000, 0), 0);
	assert_int_equal(add_bridge(&T, 1001, 1), 0);
	/* vm_id 0 and past PRIV_VMID_MAX: wire_decode (test-wire). */
	assert_int_equal(v_tap_create(&p, 1000, PRIV_VMID_MAX,
	    &r), VALID_OK);
	assert_int_equal(v_tap_create(&p, 1000, 5, &r), VALID_OK);
	assert_int_equal(add_tap(&T, &lt), 0);
	/* The same vm_id again is a fault; another user's vm 5 is fine. */
	assert_int_equal(v_tap_create(&p, 1000, 5, &r),
	    VALID_FAULT);
	assert_int_equal(v_tap_create(&p, 1001, 5, &r), VALID_OK);
	/* Allocation: next tap number host-wide, next host per user. */
	assert_int_equal(free_tapno(&T, 0, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(free_tapno(&T, 7, &n), 0);
	assert_int_equal(n, 7);
	assert_int_equal(free_host(&T, 1000, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(free_host(&T, 1001, &n), 0);
	assert_int_equal(n, 2);
	lt = (struct lease_tap){ .uid = 1001, .vm_id = 5, .tapno = 1,
	    .host = 2 };
	assert_int_equal(add_tap(&T, &lt), 0);
	lt = (struct lease_tap){ .uid = 1000, .vm_id = 6, .tapno = 1,
	    .host = 3 };
	assert_int_equal(add_tap(&T, &lt), -1);	/* tapno taken */
	lt.tapno = 2;
	assert_int_equal(add_tap(&T, &lt), 0);
	/* Quota of 2 reached for uid 1000. */
	assert_int_equal(v_tap_create(&p, 1000, 7, &r),
	    VALID_REFUSE);
	assert_int_equal(r.code, BERR_QUOTA);
	/* Delete: only one's own lease. */
	assert_int_equal(v_tap_delete(1000, 5, &r), VALID_OK);
	assert_int_equal(v_tap_delete(1002, 5, &r), VALID_FAULT);
	assert_int_equal(v_tap_delete(1000, 7, &r), VALID_FAULT);
	assert_int_equal(lease_del(&T, LEASE_TAP, 1000, 5), 0);
	assert_int_equal(lease_del(&T, LEASE_TAP, 1000, 5), -1);
	assert_null(lease_find(&T, LEASE_TAP, LF_VMID, 5, 1000));
	assert_non_null(lease_find(&T, LEASE_TAP, LF_VMID, 5, 1001));
	assert_int_equal(lease_count(&T, LEASE_TAP, 1000), 1);
	/* Host .2 is free again for uid 1000, tap 0 host-wide. */
	assert_int_equal(free_host(&T, 1000, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(free_tapno(&T, 0, &n), 0);
	assert_int_equal(n, 0);
}

static void
test_host_exhaustion(void **state)
{
	struct policy		 p = pol16(POLICY_TAPS_MAX);
	struct lease_tap	 lt;
	struct vres		 r;
	uint32_t		 h;

	(void)state;
	memset(&T, 0, sizeof(T));
	assert_int_equal(add_bridge(&T, 1000, 0), 0);
	for (h = LEASE_HOST_MIN; h <= LEASE_HOST_MAX; h++) {
		lt = (struct lease_tap){ .uid = 1000, .vm_id = h,
		    .tapno = h, .host = h };
		assert_int_equal(add_tap(&T, &lt), 0);
	}
	assert_int_equal(free_host(&T, 1000, &h), -1);
	assert_int_equal(v_tap_create(&p, 1000, 1, &r),
	    VALID_REFUSE);
}

static enum verdict
v_egress(const struct policy *pol, uint32_t uid, uint64_t vm_id, int allow,
    const char *const *addrs, size_t n, struct vres *r)
{
	struct priv	 p = { .uid = uid, .lt = &T, .pol = *pol };
	struct req	 rq = { .type = PRIV_TAP_EGRESS };
	size_t		 i;

	rq.u.vm_id = vm_id;
	rq.u.allowlist = allow;
	rq.u.naddrs = n;
	for (i = 0; i < n && i < PRIV_EGRESS_ADDRS_MAX; i++)
		snprintf(rq.u.addrs[i], sizeof(rq.u.addrs[i]),
		    "%s", addrs[i]);
	return validate_tap_egress(&p, &rq, r);
}

static enum verdict
v_port(const struct policy *pol, uint64_t addr, uint64_t port,
    struct vres *r)
{
	struct priv	 p = { .uid = 1000, .lt = &T, .pol = *pol };
	struct req	 rq = { .type = PRIV_PORT_LISTEN };

	rq.u.addr = addr;
	rq.u.port = port;
	return validate_port_listen(&p, &rq, r);
}

static void
test_validate_port_listen(void **state)
{
	struct policy	 p = pol16(4);
	struct vres	 r;

	(void)state;
	p.low_ports[0] = 80;
	p.low_ports[1] = 443;
	p.nlow_ports = 2;
	assert_int_equal(v_port(&p, 0x7f000001, 80, &r), VALID_OK);
	assert_int_equal(v_port(&p, 0x7f0a0b0c, 443, &r), VALID_OK);
	assert_int_equal(v_port(&p, 0x7f000001, 81, &r), VALID_REFUSE);
	assert_non_null(strstr(r.why, "not in publish_low_ports"));
	assert_int_equal(v_port(&p, 0, 80, &r), VALID_REFUSE);
	assert_non_null(strstr(r.why, "loopback"));
	assert_int_equal(v_port(&p, 0x0ad50001, 80, &r), VALID_REFUSE);
	assert_int_equal(v_port(&p, 0x80000001, 80, &r), VALID_REFUSE);
	assert_int_equal(v_port(&p, 0x7f000001, 0, &r), VALID_REFUSE);
	p.nlow_ports = 0;
	assert_int_equal(v_port(&p, 0x7f000001, 80, &r), VALID_REFUSE);
}

static void
test_validate_egress(void **state)
{
	static const char *const bad[] = { "", "8.8.8", "8.8.8.8.8",
	    "08.8.8.8", "8.8.8.256", " 8.8.8.8", "8.8.8.8 ", "0x8.8.8.8",
	    "::1", "10.1.2.3", "127.0.0.1", "169.254.169.254", "192.168.1.1",
	    "172.16.0.1", "100.64.0.1", "0.0.0.0", "224.0.0.1",
	    "255.255.255.255", "198.51.7.7" };
	const char		*many[PRIV_EGRESS_ADDRS_MAX + 1];
	const char		*ok[] = { "8.8.8.8", "198.50.255.255",
	    "198.52.0.0" };
	struct lease_tap	 lt = { .uid = 1000, .vm_id = 42, .tapno = 3,
	    .host = 7 };
	struct policy		 p = pol16(4);
	struct vres		 r;
	size_t			 i;

	(void)state;
	/* A public pool, so that only the pool test refuses 198.51.7.7. */
	p.pool = 0xc6330000;		/* 198.51.0.0/16 */
	memset(&T, 0, sizeof(T));
	assert_int_equal(add_bridge(&T, 1000, 3), 0);
	assert_int_equal(add_tap(&T, &lt), 0);
	assert_int_equal(v_egress(&p, 1000, 42, 1, NULL, 0, &r), VALID_OK);
	assert_int_equal(v_egress(&p, 1000, 42, 0, NULL, 0, &r), VALID_OK);
	assert_int_equal(v_egress(&p, 1000, 42, 1, ok, 3, &r), VALID_OK);
	/* Another user's vm 42, or no tap: refused, not a fault. */
	assert_int_equal(v_egress(&p, 1001, 42, 1, NULL, 0, &r), VALID_REFUSE);
	assert_non_null(strstr(r.why, "no tap of this user"));
	assert_int_equal(v_egress(&p, 1000, 43, 0, NULL, 0, &r), VALID_REFUSE);
	/* vm_id 0: wire_decode (test-wire's "egress: vm_id 0"). */
	/* Open takes no addresses. */
	assert_int_equal(v_egress(&p, 1000, 42, 0, ok, 1, &r), VALID_REFUSE);
	assert_int_equal(r.code, BERR_INVALID);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ok[1] = bad[i];
		if (v_egress(&p, 1000, 42, 1, ok, 3, &r) != VALID_REFUSE)
			fail_msg("accepted address \"%s\"", bad[i]);
	}
	for (i = 0; i <= PRIV_EGRESS_ADDRS_MAX; i++)
		many[i] = "8.8.4.4";
	assert_int_equal(v_egress(&p, 1000, 42, 1, many,
	    PRIV_EGRESS_ADDRS_MAX, &r), VALID_OK);
	assert_int_equal(v_egress(&p, 1000, 42, 1, many,
	    PRIV_EGRESS_ADDRS_MAX + 1, &r), VALID_REFUSE);
	assert_non_null(strstr(r.why, "at most 32"));
}

static void
test_lease_roundtrip(void **state)
{
	static struct lease_table	 u;
	struct lease_tap		 lt = { .uid = 1000, .vm_id = 42,
	    .tapno = 3, .host = 7 };
	static char			 b[LEASE_FILE_MAX];
	const char			*want = "banger-leases 1\n"
	    "bridge 1000 3\nbridge 0 0\ntap 1000 42 3 7\n"
	    "tap 0 2147483647 65535 254\n";
	char				 err[128];
	int				 n;

	(void)state;
	memset(&T, 0, sizeof(T));
	assert_int_equal(add_bridge(&T, 1000, 3), 0);
	assert_int_equal(add_bridge(&T, 0, 0), 0);
	assert_int_equal(add_tap(&T, &lt), 0);
	lt = (struct lease_tap){ .uid = 0, .vm_id = PRIV_VMID_MAX,
	    .tapno = LEASE_TAPNO_MAX, .host = 254 };
	assert_int_equal(add_tap(&T, &lt), 0);
	n = lease_serialize(&T, b, sizeof(b));
	assert_int_equal(n, strlen(want));
	assert_memory_equal(b, want, n);
	assert_int_equal(lease_parse(&u, b, n, err, sizeof(err)), 0);
	assert_int_equal(u.nbr, 2);
	assert_int_equal(u.ntap, 2);
	assert_memory_equal(&u.br, &T.br, sizeof(T.br[0]) * 2);
	assert_memory_equal(&u.tap, &T.tap, sizeof(T.tap[0]) * 2);
	/* An empty file is an empty table. */
	assert_int_equal(lease_parse(&u, "", 0, err, sizeof(err)), 0);
	assert_int_equal(u.nbr + u.ntap, 0);

	/* An allowlisted VM; and the file as it was before egress. */
	assert_int_equal(lease_add(&T, LEASE_EGRESS,
	    (uint32_t[LEASE_NF]){ 1000, 42 }), 0);
	n = lease_serialize(&T, b, sizeof(b));
	assert_int_equal(n, strlen(want) + strlen("egress 1000 42\n"));
	assert_memory_equal(b + strlen(want), "egress 1000 42\n", 15);
	assert_int_equal(lease_parse(&u, b, n, err, sizeof(err)), 0);
	assert_int_equal(u.negress, 1);
	assert_int_equal(u.egress[0].uid, 1000);
	assert_int_equal(u.egress[0].vm_id, 42);
	assert_int_equal(lease_parse(&u, want, strlen(want), err,
	    sizeof(err)), 0);
	assert_int_equal(u.ntap, 2);
	assert_int_equal(u.negress, 0);
}

static void
test_lease_bad(void **state)
{
	static const char *const bad[] = {
		"banger-leases 2\n",
		"banger-leases 1",				/* no newline */
		"banger-leases 1\nbridge 1000 3",
		"banger-leases 1\n\n",				/* empty line */
		"banger-leases 1\nbridge  1000 3\n",		/* two spaces */
		"banger-leases 1\nbridge 1000 3 \n",		/* trailing */
		"banger-leases 1\n bridge 1000 3\n",
		"banger-leases 1\nbridge 1000\n",
		"banger-leases 1\nbridge 1000 3 4\n",
		"banger-leases 1\nbridge 01000 3\n",		/* leading 0 */
		"banger-leases 1\nbridge -1 3\n",
		/* Past uint32: must not wrap to a valid number. */
		"banger-leases 1\nbridge 4294968296 3\n",
		"banger-leases 1\nbridge 18446744073709551616 3\n",
		"banger-leases 1\ntap 1000 4294967297 0 2\n",
		"banger-leases 1\nbridge +1 3\n",
		"banger-leases 1\nbridge 4294967295 3\n",	/* uid -1 */
		"banger-leases 1\nbridge 1000 65536\n",
		"banger-leases 1\nbridge 1000 3\nbridge 1000 4\n",
		"banger-leases 1\nbridge 1000 3\nbridge 1001 3\n",
		"banger-leases 1\ntap 1000 0 1 2\n",		/* vm_id 0 */
		"banger-leases 1\ntap 1000 2147483648 1 2\n",
		"banger-leases 1\ntap 1000 1 65536 2\n",
		"banger-leases 1\ntap 1000 1 1 1\n",		/* host .1 */
		"banger-leases 1\ntap 1000 1 1 255\n",
		"banger-leases 1\ntap 1000 1 1 2\ntap 1000 1 2 3\n",
		"banger-leases 1\ntap 1000 1 1 2\ntap 1001 1 1 3\n",
		"banger-leases 1\ntap 1000 1 1 2\ntap 1000 2 2 2\n",
		"banger-leases 1\ntap 1000 1 1 2 9\n",
		"banger-leases 1\ntap 1000 1 1 0x2\n",
		"banger-leases 1\nvm 1000 1\n",
		"banger-leases 1\r\nbridge 1 1\n",
		"banger-leases 1\nbridge 1000 3\r\n",
		"banger-leases 1\negress 1000 0\n",
		"banger-leases 1\negress 1000 1 2\n",
		"banger-leases 1\negress 1000\n",
		"banger-leases 1\negress 1000 1\negress 1000 1\n",
		"banger-leases 1\negress 1000 2147483648\n",
		"banger-leases 1\negress  1000 1\n",
	};
	static struct lease_table	 u;
	char				 err[128];
	size_t				 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (lease_parse(&u, bad[i], strlen(bad[i]), err,
		    sizeof(err)) != -1)
			fail_msg("accepted lease file #%zu", i);
	/* NUL inside. */
	assert_int_equal(lease_parse(&u, "banger-leases 1\n\0", 17, err,
	    sizeof(err)), -1);
	/* Overlong line. */
	{
		char	 line[200];

		memset(line, '1', sizeof(line));
		memcpy(line, "banger-leases 1\nbridge ", 23);
		line[sizeof(line) - 1] = '\n';
		assert_int_equal(lease_parse(&u, line, sizeof(line), err,
		    sizeof(err)), -1);
		assert_non_null(strstr(err, "too long"));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_ok),
		cmocka_unit_test(test_policy_defaults),
		cmocka_unit_test(test_policy_bad),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_nft_ruleset),
		cmocka_unit_test(test_nft_egress),
		cmocka_unit_test(test_validate_egress),
		cmocka_unit_test(test_validate_port_listen),
		cmocka_unit_test(test_policy_low_ports),
		cmocka_unit_test(test_policy_resolved),
		cmocka_unit_test(test_validate_bridge),
		cmocka_unit_test(test_validate_tap),
		cmocka_unit_test(test_host_exhaustion),
		cmocka_unit_test(test_lease_roundtrip),
		cmocka_unit_test(test_lease_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
