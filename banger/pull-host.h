/*
 * `banger vm pull`'s host side: git on the host, run so that nothing the
 * guest sent can steer it, and the import of the guest's bundle into one
 * branch without touching the work tree, the index or HEAD.
 */
#ifndef BANGER_PULL_HOST_H
#define BANGER_PULL_HOST_H

#include <stddef.h>

/* The ref the guest bundles its work under (and nothing else). */
#define PULL_REF	"refs/banger/pull"
/* The subject of the guest's commit of its uncommitted changes. */
#define PULL_SNAPSHOT_MSG	"banger vm pull: uncommitted changes"

/* Drop every GIT_* variable from our environment (and so git's). */
void	pull_env_clean(void);

/*
 * git -C top, with hooks, fsmonitor and the like off, argv after it
 * (too many arguments: an error, never a shorter command); stdin from
 * in (-1: /dev/null); stdout collected (at most max bytes,
 * NUL-terminated) into *out when out != NULL, else banger's own stdout
 * (only for output meant for the user, or none); stderr kept, and
 * relayed escaped when git fails and quiet is 0.  Returns git's exit
 * status, or -1 with a message in err.
 */
int	pull_git(const char *, char *const [], int, char **, size_t, int,
	    char *, size_t);

/*
 * The commit ids to offer the guest, one a line, into a descriptor at
 * offset 0: HEAD's and the target branch's only, so that a pull tells
 * the guest of no other branch.
 */
int	pull_haves(const char *, const char *, char *, size_t);

/*
 * Import the bundle open at fd into refs/heads/<branch> of the
 * repository at top: verified, one ref exactly (PULL_REF), objects
 * fsck'd, the branch created, fast-forwarded, or moved off an earlier
 * pull's snapshot of uncommitted changes (never the checked-out branch).  Returns 0, or -1 with a message in err; on failure no ref
 * has changed.  *what says "created", "updated" or "unchanged".
 */
int	pull_import(const char *, int, const char *, const char **, char *,
	    size_t);

/* Print the branch's diffstat against its merge base with HEAD. */
int	pull_diffstat(const char *, const char *);

#endif
