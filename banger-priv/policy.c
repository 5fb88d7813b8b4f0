/* priv.conf's reader, strict and bounded, and the caller check. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "policy.h"

#define POLICY_LINE_MAX	4096
#define NAME_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789_.-"
#define STR(x)		#x
#define XSTR(x)		STR(x)

static const char *const keys[] = {
	"allow_users", "allow_groups", "pool", "max_taps_per_user",
	"max_disks_per_user", "dm_snapshots", "publish_low_ports",
	"resolved_routing",
};
#define NKEYS		(sizeof(keys) / sizeof(keys[0]))

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
	size_t	 len = strlen(s), n = len;

	if (n > 1 && s[n - 1] == '$')
		n--;
	return n > 0 && len <= POLICY_NAME_MAX && s[0] != '.' &&
	    s[0] != '-' && strspn(s, NAME_CHARS) == n;
}

static int __attribute__((format(printf, 4, 5)))
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

/* One decimal value, no sign or leading zero, within 1..hi. */
static int
number(char *const *v, size_t n, unsigned hi, unsigned *out)
{
	if (n != 1 || v[0][0] == '0' || strlen(v[0]) > 9 ||
	    strspn(v[0], "0123456789") != strlen(v[0]) ||
	    strtoul(v[0], NULL, 10) > hi)
		return -1;
	*out = (unsigned)strtoul(v[0], NULL, 10);
	return 0;
}

/* What is wrong with key k's n values, or NULL once p holds them. */
static const char *
policy_line(struct policy *p, size_t k, char *const *v, size_t n)
{
	char	(*list)[POLICY_NAME_MAX + 1] = k == 0 ? p->users : p->groups;
	size_t	 i, j;

	switch (k) {
	case 0:
	case 1:
		/* Likely a half-finished edit, in who gets root's help. */
		if (n == 0)
			return ": needs at least one name (leave the line out "
			    "to allow nobody)";
		for (i = 0; i < n; i++) {
			if (!policy_valid_name(v[i]))
				return ": not a valid user or group name";
			for (j = 0; j < i; j++)
				if (strcmp(v[j], v[i]) == 0)
					return ": a name given twice";
			strcpy(list[i], v[i]);	/* length checked above */
		}
		*(k == 0 ? &p->nusers : &p->ngroups) = n;
		return NULL;
	case 2:
		if (n != 1 || addr_parse_cidr(v[0], &p->pool,
		    &p->pool_prefix) == -1)
			return " must be one network A.B.C.D/P with the host "
			    "bits zero";
		return addr_nslots(p->pool_prefix) == 0 ? " prefix must be "
		    "between /" XSTR(ADDR_POOL_PREFIX_MIN) " and /"
		    XSTR(ADDR_USER_PREFIX) : NULL;
	case 3:
		return number(v, n, POLICY_TAPS_MAX, &p->max_taps) == -1 ?
		    " must be one integer 1.." XSTR(POLICY_TAPS_MAX) : NULL;
	case 4:
		return number(v, n, POLICY_DISKS_MAX, &p->max_disks) == -1 ?
		    " must be one integer 1.." XSTR(POLICY_DISKS_MAX) : NULL;
	case 6:
		if (n > POLICY_LOW_PORTS_MAX)
			return ": at most " XSTR(POLICY_LOW_PORTS_MAX) " ports";
		for (i = 0; i < n; i++)
			if (number(&v[i], 1, 1023, &p->low_ports[i]) == -1)
				return " must list ports 1..1023";
		p->nlow_ports = n;
		return NULL;
	default:
		if (n != 1 || (strcmp(v[0], "true") != 0 &&
		    strcmp(v[0], "false") != 0))
			return " must be true or false";
		*(k == 5 ? &p->dm_snapshots : &p->resolved) =
		    strcmp(v[0], "true") == 0;
		return NULL;
	}
}

int
policy_parse(struct policy *p, const char *text, size_t len, char *err,
    size_t errlen)
{
	char		 buf[POLICY_LINE_MAX + 1], *f[POLICY_MAX_NAMES + 1];
	char		*s, *save;
	const char	*nl, *why;
	unsigned	 line, seen = 0;
	size_t		 i, n, nf, k;

	policy_defaults(p);
	if (len > POLICY_FILE_MAX)
		return perr(err, errlen, 0, "more than %d bytes",
		    POLICY_FILE_MAX);
	for (line = 1, i = 0; i < len; line++, i += n + 1) {
		nl = memchr(text + i, '\n', len - i);
		n = nl == NULL ? len - i : (size_t)(nl - (text + i));
		if (n > POLICY_LINE_MAX)
			return perr(err, errlen, line, "longer than %d bytes",
			    POLICY_LINE_MAX);
		memcpy(buf, text + i, n);
		buf[n] = '\0';
		for (s = buf; s < buf + n; s++)
			if (((unsigned char)*s < 0x20 && *s != '\t') ||
			    *s == 0x7f)
				return perr(err, errlen, line, "control "
				    "character %#x", (unsigned char)*s);
		/* Fields are separated by runs of blanks. */
		nf = 0;
		for (s = strtok_r(buf, " \t", &save); s != NULL;
		    s = strtok_r(NULL, " \t", &save)) {
			if (nf == POLICY_MAX_NAMES + 1)
				return perr(err, errlen, line, "more than %d "
				    "values", POLICY_MAX_NAMES);
			f[nf++] = s;
		}
		if (nf == 0 || f[0][0] == '#')
			continue;
		for (k = 0; k < NKEYS && strcmp(f[0], keys[k]) != 0; k++)
			;
		if (k == NKEYS)
			return perr(err, errlen, line, "unknown key \"%.64s\"",
			    f[0]);
		if (seen & (1U << k))
			return perr(err, errlen, line, "%s given twice", f[0]);
		seen |= 1U << k;
		if ((why = policy_line(p, k, f + 1, nf - 1)) != NULL)
			return perr(err, errlen, line, "%s%s", f[0], why);
	}
	if (!(seen & 1U << 7))
		p->resolved = p->nusers == 1 && p->ngroups == 0;
	return 0;
}

int
policy_allows(const struct policy *p, const char *user, const char *group)
{
	size_t	 i;

	for (i = 0; user != NULL && i < p->nusers; i++)
		if (strcmp(p->users[i], user) == 0)
			return 1;
	for (i = 0; group != NULL && i < p->ngroups; i++)
		if (strcmp(p->groups[i], group) == 0)
			return 1;
	return 0;
}
