/* Egress policy patterns: checked once when given, matched per query. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "egress.h"

int
egress_mode_parse(const char *s)
{
	if (strcmp(s, "open") == 0)
		return EGRESS_OPEN;
	if (strcmp(s, "allowlist") == 0)
		return EGRESS_ALLOWLIST;
	return -1;
}

const char *
egress_mode_name(int mode)
{
	return mode == EGRESS_ALLOWLIST ? "allowlist" : "open";
}

static int
perr(char *err, size_t errlen, const char *p, const char *why)
{
	snprintf(err, errlen, "allowed domain \"%.64s\": %s", p, why);
	return -1;
}

int
egress_pattern_norm(const char *in, char *out, size_t outlen, char *err,
    size_t errlen)
{
	const char	*p = in, *dot;
	size_t		 len = strlen(in), n, i;

	if (len == 0 || len > EGRESS_PATTERN_MAX || outlen <= len)
		return perr(err, errlen, in, "must be 1 to 253 characters");
	if (strncmp(p, "*.", 2) == 0)
		p += 2;
	for (; ; p = dot + 1) {
		dot = strchr(p, '.');
		n = dot == NULL ? strlen(p) : (size_t)(dot - p);
		if (n == 0 || n > 63)
			return perr(err, errlen, in, "each label must be 1 to "
			    "63 characters (no empty label, no trailing dot)");
		if (strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
		    "vwxyz0123456789-") < n)
			return perr(err, errlen, in, "only letters, digits, "
			    "'-' and '.' after an optional leading \"*.\"");
		if (p[0] == '-' || p[n - 1] == '-')
			return perr(err, errlen, in, "a label may not start "
			    "or end with '-'");
		if (dot == NULL)
			break;
	}
	if (strcasecmp(p, "vm") == 0)
		return perr(err, errlen, in, "names in .vm are always "
		    "allowed");
	for (i = 0; i <= len; i++)
		out[i] = in[i] >= 'A' && in[i] <= 'Z' ? in[i] - 'A' + 'a' :
		    in[i];
	return 0;
}

int
egress_match(const char *pattern, const char *name)
{
	size_t	 n = strlen(name), plen;

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (strncmp(pattern, "*.", 2) != 0)
		return strlen(pattern) == n &&
		    strncasecmp(pattern, name, n) == 0;
	/* "*.b.c" allows "a.b.c" and "x.a.b.c", never "b.c" itself. */
	pattern += 1;
	plen = strlen(pattern);
	return n > plen && strncasecmp(name + n - plen, pattern, plen) == 0;
}
