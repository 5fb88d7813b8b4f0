/*
 * A warm start's own files (bangerd's warm.c), for `banger-agent own`
 * (own.c): the seed disk (the virtio disk whose serial is banger-seed)
 * has its cached pages dropped (the template's guest read that device
 * while it was empty), is mounted read-only at SEED_MNT, and its root/
 * is copied into /root; the caller takes more from it while it is
 * mounted; then it is unmounted and the guest's file systems synced.  A
 * shell doing the same started eight processes, and under TCG each
 * costs a restored guest a tenth of a second or more.
 *
 * The seed holds what banger-fetch writes (workspace.c, layer-put.c):
 * directories, regular files and symbolic links, no hard links.  Those
 * are copied with their modes, owners and times, over whatever /root
 * already has of the same name (a directory is merged); anything else,
 * or a directory deeper than SEED_DEPTH_MAX, fails the copy, and
 * bangerd then boots the VM cold from the disk it built.
 */
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "seed.h"

#define SEED_SERIAL	"banger-seed"
#define SEED_MNT	"/run/banger-seed"

static int	seed_dir(int, int, const char *, const struct stat *, int);

void __attribute__((format(printf, 1, 2)))
seed_err(const char *fmt, ...)
{
	va_list	 ap;

	fputs("banger-agent own: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* /dev/vdX of the disk whose serial is banger-seed, or -1. */
static int
seed_find(char *dev, size_t len)
{
	struct dirent	*de;
	DIR		*d;
	char		 p[300], serial[64];
	ssize_t		 n;
	int		 fd, found = -1;

	if ((d = opendir("/sys/block")) == NULL)
		return -1;
	while (found == -1 && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "vd", 2) != 0 ||
		    strlen(de->d_name) > 32)
			continue;
		snprintf(p, sizeof(p), "/sys/block/%s/serial", de->d_name);
		if ((fd = open(p, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		n = read(fd, serial, sizeof(serial) - 1);
		close(fd);
		if (n <= 0)
			continue;
		serial[n] = '\0';
		serial[strcspn(serial, "\n")] = '\0';
		if (strcmp(serial, SEED_SERIAL) == 0) {
			snprintf(dev, len, "/dev/%s", de->d_name);
			found = 0;
		}
	}
	closedir(d);
	return found;
}

/* A device's cached pages dropped, or else every clean page. */
static void
seed_flush(const char *dev)
{
	int	 fd;

	if ((fd = open(dev, O_RDONLY | O_CLOEXEC)) != -1 &&
	    ioctl(fd, BLKFLSBUF, 0) == 0) {
		close(fd);
		return;
	}
	if (fd != -1)
		close(fd);
	if ((fd = open("/proc/sys/vm/drop_caches", O_WRONLY |
	    O_CLOEXEC)) != -1) {
		(void)!write(fd, "3\n", 2);
		close(fd);
	}
}

/* The owner, mode (after the owner: chown clears set-id bits), times. */
static int
seed_attrs(int fd, const struct stat *st, const char *name)
{
	struct timespec	 ts[2] = { st->st_atim, st->st_mtim };

	if (fchown(fd, st->st_uid, st->st_gid) == -1 ||
	    fchmod(fd, st->st_mode & 07777) == -1 || futimens(fd, ts) == -1) {
		seed_err("%s: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

int
seed_file(int sdir, int ddir, const char *name, const struct stat *st)
{
	char	 b[65536];
	ssize_t	 n, w;
	int	 in, out, rc = -1;

	if (unlinkat(ddir, name, 0) == -1 && errno != ENOENT) {
		seed_err("replace %s: %s", name, strerror(errno));
		return -1;
	}
	if ((in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) ==
	    -1) {
		seed_err("%s: %s", name, strerror(errno));
		return -1;
	}
	if ((out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
		seed_err("create %s: %s", name, strerror(errno));
		close(in);
		return -1;
	}
	while ((n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0)) > 0)
		;
	/* Not across these file systems: read and write. */
	if (n == -1 && (errno == EXDEV || errno == EINVAL ||
	    errno == ENOSYS || errno == EOPNOTSUPP)) {
		while ((n = read(in, b, sizeof(b))) > 0)
			if ((w = write(out, b, (size_t)n)) != n) {
				if (w != -1)
					errno = EIO;	/* a short write */
				n = -1;
				break;
			}
	}
	if (n == -1)
		seed_err("copy %s: %s", name, strerror(errno));
	else
		rc = seed_attrs(out, st, name);
	close(in);
	close(out);
	return rc;
}

static int
seed_link(int sdir, int ddir, const char *name, const struct stat *st)
{
	struct timespec	 ts[2] = { st->st_atim, st->st_mtim };
	char		 target[PATH_MAX];
	ssize_t		 n;

	if ((n = readlinkat(sdir, name, target, sizeof(target) - 1)) == -1) {
		seed_err("%s: %s", name, strerror(errno));
		return -1;
	}
	target[n] = '\0';
	if ((unlinkat(ddir, name, 0) == -1 && errno != ENOENT) ||
	    symlinkat(target, ddir, name) == -1 ||
	    fchownat(ddir, name, st->st_uid, st->st_gid,
	    AT_SYMLINK_NOFOLLOW) == -1 ||
	    utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) == -1) {
		seed_err("link %s: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

/* Every entry of sdir into ddir (both closed here), depth levels down. */
int
seed_copy(int sdir, int ddir, int depth)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	int		 rc = 0;

	if (ddir == -1 || (d = fdopendir(sdir)) == NULL) {
		seed_err("copy: %s", strerror(errno));
		close(sdir);
		if (ddir != -1)
			close(ddir);
		return -1;
	}
	for (;;) {
		errno = 0;
		if (rc != 0 || (de = readdir(d)) == NULL)
			break;
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1) {
			seed_err("%s: %s", de->d_name, strerror(errno));
			rc = -1;
		} else if (S_ISREG(st.st_mode))
			rc = seed_file(dirfd(d), ddir, de->d_name, &st);
		else if (S_ISLNK(st.st_mode))
			rc = seed_link(dirfd(d), ddir, de->d_name, &st);
		else if (S_ISDIR(st.st_mode))
			rc = seed_dir(dirfd(d), ddir, de->d_name, &st, depth);
		else {
			seed_err("%s: not a file, link or directory",
			    de->d_name);
			rc = -1;
		}
	}
	/* A directory that could not be read to its end is not copied. */
	if (rc == 0 && errno != 0) {
		seed_err("read a directory: %s", strerror(errno));
		rc = -1;
	}
	closedir(d);
	close(ddir);
	return rc;
}

/* A directory, merged into one of the same name, then its attributes. */
static int
seed_dir(int sdir, int ddir, const char *name, const struct stat *st,
    int depth)
{
	struct stat	 dst;
	int		 s, t;

	if (depth >= SEED_DEPTH_MAX) {
		seed_err("%s: more than %d directories deep", name,
		    SEED_DEPTH_MAX);
		return -1;
	}
	if ((fstatat(ddir, name, &dst, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISDIR(dst.st_mode) && unlinkat(ddir, name, 0) == -1) ||
	    (mkdirat(ddir, name, 0700) == -1 && errno != EEXIST)) {
		seed_err("mkdir %s: %s", name, strerror(errno));
		return -1;
	}
	if ((s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || (t = openat(ddir, name, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		seed_err("%s: %s", name, strerror(errno));
		if (s != -1)
			close(s);
		return -1;
	}
	if (seed_copy(s, dup(t), depth + 1) == -1 ||
	    seed_attrs(t, st, name) == -1) {
		close(t);
		return -1;
	}
	close(t);
	return 0;
}

/*
 * The seed mounted, its root/ copied into /root, then(mounted seed's
 * directory, arg) unless NULL, the seed unmounted, everything synced.
 * 0, or -1 (said on stderr).
 */
int
seed_take(int (*then)(int, void *), void *arg)
{
	struct stat	 st;
	char		 dev[64];
	int		 m, s, t, rc;

	if (seed_find(dev, sizeof(dev)) == -1) {
		seed_err("no disk with the serial %s", SEED_SERIAL);
		return -1;
	}
	seed_flush(dev);
	if (mkdir(SEED_MNT, 0700) == -1 && errno != EEXIST) {
		seed_err("%s: %s", SEED_MNT, strerror(errno));
		return -1;
	}
	if (mount(dev, SEED_MNT, "ext4", MS_RDONLY | MS_NOSUID | MS_NODEV |
	    MS_NOEXEC, "noload") == -1) {
		seed_err("mount %s: %s", dev, strerror(errno));
		return -1;
	}
	rc = -1;
	if ((s = open(SEED_MNT "/root", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fstat(s, &st) == -1)
		seed_err("%s/root: %s", SEED_MNT, strerror(errno));
	else if ((t = open("/root", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		seed_err("/root: %s", strerror(errno));
	else {
		/*
		 * seed_copy() closes s and the copy of t; /root itself then
		 * takes the seed's attributes, as cp -a gave it.
		 */
		if (seed_copy(s, dup(t), 0) == 0)
			rc = seed_attrs(t, &st, "/root");
		s = -1;
		close(t);
	}
	if (s != -1)
		close(s);
	if (rc == 0 && then != NULL) {
		if ((m = open(SEED_MNT, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
		    -1) {
			seed_err("%s: %s", SEED_MNT, strerror(errno));
			rc = -1;
		} else {
			rc = then(m, arg);
			close(m);
		}
	}
	/* Still mounted, the seed must not be freed on the host: fail. */
	if (umount(SEED_MNT) == -1) {
		seed_err("umount %s: %s", SEED_MNT, strerror(errno));
		rc = -1;
	} else
		(void)rmdir(SEED_MNT);
	sync();
	return rc;
}
