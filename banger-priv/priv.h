/* banger-priv: the state every handler is handed. */
#ifndef BANGER_PRIV_PRIV_H
#define BANGER_PRIV_PRIV_H

#include <sys/types.h>

#include <stdint.h>

#include "frame.h"
#include "lease.h"
#include "msg.h"
#include "policy.h"
#include "validate.h"
#include "wire.h"

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
	int			 br_ifindex;	/* and the bridge it made */
	uint32_t		 br_gw;
	struct sd_bus		*bus;		/* system bus, or NULL */
	int			 dmfd;		/* device-mapper control, or -1 */
	int			 loopfd;	/* /dev/loop-control, or -1 */
	unsigned		 dm_major;	/* device-mapper's, 0 if none */
};

/* A request and its descriptors, which serve.c closes after. */
struct req {
	uint32_t		 type;
	uint64_t		 id;
	struct wire_req		 u;
	int			 fd[FRAME_MAXFDS];
	struct fdfacts		 facts[FRAME_MAXFDS];	/* of each fd */
	size_t			 nfd;
};

#define ANS_IDS		800	/* the VM IDs one reply holds */

/* A handler's answer, which serve.c sends once the lease lock is let go. */
struct ans {
	unsigned		 code;		/* enum berr, if it fails */
	char			 err[256];	/* why, if it fails */
	int			 fd;		/* sent with the reply, then closed */
	struct wire_out		 out;		/* the reply, by wire_reply() */
	char			 s[4][PRIV_DM_NAME_MAX + 1];	/* its strings */
	uint64_t		 ids[ANS_IDS];
};

/* A handler returns wire_reply()'s type, or -1 with code and err set. */
typedef int handler(struct priv *, const struct req *, struct ans *);

/* serve.c */
void	priv_serve(struct priv *) __attribute__((noreturn));

/* serve-disk.c */
void	fd_facts(int, struct fdfacts *);
handler	priv_answer_disk_snapshot, priv_answer_disk_release,
	    priv_answer_list;

/* cgroup.c */
void	cgroup_leave(void);

/* sandbox.c */
void	sandbox_reset(void);
void	sandbox_caps(int);
void	sandbox_seccomp(int);
void	sandbox_sysadmin(int);

#endif
