/*
 * Egress patterns as bangerd and banger-net take them (from the CLI and
 * config.toml): the input up to its first NUL is a pattern, the rest a
 * name.  A pattern accepted is at most EGRESS_PATTERN_MAX bytes, has no
 * upper case, is its own normal form and matches the name made from it
 * (with "*" as "a"), and never a name of another length than a wildcard
 * allows.  The rebinding test must agree with its table.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "egress.h"
#include "pubaddr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 in[600], name[600], out[EGRESS_PATTERN_MAX + 1];
	char	 again[EGRESS_PATTERN_MAX + 1], err[256];
	size_t	 n, i;
	uint32_t a;

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	n = strlen(in);
	memcpy(name, n < size ? in + n + 1 : "", n < size ? size - n : 1);
	if (size >= 4) {
		a = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
		    (uint32_t)data[2] << 8 | data[3];
		/* 10/8, 127/8 and multicast are never allowed. */
		if (((a >> 24) == 10 || (a >> 24) == 127 || a >= 0xe0000000) &&
		    pubaddr_ok4(a))
			abort();
	}
	(void)egress_match(in, name);
	if (egress_pattern_norm(in, out, sizeof(out), err, sizeof(err)) ==
	    -1) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	if (strlen(out) != n || n > EGRESS_PATTERN_MAX)
		abort();
	for (i = 0; i < n; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			abort();
	if (egress_pattern_norm(out, again, sizeof(again), err,
	    sizeof(err)) == -1 || strcmp(out, again) != 0)
		abort();
	memcpy(name, out, n + 1);
	if (name[0] == '*')
		name[0] = 'a';
	if (!egress_match(out, name) || !egress_match(out, in[0] == '*' ?
	    name : in))
		abort();
	/* A wildcard never allows its own base name. */
	if (out[0] == '*' && egress_match(out, out + 2))
		abort();
	return 0;
}
