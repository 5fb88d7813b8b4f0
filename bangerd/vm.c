/*
 * VM lifecycle: create (journaled), boot, run one command through the
 * agent, delete.  Everything here runs on the event loop; the privileged
 * helper is asked synchronously (its requests take milliseconds).
 */
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <ftw.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "bangerd.h"
#include "config.h"
#include "firecracker.h"
#include "fdutil.h"
#include "log.h"
#include "priv-wrap.h"
#include "valid.h"

#define KILL_GRACE_SEC	5	/* delete: QMP quit, then kill */
#define STOP_GRACE_SEC	15	/* stop: clean poweroff, then kill */

static void	vm_finish_delete(struct vm *);
static int	vm_boot(struct vm *, char *, size_t);
static int	vm_mkdisk(struct vm *, char *, size_t);
static void	vm_vsock_try(evutil_socket_t, short, void *);
static void	vm_ready_go(struct vm *);
static void	vm_prepare(struct vm *);
static void	vm_checkout(struct vm *);
static void	vm_bootstrap(struct vm *);
static void	vm_ssh_wait(struct vm *);

/*
 * The workspace's tool bootstrap: best effort, before the command or the
 * login.  mise, if the guest has it (in PATH or ~/.local/bin, where its
 * installer puts it), installs what .mise.toml / .tool-versions ask for;
 * its output goes to a log in the guest and its failure changes nothing.
 */
static const char bootstrap_sh[] =
    "m=$(command -v mise 2>/dev/null) || m=/root/.local/bin/mise\n"
    "[ -x \"$m\" ] || exit 0\n"
    "[ -f .mise.toml ] || [ -f mise.toml ] || [ -f .tool-versions ] || "
    "exit 0\n"
    "mkdir -p /root/.cache/banger\n"
    "\"$m\" install >\"/root/.cache/banger/vm-run-tooling-$1.log\" 2>&1\n"
    "exit 0\n";

/*
 * --branch NAME [--from REF]: the copied files become a checkout of a new
 * branch NAME at REF (default: the host's HEAD), from the bundle
 * banger-fetch made.  The working tree stays what was copied, so the
 * host's uncommitted changes show as changes.
 */
static const char checkout_sh[] =
    "set -e\n"
    "b=/root/.cache/banger/$1.bundle\n"
    "git init -q\n"
    "git symbolic-ref HEAD \"refs/heads/$2\"\n"
    "git fetch -q --update-head-ok \"$b\" '+refs/heads/*:refs/remotes/host/*' "
    "'+refs/tags/*:refs/tags/*' '+HEAD:refs/remotes/host/HEAD'\n"
    "r=${3:-host/HEAD}\n"
    "c=$(git rev-parse -q --verify \"$r^{commit}\" || "
    "git rev-parse -q --verify \"host/$r^{commit}\") || "
    "{ echo \"no ref $r in the repository\" >&2; exit 1; }\n"
    "git reset -q \"$c\"\n"
    "rm -f \"$b\"\n";

/*
 * An image with a root file system runs sshd, which comes up after the
 * agent.  Before `vm create`, `vm start` or an interactive `vm run`
 * answers, the guest waits until something listens on port 22, so that
 * `ssh NAME.vm` works as soon as they return; the bound is vm run's ssh
 * retry (30 attempts a second apart).  The guest looks at its own
 * sockets: bangerd needs no network access for this.
 */
#define SSH_WAIT_SEC	30
static const char sshwait_sh[] =
    "i=0\n"
    "while [ \"$i\" -lt \"$1\" ]; do\n"
    "  grep -q ':0016 [0-9A-F]*:[0-9A-F]* 0A' /proc/net/tcp "
    "/proc/net/tcp6 2>/dev/null && exit 0\n"
    "  sleep 1\n"
    "  i=$((i + 1))\n"
    "done\n"
    "exit 1\n";

static void
vm_prep_session(struct vm *vm, char **argv, size_t argc)
{
	struct ag_exec	 ex;

	memset(&ex, 0, sizeof(ex));
	ex.argv.v = argv;
	ex.argv.n = argc;
	ex.env.v = (char *[]){ NULL };
	ex.cwd = vm->run_cwd;
	vm->session = ++vm->d->next_session;
	vm->bootstrapping = vm->session;
	if (agent_send(vm, AG_EXEC, vm->session, &ex) == -1) {
		vm->session = vm->bootstrapping = 0;
		vm_prepare(vm);
	}
}

static void
vm_checkout(struct vm *vm)
{
	char	*argv[] = { "sh", "-c", (char *)checkout_sh, "banger-checkout",
		    vm->ws_name, vm->ws_branch, vm->ws_from, NULL };

	vm->checked_out = 1;
	client_progress(vm->runner, "checking out a new branch %s from %s",
	    vm->ws_branch, vm->ws_from[0] ? vm->ws_from : "HEAD");
	vm_prep_session(vm, argv, 7);
}

static void
vm_bootstrap(struct vm *vm)
{
	char	*argv[] = { "sh", "-c", (char *)bootstrap_sh,
		    "banger-bootstrap", vm->ws_name, NULL };

	vm->bootstrapped = 1;
	vm_prep_session(vm, argv, 5);
}

static void
vm_ssh_wait(struct vm *vm)
{
	char	 secs[16];
	char	*argv[] = { "sh", "-c", (char *)sshwait_sh, "banger-sshwait",
		    secs, NULL };

	snprintf(secs, sizeof(secs), "%d", SSH_WAIT_SEC);
	vm->ssh_waited = 1;
	vm->ssh_waiting = 1;
	client_progress(vm->runner, "waiting for the ssh server");
	vm_prep_session(vm, argv, 5);
}
static void	vm_release_tap(struct vm *);

const char *
vm_state_name(enum vm_state s)
{
	switch (s) {
	case VM_CREATING:
		return "creating";
	case VM_STARTING:
		return "starting";
	case VM_RUNNING:
		return "running";
	case VM_STOPPING:
		return "stopping";
	case VM_STOPPED:
		return "stopped";
	case VM_DELETING:
		return "deleting";
	}
	return "unknown";
}

struct vm *
vm_find(struct bangerd *d, const char *name)
{
	struct vm	*vm;

	TAILQ_FOREACH(vm, &d->vms, entry)
		if (strcmp(vm->name, name) == 0)
			return vm;
	return NULL;
}

struct vm *
vm_find_id(struct bangerd *d, int64_t id)
{
	struct vm	*vm;

	TAILQ_FOREACH(vm, &d->vms, entry)
		if (vm->id == id)
			return vm;
	return NULL;
}

struct vm *
vm_new(struct bangerd *d)
{
	struct vm	*vm;

	if ((vm = calloc(1, sizeof(*vm))) == NULL)
		return NULL;
	vm->d = d;
	vm->state = VM_CREATING;
	vm->vcpus = VM_DEFAULT_VCPUS;
	vm->memory_mib = VM_DEFAULT_MEMORY;
	vm->disk_mib = VM_DEFAULT_DISK;
	vm->ws_listfd = -1;
	vm->con_fd = vm->con_log = -1;
	vm->accel = d->accel;
	vm->created = time(NULL);
	TAILQ_INSERT_TAIL(&d->vms, vm, entry);
	return vm;
}

static void
strv_free(struct msg_strv *sv)
{
	size_t	 i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

void
vm_free(struct vm *vm)
{
	console_close(vm);
	agent_detach(vm);
	qmp_detach(vm);
	if (vm->boot_timer != NULL)
		event_free(vm->boot_timer);
	if (vm->kill_timer != NULL)
		event_free(vm->kill_timer);
	if (vm->vsock_timer != NULL)
		event_free(vm->vsock_timer);
	if (vm->runner != NULL) {
		vm->runner->vm = NULL;
		client_finish(vm->runner);
	}
	if (vm->exit_waiter != NULL) {
		vm->exit_waiter->vm = NULL;
		client_finish(vm->exit_waiter);
	}
	if (vm->delete_waiter != NULL) {
		vm->delete_waiter->vm = NULL;
		client_finish(vm->delete_waiter);
	}
	if (vm->stop_waiter != NULL) {
		vm->stop_waiter->vm = NULL;
		client_finish(vm->stop_waiter);
	}
	strv_free(&vm->run_argv);
	if (vm->ws_listfd != -1)
		close(vm->ws_listfd);
	TAILQ_REMOVE(&vm->d->vms, vm, entry);
	free(vm);
}

static void
vm_save(struct vm *vm)
{
	if (db_vm_update(vm->d, vm) == -1)
		log_warnx("vm %s: could not record state %s", vm->name,
		    vm_state_name(vm->state));
}

static int
gen_name(struct bangerd *d, char *name, size_t len)
{
	uint8_t	 r[3];
	int	 tries;

	for (tries = 0; tries < 32; tries++) {
		if (getrandom(r, sizeof(r), 0) != sizeof(r))
			return -1;
		snprintf(name, len, "vm-%02x%02x%02x", r[0], r[1], r[2]);
		if (vm_find(d, name) == NULL)
			return 0;
	}
	return -1;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) == -1 &&
	    errno != ENOENT)
		log_warn("remove %s", path);
	return 0;
}

/*
 * Remove the VM's directory; it holds only files we or banger-fetch
 * wrote.  FTW_PHYS: a symlink inside (a staged workspace) is removed, not
 * followed.
 */
void
vm_remove_files(struct vm *vm)
{
	if (vm->dir[0] == '\0')
		return;
	if (nftw(vm->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) ==
	    -1 && errno != ENOENT)
		log_warn("remove %s", vm->dir);
}

static void
vm_boot_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct vm	*vm = arg;
	struct client	*c = vm->runner;

	(void)fd;
	(void)what;
	log_warnx("vm %s: agent not ready after %d s", vm->name,
	    BOOT_TIMEOUT_SEC);
	if (c == NULL)
		return;
	/* Leave the VM alive so its console can be read. */
	vm->runner = NULL;
	c->vm = NULL;
	client_error(c, BERR_BOOT, "VM %s did not become ready within %d s; "
	    "the guest kernel or its init (or, in a full image, systemd "
	    "before banger-agent) probably failed. It is left running: see "
	    "`banger vm logs %s`, then remove it with `banger vm delete %s`",
	    vm->name, BOOT_TIMEOUT_SEC, vm->name, vm->name);
}

static void	vm_disk_done(struct bangerd *, int64_t, int, const char *);

/* mkdir -p below the VM's directory, for the work disk's stage. */
static int
stage_dirs(struct vm *vm, char *err, size_t errlen)
{
	static const char *dirs[] = { "stage", "stage/root",
	    "stage/overlay", "stage/overlay/upper", "stage/overlay/work" };
	char		 p[PATH_MAX + 64];
	size_t		 i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", vm->dir, dirs[i]);
		if (mkdir(p, 0755) == -1) {
			snprintf(err, errlen, "mkdir %s: %s", p,
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * Record the VM, make its directory and start building its work disk.
 * Journaled ("create") until the disk is done: a crash in between is
 * rolled back by reconcile().  vm_disk_done() carries on.
 */
static int
vm_create(struct vm *vm, char *err, size_t errlen)
{
	struct bangerd	*d = vm->d;
	char		 logp[PATH_MAX + 16];

	if (d->fetch_bin[0] == '\0') {
		snprintf(err, errlen, "banger-fetch was not found next to "
		    "bangerd (or $BANGER_FETCH); reinstall banger");
		return -1;
	}
	vm->state = VM_CREATING;
	if (db_vm_insert(d, vm) == -1) {
		snprintf(err, errlen, "could not record the VM in %s",
		    d->paths.db);
		return -1;
	}
	if ((vm->create_jid = db_journal_begin(d, vm->id, "create")) == -1) {
		snprintf(err, errlen, "could not journal the VM's creation");
		db_vm_delete(d, vm->id);
		return -1;
	}
	snprintf(vm->dir, sizeof(vm->dir), "%s/%s", d->paths.vms_dir,
	    vm->name);
	if (mkdir(vm->dir, 0700) == -1) {
		snprintf(err, errlen, "mkdir %s: %s", vm->dir,
		    strerror(errno));
		goto fail;
	}
	if (stage_dirs(vm, err, errlen) == -1 ||
	    ssh_stage_authorized(vm, err, errlen) == -1 ||
	    rootdisk_choose(vm, err, errlen) == -1)
		goto fail;
	if (vm->ws_expect > 0) {
		/* The file list follows in CTL_WS_FILES: vm_ws_files(). */
		snprintf(logp, sizeof(logp), "%s/workspace.list", vm->dir);
		if ((vm->ws_listfd = open(logp, O_WRONLY | O_CREAT | O_EXCL |
		    O_CLOEXEC | O_NOFOLLOW, 0600)) == -1) {
			snprintf(err, errlen, "open %s: %s", logp,
			    strerror(errno));
			goto fail;
		}
		return 0;
	}
	if (vm_mkdisk(vm, err, errlen) == 0)
		return 0;
fail:
	vm_remove_files(vm);
	db_vm_delete(d, vm->id);
	db_journal_end(d, vm->create_jid);
	return -1;
}

/*
 * config.toml's [[file_sync]] for banger-fetch, as NUL-separated triples
 * (host, guest path relative to /root, mode or "-").  Returns 1 if there
 * is a list, 0 if there are no entries, -1 on error.
 */
static int
write_sync_list(struct vm *vm, const char *path, char *err, size_t errlen)
{
	struct config	 cfg;
	char		 mode[8];
	const char	*rel;
	size_t		 i;
	int		 fd, rc = 0;

	if (config_load(vm->d->paths.config_file, vm->d->home, &cfg, err,
	    errlen) == -1)
		return -1;
	if (cfg.nsync == 0) {
		config_free(&cfg);
		return 0;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		config_free(&cfg);
		return -1;
	}
	for (i = 0; i < cfg.nsync && rc == 0; i++) {
		/* config.c normalised the guest path to /root or below. */
		rel = cfg.sync[i].guest + strlen("/root");
		rel += *rel == '/';
		if (*rel == '\0') {
			snprintf(err, errlen, "file_sync: %s cannot replace "
			    "/root itself", cfg.sync[i].host);
			rc = -1;
			break;
		}
		if (cfg.sync[i].mode >= 0)
			snprintf(mode, sizeof(mode), "%o", cfg.sync[i].mode);
		else
			snprintf(mode, sizeof(mode), "-");
		if (write_all(fd, cfg.sync[i].host,
		    strlen(cfg.sync[i].host) + 1) == -1 ||
		    write_all(fd, rel, strlen(rel) + 1) == -1 ||
		    write_all(fd, mode, strlen(mode) + 1) == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			rc = -1;
		}
	}
	close(fd);
	config_free(&cfg);
	return rc == 0 ? 1 : -1;
}

/* Start banger-fetch on the work disk (and the workspace, if any). */
static int
vm_mkdisk(struct vm *vm, char *err, size_t errlen)
{
	struct bangerd	*d = vm->d;
	char		 out[PATH_MAX + 16], stage[PATH_MAX + 16];
	char		 size[32], logp[PATH_MAX + 16], list[PATH_MAX + 16];
	char		 sync[PATH_MAX + 16];
	char		*argv[14] = { "banger-fetch", "mkdisk", out, size,
			    stage };
	size_t		 argc = 5;
	int		 logfd, r;

	snprintf(list, sizeof(list), "%s/workspace.list", vm->dir);
	snprintf(sync, sizeof(sync), "%s/sync.list", vm->dir);
	if (vm->ws_dir[0] != '\0') {
		argv[argc++] = "--workspace";
		argv[argc++] = vm->ws_dir;
		argv[argc++] = list;
		argv[argc++] = vm->ws_name;
		/* --branch: the history goes along, as a git bundle. */
		if (vm->ws_branch[0] != '\0')
			argv[argc++] = "--bundle";
	}
	/* An image with a root file system runs sshd: give it a host key. */
	if (vm->img.rootfs[0] != '\0')
		argv[argc++] = "--hostkey";
	if ((r = write_sync_list(vm, sync, err, errlen)) == -1)
		return -1;
	if (r == 1) {
		argv[argc++] = "--sync";
		argv[argc++] = sync;
	}
	argv[argc] = NULL;

	snprintf(out, sizeof(out), "%s/work.ext4", vm->dir);
	snprintf(stage, sizeof(stage), "%s/stage", vm->dir);
	snprintf(size, sizeof(size), "%llu", (unsigned long long)vm->disk_mib);
	snprintf(logp, sizeof(logp), "%s/fetch.log", vm->dir);
	if ((logfd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1) {
		snprintf(err, errlen, "open %s: %s", logp, strerror(errno));
		return -1;
	}
	if (job_start(d, vm->id, argv, argc, logfd, vm_disk_done) == -1) {
		snprintf(err, errlen, "cannot start banger-fetch: %s",
		    strerror(errno));
		close(logfd);
		return -1;
	}
	close(logfd);
	vm->job_alive = 1;
	return 0;
}

/*
 * A chunk of the workspace's file list.  Every path is checked here and
 * again by banger-fetch; once all have come, the disk is made.
 */
void
vm_ws_files(struct client *c, struct ctl_ws_files *f)
{
	struct vm	*vm = c->vm;
	char		 err[1024];
	size_t		 i, len;

	if (vm == NULL || vm->ws_listfd == -1)
		return;
	for (i = 0; i < f->paths.n; i++) {
		if (!valid_ws_path(f->paths.v[i]) ||
		    vm->ws_got >= vm->ws_expect) {
			snprintf(err, sizeof(err), "workspace file list: bad "
			    "or surplus path");
			goto fail;
		}
		len = strlen(f->paths.v[i]) + 1;
		if ((vm->ws_bytes += len) > WS_LIST_MAX) {
			snprintf(err, sizeof(err), "workspace file list is "
			    "larger than %d bytes", WS_LIST_MAX);
			goto fail;
		}
		if (write_all(vm->ws_listfd, f->paths.v[i], len) == -1) {
			snprintf(err, sizeof(err), "workspace list: %s",
			    strerror(errno));
			goto fail;
		}
		vm->ws_got++;
	}
	if (vm->ws_got < vm->ws_expect)
		return;
	close(vm->ws_listfd);
	vm->ws_listfd = -1;
	if (vm_mkdisk(vm, err, sizeof(err)) == 0)
		return;
fail:
	if (vm->ws_listfd != -1)
		close(vm->ws_listfd);
	vm->ws_listfd = -1;
	vm->runner = NULL;
	c->vm = NULL;
	db_journal_end(vm->d, vm->create_jid);
	vm_delete(NULL, vm);
	client_error(c, BERR_INVALID, "%s", err);
}

/* The work disk is built (or not): boot, answer, or clean up. */
static void
vm_disk_done(struct bangerd *d, int64_t id, int ok, const char *jerr)
{
	struct vm	*vm = vm_find_id(d, id);
	struct client	*c;
	char		 err[1024];

	if (vm == NULL)
		return;
	vm->job_alive = 0;
	db_journal_end(d, vm->create_jid);
	vm->create_jid = 0;
	if (vm->state == VM_DELETING) {
		vm_finish_delete(vm);
		return;
	}
	c = vm->runner;
	if (!ok) {
		log_warnx("vm %s: work disk: %s", vm->name, jerr);
		if (c != NULL) {
			vm->runner = NULL;
			c->vm = NULL;
			client_error(c, BERR_INTERNAL, "cannot create VM %s: "
			    "work disk: %s (see %s/fetch.log)", vm->name, jerr,
			    vm->dir);
		}
		vm_delete(NULL, vm);
		return;
	}
	vm->state = VM_STOPPED;
	vm_save(vm);
	ssh_refresh(d);
	if (!vm->boot_after_create) {
		if (c != NULL) {
			vm->runner = NULL;
			c->vm = NULL;
			vm_reply_info(c, vm);
		}
		return;
	}
	if (vm_boot(vm, err, sizeof(err)) == -1) {
		log_warnx("vm %s: %s", vm->name, err);
		if (c != NULL) {
			vm->runner = NULL;
			c->vm = NULL;
			client_error(c, BERR_INTERNAL, "cannot start VM %s: %s",
			    vm->name, err);
		}
		if (vm->run_created)
			vm_delete(NULL, vm);
		return;
	}
	log_info("vm %s (id %lld) starting, tap %s, address %s", vm->name,
	    (long long)vm->id, vm->tap, vm->address);
}

/*
 * Boot a stopped VM: a tap from banger-priv, the channels, QEMU through the
 * launcher.  The "start" journal entry covers the steps that hold a lease.
 */
static int
vm_boot(struct vm *vm, char *err, size_t errlen)
{
	struct bangerd		*d = vm->d;
	struct priv_bridge	*br = NULL;
	struct priv_tap		*tap = NULL;
	int			 agent[2] = { -1, -1 }, qmp[2] = { -1, -1 };
	int			 tapfd = -1, logfd = -1, rootfd = -1, confd = -1;
	int			 fds[6];
	int			 rc = -1;
	char			 path[PATH_MAX + 16], perr[256];
	char			**argv = NULL;
	size_t			 argc = 0;
	int64_t			 jid;

	/* The image may have been rebuilt or removed since creation. */
	if (image_lookup(d, vm->img.name, "", &vm->img, err, errlen) == -1)
		return -1;
	if (d->priv_fd == -1) {
		snprintf(err, errlen, "the privileged helper is not running "
		    "(see `banger doctor` and %s)", d->paths.log);
		return -1;
	}
	if (d->vmm_error[0] != '\0') {
		snprintf(err, errlen, "%s", d->vmm_error);
		return -1;
	}
	if (d->launch_fd == -1) {
		snprintf(err, errlen, "the VMM launcher is not running (see "
		    "%s)", d->paths.log);
		return -1;
	}
	if ((jid = db_journal_begin(d, vm->id, "start")) == -1) {
		snprintf(err, errlen, "could not journal the VM's start");
		return -1;
	}
	if (!d->bridge_ok) {
		if (priv_bridge_ensure(d->priv_fd, &br, perr,
		    sizeof(perr)) != 0) {
			snprintf(err, errlen, "network bridge: %s", perr);
			goto out;
		}
		log_info("bridge %s %s/%u", br->name, br->gateway,
		    (unsigned)br->prefix);
		msg_free(&priv_proto, PRIV_BRIDGE, br);
		d->bridge_ok = 1;
	}
	/* Firecracker opens the tap by name: it must outlive our fd. */
	if (priv_tap_create(d->priv_fd, vm->id, d->vmm == &firecracker_ops,
	    &tap, &tapfd, perr, sizeof(perr)) != 0) {
		snprintf(err, errlen, "tap device: %s", perr);
		goto out;
	}
	snprintf(vm->tap, sizeof(vm->tap), "%s", tap->name);
	snprintf(vm->address, sizeof(vm->address), "%s", tap->address);
	snprintf(vm->gateway, sizeof(vm->gateway), "%s", tap->gateway);
	snprintf(vm->mac, sizeof(vm->mac), "%s", tap->mac);
	vm->prefix = tap->prefix;
	msg_free(&priv_proto, PRIV_TAP, tap);
	vm->state = VM_STARTING;
	vm_save(vm);
	if (rootdisk_open(vm, &rootfd, err, errlen) == -1)
		goto out;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, agent) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, qmp) == -1) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		goto out;
	}
	if (console_open(vm, &confd) == -1) {
		snprintf(err, errlen, "could not set up the console (see %s)",
		    d->paths.log);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/qemu.log", vm->dir);
	if ((logfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1) {
		snprintf(err, errlen, "open %s: %s", path, strerror(errno));
		goto out;
	}
	if (d->vmm->argv(d, vm, &argv, &argc) == -1) {
		snprintf(err, errlen, "could not build the %s command line",
		    d->vmm->name);
		goto out;
	}
	if (d->vmm == &firecracker_ops) {
		/*
		 * Firecracker opens the (persistent) tap by name, so ours
		 * must be closed first, and talks to the agent over vsock
		 * once booted (vm_vmm_started).
		 */
		fds[0] = logfd;
		fds[1] = confd;
		close(tapfd);
		tapfd = -1;
		if (launch_vmm(d, vm, fds, 2, argv, argc) == -1) {
			snprintf(err, errlen, "could not start Firecracker "
			    "(see %s)", d->paths.log);
			goto out;
		}
	} else {
		/*
		 * Slots 2..7: stderr, agent, QMP, tap, console and the root
		 * snapshot if there is one; qemu.c names 3-7.
		 */
		fds[0] = logfd;
		fds[1] = agent[1];
		fds[2] = qmp[1];
		fds[3] = tapfd;
		fds[4] = confd;
		fds[5] = rootfd;
		if (launch_vmm(d, vm, fds, rootfd != -1 ? 6 : 5, argv,
		    argc) == -1) {
			snprintf(err, errlen, "could not start QEMU (see %s)",
			    d->paths.log);
			goto out;
		}
		agent_attach(vm, agent[0]);
		agent[0] = -1;
		qmp_attach(vm, qmp[0]);
		qmp[0] = -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &vm->t_spawn);
	if (vm->boot_timer == NULL)
		vm->boot_timer = evtimer_new(d->base, vm_boot_timeout, vm);
	if (vm->boot_timer != NULL) {
		struct timeval	 tv = { BOOT_TIMEOUT_SEC, 0 };

		evtimer_add(vm->boot_timer, &tv);
	}
	rc = 0;
out:
	qemu_argv_free(argv, argc);	/* both drivers' argv: strings */
	if (agent[0] != -1)
		close(agent[0]);
	if (agent[1] != -1)
		close(agent[1]);
	if (qmp[0] != -1)
		close(qmp[0]);
	if (qmp[1] != -1)
		close(qmp[1]);
	if (tapfd != -1)
		close(tapfd);
	if (rootfd != -1)
		close(rootfd);
	if (logfd != -1)
		close(logfd);
	if (confd != -1)
		close(confd);
	if (rc == -1) {
		console_close(vm);
		vm_release_tap(vm);
		rootdisk_release(vm);
		vm->state = VM_STOPPED;
		vm_save(vm);
	}
	db_journal_end(d, jid);
	return rc;
}

/* Attach c as the VM's runner: it waits for ready, then maybe a command. */
static int
vm_set_runner(struct vm *vm, struct client *c, const struct msg_strv *argv,
    int tty, uint64_t cols, uint64_t rows)
{
	size_t	 i;

	strv_free(&vm->run_argv);
	if (argv != NULL && argv->n > 0) {
		if ((vm->run_argv.v = calloc(argv->n + 1, sizeof(char *))) ==
		    NULL)
			return -1;
		for (i = 0; i < argv->n; i++) {
			if ((vm->run_argv.v[i] = strdup(argv->v[i])) == NULL) {
				strv_free(&vm->run_argv);
				return -1;
			}
			vm->run_argv.n = i + 1;
		}
	}
	vm->run_tty = tty;
	vm->run_cols = cols;
	vm->run_rows = rows;
	vm->runner = c;
	c->vm = vm;
	vm->ssh_waited = vm->ssh_waiting = 0;
	return 0;
}

/*
 * The VM's size: the request's values, else config.toml's [vm_defaults],
 * else host-derived heuristics, else built-in floors.  config.toml is read
 * afresh for every VM so that edits apply without a restart; a broken
 * file stops VM creation with its file:line message.
 */
static int
vm_spec(struct client *c, struct vm *vm, const char *image, uint64_t vcpus,
    uint64_t memory_mib, uint64_t disk_mib)
{
	struct bangerd		*d = vm->d;
	struct config		 cfg;
	struct vm_defaults_eff	 eff;
	char			 err[1024];

	if (config_load(d->paths.config_file, d->home, &cfg, err,
	    sizeof(err)) == -1) {
		client_error(c, BERR_INVALID, "%s", err);
		return -1;
	}
	if (image_lookup(d, image, cfg.default_image_name, &vm->img, err,
	    sizeof(err)) == -1) {
		client_error(c, BERR_NOTFOUND, "%s", err);
		config_free(&cfg);
		return -1;
	}
	config_effective(&cfg, d->ncpu, d->ram_bytes, &eff);
	vm->vcpus = vcpus > 0 ? (int)vcpus : eff.vcpu;
	vm->memory_mib = memory_mib > 0 ? (int)memory_mib :
	    (int)eff.memory_mib;
	vm->disk_mib = disk_mib > 0 ? disk_mib : eff.disk_mib;
	config_free(&cfg);
	return 0;
}

static int
vm_pick_name(struct client *c, const char *want, char *name, size_t len)
{
	struct bangerd	*d = c->d;

	if (want[0] == '\0') {
		if (gen_name(d, name, len) == -1) {
			client_error(c, BERR_INTERNAL, "could not generate a "
			    "VM name");
			return -1;
		}
		return 0;
	}
	if (!valid_vm_name(want)) {
		client_error(c, BERR_INVALID, "invalid VM name \"%s\": use "
		    "1-63 of a-z, 0-9 and '-', not starting or ending with "
		    "'-'", want);
		return -1;
	}
	if (vm_find(d, want) != NULL) {
		client_error(c, BERR_EXISTS, "a VM named %s already exists; "
		    "choose another --name or remove it with `banger vm "
		    "delete %s`", want, want);
		return -1;
	}
	snprintf(name, len, "%s", want);
	return 0;
}

static void
vm_progress_spec(struct client *c, struct vm *vm)
{
	client_progress(c, "spec: %d vCPU, %d MiB RAM, %llu MiB disk, image "
	    "%s (%s/%s)", vm->vcpus, vm->memory_mib,
	    (unsigned long long)vm->disk_mib, vm->img.name, vm->d->vmm->name,
	    accel_name(vm->accel));
}

/*
 * The common start of vm run and vm create: a name, a VM object and its
 * size and image.  NULL if the client has been answered with an error.
 */
static struct vm *
vm_begin(struct client *c, const char *want, const char *image,
    uint64_t vcpus, uint64_t memory_mib, uint64_t disk_mib)
{
	struct vm	*vm;
	char		 name[VM_NAME_MAX + 1];

	if (c->d->stopping) {
		client_error(c, BERR_BUSY, "bangerd is shutting down");
		return NULL;
	}
	if (vm_pick_name(c, want, name, sizeof(name)) == -1)
		return NULL;
	if ((vm = vm_new(c->d)) == NULL) {
		client_error(c, BERR_INTERNAL, "out of memory");
		return NULL;
	}
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	if (vm_spec(c, vm, image, vcpus, memory_mib, disk_mib) == -1) {
		vm_free(vm);
		return NULL;
	}
	return vm;
}

/* vm_begin()'s VM with c as its runner: record it and make its disk. */
static void
vm_begin_create(struct client *c, struct vm *vm)
{
	char	 err[1024];

	vm->runner = c;
	c->vm = vm;
	if (vm_create(vm, err, sizeof(err)) == -1) {
		log_warnx("vm %s: %s", vm->name, err);
		vm->runner = NULL;
		c->vm = NULL;
		client_error(c, BERR_INTERNAL, "cannot create VM %s: %s",
		    vm->name, err);
		vm_free(vm);
	}
}

void
vm_run(struct client *c, struct ctl_vm_run *req)
{
	struct vm	*vm;

	if ((vm = vm_begin(c, req->name, req->image, req->vcpus,
	    req->memory_mib, req->disk_mib)) == NULL)
		return;
	vm->rm = req->rm;
	vm->run_created = 1;
	if (req->workspace[0] != '\0') {
		if (!valid_abs_path(req->workspace, sizeof(vm->ws_dir)) ||
		    !valid_path_component(req->ws_name) ||
		    req->ws_files == 0) {
			vm_free(vm);
			client_error(c, BERR_INVALID, "bad workspace: it must "
			    "be an absolute path with at least one file");
			return;
		}
		snprintf(vm->ws_dir, sizeof(vm->ws_dir), "%s",
		    req->workspace);
		snprintf(vm->ws_name, sizeof(vm->ws_name), "%s",
		    req->ws_name);
		snprintf(vm->run_cwd, sizeof(vm->run_cwd), "/root/%s",
		    req->ws_name);
		vm->ws_expect = req->ws_files;
	}
	if (req->branch[0] != '\0') {
		if (vm->ws_dir[0] == '\0' || vm->img.rootfs[0] == '\0') {
			client_error(c, BERR_INVALID, "--branch needs a "
			    "workspace and an image with git (%s)",
			    IMAGE_GOLDEN);
			vm_free(vm);
			return;
		}
		snprintf(vm->ws_branch, sizeof(vm->ws_branch), "%s",
		    req->branch);
		snprintf(vm->ws_from, sizeof(vm->ws_from), "%s", req->from);
	}
	/* No command: the CLI logs in with ssh once the VM is ready. */
	if (req->argv.n == 0 && vm->img.rootfs[0] == '\0') {
		client_error(c, BERR_INVALID, "image %s has no ssh server for "
		    "an interactive session; give a command after --, or use "
		    "--image " IMAGE_GOLDEN, vm->img.name);
		vm_free(vm);
		return;
	}
	if (vm_set_runner(vm, c, &req->argv, req->tty, req->cols,
	    req->rows) == -1) {
		vm_free(vm);
		client_error(c, BERR_INTERNAL, "out of memory");
		return;
	}
	vm_progress_spec(c, vm);
	client_progress(c, "creating VM %s", vm->name);
	vm->boot_after_create = 1;
	vm_begin_create(c, vm);
}

void
vm_create_cmd(struct client *c, struct ctl_vm_create *req)
{
	struct vm	*vm;

	if ((vm = vm_begin(c, req->name, req->image, req->vcpus,
	    req->memory_mib, req->disk_mib)) == NULL)
		return;
	vm_progress_spec(c, vm);
	vm->boot_after_create = req->start;
	vm_begin_create(c, vm);
}

/* Boot a stopped VM; the client hears back once it is ready. */
void
vm_start_cmd(struct client *c, struct vm *vm)
{
	char	 err[1024];

	if (vm->state == VM_RUNNING || vm->state == VM_STARTING) {
		client_error(c, BERR_INVALID, "VM %s is already %s", vm->name,
		    vm_state_name(vm->state));
		return;
	}
	if (vm->state != VM_STOPPED) {
		client_error(c, BERR_BUSY, "VM %s is %s; try again when it "
		    "has stopped", vm->name, vm_state_name(vm->state));
		return;
	}
	if (vm->runner != NULL) {
		client_error(c, BERR_BUSY, "VM %s is busy", vm->name);
		return;
	}
	if (vm_set_runner(vm, c, NULL, 0, 0, 0) == -1) {
		client_error(c, BERR_INTERNAL, "out of memory");
		return;
	}
	client_progress(c, "starting VM %s", vm->name);
	if (vm_boot(vm, err, sizeof(err)) == -1) {
		vm->runner = NULL;
		c->vm = NULL;
		client_error(c, BERR_INTERNAL, "cannot start VM %s: %s",
		    vm->name, err);
	}
}

/* Run a command in a running VM. */
void
vm_exec_cmd(struct client *c, struct ctl_vm_exec *req, struct vm *vm)
{
	if (req->argv.n == 0) {
		client_error(c, BERR_INVALID, "no command given");
		return;
	}
	if (vm->state != VM_RUNNING) {
		client_error(c, BERR_INVALID, "VM %s is %s; start it with "
		    "`banger vm start %s`", vm->name,
		    vm_state_name(vm->state), vm->name);
		return;
	}
	if (vm->runner != NULL || vm->session != 0) {
		client_error(c, BERR_BUSY, "VM %s is already running a "
		    "command (one at a time in this version)", vm->name);
		return;
	}
	if (vm_set_runner(vm, c, &req->argv, req->tty, req->cols,
	    req->rows) == -1) {
		client_error(c, BERR_INTERNAL, "out of memory");
		return;
	}
	vm->run_cwd[0] = '\0';
	vm_start_session(vm);
}

void
vm_info(struct vm *vm, struct ctl_vm_info *vi)
{
	memset(vi, 0, sizeof(*vi));
	vi->name = vm->name;
	vi->state = (char *)vm_state_name(vm->state);
	vi->vmm = (char *)vm->d->vmm->name;
	vi->accel = (char *)accel_name(vm->accel);
	vi->address = vm->state == VM_STOPPED ? "" : vm->address;
	vi->pid = vm->pid > 0 ? (uint64_t)vm->pid : 0;
	vi->created = vm->created;
	vi->vcpus = vm->vcpus;
	vi->memory_mib = vm->memory_mib;
	vi->disk_mib = vm->disk_mib;
	vi->dir = vm->dir;
	vi->image = vm->img.name;
	vi->root = (char *)rootdisk_kind(vm);
}

void
vm_reply_info(struct client *c, struct vm *vm)
{
	struct ctl_vm_info	 vi;

	vm_info(vm, &vi);
	client_send(c, CTL_VM_INFO, &vi);
	client_send(c, CTL_OK, &(struct ctl_ok){ 0 });
	client_finish(c);
}

/* The agent said it is ready: answer a start, or run the command. */
void
vm_agent_ready(struct vm *vm, const struct ag_ready *r)
{
	struct timespec	 now;
	struct client	*c = vm->runner;
	double		 secs;

	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = (now.tv_sec - vm->t_spawn.tv_sec) +
	    (now.tv_nsec - vm->t_spawn.tv_nsec) / 1e9;
	if (vm->boot_timer != NULL)
		evtimer_del(vm->boot_timer);
	vm->state = VM_RUNNING;
	vm_save(vm);
	log_info("vm %s ready after %.2f s (agent %s, kernel %s)", vm->name,
	    secs, r->version, r->kernel);
	ssh_refresh(vm->d);
	if (c == NULL)
		return;
	client_progress(c, "VM %s is ready at %s (%.1f s)", vm->name,
	    vm->address, secs);
	vm_prepare(vm);
}

/*
 * Before the command or login, in a workspace: --branch's checkout (its
 * failure fails the run), then the tool bootstrap (whose failure does
 * not).  Each is an agent session; vm_agent_exit() comes back here.
 */
static void
vm_prepare(struct vm *vm)
{
	if (vm->ws_branch[0] != '\0' && !vm->checked_out) {
		vm_checkout(vm);
		return;
	}
	if (vm->ws_name[0] != '\0' && !vm->bootstrapped) {
		vm_bootstrap(vm);
		return;
	}
	/* Answering now (no command to run): wait for sshd first. */
	if (vm->runner != NULL && vm->run_argv.n == 0 &&
	    vm->img.rootfs[0] != '\0' && !vm->ssh_waited) {
		vm_ssh_wait(vm);
		return;
	}
	vm_ready_go(vm);
}

/* Ready (and bootstrapped): answer a start, or run the command. */
static void
vm_ready_go(struct vm *vm)
{
	struct client	*c = vm->runner;

	if (c == NULL)
		return;
	if (vm->run_argv.n == 0) {
		vm->runner = NULL;
		c->vm = NULL;
		vm_reply_info(c, vm);
		return;
	}
	vm_start_session(vm);
}

/* Send the runner's command to the agent. */
void
vm_start_session(struct vm *vm)
{
	struct ag_exec	 ex;
	struct client	*c = vm->runner;

	memset(&ex, 0, sizeof(ex));
	ex.argv = vm->run_argv;
	ex.env.v = (char *[]){ NULL };
	ex.env.n = 0;
	ex.cwd = vm->run_cwd;
	ex.tty = vm->run_tty;
	ex.cols = vm->run_cols;
	ex.rows = vm->run_rows;
	vm->session = ++vm->d->next_session;
	if (agent_send(vm, AG_EXEC, vm->session, &ex) == -1) {
		vm->runner = NULL;
		vm->session = 0;
		c->vm = NULL;
		client_error(c, BERR_INTERNAL, "could not send the command to "
		    "VM %s", vm->name);
		return;
	}
	c->started = 1;
	vm->run_created = 0;
	client_send(c, CTL_OK, &(struct ctl_ok){ 0 });
}

void
vm_agent_output(struct vm *vm, const struct ag_output *o)
{
	struct ctl_output	 co;
	struct client		*c = vm->runner;

	/* The bootstrap's output goes to its log in the guest, not here. */
	if (vm->bootstrapping != 0)
		return;
	if (c == NULL || c->bev == NULL)
		return;
	co.stream = o->stream;
	co.data = o->data;
	client_send(c, CTL_OUTPUT, &co);
	/* Back-pressure: stop reading the guest while the CLI lags. */
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) >
	    CLIENT_OUTQ_HIGH && vm->agent != NULL)
		bufferevent_disable(vm->agent, EV_READ);
}

void
vm_agent_exit(struct vm *vm, const struct ag_exit *e)
{
	struct ctl_exit	 ce;
	struct client	*c = vm->runner;

	if (vm->bootstrapping != 0) {
		vm->session = vm->bootstrapping = 0;
		if (vm->ssh_waiting) {
			vm->ssh_waiting = 0;
			if (e->status != 0 && (c = vm->runner) != NULL) {
				log_warnx("vm %s: no ssh server after %d s",
				    vm->name, SSH_WAIT_SEC);
				vm->runner = NULL;
				c->vm = NULL;
				client_error(c, BERR_BOOT, "VM %s is running but "
				    "its ssh server did not listen within %d "
				    "s; see %s/console.log", vm->name,
				    SSH_WAIT_SEC, vm->dir);
				return;
			}
			vm_prepare(vm);
			return;
		}
		/* A failed --branch checkout fails the run; the rest not. */
		if (vm->checked_out && !vm->bootstrapped && e->status != 0 &&
		    (c = vm->runner) != NULL) {
			log_warnx("vm %s: checkout of %s failed", vm->name,
			    vm->ws_branch);
			vm->runner = NULL;
			c->vm = NULL;
			client_error(c, BERR_INVALID, "could not check out a new "
			    "branch %s from %s in VM %s (is the ref in the "
			    "repository?)", vm->ws_branch, vm->ws_from[0] ?
			    vm->ws_from : "HEAD", vm->name);
			if (vm->rm || vm->run_created)
				vm_delete(NULL, vm);
			return;
		}
		log_info("vm %s: preparation step ended (status %lld)",
		    vm->name, (long long)e->status);
		vm_prepare(vm);
		return;
	}
	log_info("vm %s: command exited (status %lld, signal %llu)", vm->name,
	    (long long)e->status, (unsigned long long)e->signo);
	vm->session = 0;
	strv_free(&vm->run_argv);
	ce.status = e->status;
	ce.signo = e->signo;
	vm->runner = NULL;
	if (vm->rm) {
		/* --rm: the exit status goes out once the VM is gone. */
		vm->exit_waiter = c;
		vm->exit = ce;
		vm_delete(NULL, vm);
		return;
	}
	if (c != NULL) {
		client_send(c, CTL_EXIT, &ce);
		c->vm = NULL;
		client_finish(c);
	}
}

/* The guest broke the protocol or went away. */
void
vm_agent_lost(struct vm *vm, const char *why)
{
	struct client	*c = vm->runner;

	log_warnx("vm %s: agent channel closed: %s", vm->name, why);
	agent_detach(vm);
	vm->session = 0;
	if (c != NULL) {
		vm->runner = NULL;
		c->vm = NULL;
		client_error(c, BERR_BOOT, "lost contact with the agent in VM "
		    "%s (%s); see %s/console.log", vm->name, why, vm->dir);
	}
	if (vm->rm && vm->state != VM_DELETING)
		vm_delete(NULL, vm);
}

void
vm_client_input(struct client *c, uint32_t type, void *body)
{
	struct vm	*vm = c->vm;
	struct ag_input	 in;
	struct ag_signal sg;
	struct ag_winsize ws;

	if (vm == NULL || vm->session == 0 || vm->agent == NULL)
		return;
	switch (type) {
	case CTL_INPUT:
		in.data = ((struct ctl_input *)body)->data;
		(void)agent_send(vm, AG_INPUT, vm->session, &in);
		break;
	case CTL_SIGNAL:
		sg.signo = ((struct ctl_signal *)body)->signo;
		(void)agent_send(vm, AG_SIGNAL, vm->session, &sg);
		break;
	case CTL_WINSIZE:
		ws.cols = ((struct ctl_winsize *)body)->cols;
		ws.rows = ((struct ctl_winsize *)body)->rows;
		(void)agent_send(vm, AG_WINSIZE, vm->session, &ws);
		break;
	}
}

/* The CLI went away while its command ran or its VM booted. */
void
vm_client_gone(struct client *c)
{
	struct vm	*vm = c->vm;
	struct ag_signal sg = { SIGHUP };

	c->vm = NULL;
	if (vm == NULL)
		return;
	if (vm->delete_waiter == c)
		vm->delete_waiter = NULL;
	if (vm->exit_waiter == c)
		vm->exit_waiter = NULL;
	if (vm->stop_waiter == c)
		vm->stop_waiter = NULL;
	if (vm->runner != c)
		return;
	vm->runner = NULL;
	if (vm->session != 0 && vm->agent != NULL)
		(void)agent_send(vm, AG_SIGNAL, vm->session, &sg);
	/*
	 * Gone before its command started (Ctrl-C while booting): the VM was
	 * never used, so it goes too.
	 */
	if ((vm->rm || (vm->run_created && !c->started)) &&
	    vm->state != VM_DELETING)
		vm_delete(NULL, vm);
}

static void
vm_release_tap(struct vm *vm)
{
	char	 err[256];

	if (vm->tap[0] == '\0' || vm->d->priv_fd == -1)
		return;
	if (priv_tap_delete(vm->d->priv_fd, vm->id, err, sizeof(err)) != 0)
		log_warnx("vm %s: release tap %s: %s", vm->name, vm->tap, err);
	vm->tap[0] = '\0';
}

static void
vm_kill_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct vm	*vm = arg;

	(void)fd;
	(void)what;
	log_warnx("vm %s: %s did not quit; killing it", vm->name,
	    vm->d->vmm->name);
	(void)launch_kill(vm->d, vm, SIGKILL);
}

/* Delete a VM: stop its VMM, then release everything it had. */
void
vm_delete(struct client *c, struct vm *vm)
{
	if (vm->state == VM_DELETING) {
		if (c != NULL)
			client_error(c, BERR_BUSY, "VM %s is already being "
			    "deleted", vm->name);
		return;
	}
	if (vm->runner != NULL && vm->runner != c) {
		struct client	*r = vm->runner;

		vm->runner = NULL;
		r->vm = NULL;
		client_error(r, BERR_INTERNAL, "VM %s was deleted", vm->name);
	}
	vm->delete_waiter = c;
	if (c != NULL)
		c->vm = vm;
	vm->state = VM_DELETING;
	vm_save(vm);
	if (vm->boot_timer != NULL)
		evtimer_del(vm->boot_timer);
	if (vm->job_alive)
		return;		/* vm_disk_done() finishes the delete */
	if (vm->pid == 0 && !vm->vmm_alive) {
		vm_finish_delete(vm);
		return;
	}
	/* Nothing in the guest needs flushing: stop QEMU, politely first. */
	if (qmp_quit(vm) == -1)
		(void)launch_kill(vm->d, vm, SIGTERM);
	if (vm->kill_timer == NULL)
		vm->kill_timer = evtimer_new(vm->d->base, vm_kill_timeout,
		    vm);
	if (vm->kill_timer != NULL) {
		struct timeval	 tv = { KILL_GRACE_SEC, 0 };

		evtimer_add(vm->kill_timer, &tv);
	}
}

static void
vm_finish_delete(struct vm *vm)
{
	struct bangerd	*d = vm->d;
	struct client	*c = vm->delete_waiter;
	int64_t		 jid;

	jid = db_journal_begin(d, vm->id, "delete");
	console_close(vm);
	agent_detach(vm);
	qmp_detach(vm);
	vm_release_tap(vm);
	rootdisk_release(vm);
	vm_remove_files(vm);
	db_vm_delete(d, vm->id);
	db_journal_end(d, jid);
	log_info("vm %s deleted", vm->name);
	vm->delete_waiter = NULL;
	vm->state = VM_DELETING;	/* ssh_refresh() leaves it out */
	ssh_refresh(d);
	if (c != NULL) {
		c->vm = NULL;
		client_send(c, CTL_OK, &(struct ctl_ok){ 0 });
		client_finish(c);
	}
	if ((c = vm->exit_waiter) != NULL) {
		vm->exit_waiter = NULL;
		c->vm = NULL;
		client_send(c, CTL_EXIT, &vm->exit);
		client_finish(c);
	}
	vm_free(vm);
}

void
vm_vmm_started(struct bangerd *d, struct launch_started *s)
{
	struct vm	*vm = vm_find_id(d, s->vm_id);

	struct timeval	 tv = { 0, 100 * 1000 };
	char		 err[1024];

	if (vm == NULL)
		return;
	vm->pid = s->pid;
	vm_save(vm);
	if (d->vmm->boot == NULL || vm->state != VM_STARTING)
		return;
	/* Firecracker: configure it over its API, then find the agent. */
	if (d->vmm->boot(vm, err, sizeof(err)) == -1) {
		log_warnx("vm %s: %s", vm->name, err);
		if (vm->runner != NULL) {
			struct client	*c = vm->runner;

			vm->runner = NULL;
			c->vm = NULL;
			client_error(c, BERR_BOOT, "VM %s: %s", vm->name, err);
		}
		(void)launch_kill(d, vm, SIGKILL);
		return;
	}
	if (vm->vsock_timer == NULL)
		vm->vsock_timer = evtimer_new(d->base, vm_vsock_try, vm);
	if (vm->vsock_timer != NULL)
		evtimer_add(vm->vsock_timer, &tv);
}

/*
 * Firecracker's agent channel: connect to the hybrid vsock socket until
 * the guest's agent listens (the boot timer bounds the wait).
 */
static void
vm_vsock_try(evutil_socket_t fd, short what, void *arg)
{
	struct vm	*vm = arg;
	struct timeval	 tv = { 0, 100 * 1000 };
	char		 api[FC_SUN_PATH_MAX], uds[FC_SUN_PATH_MAX], err[256];
	int		 s;

	(void)fd;
	(void)what;
	if (vm->state != VM_STARTING || vm->agent != NULL)
		return;
	if (fc_paths(vm->d, vm, api, sizeof(api), uds, sizeof(uds)) == -1)
		return;
	if ((s = fc_vsock_connect(uds, FC_AGENT_PORT, err, sizeof(err))) ==
	    -1) {
		if (errno == ECONNREFUSED || errno == ENOENT ||
		    errno == ETIMEDOUT)
			evtimer_add(vm->vsock_timer, &tv);
		else
			log_warnx("vm %s: agent vsock: %s", vm->name, err);
		return;
	}
	(void)fd_nonblock(s, 1);
	agent_attach(vm, s);
}

void
vm_vmm_exited(struct bangerd *d, struct launch_exited *ex)
{
	struct vm	*vm = vm_find_id(d, ex->vm_id);
	struct client	*c;
	int		 asked;

	if (vm == NULL)
		return;
	log_info("vm %s: %s %llu exited (status %lld, signal %llu)",
	    vm->name, d->vmm->name, (unsigned long long)ex->pid,
	    (long long)ex->status, (unsigned long long)ex->signo);
	vm->pid = 0;
	vm->vmm_alive = 0;
	if (vm->vsock_timer != NULL)
		evtimer_del(vm->vsock_timer);
	if (d->vmm == &firecracker_ops)
		fc_cleanup(d, vm);
	if (vm->kill_timer != NULL)
		evtimer_del(vm->kill_timer);
	if (vm->state == VM_DELETING) {
		vm_finish_delete(vm);
		return;
	}
	if (vm->boot_timer != NULL)
		evtimer_del(vm->boot_timer);
	agent_detach(vm);
	qmp_detach(vm);
	vm_release_tap(vm);
	rootdisk_release(vm);
	asked = vm->state == VM_STOPPING;
	vm->state = VM_STOPPED;
	vm->session = 0;
	vm_save(vm);
	ssh_refresh(d);
	if ((c = vm->runner) != NULL) {
		vm->runner = NULL;
		c->vm = NULL;
		if (asked)
			client_error(c, BERR_INTERNAL, "VM %s was stopped",
			    vm->name);
		else
			client_error(c, BERR_BOOT, "VM %s stopped "
			    "unexpectedly; see %s/console.log and "
			    "%s/qemu.log", vm->name, vm->dir, vm->dir);
	}
	if ((c = vm->stop_waiter) != NULL) {
		vm->stop_waiter = NULL;
		c->vm = NULL;
		client_send(c, CTL_OK, &(struct ctl_ok){ 0 });
		client_finish(c);
	}
	if (vm->rm)
		vm_delete(NULL, vm);
}

/*
 * Stop a VM: ask the guest to power off (the agent, else ACPI through
 * QMP), and kill QEMU if it has not exited within STOP_GRACE_SEC.
 */
void
vm_stop_cmd(struct client *c, struct vm *vm)
{
	struct timeval	 tv = { STOP_GRACE_SEC, 0 };

	if (vm->state == VM_STOPPED) {
		client_send(c, CTL_OK, &(struct ctl_ok){ 0 });
		client_finish(c);
		return;
	}
	if (vm->state != VM_RUNNING && vm->state != VM_STARTING) {
		client_error(c, BERR_BUSY, "VM %s is %s", vm->name,
		    vm_state_name(vm->state));
		return;
	}
	vm->state = VM_STOPPING;
	vm_save(vm);
	vm->stop_waiter = c;
	c->vm = vm;
	if (vm->boot_timer != NULL)
		evtimer_del(vm->boot_timer);
	if (agent_send(vm, AG_POWEROFF, 0, &(struct ag_poweroff){ 0 }) == -1 &&
	    vm->d->vmm->shutdown(vm) == -1)
		(void)launch_kill(vm->d, vm, SIGTERM);
	if (vm->kill_timer == NULL)
		vm->kill_timer = evtimer_new(vm->d->base, vm_kill_timeout, vm);
	if (vm->kill_timer != NULL)
		evtimer_add(vm->kill_timer, &tv);
}

/* Shutdown: VMMs die with the launcher; record that and tidy up. */
void
vm_stop_all(struct bangerd *d)
{
	struct vm	*vm, *next;

	for (vm = TAILQ_FIRST(&d->vms); vm != NULL; vm = next) {
		next = TAILQ_NEXT(vm, entry);
		if (vm->state == VM_STOPPED)
			continue;
		agent_detach(vm);
		qmp_detach(vm);
		vm_release_tap(vm);
		rootdisk_release(vm);
		vm->pid = 0;
		vm->vmm_alive = 0;
		if (vm->rm || vm->state == VM_DELETING ||
		    vm->state == VM_CREATING) {
			db_journal_end(d, vm->create_jid);
			vm_remove_files(vm);
			db_vm_delete(d, vm->id);
			vm_free(vm);
			continue;
		}
		vm->state = VM_STOPPED;
		vm_save(vm);
	}
}
