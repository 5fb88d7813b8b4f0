/*
 * banger-fetch copy-disk IN OUT
 *
 * A forked VM's work disk (bangerd's vm fork): OUT, which must not
 * exist, becomes a copy of the regular file IN, a reflink where the file
 * system shares blocks, else IN's data ranges only (copy_sparse), made
 * durable with fsync.  OUT must be an absolute, normalised path, and
 * only its directory is writable (Landlock).  A failure removes OUT.
 * bangerd waits for the job, not for the copy, so its event loop serves
 * everyone else meanwhile.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "copysparse.h"
#include "fetch.h"
#include "valid.h"

int
copy_disk_main(int argc, char **argv)
{
	char		 dir[PATH_MAX], err[256], *slash;
	struct stat	 st;
	uint64_t	 copied;
	int		 in, out;

	if (argc != 3 || !valid_abs_path(argv[1], PATH_MAX) ||
	    !valid_abs_path(argv[2], PATH_MAX)) {
		status_error("copy-disk: IN and OUT must be absolute, "
		    "normalised paths");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s", argv[2]);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir) {
		status_error("copy-disk: bad output path");
		return 2;
	}
	*slash = '\0';
	if (sandbox_fetch(dir, err, sizeof(err)) == -1) {
		status_error("sandbox: %s", err);
		return 1;
	}
	if ((in = open(argv[1], O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1 || fstat(in, &st) == -1) {
		status_error("%s: %s", argv[1], strerror(errno));
		return 1;
	}
	if (!S_ISREG(st.st_mode)) {
		status_error("%s is not a regular file", argv[1]);
		return 1;
	}
	if ((out = open(argv[2], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		status_error("%s: %s", argv[2], strerror(errno));
		return 1;
	}
	if (copy_sparse(in, out, &copied) == -1 || fsync(out) == -1 ||
	    close(out) == -1) {
		status_error("copying %s to %s: %s", argv[1], argv[2],
		    strerror(errno));
		(void)unlink(argv[2]);
		return 1;
	}
	close(in);
	if (copied > 0)
		status_progress("copied %llu MiB of the work disk's data",
		    (unsigned long long)(copied >> 20));
	else
		status_progress("shared the work disk's blocks (reflink)");
	return 0;
}
