/*
 * banger-fetch register-image NAME OUTDIR KERNELDIR SRC: an ext4 root the
 * user already has, made an image (`banger image register`).  SRC is
 * never used in place: it is copied into OUTDIR (holes kept), and only
 * the copy is checked and changed.  The check, with libext2fs and no
 * mount: an ext2/3/4 file system libext2fs knows all the features of,
 * cleanly unmounted, whose root directory leads to a /bin/sh (the agent
 * runs commands with it).  The copy is labelled banger-root, the label
 * the guest's early init looks for, and the kernel and initramfs (with
 * the agent, which becomes the root's init: the "agent-init" marker) are
 * the tiny image's.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <ext2fs/ext2fs.h>

#include "fdutil.h"
#include "fetch.h"
#include "image.h"
#include "valid.h"

#define REG_MIN		(1024 * 1024)			/* bytes */
#define REG_MAX		(256LL * 1024 * 1024 * 1024)	/* bytes */

/* The ext superblock's magic, before a byte more is copied. */
static int
looks_ext(int fd)
{
	unsigned char	 sb[1024];

	if (pread(fd, sb, sizeof(sb), 1024) != (ssize_t)sizeof(sb))
		return 0;
	return sb[0x38] == 0x53 && sb[0x39] == 0xef;
}

/* SRC's data, hole by hole, with a line of progress per tenth. */
static int
copy_sparse(int in, int out, off_t size)
{
	off_t	 data = 0, hole, done = 0;
	ssize_t	 n;
	int	 tenth = 0;

	if (ftruncate(out, size) == -1)
		return -1;
	while (data < size) {
		if ((data = lseek(in, data, SEEK_DATA)) == -1)
			return errno == ENXIO ? 0 : -1;
		if ((hole = lseek(in, data, SEEK_HOLE)) == -1)
			return -1;
		while (data < hole) {
			if ((n = copy_file_range(in, &data, out, &(off_t){
			    data }, (size_t)(hole - data), 0)) <= 0)
				return n == 0 ? (errno = EIO, -1) : -1;
			done += n;
			if (done * 10 / size > tenth) {
				tenth = (int)(done * 10 / size);
				status_progress("copied %lld of %lld MiB of "
				    "data", (long long)(done >> 20),
				    (long long)(size >> 20));
			}
		}
	}
	return 0;
}

/* The checks above; 0 with the copy labelled, else -1 and a message. */
static int
check_and_label(const char *img)
{
	ext2_filsys	 fs;
	ext2_ino_t	 ino;
	errcode_t	 e;
	int		 rc = -1;

	if ((e = ext2fs_open(img, EXT2_FLAG_RW | EXT2_FLAG_64BITS, 0, 0,
	    unix_io_manager, &fs)) != 0) {
		status_error("not an ext2/3/4 file system banger can use: %s",
		    error_message(e));
		return -1;
	}
	if (ext2fs_has_feature_journal_needs_recovery(fs->super) ||
	    (fs->super->s_state & EXT2_VALID_FS) == 0)
		status_error("the file system was not cleanly unmounted: run "
		    "e2fsck -f on it first");
	else if ((e = ext2fs_namei_follow(fs, EXT2_ROOT_INO, EXT2_ROOT_INO,
	    "bin/sh", &ino)) != 0)
		status_error("it has no /bin/sh (%s): the agent runs commands "
		    "with it", error_message(e));
	else {
		memset(fs->super->s_volume_name, 0,
		    sizeof(fs->super->s_volume_name));
		memcpy(fs->super->s_volume_name, "banger-root", 11);
		ext2fs_mark_super_dirty(fs);
		rc = 0;
	}
	if ((e = ext2fs_close_free(&fs)) != 0 && rc == 0) {
		status_error("writing the label: %s", error_message(e));
		rc = -1;
	}
	return rc;
}

static int
register_image(const char *out, const char *kdir, const char *src)
{
	struct stat	 st;
	char		 dst[PATH_MAX], marker[PATH_MAX];
	int		 in, fd, rc;

	if ((in = open(src, O_RDONLY | O_CLOEXEC)) == -1) {
		status_error("%s: %s", src, strerror(errno));
		return -1;
	}
	if (fstat(in, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size < REG_MIN || st.st_size > REG_MAX || !looks_ext(in)) {
		status_error("%s is not an ext2/3/4 file system image (a "
		    "regular file of 1 MiB to 256 GiB)", src);
		close(in);
		return -1;
	}
	snprintf(dst, sizeof(dst), "%s/rootfs.ext4", out);
	if ((fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
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
	close(in);
	close(fd);
	if (rc == -1 || check_and_label(dst) == -1)
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
