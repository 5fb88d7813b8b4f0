/* priv.conf parsing and the caller check; see policy.h. */
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "policy.h"
#include "toml.h"

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

static int
take_names(const struct toml_value *v, char names[][POLICY_NAME_MAX + 1],
    size_t *n, const char *key, unsigned line, char *err, size_t errlen)
{
	size_t	 i;

	if (v->type != TOML_ARRAY) {
		snprintf(err, errlen, "line %u: %s must be an array of names",
		    line, key);
		return -1;
	}
	if (v->n > POLICY_MAX_NAMES) {
		snprintf(err, errlen, "line %u: %s has more than %d names",
		    line, key, POLICY_MAX_NAMES);
		return -1;
	}
	for (i = 0; i < v->n; i++) {
		if (v->a[i].type != TOML_STRING ||
		    !policy_valid_name(v->a[i].s)) {
			snprintf(err, errlen, "line %u: %s entry %zu is not "
			    "a valid name", line, key, i + 1);
			return -1;
		}
		strcpy(names[i], v->a[i].s);	/* length checked above */
	}
	*n = v->n;
	return 0;
}

static int
policy_cb(const char *table, int index, const char *key,
    const struct toml_value *v, unsigned line, void *arg, char *err,
    size_t errlen)
{
	struct policy	*p = arg;

	(void)index;
	if (*table != '\0') {
		snprintf(err, errlen, "line %u: unknown table [%s]", line,
		    table);
		return -1;
	}
	if (strcmp(key, "allow_users") == 0)
		return take_names(v, p->users, &p->nusers, key, line, err,
		    errlen);
	if (strcmp(key, "allow_groups") == 0)
		return take_names(v, p->groups, &p->ngroups, key, line, err,
		    errlen);
	if (strcmp(key, "pool") == 0) {
		if (v->type != TOML_STRING ||
		    addr_parse_cidr(v->s, &p->pool, &p->pool_prefix) == -1) {
			snprintf(err, errlen, "line %u: pool must be a network "
			    "\"A.B.C.D/P\" with the host bits zero", line);
			return -1;
		}
		if (addr_nslots(p->pool_prefix) == 0) {
			snprintf(err, errlen, "line %u: pool prefix must be "
			    "between /%d and /%d", line, ADDR_POOL_PREFIX_MIN,
			    ADDR_USER_PREFIX);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "max_taps_per_user") == 0) {
		if (v->type != TOML_INT || v->i < 1 ||
		    v->i > POLICY_TAPS_MAX) {
			snprintf(err, errlen, "line %u: max_taps_per_user "
			    "must be an integer 1..%d", line, POLICY_TAPS_MAX);
			return -1;
		}
		p->max_taps = (unsigned)v->i;
		return 0;
	}
	if (strcmp(key, "max_disks_per_user") == 0) {
		if (v->type != TOML_INT || v->i < 1 ||
		    v->i > POLICY_DISKS_MAX) {
			snprintf(err, errlen, "line %u: max_disks_per_user "
			    "must be an integer 1..%d", line,
			    POLICY_DISKS_MAX);
			return -1;
		}
		p->max_disks = (unsigned)v->i;
		return 0;
	}
	if (strcmp(key, "dm_snapshots") == 0) {
		if (v->type != TOML_BOOL) {
			snprintf(err, errlen, "line %u: dm_snapshots must be "
			    "true or false", line);
			return -1;
		}
		p->dm_snapshots = v->b;
		return 0;
	}
	snprintf(err, errlen, "line %u: unknown key \"%s\"", line, key);
	return -1;
}

int
policy_parse(struct policy *p, const char *text, size_t len, char *err,
    size_t errlen)
{
	policy_defaults(p);
	return toml_parse(text, len, policy_cb, p, err, errlen);
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
