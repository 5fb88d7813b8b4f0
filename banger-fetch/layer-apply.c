/*
 * One layer, a tar stream (plain, gzip or zstd), entry after entry into
 * the image: whiteouts first remove what older layers made, an older
 * directory named again keeps its contents, anything else already at a
 * path is replaced.  Nothing of the layer touches the host's file
 * system: every byte goes through libext2fs into the image.
 */
#include <stdio.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <ext2fs/ext2fs.h>

#include "layer.h"
#include "layer-int.h"

#define WH		".wh."
#define WH_OPAQUE	".wh..wh..opq"
#define READ_BLOCK	(128 * 1024)

/* Contents, sparse entries keeping their holes (layer-data.c). */
static int
write_data(struct layer_fs *l, struct archive *a, ext2_ino_t ino,
    int64_t size)
{
	ext2_file_t	 f;
	const void	*buf;
	size_t		 len;
	la_int64_t	 off;
	int		 r, rc = -1;

	if (size < 0 || (uint64_t)size / l->fs->blocksize >= (1ULL << 32))
		return layer_fail(l, 0, "a file of %lld bytes",
		    (long long)size);
	if (layer_data_open(l, ino, &f) == -1)
		return -1;
	for (;;) {
		r = archive_read_data_block(a, &buf, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			layer_fail(l, 0, "reading the layer: %s",
			    archive_error_string(a));
			goto out;
		}
		if (off < 0 || (uint64_t)off > (uint64_t)size ||
		    len > (uint64_t)size - (uint64_t)off) {
			layer_fail(l, 0, "data past the entry's size");
			goto out;
		}
		if (layer_data_write(l, f, (uint64_t)off, buf, len) == -1)
			goto out;
	}
	rc = 0;
out:
	return layer_data_close(l, f, (uint64_t)size, rc);
}

/* .wh.NAME and .wh..wh..opq: only what older layers made goes. */
static int
whiteout(struct layer_fs *l, const char *clean, const char *base)
{
	const char	*last, *name = base + strlen(WH);
	ext2_ino_t	 dir, ino;
	int		 r;

	if ((r = layer_parent(l, clean, 0, &dir, &last)) != 0)
		return r == 1 ? 0 : -1;
	if (strcmp(base, WH_OPAQUE) == 0)
		return layer_opaque(l, dir);
	/* aufs's own .wh..wh.* bookkeeping is not a whiteout. */
	if (strncmp(name, WH, strlen(WH)) == 0)
		return 0;
	if (name[0] == '\0' || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return layer_fail(l, 0, "a whiteout of nothing");
	if ((r = layer_dir_lookup(l, dir, name, &ino)) != 0)
		return r == 1 ? 0 : -1;
	if ((layer_set_get(&l->set, ino) & LAYER_MADE) ||
	    layer_reserved(dir, name))
		return 0;
	return layer_remove(l, dir, name, ino);
}

/* A second name for an inode already in the image, never a directory. */
static int
hardlink(struct layer_fs *l, ext2_ino_t dir, const char *name,
    ext2_ino_t old, const char *target)
{
	char			 clean[LAYER_PATH_MAX + 1];
	struct ext2_inode_large	 in;
	const char		*last;
	ext2_ino_t		 tdir, ino;
	int			 r;

	if (layer_path_clean(l, target, clean, sizeof(clean)) == -1)
		return -1;
	if (clean[0] == '\0' ||
	    (r = layer_parent(l, clean, 0, &tdir, &last)) == 1 ||
	    (r == 0 && (r = layer_lookup(l, tdir, last, &ino)) == 1))
		return layer_fail(l, 0, "hard link to %s, which is not in "
		    "the image", target);
	if (r == -1 || layer_read_inode(l, ino, &in) == -1)
		return -1;
	if (LINUX_S_ISDIR(in.i_mode))
		return layer_fail(l, 0, "a hard link to a directory");
	if (old == ino)
		return 0;
	if (old != 0) {
		if (layer_remove(l, dir, name, old) == -1 ||
		    layer_read_inode(l, ino, &in) == -1)
			return -1;
		/* The target was inside what was just replaced. */
		if (in.i_links_count == 0)
			return layer_fail(l, 0, "hard link to %s, which is "
			    "not in the image", target);
	}
	if (in.i_links_count >= EXT2_LINK_MAX)
		return layer_fail(l, 0, "more than %d hard links",
		    EXT2_LINK_MAX);
	if (layer_link(l, dir, name, ino, in.i_mode) == -1)
		return -1;
	in.i_links_count++;
	if (layer_write_inode(l, ino, &in) == -1)
		return -1;
	if (layer_set_add(&l->set, ino, LAYER_MADE) == -1)
		return layer_fail(l, 0, "out of memory");
	return 0;
}

static int
directory(struct layer_fs *l, struct archive_entry *ae, ext2_ino_t dir,
    const char *name, ext2_ino_t old)
{
	struct ext2_inode_large	 in;
	ext2_ino_t		 ino;

	if (old != 0) {
		if (layer_read_inode(l, old, &in) == -1)
			return -1;
		if (LINUX_S_ISDIR(in.i_mode)) {
			if (layer_set_add(&l->set, old, LAYER_KEPT) == -1)
				return layer_fail(l, 0, "out of memory");
			return layer_meta(l, old, ae, 1);
		}
		if (layer_remove(l, dir, name, old) == -1)
			return -1;
	}
	if (layer_mkdir(l, dir, name, &ino) == -1)
		return -1;
	return layer_meta(l, ino, ae, 0);
}

static int
entry(struct layer_fs *l, struct archive *a, struct archive_entry *ae)
{
	char		 clean[LAYER_PATH_MAX + 1];
	const char	*base, *last, *target;
	ext2_ino_t	 dir, ino, old = 0;
	int		 r, type = (int)archive_entry_filetype(ae);

	if (layer_path_clean(l, archive_entry_pathname(ae), clean,
	    sizeof(clean)) == -1)
		return -1;
	target = archive_entry_hardlink(ae);
	if (clean[0] == '\0') {
		if (target != NULL || type != AE_IFDIR)
			return layer_fail(l, 0, "the root must be a directory");
		if (layer_set_add(&l->set, EXT2_ROOT_INO, LAYER_KEPT) == -1)
			return layer_fail(l, 0, "out of memory");
		return layer_meta(l, EXT2_ROOT_INO, ae, 1);
	}
	base = strrchr(clean, '/') != NULL ? strrchr(clean, '/') + 1 : clean;
	if (strncmp(base, WH, strlen(WH)) == 0)
		return whiteout(l, clean, base);
	/* A socket is made by the program that listens on it. */
	if (target == NULL && type == AE_IFSOCK)
		return 0;
	if (target == NULL && type != AE_IFREG && type != AE_IFDIR &&
	    type != AE_IFLNK && type != AE_IFCHR && type != AE_IFBLK &&
	    type != AE_IFIFO)
		return layer_fail(l, 0, "an entry of unknown type %o",
		    (unsigned)type);
	if (layer_parent(l, clean, 1, &dir, &last) == -1 ||
	    (r = layer_dir_lookup(l, dir, last, &old)) == -1)
		return -1;
	if (r == 1)
		old = 0;
	if (layer_reserved(dir, last) && (target != NULL || type != AE_IFDIR))
		return layer_fail(l, 0, "/lost+found is the file system's own");
	if (target != NULL)
		return hardlink(l, dir, last, old, target);
	if (type == AE_IFDIR)
		return directory(l, ae, dir, last, old);
	if (old != 0 && layer_remove(l, dir, last, old) == -1)
		return -1;
	switch (type) {
	case AE_IFREG:
		if (layer_node(l, dir, last, LINUX_S_IFREG, 0, 0, &ino) == -1 ||
		    layer_meta(l, ino, ae, 0) == -1)
			return -1;
		return write_data(l, a, ino, archive_entry_size(ae));
	case AE_IFLNK:
		if (archive_entry_symlink(ae) == NULL)
			return layer_fail(l, 0, "a symbolic link to nothing");
		if (layer_symlink(l, dir, last, archive_entry_symlink(ae),
		    &ino) == -1)
			return -1;
		break;
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		if (layer_node(l, dir, last, type, archive_entry_rdevmajor(ae),
		    archive_entry_rdevminor(ae), &ino) == -1)
			return -1;
		break;
	default:
		return layer_fail(l, 0, "an entry of unknown type %o",
		    (unsigned)type);
	}
	return layer_meta(l, ino, ae, 0);
}

int
layer_apply(struct layer_fs *l, int fd, char *err, size_t errlen)
{
	struct archive		*a;
	struct archive_entry	*ae;
	char			 prev[LAYER_PATH_MAX + 1] = "the start";
	int			 r, rc = -1;

	l->err = err;
	l->errlen = errlen;
	l->entry = NULL;
	l->pvalid = 0;
	layer_names_drop(&l->names);
	l->names.scanned = 0;
	layer_set_clear(&l->set);
	if ((a = archive_read_new()) == NULL)
		return layer_fail(l, 0, "out of memory");
	if (archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(a) != ARCHIVE_OK ||
	    archive_read_support_filter_none(a) != ARCHIVE_OK ||
	    archive_read_support_format_tar(a) != ARCHIVE_OK) {
		layer_fail(l, 0, "libarchive: %s", archive_error_string(a));
		goto out;
	}
	if (archive_read_open_fd(a, fd, READ_BLOCK) != ARCHIVE_OK) {
		layer_fail(l, 0, "not a tar layer (plain, gzip or zstd): %s",
		    archive_error_string(a));
		goto out;
	}
	for (;;) {
		l->entry = NULL;
		r = archive_read_next_header(a, &ae);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			layer_fail(l, 0, "a broken layer after %s: %s", prev,
			    archive_error_string(a));
			goto out;
		}
		l->entry = archive_entry_pathname(ae);
		if (entry(l, a, ae) == -1)
			goto out;
		snprintf(prev, sizeof(prev), "%s", l->entry != NULL ?
		    l->entry : "?");
	}
	rc = 0;
out:
	l->entry = NULL;
	archive_read_free(a);
	return rc;
}
