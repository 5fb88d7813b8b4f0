/*
 * What a pulled image's config says about running commands (its Env,
 * WorkingDir and User), from the "exec" file banger-fetch writes beside
 * its rootfs.ext4.  banger-fetch parsed the registry's JSON; bangerd
 * trusts none of it and reads this small line format strictly:
 *
 *	workdir /absolute/path
 *	user NAME[:GROUP]
 *	env KEY=value
 *
 * Nothing here drives a host action: the values only travel to the
 * guest's agent in AG_EXEC.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image-exec.h"
#include "fdutil.h"
#include "proto.h"

#include <limits.h>

#define EXEC_FILE_MAX	(256 * 1024)

void
image_exec_free(struct image_exec *ie)
{
	size_t	 i;

	for (i = 0; i < ie->nenv; i++)
		free(ie->env[i]);
	free(ie->env);
	memset(ie, 0, sizeof(*ie));
}

/* Printable bytes (UTF-8 included), no control characters. */
static int
plain(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int
env_ok(const char *s, size_t len)
{
	const char	*eq = memchr(s, '=', len);
	size_t		 i;

	if (eq == NULL || eq == s || len > BANGER_STRMAX)
		return 0;
	for (i = 0; s + i < eq; i++)
		if (!(s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (i > 0 && s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

static int
one_line(struct image_exec *ie, const char *l, size_t len, char *err,
    size_t errlen)
{
	const char	*v;
	size_t		 vl;
	char		**nv;

	if (len > 8 && memcmp(l, "workdir ", 8) == 0) {
		v = l + 8;
		vl = len - 8;
		if (ie->workdir[0] != '\0' || v[0] != '/' ||
		    vl >= sizeof(ie->workdir) || !plain(v, vl))
			goto bad;
		memcpy(ie->workdir, v, vl);
		ie->workdir[vl] = '\0';
	} else if (len > 5 && memcmp(l, "user ", 5) == 0) {
		v = l + 5;
		vl = len - 5;
		if (ie->user[0] != '\0' || vl >= sizeof(ie->user) ||
		    !plain(v, vl) || memchr(v, ' ', vl) != NULL)
			goto bad;
		memcpy(ie->user, v, vl);
		ie->user[vl] = '\0';
	} else if (len > 4 && memcmp(l, "env ", 4) == 0) {
		v = l + 4;
		vl = len - 4;
		if (ie->nenv >= IMAGE_EXEC_ENV_MAX || !env_ok(v, vl) ||
		    !plain(v, vl))
			goto bad;
		if ((nv = reallocarray(ie->env, ie->nenv + 2,
		    sizeof(*nv))) == NULL)
			goto nomem;
		ie->env = nv;
		if ((nv[ie->nenv] = strndup(v, vl)) == NULL)
			goto nomem;
		nv[++ie->nenv] = NULL;
	} else
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "bad line \"%.*s\"", (int)(len > 48 ? 48 : len),
	    l);
	return -1;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

int
image_exec_parse(const char *text, size_t len, struct image_exec *ie,
    char *err, size_t errlen)
{
	const char	*p = text, *end = text + len, *nl;

	memset(ie, 0, sizeof(*ie));
	if (len > EXEC_FILE_MAX || memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "too long, or a NUL byte");
		return -1;
	}
	while (p < end) {
		if ((nl = memchr(p, '\n', end - p)) == NULL) {
			snprintf(err, errlen, "no newline at the end");
			goto fail;
		}
		if (one_line(ie, p, nl - p, err, errlen) == -1)
			goto fail;
		p = nl + 1;
	}
	ie->present = 1;
	return 0;
fail:
	image_exec_free(ie);
	return -1;
}

int
image_exec_load(const char *dir, struct image_exec *ie, char *err,
    size_t errlen)
{
	char	 path[PATH_MAX + 8], *buf;
	ssize_t	 n;
	int	 fd, rc;

	memset(ie, 0, sizeof(*ie));
	snprintf(path, sizeof(path), "%s/exec", dir);
	if ((fd = open_regular(path)) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((buf = malloc(EXEC_FILE_MAX + 1)) == NULL) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n = read_all(fd, buf, EXEC_FILE_MAX + 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	} else {
		rc = image_exec_parse(buf, (size_t)n, ie, err, errlen);
		if (rc == -1) {
			char	 why[192];

			snprintf(why, sizeof(why), "%s", err);
			snprintf(err, errlen, "%s: %s", path, why);
		}
	}
	free(buf);
	return rc;
}
