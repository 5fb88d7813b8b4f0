/*
 * A regular file's contents into its inode through libext2fs: the one
 * data writer both a layer's tar entries (layer-apply.c) and a VM's
 * work disk (layer-put.c) use.  Writes may come at any offset (a sparse
 * tar entry keeps its holes); the size is set once at the end.  A file
 * read from a descriptor whose size is known (layer_data_fill) has its
 * blocks allocated at once and is written an extent at a time: one
 * write for many blocks, where ext2fs_file_write makes one per block.
 *
 * Those writes go to the image file directly, not through libext2fs's
 * I/O channel: its cache is written out and dropped before every write
 * of more than 4 blocks, which costs a read and a write of each inode
 * table and directory block per file.  They stay coherent because the
 * blocks were allocated a moment ago, for this file: the channel has
 * never read them, and it can hold a dirty copy of one only if it held
 * metadata before being freed, so every free (ext2fs_punch, here and in
 * layer-put.c) is followed by layer_data_freed, which writes the
 * channel's dirty blocks out first.
 */
#include <sys/types.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <ext2fs/ext2fs.h>

#include "layer-int.h"

int
layer_data_open(struct layer_fs *l, ext2_ino_t ino, ext2_file_t *f)
{
	errcode_t	 e;

	if ((e = ext2fs_file_open(l->fs, ino, EXT2_FILE_WRITE, f)) != 0)
		return layer_fail(l, e, "opening inode %u", ino);
	return 0;
}

/* len bytes of buf at off. */
int
layer_data_write(struct layer_fs *l, ext2_file_t f, uint64_t off,
    const void *buf, size_t len)
{
	errcode_t	 e;
	unsigned int	 done;

	if (len == 0)
		return 0;
	l->writes++;
	if ((e = ext2fs_file_llseek(f, off, EXT2_SEEK_SET, NULL)) != 0)
		return layer_fail(l, e, "writing");
	while (len > 0) {
		if ((e = ext2fs_file_write(f, buf, len > UINT32_MAX ?
		    UINT32_MAX : (unsigned int)len, &done)) != 0)
			return layer_fail(l, e, "writing");
		if (done == 0)
			return layer_fail(l, EXT2_ET_SHORT_WRITE, "writing");
		buf = (const char *)buf + done;
		len -= done;
	}
	return 0;
}

/*
 * The file's size (when ok is 0: what was written succeeded), then
 * close; 0, or -1 when ok was -1 or anything failed.
 */
int
layer_data_close(struct layer_fs *l, ext2_file_t f, uint64_t size, int ok)
{
	errcode_t	 e;
	int		 rc = ok;

	if (rc == 0 && (e = ext2fs_file_set_size2(f, size)) != 0)
		rc = layer_fail(l, e, "writing");
	if ((e = ext2fs_file_close(f)) != 0 && rc == 0)
		rc = layer_fail(l, e, "writing");
	return rc;
}

#define FILL_BUF	(1024 * 1024)

static int
pwrite_all(int fd, const char *buf, size_t len, off_t off)
{
	ssize_t	 n;

	while (len > 0) {
		n = pwrite(fd, buf, len, off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/*
 * Blocks were freed: what the channel holds dirty is written out now,
 * before any of them can be given to layer_data_fill's direct writes.
 */
int
layer_data_freed(struct layer_fs *l)
{
	errcode_t	 e;

	if ((e = io_channel_flush(l->fs->io)) != 0)
		return layer_fail(l, e, "writing the image");
	return 0;
}

/* Up to len bytes from fd into buf: fewer only at its end. */
static ssize_t
read_full(int fd, char *buf, size_t len)
{
	size_t	 got = 0;
	ssize_t	 n;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/*
 * Write the blocks of ino's extents, in order, from fd: no more than
 * max bytes, fewer if the file ends first (*done says how many).  The
 * last block written is padded with zeros.
 */
static int
fill_extents(struct layer_fs *l, ext2_ino_t ino, int fd, uint64_t max,
    char *buf, uint64_t *done)
{
	ext2_extent_handle_t	 h;
	struct ext2fs_extent	 ext;
	errcode_t		 e;
	uint64_t		 bs = l->fs->blocksize, i, nb, want;
	ssize_t			 got;
	int			 op = EXT2_EXTENT_ROOT, rc = -1;

	if ((e = ext2fs_extent_open(l->fs, ino, &h)) != 0)
		return layer_fail(l, e, "inode %u", ino);
	while (*done < max) {
		if ((e = ext2fs_extent_get(h, op, &ext)) != 0) {
			layer_fail(l, e, "inode %u: its extents", ino);
			goto out;
		}
		op = EXT2_EXTENT_NEXT;
		if (!(ext.e_flags & EXT2_EXTENT_FLAGS_LEAF))
			continue;
		if (ext.e_lblk != *done / bs ||
		    (ext.e_flags & EXT2_EXTENT_FLAGS_UNINIT)) {
			layer_fail(l, 0, "inode %u: blocks not as allocated",
			    ino);
			goto out;
		}
		for (i = 0; i < ext.e_len && *done < max; i += nb) {
			want = (ext.e_len - i) * bs;
			if (want > FILL_BUF)
				want = FILL_BUF;
			if (want > max - *done)
				want = max - *done;
			if ((got = read_full(fd, buf, (size_t)want)) == -1) {
				layer_fail(l, 0, "reading: %s",
				    strerror(errno));
				goto out;
			}
			if (got == 0) {
				rc = 0;
				goto out;
			}
			nb = ((uint64_t)got + bs - 1) / bs;
			memset(buf + got, 0, (size_t)(nb * bs - (uint64_t)got));
			l->writes++;
			if (pwrite_all(l->datafd, buf, (size_t)(nb * bs),
			    (off_t)((ext.e_pblk + i) * bs)) == -1) {
				layer_fail(l, 0, "writing the image: %s",
				    strerror(errno));
				goto out;
			}
			*done += (uint64_t)got;
			if ((uint64_t)got < want) {
				rc = 0;
				goto out;
			}
		}
	}
	rc = 0;
out:
	ext2fs_extent_free(h);
	return rc;
}

/*
 * ino, an empty regular file, gets fd's bytes: no more than max (the
 * size the caller saw; a file growing meanwhile is cut there), fewer if
 * it ends first.  Blocks allocated and not written are given back.
 */
int
layer_data_fill(struct layer_fs *l, ext2_ino_t ino, int fd, uint64_t max)
{
	static char		 buf[FILL_BUF];
	struct ext2_inode_large	 in;
	errcode_t		 e;
	uint64_t		 bs = l->fs->blocksize, nblk, used, done = 0;

	nblk = (max + bs - 1) / bs;
	if (nblk >= (1ULL << 32))
		return layer_fail(l, 0, "a file of %llu bytes",
		    (unsigned long long)max);
	if (nblk > 0) {
		l->writes++;
		if ((e = ext2fs_fallocate(l->fs, EXT2_FALLOCATE_FORCE_INIT,
		    ino, NULL, ~0ULL, 0, nblk)) != 0)
			return layer_fail(l, e, "allocating");
		if (fill_extents(l, ino, fd, max, buf, &done) == -1)
			return -1;
	}
	used = (done + bs - 1) / bs;
	if (used < nblk) {
		if ((e = ext2fs_punch(l->fs, ino, NULL, NULL, used,
		    ~0ULL)) != 0)
			return layer_fail(l, e, "freeing blocks");
		if (layer_data_freed(l) == -1)
			return -1;
	}
	if (layer_read_inode(l, ino, &in) == -1)
		return -1;
	if ((e = ext2fs_inode_size_set(l->fs, (struct ext2_inode *)&in,
	    done)) != 0)
		return layer_fail(l, e, "inode %u", ino);
	return layer_write_inode(l, ino, &in);
}
