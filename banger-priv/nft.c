/*
 * NAT and isolation in one "inet" table (IPv4 and IPv6 pass the same
 * chains), the same rules for every user.  One atomic batch rebuilds it
 * all from the lease table, so a bridge whose lease is gone loses its
 * elements.  Root is not let in by the output chain: it owns the table,
 * so an exception would protect nothing.  Policies stay accept: the table
 * judges only traffic to, from and between banger's bridges.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "addr.h"
#include "lease.h"
#include "nft.h"

#define POST	"add rule inet banger postrouting "
#define FWD	"add rule inet banger forward "
#define IN	"add rule inet banger input "
#define OUT	"add rule inet banger output "
#define BR	"\"bgbr*\" "
#define BRT	"add rule bridge banger prerouting iifname \"bgtap*\" " \
	"ether type "
/*
 * The conntrack mark bit of a connection a guest opened while its egress
 * was open: when the guest becomes allowlisted, its egress_r element cuts
 * those at once (new ones are judged by egress_ok).
 */
#define OPENED	"ct mark & 0x00100000 == 0x00100000 "
/*
 * One per user, bounded, so no user can fill another's; never flushed,
 * so an allowlisted VM's addresses outlive a rebuild.
 */
#define EGRESS_OK "add set inet banger egress_ok_%u { type ipv4_addr . " \
	"ipv4_addr; flags timeout; size 4096; }\n"

/* Each is added, then flushed: re-running adds nothing twice. */
static const char *const chains[][2] = {
	{ "postrouting", "nat hook postrouting priority srcnat" },
	{ "forward", "filter hook forward priority filter" },
	{ "input", "filter hook input priority filter" },
	{ "output", "filter hook output priority filter" },
};

/* The first four mirror the lease table's bridges, in this order. */
static const char *const sets[][2] = {
	{ "brnet", "ifname . ipv4_addr; flags interval" }, /* only source */
	{ "brgw", "ifname . ipv4_addr" },	/* its only host address */
	{ "samebr", "ifname . ifname" },
	{ "brown", "ifname . uid" },	/* who on the host may connect in */
	/* Filled by the ping rule: one limit per bridge (a "meter"). */
	{ "pinglim", "ifname; flags dynamic; size 8192" },
	{ "egress_r", "ipv4_addr" },	/* allowlisted guests */
};

static const char rules[] =
    POST "oifname " BR "return\n"
    POST "iifname . ip saddr @brnet masquerade\n"
    /* Bridges and taps have no IPv6 address (net.c); this is the rest. */
    FWD "iifname " BR "meta nfproto ipv6 drop\n"
    FWD "oifname " BR "meta nfproto ipv6 drop\n"
    FWD "iifname " BR "iifname . ip saddr != @brnet drop\n"
    FWD "iifname . oifname @samebr accept\n"
    FWD "iifname " BR "oifname " BR "drop\n"
    FWD "oifname " BR "ip daddr @egress_r " OPENED "drop\n"
    FWD "oifname " BR "ct state established,related accept\n"
    FWD "oifname " BR "drop\n"
    FWD "iifname " BR "ip daddr 169.254.0.0/16 drop\n"
    FWD "iifname " BR "ip saddr @egress_r " OPENED "meta l4proto tcp "
    "reject with tcp reset\n"
    FWD "iifname " BR "ip saddr @egress_r " OPENED "drop\n"
    FWD "iifname " BR "ct state new ip saddr != @egress_r "
    "ct mark set ct mark | 0x00100000\n"
    IN "iifname " BR "meta nfproto ipv6 drop\n"
    IN "iifname " BR "iifname . ip saddr != @brnet drop\n"
    IN "iifname " BR "ct state established,related accept\n"
    IN "iifname . ip daddr @brgw udp dport 53 accept\n"
    IN "iifname . ip daddr @brgw tcp dport 53 accept\n"
    IN "iifname . ip daddr @brgw icmp type echo-request "
    "update @pinglim { iifname limit rate 10/second } accept\n"
    IN "iifname " BR "drop\n"
    /* The host's own sockets: only the bridge's owner opens connections. */
    OUT "oifname " BR "meta nfproto ipv6 drop\n"
    OUT "oifname " BR "ct state established,related accept\n"
    OUT "oifname . meta skuid @brown accept\n"
    OUT "oifname " BR "drop\n"
    /* A guest sends only as its own address (not as a sibling's). */
    "add table bridge banger\n"
    "add chain bridge banger prerouting { type filter hook prerouting "
    "priority filter; policy accept; }\n"
    "flush chain bridge banger prerouting\n"
    "add set bridge banger tapip { type ifname . ipv4_addr; }\n"
    "flush set bridge banger tapip\n"
    BRT "ip iifname . ip saddr != @tapip drop\n"
    BRT "arp iifname . arp saddr ip != @tapip drop\n";

struct nft_ctx *
nftb_open(char *err, size_t errlen)
{
	struct nft_ctx	*ctx;

	/* Keep libnftables' messages for our own log line. */
	if ((ctx = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL ||
	    nft_ctx_buffer_output(ctx) != 0 ||
	    nft_ctx_buffer_error(ctx) != 0) {
		snprintf(err, errlen, "nft: cannot set up libnftables");
		if (ctx != NULL)
			nft_ctx_free(ctx);
		return NULL;
	}
	return ctx;
}

/* Close an open_memstream() of out: out, or NULL. */
static char *
done(FILE *f, char **out)
{
	int	 bad = ferror(f);

	if (fclose(f) != 0 || bad) {
		free(*out);
		return NULL;
	}
	return *out;
}

/* Each leased tap's guest address: all for tapip, allowlisted egress_r. */
static void
guests(FILE *f, const struct lease_table *lt, uint32_t pool, int egress)
{
	const struct lease_bridge	*b;
	const struct lease_tap		*t;
	char				 name[ADDR_IFNAMELEN];
	char				 a[ADDR_STRLEN];
	size_t				 i, n = 0;

	for (i = 0, t = lt->tap; i < lt->ntap; i++, t++) {
		if ((b = lease_find(lt, LEASE_BRIDGE, LF_UID, t->uid,
		    LEASE_ANY)) == NULL || (egress && lease_find(lt,
		    LEASE_EGRESS, LF_VMID, t->vm_id, t->uid) == NULL))
			continue;
		addr_fmt(addr_host(addr_subnet(pool, b->slot), t->host), a,
		    sizeof(a));
		addr_tap_name(t->tapno, name, sizeof(name));
		fprintf(f, "%s", n++ > 0 ? ", " : egress ? "add element "
		    "inet banger egress_r { " : "add element bridge banger "
		    "tapip { ");
		fprintf(f, egress ? "%s%s" : "\"%s\" . %s", egress ? "" : name,
		    a);
	}
	if (n > 0)
		fputs(" }\n", f);
}

/* The batch, NUL-terminated, in memory of its own (free it). */
char *
nftb_ruleset(const struct lease_table *lt, uint32_t pool)
{
	char		*out = NULL, name[ADDR_IFNAMELEN], a[ADDR_STRLEN];
	uint32_t	 subnet;
	size_t		 len, i, s;
	FILE		*f;

	if ((f = open_memstream(&out, &len)) == NULL)
		return NULL;
	fputs("add table ip banger\ndelete table ip banger\n"
	    "add table inet banger\n", f);
	for (i = 0; i < 4; i++)
		fprintf(f, "add chain inet banger %s { type %s; policy accept; "
		    "}\nflush chain inet banger %s\n", chains[i][0],
		    chains[i][1], chains[i][0]);
	for (i = 0; i < 6; i++)
		fprintf(f, "add set inet banger %s { type %s; }\n"
		    "flush set inet banger %s\n", sets[i][0], sets[i][1],
		    sets[i][0]);
	fputs(rules, f);
	/* An allowlisted guest starts connections only to its user's pairs. */
	for (i = 0; i < lt->nbr; i++) {
		fprintf(f, EGRESS_OK, (unsigned)lt->br[i].uid);
		fprintf(f, FWD "iifname \"bgbr%u\" ct state != { established, "
		    "related } ip saddr @egress_r ip saddr . ip daddr != "
		    "@egress_ok_%u reject with icmpx type admin-prohibited\n",
		    (unsigned)lt->br[i].uid, (unsigned)lt->br[i].uid);
	}
	guests(f, lt, pool, 0);
	guests(f, lt, pool, 1);
	/* An empty element list is a syntax error; an empty set is not. */
	for (s = 0; s < 4 && lt->nbr > 0; s++) {
		fprintf(f, "add element inet banger %s { ", sets[s][0]);
		for (i = 0; i < lt->nbr; i++) {
			addr_bridge_name(lt->br[i].uid, name, sizeof(name));
			subnet = addr_subnet(pool, lt->br[i].slot);
			addr_fmt(s == 1 ? addr_host(subnet, ADDR_HOST_GW) :
			    subnet, a, sizeof(a));
			fprintf(f, "%s\"%s\" . ", i > 0 ? ", " : "", name);
			if (s == 0)
				fprintf(f, "%s/%u", a, ADDR_USER_PREFIX);
			else if (s == 1)
				fputs(a, f);
			else if (s == 2)
				fprintf(f, "\"%s\"", name);
			else
				fprintf(f, "%u", (unsigned)lt->br[i].uid);
		}
		fputs(" }\n", f);
	}
	return done(f, &out);
}

/*
 * Guest may reach each of addrs for ttl seconds: added, deleted and added
 * again in one batch, so that one already there gets the new timeout.
 */
char *
nftb_allow_cmd(uint32_t uid, uint32_t guest, const char (*addrs)[16],
    size_t n, uint64_t ttl)
{
	char		*out = NULL, g[ADDR_STRLEN], tmo[32];
	size_t		 len, i, j, pass;
	FILE		*f;

	if ((f = open_memstream(&out, &len)) == NULL)
		return NULL;
	addr_fmt(guest, g, sizeof(g));
	snprintf(tmo, sizeof(tmo), " timeout %llus", (unsigned long long)ttl);
	fprintf(f, EGRESS_OK, (unsigned)uid);
	for (pass = 0; pass < 3; pass++) {
		fprintf(f, "%s element inet banger egress_ok_%u {", pass == 1 ?
		    "delete" : "add", (unsigned)uid);
		/* Each once: a second delete would fail the batch. */
		for (i = 0; i < n; i++) {
			for (j = 0; j < i && strcmp(addrs[i], addrs[j]); j++)
				;
			if (j == i)
				fprintf(f, "%s %s . %s%s", i > 0 ? "," : "", g,
				    addrs[i], pass == 1 ? "" : tmo);
		}
		fputs(" }\n", f);
	}
	return done(f, &out);
}

/* Run cmd (NULL: out of memory) and free it. */
int
nftb_run(struct nft_ctx *ctx, char *cmd, char *err, size_t errlen)
{
	const char	*msg;
	int		 rc = -1;

	if (cmd == NULL)
		snprintf(err, errlen, "nft: out of memory for the ruleset");
	else if ((rc = nft_run_cmd_from_buffer(ctx, cmd)) != 0) {
		msg = nft_ctx_get_error_buffer(ctx);
		snprintf(err, errlen, "nft: %.*s", msg != NULL ?
		    (int)strcspn(msg, "\n") : 6, msg != NULL ? msg : "failed");
	}
	free(cmd);
	return rc == 0 ? 0 : -1;
}

int
nftb_ensure(struct nft_ctx *ctx, const struct lease_table *lt, uint32_t pool,
    char *err, size_t errlen)
{
	return nftb_run(ctx, nftb_ruleset(lt, pool), err, errlen);
}
