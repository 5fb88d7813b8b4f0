/*
 * The Firecracker driver.  Firecracker is configured over HTTP on its API
 * socket (fc-http.h) and reaches the guest agent through hybrid vsock: a
 * Unix socket on the host side, on which "CONNECT <port>\n" opens a stream
 * to a guest vsock port.
 *
 * The pieces are separate so each can be tested without a Firecracker:
 * fc_config_vm() turns a VM into a plain description, fc_boot_calls()
 * turns that into the API requests, fc_api_call() performs one request.
 */
#ifndef BANGERD_FIRECRACKER_H
#define BANGERD_FIRECRACKER_H

#include <sys/types.h>

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm.h"

struct json_t;		/* jansson's json_t */

#define FC_NAME			"firecracker"
#define FC_AGENT_PORT		1024	/* guest vsock port the agent serves */
#define FC_GUEST_CID		3	/* the lowest CID a guest may have */
#define FC_MAX_DRIVES		4
#define FC_SUN_PATH_MAX		108	/* sizeof(sun_path) */
#define FC_SOCK_WAIT_MS		3000	/* for the API socket to appear */
#define FC_CALL_TIMEOUT_MS	5000	/* one API request and its answer */
#define FC_VSOCK_TIMEOUT_MS	2000	/* the CONNECT handshake */
#define FC_VSOCK_LINE_MAX	32	/* "OK 4294967295\n" fits */
#define FC_FAULT_MAX		256	/* fault_message shown, escaped */
/*
 * A full snapshot writes or maps all of guest memory; bangerd waits for
 * it (the suspend and resume ops are synchronous).
 */
#define FC_SNAP_TIMEOUT_MS	60000

struct fc_drive {
	char	 id[32];		/* [A-Za-z0-9_-], the API path too */
	char	 path[PATH_MAX];
	int	 root;			/* is_root_device */
	int	 read_only;
};

/* Everything Firecracker is told before InstanceStart. */
struct fc_config {
	int		 vcpus;
	int		 mem_mib;
	char		 kernel[PATH_MAX];	/* ELF vmlinux */
	char		 initrd[PATH_MAX];	/* "" for none */
	char		 boot_args[1024];
	char		 console[PATH_MAX];	/* serial output file */
	struct fc_drive	 drives[FC_MAX_DRIVES];
	size_t		 ndrives;
	char		 tap[16];		/* host_dev_name */
	char		 mac[18];
	char		 vsock_uds[FC_SUN_PATH_MAX];
};

/*
 * One API request: method, path, JSON body (NULL for none), and how long
 * to wait for its answer (0: FC_CALL_TIMEOUT_MS).
 */
struct fc_call {
	const char	*method;
	char		 path[64];
	char		*body;
	int		 timeout_ms;
};

/*
 * fc-sock.c: a VM's socket path (rundir, VM id, LAUNCH_SOCK_*), the one
 * place both bangerd (Firecracker's argv and PUT /vsock) and the launcher
 * (which connects) take it from; and the launcher's connect, which keeps
 * a connection only if its listener is vmm_pid.
 */
int	fc_sock_path(const char *, uint64_t, unsigned, char *, size_t);
int	fc_sock_dial(const char *, uint64_t, unsigned, pid_t);
/* The API and vsock socket paths of a VM (under the runtime dir). */
int	fc_paths(const struct bangerd *, const struct vm *, char *, size_t,
	    char *, size_t);
/* Remove stale sockets before a start and after a stop. */
void	fc_cleanup(const struct bangerd *, const struct vm *);
/* Find the firecracker binary: $BANGER_FIRECRACKER, else PATH. */
int	fc_find(char *, size_t);

int	fc_config_vm(const struct bangerd *, const struct vm *,
	    struct fc_config *, char *, size_t);
int	fc_config_add_drive(struct fc_config *, const char *, const char *,
	    int, int, char *, size_t);
int	fc_boot_calls(const struct fc_config *, struct fc_call **, size_t *);
int	fc_action_call(const char *, struct fc_call *);
void	fc_calls_free(struct fc_call *, size_t);
/* Append a call; takes the body's reference, -1 if it is NULL. */
int	fc_add_call(struct fc_call **, size_t *, const char *, const char *,
	    struct json_t *);

/*
 * fc-snapshot.c: suspend and resume.  VMDIR/SUBDIR/FILE for a snapshot
 * file, checked (absolute, printable ASCII, no "." or ".." component,
 * fits PATH_MAX); the calls that pause and save a VM into
 * VMDIR/SNAP_NEW_DIR; the calls that load VMDIR/SNAP_DIR into a fresh
 * Firecracker, re-pointed at a tap and vsock socket, and resume it.
 */
int	fc_snap_path(const char *, const char *, const char *, char *, size_t,
	    char *, size_t);
int	fc_suspend_calls(const char *, struct fc_call **, size_t *, char *,
	    size_t);
int	fc_resume_calls(const char *, const char *, const char *,
	    struct fc_call **, size_t *, char *, size_t);

/* The VM's sockets, connected by the launcher (launch_connect). */
int	fc_api_connect(struct vm *, int, char *, size_t);
int	fc_api_call(int, const struct fc_call *, int, char *, size_t);
/* Connect to the API socket and perform each call in order. */
int	fc_api_run(struct vm *, const struct fc_call *, size_t, int, char *,
	    size_t);
int	fc_configure(struct vm *, const struct fc_config *, char *, size_t);

int	fc_vsock_connect(struct vm *, unsigned, char *, size_t);

/* vmm_ops members */
int	fc_argv(struct bangerd *, struct vm *, char ***, size_t *);
void	fc_argv_free(char **, size_t);
int	fc_boot(struct vm *, char *, size_t);
int	fc_shutdown(struct vm *);
int	fc_suspend(struct vm *, char *, size_t);
int	fc_resume(struct vm *, char *, size_t);
int	fc_unpause(struct vm *);

#endif
