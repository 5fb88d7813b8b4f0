/*
 * Container image layers applied to a fresh ext4 image (layer-*.c):
 * tar streams are written here with libarchive (pax, plain, gzip and
 * zstd), applied, and the image is read back with libext2fs and checked
 * with e2fsck -fn.  Hostile layers must fail cleanly and never reach
 * outside the image.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <ext2fs/ext2fs.h>

#include "layer.h"

#define MIB		(1024 * 1024)
#define MTIME		1500000000

struct fx {
	char		 dir[64];
	char		 img[96];
	char		 tar[96];
	struct layer_fs	*l;
	ext2_filsys	 fs;
	char		 err[1024];
};

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test-layer.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->img, sizeof(f->img), "%s/img", f->dir);
	snprintf(f->tar, sizeof(f->tar), "%s/layer.tar", f->dir);
	assert_int_equal(layer_mkfs(f->img, 64 * MIB, "test-layer", f->err,
	    sizeof(f->err)), 0);
	f->l = layer_fs_open(f->img, f->err, sizeof(f->err));
	assert_non_null(f->l);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	if (f->fs != NULL)
		ext2fs_close_free(&f->fs);
	layer_fs_discard(f->l);
	unlink(f->img);
	unlink(f->tar);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* The tar writer: 'n'one, 'g'zip or 'z'std. */
static struct archive *
tar_new(struct fx *f, int filter)
{
	struct archive	*a = archive_write_new();

	assert_non_null(a);
	assert_int_equal(archive_write_set_format_pax(a), ARCHIVE_OK);
	if (filter == 'g')
		assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	if (filter == 'z')
		assert_int_equal(archive_write_add_filter_zstd(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, f->tar), ARCHIVE_OK);
	return a;
}

static struct archive_entry *
ent(const char *path, unsigned int mode)
{
	struct archive_entry	*e = archive_entry_new();

	assert_non_null(e);
	archive_entry_set_pathname(e, path);
	archive_entry_set_mode(e, mode);
	archive_entry_set_mtime(e, MTIME, 0);
	return e;
}

static void
put(struct archive *a, struct archive_entry *e, const void *data,
    size_t len)
{
	if (archive_entry_filetype(e) == AE_IFREG &&
	    archive_entry_hardlink(e) == NULL)
		archive_entry_set_size(e, (la_int64_t)len);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	if (len > 0)
		assert_int_equal(archive_write_data(a, data, len),
		    (la_ssize_t)len);
	archive_entry_free(e);
}

static void
put_dir(struct archive *a, const char *path)
{
	put(a, ent(path, AE_IFDIR | 0755), NULL, 0);
}

static void
put_file(struct archive *a, const char *path, const char *text)
{
	put(a, ent(path, AE_IFREG | 0644), text, strlen(text));
}

static void
put_link(struct archive *a, const char *path, const char *target, int hard)
{
	struct archive_entry	*e = ent(path, (hard ? AE_IFREG : AE_IFLNK) |
	    0777);

	if (hard)
		archive_entry_set_hardlink(e, target);
	else
		archive_entry_set_symlink(e, target);
	put(a, e, NULL, 0);
}

static void
tar_close(struct archive *a)
{
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static int
apply(struct fx *f)
{
	int	 fd, rc;

	assert_true((fd = open(f->tar, O_RDONLY | O_CLOEXEC)) != -1);
	f->err[0] = '\0';
	rc = layer_apply(f->l, fd, f->err, sizeof(f->err));
	close(fd);
	if (rc != 0)
		fprintf(stderr, "layer_apply: %s\n", f->err);
	return rc;
}

/* Closes the applier's handle and opens the image for reading. */
static ext2_filsys
reopen(struct fx *f)
{
	assert_int_equal(layer_fs_close(f->l, f->err, sizeof(f->err)), 0);
	f->l = NULL;
	assert_int_equal(ext2fs_open(f->img, EXT2_FLAG_64BITS, 0, 0,
	    unix_io_manager, &f->fs), 0);
	return f->fs;
}

/* path's inode without following any link; 0 when missing. */
static ext2_ino_t
ino_of(ext2_filsys fs, const char *path)
{
	char		 buf[4096], *p, *save = NULL;
	ext2_ino_t	 ino = EXT2_ROOT_INO;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = strtok_r(buf, "/", &save); p != NULL;
	    p = strtok_r(NULL, "/", &save))
		if (ext2fs_lookup(fs, ino, p, (int)strlen(p), NULL, &ino) != 0)
			return 0;
	return ino;
}

static void
inode(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode_large *in)
{
	memset(in, 0, sizeof(*in));
	assert_int_equal(ext2fs_read_inode_full(fs, ino,
	    (struct ext2_inode *)in, sizeof(*in)), 0);
}

static size_t
readf(ext2_filsys fs, ext2_ino_t ino, uint64_t off, void *buf, size_t len)
{
	ext2_file_t	 file;
	unsigned int	 got;

	assert_int_equal(ext2fs_file_open(fs, ino, 0, &file), 0);
	assert_int_equal(ext2fs_file_llseek(file, off, EXT2_SEEK_SET, NULL),
	    0);
	assert_int_equal(ext2fs_file_read(file, buf, (unsigned)len, &got), 0);
	ext2fs_file_close(file);
	return got;
}

static void
assert_text(ext2_filsys fs, const char *path, const char *text)
{
	char		 buf[256];
	ext2_ino_t	 ino = ino_of(fs, path);
	size_t		 n;

	assert_int_not_equal(ino, 0);
	n = readf(fs, ino, 0, buf, sizeof(buf) - 1);
	buf[n] = '\0';
	assert_string_equal(buf, text);
}

static size_t
xattr(ext2_filsys fs, ext2_ino_t ino, const char *name, void *buf,
    size_t len)
{
	struct ext2_xattr_handle *h;
	void			*v = NULL;
	size_t			 n = 0;

	assert_int_equal(ext2fs_xattrs_open(fs, ino, &h), 0);
	assert_int_equal(ext2fs_xattrs_read(h), 0);
	if (ext2fs_xattr_get(h, name, &v, &n) != 0)
		n = 0;
	else {
		assert_true(n <= len);
		memcpy(buf, v, n);
		ext2fs_free_mem(&v);
	}
	ext2fs_xattrs_close(&h);
	return n;
}

/* e2fsck -fn finds nothing wrong; skipped (visibly) without e2fsck. */
static void
fsck_clean(struct fx *f)
{
	const char	*bin = NULL;
	pid_t		 pid;
	int		 status, fd;

	if (access("/usr/sbin/e2fsck", X_OK) == 0)
		bin = "/usr/sbin/e2fsck";
	else if (access("/sbin/e2fsck", X_OK) == 0)
		bin = "/sbin/e2fsck";
	if (bin == NULL) {
		fprintf(stderr, "e2fsck not found: image not checked\n");
		skip();
	}
	if (f->fs != NULL)
		ext2fs_close_free(&f->fs);
	if (f->l != NULL) {
		assert_int_equal(layer_fs_close(f->l, f->err, sizeof(f->err)),
		    0);
		f->l = NULL;
	}
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		if ((fd = open("/dev/null", O_WRONLY)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(bin, "e2fsck", "-fn", f->img, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Contents, modes, owners past 65535, times, device nodes and xattrs. */
static void
test_entries(void **state)
{
	struct fx		*f = *state;
	struct archive		*a = tar_new(f, 'g');
	struct archive_entry	*e;
	struct ext2_inode_large	 in;
	ext2_filsys		 fs;
	ext2_ino_t		 ino;
	char			*big, buf[64];
	size_t			 i, n = 3 * MIB + 123;
	static const char	 cap[] = { 1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	/* An access ACL as getxattr gives it: user::rw- user:1000:r-- ... */
	static const unsigned char acl[] = { 2, 0, 0, 0,
	    1, 0, 6, 0, 0xff, 0xff, 0xff, 0xff,
	    2, 0, 4, 0, 0xe8, 3, 0, 0,
	    4, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,
	    0x10, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,
	    0x20, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };

	assert_non_null(big = malloc(n));
	for (i = 0; i < n; i++)
		big[i] = (char)(i * 7 + i / 4096);
	e = ent("./usr/", AE_IFDIR | 0750);
	archive_entry_set_uid(e, 100000);
	archive_entry_set_gid(e, 200000);
	put(a, e, NULL, 0);
	e = ent("/usr/bin/su", AE_IFREG | 04755);
	archive_entry_set_uid(e, 70000);
	archive_entry_set_gid(e, 5);
	archive_entry_set_mtime(e, 1234567890, 0);
	archive_entry_set_atime(e, 1234567000, 0);
	archive_entry_xattr_add_entry(e, "security.capability", cap,
	    sizeof(cap));
	archive_entry_xattr_add_entry(e, "user.note", "hi", 2);
	archive_entry_xattr_add_entry(e, "trusted.overlay.opaque", "y", 1);
	archive_entry_xattr_add_entry(e, "system.posix_acl_access", acl,
	    sizeof(acl));
	put(a, e, "#!/bin/sh\n", 10);
	put(a, ent("usr/big", AE_IFREG | 0600), big, n);
	put(a, ent("tmp", AE_IFDIR | 01777), NULL, 0);
	/* A time past 2038 needs ext4's extra epoch bits. */
	e = ent("later", AE_IFREG | 0644);
	archive_entry_set_mtime(e, 5000000000LL, 0);
	put(a, e, NULL, 0);
	e = ent("dev/null", AE_IFCHR | 0666);
	archive_entry_set_rdevmajor(e, 1);
	archive_entry_set_rdevminor(e, 3);
	put(a, e, NULL, 0);
	e = ent("dev/big", AE_IFBLK | 0660);
	archive_entry_set_rdevmajor(e, 259);
	archive_entry_set_rdevminor(e, 70000);
	put(a, e, NULL, 0);
	put(a, ent("run/fifo", AE_IFIFO | 0620), NULL, 0);
	tar_close(a);
	assert_int_equal(apply(f), 0);
	fs = reopen(f);

	inode(fs, ino = ino_of(fs, "usr"), &in);
	assert_int_equal(in.i_mode, LINUX_S_IFDIR | 0750);
	assert_int_equal(inode_uid(in), 100000);
	assert_int_equal(inode_gid(in), 200000);
	inode(fs, ino = ino_of(fs, "usr/bin/su"), &in);
	assert_int_equal(in.i_mode, LINUX_S_IFREG | 04755);
	assert_int_equal(inode_uid(in), 70000);
	assert_int_equal(inode_gid(in), 5);
	assert_int_equal(in.i_mtime, 1234567890);
	assert_int_equal(in.i_atime, 1234567000);
	assert_text(fs, "usr/bin/su", "#!/bin/sh\n");
	assert_int_equal(xattr(fs, ino, "security.capability", buf,
	    sizeof(buf)), sizeof(cap));
	assert_memory_equal(buf, cap, sizeof(cap));
	assert_int_equal(xattr(fs, ino, "user.note", buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "hi", 2);
	assert_int_equal(xattr(fs, ino, "trusted.overlay.opaque", buf,
	    sizeof(buf)), 0);
	/* Tags and permissions, and the ids of named users and groups. */
	assert_int_equal(xattr(fs, ino, "system.posix_acl_access", buf,
	    sizeof(buf)), sizeof(acl));
	assert_memory_equal(buf, acl, 4);
	for (i = 4; i < sizeof(acl); i += 8) {
		assert_memory_equal(buf + i, acl + i, 4);
		if (acl[i] == 2 || acl[i] == 8)
			assert_memory_equal(buf + i + 4, acl + i + 4, 4);
	}
	/* Parents the layer did not list: 0755, root's. */
	inode(fs, ino_of(fs, "usr/bin"), &in);
	assert_int_equal(in.i_mode, LINUX_S_IFDIR | 0755);
	assert_int_equal(inode_uid(in), 0);

	inode(fs, ino = ino_of(fs, "usr/big"), &in);
	assert_int_equal(EXT2_I_SIZE(&in), n);
	assert_true(in.i_flags & EXT4_EXTENTS_FL);
	{
		char	*back = malloc(n);

		assert_non_null(back);
		assert_int_equal(readf(fs, ino, 0, back, n), n);
		assert_memory_equal(back, big, n);
		free(back);
	}
	inode(fs, ino_of(fs, "tmp"), &in);
	assert_int_equal(in.i_mode, LINUX_S_IFDIR | 01777);
	inode(fs, ino_of(fs, "later"), &in);
	assert_int_equal((int64_t)(int32_t)in.i_mtime +
	    ((int64_t)(in.i_mtime_extra & 3) << 32), 5000000000LL);
	inode(fs, ino_of(fs, "dev/null"), &in);
	assert_int_equal(in.i_mode, LINUX_S_IFCHR | 0666);
	assert_int_equal(in.i_block[0], 1 << 8 | 3);
	inode(fs, ino_of(fs, "dev/big"), &in);
	assert_int_equal(in.i_mode, LINUX_S_IFBLK | 0660);
	assert_int_equal(in.i_block[0], 0);
	assert_int_equal(in.i_block[1], (70000 & 0xff) | 259 << 8 |
	    (70000 & ~0xff) << 12);
	inode(fs, ino_of(fs, "run/fifo"), &in);
	assert_int_equal(in.i_mode, LINUX_S_IFIFO | 0620);
	free(big);
	fsck_clean(f);
}

static void
readlink_in(ext2_filsys fs, const char *path, char *buf, size_t len)
{
	struct ext2_inode_large	 in;
	ext2_ino_t		 ino = ino_of(fs, path);
	size_t			 n;

	assert_int_not_equal(ino, 0);
	inode(fs, ino, &in);
	assert_true(LINUX_S_ISLNK(in.i_mode));
	n = EXT2_I_SIZE(&in);
	assert_true(n < len);
	if (n < sizeof(in.i_block))
		memcpy(buf, in.i_block, n);
	else
		assert_int_equal(readf(fs, ino, 0, buf, n), n);
	buf[n] = '\0';
}

/* Fast and slow symbolic links, and hard links sharing one inode. */
static void
test_links(void **state)
{
	struct fx		*f = *state;
	struct archive		*a = tar_new(f, 'z');
	struct archive_entry	*e;
	struct ext2_inode_large	 in;
	ext2_filsys		 fs;
	char			 buf[512], lng[200];

	memset(lng, 'x', sizeof(lng) - 1);
	lng[0] = '/';
	lng[sizeof(lng) - 1] = '\0';
	put_link(a, "short", "usr/lib", 0);
	e = ent("long", AE_IFLNK | 0777);
	archive_entry_set_symlink(e, lng);
	archive_entry_set_uid(e, 1000);
	put(a, e, NULL, 0);
	put_file(a, "bin/a", "same");
	put_link(a, "bin/b", "bin/a", 1);
	put_link(a, "./c", "./bin/b", 1);
	tar_close(a);
	assert_int_equal(apply(f), 0);

	/* A second layer: a new name over an old one, and a link to a dir. */
	a = tar_new(f, 'n');
	put_file(a, "d", "d");
	put_link(a, "c", "d", 1);
	tar_close(a);
	assert_int_equal(apply(f), 0);
	/* The same link again changes nothing. */
	a = tar_new(f, 'n');
	put_link(a, "c", "d", 1);
	tar_close(a);
	assert_int_equal(apply(f), 0);
	a = tar_new(f, 'n');
	put_link(a, "e", "bin", 1);
	tar_close(a);
	assert_int_equal(apply(f), -1);
	assert_non_null(strstr(f->err, "hard link to a directory"));

	fs = reopen(f);
	readlink_in(fs, "short", buf, sizeof(buf));
	assert_string_equal(buf, "usr/lib");
	readlink_in(fs, "long", buf, sizeof(buf));
	assert_string_equal(buf, lng);
	inode(fs, ino_of(fs, "long"), &in);
	assert_int_equal(inode_uid(in), 1000);
	assert_int_equal(ino_of(fs, "bin/a"), ino_of(fs, "bin/b"));
	inode(fs, ino_of(fs, "bin/a"), &in);
	assert_int_equal(in.i_links_count, 2);
	assert_int_equal(ino_of(fs, "c"), ino_of(fs, "d"));
	inode(fs, ino_of(fs, "d"), &in);
	assert_int_equal(in.i_links_count, 2);
	assert_int_equal(ino_of(fs, "e"), 0);
	fsck_clean(f);
}

/* .wh.NAME removes older entries; an opaque directory keeps this layer's. */
static void
test_whiteouts(void **state)
{
	struct fx	*f = *state;
	struct archive	*a = tar_new(f, 'n');
	ext2_filsys	 fs;

	put_file(a, "d/a", "a");
	put_file(a, "d/b", "b");
	put_file(a, "d/sub/c", "c");
	put_file(a, "x", "x");
	put_file(a, "o/old", "old");
	put_file(a, "o/keep/old", "old");
	put_file(a, "o/gone/f", "f");
	put_file(a, "o/deep/old", "old");
	put_link(a, "o/hl", "x", 1);
	tar_close(a);
	assert_int_equal(apply(f), 0);

	a = tar_new(f, 'g');
	put_file(a, "d/.wh.a", "");
	put_file(a, "d/.wh.sub", "");
	put_file(a, ".wh.x", "");
	put_file(a, "d/.wh.missing", "");
	put_file(a, "nowhere/.wh.y", "");
	put_dir(a, "o");
	put_file(a, "o/new", "new");
	put_dir(a, "o/keep");
	put_file(a, "o/keep/mine", "mine");
	/* No entry of its own for o/deep: its file's entry says it. */
	put_file(a, "o/deep/mine", "mine");
	put_file(a, "o/.wh..wh..opq", "");
	put_file(a, "o/after", "after");
	/* This layer's own entry survives its whiteout. */
	put_file(a, "d/n", "n");
	put_file(a, "d/.wh.n", "");
	tar_close(a);
	assert_int_equal(apply(f), 0);

	fs = reopen(f);
	assert_int_equal(ino_of(fs, "d/a"), 0);
	assert_int_equal(ino_of(fs, "d/sub"), 0);
	assert_int_equal(ino_of(fs, "x"), 0);
	assert_text(fs, "d/b", "b");
	assert_text(fs, "d/n", "n");
	assert_int_equal(ino_of(fs, "d/.wh.a"), 0);
	assert_int_equal(ino_of(fs, "nowhere"), 0);
	assert_text(fs, "o/new", "new");
	assert_text(fs, "o/after", "after");
	assert_text(fs, "o/keep/mine", "mine");
	assert_int_equal(ino_of(fs, "o/keep/old"), 0);
	assert_text(fs, "o/deep/mine", "mine");
	assert_int_equal(ino_of(fs, "o/deep/old"), 0);
	assert_int_equal(ino_of(fs, "o/old"), 0);
	assert_int_equal(ino_of(fs, "o/gone"), 0);
	assert_int_equal(ino_of(fs, "o/hl"), 0);
	assert_int_equal(ino_of(fs, "o/.wh..wh..opq"), 0);
	fsck_clean(f);
}

/*
 * The root made opaque: what this layer named stays, the rest goes, but
 * never the file system's own lost+found (e2fsck would miss it).
 */
static void
test_opaque_root(void **state)
{
	struct fx	*f = *state;
	struct archive	*a = tar_new(f, 'n');
	ext2_filsys	 fs;

	put_file(a, "old", "old");
	put_file(a, "dir/old", "old");
	put_file(a, "dir/sub/old", "old");
	tar_close(a);
	assert_int_equal(apply(f), 0);
	a = tar_new(f, 'n');
	put_file(a, "dir/new", "new");
	put_file(a, ".wh.lost+found", "");
	put_file(a, ".wh..wh..opq", "");
	tar_close(a);
	assert_int_equal(apply(f), 0);
	a = tar_new(f, 'n');
	put_file(a, "lost+found", "mine");
	tar_close(a);
	assert_int_equal(apply(f), -1);
	assert_non_null(strstr(f->err, "lost+found"));

	fs = reopen(f);
	assert_int_equal(ino_of(fs, "old"), 0);
	assert_int_equal(ino_of(fs, "dir/old"), 0);
	assert_int_equal(ino_of(fs, "dir/sub"), 0);
	assert_text(fs, "dir/new", "new");
	assert_int_not_equal(ino_of(fs, "lost+found"), 0);
	fsck_clean(f);
}

/* A directory replaced by a file and the other way round. */
static void
test_replace(void **state)
{
	struct fx		*f = *state;
	struct archive		*a = tar_new(f, 'n');
	struct ext2_inode_large	 in;
	ext2_filsys		 fs;
	char			*big;

	assert_non_null(big = calloc(1, MIB));
	put_file(a, "p/q/r", "r");
	put(a, ent("p/q/big", AE_IFREG | 0644), big, MIB);
	put_link(a, "p/s", "/p/q", 0);
	put_file(a, "f", "f");
	put_file(a, "keep/old", "old");
	tar_close(a);
	assert_int_equal(apply(f), 0);

	a = tar_new(f, 'n');
	put_file(a, "p", "now a file");
	put_dir(a, "f");
	put_file(a, "f/inside", "inside");
	put(a, ent("keep", AE_IFDIR | 0700), NULL, 0);
	put_file(a, "keep/new", "new");
	tar_close(a);
	assert_int_equal(apply(f), 0);

	fs = reopen(f);
	assert_text(fs, "p", "now a file");
	assert_text(fs, "f/inside", "inside");
	assert_text(fs, "keep/old", "old");
	assert_text(fs, "keep/new", "new");
	inode(fs, ino_of(fs, "keep"), &in);
	assert_int_equal(in.i_mode, LINUX_S_IFDIR | 0700);
	free(big);
	/* The replaced tree's blocks and inodes were given back. */
	fsck_clean(f);
}

/* Paths and links that point out of the image stay inside it. */
static void
test_hostile_paths(void **state)
{
	struct fx	*f = *state;
	struct archive	*a = tar_new(f, 'n');
	ext2_filsys	 fs;
	char		 name[64], path[128], lng[300];

	snprintf(name, sizeof(name), "banger-layer-escape-%ld", (long)getpid());
	put_link(a, "ln", "/../../etc", 0);
	put_link(a, "rel", "../../../../tmp", 0);
	put_link(a, "loop1", "loop2", 0);
	put_link(a, "loop2", "loop1", 0);
	put_link(a, "last", "/etc", 0);
	put_link(a, "sub/abs", "/target", 0);
	tar_close(a);
	assert_int_equal(apply(f), 0);
	/* An entry's own name is never followed: the link is replaced. */
	a = tar_new(f, 'n');
	put_file(a, "last", "a file now");
	tar_close(a);
	assert_int_equal(apply(f), 0);

	a = tar_new(f, 'n');
	snprintf(path, sizeof(path), "ln/%s", name);
	put_file(a, path, "inside");
	snprintf(path, sizeof(path), "rel/%s", name);
	put_file(a, path, "inside too");
	/* An absolute target starts at the image's root. */
	put_file(a, "sub/abs/f", "at the root");
	tar_close(a);
	assert_int_equal(apply(f), 0);

	a = tar_new(f, 'n');
	put_file(a, "loop1/x", "x");
	tar_close(a);
	assert_int_equal(apply(f), -1);
	assert_non_null(strstr(f->err, "symbolic links"));

	a = tar_new(f, 'n');
	put_file(a, "a/../../x", "x");
	tar_close(a);
	assert_int_equal(apply(f), -1);
	assert_non_null(strstr(f->err, "\"..\""));
	assert_non_null(strstr(f->err, "a/../../x"));

	/* A name's control characters do not reach the message. */
	a = tar_new(f, 'n');
	put_file(a, "\033[2J/../x", "x");
	tar_close(a);
	assert_int_equal(apply(f), -1);
	assert_non_null(strstr(f->err, "?[2J/../x"));
	assert_null(strchr(f->err, '\033'));

	memset(lng, 'n', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = '\0';
	a = tar_new(f, 'n');
	put_file(a, lng, "x");
	tar_close(a);
	assert_int_equal(apply(f), -1);
	assert_non_null(strstr(f->err, "longer than 255"));

	snprintf(path, sizeof(path), "/etc/%s", name);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "/tmp/%s", name);
	assert_int_equal(access(path, F_OK), -1);
	fs = reopen(f);
	snprintf(path, sizeof(path), "etc/%s", name);
	assert_text(fs, path, "inside");
	snprintf(path, sizeof(path), "tmp/%s", name);
	assert_text(fs, path, "inside too");
	assert_text(fs, "last", "a file now");
	assert_text(fs, "target/f", "at the root");
	assert_int_equal(ino_of(fs, "sub/target"), 0);
	assert_int_equal(ino_of(fs, "etc/last"), 0);
	fsck_clean(f);
}

/* A sparse entry keeps its holes. */
static void
test_sparse(void **state)
{
	struct fx		*f = *state;
	struct archive		*a = tar_new(f, 'n');
	struct archive_entry	*e;
	struct ext2_inode_large	 in;
	ext2_filsys		 fs;
	ext2_ino_t		 ino;
	char			*data, back[8192];
	size_t			 n = 8 * MIB, i;

	assert_non_null(data = calloc(1, n));
	memset(data, 'a', 8192);
	memset(data + 4 * MIB, 'b', 8192);
	e = ent("sparse", AE_IFREG | 0644);
	/* The map is checked against the size: the size comes first. */
	archive_entry_set_size(e, (la_int64_t)n);
	archive_entry_sparse_add_entry(e, 0, 8192);
	archive_entry_sparse_add_entry(e, 4 * MIB, 8192);
	archive_entry_sparse_add_entry(e, n, 0);
	put(a, e, data, n);
	tar_close(a);
	assert_int_equal(apply(f), 0);

	fs = reopen(f);
	inode(fs, ino = ino_of(fs, "sparse"), &in);
	assert_int_equal(EXT2_I_SIZE(&in), n);
	/* Two 8 KiB extents and an index at most, not 8 MiB. */
	assert_true(ext2fs_get_stat_i_blocks(fs, (struct ext2_inode *)&in) *
	    512 <= 64 * 1024);
	assert_int_equal(readf(fs, ino, 0, back, 8192), 8192);
	assert_memory_equal(back, data, 8192);
	assert_int_equal(readf(fs, ino, 4 * MIB, back, 8192), 8192);
	assert_memory_equal(back, data + 4 * MIB, 8192);
	assert_int_equal(readf(fs, ino, 2 * MIB, back, 8192), 8192);
	for (i = 0; i < 8192; i++)
		assert_int_equal(back[i], 0);
	free(data);
	fsck_clean(f);
}

/* Thousands of names in one directory, some whited out, some new. */
/*
 * Entries that jump between two large directories make the applier read
 * a directory again for each: bounded per layer, then refused.
 */
static void
test_scan_budget(void **state)
{
	struct fx	*f = *state;
	struct archive	*a = tar_new(f, 'n');
	char		 name[64];
	int		 i;

	put_dir(a, "a");
	put_dir(a, "b");
	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "a/f%d", i);
		put_file(a, name, "x");
		snprintf(name, sizeof(name), "b/f%d", i);
		put_file(a, name, "x");
	}
	tar_close(a);
	layer_fs_scan_limit(f->l, 1000 * 1000);
	/* Layer 1 alternates too: about 2000 * 2000 / 2 entries read. */
	assert_int_equal(apply(f), -1);
	assert_non_null(strstr(f->err, "jump between large directories"));
	a = tar_new(f, 'n');
	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "a/f%d", i);
		put_file(a, name, "x");
	}
	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "b/f%d", i);
		put_file(a, name, "x");
	}
	tar_close(a);
	/* The same files, one directory after the other: well within. */
	assert_int_equal(apply(f), 0);
}

static void
test_big_directory(void **state)
{
	struct fx	*f = *state;
	struct archive	*a = tar_new(f, 'n');
	ext2_filsys	 fs;
	char		 name[64], text[64];
	int		 i;

	put_dir(a, "big");
	for (i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "big/file-with-a-longish-name-%d",
		    i);
		put_file(a, name, name + 4);
	}
	tar_close(a);
	assert_int_equal(apply(f), 0);
	a = tar_new(f, 'n');
	for (i = 0; i < 3000; i += 3) {
		snprintf(name, sizeof(name),
		    "big/.wh.file-with-a-longish-name-%d", i);
		put_file(a, name, "");
	}
	for (i = 0; i < 3000; i += 5) {
		snprintf(name, sizeof(name), "big/file-with-a-longish-name-%d",
		    i);
		put_file(a, name, "again");
	}
	tar_close(a);
	assert_int_equal(apply(f), 0);
	fs = reopen(f);
	for (i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "big/file-with-a-longish-name-%d",
		    i);
		if (i % 5 == 0)
			assert_text(fs, name, "again");
		else if (i % 3 == 0)
			assert_int_equal(ino_of(fs, name), 0);
		else {
			snprintf(text, sizeof(text), "%s", name + 4);
			assert_text(fs, name, text);
		}
	}
	fsck_clean(f);
}

/* More files than the image has inodes. */
static void
test_no_inodes(void **state)
{
	struct fx		*f = *state;
	struct archive		*a = tar_new(f, 'z');
	struct ext2_super_block	 sb;
	ext2_filsys		 fs;
	char			 name[64];
	unsigned int		 i, n;

	assert_int_equal(ext2fs_open(f->img, EXT2_FLAG_64BITS, 0, 0,
	    unix_io_manager, &fs), 0);
	sb = *fs->super;
	ext2fs_close_free(&fs);
	n = sb.s_inodes_count + 10;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "d%u/f%u", i / 1000, i);
		put(a, ent(name, AE_IFREG | 0644), NULL, 0);
	}
	tar_close(a);
	assert_int_equal(apply(f), -1);
	assert_non_null(strstr(f->err, "no inode left (64 MiB)"));
}

/* A layer larger than the image, and broken archives. */
static void
test_errors(void **state)
{
	struct fx	*f = *state;
	struct archive	*a;
	char		*big;
	int		 fd, i;

	/* Cut in the middle of an entry's data. */
	a = tar_new(f, 'n');
	put_file(a, "first", "1");
	put(a, ent("cut", AE_IFREG | 0644), f->err, sizeof(f->err));
	tar_close(a);
	assert_int_equal(truncate(f->tar, 1024 + 512 + 100), 0);
	assert_int_equal(apply(f), -1);
	assert_non_null(strstr(f->err, "cut: "));

	assert_true((fd = open(f->tar, O_WRONLY | O_TRUNC)) != -1);
	assert_int_equal(write(fd, "this is no tar at all, not even close",
	    37), 37);
	close(fd);
	assert_int_equal(apply(f), -1);
	assert_non_null(strstr(f->err, "not a tar layer"));

	a = tar_new(f, 'g');
	assert_non_null(big = malloc(80 * MIB));
	for (i = 0; i < 80 * MIB; i++)
		big[i] = (char)(i ^ (i >> 11));
	put(a, ent("huge", AE_IFREG | 0644), big, 80 * MIB);
	tar_close(a);
	free(big);
	assert_int_equal(apply(f), -1);
	assert_non_null(strstr(f->err, "the image is full (64 MiB)"));
	assert_non_null(strstr(f->err, "--size"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whiteouts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_opaque_root, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_paths, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sparse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_budget, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_big_directory, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_inodes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
