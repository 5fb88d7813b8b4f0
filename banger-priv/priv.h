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
	int			 dmfd;		/* device-mapper control, or -1 */
	int			 loopfd;	/* /dev/loop-control, or -1 */
	unsigned		 dm_major;	/* device-mapper's, 0 if none */
};

/* A request and its descriptors, which serve.c closes after. */
struct req {
	uint64_t		 id;
	union priv_req		 u;
	int			 fd[FRAME_MAXFDS];
	size_t			 nfd;
};

/* serve.c */
void	priv_serve(struct priv *) __attribute__((noreturn));
void	fault(const struct priv *, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
void	reply(const struct priv *, uint32_t, uint64_t, const void *, int);
void	reply_error(const struct priv *, uint64_t, unsigned, const char *,
	    ...) __attribute__((format(printf, 4, 5)));
int	leases_begin(struct priv *, uint64_t);
int	judge(struct priv *, uint64_t, const struct vres *);

/* serve-disk.c */
void	priv_answer_disk_snapshot(struct priv *, const struct req *);
void	priv_answer_disk_release(struct priv *, const struct req *);
void	priv_answer_disk_list(struct priv *, const struct req *);

/* cgroup.c */
void	cgroup_leave(void);

/* sandbox.c */
void	sandbox_reset(void);
void	sandbox_caps(int);
void	sandbox_seccomp(int);
void	sandbox_sysadmin(int);

#endif
