/*
 * The block `banger ssh-config --install` keeps at the top of
 * ~/.ssh/config.  Pure functions over the file's bytes, so every case
 * (absent, empty, CRLF, block present, block damaged) is unit-tested
 * without touching a real ~/.ssh.
 */
#ifndef BANGER_SSHCFG_H
#define BANGER_SSHCFG_H

#include <stddef.h>

#define SSHCFG_BEGIN	"# >>> banger >>>"
#define SSHCFG_END	"# <<< banger <<<"
#define SSHCFG_MAX	(1024 * 1024)	/* larger ~/.ssh/config: refused */

/*
 * "Include ~/.config/banger/ssh_config": the file bangerd keeps under
 * config_dir, with ~ for home.  Quoted when it holds blanks; paths with
 * quotes or control characters are refused.  0, or -1 with err.
 */
int	sshcfg_include(const char *, const char *, char *, size_t, char *,
	    size_t);

/*
 * Given the old contents (len bytes; not NUL-terminated), the new ones:
 * install puts the block holding include first (or rewrites an existing
 * block in place), uninstall removes the block.  Return 1 with *newp
 * (malloc'd) and *newlenp, 0 when nothing changes, -1 with err when the
 * markers are damaged (nothing is changed then).  No other byte moves:
 * uninstall after install gives back the original exactly.
 */
int	sshcfg_install(const char *, size_t, const char *, char **, size_t *,
	    char *, size_t);
int	sshcfg_uninstall(const char *, size_t, char **, size_t *, char *,
	    size_t);

#endif
