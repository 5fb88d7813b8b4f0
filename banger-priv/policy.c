/* priv.conf parsing and the caller check; see policy.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "policy.h"

void
policy_defaults(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	/* 10.213.0.0/16: a private range unlikely to clash with a LAN. */
	p->pool = 0x0ad50000;
	p->pool_prefix = 16;
	p->max_taps = POLICY_TAPS_DEFAULT;
	p->max_disks = POLICY_DISKS_DEFAULT;
	p->dm_snapshots = 1;
}

/* Portable user/group names: [A-Za-z0-9_][A-Za-z0-9_.-]*, optional '$'. */
int
policy_valid_name(const char *s)
{
	size_t	 i, n = strlen(s);

	if (n == 0 || n > POLICY_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char	 c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_')
			continue;
		if ((c == '.' || c == '-') && i > 0)
			continue;
		if (c == '$' && i > 0 && i == n - 1)
			continue;
		return 0;
	}
	return 1;
}

/*
 * The reader of priv.conf's line format (see policy.h).  Strict and
 * bounded: a line is at most POLICY_LINE_MAX bytes, has at most
 * POLICY_MAX_NAMES values, holds no control bytes but tabs (so no NUL and
 * no CR), and each key comes at most once.
 */
#define POLICY_LINE_MAX		4096

static int
perr(char *err, size_t errlen, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
perr(char *err, size_t errlen, unsigned line, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	n = snprintf(err, errlen, "line %u: ", line);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Decimal, no sign or leading zero, within lo..hi. */
static int
number(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	unsigned long	 v = 0;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || (v = v * 10 + (*s - '0')) > hi)
			return -1;
	}
	if (v < lo)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/*
 * At least one name, each valid and given once: a key with no names, or
 * a name twice, is more likely a half-finished edit than what the site
 * meant, and the policy is what decides who gets root's help.
 */
static int
names(char *const *v, size_t n, char out[][POLICY_NAME_MAX + 1],
    size_t *nout, const char **why)
{
	size_t	 i, j;

	if (n == 0) {
		*why = "needs at least one name (leave the line out to allow "
		    "nobody)";
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!policy_valid_name(v[i])) {
			*why = "not a valid user or group name";
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(out[j], v[i]) == 0) {
				*why = "a name given twice";
				return -1;
			}
		strcpy(out[i], v[i]);	/* length checked above */
	}
	*nout = n;
	return 0;
}

static const char *const keys[] = {
	"allow_users", "allow_groups", "pool", "max_taps_per_user",
	"max_disks_per_user", "dm_snapshots",
};

/* One line's key and its n values. */
static int
policy_line(struct policy *p, const char *key, char *const *v, size_t n,
    unsigned line, unsigned *seen, char *err, size_t errlen)
{
	const char	*why = "";
	size_t		 k;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (strcmp(key, keys[k]) == 0)
			break;
	if (k == sizeof(keys) / sizeof(keys[0]))
		return perr(err, errlen, line, "unknown key \"%.64s\"", key);
	if (*seen & (1U << k))
		return perr(err, errlen, line, "%s given twice", key);
	*seen |= 1U << k;
	switch (k) {
	case 0:
	case 1:
		if (names(v, n, k == 0 ? p->users : p->groups, k == 0 ?
		    &p->nusers : &p->ngroups, &why) == -1)
			return perr(err, errlen, line, "%s: %s", key, why);
		return 0;
	case 2:
		if (n != 1 || addr_parse_cidr(v[0], &p->pool,
		    &p->pool_prefix) == -1)
			return perr(err, errlen, line, "pool must be one "
			    "network A.B.C.D/P with the host bits zero");
		if (addr_nslots(p->pool_prefix) == 0)
			return perr(err, errlen, line, "pool prefix must be "
			    "between /%d and /%d", ADDR_POOL_PREFIX_MIN,
			    ADDR_USER_PREFIX);
		return 0;
	case 3:
		if (n != 1 || number(v[0], 1, POLICY_TAPS_MAX,
		    &p->max_taps) == -1)
			return perr(err, errlen, line, "max_taps_per_user "
			    "must be one integer 1..%d", POLICY_TAPS_MAX);
		return 0;
	case 4:
		if (n != 1 || number(v[0], 1, POLICY_DISKS_MAX,
		    &p->max_disks) == -1)
			return perr(err, errlen, line, "max_disks_per_user "
			    "must be one integer 1..%d", POLICY_DISKS_MAX);
		return 0;
	default:
		if (n != 1 || (strcmp(v[0], "true") != 0 &&
		    strcmp(v[0], "false") != 0))
			return perr(err, errlen, line, "dm_snapshots must be "
			    "true or false");
		p->dm_snapshots = strcmp(v[0], "true") == 0;
		return 0;
	}
}

int
policy_parse(struct policy *p, const char *text, size_t len, char *err,
    size_t errlen)
{
	char		 buf[POLICY_LINE_MAX + 1], *f[POLICY_MAX_NAMES + 1];
	unsigned	 line = 0, seen = 0;
	size_t		 i = 0, n, nf;
	char		*s;

	policy_defaults(p);
	if (len > POLICY_FILE_MAX)
		return perr(err, errlen, 0, "more than %d bytes",
		    POLICY_FILE_MAX);
	while (i < len) {
		line++;
		for (n = 0; i < len && text[i] != '\n'; i++, n++) {
			if (n == POLICY_LINE_MAX)
				return perr(err, errlen, line, "longer than "
				    "%d bytes", POLICY_LINE_MAX);
			if (((unsigned char)text[i] < 0x20 &&
			    text[i] != '\t') || text[i] == 0x7f)
				return perr(err, errlen, line, "control "
				    "character %#x", (unsigned char)text[i]);
			buf[n] = text[i];
		}
		buf[n] = '\0';
		i++;
		/* Fields are separated by runs of blanks. */
		nf = 0;
		for (s = buf; *s != '\0';) {
			if (*s == ' ' || *s == '\t') {
				*s++ = '\0';
				continue;
			}
			if (nf == sizeof(f) / sizeof(f[0]))
				return perr(err, errlen, line, "more than %d "
				    "values", POLICY_MAX_NAMES);
			f[nf++] = s;
			s += strcspn(s, " \t");
		}
		if (nf == 0 || f[0][0] == '#')
			continue;
		if (policy_line(p, f[0], f + 1, nf - 1, line, &seen, err,
		    errlen) == -1)
			return -1;
	}
	return 0;
}

int
policy_allows(const struct policy *p, const char *user,
    const char *const *groups, size_t ngroups)
{
	size_t	 i, j;

	for (i = 0; user != NULL && i < p->nusers; i++)
		if (strcmp(p->users[i], user) == 0)
			return 1;
	for (i = 0; i < p->ngroups; i++)
		for (j = 0; j < ngroups; j++)
			if (groups[j] != NULL &&
			    strcmp(p->groups[i], groups[j]) == 0)
				return 1;
	return 0;
}
