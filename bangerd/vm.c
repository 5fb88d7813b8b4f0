/*
 * VMs: the list, the record, their files, and what every phase shares.
 * The phases live beside this file: vm-create.c (a new VM and its work
 * disk), vm-boot.c (tap, channels, VMM, until the guest is ready),
 * vm-session.c (the command a client runs in it) and vm-stop.c (stop,
 * delete and the VMM's exit).  Everything runs on the event loop; the
 * privileged helper is asked synchronously (its requests take
 * milliseconds).
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

#include "vm-phase.h"

static int	rm_entry(const char *, const struct stat *, int, struct FTW *);

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
	snprintf(vm->egress_line, sizeof(vm->egress_line), "open");
	TAILQ_INSERT_TAIL(&d->vms, vm, entry);
	return vm;
}

/* The VMs the database holds, at start-up. */
int
vm_load(struct bangerd *d)
{
	struct vm_row	*rows;
	struct vm	*vm;
	size_t		 n, i;

	if (db_vm_load(d, &rows, &n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if ((vm = vm_new(d)) == NULL) {
			free(rows);
			return -1;
		}
		vm->id = rows[i].id;
		snprintf(vm->name, sizeof(vm->name), "%s", rows[i].name);
		vm->state = rows[i].state;
		vm->accel = rows[i].accel;
		vm->vcpus = rows[i].vcpus;
		vm->memory_mib = rows[i].memory_mib;
		snprintf(vm->address, sizeof(vm->address), "%s",
		    rows[i].address);
		snprintf(vm->tap, sizeof(vm->tap), "%s", rows[i].tap);
		vm->pid = rows[i].pid;
		vm->rm = rows[i].rm;
		vm->created = rows[i].created;
		vm->disk_mib = rows[i].disk_mib;
		/* A warm template's VM: reconcile drops it. */
		vm->tmpl = rows[i].name[0] == '_';
		snprintf(vm->img.name, sizeof(vm->img.name), "%s",
		    rows[i].image);
		vm_ports_load(vm, rows[i].ports);
		vm_egress_load(vm, rows[i].egress);
		snprintf(vm->dir, sizeof(vm->dir), "%s/%s", d->paths.vms_dir,
		    vm->name);
	}
	free(rows);
	return 0;
}

void
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
	struct bangerd	*d = vm->d;

	vm_config_done(vm);
	snap_free(vm);
	/* A template VM that goes another way than tmpl_drop() (warm.c). */
	if (d->tmpl_vm == vm) {
		d->tmpl_vm = NULL;
		if (d->tmpl_client != NULL) {
			d->tmpl_client->vm = NULL;
			client_error(d->tmpl_client, BERR_INTERNAL, "the warm "
			    "template's VM went away (see bangerd's log)");
			d->tmpl_client = NULL;
		}
	}
	console_close(vm);
	agent_detach(vm);
	qmp_detach(vm);
	if (vm->boot_timer != NULL)
		event_free(vm->boot_timer);
	if (vm->kill_timer != NULL)
		event_free(vm->kill_timer);
	if (vm->exec_timer != NULL)
		event_free(vm->exec_timer);
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
	TAILQ_REMOVE(&d->vms, vm, entry);
	free(vm);
	net_sync(d);
}

/* The request's configuration is no longer needed. */
void
vm_config_done(struct vm *vm)
{
	if (vm->cfg != NULL) {
		config_free(vm->cfg);
		free(vm->cfg);
		vm->cfg = NULL;
	}
}

void
vm_save(struct vm *vm)
{
	if (db_vm_update(vm->d, vm) == -1)
		log_warnx("vm %s: could not record state %s", vm->name,
		    vm_state_name(vm->state));
	/* A VM's address comes and goes with its state. */
	net_sync(vm->d);
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

/* A tree of our own files, links removed, never followed. */
void
rm_tree(const char *path)
{
	(void)nftw(path, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
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

void
vm_info(struct vm *vm, struct ctl_vm_info *vi)
{
	memset(vi, 0, sizeof(*vi));
	vi->name = vm->name;
	vi->state = (char *)vm_state_name(vm->state);
	vi->vmm = (char *)vm->d->vmm->name;
	vi->accel = (char *)accel_name(vm->accel);
	vi->address = vm->state == VM_STOPPED || vm->state == VM_SUSPENDED ?
	    "" : vm->address;
	vi->pid = vm->pid > 0 ? (uint64_t)vm->pid : 0;
	vi->created = vm->created;
	vi->vcpus = vm->vcpus;
	vi->memory_mib = vm->memory_mib;
	vi->disk_mib = vm->disk_mib;
	vi->dir = vm->dir;
	vi->image = vm->img.name;
	vi->root = (char *)rootdisk_kind(vm);
	vm_ports_info(vm, vi);
	vm_egress_info(vm, vi);
	vm_creds_info(vm, vi);
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

int
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

void
vm_release_tap(struct vm *vm)
{
	char	 err[256];

	if (vm->tap[0] == '\0' || vm->d->priv_fd == -1)
		return;
	if (priv_tap_delete(vm->d->priv_fd, vm->id, err, sizeof(err)) != 0)
		log_warnx("vm %s: release tap %s: %s", vm->name, vm->tap, err);
	vm->tap[0] = '\0';
}
