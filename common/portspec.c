/*
 * Published port specs.  The CLI checks a spec before it sends it and
 * bangerd checks it again; both say what is wrong and what would do.
 * portspec.h says what a unix: PATH may be.
 */
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "portspec.h"

/* A port: decimal digits, no sign, no leading zero, 1 to 65535. */
static int
port_parse(const char *s, size_t len, uint16_t *out)
{
	unsigned long	 v = 0;
	size_t		 i;

	if (len == 0 || len > 5 || s[0] == '0')
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/*
 * A unix: PATH of len bytes into its normal form: NULL, or why not.
 * Spaces would split the database's line of specs and control
 * characters would reach terminals; ".." cannot be resolved without
 * the file system, so it is refused rather than guessed at.
 */
static const char *
path_norm(const char *s, size_t len, char *out, size_t outlen)
{
	size_t	 i, c, o = 0;

	if (len == 0 || s[0] != '/')
		return "PATH must be absolute";
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return "PATH may not hold spaces or control characters";
	if (s[len - 1] == '/' || (len >= 2 && s[len - 2] == '/' &&
	    s[len - 1] == '.'))
		return "PATH must name a file, not a directory";
	for (i = 0; i < len; i = c) {
		while (i < len && s[i] == '/')
			i++;
		for (c = i; c < len && s[c] != '/'; c++)
			;
		if (c == i || (c - i == 1 && s[i] == '.'))
			continue;
		if (c - i == 2 && s[i] == '.' && s[i + 1] == '.')
			return "PATH may not hold \"..\"";
		if (o + 1 + (c - i) >= outlen)
			return "PATH is longer than a socket address allows "
			    "(107 bytes)";
		out[o++] = '/';
		memcpy(out + o, s + i, c - i);
		o += c - i;
	}
	out[o] = '\0';
	return NULL;
}

int
port_unix_path_ok(const char *path)
{
	char	 norm[PORT_UNIX_PATH_MAX + 1];
	size_t	 n = strnlen(path, PORT_UNIX_PATH_MAX + 1);

	return n <= PORT_UNIX_PATH_MAX && path_norm(path, n, norm,
	    sizeof(norm)) == NULL && strcmp(norm, path) == 0;
}

/* unix:PATH:GUESTPORT; s is the whole spec, n its length. */
static int
unix_parse(const char *s, size_t n, struct port_spec *p, char *err,
    size_t errlen)
{
	const char	*c, *why;

	if (n > PORT_SPEC_MAX) {
		snprintf(err, errlen, "publish %.40s...: longer than %d bytes",
		    s, PORT_SPEC_MAX);
		return -1;
	}
	if ((c = strrchr(s + 5, ':')) == NULL) {
		snprintf(err, errlen, "publish %s: want unix:PATH:GUESTPORT, "
		    "such as unix:/tmp/web.sock:80", s);
		return -1;
	}
	if (port_parse(c + 1, strlen(c + 1), &p->guest) == -1) {
		snprintf(err, errlen, "publish %s: GUESTPORT must be a number "
		    "from 1 to 65535", s);
		return -1;
	}
	if ((why = path_norm(s + 5, (size_t)(c - (s + 5)), p->path,
	    sizeof(p->path))) != NULL) {
		snprintf(err, errlen, "publish %s: %s", s, why);
		memset(p, 0, sizeof(*p));
		return -1;
	}
	return 0;
}

int
port_spec_parse(const char *s, struct port_spec *p, char *err,
    size_t errlen)
{
	const char	*c1, *c2;
	char		 addr[16];
	struct in_addr	 a;
	size_t		 n = strlen(s);

	memset(p, 0, sizeof(*p));
	if (strncmp(s, "unix:", 5) == 0)
		return unix_parse(s, n, p, err, errlen);
	if (n == 0 || n > PORT_SPEC_MAX || (c2 = strrchr(s, ':')) == NULL) {
		snprintf(err, errlen, "publish \"%.*s\": want "
		    "[ADDR:]HOSTPORT:GUESTPORT, such as 8080:80, or "
		    "unix:PATH:GUESTPORT", 40, s);
		return -1;
	}
	c1 = memrchr(s, ':', (size_t)(c2 - s));
	a.s_addr = htonl(INADDR_LOOPBACK);
	if (c1 != NULL) {
		if ((size_t)(c1 - s) >= sizeof(addr)) {
			snprintf(err, errlen, "publish %s: ADDR must be an IPv4 "
			    "address", s);
			return -1;
		}
		memcpy(addr, s, (size_t)(c1 - s));
		addr[c1 - s] = '\0';
		if (inet_pton(AF_INET, addr, &a) != 1) {
			snprintf(err, errlen, "publish %s: ADDR must be an IPv4 "
			    "address", s);
			return -1;
		}
	}
	if (port_parse(c1 == NULL ? s : c1 + 1, (size_t)(c2 - (c1 == NULL ?
	    s : c1 + 1)), &p->host) == -1 || port_parse(c2 + 1,
	    strlen(c2 + 1), &p->guest) == -1) {
		snprintf(err, errlen, "publish %s: ports must be numbers from "
		    "1 to 65535", s);
		return -1;
	}
	p->addr = ntohl(a.s_addr);
	if ((p->addr >> 24) != 127) {
		snprintf(err, errlen, "publish %s: only loopback addresses "
		    "(127.0.0.0/8) can be published for now", s);
		return -1;
	}
	return 0;
}

void
port_spec_fmt(const struct port_spec *p, char *out, size_t len)
{
	if (p->path[0] != '\0')
		snprintf(out, len, "unix:%s:%u", p->path, p->guest);
	else
		snprintf(out, len, "%u.%u.%u.%u:%u:%u", p->addr >> 24,
		    (p->addr >> 16) & 0xff, (p->addr >> 8) & 0xff,
		    p->addr & 0xff, p->host, p->guest);
}

void
port_spec_listen(const struct port_spec *p, char *out, size_t len)
{
	if (p->path[0] != '\0')
		snprintf(out, len, "unix:%s", p->path);
	else
		snprintf(out, len, "%u.%u.%u.%u:%u", p->addr >> 24,
		    (p->addr >> 16) & 0xff, (p->addr >> 8) & 0xff,
		    p->addr & 0xff, p->host);
}

int
port_spec_clash(const struct port_spec *a, const struct port_spec *b)
{
	if (a->path[0] != '\0' || b->path[0] != '\0')
		return strcmp(a->path, b->path) == 0;
	return a->addr == b->addr && a->host == b->host;
}

/*
 * The CLI's step before port_spec_parse(): a unix: spec whose PATH is
 * relative is joined to dir (the CLI's working directory).  Anything
 * else is copied as it is.
 */
int
port_spec_absolute(const char *s, const char *dir, char *out, size_t outlen,
    char *err, size_t errlen)
{
	int	 n;

	if (strncmp(s, "unix:", 5) != 0 || s[5] == '/' || s[5] == '\0')
		n = snprintf(out, outlen, "%s", s);
	else
		n = snprintf(out, outlen, "unix:%s/%s", dir, s + 5);
	if (n < 0 || (size_t)n >= outlen || (size_t)n > PORT_SPEC_MAX) {
		snprintf(err, errlen, "publish %.40s...: longer than %d bytes "
		    "once made absolute", s, PORT_SPEC_MAX);
		return -1;
	}
	return 0;
}
