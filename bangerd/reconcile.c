/*
 * Start-up reconciliation: make the world match the database after a
 * crash.  Runs before the sandbox is installed (it may kill and remove).
 *
 * - Journaled operations that never finished are rolled back ("create")
 *   or finished ("delete").
 * - A QEMU VM that was wholly up (vm-adopt.c) and whose QEMU still runs
 *   is adopted: it runs on, with its tap and root snapshot.
 * - Any other VM recorded as booting or running has lost its VMM, or
 *   must: a survivor that is provably ours is killed, and the VM is
 *   marked stopped (or deleted if --rm).  So is any process of ours
 *   whose command line names one of this state's VMs that was not
 *   adopted (a VMM whose pid was never recorded).
 * - Tap leases and root snapshots the helper still holds for this
 *   daemon's other VMs (those in its database or journal) are released:
 *   none of them runs, so none is in use.  Leases of other ids are left
 *   alone: the helper keys leases by uid, and another bangerd of the same
 *   user, on another state directory (another HOME), may be running them.
 * - Directories under vms/ without a database row are removed.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bangerd.h"
#include "log.h"
#include "priv-wrap.h"

/* A VM adopted above: what the helper holds for it is in use. */
static int
adopted(struct bangerd *d, uint64_t id)
{
	struct vm	*vm;

	if (id > INT64_MAX || (vm = vm_find_id(d, (int64_t)id)) == NULL ||
	    !vm->vmm_alive)
		return 0;
	log_info("reconcile: keeping what the helper holds for vm %s: it "
	    "runs on", vm->name);
	return 1;
}

/* A VMM of this state's VMs that is not adopted: it goes. */
static int
stray(struct bangerd *d, int64_t id)
{
	struct vm	*vm = vm_find_id(d, id);

	if (vm != NULL)
		return !vm->vmm_alive;
	return db_vm_id_issued(d, id) == 1;
}

/* The ids this daemon's state knows, before anything is dropped. */
struct ours {
	int64_t		*ids;
	size_t		 n;
};

/*
 * A VM this state knows, or one it made and has since deleted (its
 * release may have failed then): vm_ids holds every id it gave out.
 */
static int
ours_has(struct bangerd *d, const struct ours *o, uint64_t id)
{
	size_t	 i;

	for (i = 0; i < o->n; i++)
		if ((uint64_t)o->ids[i] == id)
			return 1;
	return id <= INT64_MAX && db_vm_id_issued(d, (int64_t)id) == 1;
}

static int
ours_collect(struct bangerd *d, const int64_t *jids, size_t nj,
    struct ours *o)
{
	struct vm	*vm;
	size_t		 n = nj, i;

	TAILQ_FOREACH(vm, &d->vms, entry)
		n++;
	o->n = 0;
	if ((o->ids = calloc(n ? n : 1, sizeof(*o->ids))) == NULL)
		return -1;
	TAILQ_FOREACH(vm, &d->vms, entry)
		o->ids[o->n++] = vm->id;
	for (i = 0; i < nj; i++)
		o->ids[o->n++] = jids[i];
	return 0;
}

static void
drop_vm(struct bangerd *d, struct vm *vm, const char *why)
{
	/*
	 * Its tap lease, if any, goes in the tap.list sweep below: asking
	 * for a tap the helper no longer holds would end the helper.
	 */
	log_info("reconcile: vm %s: %s", vm->name, why);
	vm->tap[0] = '\0';
	vm_remove_files(vm);
	db_vm_delete(d, vm->id);
	vm_free(vm);
}

static void
orphan_dirs(struct bangerd *d)
{
	DIR		*dir;
	struct dirent	*de;
	struct vm	 tmp;

	if ((dir = opendir(d->paths.vms_dir)) == NULL)
		return;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.' || vm_find(d, de->d_name) != NULL)
			continue;
		memset(&tmp, 0, sizeof(tmp));
		tmp.d = d;
		snprintf(tmp.dir, sizeof(tmp.dir), "%s/%s", d->paths.vms_dir,
		    de->d_name);
		log_info("reconcile: removing orphaned %s", tmp.dir);
		vm_remove_files(&tmp);
	}
	closedir(dir);
}

/*
 * No VM of ours runs yet, so every root snapshot banger-priv still holds
 * for one of our ids is left over.  A VMM killed above may still be
 * closing it: busy is retried for a while.
 */
static void
release_disks(struct bangerd *d, const struct ours *o)
{
	struct priv_disk_ids	*ids = NULL;
	struct timespec		 pause = { 0, 100 * 1000 * 1000 };
	char			 err[256];
	size_t			 i;
	int			 rc, tries;

	if (priv_disk_list(d->priv_fd, &ids, err, sizeof(err)) != 0) {
		log_warnx("reconcile: disk list: %s", err);
		return;
	}
	for (i = 0; i < ids->vm_ids.n; i++) {
		if (adopted(d, ids->vm_ids.v[i]))
			continue;
		if (!ours_has(d, o, ids->vm_ids.v[i])) {
			log_info("reconcile: leaving the root snapshot of vm "
			    "id %llu: not in this daemon's state",
			    (unsigned long long)ids->vm_ids.v[i]);
			continue;
		}
		log_info("reconcile: releasing the root snapshot of vm id %llu",
		    (unsigned long long)ids->vm_ids.v[i]);
		for (tries = 0; tries < 50; tries++) {
			rc = priv_disk_release(d->priv_fd, ids->vm_ids.v[i],
			    err, sizeof(err));
			if (rc != BERR_BUSY)
				break;
			nanosleep(&pause, NULL);
		}
		if (rc != 0)
			log_warnx("reconcile: %s", err);
	}
	msg_free(&priv_proto, PRIV_DISK_IDS, ids);
}

int
reconcile(struct bangerd *d)
{
	struct priv_tap_ids	*ids = NULL;
	struct vm		*vm, *next;
	struct ours		 ours;
	int64_t			*jids;
	char			(*ops)[16], err[256];
	size_t			 n, i;

	tmpl_tidy(d);
	if (db_journal_pending(d, &jids, &ops, &n) == -1)
		return -1;
	if (ours_collect(d, jids, n, &ours) == -1) {
		free(jids);
		free(ops);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((vm = vm_find_id(d, jids[i])) == NULL)
			continue;
		if (vm->pid > 0 && vmm_is_ours(vm->pid, vm->id))
			(void)kill(vm->pid, SIGKILL);
		vm->pid = 0;
		if (strcmp(ops[i], "start") == 0 ||
		    strcmp(ops[i], "suspend") == 0) {
			/*
			 * The loop below marks it stopped, or suspended if a
			 * whole saved state no guest ran past is there.
			 */
			log_info("reconcile: vm %s: rolling back an "
			    "interrupted %s", vm->name, ops[i]);
			continue;
		}
		drop_vm(d, vm, strcmp(ops[i], "create") == 0 ?
		    "rolling back an interrupted create" :
		    "finishing an interrupted delete");
	}
	free(jids);
	free(ops);

	for (vm = TAILQ_FIRST(&d->vms); vm != NULL; vm = next) {
		next = TAILQ_NEXT(vm, entry);
		if (vm->tmpl) {
			if (vm->pid > 0 && vmm_is_ours(vm->pid, vm->id))
				(void)kill(vm->pid, SIGKILL);
			drop_vm(d, vm, "removing a warm template that was not "
			    "finished");
			continue;
		}
		snap_tidy(vm);
		/* A warm start cut short: the VM's own disk comes back. */
		warm_undo(vm);
		if (vm->state == VM_SUSPENDED && !snap_exists(vm)) {
			log_info("reconcile: vm %s: its saved state is gone; "
			    "now stopped", vm->name);
			vm->state = VM_STOPPED;
			db_vm_update(d, vm);
		}
		if (vm->state == VM_STOPPED || vm->state == VM_SUSPENDED)
			continue;
		if (vm_adoptable(vm)) {
			if (vm_adopt(vm, err, sizeof(err)) == 0)
				continue;
			log_warnx("reconcile: vm %s: %s", vm->name, err);
		}
		if (vm->pid > 0 && vmm_is_ours(vm->pid, vm->id)) {
			log_info("reconcile: killing orphaned QEMU %d of %s",
			    (int)vm->pid, vm->name);
			(void)kill(vm->pid, SIGKILL);
		}
		if (vm->rm || vm->state == VM_DELETING ||
		    vm->state == VM_CREATING) {
			drop_vm(d, vm, "removing a VM that did not survive "
			    "bangerd's exit");
			continue;
		}
		log_info("reconcile: vm %s was %s; now %s", vm->name,
		    vm_state_name(vm->state), snap_exists(vm) ? "suspended" :
		    "stopped");
		vm->state = snap_exists(vm) ? VM_SUSPENDED : VM_STOPPED;
		vm->pid = 0;
		vm->tap[0] = '\0';
		db_vm_update(d, vm);
	}

	/* QEMU no longer dies with the launcher: none may run unrecorded. */
	vmm_kill_strays(d, stray);
	if (d->priv_fd != -1) {
		if (priv_tap_list(d->priv_fd, &ids, err, sizeof(err)) != 0)
			log_warnx("reconcile: tap list: %s", err);
		else {
			for (i = 0; i < ids->vm_ids.n; i++) {
				if (adopted(d, ids->vm_ids.v[i]))
					continue;
				if (!ours_has(d, &ours, ids->vm_ids.v[i])) {
					log_info("reconcile: leaving the tap "
					    "lease of vm id %llu: not in this "
					    "daemon's state",
					    (unsigned long long)
					    ids->vm_ids.v[i]);
					continue;
				}
				log_info("reconcile: releasing tap lease of "
				    "vm id %llu",
				    (unsigned long long)ids->vm_ids.v[i]);
				if (priv_tap_delete(d->priv_fd,
				    ids->vm_ids.v[i], err, sizeof(err)) != 0)
					log_warnx("reconcile: %s", err);
			}
			msg_free(&priv_proto, PRIV_TAP_IDS, ids);
		}
	}
	if (d->priv_fd != -1)
		release_disks(d, &ours);
	free(ours.ids);
	orphan_dirs(d);
	return db_journal_clear(d);
}
