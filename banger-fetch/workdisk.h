/*
 * A VM's work disk, written straight into its ext4 image (mkdisk.c):
 * the workspace (workspace.c), [[file_sync]] entries and the staged
 * files (sync.c), through the layer writer's host-file calls
 * (layer_put_*, layer.h).
 */
#ifndef BANGER_FETCH_WORKDISK_H
#define BANGER_FETCH_WORKDISK_H

#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>

struct layer_fs;

/*
 * The work disk's first 16 bytes once it is whole (ext4 leaves its first
 * 1024 bytes alone).  A VM started while mkdisk still writes its disk
 * (banger.work=wait) waits for them before it reads anything else of the
 * disk: images/init spells the same bytes.
 */
#define WORK_DONE_MARK		"banger-work-done"
#define WORK_DONE_MARK_LEN	16

/*
 * workspace.c: the repository being copied, and the directory in it the
 * last entry was in (a list names a directory's files together).
 */
struct ws_repo {
	int	 fd;		/* the repository, O_PATH */
	int	 dfd;		/* dir, or -1 */
	char	 dir[4096];
};
void	ws_repo_init(struct ws_repo *, int);
void	ws_repo_done(struct ws_repo *);
/*
 * One workspace entry (relative path) from the repository into the
 * image under TOP; new directories get the mode.  err is the buffer
 * given to layer_put_begin.  1 copied, 0 skipped, -1 error (in err).
 */
int	ws_copy_one(struct ws_repo *, struct layer_fs *, const char *,
	    const char *, int, char *, size_t);

/*
 * sync.c: config.toml's [[file_sync]], from bangerd's list file, into
 * the image's /root; sync_tree copies a host directory (the staging
 * directory bangerd and mkdisk fill) onto an image directory keeping
 * permission bits.  New parent directories get the mode given; err is
 * the buffer given to layer_put_begin.
 */
int	sync_apply(struct layer_fs *, const char *, int, char *, size_t);
int	sync_tree(struct layer_fs *, int, uint32_t, const char *, char *,
	    size_t);
int	sync_parse_mode(const char *);

#endif
