/*
 * New inodes in the image: directories, files, symbolic links, device
 * nodes and FIFOs, each linked under its name and remembered as made by
 * the layer being applied.  Owners, modes and times come afterwards
 * (layer-meta.c); a full directory is grown, never refused.
 */
#include <string.h>

#include <ext2fs/ext2fs.h>

#include "layer-int.h"

static int
file_type(unsigned int mode)
{
	switch (mode & LINUX_S_IFMT) {
	case LINUX_S_IFREG:
		return EXT2_FT_REG_FILE;
	case LINUX_S_IFDIR:
		return EXT2_FT_DIR;
	case LINUX_S_IFLNK:
		return EXT2_FT_SYMLINK;
	case LINUX_S_IFCHR:
		return EXT2_FT_CHRDEV;
	case LINUX_S_IFBLK:
		return EXT2_FT_BLKDEV;
	case LINUX_S_IFIFO:
		return EXT2_FT_FIFO;
	default:
		return EXT2_FT_UNKNOWN;
	}
}

/* name for ino in dir (layer-dir.c), its file type from mode. */
int
layer_link(struct layer_fs *l, ext2_ino_t dir, const char *name,
    ext2_ino_t ino, int mode)
{
	return layer_dir_link(l, dir, name, ino, file_type((unsigned)mode));
}

/* A directory, 0755 and root's until its entry says otherwise. */
int
layer_mkdir(struct layer_fs *l, ext2_ino_t parent, const char *name,
    ext2_ino_t *ino)
{
	struct ext2_inode_large	 pin;
	errcode_t		 e;

	if (layer_read_inode(l, parent, &pin) == -1)
		return -1;
	if (pin.i_links_count >= EXT2_LINK_MAX - 1)
		return layer_fail(l, 0, "more than %d subdirectories in one",
		    EXT2_LINK_MAX - 2);
	l->writes++;
	if ((e = ext2fs_new_inode(l->fs, parent, LINUX_S_IFDIR | 0755, NULL,
	    ino)) != 0 || (e = ext2fs_mkdir(l->fs, parent, *ino, NULL)) != 0)
		return layer_fail(l, e, "making directory %s", name);
	if (layer_link(l, parent, name, *ino, LINUX_S_IFDIR) == -1)
		return -1;
	if (layer_set_add(&l->set, *ino, LAYER_MADE) == -1)
		return layer_fail(l, 0, "out of memory");
	return 0;
}

/* Linux's encoding of a device number in i_block. */
static int
set_rdev(struct layer_fs *l, struct ext2_inode_large *in, uint64_t major,
    uint64_t minor)
{
	if (major < 256 && minor < 256) {
		in->i_block[0] = (uint32_t)(major << 8 | minor);
		return 0;
	}
	if (major >= 4096 || minor >= (1 << 20))
		return layer_fail(l, 0, "device number %llu,%llu out of range",
		    (unsigned long long)major, (unsigned long long)minor);
	in->i_block[1] = (uint32_t)((minor & 0xff) | (major << 8) |
	    ((minor & ~0xffULL) << 12));
	return 0;
}

/* A regular file (empty, extent mapped), device node or FIFO. */
int
layer_node(struct layer_fs *l, ext2_ino_t dir, const char *name, int mode,
    uint64_t major, uint64_t minor, ext2_ino_t *ino)
{
	struct ext2_inode_large	 in;
	ext2_extent_handle_t	 h;
	errcode_t		 e;

	memset(&in, 0, sizeof(in));
	in.i_mode = (uint16_t)mode;
	in.i_links_count = 1;
	if ((mode & LINUX_S_IFMT) == LINUX_S_IFCHR ||
	    (mode & LINUX_S_IFMT) == LINUX_S_IFBLK) {
		if (set_rdev(l, &in, major, minor) == -1)
			return -1;
	}
	l->writes++;
	if ((e = ext2fs_new_inode(l->fs, dir, mode, NULL, ino)) != 0)
		return layer_fail(l, e, "new inode");
	if ((mode & LINUX_S_IFMT) == LINUX_S_IFREG &&
	    ext2fs_has_feature_extents(l->fs->super)) {
		if ((e = ext2fs_extent_open2(l->fs, *ino,
		    (struct ext2_inode *)&in, &h)) != 0)
			return layer_fail(l, e, "new inode");
		ext2fs_extent_free(h);
	}
	if ((e = ext2fs_write_new_inode(l->fs, *ino,
	    (struct ext2_inode *)&in)) != 0)
		return layer_fail(l, e, "new inode");
	ext2fs_inode_alloc_stats2(l->fs, *ino, +1, 0);
	if (layer_link(l, dir, name, *ino, mode) == -1)
		return -1;
	if (layer_set_add(&l->set, *ino, LAYER_MADE) == -1)
		return layer_fail(l, 0, "out of memory");
	return 0;
}

/* A symbolic link: in the inode up to 59 bytes, else in a block. */
int
layer_symlink(struct layer_fs *l, ext2_ino_t dir, const char *name,
    const char *target, ext2_ino_t *ino)
{
	size_t		 n = strlen(target);
	errcode_t	 e;

	if (n == 0)
		return layer_fail(l, 0, "a symbolic link to nothing");
	if (n > LAYER_PATH_MAX || n >= l->fs->blocksize)
		return layer_fail(l, 0, "a symbolic link target longer than "
		    "%u bytes", l->fs->blocksize - 1 < LAYER_PATH_MAX ?
		    l->fs->blocksize - 1 : LAYER_PATH_MAX);
	l->writes++;
	if ((e = ext2fs_new_inode(l->fs, dir, LINUX_S_IFLNK | 0777, NULL,
	    ino)) != 0 ||
	    (e = ext2fs_symlink(l->fs, dir, *ino, NULL, target)) != 0)
		return layer_fail(l, e, "symbolic link");
	if (layer_link(l, dir, name, *ino, LINUX_S_IFLNK) == -1)
		return -1;
	if (layer_set_add(&l->set, *ino, LAYER_MADE) == -1)
		return layer_fail(l, 0, "out of memory");
	return 0;
}
