/*
 * Image references as docker reads them, checked against the
 * distribution project's reference grammar: a registry host (a domain,
 * an IPv4 address or a bracketed IPv6 address, with an optional port),
 * a repository path of lower-case components, a tag and a sha256 digest.
 * What docker would normalise (no host, a one-part path) is normalised
 * the same way, so "alpine" and "docker.io/library/alpine" are one image.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ociref.h"

#define REF_MAX	(OCI_HOST_MAX + OCI_REPO_MAX + OCI_TAG_MAX + OCI_DIGEST_MAX)

int
oci_digest_valid(const char *d)
{
	size_t	 i;

	if (strncmp(d, "sha256:", 7) != 0)
		return 0;
	for (i = 7; i < 7 + 64; i++)
		if (!((d[i] >= '0' && d[i] <= '9') ||
		    (d[i] >= 'a' && d[i] <= 'f')))
			return 0;
	return d[i] == '\0';
}

static int
alnum_lower(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/*
 * One path component: [a-z0-9]+ joined by ".", "_", "__" or runs of
 * "-", never starting or ending with a separator.
 */
static int
component_valid(const char *s, size_t n)
{
	size_t	 i, j;

	if (n == 0 || !alnum_lower(s[0]) || !alnum_lower(s[n - 1]))
		return 0;
	for (i = 0; i < n; i++) {
		if (alnum_lower(s[i]))
			continue;
		j = i;
		if (s[i] == '.') {
			j = i + 1;
		} else if (s[i] == '_') {
			j = i + 1;
			if (s[j] == '_')
				j++;
		} else if (s[i] == '-') {
			while (j < n && s[j] == '-')
				j++;
		} else
			return 0;
		if (j >= n || !alnum_lower(s[j]))
			return 0;
		i = j;
	}
	return 1;
}

static int
path_valid(const char *p)
{
	const char	*s, *e;

	for (s = p;; s = e + 1) {
		e = strchr(s, '/');
		if (!component_valid(s, e != NULL ? (size_t)(e - s) :
		    strlen(s)))
			return 0;
		if (e == NULL)
			return 1;
	}
}

static int
tag_valid(const char *t)
{
	size_t	 i;

	for (i = 0; t[i] != '\0'; i++)
		if (!(isalnum((unsigned char)t[i]) && (unsigned char)t[i] < 0x80)
		    && t[i] != '_' && (i == 0 || (t[i] != '.' && t[i] != '-')))
			return 0;
	return i > 0 && i < OCI_TAG_MAX;
}

/* A domain label: [A-Za-z0-9] and inner "-". */
static int
label_valid(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

static int
port_valid(const char *p)
{
	size_t	 i;
	long	 v;

	for (i = 0; p[i] != '\0'; i++)
		if (p[i] < '0' || p[i] > '9' || i >= 5)
			return 0;
	if (i == 0 || p[0] == '0')
		return 0;
	v = strtol(p, NULL, 10);
	return v >= 1 && v <= 65535;
}

static int
ipv6_valid(const char *s, size_t n)
{
	size_t	 i;

	if (n < 2 || n > 39)
		return 0;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) && s[i] != ':' &&
		    s[i] != '.')
			return 0;
	return strchr(s, ':') != NULL;
}

/* host[:port], with host a domain or [IPv6]. */
static int
host_valid(const char *h)
{
	const char	*colon, *s, *e, *end;

	if (h[0] == '[') {
		e = strchr(h, ']');
		if (e == NULL || !ipv6_valid(h + 1, (size_t)(e - h - 1)))
			return 0;
		if (e[1] == '\0')
			return 1;
		return e[1] == ':' && port_valid(e + 2);
	}
	colon = strchr(h, ':');
	if (colon != NULL && !port_valid(colon + 1))
		return 0;
	end = colon != NULL ? colon : h + strlen(h);
	for (s = h;; s = e + 1) {
		e = memchr(s, '.', (size_t)(end - s));
		if (!label_valid(s, (size_t)((e != NULL ? e : end) - s)))
			return 0;
		if (e == NULL)
			return 1;
	}
}

int
oci_host_loopback(const char *h)
{
	char		 name[OCI_HOST_MAX];
	const char	*c;
	unsigned	 a, b, x, y;
	size_t		 n;
	char		 tail;

	if (strncmp(h, "[::1]", 5) == 0)
		return h[5] == '\0' || h[5] == ':';
	c = strchr(h, ':');
	n = c != NULL ? (size_t)(c - h) : strlen(h);
	if (n >= sizeof(name))
		return 0;
	memcpy(name, h, n);
	name[n] = '\0';
	if (strcasecmp(name, "localhost") == 0)
		return 1;
	if (sscanf(name, "%3u.%3u.%3u.%3u%c", &a, &b, &x, &y, &tail) != 4)
		return 0;
	/* Only the dotted quad itself: no leading zeros, no signs. */
	if (strspn(name, "0123456789.") != n)
		return 0;
	return a == 127 && b <= 255 && x <= 255 && y <= 255;
}

static int
copy(char *dst, size_t dstsz, const char *src, size_t n)
{
	if (n >= dstsz)
		return -1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

int
oci_ref_parse(const char *in, struct oci_ref *r, char *err, size_t errsz)
{
	char		 buf[REF_MAX];
	char		*at, *slash, *colon, *name;
	size_t		 n;

	memset(r, 0, sizeof(*r));
	n = strnlen(in, sizeof(buf));
	if (n == 0 || n >= sizeof(buf)) {
		snprintf(err, errsz, "an image reference has 1 to %zu bytes",
		    sizeof(buf) - 1);
		return -1;
	}
	memcpy(buf, in, n + 1);
	if ((at = strchr(buf, '@')) != NULL) {
		*at++ = '\0';
		if (!oci_digest_valid(at)) {
			snprintf(err, errsz, "%s: a digest is sha256: and 64 "
			    "lower-case hex digits", in);
			return -1;
		}
		strcpy(r->digest, at);
	}
	name = buf;
	slash = strchr(name, '/');
	if (slash != NULL && (memchr(name, '.', (size_t)(slash - name)) ||
	    memchr(name, ':', (size_t)(slash - name)) ||
	    (slash - name == 9 && strncmp(name, "localhost", 9) == 0))) {
		*slash = '\0';
		if (!host_valid(name) ||
		    copy(r->host, sizeof(r->host), name, strlen(name)) == -1) {
			snprintf(err, errsz, "%s: not a registry host", in);
			return -1;
		}
		name = slash + 1;
	} else
		strcpy(r->host, "docker.io");
	/* A tag follows the last ':' of the path (a host's port is gone). */
	if ((colon = strrchr(name, ':')) != NULL) {
		*colon++ = '\0';
		if (!tag_valid(colon)) {
			snprintf(err, errsz, "%s: a tag is [A-Za-z0-9_] then up "
			    "to 127 of [A-Za-z0-9_.-]", in);
			return -1;
		}
		strcpy(r->tag, colon);
	}
	if (strcasecmp(r->host, "docker.io") == 0 ||
	    strcasecmp(r->host, "index.docker.io") == 0 ||
	    strcasecmp(r->host, "registry-1.docker.io") == 0) {
		strcpy(r->host, "registry-1.docker.io");
		if (strchr(name, '/') == NULL) {
			if (snprintf(r->repo, sizeof(r->repo), "library/%s",
			    name) >= (int)sizeof(r->repo))
				r->repo[0] = '\0';
		} else
			(void)copy(r->repo, sizeof(r->repo), name, strlen(name));
	} else
		(void)copy(r->repo, sizeof(r->repo), name, strlen(name));
	if (r->repo[0] == '\0' || strlen(r->repo) > 255 ||
	    !path_valid(r->repo)) {
		snprintf(err, errsz, "%s: a repository is lower-case "
		    "[a-z0-9] components joined by '.', '_', '__' or '-', "
		    "separated by '/', at most 255 bytes", in);
		return -1;
	}
	if (r->tag[0] == '\0' && r->digest[0] == '\0')
		strcpy(r->tag, "latest");
	r->plain_http = oci_host_loopback(r->host);
	return 0;
}
