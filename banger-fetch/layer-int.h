/*
 * The layer applier's own state and helpers, shared by banger-fetch's
 * layer-*.c files (layer.h is what the rest of banger-fetch calls).
 */
#ifndef BANGER_FETCH_LAYER_INT_H
#define BANGER_FETCH_LAYER_INT_H

#include <stddef.h>
#include <stdint.h>

#include <ext2fs/ext2fs.h>

#define LAYER_NAME_MAX		255	/* one path component */
#define LAYER_PATH_MAX		4095	/* a whole path or link target */
#define LAYER_LINKS_MAX		40	/* symbolic links in one lookup */
#define LAYER_XATTRS_MAX	64	/* xattrs on one entry */
#define LAYER_XATTR_BYTES_MAX	4000	/* their names and values */

/* What this layer did to an inode (the opaque whiteout keeps both). */
#define LAYER_MADE	1	/* created by this layer */
#define LAYER_KEPT	2	/* an older directory this layer names */

struct layer_set {
	uint32_t	*ino;
	uint8_t		*flag;
	size_t		 cap, n;
};

/* The names of the directory being filled (layer-dir.c). */
struct layer_names {
	ext2_ino_t	 dir;		/* 0: none */
	uint32_t	*off;		/* into blob, plus one; 0: free */
	ext2_ino_t	*ino;
	size_t		 cap, n;
	char		*blob;
	size_t		 used, size;
	uint64_t	 scanned;	/* entries read into tables, this layer */
	uint64_t	 scan_max;	/* LAYER_SCAN_MAX, lower in tests */
};

/*
 * Entries one layer may make the applier read into directory tables: a
 * layer whose entries jump between large directories would otherwise
 * cost time that grows with the square of its size.
 */
#define LAYER_SCAN_MAX	(64ULL * 1000 * 1000)

struct layer_fs {
	ext2_filsys	 fs;
	uint64_t	 bytes;
	struct layer_set set;
	/* The last parent directory resolved, by its cleaned path. */
	char		 ppath[LAYER_PATH_MAX + 1];
	ext2_ino_t	 pino;
	int		 pvalid;
	struct layer_names names;
	char		*dirbuf;	/* one block */
	int		 nosync;	/* close without fsync */
	int		 datafd;	/* the image, for layer_data_fill */
	/* Writes made: a layer that wrote nothing left the image as is. */
	unsigned long	 writes;
	/* What the image is and what to do when it is full (messages). */
	const char	*what;
	const char	*advice;
	/* The current entry and where its error goes. */
	const char	*entry;
	char		*err;
	size_t		 errlen;
};

/* layer-fs.c */
int	layer_fail(struct layer_fs *, errcode_t, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	layer_read_inode(struct layer_fs *, ext2_ino_t,
	    struct ext2_inode_large *);
int	layer_write_inode(struct layer_fs *, ext2_ino_t,
	    struct ext2_inode_large *);

/* layer-set.c */
int	layer_set_add(struct layer_set *, ext2_ino_t, int);
int	layer_set_get(const struct layer_set *, ext2_ino_t);
void	layer_set_clear(struct layer_set *);
void	layer_set_free(struct layer_set *);

/* layer-path.c */
int	layer_path_clean(struct layer_fs *, const char *, char *, size_t);
int	layer_parent(struct layer_fs *, const char *, int, ext2_ino_t *,
	    const char **);
int	layer_lookup(struct layer_fs *, ext2_ino_t, const char *,
	    ext2_ino_t *);
int	layer_reserved(ext2_ino_t, const char *);
int	layer_readlink(struct layer_fs *, ext2_ino_t,
	    struct ext2_inode_large *, char *, size_t);

/* layer-remove.c */
int	layer_remove(struct layer_fs *, ext2_ino_t, const char *, ext2_ino_t);
int	layer_opaque(struct layer_fs *, ext2_ino_t);

/* layer-dir.c */
int	layer_dir_lookup(struct layer_fs *, ext2_ino_t, const char *,
	    ext2_ino_t *);
int	layer_dir_link(struct layer_fs *, ext2_ino_t, const char *,
	    ext2_ino_t, int);
void	layer_names_drop(struct layer_names *);
void	layer_names_forget(struct layer_names *, ext2_ino_t, const char *);
void	layer_names_free(struct layer_names *);

/* layer-node.c */
int	layer_link(struct layer_fs *, ext2_ino_t, const char *, ext2_ino_t,
	    int);
int	layer_mkdir(struct layer_fs *, ext2_ino_t, const char *,
	    ext2_ino_t *);
int	layer_node(struct layer_fs *, ext2_ino_t, const char *, int,
	    uint64_t, uint64_t, ext2_ino_t *);
int	layer_symlink(struct layer_fs *, ext2_ino_t, const char *,
	    const char *, ext2_ino_t *);

/* layer-data.c: a regular file's contents (layer_data_close sets its
 * size when the int it is given is 0). */
int	layer_data_open(struct layer_fs *, ext2_ino_t, ext2_file_t *);
int	layer_data_write(struct layer_fs *, ext2_file_t, uint64_t,
	    const void *, size_t);
int	layer_data_close(struct layer_fs *, ext2_file_t, uint64_t, int);
/* An empty regular file's contents from a descriptor, at most so many. */
int	layer_data_fill(struct layer_fs *, ext2_ino_t, int, uint64_t);
/* After freeing blocks, before the next layer_data_fill (see there). */
int	layer_data_freed(struct layer_fs *);

/* layer-meta.c: an entry's owner, mode, times and xattrs on ino. */
struct archive_entry;
int	layer_meta(struct layer_fs *, ext2_ino_t, struct archive_entry *,
	    int);

#endif
