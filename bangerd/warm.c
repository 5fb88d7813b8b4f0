/*
 * Warm starts.  For an image and a VM shape (vCPUs, memory, disk), a
 * template is a guest booted once with an empty work disk, left until it
 * has settled (systemd's start-up finished, sshd listening: vm-boot.c's
 * settle_sh), synced and saved (vm-suspend.c's save): its state, its
 * record, its work disk and its RAM, in templates/KEY under the state
 * directory.  A new VM whose template is whole and was made from the
 * same image files, kernel, VMM, accelerator, TSC rate and banger is
 * restored from it instead of booted:
 *
 * - its RAM is the template's RAM file mapped copy-on-write (qemu.c), so
 *   the saved state holds only the devices' state and the restore reads
 *   just the pages the guest touches;
 * - its work disk is a copy of the template's (the restored guest's
 *   caches describe that disk, so only a byte-for-byte copy is safe);
 * - the disk banger-fetch built for it as usual (workspace, file_sync,
 *   keys) becomes its seed disk, a read-only device every QEMU VM has
 *   (empty unless warm), from which the guest copies its files into
 *   /root once it runs (its page cache for that device dropped first);
 * - after the restore, entropy, clock, address and MAC as after any
 *   (vm-resume.c), then one step in the guest (`banger-agent own`,
 *   vm-boot.c's vm_seed()) takes the VM's hostname, machine id, the ssh
 *   host key made for it on the host, and its files.
 *
 * If the restore fails or the guest does not answer within
 * WARM_TIMEOUT_SEC, the VM boots cold from the disk that was built for
 * it, which is then its work disk again: a warm start never loses the
 * workspace.  `banger image warm` makes a template; with config.toml's
 * warm = "auto" one is also made in the background the first time a VM
 * could have used it.  One template is made at a time.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "bangerd.h"
#include "copysparse.h"
#include "config.h"
#include "fdutil.h"
#include "log.h"
#include "snap.h"
#include "valid.h"
#include "vm-phase.h"

#define TMPL_DIR	"templates"
/*
 * Present while a warm VM's work disk is the template's copy and its own
 * disk (workspace and all) is seed.ext4: until the guest has copied its
 * files in, or the start is undone (warm_undo()), whatever happens to
 * bangerd in between.
 */
#define SEED_PENDING	"seed.pending"

static void	tmpl_drop(struct vm *, const char *);

static double
tmpl_age(const struct vm *vm)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - vm->t_tmpl.tv_sec) +
	    (now.tv_nsec - vm->t_tmpl.tv_nsec) / 1e9;
}

/* IMAGE-Nc-Mm-Dd: one template per image and shape. */
static int
tmpl_key(const char *image, int vcpus, int mem, uint64_t disk, char *out,
    size_t len)
{
	int	 n;

	n = snprintf(out, len, "%s-%dc-%dm-%llud", image, vcpus, mem,
	    (unsigned long long)disk);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int
tmpl_path(const struct bangerd *d, const char *key, const char *file,
    char *out, size_t len)
{
	int	 n;

	n = file == NULL ? snprintf(out, len, "%s/%s/%s", d->paths.state_dir,
	    TMPL_DIR, key) : snprintf(out, len, "%s/%s/%s/%s",
	    d->paths.state_dir, TMPL_DIR, key, file);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
seed_pending(const struct vm *vm)
{
	char	 p[PATH_MAX + 16];

	snprintf(p, sizeof(p), "%s/%s", vm->dir, SEED_PENDING);
	return access(p, F_OK) == 0;
}

static int
seed_mark(const struct vm *vm, int on)
{
	char	 p[PATH_MAX + 16];
	int	 fd;

	snprintf(p, sizeof(p), "%s/%s", vm->dir, SEED_PENDING);
	if (!on) {
		if (unlink(p) == -1 && errno != ENOENT)
			return -1;
	} else {
		if ((fd = open(p, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		    0600)) == -1)
			return -1;
		close(fd);
	}
	return fsync_dir(vm->dir);
}

/*
 * Every QEMU VM has a seed disk of its work disk's size; unless this
 * start is warm it is empty (so no stale files or label can be read).
 * While a warm start's files wait in it, it is never touched.
 */
int
seed_prepare(struct vm *vm, char *err, size_t errlen)
{
	char	 p[PATH_MAX + 16];
	int	 fd;

	if (vm->warm || seed_pending(vm))
		return 0;
	snprintf(p, sizeof(p), "%s/seed.ext4", vm->dir);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1 || ftruncate(fd, 0) == -1 ||
	    ftruncate(fd, (off_t)(vm->disk_mib << 20)) == -1) {
		snprintf(err, errlen, "seed disk %s: %s", p, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* A file of ours, 0600, regular; its size. */
static int
own_file(const char *p, uint64_t *size)
{
	int	 fd;

	if ((fd = snap_open_own(p, size)) == -1)
		return -1;
	close(fd);
	return 0;
}

/*
 * The template for vm's image and shape, if it is whole and was made from
 * what vm would boot: its record into si.  0 usable, -1 not (why says).
 */
static int
tmpl_check(struct vm *vm, const char *key, struct snap_info *si,
    char *why, size_t whylen)
{
	struct snap_info cur;
	char		 p[PATH_MAX + 64], text[SNAP_INFO_MAX + 1];
	uint64_t	 size;
	ssize_t		 n;
	int		 fd;

	if (tmpl_path(vm->d, key, SNAP_INFO, p, sizeof(p)) == -1 ||
	    own_file(p, &size) == -1) {
		snprintf(why, whylen, "none made");
		return -1;
	}
	if ((fd = open_regular(p)) == -1)
		return -1;
	n = size <= SNAP_INFO_MAX ? read_all(fd, text, sizeof(text)) : -1;
	close(fd);
	if (n < 0 || snap_info_parse(text, (size_t)n, si) == -1) {
		snprintf(why, whylen, "its record is damaged");
		return -1;
	}
	snap_identity(vm, &cur);
	if (strcmp(cur.vmm, si->vmm) != 0 || strcmp(cur.accel, si->accel) !=
	    0 || cur.vcpus != si->vcpus || cur.memory_mib != si->memory_mib ||
	    cur.tsc_khz != si->tsc_khz || strcmp(cur.version, si->version) !=
	    0 || memcmp(&cur.kernel, &si->kernel, sizeof(cur.kernel)) != 0 ||
	    memcmp(&cur.initrd, &si->initrd, sizeof(cur.initrd)) != 0 ||
	    memcmp(&cur.rootfs, &si->rootfs, sizeof(cur.rootfs)) != 0) {
		snprintf(why, whylen, "it was made from another image, kernel, "
		    "host or banger");
		return -1;
	}
	if (tmpl_path(vm->d, key, SNAP_STATE, p, sizeof(p)) == -1 ||
	    own_file(p, &size) == -1 || size != si->state_size) {
		snprintf(why, whylen, "its saved state is missing or not the "
		    "size recorded");
		return -1;
	}
	if (tmpl_path(vm->d, key, "work.ext4", p, sizeof(p)) == -1 ||
	    own_file(p, &size) == -1 || size != vm->disk_mib << 20) {
		snprintf(why, whylen, "its work disk is missing or not the "
		    "right size");
		return -1;
	}
	if (tmpl_path(vm->d, key, TMPL_RAM, p, sizeof(p)) == -1 ||
	    own_file(p, &size) == -1 ||
	    size != (uint64_t)vm->memory_mib << 20) {
		snprintf(why, whylen, "its RAM file is missing or not the "
		    "right size (older templates have none; `banger image "
		    "warm` makes a new one)");
		return -1;
	}
	return 0;
}

/* Could vm start warm at all (before looking for a template)? */
static int
warm_possible(struct vm *vm)
{
	return !vm->cold && vm->warm_cfg != CONFIG_WARM_OFF &&
	    strcmp(vm->d->vmm->name, "qemu") == 0 && !vm->img.agent_init &&
	    strcmp(rootdisk_kind(vm), "snapshot") != 0 && !vm->tmpl;
}

/*
 * Undo what tmpl_use() did to vm's directory, whenever it is found half
 * done (no VMM runs): the disk built for it is its work disk again, the
 * template's state is dropped.
 */
void
warm_undo(struct vm *vm)
{
	char	 seed[PATH_MAX + 16], work[PATH_MAX + 16];

	vm->warm = vm->shared_ram = 0;
	if (!seed_pending(vm))
		return;
	/* Its own disk comes back: nothing of the template's to undo. */
	vm->born_as[0] = vm->net_was[0] = '\0';
	snprintf(seed, sizeof(seed), "%s/seed.ext4", vm->dir);
	snprintf(work, sizeof(work), "%s/work.ext4", vm->dir);
	snap_rm_dir(vm, SNAP_NEW_DIR);
	(void)snap_discard(vm);
	if (rename(seed, work) == -1) {
		log_warn("vm %s: rename %s", vm->name, seed);
		return;		/* pending still: tried again next time */
	}
	if (seed_mark(vm, 0) == -1)
		log_warn("vm %s: %s", vm->name, SEED_PENDING);
	log_info("vm %s: warm start undone; its own disk is back", vm->name);
}

/*
 * Before vm's own disk is whole: would it start warm?  1 if a usable
 * template is there (tmpl_use() decides again once the disk is built);
 * 0 if it boots cold, with a template asked for as tmpl_use() would.
 */
int
tmpl_wanted(struct vm *vm)
{
	struct snap_info si;
	char		 key[160], why[128];

	if (!warm_possible(vm) || tmpl_key(vm->img.name, vm->vcpus,
	    vm->memory_mib, vm->disk_mib, key, sizeof(key)) == -1)
		return 0;
	if (tmpl_check(vm, key, &si, why, sizeof(why)) == 0)
		return 1;
	log_info("vm %s: no warm start from %s: %s", vm->name, key, why);
	if (vm->warm_cfg == CONFIG_WARM_AUTO)
		tmpl_build(vm->d, NULL, vm->img.name, vm->vcpus,
		    vm->memory_mib, vm->disk_mib);
	return 0;
}

/*
 * After vm's own disk was built: make it a restore of the template when
 * there is a usable one.  0: vm is now suspended on the template's state
 * (the caller resumes it); -1: boot it cold (the directory is as before).
 */
int
tmpl_use(struct vm *vm)
{
	struct snap_info si;
	char		 key[160], why[128], from[PATH_MAX + 64];
	char		 seed[PATH_MAX + 16], work[PATH_MAX + 16];
	char		 to[PATH_MAX + 32], text[SNAP_INFO_MAX];
	uint64_t	 copied;
	int		 in = -1, out = -1, fd, n;

	if (!warm_possible(vm) || tmpl_key(vm->img.name, vm->vcpus,
	    vm->memory_mib, vm->disk_mib, key, sizeof(key)) == -1)
		return -1;
	if (tmpl_check(vm, key, &si, why, sizeof(why)) == -1) {
		log_info("vm %s: no warm start from %s: %s", vm->name, key,
		    why);
		if (vm->warm_cfg == CONFIG_WARM_AUTO)
			tmpl_build(vm->d, NULL, vm->img.name, vm->vcpus,
			    vm->memory_mib, vm->disk_mib);
		return -1;
	}
	snprintf(seed, sizeof(seed), "%s/seed.ext4", vm->dir);
	snprintf(work, sizeof(work), "%s/work.ext4", vm->dir);
	if (seed_mark(vm, 1) == -1) {
		log_warn("vm %s: %s", vm->name, SEED_PENDING);
		return -1;
	}
	if (rename(work, seed) == -1) {
		log_warn("vm %s: rename %s", vm->name, work);
		(void)seed_mark(vm, 0);
		return -1;
	}
	vm->warm = 1;
	vm->seed_how = SEED_OWN;
	if (tmpl_path(vm->d, key, "work.ext4", from, sizeof(from)) == -1 ||
	    (in = open_regular(from)) == -1 || (out = open(work, O_WRONLY |
	    O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) == -1 ||
	    copy_sparse(in, out, &copied) == -1 || fsync(out) == -1) {
		log_warn("vm %s: copying the template's disk", vm->name);
		goto fail;
	}
	close(in);
	close(out);
	in = out = -1;
	if (snap_path(vm, SNAP_NEW_DIR, NULL, to, sizeof(to)) == -1 ||
	    mkdir(to, 0700) == -1 ||
	    tmpl_path(vm->d, key, SNAP_STATE, from, sizeof(from)) == -1 ||
	    snap_path(vm, SNAP_NEW_DIR, SNAP_STATE, to, sizeof(to)) == -1 ||
	    link(from, to) == -1 ||
	    tmpl_path(vm->d, key, TMPL_RAM, from, sizeof(from)) == -1 ||
	    snap_path(vm, SNAP_NEW_DIR, SNAP_RAM, to, sizeof(to)) == -1 ||
	    link(from, to) == -1) {
		log_warn("vm %s: linking the template's state", vm->name);
		goto fail;
	}
	if ((n = snap_info_format(&si, text, sizeof(text))) == -1 ||
	    snap_path(vm, SNAP_NEW_DIR, SNAP_INFO, to, sizeof(to)) == -1 ||
	    (fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1)
		goto fail;
	if (write_all(fd, text, (size_t)n) != n || fsync(fd) == -1) {
		close(fd);
		goto fail;
	}
	close(fd);
	if (snap_path(vm, SNAP_NEW_DIR, NULL, from, sizeof(from)) == -1 ||
	    snap_path(vm, SNAP_DIR, NULL, to, sizeof(to)) == -1 ||
	    fsync_dir(from) == -1 || rename(from, to) == -1 ||
	    fsync_dir(vm->dir) == -1) {
		log_warn("vm %s: moving the template's state into place",
		    vm->name);
		goto fail;
	}
	vm->state = VM_SUSPENDED;
	vm->shared_ram = 1;
	vm_save(vm);
	log_info("vm %s: warm start from %s (%llu bytes of disk copied)",
	    vm->name, key, (unsigned long long)copied);
	return 0;
fail:
	if (in != -1)
		close(in);
	if (out != -1)
		close(out);
	(void)unlink(work);
	warm_undo(vm);
	return -1;
}

/*
 * A warm start that failed (vm_vmm_exited, with why): the VM boots cold
 * from the disk built for it.  0 if that boot is under way.
 */
int
warm_fallback(struct vm *vm, const char *why)
{
	char	 err[1024];

	log_warnx("vm %s: warm start failed (%s); booting cold", vm->name,
	    why);
	vm->seed_failed = 0;
	if (vm->runner != NULL)
		client_progress(vm->runner, "the warm start failed (%s); "
		    "booting VM %s cold", why, vm->name);
	warm_undo(vm);
	vm->state = VM_STOPPED;
	vm->born_as[0] = vm->net_was[0] = '\0';
	vm_save(vm);
	if (vm_boot(vm, err, sizeof(err)) == 0)
		return 0;
	log_warnx("vm %s: %s", vm->name, err);
	return -1;
}

/*
 * The guest took its files from the seed disk and synced them (status
 * 0): the VM's disk is its own, the seed's blocks are freed.  If it could
 * not, its VMM is ended and vm_vmm_exited() boots it cold from the disk
 * built for it (or, with no one waiting, puts that disk back).
 */
void
warm_seeded(struct vm *vm, int64_t status)
{
	char	 err[128];

	if (status == 0) {
		vm->warm = 0;
		vm->ncaptured = 0;
		if (seed_mark(vm, 0) == -1)
			log_warn("vm %s: %s", vm->name, SEED_PENDING);
		else if (seed_prepare(vm, err, sizeof(err)) == -1)
			log_warnx("vm %s: %s", vm->name, err);
		vm_prepare(vm);
		return;
	}
	/* Guest text: the log escapes it (log.c). */
	log_warnx("vm %s: taking its identity and files from the seed disk "
	    "failed (status %lld%s%.*s); ending it", vm->name,
	    (long long)status, vm->ncaptured > 0 ? ": " : "",
	    (int)vm->ncaptured, vm->captured);
	vm->ncaptured = 0;
	vm->seed_failed = 1;
	(void)launch_kill(vm->d, vm, SIGKILL);
}

/* ---- making templates ------------------------------------------- */

/*
 * Make the template for IMAGE and a shape: a hidden VM (its name starts
 * with '_', which no user's VM can) booted with an empty work disk, then
 * saved and moved into place (tmpl_exited()).  c, if not NULL, waits.
 */
void
tmpl_build(struct bangerd *d, struct client *c, const char *image, int vcpus,
    int mem, uint64_t disk)
{
	struct vm	*vm;
	uint8_t		 r[3];
	char		 err[1024], key[160];

	if (d->tmpl_vm != NULL) {
		if (c != NULL)
			client_error(c, BERR_BUSY, "a template is being made "
			    "(%s); try again when it is done",
			    d->tmpl_vm->tmpl_key);
		return;
	}
	if (strcmp(d->vmm->name, "qemu") != 0) {
		if (c != NULL)
			client_error(c, BERR_INVALID, "warm templates need the "
			    "QEMU driver (bangerd runs %s)", d->vmm->name);
		return;
	}
	if (tmpl_key(image, vcpus, mem, disk, key, sizeof(key)) == -1 ||
	    getrandom(r, sizeof(r), 0) != sizeof(r) || (vm = vm_new(d)) ==
	    NULL) {
		if (c != NULL)
			client_error(c, BERR_INTERNAL, "out of memory");
		return;
	}
	snprintf(vm->name, sizeof(vm->name), "_warm-%02x%02x%02x", r[0], r[1],
	    r[2]);
	snprintf(vm->tmpl_key, sizeof(vm->tmpl_key), "%s", key);
	vm->tmpl = 1;
	vm->vcpus = vcpus;
	vm->memory_mib = mem;
	vm->disk_mib = disk;
	if (image_lookup(d, image, "", &vm->img, err, sizeof(err)) == -1) {
		vm_free(vm);
		if (c != NULL)
			client_error(c, BERR_NOTFOUND, "%s", err);
		return;
	}
	if (vm->img.agent_init) {
		vm_free(vm);
		if (c != NULL)
			client_error(c, BERR_INVALID, "image %s is a registered "
			    "root, which is not warmed (its init is the "
			    "agent)", image);
		return;
	}
	d->tmpl_vm = vm;
	d->tmpl_client = c;
	if (c != NULL)
		c->vm = vm;
	clock_gettime(CLOCK_MONOTONIC, &vm->t_tmpl);
	vm->boot_after_create = 1;
	log_info("making the warm template %s", key);
	if (c != NULL)
		client_progress(c, "making the warm template for %s: %d vCPU, "
		    "%d MiB RAM, %llu MiB disk (one boot, then a save)", image,
		    vcpus, mem, (unsigned long long)disk);
	if (vm_create_template(vm, err, sizeof(err)) == -1)
		tmpl_drop(vm, err);
}

/* The template VM is done with, made or not: answer and forget it. */
static void
tmpl_drop(struct vm *vm, const char *err)
{
	struct bangerd	*d = vm->d;
	struct client	*c = d->tmpl_client;

	d->tmpl_vm = NULL;
	d->tmpl_client = NULL;
	if (err != NULL)
		log_warnx("warm template %s: %s", vm->tmpl_key, err);
	if (c != NULL) {
		c->vm = NULL;
		if (err != NULL)
			client_error(c, BERR_INTERNAL, "could not make the warm "
			    "template %s: %s", vm->tmpl_key, err);
		else {
			client_send(c, CTL_OK, &(struct ctl_ok){ 0 });
			client_finish(c);
		}
	}
	if (vm->pid > 0 || vm->vmm_alive) {
		vm_delete(NULL, vm);
		return;
	}
	vm_remove_files(vm);
	db_vm_delete(d, vm->id);
	if (vm->create_jid > 0)
		db_journal_end(d, vm->create_jid);
	vm_free(vm);
}

/* The template VM's guest is up and settled: save it. */
void
tmpl_save(struct vm *vm)
{
	char	 p[PATH_MAX + 32];

	if (snap_new(vm) == NULL) {
		tmpl_drop(vm, "out of memory");
		return;
	}
	snap_rm_dir(vm, SNAP_NEW_DIR);
	if (snap_path(vm, SNAP_NEW_DIR, NULL, p, sizeof(p)) == -1 ||
	    mkdir(p, 0700) == -1) {
		snap_free(vm);
		tmpl_drop(vm, "could not make its state directory");
		return;
	}
	vm->suspending = 1;
	if (vm->boot_timer != NULL)
		evtimer_del(vm->boot_timer);	/* the save's deadline now */
	snap_arm(vm);
	if (vm->d->tmpl_client != NULL)
		client_progress(vm->d->tmpl_client, "booted and settled in "
		    "%.1f s; saving it", tmpl_age(vm));
	vm_suspend_synced(vm);	/* the settle step synced */
}

/* A save of the template VM failed (vm_suspend_saved). */
void
tmpl_save_failed(struct vm *vm, const char *err)
{
	tmpl_drop(vm, err);
}

/*
 * The template VM's VMM is gone.  If its state was saved, the state, its
 * record and the work disk move to templates/KEY, replacing what was
 * there in one rename.
 */
void
tmpl_exited(struct vm *vm, int saved)
{
	struct bangerd	*d = vm->d;
	char		 dir[PATH_MAX], tmp[PATH_MAX + 16], old[PATH_MAX + 16];
	char		 from[PATH_MAX + 32], to[PATH_MAX + 32];
	static const char *const files[] = { SNAP_STATE, SNAP_INFO };
	size_t		 i;
	int		 fd;

	if (!saved) {
		tmpl_drop(vm, "its VM stopped before it was saved (see "
		    "bangerd's log)");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/%s", d->paths.state_dir, TMPL_DIR);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		goto fail;
	if (tmpl_path(d, vm->tmpl_key, NULL, to, sizeof(to)) == -1)
		goto fail;
	snprintf(tmp, sizeof(tmp), "%s.new", to);
	snprintf(old, sizeof(old), "%s.old", to);
	rm_tree(tmp);
	rm_tree(old);
	if (mkdir(tmp, 0700) == -1)
		goto fail;
	for (i = 0; i < 2; i++) {
		if (snap_path(vm, SNAP_DIR, files[i], from, sizeof(from)) ==
		    -1)
			goto fail;
		snprintf(to, sizeof(to), "%s/%s", tmp, files[i]);
		if (rename(from, to) == -1)
			goto fail;
	}
	snprintf(from, sizeof(from), "%s/work.ext4", vm->dir);
	snprintf(to, sizeof(to), "%s/work.ext4", tmp);
	if (rename(from, to) == -1)
		goto fail;
	/* The RAM the state leaves out: on disk before the template is. */
	snprintf(from, sizeof(from), "%s/%s", vm->dir, TMPL_RAM);
	snprintf(to, sizeof(to), "%s/%s", tmp, TMPL_RAM);
	if ((fd = open(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		goto fail;
	if (fchmod(fd, 0600) == -1 || fsync(fd) == -1) {
		close(fd);
		goto fail;
	}
	close(fd);
	if (rename(from, to) == -1 || fsync_dir(tmp) == -1)
		goto fail;
	(void)tmpl_path(d, vm->tmpl_key, NULL, to, sizeof(to));
	if (rename(to, old) == -1 && errno != ENOENT)
		goto fail;
	if (rename(tmp, to) == -1)
		goto fail;
	(void)fsync_dir(dir);
	rm_tree(old);
	log_info("warm template %s made in %.1f s", vm->tmpl_key,
	    tmpl_age(vm));
	if (d->tmpl_client != NULL)
		client_progress(d->tmpl_client, "warm template %s is ready "
		    "(%.1f s)", vm->tmpl_key, tmpl_age(vm));
	tmpl_drop(vm, NULL);
	return;
fail:
	log_warn("warm template %s", vm->tmpl_key);
	rm_tree(tmp);
	tmpl_drop(vm, "could not move it into place (see bangerd's log)");
}

/*
 * The shape part of a template directory's name if it is IMAGE's:
 * exactly IMAGE-Nc-Mm-Dd (so that image "a" never claims the templates
 * of an image "a-1c").  NULL otherwise.
 */
static const char *
tmpl_shape_of(const char *name, const char *image)
{
	size_t		 n = strlen(image);
	unsigned	 c, m;
	unsigned long long dk;
	int		 end = 0;
	char		 back[64];

	if (strncmp(name, image, n) != 0 || name[n] != '-')
		return NULL;
	if (sscanf(name + n + 1, "%uc-%um-%llud%n", &c, &m, &dk, &end) != 3 ||
	    name[n + 1 + end] != '\0')
		return NULL;
	snprintf(back, sizeof(back), "%uc-%um-%llud", c, m, dk);
	return strcmp(back, name + n + 1) == 0 ? name + n + 1 : NULL;
}

/* Remove IMAGE's templates (image delete). */
void
tmpl_remove_image(struct bangerd *d, const char *image)
{
	char		 dir[PATH_MAX], p[PATH_MAX + 300];
	struct dirent	*de;
	DIR		*dp;

	snprintf(dir, sizeof(dir), "%s/%s", d->paths.state_dir, TMPL_DIR);
	if ((dp = opendir(dir)) == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		if (tmpl_shape_of(de->d_name, image) == NULL)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		rm_tree(p);
	}
	closedir(dp);
}

/*
 * A template's directory half moved into place when bangerd stopped
 * (tmpl_exited()): KEY.new or KEY.old, each with a RAM file of some GiB.
 * Removed at start, when no template is being made.
 */
void
tmpl_tidy(struct bangerd *d)
{
	char		 dir[PATH_MAX], p[PATH_MAX + 300];
	struct dirent	*de;
	DIR		*dp;
	size_t		 n;

	snprintf(dir, sizeof(dir), "%s/%s", d->paths.state_dir, TMPL_DIR);
	if ((dp = opendir(dir)) == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		n = strlen(de->d_name);
		if (de->d_name[0] == '.' || n < 5 ||
		    (strcmp(de->d_name + n - 4, ".new") != 0 &&
		    strcmp(de->d_name + n - 4, ".old") != 0))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		log_info("removing %s, a template left half made", p);
		rm_tree(p);
	}
	closedir(dp);
}

/* IMAGE's templates' shapes (made, whole or not), for image show. */
size_t
tmpl_shapes(struct bangerd *d, const char *image, char out[][48],
    size_t max)
{
	char		 dir[PATH_MAX], p[PATH_MAX + 300];
	struct dirent	*de;
	DIR		*dp;
	const char	*shape;
	size_t		 n = 0;

	snprintf(dir, sizeof(dir), "%s/%s", d->paths.state_dir, TMPL_DIR);
	if ((dp = opendir(dir)) == NULL)
		return 0;
	while (n < max && (de = readdir(dp)) != NULL) {
		if ((shape = tmpl_shape_of(de->d_name, image)) == NULL)
			continue;
		/* Whole enough to be used: a record and a RAM file. */
		snprintf(p, sizeof(p), "%s/%s/%s", dir, de->d_name, SNAP_INFO);
		if (access(p, F_OK) == -1)
			continue;
		snprintf(p, sizeof(p), "%s/%s/%s", dir, de->d_name, TMPL_RAM);
		if (access(p, F_OK) == 0)
			snprintf(out[n++], 48, "%s", shape);
	}
	closedir(dp);
	return n;
}

/* image warm IMAGE: the shape as vm create would choose it. */
void
image_warm_cmd(struct client *c, const struct ctl_image_warm *req)
{
	struct bangerd		*d = c->d;
	struct config		 cfg;
	struct vm_defaults_eff	 eff;
	struct image		 img;
	char			 err[1024];

	config_init(&cfg);
	if (config_load(d->paths.config_file, d->home, &cfg, err,
	    sizeof(err)) == -1) {
		client_error(c, BERR_INVALID, "%s", err);
		return;
	}
	if (image_lookup(d, req->image, cfg.default_image_name, &img, err,
	    sizeof(err)) == -1) {
		config_free(&cfg);
		client_error(c, BERR_NOTFOUND, "%s", err);
		return;
	}
	config_effective(&cfg, d->ncpu, d->ram_bytes, &eff);
	config_free(&cfg);
	tmpl_build(d, c, img.name, req->vcpus > 0 ? (int)req->vcpus : eff.vcpu,
	    req->memory_mib > 0 ? (int)req->memory_mib : (int)eff.memory_mib,
	    req->disk_mib > 0 ? req->disk_mib : eff.disk_mib);
}
