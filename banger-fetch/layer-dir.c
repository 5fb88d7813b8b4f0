/*
 * Directory entries at the speed of a tar stream.  libext2fs's lookup
 * and link read every block of a directory for each name, so a layer
 * with thousands of files in one directory costs their square.  Here
 * the directory being filled has its names in a hash table (read once,
 * kept up to date by links and removals in it), and a new
 * name goes into the slack of the directory's last block, or into a
 * block appended to it, with libext2fs's own checksummed block I/O.
 * Anything unusual (an indexed directory, an odd block) falls back to
 * ext2fs_link.
 */
#include <stdlib.h>
#include <string.h>

#include <ext2fs/ext2fs.h>

#include "layer-int.h"

static uint32_t
hash(const char *s, size_t n)
{
	uint32_t	 h = 2166136261u;

	while (n-- > 0)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static size_t
find(struct layer_names *t, const char *name, size_t n)
{
	size_t	 i = hash(name, n) & (t->cap - 1);

	while (t->off[i] != 0 && !(strlen(t->blob + t->off[i] - 1) == n &&
	    memcmp(t->blob + t->off[i] - 1, name, n) == 0))
		i = (i + 1) & (t->cap - 1);
	return i;
}

static int
grow(struct layer_names *t)
{
	struct layer_names	 o = *t;
	size_t			 i, j;

	t->cap = o.cap == 0 ? 256 : o.cap * 2;
	if ((t->off = calloc(t->cap, sizeof(*t->off))) == NULL ||
	    (t->ino = calloc(t->cap, sizeof(*t->ino))) == NULL) {
		free(t->off);
		*t = o;
		return -1;
	}
	for (i = 0; i < o.cap; i++) {
		if (o.off[i] == 0)
			continue;
		j = find(t, o.blob + o.off[i] - 1,
		    strlen(o.blob + o.off[i] - 1));
		t->off[j] = o.off[i];
		t->ino[j] = o.ino[i];
	}
	free(o.off);
	free(o.ino);
	return 0;
}

static int
add(struct layer_names *t, const char *name, size_t n, ext2_ino_t ino)
{
	size_t	 i, size;
	char	*p;

	if ((t->n + 1) * 2 > t->cap && grow(t) == -1)
		return -1;
	if (t->used + n + 1 > t->size) {
		size = t->size == 0 ? 16384 : t->size * 2;
		while (size < t->used + n + 1)
			size *= 2;
		if ((p = realloc(t->blob, size)) == NULL)
			return -1;
		t->blob = p;
		t->size = size;
	}
	i = find(t, name, n);
	if (t->off[i] == 0) {
		memcpy(t->blob + t->used, name, n);
		t->blob[t->used + n] = '\0';
		t->off[i] = (uint32_t)t->used + 1;
		t->used += n + 1;
		t->n++;
	}
	t->ino[i] = ino;
	return 0;
}

void
layer_names_drop(struct layer_names *t)
{
	t->dir = 0;
	t->n = t->used = 0;
	if (t->cap > 0)
		memset(t->off, 0, t->cap * sizeof(*t->off));
}

/* name left dir: only the table of another directory is dropped. */
void
layer_names_forget(struct layer_names *t, ext2_ino_t dir, const char *name)
{
	size_t	 i;

	if (t->dir != dir || t->cap == 0) {
		layer_names_drop(t);
		return;
	}
	i = find(t, name, strlen(name));
	if (t->off[i] != 0)
		t->ino[i] = 0;
}

void
layer_names_free(struct layer_names *t)
{
	free(t->off);
	free(t->ino);
	free(t->blob);
	memset(t, 0, sizeof(*t));
}

static int
name_proc(ext2_ino_t dir, int entry, struct ext2_dir_entry *d, int offset,
    int blocksize, char *buf, void *arg)
{
	struct layer_names	*t = arg;

	(void)dir;
	(void)offset;
	(void)blocksize;
	(void)buf;
	if (entry != DIRENT_OTHER_FILE)
		return 0;
	if (++t->scanned > t->scan_max) {
		t->dir = 0;
		return DIRENT_ABORT;
	}
	if (add(t, d->name, ext2fs_dirent_name_len(d), d->inode) == -1) {
		t->dir = 0;
		return DIRENT_ABORT;
	}
	return 0;
}

/* Like layer_lookup, through the table of the directory being filled. */
int
layer_dir_lookup(struct layer_fs *l, ext2_ino_t dir, const char *name,
    ext2_ino_t *ino)
{
	struct layer_names	*t = &l->names;
	errcode_t		 e;
	size_t			 i;

	if (t->dir != dir) {
		layer_names_drop(t);
		t->dir = dir;
		e = ext2fs_dir_iterate2(l->fs, dir, 0, NULL, name_proc, t);
		if (t->scanned > t->scan_max) {
			layer_names_drop(t);
			return layer_fail(l, 0, "the layer's entries jump "
			    "between large directories too often (more than "
			    "%llu directory entries read): refused",
			    (unsigned long long)t->scan_max);
		}
		if (e != 0 || t->dir != dir) {
			layer_names_drop(t);
			return layer_fail(l, e, "reading directory inode %u",
			    dir);
		}
	}
	if (t->cap == 0)
		return 1;
	i = find(t, name, strlen(name));
	/* A name removed keeps its slot, with no inode. */
	if (t->off[i] == 0 || t->ino[i] == 0)
		return 1;
	*ino = t->ino[i];
	return 0;
}

/*
 * name into the last block of dir: 0 done, 1 that block is full, 2 not
 * a directory this knows how to fill (ext2fs_link's turn), -1 error.
 */
static int
append(struct layer_fs *l, ext2_ino_t dir, const char *name, ext2_ino_t ino,
    int ft)
{
	struct ext2_inode	 in;
	struct ext2_dir_entry	*d = NULL, *n;
	errcode_t		 e;
	blk64_t			 pblk = 0;
	unsigned int		 bs = l->fs->blocksize, off = 0, end, rec = 0;
	unsigned int		 used, need = EXT2_DIR_REC_LEN(strlen(name));
	uint64_t		 size;

	if ((e = ext2fs_read_inode(l->fs, dir, &in)) != 0)
		return layer_fail(l, e, "directory inode %u", dir);
	size = EXT2_I_SIZE(&in);
	if ((in.i_flags & (EXT2_INDEX_FL | EXT4_INLINE_DATA_FL)) ||
	    size == 0 || size % bs != 0)
		return 2;
	if ((e = ext2fs_bmap2(l->fs, dir, &in, NULL, 0, size / bs - 1, NULL,
	    &pblk)) != 0)
		return layer_fail(l, e, "directory inode %u", dir);
	if (pblk == 0)
		return 2;
	if ((e = ext2fs_read_dir_block4(l->fs, pblk, l->dirbuf, 0, dir)) != 0)
		return layer_fail(l, e, "directory inode %u", dir);
	end = bs - (ext2fs_has_feature_metadata_csum(l->fs->super) ?
	    sizeof(struct ext2_dir_entry_tail) : 0);
	while (off < end) {
		d = (struct ext2_dir_entry *)(l->dirbuf + off);
		if (ext2fs_get_rec_len(l->fs, d, &rec) != 0 || rec < 12 ||
		    rec % 4 != 0 || rec > end - off)
			return 2;
		if (off + rec == end)
			break;
		off += rec;
	}
	if (d == NULL || off + rec != end)
		return 2;
	used = d->inode != 0 ? EXT2_DIR_REC_LEN(ext2fs_dirent_name_len(d)) :
	    0;
	if (used > rec || rec - used < need)
		return 1;
	n = d;
	if (used > 0) {
		ext2fs_set_rec_len(l->fs, used, d);
		n = (struct ext2_dir_entry *)(l->dirbuf + off + used);
		ext2fs_set_rec_len(l->fs, rec - used, n);
	}
	n->inode = ino;
	ext2fs_dirent_set_name_len(n, (int)strlen(name));
	ext2fs_dirent_set_file_type(n,
	    ext2fs_has_feature_filetype(l->fs->super) ? ft : 0);
	memcpy(n->name, name, strlen(name));
	if ((e = ext2fs_write_dir_block4(l->fs, pblk, l->dirbuf, 0, dir)) != 0)
		return layer_fail(l, e, "directory inode %u", dir);
	return 0;
}

/* name for ino in dir, of file type ft; the directory grows if full. */
int
layer_dir_link(struct layer_fs *l, ext2_ino_t dir, const char *name,
    ext2_ino_t ino, int ft)
{
	errcode_t	 e;
	int		 r;

	l->writes++;
	if ((r = append(l, dir, name, ino, ft)) == 1) {
		if ((e = ext2fs_expand_dir(l->fs, dir)) != 0)
			return layer_fail(l, e, "linking %s", name);
		r = append(l, dir, name, ino, ft);
	}
	if (r == -1)
		return -1;
	if (r != 0) {
		e = ext2fs_link(l->fs, dir, name, ino, ft);
		if (e == EXT2_ET_DIR_NO_SPACE &&
		    (e = ext2fs_expand_dir(l->fs, dir)) == 0)
			e = ext2fs_link(l->fs, dir, name, ino, ft);
		if (e != 0)
			return layer_fail(l, e, "linking %s", name);
	}
	if (l->names.dir == dir &&
	    add(&l->names, name, strlen(name), ino) == -1)
		layer_names_drop(&l->names);
	return 0;
}
