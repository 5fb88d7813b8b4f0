#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/openat2.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdutil.h"

int
fd_cloexec(int fd, int on)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFD)) == -1)
		return -1;
	fl = on ? (fl | FD_CLOEXEC) : (fl & ~FD_CLOEXEC);
	return fcntl(fd, F_SETFD, fl);
}

int
fd_nonblock(int fd, int on)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
	return fcntl(fd, F_SETFL, fl);
}

void
fd_closefrom(int lowfd)
{
	DIR		*d;
	struct dirent	*de;
	int		 fd;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0) == 0)
		return;
#endif
	/* Fallback for old kernels: walk /proc/self/fd. */
	if ((d = opendir("/proc/self/fd")) == NULL) {
		for (fd = lowfd; fd < 65536; fd++)
			(void)close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		fd = atoi(de->d_name);
		if (fd >= lowfd && fd != dirfd(d))
			(void)close(fd);
	}
	closedir(d);
}

int
fd_move(int fd, int target)
{
	if (fd == target)
		return fd_cloexec(fd, 0);
	if (dup2(fd, target) == -1)
		return -1;
	(void)close(fd);
	return 0;
}

/*
 * path opened for reading only if it is a regular file, not a link: a
 * FIFO a less trusted process left in its place must not block the
 * reader in open(), nor a device be read.  The descriptor, or -1 with
 * errno (EINVAL for a file of another type).
 */
int
open_regular(const char *path)
{
	struct stat	 st;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

int
fsync_dir(const char *path)
{
	int	 fd, rc;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/*
 * path opened beneath dirfd: no "..", absolute path or symlink (magic
 * or not) on the way out of it; "" is dirfd itself.
 */
int
open_beneath(int dirfd, const char *path, int flags)
{
	struct open_how	 how;

	if (path[0] == '\0')
		return fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	memset(&how, 0, sizeof(how));
	how.flags = flags | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS;
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}
