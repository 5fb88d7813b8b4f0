/*
 * A layer's paths, resolved inside the image and nowhere else.  Names
 * are cleaned first ("./" and "/" prefixes dropped, ".." refused, sizes
 * bounded); then each parent is looked up component by component, and
 * a symbolic link met on the way is followed within the image: an
 * absolute target starts again at the image's root, ".." never climbs
 * above it, and at most LAYER_LINKS_MAX links are followed.  The last
 * component of an entry's path is never followed.
 */
#include <stdio.h>
#include <string.h>

#include <ext2fs/ext2fs.h>

#include "layer-int.h"

/* in without "./", "/" and "." components into out; -1 on a bad path. */
int
layer_path_clean(struct layer_fs *l, const char *in, char *out,
    size_t outlen)
{
	const char	*p = in;
	size_t		 o = 0, n;

	if (in == NULL || in[0] == '\0')
		return layer_fail(l, 0, "an entry without a name");
	if (strlen(in) > LAYER_PATH_MAX || outlen <= LAYER_PATH_MAX)
		return layer_fail(l, 0, "a path longer than %d bytes",
		    LAYER_PATH_MAX);
	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		n = strcspn(p, "/");
		if (n == 1 && p[0] == '.') {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return layer_fail(l, 0, "a path with \"..\" is refused");
		if (n > LAYER_NAME_MAX)
			return layer_fail(l, 0, "a name longer than %d bytes",
			    LAYER_NAME_MAX);
		if (o > 0)
			out[o++] = '/';
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	out[o] = '\0';
	return 0;
}

/*
 * The root's lost+found is the file system's own (e2fsck wants it):
 * layers may not whiteout or replace it.
 */
int
layer_reserved(ext2_ino_t dir, const char *name)
{
	return dir == EXT2_ROOT_INO && strcmp(name, "lost+found") == 0;
}

/* 0 and *ino, 1 when dir has no such name, -1 on error. */
int
layer_lookup(struct layer_fs *l, ext2_ino_t dir, const char *name,
    ext2_ino_t *ino)
{
	errcode_t	 e;

	e = ext2fs_lookup(l->fs, dir, name, (int)strlen(name), NULL, ino);
	if (e == EXT2_ET_FILE_NOT_FOUND)
		return 1;
	if (e != 0)
		return layer_fail(l, e, "looking up %s", name);
	return 0;
}

/* A symbolic link's target, NUL-terminated, into buf. */
int
layer_readlink(struct layer_fs *l, ext2_ino_t ino,
    struct ext2_inode_large *in, char *buf, size_t len)
{
	ext2_file_t	 f;
	errcode_t	 e;
	unsigned int	 got = 0;
	uint64_t	 size = EXT2_I_SIZE(in);

	if (size == 0 || size >= len || size > LAYER_PATH_MAX ||
	    size >= l->fs->blocksize || (in->i_flags & EXT4_INLINE_DATA_FL))
		return layer_fail(l, 0, "symbolic link inode %u: bad size",
		    ino);
	if (ext2fs_is_fast_symlink((struct ext2_inode *)in))
		memcpy(buf, in->i_block, size);
	else {
		if ((e = ext2fs_file_open2(l->fs, ino,
		    (struct ext2_inode *)in, 0, &f)) != 0)
			return layer_fail(l, e, "symbolic link inode %u", ino);
		e = ext2fs_file_read(f, buf, (unsigned int)size, &got);
		ext2fs_file_close(f);
		if (e != 0 || got != size)
			return layer_fail(l, e, "symbolic link inode %u", ino);
	}
	buf[size] = '\0';
	if (strlen(buf) != size)
		return layer_fail(l, 0, "symbolic link inode %u: NUL in target",
		    ino);
	return 0;
}

/*
 * Every component of path, a directory, from the image's root: links
 * followed, missing directories made when create is set.  0 and *out,
 * 1 when something is missing and create is not set, -1 on error.
 */
static int
walk(struct layer_fs *l, const char *path, int create, ext2_ino_t *out)
{
	char			 rest[LAYER_PATH_MAX + 1];
	char			 tmp[LAYER_PATH_MAX + 1];
	char			 name[LAYER_NAME_MAX + 1];
	struct ext2_inode_large	 in;
	ext2_ino_t		 cur = EXT2_ROOT_INO, ino;
	size_t			 pos = 0, n;
	int			 links = 0, r;

	snprintf(rest, sizeof(rest), "%s", path);
	for (;;) {
		while (rest[pos] == '/')
			pos++;
		if (rest[pos] == '\0')
			break;
		n = strcspn(rest + pos, "/");
		if (n > LAYER_NAME_MAX)
			return layer_fail(l, 0, "a name longer than %d bytes",
			    LAYER_NAME_MAX);
		memcpy(name, rest + pos, n);
		name[n] = '\0';
		pos += n;
		if (strcmp(name, ".") == 0 ||
		    (strcmp(name, "..") == 0 && cur == EXT2_ROOT_INO))
			continue;
		if ((r = layer_lookup(l, cur, name, &ino)) == -1)
			return -1;
		if (r == 1) {
			if (!create)
				return 1;
			if (layer_mkdir(l, cur, name, &ino) == -1)
				return -1;
			cur = ino;
			continue;
		}
		if (layer_read_inode(l, ino, &in) == -1)
			return -1;
		/*
		 * A directory this layer has entries in is part of it: an
		 * opaque whiteout above keeps it (and them).
		 */
		if (LINUX_S_ISDIR(in.i_mode)) {
			if (layer_set_add(&l->set, ino, LAYER_KEPT) == -1)
				return layer_fail(l, 0, "out of memory");
			cur = ino;
			continue;
		}
		if (!LINUX_S_ISLNK(in.i_mode))
			return layer_fail(l, 0, "%s is not a directory", name);
		if (++links > LAYER_LINKS_MAX)
			return layer_fail(l, 0, "more than %d symbolic links",
			    LAYER_LINKS_MAX);
		if (layer_readlink(l, ino, &in, tmp, sizeof(tmp)) == -1)
			return -1;
		if (strlen(tmp) + strlen(rest + pos) > LAYER_PATH_MAX)
			return layer_fail(l, 0, "symbolic links make a path "
			    "longer than %d bytes", LAYER_PATH_MAX);
		if (tmp[0] == '/')
			cur = EXT2_ROOT_INO;
		strcat(tmp, rest + pos);
		memcpy(rest, tmp, strlen(tmp) + 1);
		pos = 0;
	}
	*out = cur;
	return 0;
}

/*
 * The directory that holds a cleaned path's last component, and that
 * component.  Tar lists a directory's entries together, so the last
 * parent is remembered (until anything is removed).
 */
int
layer_parent(struct layer_fs *l, const char *clean, int create,
    ext2_ino_t *dir, const char **last)
{
	char		 parent[LAYER_PATH_MAX + 1];
	const char	*slash = strrchr(clean, '/');
	size_t		 n;
	int		 r;

	if (slash == NULL) {
		*dir = EXT2_ROOT_INO;
		*last = clean;
		return 0;
	}
	*last = slash + 1;
	n = (size_t)(slash - clean);
	if (l->pvalid && strlen(l->ppath) == n &&
	    memcmp(l->ppath, clean, n) == 0) {
		*dir = l->pino;
		return 0;
	}
	memcpy(parent, clean, n);
	parent[n] = '\0';
	if ((r = walk(l, parent, create, dir)) != 0)
		return r;
	memcpy(l->ppath, parent, n + 1);
	l->pino = *dir;
	l->pvalid = 1;
	return 0;
}
