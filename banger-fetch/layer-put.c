/*
 * Host files into an image, for a VM's work disk (mkdisk.c): the layer
 * writer's inodes, directory entries and data (layer-node.c,
 * layer-dir.c, layer-data.c), driven by names and descriptors the
 * caller has already judged (workspace.c, sync.c).  Unlike a layer's
 * paths, nothing here follows a symbolic link in the image: a link met
 * where a directory should be is an error, as it was for the copy into
 * a staging directory this replaces.  Everything made is root's.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <ext2fs/ext2fs.h>

#include "layer.h"
#include "layer-int.h"

void
layer_put_begin(struct layer_fs *l, char *err, size_t errlen)
{
	l->err = err;
	l->errlen = errlen;
	l->entry = NULL;
	l->pvalid = 0;
	layer_names_drop(&l->names);
	l->names.scanned = 0;
	layer_set_clear(&l->set);
}

/* The path errors name from now on (the caller's string, kept). */
void
layer_put_entry(struct layer_fs *l, const char *path)
{
	l->entry = path;
}

static int
name_ok(struct layer_fs *l, const char *name)
{
	size_t	 n = strlen(name);

	if (n == 0 || n > LAYER_NAME_MAX || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return layer_fail(l, 0, "a bad file name");
	return 0;
}

int
layer_put_chmod(struct layer_fs *l, uint32_t ino, int mode)
{
	struct ext2_inode_large	 in;

	if (layer_read_inode(l, ino, &in) == -1)
		return -1;
	in.i_mode = (__u16)((in.i_mode & LINUX_S_IFMT) | (mode & 07777));
	return layer_write_inode(l, ino, &in);
}

/*
 * name in dir, a directory: the one there is kept as it is, else a new
 * one of mode.  fast: through the table of the directory being filled
 * (layer-dir.c), for a directory whose files come next.
 */
static int
put_dir(struct layer_fs *l, ext2_ino_t dir, const char *name, int mode,
    int fast, ext2_ino_t *ino)
{
	struct ext2_inode_large	 in;
	int			 r;

	if (name_ok(l, name) == -1)
		return -1;
	r = fast ? layer_dir_lookup(l, dir, name, ino) :
	    layer_lookup(l, dir, name, ino);
	if (r == -1)
		return -1;
	if (r == 0) {
		if (layer_read_inode(l, *ino, &in) == -1)
			return -1;
		if (!LINUX_S_ISDIR(in.i_mode))
			return layer_fail(l, 0, "%s is already on the disk "
			    "and is not a directory", name);
		return 0;
	}
	if (layer_mkdir(l, dir, name, ino) == -1)
		return -1;
	return layer_put_chmod(l, *ino, mode);
}

int
layer_put_mkdir(struct layer_fs *l, uint32_t dir, const char *name,
    int mode, uint32_t *ino)
{
	ext2_ino_t	 i;

	if (put_dir(l, dir, name, mode, 1, &i) == -1)
		return -1;
	*ino = i;
	return 0;
}

/*
 * Every directory of path (relative to the image's root), made of mode
 * where missing.  The last one resolved is remembered: a list of files
 * names a directory's files together.
 */
int
layer_put_dirs(struct layer_fs *l, const char *path, int mode, uint32_t *out)
{
	char		 name[LAYER_NAME_MAX + 1];
	size_t		 pos = 0, n, len = strlen(path), c;
	ext2_ino_t	 cur = EXT2_ROOT_INO, ino;

	if (len > LAYER_PATH_MAX)
		return layer_fail(l, 0, "a path longer than %d bytes",
		    LAYER_PATH_MAX);
	if (l->pvalid) {
		c = strlen(l->ppath);
		if (c == len && memcmp(l->ppath, path, len) == 0) {
			*out = l->pino;
			return 0;
		}
		if (c > 0 && c < len && path[c] == '/' &&
		    memcmp(l->ppath, path, c) == 0) {
			cur = l->pino;
			pos = c;
		}
	}
	while (path[pos] != '\0') {
		while (path[pos] == '/')
			pos++;
		if (path[pos] == '\0')
			break;
		n = strcspn(path + pos, "/");
		if (n > LAYER_NAME_MAX)
			return layer_fail(l, 0, "a name longer than %d bytes",
			    LAYER_NAME_MAX);
		memcpy(name, path + pos, n);
		name[n] = '\0';
		pos += n;
		if (put_dir(l, cur, name, mode, 0, &ino) == -1)
			return -1;
		cur = ino;
	}
	memcpy(l->ppath, path, len + 1);
	l->pino = cur;
	l->pvalid = 1;
	*out = cur;
	return 0;
}

/* What name in dir is: 0 and *ino, *mode; 1 nothing; -1 error. */
static int
existing(struct layer_fs *l, ext2_ino_t dir, const char *name,
    ext2_ino_t *ino, int *mode)
{
	struct ext2_inode_large	 in;
	int			 r;

	if (name_ok(l, name) == -1)
		return -1;
	if ((r = layer_dir_lookup(l, dir, name, ino)) != 0)
		return r;
	if (layer_read_inode(l, *ino, &in) == -1)
		return -1;
	*mode = in.i_mode;
	return 0;
}

/* fd's bytes, no more than max of them, into ino, emptied first. */
static int
put_data(struct layer_fs *l, ext2_ino_t ino, int fd, uint64_t max, int old)
{
	struct ext2_inode_large	 in;
	errcode_t		 e;

	if (old) {
		l->writes++;
		if ((e = ext2fs_punch(l->fs, ino, NULL, NULL, 0, ~0ULL)) != 0)
			return layer_fail(l, e, "emptying");
		if (layer_data_freed(l) == -1)
			return -1;
		if (layer_read_inode(l, ino, &in) == -1)
			return -1;
		in.i_size = 0;
		in.i_size_high = 0;
		if (layer_write_inode(l, ino, &in) == -1)
			return -1;
	}
	return layer_data_fill(l, ino, fd, max);
}

/*
 * A regular file name in dir of mode (permission bits) with fd's bytes,
 * at most max.  With replace, a regular file already there gets the new
 * contents and mode; anything else there is an error.
 */
int
layer_put_file(struct layer_fs *l, uint32_t dir, const char *name, int fd,
    uint64_t max, int mode, int replace)
{
	ext2_ino_t	 ino;
	int		 r, old = 0;

	if ((r = existing(l, dir, name, &ino, &old)) == -1)
		return -1;
	if (r == 0) {
		if (!replace)
			return layer_fail(l, 0, "already on the disk");
		if (LINUX_S_ISDIR(old))
			return layer_fail(l, 0, "a directory is already "
			    "there");
		if (!LINUX_S_ISREG(old))
			return layer_fail(l, 0, "something other than a "
			    "regular file (a symbolic link?) is already "
			    "there");
		if (put_data(l, ino, fd, max, 1) == -1)
			return -1;
		return layer_put_chmod(l, ino, mode);
	}
	if (layer_node(l, dir, name, LINUX_S_IFREG | (mode & 07777), 0, 0,
	    &ino) == -1)
		return -1;
	return put_data(l, ino, fd, max, 0);
}

/* A symbolic link name in dir to target, which is never looked at. */
int
layer_put_symlink(struct layer_fs *l, uint32_t dir, const char *name,
    const char *target)
{
	ext2_ino_t	 ino;
	int		 r, old;

	if ((r = existing(l, dir, name, &ino, &old)) == -1)
		return -1;
	if (r == 0)
		return layer_fail(l, 0, "already on the disk");
	return layer_symlink(l, dir, name, target, &ino);
}

int
layer_put_exists(struct layer_fs *l, uint32_t dir, const char *name)
{
	ext2_ino_t	 ino;
	int		 r, mode;

	if ((r = existing(l, dir, name, &ino, &mode)) == -1)
		return -1;
	return r == 0;
}
