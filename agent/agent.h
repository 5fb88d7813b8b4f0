/*
 * banger-agent: PID 1 in the guest.  Serves bangerd over the virtio-serial
 * port named AGENT_PORT_NAME: announces readiness, runs commands with
 * their stdio streamed as AG_OUTPUT/AG_INPUT, and reports exit status.
 */
#ifndef BANGER_AGENT_H
#define BANGER_AGENT_H

#include <sys/types.h>

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "proto.h"

#define SESS_MAX	AGENT_SESS_MAX	/* concurrent sessions */
#define STDIN_MAX	AG_STDIN_MAX	/* queued input per session */
#define TX_HIGH		(1024u * 1024)	/* stop reading children above this */
#define REOPEN_MS	200		/* retry delay for the port */
#define AGENT_VSOCK_PORT 1024		/* when there is no virtio-serial */

struct session {
	int		 used;
	uint64_t	 id;
	pid_t		 pid;		/* also the process group */
	int		 reaped;
	int		 wstatus;
	int		 tty;
	int		 in_fd;		/* -1 once closed */
	int		 out_fd;	/* stdout, or the pty master */
	int		 err_fd;	/* -1 for a pty */
	struct buf	 inq;
	size_t		 inoff;
	int		 in_eof;	/* host sent EOF; close once drained */
	uint64_t	 unacked;	/* input taken off inq, not yet
					   reported by AG_INPUT_ACK */
};

struct agent {
	char		 port_path[PATH_MAX];
	int		 port_fd;	/* -1 while closed */
	int		 vsock_fd;	/* vsock listener, -1 if none */
	int		 sig_fd;	/* signalfd for SIGCHLD */
	struct buf	 rx;
	struct buf	 tx;
	size_t		 txoff;
	int64_t		 reopen_at;	/* monotonic ms; 0 = now */
	int		 warned;	/* "no port yet" logged */
	char		 kernel[128];
	struct session	 sess[SESS_MAX];
};

/* port.c */
int	port_find(const char *, const char *, char *, size_t);

/* vsock.c */
int	vsock_listen(unsigned);
int	vsock_open(struct agent *);

/* status.c */
void	exit_status(int, int64_t *, uint64_t *);
int	exec_fail_status(int);
char	**env_build(char *const *, size_t, int, char *, size_t);
void	env_free(char **);

/* user.c: who a command runs as (set 0: as the agent, root). */
#define RUN_AS_GROUPS_MAX	64
#define USER_FILE_MAX		(1024 * 1024)	/* /etc/passwd, /etc/group */
struct run_as {
	int	 set;
	uid_t	 uid;
	gid_t	 gid;
	gid_t	 groups[RUN_AS_GROUPS_MAX];
	size_t	 ngroups;
	char	 name[64];	/* "" for a uid not in passwd */
	char	 home[256];
};
int	user_resolve(const char *, const char *, const char *,
	    struct run_as *, char *, size_t);
char	*user_read_file(const char *, size_t);
/* workspace.c: a workspace under /root made the user's (not root's). */
void	workspace_give(const char *, const struct run_as *);

/* chan.c */
int64_t	now_ms(void);
void	chan_open(struct agent *);
void	chan_ready(struct agent *);
void	chan_close(struct agent *, const char *);
void	chan_read(struct agent *);
void	chan_flush(struct agent *);
int	chan_send(struct agent *, uint32_t, uint64_t, const void *);
void	chan_error(struct agent *, uint64_t, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
size_t	chan_pending(const struct agent *);

/* session.c */
struct session *sess_find(struct agent *, uint64_t);
void	sess_exec(struct agent *, uint64_t, const void *);
void	sess_input(struct agent *, uint64_t, const void *);
void	sess_signal(struct agent *, uint64_t, const void *);
void	sess_winsize(struct agent *, uint64_t, const void *);
void	agent_poweroff(struct agent *, uint64_t, const void *);
void	agent_resumed(struct agent *, uint64_t, const void *);
void	sess_reaped(struct agent *, pid_t, int);
void	sess_read(struct agent *, struct session *, int);
void	sess_write(struct agent *, struct session *);
void	sess_finish_if_done(struct agent *, struct session *);
void	sess_kill_all(struct agent *);

#endif
