/*
 * Per-user file locations (see README "Files").  Every path is derived from
 * HOME and the XDG variables; nothing is created here.
 */
#ifndef BANGER_PATHS_H
#define BANGER_PATHS_H

#include <sys/types.h>

#include <limits.h>

#define PATHS_ABSENT	1	/* paths_check_private: nothing there */

struct paths {
	char	config_dir[PATH_MAX];	/* ~/.config/banger */
	char	config_file[PATH_MAX];	/* ~/.config/banger/config.toml */
	char	state_dir[PATH_MAX];	/* ~/.local/state/banger */
	char	cache_dir[PATH_MAX];	/* ~/.cache/banger */
	char	runtime_dir[PATH_MAX];	/* $XDG_RUNTIME_DIR/banger */
	char	sock[108];		/* runtime_dir/bangerd.sock */
	char	lock[PATH_MAX];		/* runtime_dir/bangerd.lock */
	char	db[PATH_MAX];		/* state_dir/bangerd.db */
	char	log[PATH_MAX];		/* state_dir/bangerd.log */
	char	vms_dir[PATH_MAX];	/* state_dir/vms */
	char	images_dir[PATH_MAX];	/* state_dir/images */
	char	kernels_dir[PATH_MAX];	/* state_dir/kernels */
	char	web_token[PATH_MAX];	/* state_dir/web-token */
};

/*
 * Fill p from the environment.  XDG_RUNTIME_DIR falls back to
 * /tmp/banger-UID (created 0700 by bangerd, ownership checked) when unset.
 * Returns 0, or -1 with a message in err.
 */
int	paths_init(struct paths *, char *, size_t);
/*
 * Is this directory fit to hold the control socket: a directory (not a
 * link), owned by uid, mode 0700?  0, PATHS_ABSENT, or -1 with err.
 */
int	paths_check_private(const char *, uid_t, char *, size_t);
/* mkdir -p with mode for the final component; checks it is ours, 0700. */
int	paths_mkdir_private(const char *, char *, size_t);

#endif
