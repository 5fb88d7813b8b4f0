/* The "inet banger" nftables table (libnftables). */
#ifndef BANGER_PRIV_NFT_H
#define BANGER_PRIV_NFT_H

#include <stddef.h>
#include <stdint.h>

struct lease_table;
struct nft_ctx;

struct nft_ctx *nftb_open(char *, size_t);
/*
 * Make sure the table exists with its rules, and that its sets list
 * exactly the bridges of the lease table (pool: the address pool).
 */
int	nftb_ensure(struct nft_ctx *, const struct lease_table *, uint32_t,
	    char *, size_t);
/* The batch nftb_ensure runs, malloc'd (pure; for the unit tests). */
char	*nftb_ruleset(const struct lease_table *, uint32_t);

#endif
