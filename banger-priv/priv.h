/* banger-priv: the state every handler is handed. */
#ifndef BANGER_PRIV_PRIV_H
#define BANGER_PRIV_PRIV_H

#include <sys/types.h>

#include <stdint.h>

#include "lease.h"
#include "policy.h"

#define PRIV_FD		3	/* the socket to bangerd */

struct nl_sock;
struct nft_ctx;

struct priv {
	uid_t			 uid;		/* the caller: real uid */
	gid_t			 gid;		/* real gid */
	struct policy		 pol;
	struct lease_file	 lf;
	struct lease_table	*lt;		/* scratch, reloaded per request */
	int			 fwdfd;		/* ip_forward, opened at start */
	struct nl_sock		*nl;
	struct nft_ctx		*nft;
	int			 bridge_ok;	/* BRIDGE_ENSURE succeeded */
};

/* serve.c */
void	priv_serve(struct priv *) __attribute__((noreturn));

/* sandbox.c */
void	sandbox_rlimits(void);
void	sandbox_caps(void);
void	sandbox_seccomp(void);

#endif
