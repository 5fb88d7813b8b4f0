/*
 * Credential files: which ones banger knows, and reading one from the
 * user's home without being led elsewhere (cred.h).
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/openat2.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cred.h"
#include "fdutil.h"

const struct cred cred_table[CRED_COUNT] = {
	{ "opencode",	".local/share/opencode/auth.json" },
	{ "claude",	".claude/.credentials.json" },
	{ "pi",		".pi/agent/auth.json" },
};

int
cred_index(const char *name)
{
	size_t	 i;

	for (i = 0; i < CRED_COUNT; i++)
		if (strcmp(cred_table[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
cred_open(const char *home, size_t i, int *fdp, uint64_t *size, char *err,
    size_t errlen)
{
	struct open_how	 how;
	struct stat	 st;
	const char	*p;
	int		 dfd, fd;

	*fdp = -1;
	*size = 0;
	if (i >= CRED_COUNT) {
		snprintf(err, errlen, "no such credential");
		return CRED_REFUSED;
	}
	p = cred_table[i].path;
	if (home == NULL || home[0] != '/') {
		snprintf(err, errlen, "~/%s: $HOME is not an absolute path", p);
		return CRED_REFUSED;
	}
	if ((dfd = open(home, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "~/%s: %s: %s", p, home,
		    strerror(errno));
		return CRED_REFUSED;
	}
	/*
	 * Links may lead elsewhere in home, not out of it (EXDEV); no
	 * /proc magic links.  O_NONBLOCK: a FIFO there must not hang us.
	 */
	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, dfd, p, &how, sizeof(how));
	close(dfd);
	if (fd == -1) {
		if (errno == ENOENT) {
			snprintf(err, errlen, "~/%s: no such file", p);
			return CRED_MISSING;
		}
		if (errno == EXDEV)
			snprintf(err, errlen, "~/%s: a symbolic link on the "
			    "way leads out of the home directory", p);
		else
			snprintf(err, errlen, "~/%s: %s", p, strerror(errno));
		return CRED_REFUSED;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "~/%s: %s", p, strerror(errno));
		close(fd);
		return CRED_REFUSED;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "~/%s: not a regular file", p);
		close(fd);
		return CRED_REFUSED;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errlen, "~/%s: owned by uid %lu, not by you", p,
		    (unsigned long)st.st_uid);
		close(fd);
		return CRED_REFUSED;
	}
	if (st.st_size > CRED_MAX) {
		snprintf(err, errlen, "~/%s: larger than %d bytes", p,
		    CRED_MAX);
		close(fd);
		return CRED_REFUSED;
	}
	*fdp = fd;
	*size = (uint64_t)st.st_size;
	return CRED_OK;
}

int
cred_load(const char *home, size_t i, uint8_t **bufp, size_t *lenp,
    char *err, size_t errlen)
{
	uint8_t		*buf;
	uint64_t	 size;
	ssize_t		 n;
	int		 fd, rc;

	*bufp = NULL;
	*lenp = 0;
	if ((rc = cred_open(home, i, &fd, &size, err, errlen)) != CRED_OK)
		return rc;
	/* One byte over tells a file that grew since fstat. */
	if ((buf = malloc(size + 1)) == NULL) {
		snprintf(err, errlen, "~/%s: out of memory",
		    cred_table[i].path);
		close(fd);
		return CRED_REFUSED;
	}
	n = read_all(fd, buf, size + 1);
	close(fd);
	if (n == -1 || (uint64_t)n != size) {
		if (n == -1)
			snprintf(err, errlen, "~/%s: %s", cred_table[i].path,
			    strerror(errno));
		else
			snprintf(err, errlen, "~/%s: changed while it was "
			    "read", cred_table[i].path);
		cred_free(buf, size + 1);
		return CRED_REFUSED;
	}
	*bufp = buf;
	*lenp = (size_t)n;
	return CRED_OK;
}

void
cred_free(uint8_t *buf, size_t len)
{
	if (buf == NULL)
		return;
	explicit_bzero(buf, len);
	free(buf);
}
