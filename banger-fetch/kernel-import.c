/*
 * banger-fetch import-kernel NAME OUTDIR TINYDIR SRC [MODULES]: a guest
 * kernel the user has (`banger kernel import`) made into one banger can
 * boot.  SRC, a bzImage (Debian's vmlinuz) or an ELF vmlinux, is copied
 * first and only the copy is read, so it cannot change under the checks.
 * OUTDIR gets:
 *
 *   vmlinux	the ELF kernel with a PVH entry, which both QEMU's microvm
 *		and Firecracker boot (extracted from a bzImage)
 *   vmlinuz	the bzImage as given, when SRC was one
 *   modules.cpio  an archive of this kernel's own modules from MODULES
 *		(a lib/modules/RELEASE tree) and a load list replacing
 *		the tiny kernel's (an empty one without MODULES)
 *   initrd.img	the tiny image's initramfs (busybox, banger's init and
 *		agent) with modules.cpio appended
 *   info	"release R", "forms F" and "modules N" lines, which
 *		bangerd reads as untrusted bytes
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fdutil.h"
#include "fetch.h"
#include "image.h"
#include "kernel.h"
#include "valid.h"

/*
 * The modules the guest needs for the devices QEMU's microvm and
 * Firecracker give it, as images/GNUmakefile's MODULES, and ext4 for the
 * root (built into Debian's kernel, a module in some).
 */
static const char *const guest_modules[] = {
	"virtio_mmio", "virtio_console", "virtio_net", "virtio_blk",
	"overlay", "vmw_vsock_virtio_transport", "ext4",
};

/* SRC into path (a new file), at most KERNEL_FILE_MAX bytes. */
static int
copy_src(const char *src, const char *path)
{
	struct stat	 st;
	int		 in, out, rc = -1;

	/* Non-blocking: a FIFO must not hold the job before fstat. */
	if ((in = open(src, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		status_error("%s: %s", src, strerror(errno));
		return -1;
	}
	if (fstat(in, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size <
	    512 || st.st_size > KERNEL_FILE_MAX) {
		status_error("%s is not a kernel (a regular file of 512 bytes "
		    "to %lld MiB)", src, KERNEL_FILE_MAX >> 20);
		close(in);
		return -1;
	}
	if ((out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) == -1)
		status_error("%s: %s", path, strerror(errno));
	else if (ws_copy_data(in, out, st.st_size) == -1 || fsync(out) == -1)
		status_error("copying %s: %s", src, strerror(errno));
	else
		rc = 0;
	close(in);
	if (out != -1)
		close(out);
	return rc;
}

/* OUTDIR/vmlinux and, for a bzImage, OUTDIR/vmlinuz from the copy. */
static int
kernel_files(const char *out, const char *src, struct kernel_file *kf,
    char *forms, size_t formslen)
{
	char	 copy[PATH_MAX], dst[PATH_MAX], err[512];
	int	 fd, vfd, rc;

	snprintf(copy, sizeof(copy), "%s/kernel.src", out);
	if (copy_src(src, copy) == -1)
		return -1;
	if ((fd = open(copy, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		status_error("%s: %s", copy, strerror(errno));
		return -1;
	}
	if (kernel_probe(fd, kf, err, sizeof(err)) == -1) {
		status_error("%s: %s", src, err);
		close(fd);
		return -1;
	}
	if (kf->form == KERNEL_ELF) {
		close(fd);
		snprintf(dst, sizeof(dst), "%s/vmlinux", out);
		snprintf(forms, formslen, "vmlinux");
		if (rename(copy, dst) == -1) {
			status_error("%s: %s", dst, strerror(errno));
			return -1;
		}
		return 0;
	}
	snprintf(forms, formslen, "vmlinux vmlinuz");
	status_progress("extracting the ELF kernel from the bzImage (%lld "
	    "MiB compressed, %u MiB)", (long long)(kf->payload_len >> 20),
	    kf->vmlinux_len >> 20);
	snprintf(dst, sizeof(dst), "%s/vmlinux", out);
	if ((vfd = open(dst, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) == -1) {
		status_error("%s: %s", dst, strerror(errno));
		close(fd);
		return -1;
	}
	rc = kernel_extract(fd, kf, vfd, err, sizeof(err));
	close(fd);
	if (rc == -1)
		status_error("%s: %s", src, err);
	else if (fsync(vfd) == -1) {
		status_error("%s: %s", dst, strerror(errno));
		rc = -1;
	}
	/* A bzImage that names no release: the ELF's banner may. */
	if (rc == 0 && kf->release[0] == '\0' && (lseek(vfd, 0, SEEK_SET) ==
	    -1 || kernel_elf_check(vfd, kf->release, err, sizeof(err)) ==
	    -1)) {
		status_error("%s: %s", dst, err);
		rc = -1;
	}
	close(vfd);
	snprintf(dst, sizeof(dst), "%s/vmlinuz", out);
	if (rc == 0 && rename(copy, dst) == -1) {
		status_error("%s: %s", dst, strerror(errno));
		rc = -1;
	}
	return rc;
}

/*
 * outdir/modules.cpio: the modules the guest needs from the tree at
 * modules (NULL: none, only an empty load list), for a bundle to carry
 * and kernel_install_initrd() to append.
 */
static int
kernel_modules(const char *out, const char *modules, const char *release,
    unsigned *count)
{
	char	 path[PATH_MAX], err[512];
	int	 fd, dfd = -1, rc = -1;

	if (modules != NULL && (dfd = open(modules, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		status_error("%s: %s", modules, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/modules.cpio", out);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) == -1) {
		status_error("%s: %s", path, strerror(errno));
		goto out;
	}
	if (modules != NULL)
		status_progress("gathering the guest's modules from %s",
		    modules);
	if (kernel_modules_cpio(dfd, release, guest_modules,
	    sizeof(guest_modules) / sizeof(guest_modules[0]), fd, count, err,
	    sizeof(err)) == -1)
		status_error("%s: %s", modules != NULL ? modules : path, err);
	else if (fsync(fd) == -1)
		status_error("%s: %s", path, strerror(errno));
	else
		rc = 0;
	close(fd);
out:
	if (dfd != -1)
		close(dfd);
	return rc;
}

int
kernel_install_initrd(const char *out, const char *tiny)
{
	static const char	 zeros[4];
	char			 path[PATH_MAX], mpath[PATH_MAX], magic[6];
	struct stat		 st;
	off_t			 end;
	int			 fd, mfd = -1, rc = -1;

	if (image_copy_file(tiny, out, "initrd.img") == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/initrd.img", out);
	if ((fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		status_error("%s: %s", path, strerror(errno));
		return -1;
	}
	/* An archive appended to a compressed one would not be read. */
	if (pread(fd, magic, sizeof(magic), 0) != (ssize_t)sizeof(magic) ||
	    memcmp(magic, "070701", 6) != 0) {
		status_error("%s/initrd.img is not an uncompressed newc "
		    "archive; rebuild it with `make images` "
		    "(INITRD_COMPRESS=none)", tiny);
		goto out;
	}
	snprintf(mpath, sizeof(mpath), "%s/modules.cpio", out);
	if ((mfd = open(mpath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno == ENOENT) {
			rc = 0;
			goto out;
		}
		status_error("%s: %s", mpath, strerror(errno));
		goto out;
	}
	/* The kernel skips zeros between archives, not other padding. */
	if ((end = lseek(fd, 0, SEEK_END)) == -1 || (end % 4 != 0 &&
	    write_all(fd, zeros, (size_t)(4 - end % 4)) == -1) ||
	    fstat(mfd, &st) == -1 || ws_copy_data(mfd, fd, st.st_size) ==
	    -1 || fsync(fd) == -1) {
		status_error("%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (mfd != -1)
		close(mfd);
	close(fd);
	return rc;
}

int
kernel_write_info(const char *out, const char *release, const char *forms,
    unsigned count)
{
	char	 path[PATH_MAX], buf[256];
	int	 fd, n;

	snprintf(path, sizeof(path), "%s/info", out);
	n = snprintf(buf, sizeof(buf), "release %s\nforms %s\nmodules %u\n",
	    release, forms, count);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) == -1 || write_all(fd, buf, (size_t)n) ==
	    -1 || fsync(fd) == -1) {
		status_error("%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int
import_kernel_main(int argc, char **argv)
{
	struct kernel_file	 kf;
	const char		*modules = argc == 6 ? argv[5] : NULL;
	const char		*reads[4] = { argv[3], argv[4], modules, NULL };
	const char		*dirs[2] = { argv[2], NULL };
	struct fetch_confine	 fc = { dirs, reads, NULL, 0 };
	char			 forms[32], err[256];
	unsigned		 count = 0;

	if (argc != 5 && argc != 6) {
		status_error("import-kernel: wrong arguments");
		fprintf(stderr, "usage: banger-fetch import-kernel NAME OUTDIR "
		    "TINYDIR SRC [MODULES]\n");
		return 2;
	}
	if (!valid_vm_name(argv[1]) || !valid_abs_path(argv[2], PATH_MAX) ||
	    !valid_abs_path(argv[3], PATH_MAX) ||
	    !valid_abs_path(argv[4], PATH_MAX) || (modules != NULL &&
	    !valid_abs_path(modules, PATH_MAX))) {
		status_error("import-kernel: a bad name or a path that is not "
		    "absolute and normalised");
		return 2;
	}
	if (sandbox_fetch_confine(&fc, err, sizeof(err)) == -1) {
		status_error("sandbox: %s", err);
		return 1;
	}
	status_progress("reading %s", argv[4]);
	if (kernel_files(argv[2], argv[4], &kf, forms, sizeof(forms)) == -1)
		return 1;
	/* Modules, bundles and `kernel list` all go by the release. */
	if (kf.release[0] == '\0') {
		status_error("%s names no release (neither a bzImage version "
		    "string nor a \"Linux version\" banner): not a kernel banger "
		    "can check modules against", argv[4]);
		return 1;
	}
	status_progress("kernel %s (%s)", kf.release, forms);
	if (modules == NULL)
		status_progress("no --modules: the guest loads no modules, so "
		    "the kernel must have virtio-mmio, virtio-blk, "
		    "virtio-net, virtio-console, vsock, overlayfs and ext4 "
		    "built in");
	if (kernel_modules(argv[2], modules, kf.release, &count) == -1 ||
	    kernel_install_initrd(argv[2], argv[3]) == -1 ||
	    kernel_write_info(argv[2], kf.release, forms, count) == -1)
		return 1;
	status_progress("kernel %s imported: %s, %u modules", argv[1],
	    kf.release, count);
	return 0;
}
