/*
 * A regular file's contents into its inode through libext2fs: the one
 * data writer both a layer's tar entries (layer-apply.c) and a VM's
 * work disk (layer-put.c) use.  Writes may come at any offset (a sparse
 * tar entry keeps its holes); the size is set once at the end.
 */
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
