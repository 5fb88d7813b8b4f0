/*
 * VMs that outlive a crashed bangerd.  A QEMU VM's channels are sockets
 * its own process listens on (qemu.c), and the launcher does not take it
 * down when bangerd dies (launch.c), so after a crash (kill -9, a fault)
 * the guest, its sessions and its files are still there.  The next
 * bangerd's reconcile keeps such a VM if it was wholly up: the "ready"
 * mark says every step before the user's command had finished (vm_boot()
 * removes it, vm_ready_mark() makes it).  Adopting it: the launcher
 * checks the process and watches it, bangerd connects to its console,
 * monitor and agent again, and the agent announces itself anew.  A VM
 * that cannot be adopted is stopped as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bangerd.h"
#include "snap.h"
#include "log.h"
#include "priv-wrap.h"
#include "vm-phase.h"

#define READY_MARK	"ready"

static void
ready_path(const struct vm *vm, char *p, size_t len)
{
	snprintf(p, len, "%s/%s", vm->dir, READY_MARK);
}

/* Every step before the user's command is done: adoptable from now. */
void
vm_ready_mark(struct vm *vm)
{
	char	 p[PATH_MAX + 16];
	int	 fd;

	ready_path(vm, p, sizeof(p));
	if ((fd = open(p, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1) {
		log_warn("vm %s: %s", vm->name, p);
		return;
	}
	close(fd);
}

/* At a boot, and whenever the VM is no longer wholly up. */
void
vm_ready_clear(struct vm *vm)
{
	char	 p[PATH_MAX + 16];

	ready_path(vm, p, sizeof(p));
	if (unlink(p) == -1 && errno != ENOENT)
		log_warn("vm %s: %s", vm->name, p);
}

static int
ready_marked(const struct vm *vm)
{
	char	 p[PATH_MAX + 16];

	ready_path(vm, p, sizeof(p));
	return access(p, F_OK) == 0;
}

/* The bridge the VMs' taps are on: its gateway, once per bangerd. */
int
vm_bridge(struct bangerd *d, char *err, size_t errlen)
{
	struct priv_bridge	*br = NULL;
	char			 perr[256];

	if (d->bridge_ok)
		return 0;
	if (priv_bridge_ensure(d->priv_fd, &br, perr, sizeof(perr)) != 0) {
		snprintf(err, errlen, "network bridge: %s", perr);
		return -1;
	}
	log_info("bridge %s %s/%u", br->name, br->gateway,
	    (unsigned)br->prefix);
	snprintf(d->gateway, sizeof(d->gateway), "%s", br->gateway);
	d->prefix = (int)br->prefix;
	msg_free(&priv_proto, PRIV_BRIDGE, br);
	d->bridge_ok = 1;
	return 0;
}

/*
 * May the next bangerd adopt this VM?  It is wholly up, under a VMM
 * that can be adopted, not in the middle of a save, and its creation is
 * over (an open "create" journal entry is rolled back).
 */
int
vm_keepable(const struct vm *vm)
{
	/* A fork's parent, paused but whole while its children are made. */
	return vm->state == VM_RUNNING && !vm->rm && !vm->tmpl &&
	    !vm->job_alive && !vm->suspending && (!vm->forking ||
	    (vm->snap != NULL && vm->snap->fork_saved)) &&
	    vm->d->vmm->attach != NULL &&
	    vm->pid > 0 && vm->tap[0] != '\0' && ready_marked(vm) &&
	    !seed_pending(vm);
}

/* Can reconcile keep this VM?  Also, pid is still its QEMU. */
int
vm_adoptable(const struct vm *vm)
{
	return vm_keepable(vm) && vm->d->priv_fd != -1 &&
	    vmm_is_ours(vm->pid, vm->id);
}

/*
 * Take it back.  -1 with a message in err when the launcher would not
 * (reconcile then stops it as before); 0 once the launcher watches it,
 * even if bangerd cannot reach its channels: then it is killed, and its
 * exit (vm_vmm_exited()) releases what it held, as for any VM.
 */
int
vm_adopt(struct vm *vm, char *err, size_t errlen)
{
	struct bangerd	*d = vm->d;
	char		 why[512];

	if (vm_bridge(d, err, errlen) == -1)
		return -1;
	if (launch_adopt(d, vm) == -1) {
		snprintf(err, errlen, "the launcher would not adopt QEMU %d: "
		    "%s", (int)vm->pid, strerror(errno));
		return -1;
	}
	snprintf(vm->gateway, sizeof(vm->gateway), "%s", d->gateway);
	vm->prefix = d->prefix;
	vm_save(vm);
	if (d->vmm->attach(vm, why, sizeof(why)) == -1) {
		log_warnx("vm %s: %s; stopping it", vm->name, why);
		agent_detach(vm);
		qmp_detach(vm);
		console_close(vm);
		vm->state = VM_STOPPING;
		(void)launch_kill(d, vm, SIGKILL);
		return 0;
	}
	/* A guest a crashed save or fork left paused runs on (qmp.c). */
	vm->adopted = 1;
	/* Its agent saw the old channel close, and announces itself. */
	vm->reattached = 1;
	clock_gettime(CLOCK_MONOTONIC, &vm->t_spawn);
	net_ensure(d);
	log_info("vm %s: adopted its QEMU %d, still running at %s", vm->name,
	    (int)vm->pid, vm->address);
	return 0;
}
