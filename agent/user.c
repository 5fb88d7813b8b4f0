/*
 * Who a command runs as, from the user an image's config names ("name",
 * "uid", "name:group", "uid:gid" and the mixed forms), looked up in the
 * guest's own /etc/passwd and /etc/group.  The agent is static, so this
 * reads the files itself rather than through NSS; the texts are passed
 * in so that the parsing can be tested on the host.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

#define FIELDS_MAX	8

/* A decimal id of at most 10 digits below 2^32 - 1, else -1. */
static long long
parse_id(const char *s, size_t len)
{
	long long	 v = 0;
	size_t		 i;

	if (len == 0 || len > 10)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v < 0xffffffffLL ? v : -1;
}

/*
 * Split line (no newline) at ':' into at most FIELDS_MAX fields, each a
 * pointer and a length; the count of fields.
 */
static size_t
split(const char *line, size_t len, const char *f[FIELDS_MAX],
    size_t fl[FIELDS_MAX])
{
	size_t	 n = 0, start = 0, i;

	for (i = 0; i <= len && n < FIELDS_MAX; i++)
		if (i == len || line[i] == ':') {
			f[n] = line + start;
			fl[n++] = i - start;
			start = i + 1;
		}
	return n;
}

/*
 * Calls fn for each line of text with its fields; stops when fn returns
 * non-zero and returns that.
 */
static int
each_line(const char *text, int (*fn)(const char **, size_t *, size_t,
    void *), void *arg)
{
	const char	*f[FIELDS_MAX], *nl;
	size_t		 fl[FIELDS_MAX], n, len;
	int		 rc;

	while (text != NULL && *text != '\0') {
		nl = strchr(text, '\n');
		len = nl != NULL ? (size_t)(nl - text) : strlen(text);
		if (len > 0 && text[0] != '#') {
			n = split(text, len, f, fl);
			if ((rc = fn(f, fl, n, arg)) != 0)
				return rc;
		}
		text = nl != NULL ? nl + 1 : NULL;
	}
	return 0;
}

static int
eq(const char *f, size_t fl, const char *s, size_t sl)
{
	return fl == sl && memcmp(f, s, sl) == 0;
}

struct pw_find {
	const char	*key;		/* name, or NULL to match by id */
	size_t		 keylen;
	long long	 id;
	struct run_as	*ra;
};

/* passwd: name:password:uid:gid:gecos:home:shell */
static int
pw_match(const char **f, size_t *fl, size_t n, void *arg)
{
	struct pw_find	*p = arg;
	long long	 uid, gid;

	if (n < 7 || (uid = parse_id(f[2], fl[2])) == -1 ||
	    (gid = parse_id(f[3], fl[3])) == -1)
		return 0;
	if (p->key != NULL ? !eq(f[0], fl[0], p->key, p->keylen) :
	    uid != p->id)
		return 0;
	if (fl[0] >= sizeof(p->ra->name) || fl[5] >= sizeof(p->ra->home))
		return 0;
	p->ra->uid = (uid_t)uid;
	p->ra->gid = (gid_t)gid;
	memcpy(p->ra->name, f[0], fl[0]);
	p->ra->name[fl[0]] = '\0';
	memcpy(p->ra->home, f[5], fl[5]);
	p->ra->home[fl[5]] = '\0';
	return 1;
}

struct gr_find {
	const char	*key;		/* group name, or NULL */
	size_t		 keylen;
	long long	 gid;		/* out when key is set */
	struct run_as	*ra;		/* add groups naming ra->name */
};

/* group: name:password:gid:member,member,... */
static int
gr_match(const char **f, size_t *fl, size_t n, void *arg)
{
	struct gr_find	*g = arg;
	long long	 gid;
	const char	*m, *end;
	size_t		 i, nl;

	if (n < 4 || (gid = parse_id(f[2], fl[2])) == -1)
		return 0;
	if (g->key != NULL) {
		if (!eq(f[0], fl[0], g->key, g->keylen))
			return 0;
		g->gid = gid;
		return 1;
	}
	nl = strlen(g->ra->name);
	for (m = f[3], end = f[3] + fl[3]; m < end; m += i + 1) {
		for (i = 0; m + i < end && m[i] != ','; i++)
			;
		if (!eq(m, i, g->ra->name, nl))
			continue;
		for (i = 0; i < g->ra->ngroups; i++)
			if (g->ra->groups[i] == (gid_t)gid)
				return 0;
		if (g->ra->ngroups < RUN_AS_GROUPS_MAX)
			g->ra->groups[g->ra->ngroups++] = (gid_t)gid;
		return 0;
	}
	return 0;
}

int
user_resolve(const char *spec, const char *passwd, const char *group,
    struct run_as *ra, char *err, size_t errlen)
{
	struct pw_find	 pw;
	struct gr_find	 gr;
	const char	*colon, *gspec = NULL;
	size_t		 ulen, glen = 0;
	long long	 id;

	memset(ra, 0, sizeof(*ra));
	if (spec[0] == '\0')
		return 0;
	colon = strchr(spec, ':');
	ulen = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
	if (colon != NULL) {
		gspec = colon + 1;
		glen = strlen(gspec);
	}
	if (ulen == 0 || ulen > 255 || (colon != NULL && (glen == 0 ||
	    glen > 255 || strchr(gspec, ':') != NULL)) ||
	    strchr(spec, '\n') != NULL) {
		snprintf(err, errlen, "bad user \"%.64s\" (USER, UID, USER:GROUP "
		    "or UID:GID)", spec);
		return -1;
	}
	ra->set = 1;
	memset(&pw, 0, sizeof(pw));
	pw.ra = ra;
	if ((id = parse_id(spec, ulen)) != -1) {
		/* A number need not be in passwd (docker's rule): gid 0. */
		pw.id = id;
		if (!each_line(passwd, pw_match, &pw)) {
			ra->uid = (uid_t)id;
			ra->gid = 0;
			snprintf(ra->home, sizeof(ra->home), "/");
		}
	} else {
		pw.key = spec;
		pw.keylen = ulen;
		if (!each_line(passwd, pw_match, &pw)) {
			snprintf(err, errlen, "user \"%.*s\" is not in the "
			    "image's /etc/passwd", (int)(ulen > 64 ? 64 : ulen),
			    spec);
			return -1;
		}
	}
	if (gspec != NULL) {
		/* An explicit group is the only one. */
		if ((id = parse_id(gspec, glen)) == -1) {
			memset(&gr, 0, sizeof(gr));
			gr.key = gspec;
			gr.keylen = glen;
			if (!each_line(group, gr_match, &gr)) {
				snprintf(err, errlen, "group \"%.64s\" is not in "
				    "the image's /etc/group", gspec);
				return -1;
			}
			id = gr.gid;
		}
		ra->gid = (gid_t)id;
		ra->groups[0] = ra->gid;
		ra->ngroups = 1;
		return 0;
	}
	ra->groups[0] = ra->gid;
	ra->ngroups = 1;
	if (ra->name[0] != '\0') {
		memset(&gr, 0, sizeof(gr));
		gr.ra = ra;
		(void)each_line(group, gr_match, &gr);
	}
	return 0;
}

/* A file of the guest's, whole, up to max bytes; NULL (and "") if absent. */
char *
user_read_file(const char *path, size_t max)
{
	FILE	*fp;
	char	*buf;
	size_t	 n;

	if ((buf = calloc(1, max + 1)) == NULL)
		return NULL;
	if ((fp = fopen(path, "re")) == NULL)
		return buf;
	n = fread(buf, 1, max, fp);
	buf[n] = '\0';
	/* A file cut at max keeps only its whole lines. */
	if (n == max && strrchr(buf, '\n') != NULL)
		strrchr(buf, '\n')[1] = '\0';
	fclose(fp);
	return buf;
}
