/*
 * [[file_sync]]: copy host files and directories onto the work disk at
 * create time.  bangerd writes the entries (validated from config.toml) to
 * a list file as NUL-separated triples HOST, GUEST (relative to /root) and
 * MODE (octal, or "-" for "not given"); this checks them again.
 *
 * A file gets MODE, else 0600.  A directory is copied recursively: without
 * MODE everything keeps its permission bits (setuid, setgid and sticky
 * dropped); with MODE files get MODE and directories MODE plus x wherever
 * MODE has r.  Symlinks inside a directory are skipped with a warning; a
 * missing host path is skipped with a warning.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdutil.h"
#include "fetch.h"
#include "log.h"
#include "valid.h"

#define SYNC_LIST_MAX	(1024 * 1024)
#define SYNC_DEPTH_MAX	64

int
sync_parse_mode(const char *s)
{
	char	*end;
	long	 v;

	if (strcmp(s, "-") == 0)
		return -1;
	if (strlen(s) < 1 || strlen(s) > 4 || strspn(s, "01234567") !=
	    strlen(s))
		return -2;
	v = strtol(s, &end, 8);
	return v > 0777 ? -2 : (int)v;
}

static int
dir_mode(int mode)
{
	return mode | ((mode & 0444) >> 2);
}

/* what/name; the file is judged by its descriptor (ws_open_file). */
static int
copy_file(int srcdir, const char *name, int dstdir, mode_t m,
    const char *what)
{
	struct stat	 st;
	char		 why[256];
	int		 in, out, rc = -1;

	if ((in = ws_open_file(srcdir, name, 0, &st, why, sizeof(why))) ==
	    -1) {
		status_error("file_sync: %s/%s: %s", what, name, why);
		errno = EINVAL;
		return -1;
	}
	if ((out = openat(dstdir, name, O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, m)) != -1 &&
	    ws_copy_data(in, out, st.st_size) == 0 && fchmod(out, m) == 0)
		rc = 0;
	close(in);
	if (out != -1)
		close(out);
	return rc;
}

static int
copy_tree(int src, int dst, const char *what, int mode, int depth)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	int		 s2, d2, fd, rc = 0;

	if (depth > SYNC_DEPTH_MAX) {
		status_error("file_sync: %s is nested too deeply", what);
		return -1;
	}
	if ((fd = fcntl(src, F_DUPFD_CLOEXEC, 0)) == -1 ||
	    (d = fdopendir(fd)) == NULL)
		return -1;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(src, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
			rc = -1;
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			status_progress("file_sync: skipped symlink %s/%s",
			    what, de->d_name);
			continue;
		}
		if (S_ISREG(st.st_mode)) {
			rc = copy_file(src, de->d_name, dst, mode >= 0 ?
			    (mode_t)mode : st.st_mode & 0777, what);
			continue;
		}
		if (!S_ISDIR(st.st_mode))
			continue;
		if (mkdirat(dst, de->d_name, 0700) == -1 && errno != EEXIST) {
			rc = -1;
			break;
		}
		if ((s2 = openat(src, de->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) == -1 || (d2 = openat(dst,
		    de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC)) == -1) {
			rc = -1;
			break;
		}
		rc = copy_tree(s2, d2, what, mode, depth + 1);
		if (rc == 0 && fchmod(d2, mode >= 0 ? (mode_t)dir_mode(mode) :
		    st.st_mode & 0777) == -1)
			rc = -1;
		close(s2);
		close(d2);
	}
	closedir(d);
	return rc;
}

static int
sync_one(int root, const char *host, const char *guest, int mode)
{
	char		 dir[4096];
	const char	*base;
	struct stat	 st;
	int		 dp, src, rc = -1;

	if (stat(host, &st) == -1) {
		status_progress("file_sync: %s: %s; skipped", host,
		    strerror(errno));
		return 0;
	}
	if ((base = strrchr(guest, '/')) != NULL) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(base - guest), guest);
		base++;
	} else {
		dir[0] = '\0';
		base = guest;
	}
	if ((dp = ws_mkdirs(root, dir)) == -1)
		goto fail;
	/* ws_mkdirs gives an O_PATH fd; reopen it for *at() writes. */
	if ((src = openat(dp, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		goto fail;
	close(dp);
	dp = src;
	if (S_ISREG(st.st_mode)) {
		char	 hdir[4096];
		char	*slash;

		snprintf(hdir, sizeof(hdir), "%s", host);
		slash = strrchr(hdir, '/');
		*slash = '\0';
		if ((src = open(hdir[0] ? hdir : "/", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1)
			goto fail;
		/* Copy under the guest's name. */
		{
			struct stat	 fst;
			char		 why[256];
			int		 in, out = -1;

			/* A link named in config.toml is followed. */
			if ((in = ws_open_file(src, slash + 1, 1, &fst, why,
			    sizeof(why))) == -1) {
				status_error("file_sync: %s: %s", host, why);
				close(src);
				close(dp);
				return -1;
			}
			out = openat(dp, base, O_WRONLY | O_CREAT | O_TRUNC |
			    O_NOFOLLOW | O_CLOEXEC, 0600);
			rc = (out != -1 && ws_copy_data(in, out,
			    fst.st_size) == 0 && fchmod(out, mode >= 0 ?
			    mode : 0600) == 0) ? 0 : -1;
			if (in != -1)
				close(in);
			if (out != -1)
				close(out);
		}
		close(src);
	} else if (S_ISDIR(st.st_mode)) {
		int	 d2;

		if (mkdirat(dp, base, 0700) == -1 && errno != EEXIST)
			goto fail;
		if ((src = open(host, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
		    -1 || (d2 = openat(dp, base, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) == -1)
			goto fail;
		rc = copy_tree(src, d2, host, mode, 0);
		if (rc == 0)
			rc = fchmod(d2, mode >= 0 ? (mode_t)dir_mode(mode) :
			    st.st_mode & 0777);
		close(src);
		close(d2);
	} else {
		status_progress("file_sync: %s is neither a file nor a "
		    "directory; skipped", host);
		rc = 0;
	}
fail:
	if (dp != -1)
		close(dp);
	if (rc == -1)
		status_error("file_sync: %s -> /root/%s: %s", host, guest,
		    strerror(errno));
	return rc;
}

int
sync_apply(const char *stage, const char *listfile)
{
	char		 root[4096], *buf, *p, *end, *f[3];
	struct stat	 st;
	ssize_t		 n;
	int		 fd, rfd, i, mode, rc = 0;

	if ((fd = open(listfile, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1 || st.st_size > SYNC_LIST_MAX ||
	    (buf = malloc(st.st_size + 1)) == NULL ||
	    (n = read_all(fd, buf, st.st_size)) != st.st_size) {
		status_error("file_sync list: unreadable or too large");
		return -1;
	}
	close(fd);
	buf[n] = '\0';
	end = buf + n;
	snprintf(root, sizeof(root), "%s/root", stage);
	if ((rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		status_error("%s: %s", root, strerror(errno));
		free(buf);
		return -1;
	}
	for (p = buf; rc == 0 && p < end; ) {
		for (i = 0; i < 3; i++) {
			if (p >= end) {
				status_error("file_sync list: truncated entry");
				rc = -1;
				goto out;
			}
			f[i] = p;
			p += strlen(p) + 1;
		}
		if (!valid_abs_path(f[0], 4096) || !valid_ws_path(f[1]) ||
		    (mode = sync_parse_mode(f[2])) == -2) {
			status_error("file_sync list: bad entry");
			rc = -1;
			break;
		}
		rc = sync_one(rfd, f[0], f[1], mode);
	}
out:
	close(rfd);
	free(buf);
	return rc;
}
