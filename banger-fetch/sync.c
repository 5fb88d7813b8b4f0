/*
 * [[file_sync]]: copy host files and directories onto the work disk at
 * create time, straight into its image (layer-put.c).  bangerd writes
 * the entries (validated from config.toml) to a list file as
 * NUL-separated triples HOST, GUEST (relative to /root) and MODE
 * (octal, or "-" for "not given"); this checks them again.
 *
 * A file gets MODE, else 0600, and replaces a regular file already
 * there.  A directory is copied recursively, onto one already there if
 * any: without MODE everything keeps its permission bits (setuid,
 * setgid and sticky dropped); with MODE files get MODE and directories
 * MODE plus x wherever MODE has r.  Symlinks inside a directory are
 * skipped with a warning; a missing host path is skipped with a
 * warning.  A symlink or other non-directory on the way in the image is
 * an error.  The same tree copy (sync_tree) puts the staging directory
 * on the disk.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdutil.h"
#include "fetch.h"
#include "layer.h"
#include "log.h"
#include "valid.h"
#include "workdisk.h"

#define SYNC_LIST_MAX	(1024 * 1024)
#define SYNC_DEPTH_MAX	64

/* Where messages go: err is also the layer writer's (layer_put_begin). */
struct sync {
	struct layer_fs	*l;
	const char	*tag;
	char		*err;
	size_t		 errlen;
};

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

/*
 * srcdir/name, judged by its descriptor (ws_open_file; follow: a link
 * named in config.toml is followed), as name in dst with mode m.
 */
static int
copy_file(struct sync *s, int srcdir, const char *name, int follow,
    uint32_t dst, const char *dname, int m, const char *what)
{
	struct stat	 st;
	char		 why[256];
	int		 in, rc;

	if ((in = ws_open_file(srcdir, name, follow, &st, why, sizeof(why))) ==
	    -1) {
		snprintf(s->err, s->errlen, "%s: %s", what, why);
		return -1;
	}
	rc = layer_put_file(s->l, dst, dname, in, (uint64_t)st.st_size, m, 1);
	close(in);
	return rc;
}

static int
copy_tree(struct sync *s, int src, uint32_t dst, const char *what,
    int mode, int depth)
{
	char		 path[PATH_MAX];
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	uint32_t	 d2;
	int		 s2, fd, rc = 0;

	if (depth > SYNC_DEPTH_MAX) {
		snprintf(s->err, s->errlen, "%s is nested too deeply", what);
		return -1;
	}
	if ((fd = fcntl(src, F_DUPFD_CLOEXEC, 0)) == -1 ||
	    (d = fdopendir(fd)) == NULL) {
		snprintf(s->err, s->errlen, "%s: %s", what, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	while (rc == 0 && (errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", what,
		    de->d_name) >= sizeof(path)) {
			snprintf(s->err, s->errlen, "%s: path too long", what);
			rc = -1;
			break;
		}
		layer_put_entry(s->l, path);
		if (fstatat(src, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
			snprintf(s->err, s->errlen, "%s: %s", path,
			    strerror(errno));
			rc = -1;
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			status_progress("%s: skipped symlink %s", s->tag, path);
			continue;
		}
		if (S_ISREG(st.st_mode)) {
			rc = copy_file(s, src, de->d_name, 0, dst, de->d_name,
			    mode >= 0 ? mode : (int)(st.st_mode & 0777), path);
			continue;
		}
		if (!S_ISDIR(st.st_mode))
			continue;
		if (layer_put_mkdir(s->l, dst, de->d_name, 0700, &d2) == -1) {
			rc = -1;
			break;
		}
		if ((s2 = openat(src, de->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) == -1) {
			snprintf(s->err, s->errlen, "%s: %s", path,
			    strerror(errno));
			rc = -1;
			break;
		}
		rc = copy_tree(s, s2, d2, path, mode, depth + 1);
		close(s2);
		layer_put_entry(s->l, path);
		if (rc == 0 && layer_put_chmod(s->l, d2, mode >= 0 ?
		    dir_mode(mode) : (int)(st.st_mode & 0777)) == -1)
			rc = -1;
	}
	if (rc == 0 && de == NULL && errno != 0) {
		snprintf(s->err, s->errlen, "%s: %s", what, strerror(errno));
		rc = -1;
	}
	layer_put_entry(s->l, NULL);
	closedir(d);
	return rc;
}

int
sync_tree(struct layer_fs *l, int src, uint32_t dst, const char *what,
    char *err, size_t errlen)
{
	struct sync	 s = { l, "stage", err, errlen };

	return copy_tree(&s, src, dst, what, -1, 0);
}

static int
sync_one(struct sync *s, const char *host, const char *guest, int mode,
    int dirmode)
{
	char		 dir[PATH_MAX], hdir[PATH_MAX], ent[PATH_MAX];
	const char	*base, *hbase;
	struct stat	 st;
	uint32_t	 dp, d2;
	int		 src, rc = -1;

	if (stat(host, &st) == -1) {
		status_progress("file_sync: %s: %s; skipped", host,
		    strerror(errno));
		return 0;
	}
	snprintf(ent, sizeof(ent), "/root/%s", guest);
	if ((base = strrchr(guest, '/')) != NULL) {
		snprintf(dir, sizeof(dir), "root/%.*s", (int)(base - guest),
		    guest);
		base++;
	} else {
		snprintf(dir, sizeof(dir), "root");
		base = guest;
	}
	layer_put_entry(s->l, ent);
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		status_progress("file_sync: %s is neither a file nor a "
		    "directory; skipped", host);
		return 0;
	}
	if (layer_put_dirs(s->l, dir, dirmode, &dp) == -1)
		goto out;
	if (S_ISREG(st.st_mode)) {
		snprintf(hdir, sizeof(hdir), "%s", host);
		*strrchr(hdir, '/') = '\0';
		hbase = strrchr(host, '/') + 1;
		if ((src = open(hdir[0] != '\0' ? hdir : "/", O_RDONLY |
		    O_DIRECTORY | O_CLOEXEC)) == -1) {
			snprintf(s->err, s->errlen, "%s: %s", hdir[0] != '\0' ?
			    hdir : "/", strerror(errno));
			goto out;
		}
		/* Copied under the guest's name; a link in config.toml is
		 * followed. */
		rc = copy_file(s, src, hbase, 1, dp, base, mode >= 0 ? mode :
		    0600, host);
		close(src);
		goto out;
	}
	if (layer_put_mkdir(s->l, dp, base, 0700, &d2) == -1)
		goto out;
	if ((src = open(host, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(s->err, s->errlen, "%s: %s", host, strerror(errno));
		goto out;
	}
	rc = copy_tree(s, src, d2, host, mode, 0);
	close(src);
	layer_put_entry(s->l, ent);
	if (rc == 0)
		rc = layer_put_chmod(s->l, d2, mode >= 0 ? dir_mode(mode) :
		    (int)(st.st_mode & 0777));
out:
	layer_put_entry(s->l, NULL);
	if (rc == -1)
		status_error("file_sync: %s -> /root/%s: %s", host, guest,
		    s->err);
	return rc;
}

int
sync_apply(struct layer_fs *l, const char *listfile, int dirmode, char *err,
    size_t errlen)
{
	struct sync	 s = { l, "file_sync", err, errlen };
	char		*buf, *p, *end, *f[3];
	struct stat	 st;
	ssize_t		 n;
	int		 fd, i, mode, rc = 0;

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
		rc = sync_one(&s, f[0], f[1], mode, dirmode);
	}
out:
	free(buf);
	return rc;
}
