/*
 * vm fork NAME [--name NEW] [--count K]: copies of a running VM.  The
 * parent is synced and paused, its state saved once (qemu-snap.c, as for
 * vm suspend), and each child gets a byte-for-byte copy of the parent's
 * work disk (reflinked where the file system can, else copied without
 * its holes) and that state, linked into its own SNAP_DIR with a record
 * naming the parent.  Then the parent runs on, and the children are
 * suspended VMs: the CLI resumes each (vm-resume.c), which gives it its
 * own address and MAC, hostname, machine id, ssh host key, entropy and
 * clock before anything else runs in it.  A disk copy is never shared,
 * so children never write to one disk.  While the parent is paused its
 * disks do not change, so the copies are as consistent as its state.
 *
 * Each child is journaled as a create until it is whole: a crash in the
 * middle rolls it back (reconcile.c), and the parent, whose VMM died
 * with bangerd, is stopped with its disks as they were.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <linux/fs.h>

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

/*
 * out becomes a copy of in: a reflink if the file system shares blocks,
 * else the data ranges only (SEEK_DATA/SEEK_HOLE), so that a sparse 8 GiB
 * disk costs what its files cost.  *copied: bytes of data written.
 */
int
copy_sparse(int in, int out, uint64_t *copied)
{
	struct stat	 st;
	off_t		 data, hole, off;
	ssize_t		 n;

	*copied = 0;
	if (fstat(in, &st) == -1)
		return -1;
	if (ioctl(out, FICLONE, in) == 0)
		return 0;
	if (ftruncate(out, st.st_size) == -1)
		return -1;
	for (data = 0; data < st.st_size; data = hole) {
		if ((data = lseek(in, data, SEEK_DATA)) == -1) {
			if (errno == ENXIO)
				break;		/* only a hole is left */
			return -1;
		}
		if ((hole = lseek(in, data, SEEK_HOLE)) == -1)
			return -1;
		for (off = data; off < hole; off += n) {
			loff_t	 ri = off, wo = off;

			n = copy_file_range(in, &ri, out, &wo,
			    (size_t)(hole - off), 0);
			if (n == -1 && errno == EINTR) {
				n = 0;
				continue;
			}
			if (n <= 0)
				return -1;
			*copied += (uint64_t)n;
		}
	}
	return 0;
}

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

/* One child from the parent's saved state; -1 with err, nothing left. */
static struct vm *
fork_child(struct vm *pa, const char *name, struct snap_info *si,
    char *err, size_t errlen)
{
	struct bangerd	*d = pa->d;
	struct vm	*ch;
	char		 from[PATH_MAX + 32], to[PATH_MAX + 32], text[SNAP_INFO_MAX];
	uint64_t	 copied;
	int		 in = -1, out = -1, fd, n;
	int64_t		 jid = -1;

	if ((ch = vm_new(d)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	ch->vcpus = pa->vcpus;
	ch->memory_mib = pa->memory_mib;
	ch->disk_mib = pa->disk_mib;
	ch->accel = pa->accel;
	ch->img = pa->img;
	vm_egress_load(ch, pa->egress_line);
	ch->state = VM_CREATING;
	if (db_vm_insert(d, ch) == -1) {
		snprintf(err, errlen, "could not record the VM in %s",
		    d->paths.db);
		vm_free(ch);
		return NULL;
	}
	if ((jid = db_journal_begin(d, ch->id, "create")) == -1) {
		snprintf(err, errlen, "could not journal the VM's creation");
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
	if ((in = open_regular(from)) == -1 || (out = open(to, O_WRONLY |
	    O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) == -1 ||
	    copy_sparse(in, out, &copied) == -1 || fsync(out) == -1) {
		snprintf(err, errlen, "copying the work disk to %s: %s", to,
		    strerror(errno));
		goto fail;
	}
	close(in);
	close(out);
	in = out = -1;
	/* The state is never written again: one file, linked. */
	if (snap_path(ch, SNAP_NEW_DIR, NULL, to, sizeof(to)) == -1 ||
	    mkdir(to, 0700) == -1 ||
	    snap_path(pa, SNAP_NEW_DIR, SNAP_STATE, from, sizeof(from)) == -1 ||
	    snap_path(ch, SNAP_NEW_DIR, SNAP_STATE, to, sizeof(to)) == -1 ||
	    link(from, to) == -1) {
		snprintf(err, errlen, "linking the saved state into %s: %s",
		    ch->dir, strerror(errno));
		goto fail;
	}
	if ((n = snap_info_format(si, text, sizeof(text))) == -1 ||
	    snap_path(ch, SNAP_NEW_DIR, SNAP_INFO, to, sizeof(to)) == -1 ||
	    (fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		snprintf(err, errlen, "writing %s: %s", to, strerror(errno));
		goto fail;
	}
	if (write_all(fd, text, (size_t)n) != n || fsync(fd) == -1) {
		snprintf(err, errlen, "writing %s: %s", to, strerror(errno));
		close(fd);
		goto fail;
	}
	close(fd);
	if (snap_path(ch, SNAP_NEW_DIR, NULL, from, sizeof(from)) == -1 ||
	    snap_path(ch, SNAP_DIR, NULL, to, sizeof(to)) == -1 ||
	    fsync_dir(from) == -1 || rename(from, to) == -1 ||
	    fsync_dir(ch->dir) == -1) {
		snprintf(err, errlen, "moving the saved state into place: %s",
		    strerror(errno));
		goto fail;
	}
	ch->state = VM_SUSPENDED;
	vm_save(ch);
	db_journal_end(d, jid);
	log_info("vm %s: forked from %s (%llu bytes of disk copied)",
	    ch->name, pa->name, (unsigned long long)copied);
	return ch;
fail:
	if (in != -1)
		close(in);
	if (out != -1)
		close(out);
	vm_remove_files(ch);
	db_vm_delete(d, ch->id);
	if (jid != -1)
		db_journal_end(d, jid);
	vm_free(ch);
	return NULL;
}

/*
 * The parent's state is saved and its guest paused: make the children,
 * then let the parent run on (whatever happened) and answer.
 */
void
vm_fork_saved(struct vm *vm, int ok, const char *why)
{
	struct snap	*s = vm->snap;
	struct client	*c = vm->stop_waiter;
	struct snap_info si;
	struct vm	*kids[VM_FORK_MAX];
	char		 err[768];
	size_t		 i, made = 0;
	unsigned	 len;

	err[0] = '\0';
	if (!ok)
		snprintf(err, sizeof(err), "%s", why);
	else {
		snap_identity(vm, &si);
		si.state_size = s->bytes;
		if (!s->streamed || EVP_DigestFinal_ex(s->md, si.state_sha,
		    &len) != 1)
			snprintf(err, sizeof(err), "the saved state could not "
			    "be read back");
	}
	for (i = 0; err[0] == '\0' && i < s->fork_n; i++) {
		if ((kids[made] = fork_child(vm, s->fork_names[i], &si, err,
		    sizeof(err))) == NULL)
			break;
		if (c != NULL)
			client_progress(c, "made VM %s from %s's state and a "
			    "copy of its disk", s->fork_names[i], vm->name);
		made++;
	}
	if (ok && vm->qmp_ready)
		(void)qmp_exec(vm, "cont", NULL, NULL);
	snap_rm_dir(vm, SNAP_NEW_DIR);
	vm->forking = 0;
	snap_free(vm);
	ssh_refresh(vm->d);
	if (c == NULL)
		return;
	vm->stop_waiter = NULL;
	c->vm = NULL;
	if (err[0] != '\0') {
		/* The CLI resumes the children that were made. */
		for (i = 0; i < made; i++) {
			struct ctl_vm_info	 vi;

			vm_info(kids[i], &vi);
			client_send(c, CTL_VM_INFO, &vi);
		}
		if (made == 0)
			client_error(c, BERR_INTERNAL, "cannot fork VM %s: %s; "
			    "it is still running", vm->name, err);
		else
			client_error(c, BERR_INTERNAL, "VM %s: only %zu of %zu "
			    "children made (%s); they are suspended: `banger vm "
			    "resume NAME` runs one", vm->name, made, s->fork_n,
			    err);
		return;
	}
	for (i = 0; i < made; i++) {
		struct ctl_vm_info	 vi;

		vm_info(kids[i], &vi);
		client_send(c, CTL_VM_INFO, &vi);
	}
	client_send(c, CTL_OK, &(struct ctl_ok){ 0 });
	client_finish(c);
}
