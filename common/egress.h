/*
 * A VM's egress policy as users give it: a mode ("open" or "allowlist")
 * and, for allowlist, up to EGRESS_ALLOW_MAX domain patterns.  A pattern
 * is a DNS name ("github.com": that name only) or "*." and a name
 * ("*.npmjs.org": every name below it, not the name itself).  Names in
 * the .vm zone are always allowed and cannot be listed.
 */
#ifndef BANGER_EGRESS_H
#define BANGER_EGRESS_H

#include <stddef.h>

#define EGRESS_OPEN		0
#define EGRESS_ALLOWLIST	1
#define EGRESS_ALLOW_MAX	16	/* patterns per VM */
#define EGRESS_PATTERN_MAX	253	/* bytes, "*." included */

/* EGRESS_OPEN, EGRESS_ALLOWLIST or -1; and back. */
int		 egress_mode_parse(const char *);
const char	*egress_mode_name(int);
/*
 * Check a pattern as given and write it lowercased to out (at least
 * EGRESS_PATTERN_MAX + 1 bytes): 0, or -1 with the reason in err.
 */
int	egress_pattern_norm(const char *, char *, size_t, char *, size_t);
/*
 * Whether name (presentation form, any case, a trailing dot allowed)
 * is one the normalised pattern allows.
 */
int	egress_match(const char *, const char *);

#endif
