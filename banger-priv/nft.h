/* The "inet banger" nftables table (libnftables). */
#ifndef BANGER_PRIV_NFT_H
#define BANGER_PRIV_NFT_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct lease_table;
struct nft_ctx;

struct nft_ctx *nftb_open(char *, size_t);
/*
 * Make sure the table exists with its rules, and that its sets list
 * exactly the bridges of the lease table (pool: the address pool).
 */
int	nftb_ensure(struct nft_ctx *, const struct lease_table *, uint32_t,
	    char *, size_t);
/* The batch nftb_ensure runs, NUL-terminated (pure; for the unit tests). */
int	nftb_ruleset(struct buf *, const struct lease_table *, uint32_t);

#endif
