/*
 * NAT and isolation rules, in one "inet" table so that IPv4 and IPv6
 * pass the same chains.  The rules are the same for every user and refer
 * to four sets that mirror the lease table's bridges:
 *
 *   brnet  { bridge . its /24 }      the only sources a bridge may send
 *   brgw   { bridge . its gateway }  the only host address it may reach
 *   samebr { bridge . bridge }       traffic that stays on one bridge
 *   brown  { bridge . owner uid }    who on the host may connect into it
 *
 * and a fifth, pinglim, that the ping rule fills itself: one rate limit
 * per bridge, so that one guest's flood spends only its own bridge's
 * gateway pings.
 *
 * Each ensure re-creates the static rules (flush + add) and the four
 * sets' elements from the whole lease table in one atomic batch, so
 * running it twice, or from two users' helpers (serialised by the lease
 * lock), never duplicates anything, and a bridge whose lease is gone
 * loses its elements.  The batch also removes the "ip banger" table that
 * helpers before the inet table made, at no moment leaving a bridge
 * without rules.
 *
 *   postrouting (nat):  to any bgbr* bridge: no NAT; from a bridge with
 *                       a source in its own /24: masquerade
 *   forward (filter):   IPv6 from or to bgbr*: drop; from a bridge with a
 *                       source outside its /24: drop; within one user's
 *                       bridge: accept (only seen with br_netfilter);
 *                       between bgbr* bridges: drop; into a bridge: only
 *                       established/related; from a bridge to
 *                       169.254.0.0/16 (cloud metadata): drop
 *   input (filter):     from bgbr*: IPv6 and foreign sources dropped;
 *                       replies, DNS (udp/tcp 53) and ping (rate
 *                       limited per bridge) of that bridge's own gateway
 *                       address only
 *   output (filter):    IPv6 to bgbr*: drop; into a bridge: replies, or
 *                       anything from a socket of the uid that owns the
 *                       bridge; all else (other users, root too): drop
 *
 * Root is not let in by the output chain: it owns the table and could
 * change it, so an exception would protect nothing, while the drop keeps
 * root's own services (scanners, mDNS, ...) away from users' guests.
 * bangerd reaches its guests over vsock, not the bridge.
 *
 * The chains' policies stay accept: the table judges traffic to, from
 * and between banger's bridges and leaves the host's own alone.
 */
#include <stdio.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "addr.h"
#include "buf.h"
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

	if ((ctx = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL) {
		snprintf(err, errlen, "nft_ctx_new failed");
		return NULL;
	}
	/* Keep libnftables' messages for our own log line. */
	if (nft_ctx_buffer_output(ctx) != 0 ||
	    nft_ctx_buffer_error(ctx) != 0) {
		snprintf(err, errlen, "nft: cannot buffer output");
		nft_ctx_free(ctx);
		return NULL;
	}
	return ctx;
}

enum nftb_set { NFTB_BRNET, NFTB_BRGW, NFTB_SAMEBR, NFTB_BROWN };

/* One "add element" command listing every leased bridge in one set. */
static int
nftb_elements(struct buf *out, const struct lease_table *lt, uint32_t pool,
    enum nftb_set set)
{
	static const char	*setname[] = { "brnet", "brgw", "samebr",
				    "brown" };
	char			 line[96], name[ADDR_IFNAMELEN];
	char			 a[ADDR_STRLEN];
	uint32_t		 subnet;
	size_t			 i;
	int			 n;

	n = snprintf(line, sizeof(line), "add element inet banger %s { ",
	    setname[set]);
	if (buf_append(out, line, (size_t)n) == -1)
		return -1;
	for (i = 0; i < lt->nbr; i++) {
		addr_bridge_name(lt->br[i].uid, name, sizeof(name));
		subnet = addr_subnet(pool, lt->br[i].slot);
		switch (set) {
		case NFTB_BRNET:
			addr_fmt(subnet, a, sizeof(a));
			n = snprintf(line, sizeof(line), "%s\"%s\" . %s/%u",
			    i > 0 ? ", " : "", name, a, ADDR_USER_PREFIX);
			break;
		case NFTB_BRGW:
			addr_fmt(addr_host(subnet, ADDR_HOST_GW), a,
			    sizeof(a));
			n = snprintf(line, sizeof(line), "%s\"%s\" . %s",
			    i > 0 ? ", " : "", name, a);
			break;
		case NFTB_SAMEBR:
			n = snprintf(line, sizeof(line), "%s\"%s\" . \"%s\"",
			    i > 0 ? ", " : "", name, name);
			break;
		case NFTB_BROWN:
			n = snprintf(line, sizeof(line), "%s\"%s\" . %u",
			    i > 0 ? ", " : "", name, (unsigned)lt->br[i].uid);
			break;
		}
		if (n < 0 || (size_t)n >= sizeof(line) ||
		    buf_append(out, line, (size_t)n) == -1)
			return -1;
	}
	return buf_append(out, " }\n", 3);
}

int
nftb_ruleset(struct buf *out, const struct lease_table *lt, uint32_t pool)
{
	buf_reset(out);
	if (buf_append(out, nftb_static, sizeof(nftb_static) - 1) == -1)
		return -1;
	/* An empty element list is a syntax error; an empty set is not. */
	if (lt->nbr > 0 &&
	    (nftb_elements(out, lt, pool, NFTB_BRNET) == -1 ||
	    nftb_elements(out, lt, pool, NFTB_BRGW) == -1 ||
	    nftb_elements(out, lt, pool, NFTB_SAMEBR) == -1 ||
	    nftb_elements(out, lt, pool, NFTB_BROWN) == -1))
		return -1;
	return buf_append(out, "", 1);
}

int
nftb_ensure(struct nft_ctx *ctx, const struct lease_table *lt, uint32_t pool,
    char *err, size_t errlen)
{
	struct buf	 cmd = { 0 };
	const char	*msg;
	size_t		 n;
	int		 ret = -1;

	if (nftb_ruleset(&cmd, lt, pool) == -1) {
		snprintf(err, errlen, "nft: out of memory for the ruleset");
		goto out;
	}
	if (nft_run_cmd_from_buffer(ctx, (const char *)cmd.p) != 0) {
		msg = nft_ctx_get_error_buffer(ctx);
		n = msg != NULL ? strcspn(msg, "\n") : 0;
		snprintf(err, errlen, "nft: %.*s", (int)n,
		    msg != NULL ? msg : "failed");
		goto out;
	}
	ret = 0;
out:
	buf_free(&cmd);
	return ret;
}
