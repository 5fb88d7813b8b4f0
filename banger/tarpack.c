/*
 * Packing host files for a guest's tar (busybox tar on the tiny image,
 * GNU tar on Debian): POSIX pax (plain ustar unless a name needs more),
 * owned by root, with each file's permissions (mode & 0777) and mtime.
 * A file is judged by the descriptor read, opened without following a
 * link and without blocking; it is read no further than the size it had
 * when its header was written (one that shrank is padded with zeros, and
 * the copy says so).  Symlinks go as symlinks; FIFOs, sockets and devices
 * are skipped with a warning.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "banger.h"
#include "tarpack.h"

static int
tarpack_fail(struct tarpack *p, const char *what, const char *name)
{
	int	 e = errno;

	p->errnum = p->a != NULL && archive_errno(p->a) != 0 ?
	    archive_errno(p->a) : e;
	snprintf(p->err, p->errlen, "%s %s: %s", what, name,
	    p->a != NULL && archive_errno(p->a) != 0 ?
	    archive_error_string(p->a) : strerror(e));
	return -1;
}

int
tarpack_open(struct tarpack *p, int fd, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->err = err;
	p->errlen = errlen;
	if ((p->a = archive_write_new()) == NULL ||
	    archive_write_set_format_pax_restricted(p->a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(p->a) != ARCHIVE_OK ||
	    archive_write_open_fd(p->a, fd) != ARCHIVE_OK)
		return tarpack_fail(p, "tar", "stream");
	return 0;
}

int
tarpack_close(struct tarpack *p)
{
	int	 rc;

	rc = archive_write_close(p->a) == ARCHIVE_OK ? 0 :
	    tarpack_fail(p, "tar", "stream");
	archive_write_free(p->a);
	p->a = NULL;
	return rc;
}

/* size bytes of fd (zeros past its end) as the entry's data. */
static int
tarpack_data(struct tarpack *p, int fd, int64_t size, const char *name)
{
	static char	 buf[65536];
	ssize_t		 n;
	size_t		 want;
	int		 shrank = 0;

	while (size > 0) {
		want = size < (int64_t)sizeof(buf) ? (size_t)size : sizeof(buf);
		if (shrank)
			n = (ssize_t)want;
		else if ((n = read(fd, buf, want)) == -1) {
			if (errno == EINTR)
				continue;
			return tarpack_fail(p, "read", name);
		}
		if (n == 0) {
			cli_warnx("%s shrank while it was copied; padded "
			    "with zeros", name);
			memset(buf, 0, sizeof(buf));
			shrank = 1;
			continue;
		}
		if (archive_write_data(p->a, buf, (size_t)n) != n)
			return tarpack_fail(p, "tar", name);
		size -= n;
		p->bytes += (uint64_t)n;
		if (p->progress != NULL)
			p->progress(p->bytes, p->arg);
	}
	return 0;
}

static int	tarpack_dir(struct tarpack *, int, const char *);

int
tarpack_add(struct tarpack *p, int dirfd, const char *path, const char *name,
    int recurse)
{
	struct archive_entry	*e;
	struct stat		 st;
	char			 link[PATH_MAX];
	ssize_t			 n;
	int			 fd = -1, rc = -1;

	if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return tarpack_fail(p, "stat", name);
	if (S_ISREG(st.st_mode)) {
		if ((fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) == -1 ||
		    fstat(fd, &st) == -1)
			goto fail;
		if (!S_ISREG(st.st_mode)) {
			errno = EAGAIN;
			goto fail;
		}
	} else if (S_ISLNK(st.st_mode)) {
		if ((n = readlinkat(dirfd, path, link, sizeof(link) - 1)) == -1)
			return tarpack_fail(p, "readlink", name);
		link[n] = '\0';
	} else if (!S_ISDIR(st.st_mode)) {
		cli_warnx("skipping %s: not a file, directory or symlink",
		    name);
		return 0;
	}
	if ((e = archive_entry_new()) == NULL)
		goto fail;
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, st.st_mode & S_IFMT);
	archive_entry_set_perm(e, st.st_mode & 0777);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_uname(e, "root");
	archive_entry_set_gname(e, "root");
	archive_entry_set_mtime(e, st.st_mtim.tv_sec, 0);
	archive_entry_set_size(e, S_ISREG(st.st_mode) ? st.st_size : 0);
	if (S_ISLNK(st.st_mode))
		archive_entry_set_symlink(e, link);
	if (archive_write_header(p->a, e) != ARCHIVE_OK) {
		archive_entry_free(e);
		rc = tarpack_fail(p, "tar", name);
		goto out;
	}
	archive_entry_free(e);
	if (S_ISREG(st.st_mode))
		rc = tarpack_data(p, fd, st.st_size, name);
	else if (S_ISDIR(st.st_mode) && recurse) {
		if ((fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) == -1)
			goto fail;
		rc = tarpack_dir(p, fd, name);
		fd = -1;	/* closedir() closed it */
	} else
		rc = 0;
	goto out;
fail:
	rc = tarpack_fail(p, "open", name);
out:
	if (fd != -1)
		close(fd);
	return rc;
}

/* Every entry of the directory fd (taken over) beneath name. */
static int
tarpack_dir(struct tarpack *p, int fd, const char *name)
{
	struct dirent	*de;
	DIR		*d;
	char		 child[PATH_MAX];
	int		 rc = 0;

	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return tarpack_fail(p, "opendir", name);
	}
	while (rc == 0 && (errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", name,
		    de->d_name) >= sizeof(child)) {
			errno = ENAMETOOLONG;
			rc = tarpack_fail(p, "name", name);
			break;
		}
		rc = tarpack_add(p, dirfd(d), de->d_name, child, 1);
	}
	if (rc == 0 && errno != 0)
		rc = tarpack_fail(p, "readdir", name);
	closedir(d);
	return rc;
}

/*
 * In a child: the signals as a new process has them.  vm_exec_io()
 * leaves SIGINT and the like blocked (for its signalfd) and SIGPIPE
 * ignored, and a child forked after one must still die of Ctrl-C.
 */
void
tarpack_child(void)
{
	sigset_t	 none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
}

int
tarpack_spawn(int (*pack)(struct tarpack *, void *), void *arg,
    const char *what, pid_t *pidp)
{
	struct progress_bytes	 pb;
	struct tarpack		 p;
	char			 err[PATH_MAX + 256];
	int			 fd[2], rc;
	pid_t			 pid;

	if (pipe2(fd, O_CLOEXEC) == -1) {
		cli_warn("pipe");
		return -1;
	}
	if ((pid = fork()) == -1) {
		cli_warn("fork");
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		tarpack_child();
		/* A guest that stops reading ends us with EPIPE. */
		signal(SIGPIPE, SIG_IGN);
		close(fd[0]);
		if (tarpack_open(&p, fd[1], err, sizeof(err)) == -1) {
			cli_warnx("%s", err);
			_exit(1);
		}
		progress_bytes_init(&pb, what);
		p.progress = progress_bytes;
		p.arg = &pb;
		rc = pack(&p, arg);
		if (tarpack_close(&p) == -1 && rc == 0)
			rc = -1;
		progress_close(stderr);
		/* A guest that stopped reading says why itself. */
		if (rc != 0 && p.errnum != EPIPE)
			cli_warnx("%s", err);
		fflush(stderr);
		_exit(rc == 0 ? 0 : 1);
	}
	close(fd[1]);
	*pidp = pid;
	return fd[0];
}

/* A packing or extracting child's exit status, -1 if it died. */
int
tarpack_wait(pid_t pid)
{
	int	 status;

	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
