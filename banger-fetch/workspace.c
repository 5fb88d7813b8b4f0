/*
 * Copying a workspace: one relative path at a time from the repository
 * into the stage.  Nothing outside the repository is followed: every
 * directory on the way is opened with RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS,
 * and a symlink in the list is copied as a symlink, never read through.
 * The user may change the repository while we copy it, so a file is
 * judged by the descriptor we read, not by an earlier look at its name:
 * it is opened without following a link and without blocking (a FIFO
 * would hang the open, a device never end the read), checked with fstat,
 * and read no further than the size it had then.
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/openat2.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fdutil.h"
#include "fetch.h"
#include "valid.h"

static int
open_beneath(int dirfd, const char *path, int flags)
{
	struct open_how	 how;

	if (path[0] == '\0')
		return fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	memset(&how, 0, sizeof(how));
	how.flags = flags | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS;
	return syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

/* mkdir -p of dir below dst; returns an fd for it. */
int
ws_mkdirs(int dst, const char *dir)
{
	char	 buf[PATH_MAX], *c, *slash;
	int	 fd, next;

	if ((fd = fcntl(dst, F_DUPFD_CLOEXEC, 0)) == -1)
		return -1;
	if (dir[0] == '\0')
		return fd;
	snprintf(buf, sizeof(buf), "%s", dir);
	for (c = buf; c != NULL; c = slash) {
		if ((slash = strchr(c, '/')) != NULL)
			*slash++ = '\0';
		if (mkdirat(fd, c, 0755) == -1 && errno != EEXIST)
			goto fail;
		next = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (next == -1)
			goto fail;
		close(fd);
		fd = next;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

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

/*
 * Copy repo/path to dst/path.  Returns 1 if copied, 0 if skipped (with a
 * reason in err), -1 on error (reason in err).
 */
int
ws_copy_one(int repo, int dst, const char *path, char *err, size_t errlen)
{
	char		 dir[PATH_MAX], target[PATH_MAX], why[256];
	const char	*base;
	struct stat	 st;
	int		 sp = -1, dp = -1, in = -1, out = -1, rc = -1;
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
	if ((sp = open_beneath(repo, dir, O_PATH | O_DIRECTORY)) == -1) {
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
	if ((dp = ws_mkdirs(dst, dir)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (S_ISLNK(st.st_mode)) {
		if ((n = readlinkat(sp, base, target, sizeof(target) - 1)) ==
		    -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		target[n] = '\0';
		if (symlinkat(target, dp, base) == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		rc = 1;
		goto out;
	}
	if ((in = ws_open_file(sp, base, 0, &st, why, sizeof(why))) == -1) {
		snprintf(err, errlen, "%s: %s", path, why);
		goto out;
	}
	if ((out = openat(dp, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, st.st_mode & 0777)) == -1 ||
	    ws_copy_data(in, out, st.st_size) == -1 ||
	    fchmod(out, st.st_mode & 0777) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 1;
out:
	if (sp != -1)
		close(sp);
	if (dp != -1)
		close(dp);
	if (in != -1)
		close(in);
	if (out != -1)
		close(out);
	return rc;
}
