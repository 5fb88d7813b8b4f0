/*
 * A session's output log, bounded: a file grows to max bytes, then
 * becomes PATH.1 (replacing the previous one) and a new file starts.  So
 * at most 2 * max bytes are kept, always the newest, and PATH.1 followed
 * by PATH is the tail of the stream.  Writes are split at the bound so
 * that no file is ever longer than max.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sv.h"

int
sv_log_open(struct sv_log *l, const char *path, off_t max)
{
	memset(l, 0, sizeof(*l));
	if (snprintf(l->path, sizeof(l->path), "%s", path) >=
	    (int)sizeof(l->path) || max <= 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	l->max = max;
	l->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND |
	    O_CLOEXEC | O_NOFOLLOW, 0600);
	return l->fd == -1 ? -1 : 0;
}

static int
sv_log_rotate(struct sv_log *l)
{
	char	 old[sizeof(l->path) + 2];

	snprintf(old, sizeof(old), "%s.1", l->path);
	if (rename(l->path, old) == -1)
		return -1;
	close(l->fd);
	l->size = 0;
	l->fd = open(l->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND |
	    O_CLOEXEC | O_NOFOLLOW, 0600);
	return l->fd == -1 ? -1 : 0;
}

int
sv_log_write(struct sv_log *l, const void *p, size_t len)
{
	const char	*c = p;
	size_t		 k;
	ssize_t		 n;

	while (len > 0) {
		if (l->fd == -1)
			return -1;
		if (l->size >= l->max && sv_log_rotate(l) == -1)
			return -1;
		k = (size_t)(l->max - l->size);
		if (k > len)
			k = len;
		n = write(l->fd, c, k);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		l->size += n;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

void
sv_log_close(struct sv_log *l)
{
	if (l->fd != -1)
		close(l->fd);
	l->fd = -1;
}
