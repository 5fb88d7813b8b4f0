/*
 * The lease file, under an exclusive flock on a separate lock file; a
 * write is a temporary file renamed over the old, so a helper killed
 * mid-write (its real uid may SIGKILL it) never leaves a torn table that
 * would lock every user out.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lease.h"
#include "priv-paths.h"

static char	 text[LEASE_FILE_MAX + 1];	/* one file, read or written */

/* NAME in the run directory: a root-only file, not a link or 2nd name. */
static int
open_private(struct lease_file *lf, const char *name, int flags, char *err,
    size_t errlen)
{
	struct stat	 st;
	int		 fd;

	if ((fd = openat(lf->dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1 || fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
	} else if (!S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    st.st_nlink != 1 || (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: not a private regular file owned "
		    "by root", name);
	} else
		return fd;
	if (fd != -1)
		close(fd);
	return -1;
}

int
lease_file_open(struct lease_file *lf, const char *rundir, char *err,
    size_t errlen)
{
	struct stat	 st;
	int		 fd;

	lf->dirfd = lf->lockfd = -1;
	if ((mkdir(rundir, 0755) == -1 && errno != EEXIST) ||
	    (lf->dirfd = open(rundir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fstat(lf->dirfd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", rundir, strerror(errno));
		return -1;
	}
	if (st.st_uid != 0 || (st.st_mode & 022) != 0) {
		snprintf(err, errlen, "%s: must be owned by root and not "
		    "group or other writable", rundir);
		return -1;
	}
	/* Create the (empty) lease file now, while we may still create. */
	if ((lf->lockfd = open_private(lf, PRIV_LOCK, O_RDWR | O_CREAT, err,
	    errlen)) == -1 || (fd = open_private(lf, PRIV_LEASES, O_RDONLY |
	    O_CREAT, err, errlen)) == -1)
		return -1;
	close(fd);
	return 0;
}

/* Lock, then read the table afresh; the caller unlocks either way. */
int
lease_file_lock(struct lease_file *lf, struct lease_table *t, char *err,
    size_t errlen)
{
	struct stat	 st;
	ssize_t		 n;
	int		 fd;

	while (flock(lf->lockfd, LOCK_EX) == -1)
		if (errno != EINTR) {
			snprintf(err, errlen, "flock leases: %s",
			    strerror(errno));
			return -1;
		}
	/* Nothing the caller can stall (its stderr) while others wait. */
	log_hold(lf->lockfd);
	if ((fd = open_private(lf, PRIV_LEASES, O_RDONLY, err,
	    errlen)) == -1)
		return -1;
	/* One read: a regular file's whole length, or an error. */
	n = read(fd, text, sizeof(text));
	if (fstat(fd, &st) == -1 || n != st.st_size)
		n = -1;
	close(fd);
	if (n == -1 || n > LEASE_FILE_MAX) {
		snprintf(err, errlen, "leases: cannot read, or too large");
		return -1;
	}
	return lease_parse(t, text, (size_t)n, err, errlen);
}

void
lease_file_unlock(struct lease_file *lf)
{
	(void)flock(lf->lockfd, LOCK_UN);
	log_hold(-1);
}

/*
 * Mark (on) or unmark UID's disk VMID as being made or released: byte
 * UID << 31 | VMID of the lock file, OFD-locked so the kernel drops it
 * when its helper dies.  -1 (EAGAIN) if another helper has it marked.
 */
int
lease_file_making(struct lease_file *lf, uint32_t uid, uint32_t vm_id,
    int on)
{
	struct flock	 fl = { .l_type = on ? F_WRLCK : F_UNLCK,
	    .l_whence = SEEK_SET, .l_len = 1,
	    .l_start = (off_t)((uint64_t)uid << 31 | vm_id) };

	return fcntl(lf->lockfd, F_OFD_SETLK, &fl);
}

int
lease_file_store(struct lease_file *lf, const struct lease_table *t,
    char *err, size_t errlen)
{
	int	 fd, n, ok;

	if ((n = lease_serialize(t, text, sizeof(text))) == -1) {
		snprintf(err, errlen, "leases: table too large");
		return -1;
	}
	if ((fd = open_private(lf, PRIV_LEASES_TMP, O_WRONLY | O_CREAT |
	    O_TRUNC, err, errlen)) == -1)
		return -1;
	ok = write(fd, text, (size_t)n) == n && fdatasync(fd) == 0;
	close(fd);
	if (!ok || renameat(lf->dirfd, PRIV_LEASES_TMP, lf->dirfd,
	    PRIV_LEASES) == -1) {
		snprintf(err, errlen, "%s leases: %s", ok ? "rename" :
		    "write", strerror(errno));
		return -1;
	}
	return 0;
}
