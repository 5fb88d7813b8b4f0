/*
 * NAT and isolation rules, in one "inet" table so that IPv4 and IPv6 pass
 * the same chains.  The rules are the same for every user; four sets
 * mirror the lease table's bridges: brnet { bridge . its /24 } (the only
 * sources it may send), brgw { bridge . its gateway } (the only host
 * address it may reach), samebr { bridge . bridge } and brown { bridge .
 * owner uid } (who on the host may connect into it); pinglim holds one
 * ping rate limit per bridge, so one guest's flood spends only its own.
 * Each ensure re-creates rules and elements from the whole lease table in
 * one atomic batch: idempotent, and a bridge whose lease is gone loses
 * its elements; the batch also removes the older "ip banger" table.
 * Root is not let in by the output chain: it owns the table, so an
 * exception would protect nothing, while the drop keeps root's own
 * services away from users' guests.  The chains' policies stay accept:
 * the table judges only traffic to, from and between banger's bridges.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "addr.h"
#include "lease.h"
#include "nft.h"

/* Flush and re-add: the table's shape, then its rules. */
static const char nftb_static[] =
    "add table ip banger\n"
    "delete table ip banger\n"
    "add table inet banger\n"
    "add chain inet banger postrouting { type nat hook postrouting "
    "priority srcnat; policy accept; }\n"
    "add chain inet banger forward { type filter hook forward "
    "priority filter; policy accept; }\n"
    "add chain inet banger input { type filter hook input "
    "priority filter; policy accept; }\n"
    "add chain inet banger output { type filter hook output "
    "priority filter; policy accept; }\n"
    "add set inet banger brnet { type ifname . ipv4_addr; "
    "flags interval; }\n"
    "add set inet banger brgw { type ifname . ipv4_addr; }\n"
    "add set inet banger samebr { type ifname . ifname; }\n"
    "add set inet banger brown { type ifname . uid; }\n"
    /* Filled by the ping rule: one limit per bridge (a "meter"). */
    "add set inet banger pinglim { type ifname; flags dynamic; "
    "size 8192; }\n"
    "flush chain inet banger postrouting\n"
    "flush chain inet banger forward\n"
    "flush chain inet banger input\n"
    "flush chain inet banger output\n"
    "flush set inet banger brnet\n"
    "flush set inet banger brgw\n"
    "flush set inet banger samebr\n"
    "flush set inet banger brown\n"
    "flush set inet banger pinglim\n"
    "add rule inet banger postrouting oifname \"bgbr*\" return\n"
    "add rule inet banger postrouting iifname . ip saddr @brnet "
    "masquerade\n"
    /* Bridges and taps have no IPv6 address (net.c); this is the rest. */
    "add rule inet banger forward iifname \"bgbr*\" meta nfproto ipv6 "
    "drop\n"
    "add rule inet banger forward oifname \"bgbr*\" meta nfproto ipv6 "
    "drop\n"
    "add rule inet banger forward iifname \"bgbr*\" "
    "iifname . ip saddr != @brnet drop\n"
    "add rule inet banger forward iifname . oifname @samebr accept\n"
    "add rule inet banger forward iifname \"bgbr*\" oifname \"bgbr*\" "
    "drop\n"
    "add rule inet banger forward oifname \"bgbr*\" ct state "
    "established,related accept\n"
    "add rule inet banger forward oifname \"bgbr*\" drop\n"
    "add rule inet banger forward iifname \"bgbr*\" "
    "ip daddr 169.254.0.0/16 drop\n"
    "add rule inet banger input iifname \"bgbr*\" meta nfproto ipv6 "
    "drop\n"
    "add rule inet banger input iifname \"bgbr*\" "
    "iifname . ip saddr != @brnet drop\n"
    "add rule inet banger input iifname \"bgbr*\" ct state "
    "established,related accept\n"
    "add rule inet banger input iifname . ip daddr @brgw udp dport 53 "
    "accept\n"
    "add rule inet banger input iifname . ip daddr @brgw tcp dport 53 "
    "accept\n"
    "add rule inet banger input iifname . ip daddr @brgw icmp type "
    "echo-request update @pinglim { iifname limit rate 10/second } "
    "accept\n"
    "add rule inet banger input iifname \"bgbr*\" drop\n"
    /* The host's own sockets: only the bridge's owner opens connections. */
    "add rule inet banger output oifname \"bgbr*\" meta nfproto ipv6 "
    "drop\n"
    "add rule inet banger output oifname \"bgbr*\" ct state "
    "established,related accept\n"
    "add rule inet banger output oifname . meta skuid @brown accept\n"
    "add rule inet banger output oifname \"bgbr*\" drop\n";

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

/* The batch, NUL-terminated, in memory of its own (free it). */
char *
nftb_ruleset(const struct lease_table *lt, uint32_t pool)
{
	static const char *const set[] = { "brnet", "brgw", "samebr",
				    "brown" };
	char		*out = NULL, name[ADDR_IFNAMELEN], a[ADDR_STRLEN];
	uint32_t	 subnet;
	size_t		 len, i, s;
	FILE		*f;
	int		 bad;

	if ((f = open_memstream(&out, &len)) == NULL)
		return NULL;
	fputs(nftb_static, f);
	/* An empty element list is a syntax error; an empty set is not. */
	for (s = 0; s < 4 && lt->nbr > 0; s++) {
		fprintf(f, "add element inet banger %s { ", set[s]);
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
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		free(out);
		return NULL;
	}
	return out;
}

int
nftb_ensure(struct nft_ctx *ctx, const struct lease_table *lt, uint32_t pool,
    char *err, size_t errlen)
{
	const char	*msg;
	char		*cmd;
	int		 rc = -1;

	if ((cmd = nftb_ruleset(lt, pool)) == NULL)
		snprintf(err, errlen, "nft: out of memory for the ruleset");
	else if ((rc = nft_run_cmd_from_buffer(ctx, cmd)) != 0) {
		msg = nft_ctx_get_error_buffer(ctx);
		snprintf(err, errlen, "nft: %.*s", msg != NULL ?
		    (int)strcspn(msg, "\n") : 6, msg != NULL ? msg : "failed");
	}
	free(cmd);
	return rc == 0 ? 0 : -1;
}
