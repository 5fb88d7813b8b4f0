/*
 * A session's exit status, kept in SV_DIR/NAME/status until the session
 * is collected (`session stop` on an ended session): "exit N\n" for a
 * command that exited (N 0-255) or "signal N\n" for one a signal ended
 * (N 1-64).  Written to a temporary name and renamed, so a reader sees
 * the whole line or nothing.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sv.h"

int
sv_status_format(int wstatus, char *buf, size_t len)
{
	int	 n;

	if (WIFEXITED(wstatus))
		n = snprintf(buf, len, "exit %d\n", WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus))
		n = snprintf(buf, len, "signal %d\n", WTERMSIG(wstatus));
	else
		return -1;
	return n < 0 || (size_t)n >= len ? -1 : n;
}

/* Strict: one of the two forms, a plain decimal in range, one newline. */
int
sv_status_parse(const char *s, size_t len, int *kind, int *val)
{
	size_t	 i, k;
	int	 v = 0, max;

	if (len > 5 && memcmp(s, "exit ", 5) == 0) {
		*kind = SV_ST_EXIT;
		k = 5;
		max = 255;
	} else if (len > 7 && memcmp(s, "signal ", 7) == 0) {
		*kind = SV_ST_SIGNAL;
		k = 7;
		max = 64;
	} else
		return -1;
	if (s[len - 1] != '\n' || len - 1 == k || len - 1 - k > 3 ||
	    (s[k] == '0' && len - 1 - k > 1))
		return -1;
	for (i = k; i < len - 1; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > max || (*kind == SV_ST_SIGNAL && v == 0))
		return -1;
	*val = v;
	return 0;
}

int
sv_status_write(const char *dir, int wstatus)
{
	char	 line[SV_STATUS_MAX], tmp[256], path[256];
	int	 fd, n, rc = 0;

	if ((n = sv_status_format(wstatus, line, sizeof(line))) == -1)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s/status.tmp", dir);
	snprintf(path, sizeof(path), "%s/status", dir);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1)
		return -1;
	if (write(fd, line, (size_t)n) != n)
		rc = -1;
	if (close(fd) == -1)
		rc = -1;
	if (rc == 0 && rename(tmp, path) == -1)
		rc = -1;
	return rc;
}

/* 0 with the status, or -1 (errno ENOENT: the session has not ended). */
int
sv_status_read(const char *dir, int *kind, int *val)
{
	char	 line[SV_STATUS_MAX], path[256];
	ssize_t	 n;
	int	 fd;

	snprintf(path, sizeof(path), "%s/status", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	n = read(fd, line, sizeof(line));
	close(fd);
	if (n <= 0 || n == (ssize_t)sizeof(line) ||
	    sv_status_parse(line, (size_t)n, kind, val) == -1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
