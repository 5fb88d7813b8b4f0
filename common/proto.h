/*
 * The wire protocols and their message bodies (banger-priv's in
 * proto_priv.h, which the helper includes alone).  Each body struct is
 * decoded and encoded by the field tables in proto_*.c; every field listed
 * there is required.  Request ids: the CLI and bangerd pick their own; a
 * reply carries the id of the request it answers.
 */
#ifndef BANGER_PROTO_H
#define BANGER_PROTO_H

#include <stdint.h>

#include "berr.h"
#include "egress.h"
#include "msg.h"
#include "portspec.h"
#include "proto_priv.h"

#define BANGER_STRMAX	4096	/* generic bound for free-text strings */
#define BANGER_ARGMAX	256	/* argv / env entries */
#define VM_VCPUS_MAX	64
#define VM_MEMORY_MAX	(1024 * 1024)		/* MiB */
#define VM_DISK_MAX	(16ULL * 1024 * 1024)	/* MiB */

/* ---- CLI <-> bangerd ------------------------------------------------ */

#define CTL_VERSION	1

enum ctl_type {
	CTL_OK = 1,		/* d->c: request done */
	CTL_ERROR,		/* d->c */
	CTL_PROGRESS,		/* d->c: a line of progress for the user */
	CTL_VM_RUN,		/* c->d */
	CTL_OUTPUT,		/* d->c: command output */
	CTL_INPUT,		/* c->d: command stdin; empty data is EOF */
	CTL_SIGNAL,		/* c->d: forward a signal to the command */
	CTL_EXIT,		/* d->c: command finished */
	CTL_VM_LIST,		/* c->d */
	CTL_VM_INFO,		/* d->c: one per VM, then CTL_OK */
	CTL_VM_DELETE,		/* c->d */
	CTL_DAEMON_STATUS,	/* c->d */
	CTL_DAEMON_INFO,	/* d->c */
	CTL_DAEMON_STOP,	/* c->d: reply CTL_OK, then the daemon exits */
	CTL_WINSIZE,		/* c->d */
	CTL_VM_CREATE,		/* c->d: PROGRESS*, VM_INFO, OK */
	CTL_VM_START,		/* c->d: PROGRESS*, VM_INFO, OK once ready */
	CTL_VM_STOP,		/* c->d: OK once stopped */
	CTL_VM_SHOW,		/* c->d: VM_INFO, OK */
	CTL_VM_EXEC,		/* c->d: as VM_RUN on an existing VM */
	CTL_WS_FILES,		/* c->d: after a VM_RUN with ws_files > 0 */
	CTL_IMAGE_BUILD,	/* c->d: PROGRESS*, OK */
	CTL_IMAGE_LIST,		/* c->d: IMAGE_INFO*, OK */
	CTL_IMAGE_INFO,		/* d->c */
	CTL_INPUT_HOLD,		/* d->c: stop sending stdin (vm-session.c) */
	CTL_INPUT_RESUME,	/* d->c: send stdin again */
	CTL_VM_PORT,		/* c->d: list, publish or unpublish; VM_INFO,
				   OK */
	CTL_VM_EGRESS,		/* c->d: show or set the policy; VM_INFO, OK */
	CTL_IMAGE_DELETE,	/* c->d: OK once the image is gone */
	CTL_IMAGE_REGISTER,	/* c->d: PROGRESS*, OK once it is in place */
	CTL_IMAGE_PULL,		/* c->d: PROGRESS*, OK once it is in place */
	CTL_IMAGE_BUNDLE,	/* c->d: PROGRESS*, OK once it is written */
	CTL_KERNEL_LIST,	/* c->d: KERNEL_INFO*, OK */
	CTL_KERNEL_INFO,	/* d->c */
	CTL_KERNEL_IMPORT,	/* c->d: PROGRESS*, OK once it is in place */
	CTL_KERNEL_DELETE,	/* c->d: OK once the kernel is gone */
	CTL_KERNEL_PULL,	/* c->d: PROGRESS*, OK once it is in place */
	CTL_KERNEL_BUNDLE,	/* c->d: PROGRESS*, OK once it is written */
	CTL_VM_SUSPEND,		/* c->d: PROGRESS*, OK once saved */
	CTL_VM_RESUME,		/* c->d: PROGRESS*, VM_INFO, OK once ready */
	CTL_VM_FORK,		/* c->d: PROGRESS*, VM_INFO per child (left
				   suspended), OK */
	CTL_IMAGE_WARM,		/* c->d: PROGRESS*, OK once the template is
				   made */
	CTL_TYPE_MAX = CTL_IMAGE_WARM
};

#define WS_FILES_MAX	1000000		/* files in one workspace */
#define WS_LIST_MAX	(64 * 1024 * 1024)	/* bytes of their paths */
#define WS_CHUNK	1024		/* paths per CTL_WS_FILES */

struct ctl_ok {
	int		 unused_;	/* no fields */
};

struct ctl_error {
	uint64_t	 code;		/* enum berr */
	char		*message;
};

struct ctl_progress {
	char		*message;
};


struct ctl_vm_run {
	char		*name;		/* "" to generate one */
	int		 rm;
	int		 tty;
	uint64_t	 cols;
	uint64_t	 rows;
	uint64_t	 vcpus;
	uint64_t	 memory_mib;
	uint64_t	 disk_mib;
	char		*image;		/* "" for the default */
	char		*workspace;	/* absolute repository path, or "" */
	char		*ws_name;	/* lands at /root/<ws_name> */
	uint64_t	 ws_files;	/* paths that follow in CTL_WS_FILES */
	char		*branch;	/* check out a new branch, or "" */
	char		*from;		/* the ref it starts from, or "" */
	struct msg_strv	 publish;	/* port specs (portspec.h) */
	char		*egress;	/* "open", "allowlist" or "" */
	struct msg_strv	 allow;		/* domain patterns (egress.h) */
	struct msg_strv	 argv;		/* at least one entry */
	int		 cold;		/* boot, even if a template exists */
};

/* Relative paths inside the workspace, git-tracked (and untracked). */
struct ctl_ws_files {
	struct msg_strv	 paths;
};

struct ctl_image_build {
	char		*name;
};

struct ctl_image_register {
	char		*name;
	char		*rootfs;	/* absolute path of an ext4 image */
	char		*kernel;	/* a kernel's name; "": tiny's */
};

#define IMAGE_REF_MAX	512	/* bytes of an OCI image reference */
struct ctl_image_pull {
	char		*name;
	char		*ref;		/* as `docker pull` takes it */
	char		*auth;		/* absolute path of the caller's
					   registry auth file, or "" */
	uint64_t	 size_mib;	/* 0: banger-fetch chooses */
	char		*kernel;	/* a kernel's name; "": tiny's */
};

struct ctl_image_bundle {
	char		*name;
	char		*out;		/* absolute path of a new file */
};

struct ctl_image_info {
	char		*name;
	char		*dir;
	int		 rootfs;	/* a full image (else initramfs only) */
	uint64_t	 size_mib;	/* disk space it takes */
	uint64_t	 built;		/* unix seconds, 0 if unknown */
	char		*source;	/* "built", "registered", or the
					   pulled REF@DIGEST */
	char		*kernel;	/* the kernel it boots ("tiny") */
	struct msg_strv	 warm;		/* its warm templates' shapes,
					   "Nc-Mm-Dd" */
};
#define IMAGE_WARM_MAX	16	/* shapes listed */

/* banger kernel import NAME PATH [--modules DIR]: absolute paths. */
struct ctl_kernel_import {
	char		*name;
	char		*path;		/* a bzImage or an ELF vmlinux */
	char		*modules;	/* lib/modules/RELEASE, or "" */
};

struct ctl_kernel_info {
	char		*name;
	char		*dir;
	char		*release;	/* "" if unknown */
	char		*forms;		/* "vmlinux vmlinuz", "vmlinux" */
	uint64_t	 modules;	/* in its initramfs */
	uint64_t	 size_mib;	/* disk space it takes */
	uint64_t	 imported;	/* unix seconds, 0 if unknown */
	char		*source;	/* "make images", "imported", or the
					   pulled catalog:NAME@sha256:HEX */
};

struct ctl_vm_create {
	char		*name;		/* "" to generate one */
	char		*image;		/* "" for the default */
	uint64_t	 vcpus;
	uint64_t	 memory_mib;
	uint64_t	 disk_mib;
	int		 start;
	struct msg_strv	 publish;	/* port specs (portspec.h) */
	char		*egress;	/* as in ctl_vm_run */
	struct msg_strv	 allow;
	int		 cold;
};

struct ctl_image_warm {
	char		*image;		/* "" for the default */
	uint64_t	 vcpus;		/* 0: as vm create would choose */
	uint64_t	 memory_mib;
	uint64_t	 disk_mib;
};

struct ctl_vm_name {			/* VM_START, VM_STOP, VM_SHOW */
	char		*name;
};

#define VM_FORK_MAX	16	/* children of one vm fork */
struct ctl_vm_fork {
	char		*name;		/* the parent */
	char		*new_name;	/* "" to name them NAME-N */
	uint64_t	 count;		/* 1..VM_FORK_MAX */
};

struct ctl_vm_exec {
	char		*name;
	int		 tty;
	uint64_t	 cols;
	uint64_t	 rows;
	struct msg_strv	 argv;
};

struct ctl_output {
	uint64_t	 stream;	/* 1 stdout, 2 stderr */
	struct msg_bin	 data;
};

struct ctl_input {
	struct msg_bin	 data;
};

struct ctl_signal {
	uint64_t	 signo;
};

struct ctl_exit {
	int64_t		 status;	/* exit status, or -1 if signalled */
	uint64_t	 signo;		/* terminating signal, or 0 */
};

struct ctl_vm_list {
	int		 unused_;
};

struct ctl_vm_info {
	char		*name;
	char		*state;		/* "creating", "running", ... */
	char		*vmm;		/* "qemu" */
	char		*accel;		/* "kvm" or "tcg" */
	char		*address;	/* guest IPv4 or "" */
	uint64_t	 pid;		/* VMM pid or 0 */
	uint64_t	 created;	/* unix seconds */
	uint64_t	 vcpus;
	uint64_t	 memory_mib;
	uint64_t	 disk_mib;
	char		*dir;		/* the VM's state directory */
	char		*image;
	char		*root;		/* "snapshot", "overlay" or "memory" */
	struct msg_strv	 ports;		/* ADDR:HOSTPORT:GUESTPORT */
	struct msg_strv	 port_state;	/* each port's: "listening",
					   "waiting" or "error: ..." */
	char		*egress;	/* "open" or "allowlist" */
	struct msg_strv	 allow;		/* allowlist: the domains */
	struct msg_strv	 credentials;	/* copied in at its last start:
					   cred.h's names */
};

#define PORT_LIST	0
#define PORT_PUBLISH	1
#define PORT_UNPUBLISH	2

struct ctl_vm_port {
	char		*name;
	uint64_t	 op;		/* PORT_* */
	char		*spec;		/* "" for PORT_LIST */
};

/*
 * set: the VM's policy becomes egress ("open" or "allowlist") with the
 * domains in allow (allowlist only); else it is only shown.
 */
struct ctl_vm_egress {
	char		*name;
	int		 set;
	char		*egress;
	struct msg_strv	 allow;
};

struct ctl_vm_delete {
	char		*name;
};

struct ctl_daemon_status {
	int		 unused_;
};

struct ctl_daemon_info {
	uint64_t	 pid;
	uint64_t	 priv_pid;
	uint64_t	 uptime;	/* seconds */
	uint64_t	 vms;
	char		*version;
	char		*accel;		/* accelerator VMs will use */
	char		*accel_reason;
	char		*state_dir;
	char		*dns;		/* banger-net's state, one line */
};

/* keep_vms: QEMU VMs that are up run on, for the next bangerd to adopt. */
struct ctl_daemon_stop {
	uint64_t	 keep_vms;	/* 0 or 1 */
};

struct ctl_winsize {
	uint64_t	 cols;
	uint64_t	 rows;
};

struct ctl_input_flow {		/* CTL_INPUT_HOLD, CTL_INPUT_RESUME */
	int		 unused_;
};

extern const struct msg_proto ctl_proto;

/* ---- bangerd <-> banger-priv: proto_priv.h ------------------------- */

_Static_assert(VM_DISK_MAX == PRIV_IMAGE_MAX_MIB,
    "banger-priv must accept every image bangerd makes");

/* ---- bangerd <-> guest agent ---------------------------------------- */

/*
 * The agent is built into the images from the same tree as bangerd; an
 * image whose agent speaks another version is refused (rebuild it).
 * 2: AG_INPUT_ACK.  3: AG_EXEC's user.  4: AG_RESUMED.  5: up to
 * AGENT_SESS_MAX sessions at once (a session id names each).
 */
#define AGENT_VERSION	5
#define AGENT_PORT_NAME	"org.banger.agent"
#define AGENT_SESS_MAX	9	/* sessions the agent runs at once */

/*
 * A command's stdin is a pipe end to end: nothing is dropped, however
 * slowly the command reads.  The agent queues at most AG_STDIN_MAX bytes
 * for a command and reports with AG_INPUT_ACK the bytes it has taken off
 * that queue (written to the command, or discarded once it closed its
 * stdin): at least every AG_ACK_BYTES, and whenever the queue empties.
 * bangerd sends no more input while more than AG_INPUT_WINDOW bytes are
 * unacknowledged, and again once acknowledgements bring that down to
 * AG_INPUT_RESUME, so the queue never fills; input past AG_STDIN_MAX (a
 * host that ignores the window) is refused with an AG_ERROR, and
 * acknowledged like any other input taken off the queue.
 */
#define AG_STDIN_MAX	(8u * 1024 * 1024)
#define AG_INPUT_WINDOW	(4u * 1024 * 1024)
#define AG_INPUT_RESUME	(AG_INPUT_WINDOW / 2)
#define AG_ACK_BYTES	(256u * 1024)

enum agent_type {
	AG_READY = 1,		/* g->h: agent is up; once per port open */
	AG_EXEC,		/* h->g: start a command; id names the session */
	AG_OUTPUT,		/* g->h */
	AG_INPUT,		/* h->g: empty data is EOF */
	AG_SIGNAL,		/* h->g */
	AG_WINSIZE,		/* h->g */
	AG_EXIT,		/* g->h: session ended */
	AG_ERROR,		/* g->h: request failed */
	AG_POWEROFF,		/* h->g: shut the guest down cleanly */
	AG_INPUT_ACK,		/* g->h: stdin bytes taken off the queue */
	AG_RESUMED,		/* h->g: restored from saved state; the
				   agent answers AG_READY */
	AG_TYPE_MAX = AG_RESUMED
};

struct ag_ready {
	char		*version;
	char		*kernel;
};

struct ag_exec {
	struct msg_strv	 argv;
	struct msg_strv	 env;		/* "KEY=value" entries added */
	char		*cwd;		/* "" for /root */
	int		 tty;
	uint64_t	 cols;
	uint64_t	 rows;
	char		*user;		/* "" for root; else as an image's
					   config says (USER[:GROUP]) */
};

struct ag_output {
	uint64_t	 stream;	/* 1 stdout, 2 stderr */
	struct msg_bin	 data;
};

struct ag_input {
	struct msg_bin	 data;
};

struct ag_signal {
	uint64_t	 signo;
};

struct ag_winsize {
	uint64_t	 cols;
	uint64_t	 rows;
};

struct ag_exit {
	int64_t		 status;	/* 0..255, or -1 if signalled */
	uint64_t	 signo;
};

struct ag_error {
	char		*message;
};

struct ag_poweroff {
	int		 unused_;
};

struct ag_input_ack {
	uint64_t	 bytes;		/* 1..AG_STDIN_MAX since the last */
};

/*
 * A guest restored from saved state wakes with the clock and the entropy
 * pool it had when saved: the host's wall clock and fresh randomness
 * come with this, before anything runs.  The agent sets the clock, adds
 * the seed to the pool (RNDADDENTROPY), reseeds the CRNG and announces
 * itself again (AG_READY), whether or not its channel noticed the host
 * going away and coming back.
 */
#define AG_SEED_LEN	64
#define AG_CLOCK_MAX	(1ull << 40)	/* seconds */
struct ag_resumed {
	uint64_t	 sec;		/* CLOCK_REALTIME */
	uint64_t	 nsec;
	struct msg_bin	 seed;		/* AG_SEED_LEN bytes */
};

extern const struct msg_proto agent_proto;

/* ---- bangerd <-> its VMM launcher ----------------------------------- */

/*
 * bangerd's seccomp filter has no execve, fork, socket or connect.  Before
 * sandboxing it starts "bangerd --launcher", which execs only the VMM
 * binary fixed at its start, with the descriptors bangerd hands it, and
 * reports exits.  On a second socket (fd 4 in the launcher) bangerd asks,
 * one request at a time, for a connection to one of a VM's own sockets
 * (Firecracker's API or vsock): the request names a VM id and which
 * socket, never a path; the launcher derives the path itself and hands
 * back the connected descriptor only if the listener is that VM's VMM.
 * On the same socket bangerd asks for the listener of a published
 * unix:PATH port (LAUNCH_UNIX_LISTEN): the launcher makes it as the
 * user, mode 0600 from the start, replacing only a stale socket of the
 * user's own, and hands back the listening descriptor.
 *
 * A QEMU VM's agent, monitor and console channels are sockets its
 * process listens on (LAUNCH_EXEC's listen): that QEMU outlives a
 * crashed bangerd and its launcher, and the next bangerd takes it back
 * (LAUNCH_ADOPT: the launcher checks the process is that VM's QEMU and
 * the user's, then watches it as its own) and connects to them again.
 */
#define LAUNCH_VERSION	4
#define LAUNCH_SLOT_MIN	2	/* fd slots the VMM may receive: 2..8 */
#define LAUNCH_SLOT_MAX	8

enum launch_type {
	LAUNCH_FD = 1,		/* d->l, with one fd: place it at slot */
	LAUNCH_EXEC,		/* d->l: exec the VMM with the staged fds */
	LAUNCH_STARTED,		/* l->d */
	LAUNCH_ERROR,		/* l->d */
	LAUNCH_KILL,		/* d->l */
	LAUNCH_EXITED,		/* l->d: a VMM ended (reaped) */
	LAUNCH_CONNECT,		/* d->l, second socket: connect a VM socket */
	LAUNCH_CONNECTED,	/* l->d, with the connected fd */
	LAUNCH_CONNECT_FAILED,	/* l->d: why not (an errno value) */
	LAUNCH_UNIX_LISTEN,	/* d->l, second socket: a unix: listener */
	LAUNCH_UNIX_LISTENING,	/* l->d, with the listening fd */
	LAUNCH_UNIX_FAILED,	/* l->d: why not (an errno value) */
	LAUNCH_ADOPT,		/* d->l, second socket: take a running VMM */
	LAUNCH_ADOPTED,		/* l->d: it is ours now */
	LAUNCH_ADOPT_FAILED,	/* l->d: why not (an errno value) */
	LAUNCH_TYPE_MAX = LAUNCH_ADOPT_FAILED
};

struct launch_fd {
	uint64_t	 slot;
};

#define LAUNCH_TOOL_VMM	0	/* the VMM binary */
#define LAUNCH_TOOL_FETCH 1	/* banger-fetch: disks and images */
#define LAUNCH_TOOL_NET	2	/* banger-net: DNS on the gateway */
#define LAUNCH_TOOL_WEB	3	/* banger-web: the web view */
#define LAUNCH_TOOL_MAX	LAUNCH_TOOL_WEB

/*
 * listen (QEMU only): before the exec, the child makes the VM's agent,
 * monitor and console sockets (LAUNCH_SOCK_AGENT..CON) listen at slots
 * 3, 4 and 6, leaves our process group and does not die with the
 * launcher; LAUNCH_STARTED comes once it has.
 */
struct launch_exec {
	uint64_t	 vm_id;
	uint64_t	 tool;		/* LAUNCH_TOOL_* */
	uint64_t	 listen;	/* 0 or 1 */
	struct msg_strv	 argv;		/* argv[0] is ignored */
};

struct launch_started {
	uint64_t	 vm_id;
	uint64_t	 tool;
	uint64_t	 pid;
};

struct launch_error {
	uint64_t	 vm_id;
	uint64_t	 tool;
	char		*message;
};

struct launch_kill {
	uint64_t	 vm_id;
	uint64_t	 tool;
	uint64_t	 signo;
};

struct launch_exited {
	uint64_t	 vm_id;
	uint64_t	 tool;
	uint64_t	 pid;
	int64_t		 status;	/* exit status or -1 */
	uint64_t	 signo;
};

#define LAUNCH_SOCK_API	0	/* Firecracker's API socket */
#define LAUNCH_SOCK_VSOCK 1	/* its hybrid vsock socket */
#define LAUNCH_SOCK_AGENT 2	/* a QEMU VM's agent channel */
#define LAUNCH_SOCK_QMP	3	/* its monitor */
#define LAUNCH_SOCK_CON	4	/* its serial console */
#define LAUNCH_SOCK_MAX	LAUNCH_SOCK_CON
#define LAUNCH_ERRNO_MAX 4095

struct launch_connect {
	uint64_t	 vm_id;
	uint64_t	 sock;		/* LAUNCH_SOCK_* */
};

struct launch_connected {
	uint64_t	 vm_id;
	uint64_t	 sock;
};

struct launch_connect_failed {
	uint64_t	 vm_id;
	uint64_t	 sock;
	uint64_t	 error;		/* errno: ENOENT, ECONNREFUSED, EPERM */
};

/*
 * path: a unix: PATH in normal form (port_unix_path_ok()).  The errors:
 * ENOTSOCK, PATH is something else; EADDRINUSE, something listens on
 * it; EPERM, a stale socket of another user; ENOENT or ENOTDIR, no
 * such directory; EINVAL, not a path in normal form; else what
 * lstat(2), connect(2), unlink(2), bind(2) or listen(2) said.
 */
struct launch_unix_listen {
	char		*path;
};

struct launch_unix_listening {
	char		*path;
};

struct launch_unix_failed {
	char		*path;
	uint64_t	 error;		/* an errno value, as above */
};

/*
 * A VMM a crashed bangerd left running: pid must be the user's QEMU
 * whose -name says this VM id.  The errors: ESRCH, no such process;
 * EPERM, not that VM's QEMU or not the user's; EEXIST, already watched;
 * EMFILE, too many.
 */
struct launch_adopt {
	uint64_t	 vm_id;
	uint64_t	 pid;
};

struct launch_adopted {
	uint64_t	 vm_id;
	uint64_t	 pid;
};

struct launch_adopt_failed {
	uint64_t	 vm_id;
	uint64_t	 error;		/* an errno value, as above */
};

extern const struct msg_proto launch_proto;

#define IO_CHUNK	(64 * 1024)	/* max bytes per OUTPUT/INPUT message */

#endif
