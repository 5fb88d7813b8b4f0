/*
 * The coding agents' credential files banger can copy into a VM when
 * config.toml's credentials list names them (see docs/config.md,
 * "Credentials" in docs/advanced.md).  Each lives at the same path below
 * the user's home on the host and below /root in the guest.  The host
 * file is read by bangerd, as the user, at each VM start; `banger doctor`
 * looks at it the same way.
 */
#ifndef BANGER_CRED_H
#define BANGER_CRED_H

#include <stddef.h>
#include <stdint.h>

#define CRED_COUNT	3
#define CRED_MAX	(1024 * 1024)	/* bytes of one credential file */

struct cred {
	const char	*name;		/* as config.toml names it */
	const char	*path;		/* below $HOME and below /root */
};

extern const struct cred cred_table[CRED_COUNT];

/* cred_table's index of name, or -1. */
int	cred_index(const char *);

#define CRED_OK		0
#define CRED_MISSING	1	/* no such file (or directory on the way) */
#define CRED_REFUSED	2	/* there, but not something banger copies */

/*
 * Open credential i below home to read it: a regular file owned by the
 * caller, at most CRED_MAX bytes, reached without leaving home (a
 * symbolic link on the way may point elsewhere in home, never out of it;
 * RESOLVE_BENEATH).  CRED_OK with *fdp and *size set, or CRED_MISSING or
 * CRED_REFUSED with the reason in err ("~/PATH: why").
 */
int	cred_open(const char *, size_t, int *, uint64_t *, char *, size_t);
/*
 * cred_open() and read the whole file into *bufp (malloc'd; *lenp
 * bytes), which the caller gives back to cred_free().  A file that grew
 * past its size since it was opened is refused.
 */
int	cred_load(const char *, size_t, uint8_t **, size_t *, char *, size_t);
/* Wipe and free what cred_load() gave. */
void	cred_free(uint8_t *, size_t);

#endif
