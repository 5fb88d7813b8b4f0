/*
 * Stopping and deleting VMs, and what happens when a VMM exits: its tap
 * and root snapshot released, a --rm VM removed, waiting clients
 * answered.
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

#include "snap.h"
#include "vm-phase.h"

#define KILL_GRACE_SEC	5	/* delete: QMP quit, then kill */
#define STOP_GRACE_SEC	15	/* stop: clean poweroff, then kill */

static void	vm_kill_timeout(evutil_socket_t fd, short what, void *arg);

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

void
vm_delete(struct client *c, struct vm *vm)
{
	if (vm->state == VM_DELETING) {
		if (c != NULL)
			client_error(c, BERR_BUSY, "VM %s is already being "
			    "deleted", vm->name);
		return;
	}
	if (c != NULL && vm->forking) {
		client_error(c, BERR_BUSY, "VM %s is being forked; delete it "
		    "when the fork has ended", vm->name);
		return;
	}
	/* A fork's child: its disk copy is not waited for. */
	if (vm->job_alive && vm->fork_parent != 0)
		(void)launch_kill_tool(vm->d, LAUNCH_TOOL_FETCH, vm->id,
		    SIGKILL);
	if (vm->runner != NULL && vm->runner != c) {
		struct client	*r = vm->runner;

		vm->runner = NULL;
		r->vm = NULL;
		client_error(r, BERR_INTERNAL, "VM %s was deleted", vm->name);
	}
	vm_exec_hangup_all(vm, "VM %s was deleted", vm->name);
	vm->delete_waiter = c;
	if (c != NULL)
		c->vm = vm;
	vm->state = VM_DELETING;
	vm_save(vm);
	if (vm->boot_timer != NULL)
		evtimer_del(vm->boot_timer);
	/* vm_disk_done() finishes the delete, or the VMM's exit does. */
	if (vm->job_alive && vm->pid == 0 && !vm->vmm_alive)
		return;
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

void
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
vm_vmm_exited(struct bangerd *d, struct launch_exited *ex)
{
	struct vm	*vm = vm_find_id(d, ex->vm_id);
	struct client	*c;
	const char	*rerr;
	int		 asked, suspended;

	if (vm == NULL)
		return;
	log_info("vm %s: %s %llu exited (status %lld, signal %llu)",
	    vm->name, d->vmm->name, (unsigned long long)ex->pid,
	    (long long)ex->status, (unsigned long long)ex->signo);
	vm->pid = 0;
	vm->vmm_alive = 0;
	if (vm->vsock_timer != NULL)
		evtimer_del(vm->vsock_timer);
	if (d->vmm->exited != NULL)
		d->vmm->exited(d, vm);
	if (vm->kill_timer != NULL)
		evtimer_del(vm->kill_timer);
	if (vm->state == VM_DELETING) {
		/* Started while its disk was written: the job ends last. */
		if (!vm->job_alive)
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
	rerr = vm_resume_failed(vm);
	/* A whole saved state that no guest ran past: still suspended. */
	suspended = snap_exists(vm);
	vm->sync_session = vm->capture = vm->seeding = 0;
	if (vm->tmpl) {
		vm->suspending = 0;
		snap_free(vm);
		tmpl_exited(vm, suspended);
		return;
	}
	/*
	 * A warm start that did not finish (its files still on the seed
	 * disk): it boots cold from the disk built for it, or, with no one
	 * waiting or when stopped, gets that disk back (warm.c).
	 */
	if (seed_pending(vm)) {
		if (!asked && vm->runner != NULL && warm_fallback(vm,
		    rerr != NULL ? rerr : vm->seed_failed ? "it could not "
		    "take its identity and files" : "the guest stopped") == 0)
			return;
		warm_undo(vm);
		suspended = snap_exists(vm);
	}
	vm->warm = vm->seed_failed = 0;
	/* Saved, its children being made: those made so far are kept. */
	if (vm->forking && vm->snap != NULL && vm->snap->fork_saved) {
		vm_fork_vmm_gone(vm);
		vm->forking = 0;
	}
	if ((vm->suspending || vm->forking) && !suspended) {
		/* Died before its state was whole: nothing was saved. */
		snap_rm_dir(vm, SNAP_NEW_DIR);
		if ((c = vm->stop_waiter) != NULL) {
			vm->stop_waiter = NULL;
			c->vm = NULL;
			client_error(c, BERR_INTERNAL, "VM %s's %s exited while "
			    "it was being %s; nothing was saved and it is "
			    "stopped (see %s/qemu.log)", vm->name, d->vmm->name,
			    vm->suspending ? "suspended" : "forked", vm->dir);
		}
	} else if (vm->suspending)
		log_info("vm %s suspended", vm->name);
	vm->suspending = vm->forking = 0;
	snap_free(vm);
	vm->resuming = 0;
	vm->state = suspended ? VM_SUSPENDED : VM_STOPPED;
	vm->session = 0;
	vm_save(vm);
	ssh_refresh(d);
	if ((c = vm->runner) != NULL) {
		vm->runner = NULL;
		c->vm = NULL;
		if (rerr != NULL && suspended)
			client_error(c, BERR_BOOT, "cannot resume VM %s: %s. "
			    "It is left suspended; `banger vm stop %s` "
			    "discards the saved state (the next start then "
			    "boots from its disks)", vm->name, rerr,
			    vm->name);
		else if (rerr != NULL)
			client_error(c, BERR_BOOT, "VM %s stopped while it was "
			    "being resumed: %s; it is stopped, and `banger vm "
			    "start %s` boots it from its disks", vm->name, rerr,
			    vm->name);
		else if (asked)
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
	if (vm->rm && !suspended)
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

	/* Stopping a suspended VM forgets where it was. */
	if (vm->state == VM_SUSPENDED && vm->snap == NULL) {
		if (snap_discard(vm) == -1) {
			client_error(c, BERR_INTERNAL, "could not remove VM %s's "
			    "saved state in %s/%s (see %s); it stays suspended",
			    vm->name, vm->dir, SNAP_DIR, vm->d->paths.log);
			return;
		}
		vm->state = VM_STOPPED;
		vm_save(vm);
		log_info("vm %s: saved state discarded", vm->name);
		client_progress(c, "discarded VM %s's saved state; it is "
		    "stopped", vm->name);
	}
	if (vm->state == VM_STOPPED) {
		client_send(c, CTL_OK, &(struct ctl_ok){ 0 });
		client_finish(c);
		return;
	}
	if ((vm->state != VM_RUNNING && vm->state != VM_STARTING) ||
	    vm->suspending || vm->forking || vm->resuming == 1) {
		client_error(c, BERR_BUSY, "VM %s is %s", vm->name,
		    vm->suspending ? "being suspended" : vm->forking ?
		    "being forked" : vm->resuming ? "being resumed" :
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

void
vm_stop_all(struct bangerd *d)
{
	struct vm	*vm, *next;

	for (vm = TAILQ_FIRST(&d->vms); vm != NULL; vm = next) {
		next = TAILQ_NEXT(vm, entry);
		if (vm->state == VM_STOPPED || vm->state == VM_SUSPENDED)
			continue;
		snap_free(vm);
		vm->suspending = vm->forking = vm->resuming = 0;
		vm->sync_session = vm->capture = 0;
		agent_detach(vm);
		qmp_detach(vm);
		/*
		 * Its VMM may still run (no launcher to kill it, or no end
		 * seen): left as it is recorded, for the next bangerd to
		 * adopt or kill (reconcile.c), with what it holds.
		 */
		if (vm->vmm_alive) {
			if (!vm->d->keep_vms)
				log_warnx("vm %s: its VMM may still run; the "
				    "next bangerd will reconcile it", vm->name);
			continue;
		}
		vm_release_tap(vm);
		rootdisk_release(vm);
		vm->pid = 0;
		vm->vmm_alive = 0;
		/* Started while its disk was written: not made yet. */
		if (vm->rm || vm->state == VM_DELETING ||
		    vm->state == VM_CREATING || vm->job_alive) {
			db_journal_end(d, vm->create_jid);
			vm_remove_files(vm);
			db_vm_delete(d, vm->id);
			vm_free(vm);
			continue;
		}
		vm->state = snap_exists(vm) ? VM_SUSPENDED : VM_STOPPED;
		vm_save(vm);
	}
}
