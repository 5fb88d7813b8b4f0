/*
 * Creating a VM (vm run, vm create): its name, size and image from the
 * request and config.toml, its record and directory (journaled as
 * "create"), the workspace's file list, and its work disk, which
 * banger-fetch builds; then it boots (vm-boot.c).
 */
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <ftw.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "bangerd.h"
#include "config.h"
#include "firecracker.h"
#include "fdutil.h"
#include "initrd-has.h"
#include "log.h"
#include "priv-wrap.h"
#include "valid.h"

#include "vm-phase.h"

static int	stage_dirs(struct vm *vm, char *err, size_t errlen);
static int	vm_create(struct vm *vm, char *err, size_t errlen);
int		vm_create_template(struct vm *, char *, size_t);
static int	write_sync_list(struct vm *, const char *, char *, size_t);
static int	vm_mkdisk(struct vm *vm, char *err, size_t errlen);
static int	vm_spec(struct client *, struct vm *, const char *, uint64_t,
		    uint64_t, uint64_t);
static int	gen_name(struct bangerd *d, char *name, size_t len);
static int	vm_pick_name(struct client *, const char *, char *, size_t);
static void	vm_progress_spec(struct client *c, struct vm *vm);
static struct vm *vm_begin(struct client *, const char *, const char *,
		    uint64_t, uint64_t, uint64_t, const struct msg_strv *,
		    const char *, const struct msg_strv *);
static void	vm_begin_create(struct client *c, struct vm *vm);
static void	vm_disk_ready(struct bangerd *, int64_t);
static void	vm_gate_done(struct vm *, int, const char *);

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
	struct config	*cfg;
	char		 mode[8];
	const char	*rel;
	size_t		 i;
	int		 fd, rc = 0;

	if (vm->tmpl)
		return 0;	/* a template holds nothing of a config */
	if (vm->cfg == NULL) {
		snprintf(err, errlen, "internal error: no configuration");
		return -1;
	}
	cfg = vm->cfg;
	if (cfg->nsync == 0)
		return 0;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < cfg->nsync && rc == 0; i++) {
		/* config.c normalised the guest path to /root or below. */
		rel = cfg->sync[i].guest + strlen("/root");
		rel += *rel == '/';
		if (*rel == '\0') {
			snprintf(err, errlen, "file_sync: %s cannot replace "
			    "/root itself", cfg->sync[i].host);
			rc = -1;
			break;
		}
		if (cfg->sync[i].mode >= 0)
			snprintf(mode, sizeof(mode), "%o", cfg->sync[i].mode);
		else
			snprintf(mode, sizeof(mode), "-");
		if (write_all(fd, cfg->sync[i].host,
		    strlen(cfg->sync[i].host) + 1) == -1 ||
		    write_all(fd, rel, strlen(rel) + 1) == -1 ||
		    write_all(fd, mode, strlen(mode) + 1) == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			rc = -1;
		}
	}
	close(fd);
	return rc == 0 ? 1 : -1;
}

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
	/* A built full image runs sshd: give it a host key. */
	if (vm->img.rootfs[0] != '\0' && !vm->img.agent_init)
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
	/*
	 * A cold start overlaps the disk's writing (vm_disk_ready()) if the
	 * image's init can wait for the disk: not one built by an older
	 * banger.
	 */
	if (vm->boot_after_create && !vm->tmpl && d->vmm->disk_gate &&
	    initrd_has(vm->img.initrd, "banger.work=wait"))
		job_on_ready(d, vm->id, vm_disk_ready);
	vm_config_done(vm);
	return 0;
}

/*
 * vm could not be made or started: the client waiting for it, if any, is
 * told why (fmt) and let go, and vm is deleted if del (once its job and
 * VMM have ended: vm_delete()).
 */
static void __attribute__((format(printf, 3, 4)))
vm_fail_runner(struct vm *vm, int del, const char *fmt, ...)
{
	struct client	*c = vm->runner;
	va_list		 ap;
	char		 msg[1536];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c != NULL) {
		vm->runner = NULL;
		c->vm = NULL;
		client_error(c, BERR_INTERNAL, "%s", msg);
	}
	if (del)
		vm_delete(NULL, vm);
}

/*
 * The work disk has its size and file system, and banger-fetch writes
 * the rest.  A cold start boots now: its guest reads nothing of the disk
 * until the disk is whole (banger.work=wait, images/init), and the time
 * the disk takes is spent while the kernel boots.  A warm start waits
 * for the whole disk, its seed (tmpl_use()).
 */
static void
vm_disk_ready(struct bangerd *d, int64_t id)
{
	struct vm	*vm = vm_find_id(d, id);
	char		 err[1024];

	if (vm == NULL || vm->state != VM_CREATING ||
	    !vm->boot_after_create || tmpl_wanted(vm))
		return;
	vm->boot_after_create = 0;	/* vm_disk_done() boots nothing */
	vm->state = VM_STOPPED;
	vm_save(vm);
	ssh_refresh(d);
	vm_creds_arm(vm);
	vm->disk_gate = 1;
	if (vm_boot(vm, err, sizeof(err)) == 0) {
		log_info("vm %s (id %lld) starting while its work disk is "
		    "written, tap %s, address %s", vm->name, (long long)vm->id,
		    vm->tap, vm->address);
		return;
	}
	vm->disk_gate = 0;
	log_warnx("vm %s: %s", vm->name, err);
	vm_fail_runner(vm, vm->run_created, "cannot start VM %s: %s",
	    vm->name, err);
}

/* The disk of a VM that started early is done (or failed). */
static void
vm_gate_done(struct vm *vm, int ok, const char *jerr)
{
	struct timeval	 tv = { BOOT_TIMEOUT_SEC, 0 };

	vm->disk_gate = 0;
	if (!ok) {
		/* Its guest waits for a disk that will not come. */
		log_warnx("vm %s: work disk: %s", vm->name, jerr);
		vm_fail_runner(vm, 1, "cannot create VM %s: work disk: %s",
		    vm->name, jerr);
		return;
	}
	log_info("vm %s: work disk written", vm->name);
	/* vm_boot() left the boot timer to now. */
	if (vm->state == VM_STARTING && vm->boot_timer != NULL)
		evtimer_add(vm->boot_timer, &tv);
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

void
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
		/* A VMM started early ends first: vm_vmm_exited(). */
		if (vm->pid == 0 && !vm->vmm_alive)
			vm_finish_delete(vm);
		return;
	}
	if (vm->disk_gate) {
		vm_gate_done(vm, ok, jerr);
		return;
	}
	c = vm->runner;
	if (!ok) {
		log_warnx("vm %s: work disk: %s", vm->name, jerr);
		vm_fail_runner(vm, 1, "cannot create VM %s: work disk: %s "
		    "(see %s/fetch.log)", vm->name, jerr, vm->dir);
		return;
	}
	vm->state = VM_STOPPED;
	vm_save(vm);
	ssh_refresh(d);
	/* Cold or warm, this start copies the credentials in. */
	if (vm->boot_after_create)
		vm_creds_arm(vm);
	/* A template of a warm start, or a restore of one (warm.c). */
	if (vm->boot_after_create && tmpl_use(vm) == 0) {
		client_progress(c, "starting VM %s warm: restoring a booted "
		    "%s instead of booting it", vm->name, vm->img.name);
		if (vm_resume_begin(vm, err, sizeof(err)) == 0)
			return;
		if (warm_fallback(vm, err) == 0)
			return;
		goto bootfail;
	}
	if (!vm->boot_after_create) {
		if (c != NULL) {
			vm->runner = NULL;
			c->vm = NULL;
			vm_reply_info(c, vm);
		}
		return;
	}
	if (vm_boot(vm, err, sizeof(err)) == -1) {
bootfail:
		log_warnx("vm %s: %s", vm->name, err);
		if (vm->tmpl) {
			tmpl_save_failed(vm, err);
			return;
		}
		vm_fail_runner(vm, vm->run_created, "cannot start VM %s: %s",
		    vm->name, err);
		return;
	}
	log_info("vm %s (id %lld) starting, tap %s, address %s", vm->name,
	    (long long)vm->id, vm->tap, vm->address);
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
	struct vm_defaults_eff	 eff;
	char			 err[1024];

	/*
	 * Read once for the whole request: the VM's size and image here,
	 * its file_sync list (write_sync_list) and the user's key
	 * (ssh_key_note) later.  Freed once the work disk is under way.
	 */
	if ((vm->cfg = calloc(1, sizeof(*vm->cfg))) == NULL) {
		client_error(c, BERR_INTERNAL, "out of memory");
		return -1;
	}
	if (config_load(d->paths.config_file, d->home, vm->cfg, err,
	    sizeof(err)) == -1) {
		free(vm->cfg);
		vm->cfg = NULL;
		client_error(c, BERR_INVALID, "%s", err);
		return -1;
	}
	ssh_key_note(d, vm->cfg);
	if (image_lookup(d, image, vm->cfg->default_image_name, &vm->img,
	    err, sizeof(err)) == -1) {
		client_error(c, BERR_NOTFOUND, "%s", err);
		return -1;
	}
	vm->warm_cfg = vm->cfg->line[CONFIG_K_WARM] != 0 ? (int)vm->cfg->warm :
	    d->warm_default;
	config_effective(vm->cfg, d->ncpu, d->ram_bytes, &eff);
	vm->vcpus = vcpus > 0 ? (int)vcpus : eff.vcpu;
	vm->memory_mib = memory_mib > 0 ? (int)memory_mib :
	    (int)eff.memory_mib;
	vm->disk_mib = disk_mib > 0 ? disk_mib : eff.disk_mib;
	return 0;
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
    uint64_t vcpus, uint64_t memory_mib, uint64_t disk_mib,
    const struct msg_strv *publish, const char *egress,
    const struct msg_strv *allow)
{
	struct vm	*vm;
	char		 name[VM_NAME_MAX + 1], err[256];

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
	if (vm_ports_set(vm, publish, err, sizeof(err)) == -1 ||
	    vm_egress_init(vm, egress, allow, err, sizeof(err)) == -1) {
		client_error(c, BERR_INVALID, "%s", err);
		vm_free(vm);
		return NULL;
	}
	return vm;
}

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
	    req->memory_mib, req->disk_mib, &req->publish, req->egress,
	    &req->allow)) == NULL)
		return;
	vm->rm = req->rm;
	vm->cold = req->cold;
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
		if (vm->ws_dir[0] == '\0' || vm->img.rootfs[0] == '\0' ||
		    vm->img.agent_init) {
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
	if (req->argv.n == 0 && (vm->img.rootfs[0] == '\0' ||
	    vm->img.agent_init)) {
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
	    req->memory_mib, req->disk_mib, &req->publish, req->egress,
	    &req->allow)) == NULL)
		return;
	vm_progress_spec(c, vm);
	vm->cold = req->cold;
	vm->boot_after_create = req->start;
	vm_begin_create(c, vm);
}

/* A warm template's VM (warm.c): made as any VM, hidden by its name. */
int
vm_create_template(struct vm *vm, char *err, size_t errlen)
{
	snprintf(vm->egress_line, sizeof(vm->egress_line), "open");
	return vm_create(vm, err, errlen);
}
