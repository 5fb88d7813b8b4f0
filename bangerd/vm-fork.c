/*
 * vm fork NAME [--name NEW] [--count K]: copies of a running VM.  The
 * parent is synced and paused, its state saved once (qemu-snap.c, as for
 * vm suspend), and each child gets a byte-for-byte copy of the parent's
 * work disk (reflinked where the file system can, else copied without
 * its holes, by a banger-fetch copy-disk job per child, so that the
 * event loop is not held) and that state, linked into its own SNAP_DIR
 * with a record naming the parent.  Then the parent runs on, and the
 * children are suspended VMs: the CLI resumes each (vm-resume.c), which
 * gives it its own address and MAC, hostname, machine id, ssh host key,
 * entropy and clock before anything else runs in it.  A disk copy is
 * never shared, so children never write to one disk.  While the parent
 * is paused its disks do not change, so the copies are as consistent as
 * its state.
 *
 * Each child is journaled as a create until it is whole: a crash in the
 * middle rolls it back (reconcile.c), and the next bangerd adopts the
 * parent and lets it run on (vm-adopt.c).  A child deleted while its
 * disk is copied, or a parent whose VMM ends meanwhile, ends the fork
 * with the children made so far.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bangerd.h"
#include "fdutil.h"
#include "log.h"
#include "snap.h"
#include "valid.h"
#include "vm-phase.h"

/* The names: NEW, or NEW-1..NEW-K, or PARENT-N with the first free Ns. */
static int
fork_names(struct bangerd *d, const struct ctl_vm_fork *req, struct snap *s,
    char *err, size_t errlen)
{
	char		 n[VM_NAME_MAX + 16];
	unsigned	 i, k = 1;
	size_t		 j;

	for (i = 0; i < req->count; i++) {
		if (req->new_name[0] != '\0' && req->count == 1)
			snprintf(n, sizeof(n), "%s", req->new_name);
		else if (req->new_name[0] != '\0')
			snprintf(n, sizeof(n), "%s-%u", req->new_name, i + 1);
		else {
			for (;; k++) {
				snprintf(n, sizeof(n), "%s-%u", req->name, k);
				for (j = 0; j < s->fork_n; j++)
					if (strcmp(s->fork_names[j], n) == 0)
						break;
				if (vm_find(d, n) == NULL && j == s->fork_n)
					break;
			}
		}
		if (!valid_vm_name(n)) {
			snprintf(err, errlen, "cannot name a child \"%s\" (a VM "
			    "name is at most %d of a-z, 0-9 and -)", n,
			    VM_NAME_MAX);
			return -1;
		}
		if (vm_find(d, n) != NULL) {
			snprintf(err, errlen, "a VM named \"%s\" already exists",
			    n);
			return -1;
		}
		snprintf(s->fork_names[s->fork_n++], sizeof(s->fork_names[0]),
		    "%s", n);
	}
	return 0;
}

void
vm_fork_cmd(struct client *c, const struct ctl_vm_fork *req)
{
	struct bangerd	*d = c->d;
	struct vm	*vm;
	struct snap	*s;
	char		 p[PATH_MAX + 32], err[512];

	if ((vm = vm_find(d, req->name)) == NULL) {
		client_error(c, BERR_NOTFOUND, "no VM named \"%s\"; `banger vm "
		    "list` shows the VMs you have", req->name);
		return;
	}
	if (req->count < 1 || req->count > VM_FORK_MAX) {
		client_error(c, BERR_INVALID, "--count must be 1 to %d",
		    VM_FORK_MAX);
		return;
	}
	if (strcmp(d->vmm->name, "qemu") != 0) {
		client_error(c, BERR_INVALID, "vm fork needs the QEMU driver "
		    "in this version (bangerd runs %s)", d->vmm->name);
		return;
	}
	if (vm->root_snap) {
		client_error(c, BERR_INVALID, "VM %s's root is a device-mapper "
		    "snapshot, which vm fork cannot copy yet", vm->name);
		return;
	}
	if (vm->state != VM_RUNNING || vm->suspending || vm->forking ||
	    vm->snap != NULL || !vm->qmp_ready) {
		client_error(c, BERR_BUSY, "VM %s is %s; only a running VM can "
		    "be forked", vm->name, vm->suspending || vm->forking ?
		    "being saved" : vm_state_name(vm->state));
		return;
	}
	if (vm->runner != NULL || vm->session != 0 || vm_exec_busy(vm) ||
	    vm->stop_waiter != NULL) {
		client_error(c, BERR_BUSY, "VM %s is running a command (vm "
		    "run or vm exec); fork it when that has ended", vm->name);
		return;
	}
	if ((s = snap_new(vm)) == NULL) {
		client_error(c, BERR_INTERNAL, "out of memory");
		return;
	}
	if (fork_names(d, req, s, err, sizeof(err)) == -1) {
		snap_free(vm);
		client_error(c, BERR_INVALID, "cannot fork VM %s: %s", vm->name,
		    err);
		return;
	}
	snap_rm_dir(vm, SNAP_NEW_DIR);
	if (snap_path(vm, SNAP_NEW_DIR, NULL, p, sizeof(p)) == -1 ||
	    mkdir(p, 0700) == -1) {
		client_error(c, BERR_INTERNAL, "cannot fork VM %s: mkdir %s: "
		    "%s", vm->name, p, strerror(errno));
		snap_free(vm);
		return;
	}
	vm->forking = 1;
	vm->stop_waiter = c;
	c->vm = vm;
	snap_arm(vm);
	if (snap_sync(vm) == 0) {
		client_progress(c, "forking VM %s: flushing the guest's "
		    "writes", vm->name);
		return;		/* vm_agent_exit() calls vm_suspend_synced() */
	}
	vm_suspend_synced(vm);
}

static void	fork_next(struct vm *);
static void	fork_copied(struct bangerd *, int64_t, int, const char *);
static void	fork_end(struct vm *);

/* A child that will not be made: nothing of it is left. */
static void
fork_drop(struct vm *ch)
{
	struct bangerd	*d = ch->d;

	vm_remove_files(ch);
	db_vm_delete(d, ch->id);
	db_journal_end(d, ch->create_jid);
	vm_free(ch);
}

/*
 * Start one child from the parent's saved state: its record, directory
 * and a banger-fetch job copying the parent's work disk into it
 * (fork_copied() goes on).  -1 with err, nothing left.
 */
static int
fork_child_begin(struct vm *pa, const char *name, char *err, size_t errlen)
{
	struct bangerd	*d = pa->d;
	struct vm	*ch;
	char		 from[PATH_MAX + 32], to[PATH_MAX + 32];
	char		 logp[PATH_MAX + 16];
	char		*argv[] = { "banger-fetch", "copy-disk", from, to, NULL };
	int		 logfd;

	if (vm_find(d, name) != NULL) {
		snprintf(err, errlen, "a VM named \"%s\" was made meanwhile",
		    name);
		return -1;
	}
	if ((ch = vm_new(d)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	ch->vcpus = pa->vcpus;
	ch->memory_mib = pa->memory_mib;
	ch->disk_mib = pa->disk_mib;
	ch->accel = pa->accel;
	ch->img = pa->img;
	ch->fork_parent = pa->id;
	vm_egress_load(ch, pa->egress_line);
	ch->state = VM_CREATING;
	if (db_vm_insert(d, ch) == -1) {
		snprintf(err, errlen, "could not record the VM in %s",
		    d->paths.db);
		vm_free(ch);
		return -1;
	}
	if ((ch->create_jid = db_journal_begin(d, ch->id, "create")) == -1) {
		snprintf(err, errlen, "could not journal the VM's creation");
		ch->create_jid = 0;
		goto fail;
	}
	snprintf(ch->dir, sizeof(ch->dir), "%s/%s", d->paths.vms_dir,
	    ch->name);
	if (mkdir(ch->dir, 0700) == -1) {
		snprintf(err, errlen, "mkdir %s: %s", ch->dir, strerror(errno));
		ch->dir[0] = '\0';	/* not ours to remove */
		goto fail;
	}
	snprintf(from, sizeof(from), "%s/work.ext4", pa->dir);
	snprintf(to, sizeof(to), "%s/work.ext4", ch->dir);
	snprintf(logp, sizeof(logp), "%s/fetch.log", ch->dir);
	if ((logfd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1) {
		snprintf(err, errlen, "open %s: %s", logp, strerror(errno));
		goto fail;
	}
	if (job_start(d, ch->id, argv, 4, logfd, fork_copied) == -1) {
		snprintf(err, errlen, "cannot start banger-fetch to copy the "
		    "work disk: %s", strerror(errno));
		close(logfd);
		goto fail;
	}
	close(logfd);
	ch->job_alive = 1;
	pa->snap->fork_cur = ch->id;
	client_progress(pa->stop_waiter, "copying %s's work disk for %s",
	    pa->name, ch->name);
	return 0;
fail:
	fork_drop(ch);
	return -1;
}

/* The child's disk is copied: its saved state, linked.  -1 with err. */
static int
fork_child_finish(struct vm *pa, struct vm *ch, char *err, size_t errlen)
{
	struct snap	*s = pa->snap;
	char		 from[PATH_MAX + 32], to[PATH_MAX + 32];
	char		 text[SNAP_INFO_MAX];
	int		 fd, n;

	/* The state is never written again: one file, linked. */
	if (snap_path(ch, SNAP_NEW_DIR, NULL, to, sizeof(to)) == -1 ||
	    mkdir(to, 0700) == -1 ||
	    snap_path(pa, SNAP_NEW_DIR, SNAP_STATE, from, sizeof(from)) == -1 ||
	    snap_path(ch, SNAP_NEW_DIR, SNAP_STATE, to, sizeof(to)) == -1 ||
	    link(from, to) == -1) {
		snprintf(err, errlen, "linking the saved state into %s: %s",
		    ch->dir, strerror(errno));
		return -1;
	}
	if ((n = snap_info_format(&s->fork_si, text, sizeof(text))) == -1 ||
	    snap_path(ch, SNAP_NEW_DIR, SNAP_INFO, to, sizeof(to)) == -1 ||
	    (fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		snprintf(err, errlen, "writing %s: %s", to, strerror(errno));
		return -1;
	}
	if (write_all(fd, text, (size_t)n) != n || fsync(fd) == -1) {
		snprintf(err, errlen, "writing %s: %s", to, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	if (snap_path(ch, SNAP_NEW_DIR, NULL, from, sizeof(from)) == -1 ||
	    snap_path(ch, SNAP_DIR, NULL, to, sizeof(to)) == -1 ||
	    fsync_dir(from) == -1 || rename(from, to) == -1 ||
	    fsync_dir(ch->dir) == -1) {
		snprintf(err, errlen, "moving the saved state into place: %s",
		    strerror(errno));
		return -1;
	}
	ch->state = VM_SUSPENDED;
	ch->fork_parent = 0;
	vm_save(ch);
	db_journal_end(pa->d, ch->create_jid);
	ch->create_jid = 0;
	log_info("vm %s: forked from %s", ch->name, pa->name);
	return 0;
}

/*
 * A child's disk copy ended.  Its parent may have gone meanwhile (its
 * VMM ended or it was deleted: the fork is abandoned and the child
 * dropped), or the child may have been deleted.
 */
static void
fork_copied(struct bangerd *d, int64_t id, int ok, const char *jerr)
{
	struct vm	*ch = vm_find_id(d, id), *pa;
	struct snap	*s;
	char		 err[512];

	if (ch == NULL)
		return;
	ch->job_alive = 0;
	pa = vm_find_id(d, ch->fork_parent);
	/* Its own fork, not a later one of the same parent. */
	s = pa != NULL && pa->forking && pa->snap != NULL &&
	    pa->snap->fork_cur == ch->id ? pa->snap : NULL;
	if (s != NULL)
		s->fork_cur = 0;
	if (ch->state == VM_DELETING) {
		db_journal_end(d, ch->create_jid);
		ch->create_jid = 0;
		if (s != NULL)
			snprintf(s->fork_err, sizeof(s->fork_err), "VM %s was "
			    "deleted while it was being made", ch->name);
		vm_finish_delete(ch);
	} else if (s == NULL) {
		log_warnx("vm %s: dropped: its parent's fork was abandoned",
		    ch->name);
		fork_drop(ch);
		return;
	} else if (!ok) {
		snprintf(s->fork_err, sizeof(s->fork_err), "copying the work "
		    "disk to %s: %s", ch->name, jerr);
		fork_drop(ch);
	} else if (fork_child_finish(pa, ch, err, sizeof(err)) == -1) {
		snprintf(s->fork_err, sizeof(s->fork_err), "%s", err);
		fork_drop(ch);
	} else {
		s->fork_kids[s->fork_made++] = ch->id;
		if (pa->stop_waiter != NULL)
			client_progress(pa->stop_waiter, "made VM %s from %s's "
			    "state and a copy of its disk", ch->name, pa->name);
	}
	if (s != NULL)
		fork_next(pa);
}

/* The next child, or the end. */
static void
fork_next(struct vm *pa)
{
	struct snap	*s = pa->snap;

	while (s->fork_err[0] == '\0' && s->fork_i < s->fork_n) {
		if (fork_child_begin(pa, s->fork_names[s->fork_i++],
		    s->fork_err, sizeof(s->fork_err)) == 0)
			return;		/* fork_copied() */
	}
	fork_end(pa);
}

/*
 * The parent's state is saved and its guest paused: make the children,
 * one disk copy after the other (each a banger-fetch job, so that the
 * event loop serves everyone else meanwhile), then let the parent run on
 * (whatever happened) and answer.
 */
void
vm_fork_saved(struct vm *vm, int ok, const char *why)
{
	struct snap	*s = vm->snap;
	unsigned	 len;

	s->fork_saved = ok;
	if (!ok)
		snprintf(s->fork_err, sizeof(s->fork_err), "%s", why);
	else {
		snap_identity(vm, &s->fork_si);
		s->fork_si.state_size = s->bytes;
		if (!s->streamed || EVP_DigestFinal_ex(s->md,
		    s->fork_si.state_sha, &len) != 1)
			snprintf(s->fork_err, sizeof(s->fork_err), "the saved "
			    "state could not be read back");
	}
	/* The save is over: the copies are bounded by their jobs. */
	if (s->deadline != NULL)
		evtimer_del(s->deadline);
	fork_next(vm);
}

/*
 * The parent's VMM ended while its children were made (vm_vmm_exited()):
 * the fork ends with the children made so far; a copy still running
 * drops its child when it ends.
 */
void
vm_fork_vmm_gone(struct vm *vm)
{
	struct snap	*s = vm->snap;

	s->fork_cur = 0;
	s->fork_saved = 0;	/* nothing to continue */
	s->fork_gone = 1;
	snprintf(s->fork_err, sizeof(s->fork_err), "its %s exited",
	    vm->d->vmm->name);
	fork_end(vm);
}

static void
fork_end(struct vm *vm)
{
	struct snap	*s = vm->snap;
	struct client	*c = vm->stop_waiter;
	struct ctl_vm_info vi;
	struct vm	*kid;
	size_t		 i;

	if (s->fork_saved && vm->qmp_ready)
		(void)qmp_exec(vm, "cont", NULL, NULL);
	snap_rm_dir(vm, SNAP_NEW_DIR);
	vm->forking = 0;
	ssh_refresh(vm->d);
	if (c == NULL) {
		snap_free(vm);
		return;
	}
	vm->stop_waiter = NULL;
	c->vm = NULL;
	/* The CLI resumes the children that were made. */
	for (i = 0; i < s->fork_made; i++)
		if ((kid = vm_find_id(vm->d, s->fork_kids[i])) != NULL) {
			vm_info(kid, &vi);
			client_send(c, CTL_VM_INFO, &vi);
		}
	if (s->fork_err[0] == '\0') {
		client_send(c, CTL_OK, &(struct ctl_ok){ 0 });
		client_finish(c);
	} else if (s->fork_made == 0)
		client_error(c, BERR_INTERNAL, "cannot fork VM %s: %s; %s",
		    vm->name, s->fork_err, s->fork_gone ? "it is stopped" :
		    "it is still running");
	else
		client_error(c, BERR_INTERNAL, "VM %s: only %zu of %zu "
		    "children made (%s); they are suspended: `banger vm "
		    "resume NAME` runs one", vm->name, s->fork_made, s->fork_n,
		    s->fork_err);
	snap_free(vm);
}
