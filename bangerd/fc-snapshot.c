/*
 * Firecracker's side of suspend and resume (vmm.h, vm-suspend.c).
 *
 * Suspend: PATCH /vm Paused, then PUT /snapshot/create writes the device
 * state and all of guest memory into VMDIR/SNAP_NEW_DIR, which we make
 * first (it must not exist); bangerd's common code checks, records and
 * renames it to SNAP_DIR and ends Firecracker.
 *
 * Resume: a fresh Firecracker, before any configuration, gets PUT
 * /snapshot/load of VMDIR/SNAP_DIR with the tap and vsock socket of this
 * run in place of those recorded in the snapshot, then PATCH /vm Resumed.
 * The guest's vsock connections are reset by the load; its agent keeps
 * listening and bangerd's usual connect loop (vm_vsock_try) finds it.
 *
 * The calls are built by pure functions (fc_suspend_calls,
 * fc_resume_calls) so the tests can check them against the API spec.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bangerd.h"
#include "firecracker.h"
#include "log.h"

/*
 * Why path is unfit to hand Firecracker, or NULL.  Paths we send must be
 * plain: absolute, printable ASCII (nothing a log line or Firecracker's
 * error could misrender), and canonical, so that a snapshot file is the
 * one in the VM's directory that bangerd checks.
 */
static const char *
path_unfit(const char *p)
{
	const unsigned char	*c;
	const char		*s;
	size_t			 len;

	if (p[0] != '/')
		return "not an absolute path";
	for (c = (const unsigned char *)p; *c != '\0'; c++)
		if (*c < 0x20 || *c > 0x7e)
			return "a control or non-ASCII byte in the path";
	for (s = p; s != NULL; s = strchr(s + 1, '/')) {
		len = strcspn(s + 1, "/");
		if (len == 0)
			return "an empty path component (\"//\" or a "
			    "trailing \"/\")";
		if ((len == 1 && s[1] == '.') ||
		    (len == 2 && s[1] == '.' && s[2] == '.'))
			return "a \".\" or \"..\" path component";
	}
	return NULL;
}

int
fc_snap_path(const char *vmdir, const char *sub, const char *file, char *out,
    size_t outlen, char *err, size_t errlen)
{
	const char	*why;
	int		 n;

	if ((why = path_unfit(vmdir)) != NULL) {
		/* Not echoed: it may hold the bytes we refuse. */
		snprintf(err, errlen, "VM directory unfit for a snapshot path: "
		    "%s", why);
		return -1;
	}
	n = snprintf(out, outlen, "%s/%s/%s", vmdir, sub, file);
	if (n < 0 || (size_t)n >= outlen) {
		/* The reason first: the path may fill the message. */
		snprintf(err, errlen, "snapshot path too long (%zu bytes at "
		    "most): %s/%s/%s", outlen - 1, vmdir, sub, file);
		return -1;
	}
	if ((why = path_unfit(out)) != NULL) {
		snprintf(err, errlen, "snapshot path %s: %s", out, why);
		return -1;
	}
	return 0;
}

static json_t *
vm_state(const char *state)
{
	return json_pack("{s:s}", "state", state);
}

/* PATCH /vm Paused, then a full snapshot into VMDIR/SNAP_NEW_DIR. */
int
fc_suspend_calls(const char *vmdir, struct fc_call **vp, size_t *np,
    char *err, size_t errlen)
{
	struct fc_call	*v = NULL;
	size_t		 n = 0;
	char		 state[PATH_MAX], mem[PATH_MAX];

	if (fc_snap_path(vmdir, SNAP_NEW_DIR, SNAP_STATE, state,
	    sizeof(state), err, errlen) == -1 ||
	    fc_snap_path(vmdir, SNAP_NEW_DIR, SNAP_MEM, mem, sizeof(mem), err,
	    errlen) == -1)
		return -1;
	if (fc_add_call(&v, &n, "PATCH", "/vm", vm_state("Paused")) == -1 ||
	    fc_add_call(&v, &n, "PUT", "/snapshot/create", json_pack(
	    "{s:s, s:s, s:s}", "snapshot_type", "Full", "snapshot_path",
	    state, "mem_file_path", mem)) == -1) {
		fc_calls_free(v, n);
		snprintf(err, errlen, "cannot build the Firecracker requests");
		return -1;
	}
	v[1].timeout_ms = FC_SNAP_TIMEOUT_MS;
	*vp = v;
	*np = n;
	return 0;
}

/*
 * PUT /snapshot/load of VMDIR/SNAP_DIR, paused, eth0 re-pointed at tap
 * and the vsock device at vsock_uds; then PATCH /vm Resumed.  Resuming
 * separately tells a refused load from a refused resume.
 */
int
fc_resume_calls(const char *vmdir, const char *tap, const char *vsock_uds,
    struct fc_call **vp, size_t *np, char *err, size_t errlen)
{
	struct fc_call	*v = NULL;
	size_t		 n = 0;
	char		 state[PATH_MAX], mem[PATH_MAX];
	const char	*why;

	if (fc_snap_path(vmdir, SNAP_DIR, SNAP_STATE, state, sizeof(state),
	    err, errlen) == -1 ||
	    fc_snap_path(vmdir, SNAP_DIR, SNAP_MEM, mem, sizeof(mem), err,
	    errlen) == -1)
		return -1;
	if (tap[0] == '\0' || strlen(tap) > 15 || strspn(tap,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-") != strlen(tap)) {
		snprintf(err, errlen, "the VM has no usable tap name");
		return -1;
	}
	if ((why = path_unfit(vsock_uds)) != NULL ||
	    strlen(vsock_uds) >= FC_SUN_PATH_MAX) {
		snprintf(err, errlen, "vsock socket path unfit: %s", why ?
		    why : "too long for a Unix socket");
		return -1;
	}
	if (fc_add_call(&v, &n, "PUT", "/snapshot/load", json_pack(
	    "{s:s, s:{s:s, s:s}, s:b, s:[{s:s, s:s}], s:{s:s}}",
	    "snapshot_path", state,
	    "mem_backend", "backend_type", "File", "backend_path", mem,
	    "resume_vm", 0,
	    "network_overrides", "iface_id", "eth0", "host_dev_name", tap,
	    "vsock_override", "uds_path", vsock_uds)) == -1 ||
	    fc_add_call(&v, &n, "PATCH", "/vm", vm_state("Resumed")) == -1) {
		fc_calls_free(v, n);
		snprintf(err, errlen, "cannot build the Firecracker requests");
		return -1;
	}
	v[0].timeout_ms = FC_SNAP_TIMEOUT_MS;
	*vp = v;
	*np = n;
	return 0;
}

/* Remove what a failed suspend left in SNAP_NEW_DIR: ours, nothing else. */
static void
suspend_undo(const char *vmdir)
{
	char	 p[PATH_MAX], err[256];

	if (fc_snap_path(vmdir, SNAP_NEW_DIR, SNAP_STATE, p, sizeof(p), err,
	    sizeof(err)) == 0 && unlink(p) == -1 && errno != ENOENT)
		log_warn("unlink %s", p);
	if (fc_snap_path(vmdir, SNAP_NEW_DIR, SNAP_MEM, p, sizeof(p), err,
	    sizeof(err)) == 0 && unlink(p) == -1 && errno != ENOENT)
		log_warn("unlink %s", p);
}

/*
 * vmm_ops.suspend: synchronous.  A refused pause leaves the VM running
 * and nothing else is asked; a refused snapshot is followed by one PATCH
 * /vm Resumed, so that a failed save does not leave the guest frozen.
 */
int
fc_suspend(struct vm *vm, char *err, size_t errlen)
{
	struct fc_call	*v = NULL, *r = NULL;
	size_t		 n = 0, rn = 0;
	char		 dir[PATH_MAX], p[PATH_MAX + 8], why[1024], rerr[512];
	struct stat	 st;

	if (fc_suspend_calls(vm->dir, &v, &n, err, errlen) == -1)
		return -1;
	/*
	 * vm-suspend.c made the directory, empty and 0700; files already in
	 * it are another save's, not to be written over.  (Fits: the calls'
	 * longer paths under it did.)
	 */
	snprintf(dir, sizeof(dir), "%s/%s", vm->dir, SNAP_NEW_DIR);
	if (lstat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", dir);
		fc_calls_free(v, n);
		return -1;
	}
	snprintf(p, sizeof(p), "%s/%s", dir, SNAP_STATE);
	if (lstat(p, &st) == 0) {
		snprintf(err, errlen, "%s already exists (a suspend under "
		    "way or cut short); not suspending over it", p);
		fc_calls_free(v, n);
		return -1;
	}
	if (fc_api_run(vm, &v[0], 1, 0, err, errlen) == -1) {
		fc_calls_free(v, n);
		suspend_undo(vm->dir);
		return -1;
	}
	if (fc_api_run(vm, &v[1], 1, 0, why, sizeof(why)) == 0) {
		fc_calls_free(v, n);
		return 0;
	}
	fc_calls_free(v, n);
	suspend_undo(vm->dir);
	if (fc_add_call(&r, &rn, "PATCH", "/vm", vm_state("Resumed")) == -1)
		snprintf(rerr, sizeof(rerr), "out of memory");
	else if (fc_api_run(vm, r, rn, 0, rerr, sizeof(rerr)) == 0) {
		fc_calls_free(r, rn);
		snprintf(err, errlen, "%s; the VM was resumed", why);
		return -1;
	}
	fc_calls_free(r, rn);
	snprintf(err, errlen, "%s; the VM stays paused: %s", why, rerr);
	return -1;
}

/*
 * vmm_ops.resume, and fc_boot when vm->resuming: Firecracker has just
 * started and has been told nothing, as snapshot/load requires.
 */
int
fc_resume(struct vm *vm, char *err, size_t errlen)
{
	struct fc_call	*v = NULL;
	size_t		 n = 0;
	char		 api[FC_SUN_PATH_MAX], vsock[FC_SUN_PATH_MAX];
	int		 rc;

	if (fc_paths(vm->d, vm, api, sizeof(api), vsock, sizeof(vsock)) ==
	    -1) {
		snprintf(err, errlen, "socket paths under %s are too long for "
		    "a Unix socket (%d bytes at most)",
		    vm->d->paths.runtime_dir, FC_SUN_PATH_MAX - 1);
		return -1;
	}
	if (fc_resume_calls(vm->dir, vm->tap, vsock, &v, &n, err,
	    errlen) == -1)
		return -1;
	/*
	 * Loaded, not yet running: the saved state goes before the guest
	 * runs past it (vm-suspend.c), as QEMU's does before cont.
	 */
	rc = fc_api_run(vm, v, n - 1, FC_SOCK_WAIT_MS, err, errlen);
	if (rc == 0 && snap_discard(vm) == -1) {
		snprintf(err, errlen, "the saved state could not be removed "
		    "before the guest ran on, so it was not resumed");
		rc = -1;
	}
	if (rc == 0)
		rc = fc_api_run(vm, v + n - 1, 1, 0, err, errlen);
	fc_calls_free(v, n);
	return rc;
}

/* vmm_ops.unpause: a save that is not kept; the guest runs on. */
int
fc_unpause(struct vm *vm)
{
	struct fc_call	*r = NULL;
	size_t		 rn = 0;
	char		 err[512];
	int		 rc = -1;

	if (fc_add_call(&r, &rn, "PATCH", "/vm", vm_state("Resumed")) == 0)
		rc = fc_api_run(vm, r, rn, 0, err, sizeof(err));
	if (rc == -1)
		log_warnx("vm %s: %s", vm->name, err);
	fc_calls_free(r, rn);
	return rc;
}
