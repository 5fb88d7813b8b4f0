/*
 * The lease file on disk.  Readers and writers hold an exclusive flock on
 * a separate lock file; writes go to a temporary file renamed over the old
 * one, so a helper killed mid-write (its real uid may SIGKILL it) leaves
 * either the old or the new table, never a torn one that would lock every
 * user out.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdutil.h"
#include "lease.h"
#include "priv-paths.h"

/* A root-owned file only root can touch, not a link or a second name. */
static int
check_private(int fd, const char *what, char *err, size_t errlen)
{
	struct stat	 st;

	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", what, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || st.st_nlink != 1 ||
	    (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: not a private regular file owned "
		    "by root", what);
		return -1;
	}
	return 0;
}

int
lease_file_open(struct lease_file *lf, const char *rundir, char *err,
    size_t errlen)
{
	struct stat	 st;
	int		 fd;

	lf->dirfd = lf->lockfd = -1;
	if (mkdir(rundir, 0755) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", rundir, strerror(errno));
		return -1;
	}
	lf->dirfd = open(rundir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (lf->dirfd == -1 || fstat(lf->dirfd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", rundir, strerror(errno));
		return -1;
	}
	if (st.st_uid != 0 || (st.st_mode & 022) != 0) {
		snprintf(err, errlen, "%s: must be owned by root and not "
		    "group or other writable", rundir);
		return -1;
	}
	lf->lockfd = openat(lf->dirfd, PRIV_LOCK, O_RDWR | O_CREAT |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lf->lockfd == -1) {
		snprintf(err, errlen, "%s/%s: %s", rundir, PRIV_LOCK,
		    strerror(errno));
		return -1;
	}
	if (check_private(lf->lockfd, PRIV_LOCK, err, errlen) == -1)
		return -1;
	/* Create the (empty) lease file now, while we may still create. */
	fd = openat(lf->dirfd, PRIV_LEASES, O_RDONLY | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "%s/%s: %s", rundir, PRIV_LEASES,
		    strerror(errno));
		return -1;
	}
	if (check_private(fd, PRIV_LEASES, err, errlen) == -1) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int
lease_file_lock(struct lease_file *lf, char *err, size_t errlen)
{
	while (flock(lf->lockfd, LOCK_EX) == -1) {
		if (errno == EINTR)
			continue;
		snprintf(err, errlen, "flock leases: %s", strerror(errno));
		return -1;
	}
	/* Nothing the caller can stall (its stderr) while others wait. */
	log_hold(lf->lockfd);
	return 0;
}

void
lease_file_unlock(struct lease_file *lf)
{
	(void)flock(lf->lockfd, LOCK_UN);
	log_hold(-1);
}

int
lease_file_load(struct lease_file *lf, struct lease_table *t, char *err,
    size_t errlen)
{
	struct stat	 st;
	char		*text;
	ssize_t		 n;
	int		 fd, rc;

	fd = openat(lf->dirfd, PRIV_LEASES, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1 && errno == ENOENT) {
		t->nbr = t->ntap = t->ndisk = 0;
		return 0;
	}
	if (fd == -1) {
		snprintf(err, errlen, "open leases: %s", strerror(errno));
		return -1;
	}
	if (check_private(fd, PRIV_LEASES, err, errlen) == -1 ||
	    fstat(fd, &st) == -1) {
		close(fd);
		return -1;
	}
	if (st.st_size > LEASE_FILE_MAX) {
		snprintf(err, errlen, "leases: file too large");
		close(fd);
		return -1;
	}
	if ((text = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		return -1;
	}
	n = read_all(fd, text, (size_t)st.st_size + 1);
	close(fd);
	if (n != st.st_size) {
		snprintf(err, errlen, "leases: short or changing read");
		free(text);
		return -1;
	}
	rc = lease_parse(t, text, (size_t)n, err, errlen);
	free(text);
	return rc;
}

int
lease_file_store(struct lease_file *lf, const struct lease_table *t,
    char *err, size_t errlen)
{
	struct buf	 b = { NULL, 0, 0 };
	int		 fd;

	*err = '\0';
	if (lease_serialize(t, &b) == -1) {
		snprintf(err, errlen, "out of memory");
		buf_free(&b);
		return -1;
	}
	fd = openat(lf->dirfd, PRIV_LEASES_TMP, O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "create %s: %s", PRIV_LEASES_TMP,
		    strerror(errno));
		buf_free(&b);
		return -1;
	}
	if (check_private(fd, PRIV_LEASES_TMP, err, errlen) == -1 ||
	    write_all(fd, b.p, b.len) != (ssize_t)b.len ||
	    fdatasync(fd) == -1) {
		if (*err == '\0')
			snprintf(err, errlen, "write %s: %s",
			    PRIV_LEASES_TMP, strerror(errno));
		close(fd);
		buf_free(&b);
		return -1;
	}
	close(fd);
	buf_free(&b);
	if (renameat(lf->dirfd, PRIV_LEASES_TMP, lf->dirfd,
	    PRIV_LEASES) == -1) {
		snprintf(err, errlen, "rename leases: %s", strerror(errno));
		return -1;
	}
	return 0;
}
