/*
 * bangerd: the unprivileged master.  All state lives in one struct bangerd
 * handed to every handler.
 */
#ifndef BANGERD_H
#define BANGERD_H

#include <sys/queue.h>
#include <sys/types.h>

#include <limits.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <sqlite3.h>

#include "accel.h"
#include "cred.h"
#include "frame.h"
#include "vmm.h"
#include "paths.h"
#include "proto.h"

#define BOOT_TIMEOUT_SEC	90
#define PORTS_LOW_MAX	64	/* listeners below 1024 held at once */
#define PORTS_UNIX_MAX	64	/* unix:PATH listeners held at once */
/* "allowlist" and the patterns, space-separated, as the database keeps. */
#define EGRESS_LINE_MAX	(10 + EGRESS_ALLOW_MAX * (EGRESS_PATTERN_MAX + 1))
#define VM_DEFAULT_VCPUS	1
#define VM_DEFAULT_MEMORY	256	/* MiB */
#define VM_DEFAULT_DISK		8192	/* MiB */
/*
 * Back-pressure, the same in both directions of a command's session.
 * Guest output waits in the client's output buffer: above CLIENT_OUTQ_HIGH
 * bangerd stops reading the agent channel.  The client's input (stdin,
 * signals, window sizes) waits in the agent channel's output buffer: above
 * AGENT_OUTQ_HIGH bangerd tells the client to hold its input
 * (CTL_INPUT_HOLD, vm-session.c), and past PENDING_MAX stops reading it,
 * whose write() then blocks as on a full pipe.  Either side is read again once its queue has
 * drained to a quarter of the mark (OUTQ_LOW).  Nothing is dropped: what
 * was read is delivered, so bangerd holds at most about one mark per
 * direction per session, whatever the peers do.
 */
#define CLIENT_OUTQ_HIGH	(4 * 1024 * 1024)
#define AGENT_OUTQ_HIGH		(1024 * 1024)
#define OUTQ_LOW(high)		((high) / 4)
/*
 * Input a client sends while told to hold it (CTL_INPUT_HOLD) waits in
 * bangerd, so that its signals, window sizes and hang-up behind it are
 * still read.  A client that obeys sends little more after the hold than
 * its socket buffers held; on a pty it still sends what is typed (so
 * that `~.` is seen).  Past AGENT_OUTQ_HIGH, the most bangerd queues for
 * a guest anyway, plus one maximal frame, the client is not read any
 * more (a client that ignores the hold), and memory stays bounded.
 */
#define PENDING_MAX		(AGENT_OUTQ_HIGH + FRAME_MAX_CTL)

struct client;
struct bangerd;

typedef void (*job_done_fn)(struct bangerd *, int64_t, int, const char *);
typedef void (*job_ready_fn)(struct bangerd *, int64_t);

struct job {
	TAILQ_ENTRY(job)	 entry;
	struct bangerd		*d;
	int64_t			 vm_id;
	struct bufferevent	*status;
	char			 error[512];
	job_done_fn		 done;
	job_ready_fn		 ready;	/* "disk-ready": the VM may start */
};

#define IMAGE_GOLDEN	"debian-bookworm"
#define IMAGE_JOB_ID	0	/* launcher/job id of an image build */
/* What the one image job (image_job()) is doing. */
enum image_kind {
	IMAGE_BUILD, IMAGE_REGISTER, IMAGE_PULL, IMAGE_CATALOG, IMAGE_BUNDLE,
	KERNEL_IMPORT, KERNEL_PULL, KERNEL_BUNDLE
};
/* A job on a kernel (kernels/), not on an image. */
#define KIND_IS_KERNEL(k)	((k) >= KERNEL_IMPORT)
#define VM_ID_MIN	(1 << 20) /* new ids are random in VM_ID_MIN..
					   PRIV_VMID_MAX (db.c) */

struct image {
	char	 name[64];
	char	 dir[PATH_MAX];
	char	 kernel[PATH_MAX];
	char	 initrd[PATH_MAX];
	char	 rootfs[PATH_MAX];	/* "" for an initramfs-only image */
	int	 agent_init;	/* a registered root: the agent is its init */
};

enum vm_state {
	VM_CREATING,
	VM_STARTING,
	VM_RUNNING,
	VM_STOPPING,
	VM_STOPPED,
	VM_DELETING,
	VM_SUSPENDED,		/* no VMM; its saved state in SNAP_DIR */
};

/*
 * At most RL_BURST lines at once and RL_PER_SEC a second after that, for
 * log lines a guest can cause; the rest are counted and reported.
 */
#define RL_BURST	10
#define RL_PER_SEC	1
struct ratelimit {
	unsigned		 tokens;
	time_t			 last;		/* CLOCK_MONOTONIC seconds */
	uint64_t		 suppressed;
	int			 primed;
};

/*
 * The console log's cap: console.log is rotated to console.log.1 when it
 * would pass this size, so a VM's console never holds more than twice it.
 */
#define CONSOLE_LOG_MAX	(2 * 1024 * 1024)

struct config;
struct json_t;
struct snap;

/*
 * A QMP command awaiting its answer: cb gets ok 1 and the "return"
 * value, ok 0 and the "error" object, or ok -1 and NULL if the monitor
 * went away first (qmp.c).
 */
#define QMP_WAIT_MAX	8

/*
 * `vm exec` commands run beside the VM's own (vm run's command and the
 * preparation steps) and beside each other, each an agent session of its
 * own (vm-exec.c).  The agent runs up to AGENT_SESS_MAX sessions.
 */
#define VM_EXEC_MAX	8
_Static_assert(VM_EXEC_MAX + 1 <= AGENT_SESS_MAX,
    "the agent must run every exec and the VM's own session at once");

struct vm_exec {
	struct client		*c;		/* NULL once it hung up */
	uint64_t		 id;		/* agent session, 0: free */
	uint64_t		 in_flight;	/* input sent, not acked */
	time_t			 hung_at;	/* monotonic s of the hang-up */
	int			 killed;	/* SIGKILL sent since */
};
#define VM_EXEC_KILL_SEC	10	/* after SIGHUP, before SIGKILL */
typedef void (*qmp_cb)(struct vm *, int, struct json_t *);
struct qmp_wait {
	uint64_t	 id;
	qmp_cb		 cb;
};

struct vm {
	TAILQ_ENTRY(vm)		 entry;
	struct bangerd		*d;
	int64_t			 id;
	char			 name[64];
	enum vm_state		 state;
	int			 rm;
	int			 vcpus;
	int			 memory_mib;
	uint64_t		 disk_mib;
	time_t			 created;
	enum accel		 accel;
	char			 address[16];
	char			 gateway[16];
	char			 mac[18];
	char			 tap[16];
	int			 prefix;
	char			 dir[PATH_MAX];
	struct image		 img;
	pid_t			 pid;
	int			 vmm_alive;	/* exec sent, no exit yet */
	int			 adopted;	/* from a crashed bangerd: cont
						   once QMP answers */
	int			 reattached;	/* adopted: its agent's ready
						   frame is still due */
	int			 job_alive;	/* banger-fetch running */
	int			 boot_after_create;
	int			 disk_gate;	/* booted while its work disk
						   is still being written */
	int64_t			 create_jid;
	int			 root_snap;	/* banger-priv holds its root
						   snapshot */
	int			 resuming;	/* 1: this boot loads SNAP_DIR;
						   2: loaded, the agent told */
	int			 resumed_sent;	/* AG_RESUMED is on its way */
	uint64_t		 sync_session;	/* suspend's guest sync */
	char			 net_was[16];	/* the guest's address when
						   saved, if it moved */
	int			 suspending;	/* a suspend is under way */
	int			 forking;	/* vm fork is saving it */
	int64_t			 fork_parent;	/* a child whose disk is being
						   copied: its parent's id */
	/* Warm starts (warm.c). */
	int			 tmpl;		/* a template being made */
	char			 tmpl_key[160];
	struct timespec		 t_tmpl;
	int			 settled;	/* its settle step has run */
	int			 warm;		/* restored from a template; the
						   seed disk holds its files */
	int			 shared_ram;	/* this resume maps the
						   template's RAM file */
	int			 cold;		/* --cold */
	int			 warm_cfg;	/* config.toml's warm */
	uint64_t		 seeding;	/* the seed step's session */
	int			 seed_failed;	/* ... and it failed */
	int			 seed_how;	/* SEED_OWN, or an older
						   agent's steps */
	char			 born_as[64];	/* resumed from another VM's
						   state (vm fork): its name */
	uint64_t		 capture;	/* session whose output is kept */
	char			 captured[1024];
	size_t			 ncaptured;
	int			 capture_bad;	/* stderr, or too much */

	struct bufferevent	*agent;		/* guest agent channel */
	struct bufferevent	*qmp;		/* QEMU monitor */
	int			 qmp_ready;
	struct qmp_wait		 qmp_wait[QMP_WAIT_MAX];
	size_t			 qmp_nwait;
	uint64_t		 qmp_id;
	struct snap		*snap;		/* suspend/resume I/O */
	struct event		*boot_timer;
	struct event		*vsock_timer;	/* Firecracker: agent connect */
	struct event		*kill_timer;
	struct timespec		 t_spawn;

	/* `vm exec` commands running beside it (vm-exec.c). */
	struct vm_exec		 execs[VM_EXEC_MAX];
	struct event		*exec_timer;	/* hung-up ones' SIGKILL */

	/* The client whose `vm run` command this VM is running. */
	struct client		*runner;
	struct msg_strv		 run_argv;
	int			 run_tty;
	uint64_t		 run_cols, run_rows;
	uint64_t		 session;	/* agent session id, 0 if none */
	/* Clients waiting for this VM to be deleted. */
	struct client		*delete_waiter;
	/* --rm: the runner, owed this exit status once the VM is gone. */
	struct client		*exit_waiter;
	struct ctl_exit		 exit;
	struct client		*stop_waiter;
	int			 run_created;	/* made by `vm run`, unused */
	char			 run_cwd[PATH_MAX];	/* "" for /root */

	/* Workspace: where it is and its file list as it arrives. */
	char			 ws_dir[PATH_MAX];
	char			 ws_name[256];
	uint64_t		 ws_expect, ws_got;
	size_t			 ws_bytes;
	int			 ws_listfd;
	char			 ws_branch[256];	/* --branch, or "" */
	char			 ws_from[256];		/* --from, or "" */
	int			 checked_out;	/* --branch done */
	int			 bootstrapped;	/* tool bootstrap has run */
	uint64_t		 bootstrapping;	/* its session, or 0 */
	int			 ssh_waited;	/* the wait for sshd has run */
	int			 ssh_waiting;	/* ... and is the session */

	/* The agent channel's accounting (agent.c). */
	uint64_t		 ag_requests;	/* frames sent to the guest */
	uint64_t		 ag_errors;	/* AG_ERROR frames received */
	uint64_t		 in_session;	/* session in_flight counts */
	uint64_t		 in_flight;	/* its input sent, not acked */
	struct ratelimit	 guest_log;	/* guest-driven log lines */

	/* The serial console, read from the VMM and capped (console.c). */
	struct event		*con_ev;
	int			 con_fd;	/* our end, -1 if none */
	int			 con_log;	/* console.log, -1 if none */

	/* Published ports (ports.c): spec, text, what banger-net said. */
	struct port_spec	 ports[PORTS_MAX];
	size_t			 nports;
	char			 port_text[PORTS_MAX][PORT_SPEC_MAX + 1];
	char			 port_err[PORTS_MAX][128];	/* "" ok */
	int			 port_known[PORTS_MAX];	/* banger-net said */
	char			*port_textp[PORTS_MAX + 1];
	char			*port_statep[PORTS_MAX + 1];
	char			 ports_line[PORTS_MAX * (PORT_SPEC_MAX + 1) +
				    1];	/* as the database keeps them */

	/* The egress policy (egress.c). */
	int			 egress;	/* EGRESS_* */
	size_t			 nallow;
	char			 allow[EGRESS_ALLOW_MAX][EGRESS_PATTERN_MAX + 1];
	char			*allowp[EGRESS_ALLOW_MAX + 1];
	char			 egress_line[EGRESS_LINE_MAX];

	/* Credentials copied in at each start (vm-cred.c). */
	int			 creds_step;	/* CREDS_* */
	unsigned		 creds_want;	/* still to copy, by index */
	unsigned		 creds_got;	/* copied at its last start */
	int			 cred_cur;	/* its session's, or -1 */
	char			*credp[CRED_COUNT + 1];
	int64_t			 prep_status;	/* the last preparation
						   session's exit status */

	/* config.toml as read for the request creating it, or NULL. */
	struct config		*cfg;
	off_t			 con_size;	/* bytes in console.log */
};

struct client {
	TAILQ_ENTRY(client)	 entry;
	struct bangerd		*d;
	struct bufferevent	*bev;
	uint64_t		 req_id;	/* request in progress */
	uint64_t		 last_id;	/* most recent request */
	struct vm		*vm;		/* vm run in progress */
	int			 started;	/* command running */
	int			 closing;	/* drop once output drains */
	int			 held;		/* not read: PENDING_MAX
						   passed (vm-session.c) */
	int			 in_held;	/* sent CTL_INPUT_HOLD, no
						   CTL_INPUT_RESUME yet */
	struct evbuffer		*pending;	/* input read while in_held */
	int			 pending_eof;	/* its end came after it */
	struct event		*hup;		/* while held: looks for its
						   hang-up */
	int			 gone;		/* hung up: read to the end */
	int			 web;		/* banger-web's channel: only
						   what web_may() allows */
};

struct bangerd {
	struct event_base	*base;
	struct paths		 paths;
	sqlite3			*db;
	int			 verbose;
	time_t			 started;

	int			 priv_fd;
	pid_t			 priv_pid;
	struct bufferevent	*priv_log;
	int			 bridge_ok;
	int			 prefix;	/* the bridge's, once up */
	int			 have_dm;	/* try root disk snapshots */

	int			 launch_fd;
	int			 launch_conn_fd;	/* LAUNCH_CONNECT */
	uint64_t		 launch_conn_id;	/* its last request */
	pid_t			 launch_pid;
	struct bufferevent	*launch;
	struct bufferevent	*launch_log;	/* the launcher's stderr */

	struct evconnlistener	*listener;
	TAILQ_HEAD(, client)	 clients;
	TAILQ_HEAD(, vm)	 vms;
	TAILQ_HEAD(, job)	 jobs;

	enum accel		 accel;
	char			 accel_reason[512];
	char			 qemu_bin[PATH_MAX];
	char			 fc_bin[PATH_MAX];
	/* config.toml's ssh_key_path as last read, or "" (sshkeys.c). */
	char			 ssh_key[PATH_MAX];
	const struct vmm_ops	*vmm;		/* this bangerd's VMM */
	char			 vmm_error[512];	/* why VMs cannot start */
	char			 fetch_bin[PATH_MAX];
	unsigned long		 tsc_khz;
	/* The warm template being made, and who waits for it (warm.c). */
	struct vm		*tmpl_vm;
	int			 warm_default;	/* $BANGER_WARM, else auto */
	struct client		*tmpl_client;
	long			 ncpu;		/* for config heuristics */
	unsigned long long	 ram_bytes;
	char			 home[PATH_MAX];
	uint64_t		 next_session;
	char			 image_building[64];	/* "" when idle */
	int			 image_kind;	/* IMAGE_BUILD, ... */
	struct client		*image_client;
	int			 stopping;
	int			 keep_vms;	/* daemon stop --keep-vms */

	/* banger-net (net.c) */
	char			 net_bin[PATH_MAX];
	int			 net_chan;	/* our end; -1: not running */
	struct event		*net_ev;
	struct bufferevent	*net_log;	/* its stderr */
	pid_t			 net_pid;
	int			 dns_fd[2];	/* UDP, TCP on the gateway */
	/* Listeners of published ports below 1024 (lowports.c). */
	struct lowport {
		uint32_t	 addr;
		uint16_t	 port;
		int		 fd;
		int		 live;	/* asked for since the last sweep */
	}			 lowport[PORTS_LOW_MAX];
	size_t			 nlowport;
	/* Listeners of published unix:PATH ports (unixports.c). */
	struct unixport {
		char		 path[PORT_UNIX_PATH_MAX + 1];
		int		 fd;
		dev_t		 dev;	/* the socket file made, to know */
		ino_t		 ino;	/* it again before removing it */
		struct timespec	 ctime;
		int		 live;	/* asked for since the last sweep */
	}			 unixport[PORTS_UNIX_MAX];
	size_t			 nunixport;
	struct event		*net_timer;	/* its restart */
	time_t			 net_since;	/* started (monotonic s) */
	unsigned		 net_backoff;	/* s before a restart */
	char			 net_error[256];	/* why no DNS, or "" */
	char			 gateway[16];	/* the bridge's, once up */
	struct buf		 net_names;	/* the names last sent */
	struct buf		 net_ports;	/* the ports last sent */
	struct buf		 net_egress;	/* the domains last sent */

	/* banger-web, the web view (web.c); off when web_addr is "" */
	char			 web_addr[64];	/* web_listen_addr */
	char			 web_bin[PATH_MAX];
	pid_t			 web_pid;
	struct bufferevent	*web_log;	/* its stderr */
	struct event		*web_timer;	/* its restart */
	time_t			 web_since;	/* started (monotonic s) */
	unsigned		 web_backoff;	/* s before a restart */
};

/* control.c */
int	 control_listen(struct bangerd *);
int	 control_adopt(struct bangerd *, int);
void	 control_close(struct bangerd *);
void	 client_send(struct client *, uint32_t, const void *);
void	 client_error(struct client *, enum berr, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	 client_progress(struct client *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 client_finish(struct client *);

/* db.c */
int	 db_open(struct bangerd *, char *, size_t);
void	 db_close(struct bangerd *);
int	 db_vm_insert(struct bangerd *, struct vm *);
int	 db_vm_update(struct bangerd *, struct vm *);
int	 db_vm_delete(struct bangerd *, int64_t);
int	 db_vm_id_issued(struct bangerd *, int64_t);
/* One row of the vms table (db_vm_load). */
struct vm_row {
	int64_t		 id;
	char		 name[64];
	enum vm_state	 state;
	enum accel	 accel;
	int		 vcpus;
	int		 memory_mib;
	char		 address[16];
	char		 tap[16];
	pid_t		 pid;
	int		 rm;
	time_t		 created;
	uint64_t	 disk_mib;
	char		 image[64];
	char		 ports[PORTS_MAX * (PORT_SPEC_MAX + 1) + 1];
	char		 egress[EGRESS_LINE_MAX];
};
int	 db_vm_load(struct bangerd *, struct vm_row **, size_t *);
int	 vm_load(struct bangerd *);
int64_t	 db_journal_begin(struct bangerd *, int64_t, const char *);
int	 db_journal_end(struct bangerd *, int64_t);
int	 db_journal_pending(struct bangerd *, int64_t **, char (**)[16],
	    size_t *);
int	 db_journal_clear(struct bangerd *);

/* rootdisk.c */
int	 rootdisk_choose(struct vm *, char *, size_t);
const char *rootdisk_kind(struct vm *);
int	 rootdisk_open(struct vm *, int *, char *, size_t);
void	 rootdisk_release(struct vm *);

/* vm.c */
const char	*vm_state_name(enum vm_state);
struct vm	*vm_find(struct bangerd *, const char *);
struct vm	*vm_find_id(struct bangerd *, int64_t);
struct vm	*vm_new(struct bangerd *);
void		 vm_free(struct vm *);
void		 vm_run(struct client *, struct ctl_vm_run *);
void		 vm_create_cmd(struct client *, struct ctl_vm_create *);
void		 vm_start_cmd(struct client *, struct vm *);
void		 vm_stop_cmd(struct client *, struct vm *);
void		 vm_start_session(struct vm *);
int		 vm_send_exec(struct vm *, uint64_t, const struct msg_strv *,
		    int, uint64_t, uint64_t, const char *, char *, size_t);
void		 vm_ws_files(struct client *, struct ctl_ws_files *);
void		 vm_info(struct vm *, struct ctl_vm_info *);
void		 vm_reply_info(struct client *, struct vm *);
void		 vm_delete(struct client *, struct vm *);
void		 vm_stop_all(struct bangerd *);
void		 vm_vmm_started(struct bangerd *, struct launch_started *);
void		 vm_vmm_exited(struct bangerd *, struct launch_exited *);
void		 vm_agent_ready(struct vm *, const struct ag_ready *);
/* vm-suspend.c, vm-resume.c */
void		 vm_suspend_cmd(struct client *, struct vm *);
void		 vm_suspend_synced(struct vm *);
void		 vm_fork_cmd(struct client *, const struct ctl_vm_fork *);
void		 vm_personalized(struct vm *, int64_t);
int		 vm_resume_begin(struct vm *, char *, size_t);
/* warm.c */
struct ctl_image_warm;
int		 seed_prepare(struct vm *, char *, size_t);
int		 seed_pending(const struct vm *);
void		 warm_undo(struct vm *);
int		 tmpl_use(struct vm *);
int		 tmpl_wanted(struct vm *);
int		 warm_fallback(struct vm *, const char *);
void		 warm_seeded(struct vm *, int64_t);
void		 tmpl_build(struct bangerd *, struct client *, const char *, int,
		    int, uint64_t);
void		 tmpl_save(struct vm *);
void		 tmpl_save_failed(struct vm *, const char *);
void		 tmpl_exited(struct vm *, int);
void		 tmpl_remove_image(struct bangerd *, const char *);
void		 tmpl_tidy(struct bangerd *);
size_t		 tmpl_shapes(struct bangerd *, const char *, char [][48],
		    size_t);
void		 image_warm_cmd(struct client *, const struct ctl_image_warm *);
int		 vm_create_template(struct vm *, char *, size_t);
void		 vm_resume_cmd(struct client *, struct vm *);
void		 vm_resume_qmp_ready(struct vm *);
void		 snap_free(struct vm *);
int		 snap_exists(const struct vm *);
int		 snap_discard(struct vm *);
void		 rm_tree(const char *);
void		 snap_tidy(struct vm *);
int		 snap_resume_fd(struct vm *, int *, char *, size_t);
int		 vm_resume_ready(struct vm *);
const char	*vm_resume_failed(struct vm *);
void		 vm_agent_output(struct vm *, uint64_t,
		    const struct ag_output *);
void		 vm_agent_exit(struct vm *, uint64_t, const struct ag_exit *);
void		 vm_agent_lost(struct vm *, const char *);
void		 vm_client_gone(struct client *);
void		 vm_client_input(struct client *, uint32_t, void *);
void		 vm_client_resume(struct vm *, struct client *);
uint64_t	 vm_client_sess(const struct vm *, const struct client *);
void		 vm_client_unhold(struct client *);
void		 vm_client_drop_hold(struct client *);
void		 vm_remove_files(struct vm *);

/* vm-exec.c */
void		 vm_exec_cmd(struct client *, struct ctl_vm_exec *,
		    struct vm *);
struct vm_exec	*vm_exec_find(struct vm *, uint64_t);
const struct vm_exec *vm_exec_find_c(const struct vm *, uint64_t);
struct vm_exec	*vm_exec_of(struct vm *, const struct client *);
int		 vm_exec_output(struct vm *, uint64_t, const struct ag_output *);
int		 vm_exec_exit(struct vm *, uint64_t, const struct ag_exit *);
void		 vm_exec_gone(struct vm *, struct client *);
void		 vm_exec_hangup_all(struct vm *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
void		 vm_exec_end_all(struct vm *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
int		 vm_exec_busy(const struct vm *);
void		 vm_agent_read_maybe(struct vm *);

/* agent.c */
void	 agent_attach(struct vm *, int);
void	 agent_detach(struct vm *);
int	 agent_send(struct vm *, uint32_t, uint64_t, const void *);
int	 agent_send_input(struct vm *, uint64_t, const struct msg_bin *);
int	 agent_input_full(const struct vm *, uint64_t);
void	 agent_handle(struct vm *, const uint8_t *, size_t);
int	 ratelimit_ok(struct ratelimit *, uint64_t *);

/* console.c */
int	 console_open(struct vm *, int *);
int	 console_attach(struct vm *, int);
void	 console_close(struct vm *);
int	 console_write(struct vm *, const void *, size_t);

/* qmp.c */
void	 qmp_attach(struct vm *, int);
void	 qmp_detach(struct vm *);
int	 qmp_quit(struct vm *);
int	 qmp_powerdown(struct vm *);
int	 qmp_exec(struct vm *, const char *, struct json_t *, qmp_cb);
int	 qmp_send_fd(struct vm *, const char *, int, qmp_cb);

/* qemu.c */
int	 qemu_argv(struct bangerd *, struct vm *, char ***, size_t *);
void	 qemu_argv_free(char **, size_t);
int	 qemu_find(char *, size_t);

/* sshkeys.c */
void	 ssh_key_path(struct bangerd *, char *, size_t);
void	 ssh_key_note(struct bangerd *, const struct config *);
int	 ssh_stage_authorized(struct vm *, char *, size_t);
void	 ssh_refresh(struct bangerd *);

/* image.c */
int	 image_lookup(struct bangerd *, const char *, const char *,
	    struct image *, char *, size_t);
void	 image_build_cmd(struct client *, const char *);
void	 image_list_cmd(struct client *);
void	 image_delete_cmd(struct client *, const char *);
void	 image_register_cmd(struct client *,
	    const struct ctl_image_register *);
void	 image_pull_cmd(struct client *, const struct ctl_image_pull *);
void	 image_cancel(struct bangerd *);
void	 image_bundle_cmd(struct client *, const struct ctl_image_bundle *);
void	 image_sweep(struct bangerd *);
/* Remove a tree, not crossing mounts or following links. */
void	 image_rm_tree(const char *);
/*
 * Where an image or kernel came from: dir's "source" file (written by
 * banger-fetch, "ref REF" and "digest DIGEST" lines) as REF@DIGEST, else
 * dflt.
 */
void	 store_source(const char *, const char *, char *, size_t);
/* WHAT NAME's directory removed, crash-safe; OK or an error to c. */
void	 store_delete(struct client *, const char *, const char *,
	    const char *);
/* image-job.c: the one job (kernel: a kernel's name, "" for tiny's). */
void	 image_job(struct client *, enum image_kind, const char *,
	    const char *, char *const [], const char *);

/* kernel.c */
int	 kernel_dir(struct bangerd *, const char *, char *, size_t, char *,
	    size_t);
int	 kernel_record(const char *, const char *);
void	 kernel_of_image(const char *, char *, size_t);
void	 kernel_list_cmd(struct client *);
void	 kernel_import_cmd(struct client *, const struct ctl_kernel_import *);
void	 kernel_delete_cmd(struct client *, const char *);
void	 kernel_pull_cmd(struct client *, const char *);
void	 kernel_bundle_cmd(struct client *, const struct ctl_image_bundle *);

/* launch.c: the launcher process and bangerd's side of it */
int	 launcher_main(int, char **);
int	 launch_spawn(struct bangerd *, const char *);

/* helper-log.c */
struct bufferevent *helper_log_open(struct bangerd *, int);
int	 launch_vmm(struct bangerd *, struct vm *, int, int *, size_t,
	    char **, size_t);
void	 launch_kill_all(struct bangerd *);
int	 launch_kill(struct bangerd *, struct vm *, int);
int	 launch_kill_tool(struct bangerd *, uint64_t, int64_t, int);
int	 launch_tool(struct bangerd *, uint64_t, int64_t, int *, size_t,
	    char **, size_t);
int	 launch_connect(struct bangerd *, uint64_t, unsigned);
int	 launch_unix_listen(struct bangerd *, const char *);
int	 launch_adopt(struct bangerd *, struct vm *);
/* vm-adopt.c: VMs that outlive a crashed bangerd */
void	 vm_ready_mark(struct vm *);
void	 vm_ready_clear(struct vm *);
int	 vm_bridge(struct bangerd *, char *, size_t);
int	 vm_keepable(const struct vm *);
int	 vm_adoptable(const struct vm *);
int	 vm_adopt(struct vm *, char *, size_t);
/* vmm-pid.c: is pid the user's VMM for this VM id? */
int	 vmm_is_ours(pid_t, int64_t);
int64_t	 vmm_pid_id(pid_t);
void	 vmm_kill_strays(struct bangerd *,
	    int (*)(struct bangerd *, int64_t));
/* unixlisten.c: the launcher makes a unix:PATH listener */
int	 unix_listen_make(const char *);
int	 unix_parent(const char *, const char **);

/* job.c: banger-fetch runs */
int	 job_start(struct bangerd *, int64_t, char **, size_t, int,
	    job_done_fn);
void	 job_on_ready(struct bangerd *, int64_t, job_ready_fn);
void	 job_exited(struct bangerd *, struct launch_exited *);

/* net.c: banger-net */
void	 net_ensure(struct bangerd *);
void	 net_sync(struct bangerd *);
void	 net_status(struct bangerd *, char *, size_t);
void	 net_started(struct bangerd *, struct launch_started *);
void	 net_exited(struct bangerd *, struct launch_exited *);

int	 net_send(struct bangerd *, uint32_t, uint64_t, const void *, int);

/* web.c: banger-web, the web view */
int	 web_start(struct bangerd *);
int	 web_may(uint32_t, const void *);
void	 web_started(struct bangerd *, struct launch_started *);
void	 web_exited(struct bangerd *, struct launch_exited *);

/* lowports.c: published ports below 1024 */
int	 lowport_get(struct bangerd *, uint32_t, uint16_t, char *, size_t);
void	 lowports_sweep(struct bangerd *);
void	 lowports_send(struct bangerd *);

/* unixports.c: published unix:PATH ports */
int	 unixport_get(struct bangerd *, const char *, char *, size_t);
void	 unixports_sweep(struct bangerd *);
void	 unixports_send(struct bangerd *);
void	 unixports_close(struct bangerd *);

/* ports.c: published ports */
int	 vm_ports_set(struct vm *, const struct msg_strv *, char *, size_t);
void	 vm_ports_load(struct vm *, const char *);
void	 vm_ports_info(struct vm *, struct ctl_vm_info *);
void	 vm_ports_state(struct bangerd *, const char *, const char *);
void	 vm_ports_error(struct vm *, size_t, const char *);
void	 vm_port_cmd(struct client *, struct ctl_vm_port *);

/* egress.c: the egress policy */
int	 vm_egress_init(struct vm *, const char *, const struct msg_strv *,
	    char *, size_t);
void	 vm_egress_load(struct vm *, const char *);
void	 vm_egress_info(struct vm *, struct ctl_vm_info *);
int	 vm_egress_tap(struct vm *, char *, size_t);
void	 vm_egress_cmd(struct client *, struct ctl_vm_egress *);

/* vm-cred.c: credentials copied in at start */
#define CREDS_NONE	0	/* nothing (more) to do at this start */
#define CREDS_DUE	1	/* config.toml not read yet */
#define CREDS_COPYING	2
void	 vm_creds_arm(struct vm *);
void	 vm_creds(struct vm *);
void	 vm_creds_info(struct vm *, struct ctl_vm_info *);
struct net_allow;
int	 egress_allow(struct bangerd *, const struct net_allow *);

/* reconcile.c */
int	 reconcile(struct bangerd *);

/* sandbox.c */
void	 sandbox_master(void);
void	 sandbox_launcher(void);

#endif
