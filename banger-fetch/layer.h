/*
 * Container image layers applied to an ext4 image with libext2fs: no
 * mount, no root, and no file of a layer ever created on the host's file
 * system.  A layer is hostile input: paths stay inside the image (its own
 * symbolic links are resolved within it), whiteouts remove what lower
 * layers made, and every size is bounded.
 */
#ifndef BANGER_FETCH_LAYER_H
#define BANGER_FETCH_LAYER_H

#include <stddef.h>
#include <stdint.h>

/*
 * A new, empty ext4 of bytes (sparse; at least 1 MiB, whole KiB) at
 * path, labelled label (1 to 16 of [A-Za-z0-9._-]), made by running
 * mkfs.ext4, which is given no layer content.
 */
int	layer_mkfs(const char *, uint64_t, const char *, char *, size_t);

struct layer_fs;
struct layer_fs *layer_fs_open(const char *, char *, size_t);
/*
 * One layer, a tar stream on fd (uncompressed, gzip or zstd: the bytes
 * say which), applied on top of what is there, in order, with owners,
 * modes, times, symbolic and hard links, device nodes, xattrs and
 * whiteouts (.wh.NAME and .wh..wh..opq).  0, or -1 with why in err
 * (the image is then not to be used).
 */
int	layer_apply(struct layer_fs *, int, char *, size_t);
/* Directory entries one layer may have read (for tests; the default is
 * LAYER_SCAN_MAX, layer-int.h). */
void	layer_fs_scan_limit(struct layer_fs *, uint64_t);
/*
 * What the image is and what to do when it is full, for messages
 * (defaults: "the image", "pull again with a larger --size").
 */
void	layer_fs_full_advice(struct layer_fs *, const char *, const char *);

/*
 * Host files into the image (layer-put.c), for a VM's work disk: the
 * caller opens and judges each host file; nothing here follows a
 * symbolic link in the image, and everything made is root's.  Each
 * returns 0, or -1 with why in the err given to layer_put_begin,
 * naming the path given to layer_put_entry.  Inodes are uint32_t.
 */
void	layer_put_begin(struct layer_fs *, char *, size_t);
void	layer_put_entry(struct layer_fs *, const char *);
/* mkdir -p from the image's root; new directories get the mode. */
int	layer_put_dirs(struct layer_fs *, const char *, int, uint32_t *);
/* One directory in another: kept if there, else made with the mode. */
int	layer_put_mkdir(struct layer_fs *, uint32_t, const char *, int,
	    uint32_t *);
/* dir, name, fd, at most that many bytes, mode, replace a regular file */
int	layer_put_file(struct layer_fs *, uint32_t, const char *, int,
	    uint64_t, int, int);
int	layer_put_symlink(struct layer_fs *, uint32_t, const char *,
	    const char *);
int	layer_put_chmod(struct layer_fs *, uint32_t, int);
/* 1 if the directory has the name, 0 if not, -1 on error. */
int	layer_put_exists(struct layer_fs *, uint32_t, const char *);
/* The image's root directory, as layer_put_* name it. */
#define LAYER_ROOT	2

/*
 * Close without fsync: the image's writes stay in the page cache for
 * the kernel to write back (or for the first flush of its user).
 */
void	layer_fs_no_sync(struct layer_fs *);

/* Flush and close; 0, or -1 with why in err.  NULL is a no-op. */
int	layer_fs_close(struct layer_fs *, char *, size_t);
/* Free without writing anything more (after a failed layer_apply). */
void	layer_fs_discard(struct layer_fs *);

#endif
