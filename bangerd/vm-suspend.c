/*
 * vm suspend: the guest paused, its memory and device state saved to
 * files in the VM's directory, the VMM ended and the RAM free; the VM is
 * then "suspended" until vm resume (or vm start) continues it where it
 * was (vm-resume.c), or vm stop discards the saved state.
 *
 * The driver saves into SNAP_NEW_DIR; once the files are whole they are
 * recorded (snap-info.h: sizes, SHA-256, what they were made with) and
 * the directory renamed to SNAP_DIR.  So SNAP_DIR exists exactly when a
 * complete saved state exists that no guest has run past: a crash at
 * any point leaves either a running VM that reconcile stops (and a stale
 * SNAP_NEW_DIR it removes) or a suspended one.  Files are 0600 and the
 * directories 0700, in the VM's own directory, which no guest can write.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bangerd.h"
#include "fdutil.h"
#include "log.h"
#include "snap.h"
#include "vm-phase.h"

struct snap *
snap_new(struct vm *vm)
{
	struct snap	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->pipe = s->file = -1;
	s->jid = -1;
	if ((s->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(s->md);
		free(s);
		return NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	vm->snap = s;
	return s;
}

void
snap_free(struct vm *vm)
{
	struct snap	*s = vm->snap;

	if (s == NULL)
		return;
	vm->snap = NULL;
	if (s->ev != NULL)
		event_free(s->ev);
	if (s->timer != NULL)
		event_free(s->timer);
	if (s->deadline != NULL)
		event_free(s->deadline);
	if (s->pipe != -1)
		close(s->pipe);
	if (s->file != -1)
		close(s->file);
	EVP_MD_CTX_free(s->md);
	free(s->buf);
	if (s->jid != -1)
		db_journal_end(vm->d, s->jid);
	free(s);
}

/*
 * A save or load that has not ended after SNAP_DEADLINE_SEC: a guest
 * whose sync hangs, a VMM that stalls.  A save is abandoned (the guest
 * runs on); a load fails (the VM stays suspended).
 */
static void
snap_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct vm	*vm = arg;
	struct client	*c = vm->stop_waiter;
	char		 err[128];

	(void)fd;
	(void)what;
	if (vm->snap == NULL)
		return;
	snprintf(err, sizeof(err), "it did not finish within %d s",
	    SNAP_DEADLINE_SEC);
	log_warnx("vm %s: save or load: %s", vm->name, err);
	if (vm->resuming == 1) {
		vm_resume_loaded(vm, 0, err);
		return;
	}
	if (!SNAP_SAVING(vm))
		return;
	if (vm->sync_session == 0) {
		qemu_save_fail(vm, err);
		return;
	}
	/* Still syncing: nothing paused yet; its exit is ignored later. */
	snap_rm_dir(vm, SNAP_NEW_DIR);
	vm->suspending = vm->forking = 0;
	snap_free(vm);
	if (c != NULL) {
		vm->stop_waiter = NULL;
		c->vm = NULL;
		client_error(c, BERR_INTERNAL, "VM %s's guest did not finish "
		    "writing its data out within %d s; nothing was saved and it "
		    "is still running", vm->name, SNAP_DEADLINE_SEC);
	}
}

void
snap_arm(struct vm *vm)
{
	struct timeval	 tv = { SNAP_DEADLINE_SEC, 0 };
	struct snap	*s = vm->snap;

	if ((s->deadline = evtimer_new(vm->d->base, snap_deadline, vm)) !=
	    NULL)
		evtimer_add(s->deadline, &tv);
}

double
snap_secs(const struct snap *s)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - s->t0.tv_sec) +
	    (now.tv_nsec - s->t0.tv_nsec) / 1e9;
}

/* VMDIR/DIR[/FILE]. */
int
snap_path(const struct vm *vm, const char *dir, const char *file,
    char *out, size_t len)
{
	int	 n;

	n = file == NULL ? snprintf(out, len, "%s/%s", vm->dir, dir) :
	    snprintf(out, len, "%s/%s/%s", vm->dir, dir, file);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static void
fid_of(const char *path, struct snap_fid *f)
{
	struct stat	 st;

	memset(f, 0, sizeof(*f));
	if (path[0] == '\0' || stat(path, &st) == -1)
		return;
	f->dev = (uint64_t)st.st_dev;
	f->ino = (uint64_t)st.st_ino;
	f->size = (uint64_t)st.st_size;
	f->mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000u +
	    (uint64_t)st.st_mtim.tv_nsec;
}

/* What a saved state must have been made with to be loaded into vm. */
void
snap_identity(const struct vm *vm, struct snap_info *si)
{
	memset(si, 0, sizeof(*si));
	snprintf(si->vmm, sizeof(si->vmm), "%s", vm->d->vmm->name);
	snprintf(si->accel, sizeof(si->accel), "%s", accel_name(vm->accel));
	si->vcpus = (uint64_t)vm->vcpus;
	si->memory_mib = (uint64_t)vm->memory_mib;
	si->tsc_khz = vm->d->tsc_khz;
	snprintf(si->version, sizeof(si->version), "%s", BANGER_VERSION);
	fid_of(vm->img.kernel, &si->kernel);
	fid_of(vm->img.initrd, &si->initrd);
	fid_of(vm->img.rootfs, &si->rootfs);
	snprintf(si->address, sizeof(si->address), "%s", vm->address);
	snprintf(si->name, sizeof(si->name), "%s", vm->name);
}

int
snap_exists(const struct vm *vm)
{
	char		 p[PATH_MAX + 32];
	struct stat	 st;

	if (snap_path(vm, SNAP_DIR, SNAP_INFO, p, sizeof(p)) == -1)
		return 0;
	return lstat(p, &st) == 0 && S_ISREG(st.st_mode);
}

void
snap_rm_dir(const struct vm *vm, const char *dir)
{
	char	 p[PATH_MAX + 32];

	if (snap_path(vm, dir, NULL, p, sizeof(p)) == 0)
		rm_tree(p);
}

/*
 * Forget the saved state.  SNAP_DIR is renamed away first, so that a
 * crash halfway leaves no partial SNAP_DIR behind to be taken as whole.
 * -1 if SNAP_DIR is still there: the caller must not let a guest run
 * past a state that could be loaded again.
 */
int
snap_discard(struct vm *vm)
{
	char	 from[PATH_MAX + 32], to[PATH_MAX + 32];

	snap_rm_dir(vm, SNAP_NEW_DIR);
	snap_rm_dir(vm, SNAP_DIR ".old");
	if (snap_path(vm, SNAP_DIR, NULL, from, sizeof(from)) == -1 ||
	    snap_path(vm, SNAP_DIR ".old", NULL, to, sizeof(to)) == -1)
		return -1;
	if (rename(from, to) == -1) {
		if (errno == ENOENT)
			return 0;
		log_warn("vm %s: rename %s", vm->name, from);
		return -1;
	}
	if (fsync_dir(vm->dir) == -1) {
		log_warn("vm %s: fsync %s", vm->name, vm->dir);
		return -1;
	}
	snap_rm_dir(vm, SNAP_DIR ".old");
	return 0;
}

/* After a crash: a save that never finished, a discard half done. */
void
snap_tidy(struct vm *vm)
{
	snap_rm_dir(vm, SNAP_NEW_DIR);
	snap_rm_dir(vm, SNAP_DIR ".old");
}

/*
 * SHA-256 and size of a file the VMM wrote or will read itself
 * (Firecracker).  own: it must be ours and 0600 already (before a load);
 * else it is made 0600 (just written, with the VMM's umask).
 */
int
snap_hash_file(const char *path, int own, uint64_t *size, uint8_t *sha)
{
	struct stat	 st;
	EVP_MD_CTX	*md;
	uint8_t		*buf;
	ssize_t		 n;
	unsigned	 len;
	int		 fd, rc = -1;

	*size = 0;
	if ((fd = open_regular(path)) == -1)
		return -1;
	if (!own && fchmod(fd, 0600) == -1) {
		close(fd);
		return -1;
	}
	if (fstat(fd, &st) == -1 || st.st_uid != getuid() ||
	    (st.st_mode & 077) != 0) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	md = EVP_MD_CTX_new();
	buf = malloc(SNAP_CHUNK);
	if (md == NULL || buf == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto out;
	while ((n = read(fd, buf, SNAP_CHUNK)) > 0) {
		*size += (uint64_t)n;
		if (*size > SNAP_SIZE_MAX) {
			errno = EFBIG;
			goto out;
		}
		if (EVP_DigestUpdate(md, buf, (size_t)n) != 1)
			goto out;
	}
	if (n == 0 && EVP_DigestFinal_ex(md, sha, &len) == 1)
		rc = 0;
out:
	EVP_MD_CTX_free(md);
	free(buf);
	close(fd);
	return rc;
}

static int
write_info(struct vm *vm, struct snap_info *si, char *err, size_t errlen)
{
	char	 p[PATH_MAX + 32], text[SNAP_INFO_MAX];
	int	 fd, n;

	if ((n = snap_info_format(si, text, sizeof(text))) == -1 ||
	    snap_path(vm, SNAP_NEW_DIR, SNAP_INFO, p, sizeof(p)) == -1) {
		snprintf(err, errlen, "the saved state's record is too long");
		return -1;
	}
	if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1 || write_all(fd, text, (size_t)n) == -1 ||
	    fsync(fd) == -1) {
		snprintf(err, errlen, "write %s: %s", p, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* A save is done: for vm suspend or for vm fork. */
void
snap_saved(struct vm *vm, int ok, const char *why)
{
	if (vm->forking)
		vm_fork_saved(vm, ok, why);
	else
		vm_suspend_saved(vm, ok, why);
}

/*
 * The driver is done saving.  On success: hash what was not hashed on
 * the way, record, move into place, end the VMM (vm_vmm_exited() then
 * marks the VM suspended and answers the client).  On failure the driver
 * has let the guest run on; the partial files go.
 */
void
vm_suspend_saved(struct vm *vm, int ok, const char *why)
{
	struct snap	*s = vm->snap;
	struct client	*c = vm->stop_waiter;
	struct snap_info si;
	char		 err[768], p[PATH_MAX + 32], to[PATH_MAX + 32];
	unsigned	 len;

	err[0] = '\0';
	if (!ok) {
		snprintf(err, sizeof(err), "%s", why);
		goto fail;
	}
	snap_identity(vm, &si);
	if (s->file != -1 && fsync(s->file) == -1) {
		snprintf(err, sizeof(err), "saving the state: %s",
		    strerror(errno));
		goto saved_fail;
	}
	if (s->streamed) {
		si.state_size = s->bytes;
		if (EVP_DigestFinal_ex(s->md, si.state_sha, &len) != 1)
			goto hashfail;
	} else {
		if (snap_path(vm, SNAP_NEW_DIR, SNAP_STATE, p, sizeof(p)) ==
		    -1 || snap_hash_file(p, 0, &si.state_size, si.state_sha) ==
		    -1)
			goto hashfail;
		/* A VMM that saves files itself keeps memory apart. */
		if (snap_path(vm, SNAP_NEW_DIR, SNAP_MEM, p, sizeof(p)) ==
		    -1 || snap_hash_file(p, 0, &si.mem_size, si.mem_sha) ==
		    -1 || si.mem_size == 0)
			goto hashfail;
	}
	if (si.state_size == 0) {
		snprintf(err, sizeof(err), "%s saved nothing",
		    vm->d->vmm->name);
		goto saved_fail;
	}
	if (write_info(vm, &si, err, sizeof(err)) == -1)
		goto saved_fail;
	if (snap_path(vm, SNAP_NEW_DIR, NULL, p, sizeof(p)) == -1 ||
	    snap_path(vm, SNAP_DIR, NULL, to, sizeof(to)) == -1 ||
	    fsync_dir(p) == -1 || rename(p, to) == -1 ||
	    fsync_dir(vm->dir) == -1) {
		snprintf(err, sizeof(err), "could not move the saved state "
		    "into place: %s", strerror(errno));
		snap_rm_dir(vm, SNAP_DIR);
		goto saved_fail;
	}
	log_info("vm %s: state saved (%llu bytes, %.2f s)", vm->name,
	    (unsigned long long)(si.state_size + si.mem_size),
	    snap_secs(s));
	if (c != NULL)
		client_progress(c, "saved %.1f MiB of memory and device state "
		    "in %.1f s", (double)(si.state_size + si.mem_size) /
		    (1024 * 1024), snap_secs(s));
	/* The guest stays paused: nothing runs past the saved state. */
	if (qmp_quit(vm) == -1)
		(void)launch_kill(vm->d, vm, SIGKILL);
	return;
hashfail:
	snprintf(err, sizeof(err), "could not read back the saved state");
saved_fail:
	/* Saved but not kept: the paused guest must run on. */
	len = strlen(err);
	snprintf(err + len, sizeof(err) - len, "; %s",
	    vm->d->vmm->unpause != NULL && vm->d->vmm->unpause(vm) == 0 ?
	    "it is still running" : "the guest could not be continued and "
	    "stays paused (`banger vm stop` ends it)");
fail:
	log_warnx("vm %s: suspend failed: %s", vm->name, err);
	snap_rm_dir(vm, SNAP_NEW_DIR);
	vm->suspending = 0;
	snap_free(vm);
	if (vm->tmpl) {
		tmpl_save_failed(vm, err);
		return;
	}
	if (c != NULL) {
		vm->stop_waiter = NULL;
		c->vm = NULL;
		client_error(c, BERR_INTERNAL, "cannot suspend VM %s: %s",
		    vm->name, err);
	}
}



void
vm_suspend_cmd(struct client *c, struct vm *vm)
{
	struct snap	*s;
	char		 p[PATH_MAX + 32];

	if (vm->state == VM_SUSPENDED) {
		client_send(c, CTL_OK, &(struct ctl_ok){ 0 });
		client_finish(c);
		return;
	}
	if (vm->d->vmm->suspend == NULL) {
		client_error(c, BERR_INVALID, "the %s driver cannot suspend "
		    "VMs", vm->d->vmm->name);
		return;
	}
	if (vm->state != VM_RUNNING || vm->suspending || vm->snap != NULL) {
		client_error(c, BERR_BUSY, "VM %s is %s; only a running VM "
		    "can be suspended", vm->name, vm->suspending ?
		    "being suspended" : vm_state_name(vm->state));
		return;
	}
	if (vm->runner != NULL || vm->session != 0 || vm_exec_busy(vm) ||
	    vm->stop_waiter != NULL) {
		client_error(c, BERR_BUSY, "VM %s is running a command (vm "
		    "run, vm exec or vm ssh through the agent); suspend it "
		    "when that has ended", vm->name);
		return;
	}
	if (vm->rm) {
		client_error(c, BERR_INVALID, "VM %s goes when its vm run "
		    "--rm ends; it cannot be suspended", vm->name);
		return;
	}
	if ((s = snap_new(vm)) == NULL) {
		client_error(c, BERR_INTERNAL, "out of memory");
		return;
	}
	/* A leftover of a crash is not a saved state: it goes first. */
	snap_rm_dir(vm, SNAP_NEW_DIR);
	if (snap_path(vm, SNAP_NEW_DIR, NULL, p, sizeof(p)) == -1 ||
	    mkdir(p, 0700) == -1) {
		client_error(c, BERR_INTERNAL, "cannot suspend VM %s: mkdir "
		    "%s: %s", vm->name, p, strerror(errno));
		snap_free(vm);
		return;
	}
	if ((s->jid = db_journal_begin(vm->d, vm->id, "suspend")) == -1) {
		client_error(c, BERR_INTERNAL, "could not journal the "
		    "suspend");
		snap_rm_dir(vm, SNAP_NEW_DIR);
		snap_free(vm);
		return;
	}
	vm->suspending = 1;
	vm->stop_waiter = c;
	c->vm = vm;
	snap_arm(vm);
	if (vm->boot_timer != NULL)
		evtimer_del(vm->boot_timer);
	/*
	 * The guest writes its dirty pages out first: if the saved state is
	 * later discarded (vm stop), the disks are as after a sync, not as
	 * after a power cut that lost minutes of writes.
	 */
	if (snap_sync(vm) == 0) {
		client_progress(c, "suspending VM %s: flushing the guest's "
		    "writes", vm->name);
		return;		/* vm_agent_exit() calls vm_suspend_synced() */
	}
	vm_suspend_synced(vm);
}

/* The guest's sync, as an agent session; -1 if it cannot be asked. */
int
snap_sync(struct vm *vm)
{
	struct ag_exec	 ex;
	char		*argv[] = { "sync", NULL };

	if (vm->agent == NULL)
		return -1;
	memset(&ex, 0, sizeof(ex));
	ex.argv.v = argv;
	ex.argv.n = 1;
	ex.env.v = (char *[]){ NULL };
	ex.cwd = "";
	vm->session = ++vm->d->next_session;
	vm->sync_session = vm->session;
	if (agent_send(vm, AG_EXEC, vm->session, &ex) == -1) {
		vm->session = vm->sync_session = 0;
		return -1;
	}
	return 0;
}

/* Synced (or the guest could not be asked): the driver saves. */
void
vm_suspend_synced(struct vm *vm)
{
	char	 err[512];
	int	 rc;

	if (!SNAP_SAVING(vm) || vm->snap == NULL)
		return;
	if (vm->stop_waiter != NULL)
		client_progress(vm->stop_waiter, "%s VM %s: saving its memory "
		    "and device state", vm->forking ? "forking" : "suspending",
		    vm->name);
	err[0] = '\0';
	if ((rc = vm->d->vmm->suspend(vm, err, sizeof(err))) == 0)
		vm_suspend_saved(vm, 1, "");
	else if (rc == -1)
		vm_suspend_saved(vm, 0, err);
}
