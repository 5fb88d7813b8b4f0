/*
 * Editing ~/.ssh/config's banger block.  The block is three lines:
 *
 *	# >>> banger >>>
 *	Include ~/.config/banger/ssh_config
 *	# <<< banger <<<
 *
 * It goes first because an Include after a Host or Match line applies
 * only inside that block.  Lines end like the file's first line (CRLF
 * files stay CRLF).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sshcfg.h"

int
sshcfg_include(const char *config_dir, const char *home, char *out,
    size_t outlen, char *err, size_t errlen)
{
	char		 path[4096];
	const char	*p;
	size_t		 hl = home != NULL ? strlen(home) : 0;
	int		 n;

	while (hl > 1 && home[hl - 1] == '/')
		hl--;
	if (config_dir[0] != '/') {
		snprintf(err, errlen, "config directory %s is not absolute",
		    config_dir);
		return -1;
	}
	if (hl > 1 && strncmp(config_dir, home, hl) == 0 &&
	    config_dir[hl] == '/')
		n = snprintf(path, sizeof(path), "~%s/ssh_config",
		    config_dir + hl);
	else
		n = snprintf(path, sizeof(path), "%s/ssh_config", config_dir);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(err, errlen, "config directory path too long");
		return -1;
	}
	for (p = path; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '"') {
			snprintf(err, errlen, "config directory path has a "
			    "quote or control character; ssh cannot "
			    "include it");
			return -1;
		}
	if (strpbrk(path, " \t") != NULL)
		n = snprintf(out, outlen, "Include \"%s\"", path);
	else
		n = snprintf(out, outlen, "Include %s", path);
	if (n < 0 || (size_t)n >= outlen) {
		snprintf(err, errlen, "Include line too long");
		return -1;
	}
	return 0;
}

/* Length of line at s (up to len) without its "\n" or "\r\n". */
static size_t
line_body(const char *s, size_t len, size_t *next)
{
	const char	*nl = memchr(s, '\n', len);
	size_t		 n = nl != NULL ? (size_t)(nl - s) : len;

	*next = nl != NULL ? n + 1 : len;
	if (nl != NULL && n > 0 && s[n - 1] == '\r')
		n--;
	return n;
}

static int
is_line(const char *s, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(s, want, n) == 0;
}

/*
 * Find the block: *bp is where its first line starts, *ep where the
 * line after its last starts.  1 found, 0 absent, -1 damaged.
 */
static int
find_block(const char *s, size_t len, size_t *bp, size_t *ep, char *err,
    size_t errlen)
{
	size_t	 off = 0, next, n;
	int	 state = 0;		/* 0 before, 1 inside, 2 after */

	while (off < len) {
		n = line_body(s + off, len - off, &next);
		if (is_line(s + off, n, SSHCFG_BEGIN)) {
			if (state != 0) {
				snprintf(err, errlen, "more than one '%s' "
				    "line", SSHCFG_BEGIN);
				return -1;
			}
			*bp = off;
			state = 1;
		} else if (is_line(s + off, n, SSHCFG_END)) {
			if (state != 1) {
				snprintf(err, errlen, "'%s' without '%s' "
				    "before it", SSHCFG_END, SSHCFG_BEGIN);
				return -1;
			}
			*ep = off + next;
			state = 2;
		}
		off += next;
	}
	if (state == 1) {
		snprintf(err, errlen, "'%s' without '%s' after it",
		    SSHCFG_BEGIN, SSHCFG_END);
		return -1;
	}
	return state == 2;
}

static int
splice(const char *old, size_t oldlen, size_t from, size_t to,
    const char *ins, size_t inslen, char **newp, size_t *newlenp, char *err,
    size_t errlen)
{
	char	*p;
	size_t	 len = oldlen - (to - from) + inslen;

	if ((p = malloc(len + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(p, old, from);
	memcpy(p + from, ins, inslen);
	memcpy(p + from + inslen, old + to, oldlen - to);
	p[len] = '\0';
	*newp = p;
	*newlenp = len;
	return 1;
}

int
sshcfg_install(const char *old, size_t oldlen, const char *include,
    char **newp, size_t *newlenp, char *err, size_t errlen)
{
	char		 block[8192];
	const char	*eol = "\n";
	size_t		 b = 0, e = 0, next;
	int		 n, found;

	*newp = NULL;
	*newlenp = 0;
	if (strpbrk(include, "\r\n") != NULL) {
		snprintf(err, errlen, "Include line has a line break");
		return -1;
	}
	if (oldlen > 0) {
		n = (int)line_body(old, oldlen, &next);
		if (next > (size_t)n + 1)
			eol = "\r\n";
	}
	n = snprintf(block, sizeof(block), "%s%s%s%s%s%s", SSHCFG_BEGIN, eol,
	    include, eol, SSHCFG_END, eol);
	if (n < 0 || (size_t)n >= sizeof(block)) {
		snprintf(err, errlen, "Include line too long");
		return -1;
	}
	if ((found = find_block(old, oldlen, &b, &e, err, errlen)) == -1)
		return -1;
	if (found) {
		/* Already there, maybe moved by hand: leave it where it is. */
		if (e - b == (size_t)n && memcmp(old + b, block, n) == 0)
			return 0;
		return splice(old, oldlen, b, e, block, (size_t)n, newp,
		    newlenp, err, errlen);
	}
	return splice(old, oldlen, 0, 0, block, (size_t)n, newp, newlenp, err,
	    errlen);
}

int
sshcfg_uninstall(const char *old, size_t oldlen, char **newp,
    size_t *newlenp, char *err, size_t errlen)
{
	size_t	 b = 0, e = 0;
	int	 found;

	*newp = NULL;
	*newlenp = 0;
	if ((found = find_block(old, oldlen, &b, &e, err, errlen)) <= 0)
		return found;
	return splice(old, oldlen, b, e, "", 0, newp, newlenp, err, errlen);
}
