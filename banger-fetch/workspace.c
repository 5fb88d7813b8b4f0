/*
 * Copying a workspace: one relative path at a time from the repository
 * straight into the work disk's image (layer-put.c).  Nothing outside
 * the repository is followed: every directory on the way is opened with
 * RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS,
 * and a symlink in the list is copied as a symlink, never read through.
 * The user may change the repository while we copy it, so a file is
 * judged by the descriptor we read, not by an earlier look at its name:
 * it is opened without following a link and without blocking (a FIFO
 * would hang the open, a device never end the read), checked with fstat,
 * and read no further than the size it had then.
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fdutil.h"
#include "fetch.h"
#include "layer.h"
#include "workdisk.h"
#include "valid.h"

/* What a file that is not a regular one is, for messages. */
static const char *
ws_kind(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISLNK(m))
		return "a symlink";
	return "not a regular file";
}

/*
 * Open dirfd/name to copy it: O_NOFOLLOW unless follow, O_NONBLOCK so
 * that neither a FIFO nor a device can stall the open, then fstat the
 * descriptor itself.  Returns the descriptor (blocking again) with *st
 * filled, or -1 with a message in err when it is not a regular file.
 */
int
ws_open_file(int dirfd, const char *name, int follow, struct stat *st,
    char *err, size_t errlen)
{
	int	 fd, fl;

	fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
	if (fd == -1) {
		if (errno == ELOOP && !follow)
			snprintf(err, errlen, "it is now a symlink (changed "
			    "while being copied); refused");
		else
			snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, st) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "it is %s, not a regular file (changed "
		    "while being copied?); refused", ws_kind(st->st_mode));
		close(fd);
		return -1;
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Copy at most max bytes (the size fstat gave when the file was opened):
 * a file that grows while we copy it cannot fill the disk.
 */
int
ws_copy_data(int in, int out, off_t max)
{
	char	 buf[65536];
	ssize_t	 n;
	size_t	 want;

	while (max > 0) {
		want = (off_t)sizeof(buf) < max ? sizeof(buf) : (size_t)max;
		if ((n = read(in, buf, want)) <= 0)
			return n == -1 ? -1 : 0;
		if (write_all(out, buf, n) == -1)
			return -1;
		max -= n;
	}
	return 0;
}

void
ws_repo_init(struct ws_repo *r, int fd)
{
	r->fd = fd;
	r->dfd = -1;
	r->dir[0] = '\0';
}

void
ws_repo_done(struct ws_repo *r)
{
	if (r->dfd != -1)
		close(r->dfd);
	r->dfd = -1;
}

/*
 * dir in the repository, opened beneath it without following a link;
 * kept for the next entry, which is most often in the same directory.
 * The descriptor is the repository's: not to be closed.
 */
static int
ws_repo_dir(struct ws_repo *r, const char *dir)
{
	if (r->dfd != -1 && strcmp(r->dir, dir) == 0)
		return r->dfd;
	ws_repo_done(r);
	if (strlen(dir) >= sizeof(r->dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((r->dfd = open_beneath(r->fd, dir, O_PATH | O_DIRECTORY)) == -1)
		return -1;
	memcpy(r->dir, dir, strlen(dir) + 1);
	return r->dfd;
}

/*
 * Copy repo/path to TOP/path in the image (TOP: the workspace's
 * directory, from the image's root; the directory of path is opened
 * beneath the repository once for the entries in it); directories made
 * on the way get dirmode.  A regular file is read no further than the size it had when
 * opened: one that grows while we copy it cannot fill the disk.  err
 * must be the buffer given to layer_put_begin.  Returns 1 if copied, 0
 * if skipped (with a reason in err), -1 on error (reason in err).
 */
int
ws_copy_one(struct ws_repo *r, struct layer_fs *l, const char *top,
    const char *path, int dirmode, char *err, size_t errlen)
{
	char		 dir[PATH_MAX], full[PATH_MAX], target[PATH_MAX];
	char		 why[256];
	const char	*base;
	struct stat	 st;
	uint32_t	 dino;
	int		 sp, in = -1, rc = -1;
	ssize_t		 n;

	if (!valid_ws_path(path)) {
		snprintf(err, errlen, "%s: not a relative path inside the "
		    "repository", path);
		return -1;
	}
	if ((base = strrchr(path, '/')) != NULL) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(base - path), path);
		base++;
	} else {
		dir[0] = '\0';
		base = path;
	}
	if ((size_t)snprintf(full, sizeof(full), "%s%s%s", top, dir[0] != '\0' ?
	    "/" : "", dir) >= sizeof(full)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if ((sp = ws_repo_dir(r, dir)) == -1) {
		snprintf(err, errlen, "%s: %s (a directory on the way is a "
		    "symlink or missing)", path, strerror(errno));
		return -1;
	}
	if (fstatat(sp, base, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
		snprintf(err, errlen, "%s: skipped (not a file or symlink)",
		    path);
		rc = 0;
		goto out;
	}
	layer_put_entry(l, path);
	if (layer_put_dirs(l, full, dirmode, &dino) == -1)
		goto out;
	if (S_ISLNK(st.st_mode)) {
		if ((n = readlinkat(sp, base, target, sizeof(target))) == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if ((size_t)n >= sizeof(target)) {
			snprintf(err, errlen, "%s: symlink target too long",
			    path);
			goto out;
		}
		target[n] = '\0';
		if (layer_put_symlink(l, dino, base, target) == -1)
			goto out;
		rc = 1;
		goto out;
	}
	if ((in = ws_open_file(sp, base, 0, &st, why, sizeof(why))) == -1) {
		snprintf(err, errlen, "%s: %s", path, why);
		goto out;
	}
	if (layer_put_file(l, dino, base, in, (uint64_t)st.st_size,
	    st.st_mode & 0777, 0) == -1)
		goto out;
	rc = 1;
out:
	layer_put_entry(l, NULL);
	if (in != -1)
		close(in);
	return rc;
}
