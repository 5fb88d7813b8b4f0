/* Per-user file locations, derived from HOME and the XDG variables. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"

static int	pfmt(char *, size_t, char *, size_t, const char *, ...)
		    __attribute__((format(printf, 5, 6)));

static int
pfmt(char *dst, size_t len, char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(dst, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "path too long: %s...", dst);
		return -1;
	}
	return 0;
}

/* An XDG variable counts only if it holds an absolute path. */
static const char *
xdg(const char *name)
{
	const char	*v = getenv(name);

	return (v != NULL && v[0] == '/') ? v : NULL;
}

int
paths_init(struct paths *p, char *err, size_t errlen)
{
	const char	*home, *v;
	char		 base[PATH_MAX];

	memset(p, 0, sizeof(*p));
	if ((home = getenv("HOME")) == NULL || home[0] != '/') {
		snprintf(err, errlen, "HOME is not set to an absolute path");
		return -1;
	}
	if ((v = xdg("XDG_CONFIG_HOME")) != NULL) {
		if (pfmt(base, sizeof(base), err, errlen, "%s", v) == -1)
			return -1;
	} else if (pfmt(base, sizeof(base), err, errlen, "%s/.config",
	    home) == -1)
		return -1;
	if (pfmt(p->config_dir, sizeof(p->config_dir), err, errlen,
	    "%s/banger", base) == -1 ||
	    pfmt(p->config_file, sizeof(p->config_file), err, errlen,
	    "%s/config.toml", p->config_dir) == -1)
		return -1;

	if ((v = xdg("XDG_STATE_HOME")) != NULL) {
		if (pfmt(base, sizeof(base), err, errlen, "%s", v) == -1)
			return -1;
	} else if (pfmt(base, sizeof(base), err, errlen, "%s/.local/state",
	    home) == -1)
		return -1;
	if (pfmt(p->state_dir, sizeof(p->state_dir), err, errlen,
	    "%s/banger", base) == -1 ||
	    pfmt(p->db, sizeof(p->db), err, errlen, "%s/bangerd.db",
	    p->state_dir) == -1 ||
	    pfmt(p->log, sizeof(p->log), err, errlen, "%s/bangerd.log",
	    p->state_dir) == -1 ||
	    pfmt(p->vms_dir, sizeof(p->vms_dir), err, errlen, "%s/vms",
	    p->state_dir) == -1 ||
	    pfmt(p->images_dir, sizeof(p->images_dir), err, errlen,
	    "%s/images", p->state_dir) == -1 ||
	    pfmt(p->kernels_dir, sizeof(p->kernels_dir), err, errlen,
	    "%s/kernels", p->state_dir) == -1 ||
	    pfmt(p->web_token, sizeof(p->web_token), err, errlen,
	    "%s/web-token", p->state_dir) == -1)
		return -1;

	if ((v = xdg("XDG_CACHE_HOME")) != NULL) {
		if (pfmt(base, sizeof(base), err, errlen, "%s", v) == -1)
			return -1;
	} else if (pfmt(base, sizeof(base), err, errlen, "%s/.cache",
	    home) == -1)
		return -1;
	if (pfmt(p->cache_dir, sizeof(p->cache_dir), err, errlen,
	    "%s/banger", base) == -1)
		return -1;

	if ((v = xdg("XDG_RUNTIME_DIR")) != NULL) {
		if (pfmt(p->runtime_dir, sizeof(p->runtime_dir), err, errlen,
		    "%s/banger", v) == -1)
			return -1;
	} else if (pfmt(p->runtime_dir, sizeof(p->runtime_dir), err, errlen,
	    "/tmp/banger-%u", (unsigned)getuid()) == -1)
		return -1;
	if (pfmt(p->sock, sizeof(p->sock), err, errlen, "%s/bangerd.sock",
	    p->runtime_dir) == -1 ||
	    pfmt(p->lock, sizeof(p->lock), err, errlen, "%s/bangerd.lock",
	    p->runtime_dir) == -1)
		return -1;
	return 0;
}

/*
 * The run directory holds the control socket, so whoever controls it can
 * stand in for bangerd: when XDG_RUNTIME_DIR is unset it is
 * /tmp/banger-UID, a name any local user can create first.  Open the
 * directory itself (no symbolic link followed) and check the descriptor:
 * a directory, owned by uid, mode 0700.  Returns 0, PATHS_ABSENT when
 * nothing is there, or -1 with a message in err saying what to do.
 */
int
paths_check_private(const char *path, uid_t uid, char *err, size_t errlen)
{
	struct stat	 st;
	int		 fd, saved;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		saved = errno;
		if (saved == ENOENT)
			return PATHS_ABSENT;
		if (saved == ELOOP || saved == ENOTDIR) {
			snprintf(err, errlen, "%s is not a directory (a "
			    "symbolic link or another file): refusing to use "
			    "it as banger's run directory; another user may "
			    "have put it there: remove it or set "
			    "XDG_RUNTIME_DIR", path);
			return -1;
		}
		snprintf(err, errlen, "%s: %s", path, strerror(saved));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "stat %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	if (st.st_uid != uid) {
		snprintf(err, errlen, "%s is owned by uid %u, not by you (uid "
		    "%u): refusing to use it as banger's run directory; "
		    "another user may be trying to intercept banger: have "
		    "it removed (ask an administrator) or set "
		    "XDG_RUNTIME_DIR", path, (unsigned)st.st_uid,
		    (unsigned)uid);
		return -1;
	}
	if ((st.st_mode & 07777) != 0700) {
		snprintf(err, errlen, "%s has mode %04o, not 0700: refusing "
		    "to use it as banger's run directory (others could "
		    "replace the socket); fix with: chmod 700 %s", path,
		    (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	return 0;
}

int
paths_mkdir_private(const char *path, char *err, size_t errlen)
{
	char		 tmp[PATH_MAX];
	char		*s;
	struct stat	 st;
	int		 fd;

	if (strlen(path) >= sizeof(tmp) || path[0] != '/') {
		snprintf(err, errlen, "bad directory path %s", path);
		return -1;
	}
	strcpy(tmp, path);
	/* Parents with the usual mode; the leaf private. */
	for (s = tmp + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(tmp, 0755) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "mkdir %s: %s", tmp,
			    strerror(errno));
			return -1;
		}
		*s = '/';
	}
	if (mkdir(tmp, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", tmp, strerror(errno));
		return -1;
	}
	/* Check and fix the directory we opened, not whatever the name is. */
	if ((fd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, errno == ELOOP ||
		    errno == ENOTDIR ? "not a directory (a symbolic link or "
		    "another file)" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "stat %s: %s", tmp, strerror(errno));
		close(fd);
		return -1;
	}
	if (st.st_uid != getuid()) {
		snprintf(err, errlen, "%s is not a directory owned by uid %u",
		    tmp, (unsigned)getuid());
		close(fd);
		return -1;
	}
	if ((st.st_mode & 077) != 0 && fchmod(fd, 0700) == -1) {
		snprintf(err, errlen, "chmod %s: %s", tmp, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}
