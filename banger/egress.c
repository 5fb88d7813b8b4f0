/*
 * A VM's egress policy on the CLI side: --egress and --allow checked
 * before bangerd is asked (bangerd checks again), and the policy as
 * bangerd reports it, printed for people or as JSON.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "banger.h"
#include "egress.h"
#include "exitcode.h"
#include "vminfo.h"

int
egress_check(const char *mode, char **allow, size_t n, char *err,
    size_t errlen)
{
	char	 norm[EGRESS_PATTERN_MAX + 1];
	size_t	 i;

	if (mode != NULL && egress_mode_parse(mode) == -1) {
		snprintf(err, errlen, "--egress %.16s: use open or allowlist",
		    mode);
		return BEX_USAGE;
	}
	if (mode != NULL && egress_mode_parse(mode) == EGRESS_OPEN && n > 0) {
		snprintf(err, errlen, "--allow needs --egress allowlist (or "
		    "no --egress)");
		return BEX_USAGE;
	}
	if (n > EGRESS_ALLOW_MAX) {
		snprintf(err, errlen, "too many allowed domains (at most %d "
		    "per VM)", EGRESS_ALLOW_MAX);
		return BEX_USAGE;
	}
	for (i = 0; i < n; i++)
		if (egress_pattern_norm(allow[i], norm, sizeof(norm), err,
		    errlen) == -1)
			return BEX_USAGE;
	return 0;
}

/* "allowlist: github.com, *.npmjs.org" or "open", escaped. */
void
egress_line(const struct ctl_vm_info *v, char *out, size_t outlen)
{
	char	 pat[4 * EGRESS_PATTERN_MAX + 1];
	size_t	 i, off;

	if (v->egress == NULL) {	/* an info made by hand (tests) */
		snprintf(out, outlen, "-");
		return;
	}
	escape_ctl(v->egress, pat, sizeof(pat));
	off = (size_t)snprintf(out, outlen, "%s", pat);
	if (strcmp(v->egress, "allowlist") == 0 && v->allow.n == 0)
		snprintf(out + off, outlen - off, " (.vm names only)");
	for (i = 0; i < v->allow.n && off < outlen; i++) {
		escape_ctl(v->allow.v[i], pat, sizeof(pat));
		off += (size_t)snprintf(out + off, outlen - off, "%s%s",
		    i == 0 ? ": " : ", ", pat);
	}
}

void
egress_print(const struct ctl_vm_info *v, FILE *f)
{
	char	 line[8192];

	egress_line(v, line, sizeof(line));
	fprintf(f, "%s\n", line);
}

/* {"mode": "allowlist", "allow": ["github.com", ...]} */
json_t *
egress_json(const struct ctl_vm_info *v)
{
	json_t	*arr, *s;
	char	 pat[4 * EGRESS_PATTERN_MAX + 1];
	size_t	 i;

	if ((arr = json_array()) == NULL)
		return NULL;
	for (i = 0; i < v->allow.n; i++) {
		/* jansson refuses invalid UTF-8: the escaped form then. */
		if ((s = json_string(v->allow.v[i])) == NULL) {
			escape_ctl(v->allow.v[i], pat, sizeof(pat));
			s = json_string(pat);
		}
		if (s == NULL || json_array_append_new(arr, s) == -1) {
			json_decref(arr);
			return NULL;
		}
	}
	escape_ctl(v->egress != NULL ? v->egress : "", pat, sizeof(pat));
	return json_pack("{s:s, s:o}", "mode", pat, "allow", arr);
}
