/*
 * A full image's root disk as a device-mapper snapshot, for QEMU, where
 * the kernel has device-mapper: banger-priv makes it from the image
 * (opened here read-only) and the VM's root.cow (opened here read-write,
 * sparse, as large as the image plus room for the snapshot's metadata),
 * and returns the snapshot's block device, which QEMU gets by descriptor.
 * The snapshot is persistent, so it is released when the VM stops and made
 * again over the same root.cow when it starts.  Elsewhere (no
 * device-mapper, priv.conf says dm_snapshots = false, or Firecracker) the
 * guest builds an overlay instead; see images/init.
 *
 * The kind is chosen when the VM is created (rootdisk_choose: an empty
 * root.cow marks a snapshot VM) and kept: an overlay VM never becomes a
 * snapshot VM, whose first boot would otherwise copy its overlay's upper
 * layer into the root.  root.base, written at the first snapshot, records
 * which image file root.cow's chunks belong to; from then on the VM needs
 * a snapshot of that file to start, and a rebuilt image is refused rather
 * than shown through another image's changes.  A snapshot VM whose first
 * snapshot is refused as unsupported (priv.conf's dm_snapshots = false)
 * becomes an overlay VM: nothing has been written to its root yet.
 */
#include <sys/stat.h>
#include <sys/statfs.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bangerd.h"
#include "fdutil.h"
#include "log.h"
#include "priv-wrap.h"
#include "valid.h"
#include "vmm.h"

#define ROOT_COW	"root.cow"
#define ROOT_BASE	"root.base"

/* "dev ino size mtime" of the image file. */
static void
base_id(const struct stat *st, char *out, size_t len)
{
	snprintf(out, len, "%ju %ju %jd %jd.%09ld\n", (uintmax_t)st->st_dev,
	    (uintmax_t)st->st_ino, (intmax_t)st->st_size,
	    (intmax_t)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
}

/* 0 if root.base names this image file, 1 if it names another, -1. */
static int
base_check(struct vm *vm, const struct stat *st, int create, char *err,
    size_t errlen)
{
	char	 path[PATH_MAX + 16], want[128], have[128];
	ssize_t	 n;
	int	 fd;

	base_id(st, want, sizeof(want));
	snprintf(path, sizeof(path), "%s/%s", vm->dir, ROOT_BASE);
	if (create) {
		if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
		    O_NOFOLLOW, 0600)) == -1 || write_all(fd, want,
		    strlen(want)) == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			if (fd != -1)
				close(fd);
			return -1;
		}
		close(fd);
		return 0;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = read_all(fd, have, sizeof(have) - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	have[n] = '\0';
	return strcmp(have, want) == 0 ? 0 : 1;
}

/* At creation: mark a full-image QEMU VM on a device-mapper host. */
int
rootdisk_choose(struct vm *vm, char *err, size_t errlen)
{
	char	 cow[PATH_MAX + 16];
	int	 fd;

	struct statfs	 sd, si;

	/*
	 * A registered root is the user's bytes: it never becomes a host
	 * block device (loop, dm) that the host's udev would probe.
	 */
	if (vm->img.rootfs[0] == '\0' || !vm->d->vmm->root_snapshot ||
	    !vm->d->have_dm || vm->img.agent_init)
		return 0;
	/*
	 * A warm template's root is an overlay on its work disk, which its
	 * copies take along; a snapshot's root.cow would stay behind.
	 */
	if (vm->tmpl)
		return 0;
	/* banger-priv refuses network and FUSE files: take the overlay. */
	if (statfs(vm->dir, &sd) == -1 || statfs(vm->img.rootfs, &si) == -1 ||
	    !valid_local_fs((uint64_t)sd.f_type) ||
	    !valid_local_fs((uint64_t)si.f_type))
		return 0;
	snprintf(cow, sizeof(cow), "%s/%s", vm->dir, ROOT_COW);
	if ((fd = open(cow, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1) {
		snprintf(err, errlen, "%s: %s", cow, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/* What vm show says: "snapshot", "overlay", or "memory" (initramfs). */
const char *
rootdisk_kind(struct vm *vm)
{
	char	 cow[PATH_MAX + 16];

	if (vm->img.rootfs[0] == '\0')
		return "memory";
	snprintf(cow, sizeof(cow), "%s/%s", vm->dir, ROOT_COW);
	return access(cow, F_OK) == 0 ? "snapshot" : "overlay";
}

/* Unlink NAME in the VM's directory. */
static void
vm_unlink(struct vm *vm, const char *name)
{
	char	 p[PATH_MAX + 16];

	snprintf(p, sizeof(p), "%s/%s", vm->dir, name);
	if (unlink(p) == -1 && errno != ENOENT)
		log_warn("%s", p);
}

/*
 * Make the VM's root snapshot if it is a snapshot VM: *rootfd is then the
 * snapshot's block device (the caller's), else -1 for the overlay.
 */
int
rootdisk_open(struct vm *vm, int *rootfd, char *err, size_t errlen)
{
	struct bangerd		*d = vm->d;
	struct priv_disk	*dk = NULL;
	struct stat		 st;
	char			 cow[PATH_MAX + 16], path[PATH_MAX + 16];
	char			 perr[256];
	int			 basefd = -1, cowfd = -1, had, rc = -1, prc;

	*rootfd = -1;
	if (vm->img.rootfs[0] == '\0')
		return 0;
	snprintf(cow, sizeof(cow), "%s/%s", vm->dir, ROOT_COW);
	if (access(cow, F_OK) != 0)
		return 0;		/* an overlay VM */
	if (!d->vmm->root_snapshot) {
		snprintf(err, errlen, "VM %s's root is a device-mapper "
		    "snapshot, which banger gives to QEMU only: set vmm = "
		    "\"qemu\" in config.toml to start it", vm->name);
		return -1;
	}
	/* A snapshot a failed release left behind: one more try. */
	rootdisk_release(vm);
	if (vm->root_snap) {
		snprintf(err, errlen, "VM %s's last root snapshot is still "
		    "held; see %s", vm->name, d->paths.log);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", vm->dir, ROOT_BASE);
	had = access(path, F_OK) == 0;	/* snapshotted before */
	if ((basefd = open_regular(vm->img.rootfs)) == -1 ||
	    fstat(basefd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", vm->img.rootfs,
		    strerror(errno));
		goto out;
	}
	/* What banger-priv would refuse as a fault: say so here instead. */
	if (!S_ISREG(st.st_mode) || st.st_size < 1024 * 1024 ||
	    st.st_size % 512 != 0) {
		snprintf(err, errlen, "%s must be a regular file of at least "
		    "1 MiB in whole 512-byte sectors to be snapshotted; "
		    "rebuild the image", vm->img.rootfs);
		goto out;
	}
	if (had && (prc = base_check(vm, &st, 0, err, errlen)) != 0) {
		if (prc == 1)
			snprintf(err, errlen, "image %s has changed since VM "
			    "%s was made, and the VM's root disk is a "
			    "snapshot of the old one: delete the VM (banger "
			    "vm delete %s) to start afresh", vm->img.name,
			    vm->name, vm->name);
		goto out;
	}
	if ((cowfd = open(cow, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1) {
		snprintf(err, errlen, "%s: %s", cow, strerror(errno));
		goto out;
	}
	if (!had && ftruncate(cowfd, (off_t)priv_cow_size(
	    (uint64_t)st.st_size)) == -1) {
		snprintf(err, errlen, "%s: %s", cow, strerror(errno));
		goto out;
	}
	prc = priv_disk_snapshot(d->priv_fd, (uint64_t)vm->id, basefd, cowfd,
	    &dk, rootfd, perr, sizeof(perr));
	if (prc == BERR_BUSY) {
		/*
		 * One left over (a release refused before this bangerd
		 * started, say): give it back, then ask again.
		 */
		log_info("vm %s: %s", vm->name, perr);
		vm->root_snap = 1;
		rootdisk_release(vm);
		if (!vm->root_snap)
			prc = priv_disk_snapshot(d->priv_fd,
			    (uint64_t)vm->id, basefd, cowfd, &dk, rootfd,
			    perr, sizeof(perr));
		else
			vm->root_snap = 0;
	}
	if (prc == BERR_UNSUPPORTED && !had) {
		/* Only now known: e.g. dm_snapshots = false in priv.conf. */
		log_info("root disk snapshots unavailable (%s); VMs get the "
		    "overlay root", perr);
		d->have_dm = 0;
		vm_unlink(vm, ROOT_COW);
		rc = 0;
		goto out;
	}
	if (prc != 0) {
		snprintf(err, errlen, "root disk snapshot: %s%s", perr,
		    prc == BERR_UNSUPPORTED ? " (this VM's root disk is a "
		    "device-mapper snapshot: it needs device-mapper to start)"
		    : "");
		goto out;
	}
	log_info("vm %s: root disk is snapshot %s", vm->name, dk->name);
	msg_free(&priv_proto, PRIV_DISK, dk);
	vm->root_snap = 1;
	if (!had && base_check(vm, &st, 1, err, errlen) == -1) {
		/* Ours closed first, or the release would find it busy. */
		close(*rootfd);
		*rootfd = -1;
		rootdisk_release(vm);
		goto out;
	}
	rc = 0;
out:
	if (basefd != -1)
		close(basefd);
	if (cowfd != -1)
		close(cowfd);
	return rc;
}

/* Give the snapshot back; root.cow keeps its changes for the next start. */
void
rootdisk_release(struct vm *vm)
{
	char	 err[256];
	int	 rc;

	if (!vm->root_snap || vm->d->priv_fd == -1)
		return;
	if ((rc = priv_disk_release(vm->d->priv_fd, (uint64_t)vm->id, err,
	    sizeof(err))) != 0) {
		/* Kept: the next start tries again, so does bangerd's. */
		log_warnx("vm %s: release root snapshot: %s", vm->name, err);
		return;
	}
	vm->root_snap = 0;
}
