/*
 * vm resume (and vm start of a suspended VM): the saved state checked,
 * then a VMM started to load it instead of booting (the driver's resume
 * op: qemu-snap.c, firecracker.c), and the guest, once it runs again,
 * told so (AG_RESUMED: the clock and fresh entropy), before the client
 * is answered.  If the state cannot be loaded the VM stays suspended
 * and the client is told why and what to do.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/random.h>

#include "bangerd.h"
#include "fdutil.h"
#include "hostkey-line.h"
#include "log.h"
#include "snap.h"
#include "vm-phase.h"

/* A file of ours, 0600, regular, not through a link; open, its size. */
int
snap_open_own(const char *path, uint64_t *size)
{
	struct stat	 st;
	int		 fd;

	if ((fd = open_regular(path)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || st.st_uid != getuid() ||
	    (st.st_mode & 077) != 0) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	*size = (uint64_t)st.st_size;
	return fd;
}

static int
fid_eq(const struct snap_fid *a, const struct snap_fid *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime_ns == b->mtime_ns;
}

static int	snap_check_files(struct vm *, struct snap *, char *, size_t);

/* Read and check the record and open the state; -1 with err. */
static int
snap_check(struct vm *vm, struct snap *s, char *err, size_t errlen)
{
	struct snap_info cur;
	char		 p[PATH_MAX + 32], text[SNAP_INFO_MAX + 1];
	const char	*what = NULL;
	uint64_t	 size;
	ssize_t		 n;
	int		 fd;

	if (snap_path(vm, SNAP_DIR, SNAP_INFO, p, sizeof(p)) == -1 ||
	    (fd = snap_open_own(p, &size)) == -1) {
		snprintf(err, errlen, "its saved state's record %s/%s/%s "
		    "cannot be read (%s)", vm->dir, SNAP_DIR, SNAP_INFO,
		    strerror(errno));
		return -1;
	}
	n = size <= SNAP_INFO_MAX ? read_all(fd, text, sizeof(text)) : -1;
	close(fd);
	if (n < 0 || snap_info_parse(text, (size_t)n, &s->si) == -1) {
		snprintf(err, errlen, "its saved state's record %s/%s/%s is "
		    "damaged", vm->dir, SNAP_DIR, SNAP_INFO);
		return -1;
	}
	snap_identity(vm, &cur);
	if (strcmp(cur.vmm, s->si.vmm) != 0)
		what = "it was saved by another VMM";
	else if (strcmp(cur.accel, s->si.accel) != 0)
		what = "it was saved under another accelerator";
	else if (cur.vcpus != s->si.vcpus || cur.memory_mib !=
	    s->si.memory_mib)
		what = "it was saved with another CPU count or memory size";
	else if (cur.tsc_khz != s->si.tsc_khz)
		what = "it was saved on a host with another TSC rate";
	else if (strcmp(cur.version, s->si.version) != 0)
		what = "it was saved by another version of banger";
	else if (!fid_eq(&cur.kernel, &s->si.kernel) ||
	    !fid_eq(&cur.initrd, &s->si.initrd) ||
	    !fid_eq(&cur.rootfs, &s->si.rootfs))
		what = "its image has been rebuilt or replaced since";
	if (what != NULL) {
		snprintf(err, errlen, "its saved state cannot be loaded: %s",
		    what);
		return -1;
	}
	if (s->si.mem_size != 0 && strcmp(s->si.vmm, "qemu") == 0) {
		snprintf(err, errlen, "its saved state's record is damaged");
		return -1;
	}
	if (snap_path(vm, SNAP_DIR, SNAP_STATE, p, sizeof(p)) == -1 ||
	    (s->file = snap_open_own(p, &size)) == -1) {
		snprintf(err, errlen, "its saved state %s/%s/%s cannot be "
		    "read (%s)", vm->dir, SNAP_DIR, SNAP_STATE,
		    strerror(errno));
		return -1;
	}
	if (size != s->si.state_size) {
		snprintf(err, errlen, "its saved state %s/%s/%s is %llu bytes, "
		    "not the %llu recorded (truncated or changed)", vm->dir,
		    SNAP_DIR, SNAP_STATE, (unsigned long long)size,
		    (unsigned long long)s->si.state_size);
		return -1;
	}
	/* QEMU's stream is checked as it goes by (qemu-snap.c). */
	if (strcmp(s->si.vmm, "qemu") == 0)
		return 0;
	return snap_check_files(vm, s, err, errlen);
}

/*
 * A VMM that reads the files itself (Firecracker): every byte of both
 * is checked against the record before it is told to load them.
 */
static int
snap_check_files(struct vm *vm, struct snap *s, char *err, size_t errlen)
{
	static const char *const names[] = { SNAP_STATE, SNAP_MEM };
	const uint64_t	 sizes[] = { s->si.state_size, s->si.mem_size };
	const uint8_t	*want[] = { s->si.state_sha, s->si.mem_sha };
	char		 p[PATH_MAX + 32];
	uint8_t		 sha[32];
	uint64_t	 size;
	size_t		 i;

	for (i = 0; i < 2; i++) {
		if (i == 1 && sizes[i] == 0)
			break;
		if (snap_path(vm, SNAP_DIR, names[i], p, sizeof(p)) == -1 ||
		    snap_hash_file(p, 1, &size, sha) == -1) {
			snprintf(err, errlen, "its saved state %s cannot be "
			    "read (%s)", p, strerror(errno));
			return -1;
		}
		if (size != sizes[i]) {
			snprintf(err, errlen, "its saved state %s is not the "
			    "size recorded (truncated or changed)", p);
			return -1;
		}
		if (memcmp(sha, want[i], sizeof(sha)) != 0) {
			snprintf(err, errlen, "its saved state %s is corrupt "
			    "(its SHA-256 is not the one recorded when it was "
			    "saved)", p);
			return -1;
		}
	}
	return 0;
}

/*
 * The read end of the stream QEMU loads from (vm_boot() hands it over
 * as vmm_fds.incoming); the write end stays in vm->snap.
 */
int
snap_resume_fd(struct vm *vm, int *fd, char *err, size_t errlen)
{
	int	 p[2];

	*fd = -1;
	if (!vm->resuming || vm->snap == NULL ||
	    strcmp(vm->d->vmm->name, "qemu") != 0)
		return 0;
	if (pipe2(p, O_CLOEXEC) == -1 || fd_nonblock(p[1], 1) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	vm->snap->pipe = p[1];
	*fd = p[0];
	return 0;
}

void
vm_resume_cmd(struct client *c, struct vm *vm)
{
	char		 err[768];

	if (vm->state == VM_RUNNING || vm->state == VM_STARTING) {
		client_error(c, BERR_INVALID, "VM %s is already %s", vm->name,
		    vm_state_name(vm->state));
		return;
	}
	if (vm->state == VM_STOPPED) {
		client_error(c, BERR_INVALID, "VM %s is stopped, not "
		    "suspended; `banger vm start %s` boots it", vm->name,
		    vm->name);
		return;
	}
	if (vm->state != VM_SUSPENDED) {
		client_error(c, BERR_BUSY, "VM %s is %s; try again when it "
		    "is suspended", vm->name, vm_state_name(vm->state));
		return;
	}
	if (vm->runner != NULL || vm->snap != NULL) {
		client_error(c, BERR_BUSY, "VM %s is being resumed already",
		    vm->name);
		return;
	}
	if (vm->d->vmm->resume == NULL) {
		client_error(c, BERR_INVALID, "the %s driver cannot resume "
		    "VMs; `banger vm stop %s` discards the saved state",
		    vm->d->vmm->name, vm->name);
		return;
	}
	if (image_lookup(vm->d, vm->img.name, "", &vm->img, err,
	    sizeof(err)) == -1) {
		client_error(c, BERR_INVALID, "cannot resume VM %s: %s",
		    vm->name, err);
		return;
	}
	if (vm_set_runner(vm, c, NULL, 0, 0, 0) == -1) {
		client_error(c, BERR_INTERNAL, "out of memory");
		return;
	}
	if (vm_resume_begin(vm, err, sizeof(err)) == -1) {
		vm->runner = NULL;
		c->vm = NULL;
		client_error(c, BERR_INVALID, "cannot resume VM %s: %s. It is "
		    "left suspended; `banger vm stop %s` discards the saved "
		    "state (the next start then boots from its disks)",
		    vm->name, err, vm->name);
	}
}

/*
 * Check the saved state and start the VMM that loads it; vm->runner, if
 * any, is told how it goes.  -1 with err: nothing started, still
 * suspended.
 */
int
vm_resume_begin(struct vm *vm, char *err, size_t errlen)
{
	struct snap	*s;

	if ((s = snap_new(vm)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (snap_check(vm, s, err, errlen) == -1) {
		snap_free(vm);
		return -1;
	}
	vm->resuming = 1;
	vm->resumed_sent = 0;
	vm->net_was[0] = '\0';
	snap_arm(vm);
	if (!vm->warm)
		client_progress(vm->runner, "resuming VM %s from its saved "
		    "state (%.1f MiB)", vm->name, (double)(s->si.state_size +
		    s->si.mem_size) / (1024 * 1024));
	if (vm_boot(vm, err, errlen) == -1) {
		vm->resuming = 0;
		snap_free(vm);
		return -1;
	}
	return 0;
}

/* QEMU's monitor answers: the driver starts loading. */
void
vm_resume_qmp_ready(struct vm *vm)
{
	char	 err[512];
	int	 rc;

	if (vm->resuming != 1 || vm->snap == NULL ||
	    vm->d->vmm->resume == NULL)
		return;
	err[0] = '\0';
	if ((rc = vm->d->vmm->resume(vm, err, sizeof(err))) == 0)
		vm_resume_loaded(vm, 1, "");
	else if (rc == -1)
		vm_resume_loaded(vm, 0, err);
}

static void
send_resumed(struct vm *vm)
{
	struct ag_resumed	 r;
	struct timespec		 ts;
	uint8_t			 seed[AG_SEED_LEN];

	clock_gettime(CLOCK_REALTIME, &ts);
	if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed)) {
		log_warn("getrandom");
		memset(seed, 0, sizeof(seed));
	}
	memset(&r, 0, sizeof(r));
	r.sec = (uint64_t)ts.tv_sec;
	r.nsec = (uint64_t)ts.tv_nsec;
	r.seed.p = seed;
	r.seed.len = sizeof(seed);
	if (agent_send(vm, AG_RESUMED, 0, &r) == 0)
		vm->resumed_sent = 1;
	explicit_bzero(seed, sizeof(seed));
}

/*
 * The driver has loaded the state (ok) and the guest runs, or could not
 * (the VMM is ended; vm_vmm_exited() leaves the VM suspended and tells
 * the client this error).
 */
void
vm_resume_loaded(struct vm *vm, int ok, const char *why)
{
	struct snap	*s = vm->snap;

	if (s == NULL)
		return;
	if (!ok) {
		/* The first reason counts; what follows is its echo. */
		if (s->err[0] == '\0')
			snprintf(s->err, sizeof(s->err), "%s", why);
		log_warnx("vm %s: resume failed: %s", vm->name, why);
		if (s->ev != NULL)
			event_del(s->ev);
		if (s->timer != NULL)
			evtimer_del(s->timer);
		(void)launch_kill(vm->d, vm, SIGKILL);
		return;
	}
	log_info("vm %s: saved state loaded in %.2f s", vm->name,
	    snap_secs(s));
	/* QEMU has mapped the template's RAM: later boots are plain. */
	vm->shared_ram = 0;
	/* The drivers discarded it before the guest ran: gone already. */
	(void)snap_discard(vm);
	if (strcmp(s->si.address, vm->address) != 0)
		snprintf(vm->net_was, sizeof(vm->net_was), "%s",
		    s->si.address);
	/*
	 * Another VM's state (vm fork, a template): this one takes its own
	 * identity (a warm start's `own` step takes it with its files).
	 */
	if (strcmp(s->si.name, vm->name) != 0)
		snprintf(vm->born_as, sizeof(vm->born_as), "%s", s->si.name);
	vm->resuming = 2;
	snap_free(vm);
	if (vm->agent != NULL)
		send_resumed(vm);
}

/*
 * An AG_READY while resuming: the first from an agent that had not yet
 * been told (Firecracker's vsock reconnects) gets AG_RESUMED; the one
 * answering it completes the resume.  1 if the frame was used here.
 */
int
vm_resume_ready(struct vm *vm)
{
	if (vm->resuming != 2)
		return 0;
	if (!vm->resumed_sent) {
		send_resumed(vm);
		return 1;
	}
	vm->resuming = 0;
	return 0;
}

/* Why a resume's VMM ended, for the client; NULL if not resuming. */
const char *
vm_resume_failed(struct vm *vm)
{
	static char	 err[600];

	if (vm->resuming == 2) {
		/* Loaded and continued, then no AG_READY. */
		vm->resuming = 0;
		return "the restored guest did not answer";
	}
	if (vm->resuming != 1)
		return NULL;
	vm->resuming = 0;
	snprintf(err, sizeof(err), "%s", vm->snap != NULL &&
	    vm->snap->err[0] != '\0' ? vm->snap->err : "the VMM exited while "
	    "loading the saved state");
	snap_free(vm);
	return err;
}

/*
 * The identity step of a forked VM (or of a warm start whose agent has
 * no `own`) ended (vm-boot.c): if the guest made a new ssh host key, its
 * public half (the session's output, from the guest, so checked) becomes
 * the VM's known host key.
 */
void
vm_personalized(struct vm *vm, int64_t status)
{
	char	 p[PATH_MAX + 32], tmp[PATH_MAX + 32];
	int	 fd;

	if (status != 0) {
		log_warnx("vm %s: taking its own identity failed (status "
		    "%lld); see its console.log", vm->name, (long long)status);
		client_progress(vm->runner, "warning: VM %s could not take its "
		    "own hostname, machine id or ssh host key (see `banger vm "
		    "logs %s`)", vm->name, vm->name);
		return;
	}
	if (vm->ncaptured == 0 && !vm->capture_bad)
		return;		/* no sshd in this image */
	if (vm->capture_bad || vm->ncaptured > sizeof(vm->captured) ||
	    !hostkey_line_ok(vm->captured, vm->ncaptured)) {
		log_warnx("vm %s: the guest's new host key is malformed; "
		    "ignored", vm->name);
		return;
	}
	snprintf(p, sizeof(p), "%s/host_key.pub", vm->dir);
	snprintf(tmp, sizeof(tmp), "%s/host_key.pub.tmp", vm->dir);
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1 ||
	    write_all(fd, vm->captured, vm->ncaptured) !=
	    (ssize_t)vm->ncaptured || fsync(fd) == -1 || rename(tmp, p) == -1)
		log_warn("vm %s: write %s", vm->name, p);
	if (fd != -1)
		close(fd);
	vm->ncaptured = 0;
	ssh_refresh(vm->d);
}
