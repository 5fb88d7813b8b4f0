/*
 * banger-fetch register-image NAME OUTDIR KERNELDIR SRC: an ext4 root the
 * user already has, made an image (`banger image register`).  SRC is
 * never used in place: it is copied into OUTDIR, holes kept.  Nothing of
 * it is parsed here but a few superblock fields read as bytes (the
 * guest's kernel, inside the VM, is what mounts it): the ext magic, a
 * clean state and no journal to replay.  The kernel and initramfs are
 * the tiny image's; the "agent-init" marker has the VM boot banger's
 * agent as the root's init, and the early init finds the root as the
 * disk that is not the work disk, so the copy keeps its own label.
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
#include "valid.h"

#define REG_MIN		(1024 * 1024)			/* bytes */
#define REG_MAX		(256LL * 1024 * 1024 * 1024)	/* bytes */

/*
 * The superblock, as bytes: "" when it is an ext2/3/4 file system that
 * was cleanly unmounted, else why not.
 */
static const char *
superblock_why(int fd)
{
	unsigned char	 sb[1024];
	unsigned	 state, incompat;

	if (pread(fd, sb, sizeof(sb), 1024) != (ssize_t)sizeof(sb) ||
	    sb[0x38] != 0x53 || sb[0x39] != 0xef)
		return "is not an ext2/3/4 file system image";
	state = sb[0x3a] | sb[0x3b] << 8;
	incompat = sb[0x60] | sb[0x61] << 8 | sb[0x62] << 16 |
	    (unsigned)sb[0x63] << 24;
	/* EXT2_VALID_FS and not EXT2_ERROR_FS; EXT3_FEATURE_INCOMPAT_RECOVER */
	if ((state & 3) != 1 || (incompat & 0x4) != 0)
		return "was not cleanly unmounted: run e2fsck -f on it first";
	/* The guest's init finds its disks by these labels (s_volume_name). */
	if (memcmp(sb + 0x78, "banger-", 7) == 0)
		return "is labelled banger-*, a label banger gives its own "
		    "disks: relabel it (e2label)";
	return "";
}

/* Bytes from in to out at *off, up to end, where copy_file_range fails. */
static int
copy_rw(int in, int out, off_t *off, off_t end)
{
	static char	 buf[1 << 16];
	ssize_t		 n;

	while (*off < end) {
		n = pread(in, buf, (size_t)(end - *off) < sizeof(buf) ?
		    (size_t)(end - *off) : sizeof(buf), *off);
		if (n <= 0)
			return n == 0 ? (errno = EIO, -1) : -1;
		if (pwrite(out, buf, (size_t)n, *off) != n)
			return -1;
		*off += n;
	}
	return 0;
}

/*
 * SRC's data, hole by hole, up to the size it had when opened, with a
 * line of progress per tenth: copy_file_range where it can, plain reads
 * and writes across file systems (EXDEV) and where it is refused.
 */
static int
copy_sparse(int in, int out, off_t size)
{
	off_t	 data = 0, hole;
	ssize_t	 n;
	int	 tenth = 0, plain = 0;

	if (ftruncate(out, size) == -1)
		return -1;
	while (data < size) {
		if ((data = lseek(in, data, SEEK_DATA)) == -1)
			return errno == ENXIO ? 0 : -1;
		if (data >= size)
			break;
		if ((hole = lseek(in, data, SEEK_HOLE)) == -1)
			return -1;
		if (hole > size)
			hole = size;
		while (data < hole && !plain) {
			n = copy_file_range(in, &data, out, &(off_t){ data },
			    (size_t)(hole - data), 0);
			if (n == -1 && (errno == EXDEV || errno == EINVAL ||
			    errno == EOPNOTSUPP || errno == ENOSYS))
				plain = 1;
			else if (n <= 0)
				return n == 0 ? (errno = EIO, -1) : -1;
		}
		if (plain && copy_rw(in, out, &data, hole) == -1)
			return -1;
		if (data * 10 / size > tenth) {
			tenth = (int)(data * 10 / size);
			status_progress("copied %lld of %lld MiB", (long long)
			    (data >> 20), (long long)(size >> 20));
		}
	}
	return 0;
}

static int
register_image(const char *out, const char *kdir, const char *src)
{
	struct stat	 st;
	char		 dst[PATH_MAX], marker[PATH_MAX];
	const char	*why;
	int		 in, fd, rc;

	/* Non-blocking: a FIFO must not hold the job before fstat. */
	if ((in = open(src, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		status_error("%s: %s", src, strerror(errno));
		return -1;
	}
	if (fstat(in, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size < REG_MIN || st.st_size > REG_MAX ||
	    st.st_size % 512 != 0) {
		status_error("%s is not an ext2/3/4 file system image (a "
		    "regular file of 1 MiB to 256 GiB, whole 512-byte "
		    "sectors)", src);
		close(in);
		return -1;
	}
	if (*(why = superblock_why(in)) != '\0') {
		status_error("%s %s", src, why);
		close(in);
		return -1;
	}
	snprintf(dst, sizeof(dst), "%s/rootfs.ext4", out);
	if ((fd = open(dst, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) == -1) {
		status_error("%s: %s", dst, strerror(errno));
		close(in);
		return -1;
	}
	status_progress("copying %s (%lld MiB)", src,
	    (long long)(st.st_size >> 20));
	rc = copy_sparse(in, fd, st.st_size);
	if (rc == 0 && fsync(fd) == -1)
		rc = -1;
	if (rc == -1)
		status_error("copying %s: %s", src, strerror(errno));
	/* The copy is what boots: what it says now, not what src said. */
	else if (*(why = superblock_why(fd)) != '\0') {
		status_error("%s changed while it was copied: the copy %s",
		    src, why);
		rc = -1;
	}
	close(in);
	close(fd);
	if (rc == -1)
		return -1;
	status_progress("copying the kernel and initramfs");
	if (image_copy_file(kdir, out, "vmlinux") == -1 ||
	    image_copy_file(kdir, out, "initrd.img") == -1)
		return -1;
	snprintf(marker, sizeof(marker), "%s/agent-init", out);
	if ((fd = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) == -1 || write_all(fd, "banger's agent is this root's "
	    "init\n", 35) == -1 || close(fd) == -1) {
		status_error("%s: %s", marker, strerror(errno));
		return -1;
	}
	return 0;
}

int
register_image_main(int argc, char **argv)
{
	char	 err[256];

	if (argc != 5) {
		status_error("register-image: wrong arguments");
		fprintf(stderr, "usage: banger-fetch register-image NAME OUTDIR "
		    "KERNELDIR SRC\n");
		return 2;
	}
	if (!valid_vm_name(argv[1]) || !valid_abs_path(argv[2], PATH_MAX) ||
	    !valid_abs_path(argv[3], PATH_MAX) ||
	    !valid_abs_path(argv[4], PATH_MAX)) {
		status_error("register-image: a bad name or a path that is not "
		    "absolute and normalised");
		return 2;
	}
	if (sandbox_fetch(argv[2], err, sizeof(err)) == -1) {
		status_error("sandbox: %s", err);
		return 1;
	}
	if (register_image(argv[2], argv[3], argv[4]) == -1)
		return 1;
	status_progress("image %s registered", argv[1]);
	return 0;
}
