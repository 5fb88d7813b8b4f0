/* The "ip banger" nftables table (libnftables). */
#ifndef BANGER_PRIV_NFT_H
#define BANGER_PRIV_NFT_H

#include <stddef.h>
#include <stdint.h>

struct nft_ctx;

struct nft_ctx *nftb_open(char *, size_t);
/* Make sure the table exists and lists this user's bridge and subnet. */
int	nftb_ensure(struct nft_ctx *, const char *, uint32_t, char *, size_t);
/* The batch nftb_ensure runs (pure; exposed for the unit tests). */
int	nftb_ruleset(char *, size_t, const char *, uint32_t);

#endif
