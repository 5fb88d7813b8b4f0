/*
 * Removing what an older layer made: an entry replaced by one of another
 * kind, a whiteout's target, the contents of an opaque directory.  Trees
 * are walked with a list on the heap, not by recursion (a layer can nest
 * directories deeper than any stack), and every freed inode gives back
 * its blocks and its xattr block.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ext2fs/ext2fs.h>

#include "layer-int.h"

/* A directory's entries but "." and "..": inodes and names. */
struct kids {
	ext2_ino_t	*ino;
	size_t		*off;
	size_t		 n, cap;
	char		*names;
	size_t		 used, size;
	int		 oom;
};

struct inos {
	ext2_ino_t	*v;
	size_t		 n, cap;
};

static int
inos_push(struct inos *s, ext2_ino_t ino)
{
	ext2_ino_t	*v;

	if (s->n == s->cap) {
		s->cap = s->cap == 0 ? 64 : s->cap * 2;
		if ((v = reallocarray(s->v, s->cap, sizeof(*v))) == NULL)
			return -1;
		s->v = v;
	}
	s->v[s->n++] = ino;
	return 0;
}

static int
kid_proc(ext2_ino_t dir, int entry, struct ext2_dir_entry *d, int offset,
    int blocksize, char *buf, void *arg)
{
	struct kids	*k = arg;
	size_t		 len = ext2fs_dirent_name_len(d), cap;
	void		*p;

	(void)dir;
	(void)offset;
	(void)blocksize;
	(void)buf;
	if (entry != DIRENT_OTHER_FILE)
		return 0;
	if (k->n == k->cap) {
		cap = k->cap == 0 ? 64 : k->cap * 2;
		if ((p = reallocarray(k->ino, cap, sizeof(*k->ino))) == NULL)
			goto oom;
		k->ino = p;
		if ((p = reallocarray(k->off, cap, sizeof(*k->off))) == NULL)
			goto oom;
		k->off = p;
		k->cap = cap;
	}
	if (k->used + len + 1 > k->size) {
		cap = k->size == 0 ? 4096 : k->size * 2;
		while (cap < k->used + len + 1)
			cap *= 2;
		if ((p = realloc(k->names, cap)) == NULL)
			goto oom;
		k->names = p;
		k->size = cap;
	}
	k->ino[k->n] = d->inode;
	k->off[k->n++] = k->used;
	memcpy(k->names + k->used, d->name, len);
	k->names[k->used + len] = '\0';
	k->used += len + 1;
	return 0;
oom:
	k->oom = 1;
	return DIRENT_ABORT;
}

static int
list_kids(struct layer_fs *l, ext2_ino_t dir, struct kids *k)
{
	errcode_t	 e;

	k->n = k->used = 0;
	k->oom = 0;
	e = ext2fs_dir_iterate2(l->fs, dir, 0, NULL, kid_proc, k);
	if (k->oom)
		return layer_fail(l, 0, "out of memory");
	if (e != 0)
		return layer_fail(l, e, "reading directory inode %u", dir);
	return 0;
}

static void
kids_free(struct kids *k)
{
	free(k->ino);
	free(k->off);
	free(k->names);
}

/* One link less to ino; at the last, its blocks and inode are freed. */
static int
drop(struct layer_fs *l, ext2_ino_t ino, struct ext2_inode_large *in)
{
	errcode_t	 e;
	int		 dir = LINUX_S_ISDIR(in->i_mode);

	if (!dir && in->i_links_count > 1) {
		in->i_links_count--;
		return layer_write_inode(l, ino, in);
	}
	in->i_links_count = 0;
	in->i_dtime = (uint32_t)time(NULL);
	if ((e = ext2fs_free_ext_attr(l->fs, ino, in)) != 0)
		return layer_fail(l, e, "freeing xattrs of inode %u", ino);
	if (ext2fs_inode_has_valid_blocks2(l->fs, (struct ext2_inode *)in) &&
	    (e = ext2fs_punch(l->fs, ino, (struct ext2_inode *)in, NULL, 0,
	    ~0ULL)) != 0)
		return layer_fail(l, e, "freeing inode %u", ino);
	if (layer_write_inode(l, ino, in) == -1)
		return -1;
	ext2fs_inode_alloc_stats2(l->fs, ino, -1, dir);
	return 0;
}

/* A directory already unlinked from its parent, and all below it. */
static int
free_tree(struct layer_fs *l, ext2_ino_t top)
{
	struct inos		 dirs = { NULL, 0, 0 };
	struct kids		 k;
	struct ext2_inode_large	 in;
	ext2_ino_t		 d;
	size_t			 i;
	int			 rc = -1;

	memset(&k, 0, sizeof(k));
	if (inos_push(&dirs, top) == -1)
		goto oom;
	while (dirs.n > 0) {
		d = dirs.v[--dirs.n];
		if (list_kids(l, d, &k) == -1)
			goto out;
		for (i = 0; i < k.n; i++) {
			if (layer_read_inode(l, k.ino[i], &in) == -1)
				goto out;
			if (LINUX_S_ISDIR(in.i_mode)) {
				if (inos_push(&dirs, k.ino[i]) == -1)
					goto oom;
			} else if (drop(l, k.ino[i], &in) == -1)
				goto out;
		}
		if (layer_read_inode(l, d, &in) == -1 || drop(l, d, &in) == -1)
			goto out;
	}
	rc = 0;
	goto out;
oom:
	layer_fail(l, 0, "out of memory");
out:
	free(dirs.v);
	kids_free(&k);
	return rc;
}

/* name (inode ino) out of dir, a directory with all it holds. */
int
layer_remove(struct layer_fs *l, ext2_ino_t dir, const char *name,
    ext2_ino_t ino)
{
	struct ext2_inode_large	 in, pin;
	errcode_t		 e;

	l->pvalid = 0;
	layer_names_forget(&l->names, dir, name);
	l->writes++;
	if (layer_read_inode(l, ino, &in) == -1)
		return -1;
	if ((e = ext2fs_unlink(l->fs, dir, name, ino, 0)) != 0)
		return layer_fail(l, e, "removing %s", name);
	if (!LINUX_S_ISDIR(in.i_mode))
		return drop(l, ino, &in);
	/* Its ".." was a link to dir. */
	if (layer_read_inode(l, dir, &pin) == -1)
		return -1;
	if (pin.i_links_count > 2)
		pin.i_links_count--;
	if (layer_write_inode(l, dir, &pin) == -1)
		return -1;
	return free_tree(l, ino);
}

/*
 * An opaque directory: what older layers put in it goes, what this
 * layer made stays, and an older directory this layer named again is
 * itself emptied of older entries the same way.
 */
int
layer_opaque(struct layer_fs *l, ext2_ino_t top)
{
	struct inos		 dirs = { NULL, 0, 0 };
	struct kids		 k;
	struct ext2_inode_large	 in;
	ext2_ino_t		 d;
	size_t			 i;
	int			 f, rc = -1;

	memset(&k, 0, sizeof(k));
	if (inos_push(&dirs, top) == -1)
		goto oom;
	while (dirs.n > 0) {
		d = dirs.v[--dirs.n];
		if (list_kids(l, d, &k) == -1)
			goto out;
		for (i = 0; i < k.n; i++) {
			f = layer_set_get(&l->set, k.ino[i]);
			if ((f & LAYER_MADE) ||
			    layer_reserved(d, k.names + k.off[i]))
				continue;
			if (layer_read_inode(l, k.ino[i], &in) == -1)
				goto out;
			if ((f & LAYER_KEPT) && LINUX_S_ISDIR(in.i_mode)) {
				if (inos_push(&dirs, k.ino[i]) == -1)
					goto oom;
			} else if (layer_remove(l, d, k.names + k.off[i],
			    k.ino[i]) == -1)
				goto out;
		}
	}
	rc = 0;
	goto out;
oom:
	layer_fail(l, 0, "out of memory");
out:
	free(dirs.v);
	kids_free(&k);
	return rc;
}
