/*
 * `session logs NAME [--stream S] [-f]`: the kept part of one stream,
 * the rotated file then the current one (sv-log.c).  With -f, then what
 * is written next, across rotations, until the session has ended and its
 * last output has been read, or the session is removed.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fdutil.h"
#include "sv.h"

#define FOLLOW_MS	200

/* Copy fd to stdout until EOF; -1 if stdout is gone. */
static int
copy(int fd)
{
	char	 buf[16384];
	ssize_t	 n;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		if (write_all(1, buf, (size_t)n) == -1)
			return -1;
	}
	return 0;
}

int
sv_logs(const char *name, int stream, int follow)
{
	const char	*file = stream == 1 ? "stdout.log" : "stderr.log";
	char		 path[256], old[256], dir[256];
	struct timespec	 ts = { 0, FOLLOW_MS * 1000000L };
	struct stat	 a, b;
	int		 fd, kind, val, done;

	sv_dirpath(name, NULL, dir, sizeof(dir));
	if (sv_dirpath(name, file, path, sizeof(path)) == -1 ||
	    snprintf(old, sizeof(old), "%s.1", path) >= (int)sizeof(old))
		return 1;
	if ((fd = open(old, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) != -1) {
		if (copy(fd) == -1)
			return 1;
		close(fd);
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno == ENOENT && access(dir, F_OK) == 0 && !follow)
			return 0;
		fprintf(stderr, "banger-agent: no session %s\n", name);
		return 1;
	}
	for (;;) {
		/* Ended before this last read: nothing more will come. */
		done = sv_status_read(dir, &kind, &val) == 0 ||
		    access(dir, F_OK) == -1;
		if (copy(fd) == -1)
			return 1;
		if (!follow || done)
			break;
		/* Rotated: the rest of the old file was just read. */
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
		    (a.st_ino != b.st_ino || a.st_dev != b.st_dev)) {
			if (copy(fd) == -1)
				return 1;
			close(fd);
			if ((fd = open(path, O_RDONLY | O_CLOEXEC |
			    O_NOFOLLOW)) == -1)
				return 0;
			continue;
		}
		nanosleep(&ts, NULL);
	}
	close(fd);
	return 0;
}
