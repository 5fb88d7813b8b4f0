/*
 * The web token's file.  It is written once, by rename from a file made
 * 0600 with O_EXCL, so a reader never sees half a token; a file that
 * another user could read, or that is not ours, is refused rather than
 * used: the token is all that stands between a local user and the VMs.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fdutil.h"
#include "webtoken.h"

int
web_token_readfd(int fd, char *out, char *err, size_t errlen)
{
	struct stat	 st;
	char		 b[WEB_TOKEN_LEN + 2];
	ssize_t		 n;
	size_t		 i;

	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "not a regular file of yours with mode "
		    "0600");
		return -1;
	}
	if ((n = pread(fd, b, sizeof(b), 0)) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (n != WEB_TOKEN_LEN + 1 || b[WEB_TOKEN_LEN] != '\n')
		goto bad;
	for (i = 0; i < WEB_TOKEN_LEN; i++)
		if (!((b[i] >= '0' && b[i] <= '9') ||
		    (b[i] >= 'a' && b[i] <= 'f')))
			goto bad;
	memcpy(out, b, WEB_TOKEN_LEN);
	out[WEB_TOKEN_LEN] = '\0';
	return 0;
bad:
	snprintf(err, errlen, "not %d hex digits and a newline",
	    WEB_TOKEN_LEN);
	return -1;
}

int
web_token_read(const char *path, char *out, char *err, size_t errlen)
{
	char	 why[128];
	int	 fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((rc = web_token_readfd(fd, out, why, sizeof(why))) == -1)
		snprintf(err, errlen, "%s: %s", path, why);
	close(fd);
	return rc;
}

/*
 * Is the file at path fit to be kept or replaced by us (1), absent (0),
 * or something we must not touch (-1, err says why)?
 */
static int
token_there(const char *path, char *err, size_t errlen)
{
	char		 tok[WEB_TOKEN_LEN + 1];
	struct stat	 st;
	int		 rc;

	rc = web_token_read(path, tok, err, errlen);
	explicit_bzero(tok, sizeof(tok));
	if (rc == 0)
		return 1;
	/* There, but unfit: say so instead of replacing it. */
	if (lstat(path, &st) == 0 || errno != ENOENT)
		return -1;
	return 0;
}

static int	token_write(const char *, char *, size_t);

int
web_token_make(const char *path, char *err, size_t errlen)
{
	int	 rc;

	if ((rc = token_there(path, err, errlen)) != 0)
		return rc == 1 ? 0 : -1;
	return token_write(path, err, errlen);
}

/*
 * A new token in place of a good one (or none): each start of the web
 * view, so that a token seen before (a tab left open, a port taken over
 * while the view was down) is worth nothing after it.
 */
int
web_token_renew(const char *path, char *err, size_t errlen)
{
	if (token_there(path, err, errlen) == -1)
		return -1;
	return token_write(path, err, errlen);
}

static int
token_write(const char *path, char *err, size_t errlen)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 r[WEB_TOKEN_BYTES];
	char			 tok[WEB_TOKEN_LEN + 1], tmp[PATH_MAX];
	size_t			 i;
	int			 fd, rc;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(r); i++) {
		tok[2 * i] = hex[r[i] >> 4];
		tok[2 * i + 1] = hex[r[i] & 0xf];
	}
	tok[WEB_TOKEN_LEN] = '\n';
	explicit_bzero(r, sizeof(r));
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", path) >=
	    sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	rc = write_all(fd, tok, WEB_TOKEN_LEN + 1) == -1 || fsync(fd) == -1 ?
	    -1 : 0;
	if (close(fd) == -1 || rc == -1 || rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		(void)unlink(tmp);
		explicit_bzero(tok, sizeof(tok));
		return -1;
	}
	explicit_bzero(tok, sizeof(tok));
	return 0;
}
