/*
 * Booting a VM: a tap from banger-priv, the agent, monitor and console
 * channels, the VMM through the launcher, and then, once the agent is
 * ready, the preparation sessions (checkout, tool bootstrap, the wait for
 * sshd) before the client is answered or its command started.
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
#include "checkout.h"
#include "config.h"
#include "firecracker.h"
#include "fdutil.h"
#include "log.h"
#include "priv-wrap.h"
#include "valid.h"

#include "snap.h"
#include "vm-phase.h"

static void	vm_boot_timeout(evutil_socket_t fd, short what, void *arg);
static void	vm_vsock_try(evutil_socket_t fd, short what, void *arg);
static void	vm_ready_go(struct vm *vm);
static void	vm_prep_session(struct vm *vm, char **argv, size_t argc);
static void	vm_checkout(struct vm *vm);
static void	vm_bootstrap(struct vm *vm);
static void	vm_ssh_wait(struct vm *vm);
static void	vm_netfix(struct vm *vm);
static void	vm_identity(struct vm *vm);
static void	vm_seed(struct vm *vm);
static void	vm_settle(struct vm *vm);


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
 * An image with a root file system runs sshd, which comes up after the
 * agent.  Before `vm create`, `vm start` or an interactive `vm run`
 * answers, the guest waits until something listens on port 22, so that
 * `ssh NAME.vm` works as soon as they return; the bound is vm run's ssh
 * retry (30 attempts a second apart).  The guest looks at its own
 * sockets: bangerd needs no network access for this.
 */
static const char sshwait_sh[] =
    "i=0\n"
    "while [ \"$i\" -lt \"$1\" ]; do\n"
    "  grep -q ':0016 [0-9A-F]*:[0-9A-F]* 0A' /proc/net/tcp "
    "/proc/net/tcp6 2>/dev/null && exit 0\n"
    "  sleep 1\n"
    "  i=$((i + 1))\n"
    "done\n"
    "exit 1\n";

/*
 * A resumed guest still has the address and MAC it was saved with; if
 * its new tap has another, the guest takes the new ones (busybox and
 * iproute2 both have these).
 */
static const char netfix_sh[] =
    "ip link set dev eth0 down\n"
    "ip link set dev eth0 address \"$1\"\n"
    "ip addr flush dev eth0\n"
    "ip addr add \"$2\" dev eth0 || exit 1\n"
    "ip link set dev eth0 up || exit 1\n"
    "[ -z \"$3\" ] || ip route replace default via \"$3\" dev eth0\n";

/*
 * A VM resumed from another VM's state (vm fork, or a warm start whose
 * agent has no `own`: vm_seed()) still has that VM's name, machine id
 * and ssh host key: it takes its own (the CRNG was reseeded by
 * AG_RESUMED before this runs).  The new key's public half
 * is printed for bangerd's known_hosts (vm_personalized()).  Shell
 * builtins where they do: each process costs a restored guest a tenth
 * of a second or more under TCG, whose translations start empty.
 */
static const char identity_sh[] =
    "{ echo \"$1\" >/proc/sys/kernel/hostname; } 2>/dev/null || "
    "hostname \"$1\" 2>/dev/null\n"
    "echo \"$1\" >/etc/hostname\n"
    "printf '127.0.0.1\\tlocalhost\\n127.0.1.1\\t%s\\n::1\\tlocalhost\\n' "
    "\"$1\" >/etc/hosts\n"
    "if [ -s /etc/machine-id ]; then\n"
    "  IFS=- read -r a b c d e </proc/sys/kernel/random/uuid || exit 1\n"
    "  echo \"$a$b$c$d$e\" >/etc/machine-id || exit 1\n"
    "fi\n"
    "if [ -f /etc/ssh/ssh_host_ed25519_key ]; then\n"
    "  rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub\n"
    "  ssh-keygen -q -t ed25519 -N '' -C banger-vm "
    "-f /etc/ssh/ssh_host_ed25519_key </dev/null >/dev/null 2>&1 || exit 1\n"
    /* sshd re-executes itself on SIGHUP and reads its keys anew. */
    "  p=\n"
    "  { read -r p </run/sshd.pid; } 2>/dev/null\n"
    "  [ -n \"$p\" ] && kill -HUP \"$p\" 2>/dev/null\n"
    "  read -r k </etc/ssh/ssh_host_ed25519_key.pub || exit 1\n"
    "  printf '%s\\n' \"$k\"\n"
    "fi\n"
    "exit 0\n";

/*
 * A warm start's own files (warm.c) where the image's agent has no
 * `seed` (vm_seed()): the seed disk, found by its serial, its cached
 * pages dropped (the template's guest read that device when it was
 * empty), mounted read-only, copied into /root (builtins where they do,
 * as in identity_sh).
 */
static const char seed_sh[] =
    "set -e\n"
    "d=\n"
    "for b in /sys/block/vd*; do\n"
    "  s=\n"
    "  { read -r s <\"$b/serial\"; } 2>/dev/null || :\n"
    "  [ \"$s\" = banger-seed ] && d=/dev/${b##*/}\n"
    "done\n"
    "[ -n \"$d\" ] || { echo 'banger: no seed disk' >&2; exit 1; }\n"
    "blockdev --flushbufs \"$d\" 2>/dev/null || "
    "echo 3 >/proc/sys/vm/drop_caches\n"
    "m=/run/banger-seed\n"
    "mkdir -p $m\n"
    "mount -t ext4 -o ro,noload \"$d\" $m\n"
    "cp -a $m/root/. /root/\n"
    "umount $m\n"
    "rmdir $m\n"
    "sync\n";

/*
 * A template's guest settles before it is saved: where systemd runs,
 * until its start-up has finished and udev has handled the devices
 * (else every warm start finishes that boot, seconds under TCG); where
 * the image runs sshd, until it listens (as vm create waits for it);
 * then a sync, so that the copies of its disk hold what its caches
 * describe.  Each wait is bounded by $1 seconds.
 */
static const char settle_sh[] =
    "if [ -d /run/systemd/system ]; then\n"
    "  timeout \"$1\" systemctl is-system-running --wait "
    ">/dev/null 2>&1\n"
    "  udevadm settle --timeout=\"$1\" >/dev/null 2>&1\n"
    "fi\n"
    "i=0\n"
    "if [ -d /etc/ssh ]; then\n"
    "  while [ \"$i\" -lt \"$1\" ]; do\n"
    "    grep -q ':0016 [0-9A-F]*:[0-9A-F]* 0A' /proc/net/tcp "
    "/proc/net/tcp6 2>/dev/null && break\n"
    "    sleep 1\n"
    "    i=$((i + 1))\n"
    "  done\n"
    "fi\n"
    "sync\n";

static void
vm_boot_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct vm	*vm = arg;
	struct client	*c = vm->runner;

	(void)fd;
	(void)what;
	/* A template that does not come up: given up, its VMM ended. */
	if (vm->tmpl) {
		tmpl_save_failed(vm, "it did not boot and settle in time");
		return;
	}
	/* A warm start that hangs: its VMM goes, and it boots cold. */
	if (vm->warm && vm->resuming) {
		log_warnx("vm %s: no answer %d s after the warm start",
		    vm->name, WARM_TIMEOUT_SEC);
		(void)launch_kill(vm->d, vm, SIGKILL);
		return;
	}
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

/*
 * Boot a stopped VM: a tap from banger-priv, the channels, the VMM through
 * the launcher (the driver's launch op).  The "start" journal entry
 * covers the steps that hold a lease.
 */
int
vm_boot(struct vm *vm, char *err, size_t errlen)
{
	struct bangerd		*d = vm->d;
	struct priv_tap		*tap = NULL;
	int			 agent[2] = { -1, -1 }, qmp[2] = { -1, -1 };
	int			 tapfd = -1, logfd = -1, rootfd = -1;
	int			 confd = -1, infd = -1;
	struct vmm_fds		 vf;
	int			 rc = -1;
	char			 path[PATH_MAX + 16], perr[256];
	char			**argv = NULL;
	size_t			 argc = 0;
	int64_t			 jid;

	/* The image may have been rebuilt or removed since creation. */
	if (image_lookup(d, vm->img.name, "", &vm->img, err, errlen) == -1)
		return -1;
	/* A warm start cut short: the disk built for the VM is its own. */
	if (!vm->warm && seed_pending(vm))
		warm_undo(vm);
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
	/* Not adoptable after a crash until it is wholly up again. */
	vm_ready_clear(vm);
	if (vm_bridge(d, err, errlen) == -1)
		goto out;
	net_ensure(d);
	/* Firecracker opens the tap by name: it must outlive our fd. */
	if (priv_tap_create(d->priv_fd, vm->id, d->vmm->tap_by_name,
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
	if (vm_egress_tap(vm, perr, sizeof(perr)) == -1) {
		snprintf(err, errlen, "egress firewall: %s", perr);
		goto out;
	}
	vm->state = VM_STARTING;
	vm_save(vm);
	if (rootdisk_open(vm, &rootfd, err, errlen) == -1)
		goto out;
	if (snap_resume_fd(vm, &infd, err, errlen) == -1)
		goto out;
	if (strcmp(d->vmm->name, "qemu") == 0 &&
	    seed_prepare(vm, err, errlen) == -1)
		goto out;

	/* A VMM with listening channels is attached once it started. */
	if (d->vmm->attach == NULL && (socketpair(AF_UNIX, SOCK_STREAM |
	    SOCK_CLOEXEC, 0, agent) == -1 || socketpair(AF_UNIX, SOCK_STREAM |
	    SOCK_CLOEXEC, 0, qmp) == -1)) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		goto out;
	}
	if (console_open(vm, d->vmm->attach == NULL ? &confd : NULL) == -1) {
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
	vf.log = logfd;
	vf.agent[0] = agent[0];
	vf.agent[1] = agent[1];
	vf.qmp[0] = qmp[0];
	vf.qmp[1] = qmp[1];
	vf.tap = tapfd;
	vf.console = confd;
	vf.root = rootfd;
	vf.incoming = infd;
	rc = d->vmm->launch(d, vm, &vf, argv, argc, err, errlen);
	/* What the driver took is no longer ours to close. */
	agent[0] = vf.agent[0];
	agent[1] = vf.agent[1];
	qmp[0] = vf.qmp[0];
	qmp[1] = vf.qmp[1];
	tapfd = vf.tap;
	if (rc == -1)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &vm->t_spawn);
	if (vm->boot_timer == NULL)
		vm->boot_timer = evtimer_new(d->base, vm_boot_timeout, vm);
	/* Its disk still being written: vm_gate_done() sets the timer. */
	if (vm->boot_timer != NULL && !(vm->disk_gate && vm->job_alive)) {
		struct timeval	 tv = { vm->warm ? WARM_TIMEOUT_SEC :
				    BOOT_TIMEOUT_SEC, 0 };

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
	if (infd != -1)
		close(infd);
	if (logfd != -1)
		close(logfd);
	if (confd != -1)
		close(confd);
	if (rc == -1) {
		console_close(vm);
		vm_release_tap(vm);
		rootdisk_release(vm);
		vm->state = snap_exists(vm) ? VM_SUSPENDED : VM_STOPPED;
		vm_save(vm);
	}
	db_journal_end(d, jid);
	return rc;
}

void
vm_start_cmd(struct client *c, struct vm *vm)
{
	char	 err[1024];

	if (vm->state == VM_RUNNING || vm->state == VM_STARTING) {
		client_error(c, BERR_INVALID, "VM %s is already %s", vm->name,
		    vm_state_name(vm->state));
		return;
	}
	if (vm->state == VM_SUSPENDED) {
		vm_resume_cmd(c, vm);
		return;
	}
	if (vm->state != VM_STOPPED) {
		client_error(c, BERR_BUSY, "VM %s is %s; try again when it "
		    "has stopped", vm->name, vm_state_name(vm->state));
		return;
	}
	if (vm->job_alive) {
		client_error(c, BERR_BUSY, "VM %s's work disk is still being "
		    "made; try again when it is done", vm->name);
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
	vm_creds_arm(vm);
	if (vm_boot(vm, err, sizeof(err)) == -1) {
		vm->runner = NULL;
		c->vm = NULL;
		client_error(c, BERR_INTERNAL, "cannot start VM %s: %s",
		    vm->name, err);
	}
}

/* The VMM started but cannot go on: the exit report cleans up. */
static void
vm_boot_failed(struct vm *vm, const char *err)
{
	log_warnx("vm %s: %s", vm->name, err);
	if (vm->runner != NULL) {
		struct client	*c = vm->runner;

		vm->runner = NULL;
		c->vm = NULL;
		client_error(c, BERR_BOOT, "VM %s: %s", vm->name, err);
	}
	(void)launch_kill(vm->d, vm, SIGKILL);
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
	/* QEMU: connect to the channels it listens on (a stop needs QMP). */
	if (d->vmm->attach != NULL && d->vmm->attach(vm, err,
	    sizeof(err)) == -1) {
		vm_boot_failed(vm, err);
		return;
	}
	if (d->vmm->boot == NULL || vm->state != VM_STARTING)
		return;
	/* Firecracker: configure it over its API, then find the agent. */
	if (d->vmm->boot(vm, err, sizeof(err)) == -1) {
		vm_boot_failed(vm, err);
		return;
	}
	/* Firecracker's resume ran inside its boot op (firecracker.c). */
	if (vm->resuming == 1)
		vm_resume_loaded(vm, 1, "");
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
	char		 err[256];
	int		 s;

	(void)fd;
	(void)what;
	if (vm->state != VM_STARTING || vm->agent != NULL)
		return;
	if ((s = fc_vsock_connect(vm, FC_AGENT_PORT, err, sizeof(err))) ==
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
vm_agent_ready(struct vm *vm, const struct ag_ready *r)
{
	struct timespec	 now;
	struct client	*c = vm->runner;
	double		 secs;

	int		 resumed = vm->resuming == 2;

	/* An adopted VM's agent, connected again: nothing to do. */
	if (vm->state == VM_RUNNING) {
		vm->reattached = 0;
		log_info("vm %s: agent %s announced itself again", vm->name,
		    r->version);
		return;
	}
	if (vm_resume_ready(vm))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = (now.tv_sec - vm->t_spawn.tv_sec) +
	    (now.tv_nsec - vm->t_spawn.tv_nsec) / 1e9;
	if (vm->boot_timer != NULL)
		evtimer_del(vm->boot_timer);
	vm->state = VM_RUNNING;
	vm_save(vm);
	log_info("vm %s %s after %.2f s (agent %s, kernel %s)", vm->name,
	    resumed ? "resumed" : "ready", secs, r->version, r->kernel);
	ssh_refresh(vm->d);
	if (c == NULL) {
		/*
		 * Its own address, identity and files, whoever waits for
		 * it; a template's settling and save.
		 */
		if (vm->net_was[0] != '\0' || vm->born_as[0] != '\0' ||
		    vm->warm || vm->tmpl || vm->creds_step != CREDS_NONE)
			vm_prepare(vm);
		else
			vm_ready_mark(vm);
		return;
	}
	client_progress(c, "VM %s %s at %s (%.1f s)", vm->name, resumed ?
	    "resumed" : "is ready", vm->address, secs);
	vm_prepare(vm);
}

/*
 * Before the command or login: at a start, the listed credentials
 * (vm-cred.c; a failure is a warning); in a workspace, --branch's
 * checkout (its failure fails the run), then the tool bootstrap (whose
 * failure does not).  Each is an agent session; vm_agent_exit() comes
 * back here.
 */
void
vm_prepare(struct vm *vm)
{
	if (vm->net_was[0] != '\0') {
		vm_netfix(vm);
		return;
	}
	/*
	 * A warm start's files (and with `own`, its name, machine id and
	 * host key) first: if that fails it boots cold from the disk built
	 * for it, whose host key is the one already pinned.
	 */
	if (vm->warm && vm->seeding == 0) {
		vm_seed(vm);
		return;
	}
	if (vm->born_as[0] != '\0') {
		vm_identity(vm);
		return;
	}
	if (vm->tmpl) {
		if (!vm->settled)
			vm_settle(vm);
		else
			tmpl_save(vm);
		return;
	}
	/* Before anything of the user's runs in it. */
	if (vm->creds_step != CREDS_NONE) {
		vm_creds(vm);
		return;
	}
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
	    vm->img.rootfs[0] != '\0' && !vm->img.agent_init &&
	    !vm->ssh_waited) {
		vm_ssh_wait(vm);
		return;
	}
	vm_ready_go(vm);
}

static void
vm_ready_go(struct vm *vm)
{
	struct client	*c = vm->runner;

	vm_ready_mark(vm);
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

static void
vm_prep_session(struct vm *vm, char **argv, size_t argc)
{
	if (prep_send(vm, argv, argc, vm->run_cwd) == -1)
		vm_prepare(vm);
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

static void
vm_netfix(struct vm *vm)
{
	char	 cidr[24];
	char	*argv[] = { "sh", "-c", (char *)netfix_sh, "banger-netfix",
		    vm->mac, cidr, vm->gateway, NULL };

	snprintf(cidr, sizeof(cidr), "%s/%d", vm->address, vm->prefix);
	log_info("vm %s: address %s on resume (was %s)", vm->name,
	    vm->address, vm->net_was);
	vm->net_was[0] = '\0';
	if (prep_send(vm, argv, 7, "") == -1)
		vm_prepare(vm);
}

static void
vm_identity(struct vm *vm)
{
	char	 was[sizeof(vm->born_as)];
	char	*argv[] = { "sh", "-c", (char *)identity_sh, "banger-identity",
		    vm->name, was, NULL };

	snprintf(was, sizeof(was), "%s", vm->born_as);
	vm->born_as[0] = '\0';
	vm->ncaptured = 0;
	vm->capture_bad = 0;
	if (prep_send(vm, argv, 6, "") == -1) {
		vm_personalized(vm, -1);
		vm_prepare(vm);
		return;
	}
	vm->capture = vm->session;
}

/* A preparation session whose failure to start is the caller's. */
int
prep_send(struct vm *vm, char **argv, size_t argc, char *cwd)
{
	struct ag_exec	 ex;

	memset(&ex, 0, sizeof(ex));
	ex.argv.v = argv;
	ex.argv.n = argc;
	ex.env.v = (char *[]){ NULL };
	ex.cwd = cwd;
	vm->session = ++vm->d->next_session;
	vm->bootstrapping = vm->session;
	if (agent_send(vm, AG_EXEC, vm->session, &ex) == -1) {
		vm->session = vm->bootstrapping = 0;
		return -1;
	}
	return 0;
}

/*
 * A warm start's own name, machine id, ssh host key (the one
 * banger-fetch made on the seed disk, pinned already) and files: the
 * agent's `own` (agent/own.c), one process.  An agent older than it
 * answers 2 (vm_agent_exit()): then the agent's `seed`, or older still
 * seed_sh, and after it the identity step (identity_sh, a key made in
 * the guest).  What the step says on stderr is kept for the log.
 */
static void
vm_seed(struct vm *vm)
{
	char	*own[] = { "banger-agent", "own", vm->name, NULL };
	char	*agent[] = { "banger-agent", "seed", NULL };
	char	*sh[] = { "sh", "-c", (char *)seed_sh, "banger-seed", NULL };
	int	 r;

	if (vm->seed_how == SEED_OWN)
		client_progress(vm->runner, "VM %s takes its own name, keys "
		    "and files", vm->name);
	vm->ncaptured = 0;
	switch (vm->seed_how) {
	case SEED_OWN:
		r = prep_send(vm, own, 3, "");
		break;
	case SEED_AGENT:
		r = prep_send(vm, agent, 2, "");
		break;
	default:
		r = prep_send(vm, sh, 4, "");
		break;
	}
	if (r == -1) {
		warm_seeded(vm, -1);
		return;
	}
	vm->seeding = vm->session;
}

static void
vm_settle(struct vm *vm)
{
	char	 secs[16];
	char	*argv[] = { "sh", "-c", (char *)settle_sh, "banger-settle",
		    secs, NULL };

	snprintf(secs, sizeof(secs), "%d", SSH_WAIT_SEC);
	vm->settled = 1;
	if (prep_send(vm, argv, 5, "") == -1) {
		tmpl_save_failed(vm, "its agent could not be asked to settle");
		return;
	}
	/*
	 * The boot timer bounds the settling too (vm_boot_timeout): past
	 * settle_sh's three waits of SSH_WAIT_SEC each.
	 */
	if (vm->boot_timer != NULL) {
		struct timeval	 tv = { 3 * SSH_WAIT_SEC + 30, 0 };

		evtimer_add(vm->boot_timer, &tv);
	}
}
