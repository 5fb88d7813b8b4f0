/*
 * NAT and isolation rules.  The rules in the base chains are the same for
 * every user and refer to two sets; a user's bridge adds elements to the
 * sets.  Each ensure re-creates the static rules (flush + add) and adds the
 * elements in one atomic batch, so running it twice, or from two users'
 * helpers (serialised by the lease lock), never duplicates anything:
 *
 *   postrouting (nat):  to any bgbr* bridge: no NAT; from a leased /24
 *                       leaving by any other interface: masquerade
 *   forward (filter):   within one user's bridge: accept (only seen with
 *                       br_netfilter); between bgbr* bridges: drop
 *   input (filter):     from bgbr*: replies, DNS (udp/tcp 53) and
 *                       rate-limited ping of the gateway only
 */
#include <stdio.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "addr.h"
#include "nft.h"

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

int
nftb_ruleset(char *out, size_t len, const char *bridge, uint32_t subnet)
{
	char	 net[ADDR_STRLEN];
	int	 n;

	addr_fmt(subnet, net, sizeof(net));
	n = snprintf(out, len,
	    "add table ip banger\n"
	    "add chain ip banger postrouting { type nat hook postrouting "
	    "priority srcnat; policy accept; }\n"
	    "add chain ip banger forward { type filter hook forward "
	    "priority filter; policy accept; }\n"
	    "add chain ip banger input { type filter hook input "
	    "priority filter; policy accept; }\n"
	    "add set ip banger subnets { type ipv4_addr; }\n"
	    "add set ip banger samebr { type ifname . ifname; }\n"
	    "flush chain ip banger postrouting\n"
	    "flush chain ip banger forward\n"
	    "flush chain ip banger input\n"
	    "add rule ip banger postrouting oifname \"bgbr*\" return\n"
	    "add rule ip banger postrouting ip saddr & 255.255.255.0 "
	    "@subnets masquerade\n"
	    "add rule ip banger forward iifname . oifname @samebr accept\n"
	    "add rule ip banger forward iifname \"bgbr*\" oifname \"bgbr*\" "
	    "drop\n"
	    "add rule ip banger input iifname \"bgbr*\" ct state "
	    "established,related accept\n"
	    "add rule ip banger input iifname \"bgbr*\" udp dport 53 "
	    "accept\n"
	    "add rule ip banger input iifname \"bgbr*\" tcp dport 53 "
	    "accept\n"
	    "add rule ip banger input iifname \"bgbr*\" icmp type "
	    "echo-request limit rate 10/second accept\n"
	    "add rule ip banger input iifname \"bgbr*\" drop\n"
	    "add element ip banger subnets { %s }\n"
	    "add element ip banger samebr { \"%s\" . \"%s\" }\n",
	    net, bridge, bridge);
	if (n < 0 || (size_t)n >= len)
		return -1;
	return 0;
}

int
nftb_ensure(struct nft_ctx *ctx, const char *bridge, uint32_t subnet,
    char *err, size_t errlen)
{
	char		 cmd[2048];
	const char	*msg;
	size_t		 n;

	if (nftb_ruleset(cmd, sizeof(cmd), bridge, subnet) == -1) {
		snprintf(err, errlen, "nft: ruleset too long");
		return -1;
	}
	if (nft_run_cmd_from_buffer(ctx, cmd) != 0) {
		msg = nft_ctx_get_error_buffer(ctx);
		n = msg != NULL ? strcspn(msg, "\n") : 0;
		snprintf(err, errlen, "nft: %.*s", (int)n,
		    msg != NULL ? msg : "failed");
		return -1;
	}
	return 0;
}
