/*
 * The "inet banger" nftables table, and "bridge banger" (anti-spoofing
 * between taps), through libnftables.
 */
#ifndef BANGER_PRIV_NFT_H
#define BANGER_PRIV_NFT_H

#include <stddef.h>
#include <stdint.h>

struct lease_table;
struct nft_ctx;

struct nft_ctx *nftb_open(char *, size_t);
/*
 * Make sure the tables exist with their rules, and that their sets list
 * exactly the bridges and taps of the lease table (pool: the address
 * pool), the users' egress_ok_UID sets aside: they are only ever added
 * to, with timeouts.
 */
int	nftb_ensure(struct nft_ctx *, const struct lease_table *, uint32_t,
	    char *, size_t);
/* The batch nftb_ensure runs, malloc'd (pure; for the unit tests). */
char	*nftb_ruleset(const struct lease_table *, uint32_t);
/* uid's guest may reach addresses for ttl seconds: the batch (pure). */
char	*nftb_allow_cmd(uint32_t, uint32_t, const char (*)[16], size_t,
	    uint64_t);
/* Run a batch from the two above, and free it. */
int	nftb_run(struct nft_ctx *, char *, char *, size_t);

#endif
