/*
 * A tar stream from a guest, extracted beneath a directory of ours
 * (vm cp out of a VM).  The stream is hostile; see tarx.c for what is
 * accepted.
 */
#ifndef BANGER_TARX_H
#define BANGER_TARX_H

#include <stddef.h>
#include <stdint.h>

#define TARX_MAX_BYTES		(4ULL << 30)	/* --max-size's default */
#define TARX_MAX_ENTRIES	100000		/* made directories too */
#define TARX_INODE_COST		4096		/* bytes each made entry costs */
#define TARX_MAX_PATH		4096		/* an entry's name or target */
#define TARX_MAX_DEPTH		256		/* components in a name */

/* What tarx_extract() returns besides 0. */
#define TARX_REFUSED	(-1)	/* an entry broke a rule */
#define TARX_STREAM	(-2)	/* not a tar stream, truncated, or empty */

struct tarx_opts {
	/* File data and symlink targets, plus TARX_INODE_COST each. */
	uint64_t	 max_bytes;
	uint64_t	 max_entries;	/* made directories count too */
	const char	*top;		/* NULL, or every entry's first name */
	/* Called with the bytes written so far, after each block. */
	void		(*progress)(uint64_t, void *);
	void		*arg;
};

/*
 * Extract the tar stream read from infd beneath the directory dirfd.
 * Returns 0, TARX_REFUSED or TARX_STREAM with a message in err (entry
 * names in it escaped).  On failure what was made beneath dirfd stays:
 * the caller removes its directory (tarx_remove()).
 */
int	tarx_extract(int, int, const struct tarx_opts *, char *, size_t);
/* Remove dirfd/name and everything beneath it, following no link. */
int	tarx_remove(int, const char *);

#endif
