/*
 * Unit tests for the work disk's contents: workspace copying
 * (workspace.c), [[file_sync]] and the staged files (sync.c), written
 * into an ext4 image (layer-put.c) and read back with libext2fs.
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <ext2fs/ext2fs.h>

#include "fetch.h"
#include "layer.h"
#include "valid.h"
#include "workdisk.h"

static char	 top[64], repo[128], img[128];
static int	 rfd;
static struct ws_repo	 R;
static struct layer_fs	*L;
static char	 lerr[1024];

#define WS	"root/ws"	/* the workspace's directory on the disk */

/*
 * The race a user can win: ws_copy_one looks at a name with fstatat and
 * sees a regular file, and the name is something else by the time it is
 * opened.  This fstatat (the program's own, so workspace.c calls it)
 * does the real call, then, once armed, swaps the name for what
 * swap_to() makes.
 */
static const char	*swap_name;
static void		(*swap_to)(int, const char *);

int
fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	int	 rc;

	rc = (int)syscall(SYS_newfstatat, dirfd, path, st, flags);
	if (rc == 0 && swap_name != NULL && strcmp(path, swap_name) == 0) {
		swap_name = NULL;
		assert_int_equal(unlinkat(dirfd, path, 0), 0);
		swap_to(dirfd, path);
	}
	return rc;
}

static void
to_fifo(int dirfd, const char *name)
{
	assert_int_equal(mkfifoat(dirfd, name, 0644), 0);
}

static void
to_zero_link(int dirfd, const char *name)
{
	assert_int_equal(symlinkat("/dev/zero", dirfd, name), 0);
}

static void
to_zero_node(int dirfd, const char *name)
{
	assert_int_equal(mknodat(dirfd, name, S_IFCHR | 0644, makedev(1, 5)),
	    0);
}

static void
put(const char *rel, const char *text, mode_t mode)
{
	char	 p[256];
	FILE	*f;

	snprintf(p, sizeof(p), "%s/%s", repo, rel);
	assert_non_null(f = fopen(p, "w"));
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(p, mode), 0);
}

/* A fresh, empty disk made as mkdisk makes it, opened for writing. */
static void
new_disk(const char *path, int mib)
{
	char	 cmd[256];
	int	 fd;

	unlink(path);
	assert_true((fd = open(path, O_WRONLY | O_CREAT, 0600)) != -1);
	assert_int_equal(ftruncate(fd, (off_t)mib << 20), 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "mkfs.ext4 -q -F -L banger-work -E "
	    "root_owner=0:0 %s", path);
	assert_int_equal(system(cmd), 0);
}

static void
open_disk(void)
{
	assert_non_null(L = layer_fs_open(img, lerr, sizeof(lerr)));
	layer_fs_full_advice(L, "the work disk",
	    "give the VM a larger --disk-size");
	layer_put_begin(L, lerr, sizeof(lerr));
}

/* What was written, on the disk: close the writer (and reopen it). */
static void
flush_disk(void)
{
	assert_int_equal(layer_fs_close(L, lerr, sizeof(lerr)), 0);
	open_disk();
}

/* e2fsck finds nothing wrong. */
static void
fsck_clean(void)
{
	char	 cmd[256];

	flush_disk();
	snprintf(cmd, sizeof(cmd), "e2fsck -fn %s >/dev/null 2>&1", img);
	assert_int_equal(system(cmd), 0);
}

/*
 * path on the disk, read with a libext2fs of its own: 0 if absent, else
 * its inode number with *in (and, for a file or symlink, its bytes in
 * buf, NUL-terminated).
 */
static ext2_ino_t
on_disk(const char *path, struct ext2_inode_large *in, char *buf,
    size_t len)
{
	ext2_filsys	 fs;
	ext2_file_t	 f;
	ext2_ino_t	 ino = 0;
	unsigned int	 got = 0;

	flush_disk();
	assert_int_equal(ext2fs_open(img, EXT2_FLAG_64BITS, 0, 0,
	    unix_io_manager, &fs), 0);
	if (ext2fs_namei(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path, &ino) != 0) {
		ext2fs_close_free(&fs);
		return 0;
	}
	memset(in, 0, sizeof(*in));
	assert_int_equal(ext2fs_read_inode_full(fs, ino,
	    (struct ext2_inode *)in, sizeof(*in)), 0);
	if (buf != NULL && LINUX_S_ISLNK(in->i_mode) &&
	    ext2fs_is_fast_symlink((struct ext2_inode *)in)) {
		got = EXT2_I_SIZE(in);
		assert_true(got < len);
		memcpy(buf, in->i_block, got);
	} else if (buf != NULL && !LINUX_S_ISDIR(in->i_mode)) {
		assert_int_equal(ext2fs_file_open(fs, ino, 0, &f), 0);
		assert_int_equal(ext2fs_file_read(f, buf, len - 1, &got), 0);
		ext2fs_file_close(f);
	}
	if (buf != NULL)
		buf[got] = '\0';
	ext2fs_close_free(&fs);
	return ino;
}

/* path is on the disk, of mode (type and permissions) and root's. */
static void
want(const char *path, int mode, const char *bytes)
{
	struct ext2_inode_large	 in;
	char			 buf[8192];

	if (on_disk(path, &in, buf, sizeof(buf)) == 0)
		fail_msg("%s is not on the disk", path);
	assert_int_equal(in.i_mode, mode);
	assert_int_equal(inode_uid(in), 0);
	assert_int_equal(inode_gid(in), 0);
	if (bytes != NULL)
		assert_string_equal(buf, bytes);
}

static void
absent(const char *path)
{
	struct ext2_inode_large	 in;

	if (on_disk(path, &in, NULL, 0) != 0)
		fail_msg("%s is on the disk", path);
}

static int
setup(void **state)
{
	char	 p[256], cmd[256];

	(void)state;
	snprintf(top, sizeof(top), "/tmp/banger-test-ws.XXXXXX");
	if (mkdtemp(top) == NULL)
		return -1;
	snprintf(repo, sizeof(repo), "%s/repo", top);
	snprintf(img, sizeof(img), "%s/work.ext4", top);
	mkdir(repo, 0755);
	snprintf(p, sizeof(p), "%s/sub", repo);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sub/deep", repo);
	mkdir(p, 0755);
	put("run.sh", "#!/bin/sh\n", 0750);
	put("sub/data.txt", "data\n", 0640);
	put("sub/deep/x.c", "int x;\n", 0604);
	snprintf(p, sizeof(p), "%s/abs-link", repo);
	symlink("/etc/passwd", p);
	snprintf(p, sizeof(p), "%s/dir-link", repo);
	symlink("/etc", p);
	snprintf(p, sizeof(p), "%s/sub/up", repo);
	symlink("../run.sh", p);
	/* As root, give the files an owner the disk must not keep. */
	if (geteuid() == 0) {
		snprintf(cmd, sizeof(cmd), "chown -hR 4321:4321 %s", repo);
		if (system(cmd) != 0)
			return -1;
	}
	new_disk(img, 64);
	if ((L = layer_fs_open(img, lerr, sizeof(lerr))) == NULL)
		return -1;
	layer_put_begin(L, lerr, sizeof(lerr));
	rfd = open(repo, O_PATH | O_DIRECTORY);
	ws_repo_init(&R, rfd);
	return rfd == -1 ? -1 : 0;
}

static int
teardown(void **state)
{
	char	 cmd[128];

	(void)state;
	ws_repo_done(&R);
	close(rfd);
	layer_fs_discard(L);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_path_ok(void **state)
{
	(void)state;
	assert_true(valid_ws_path("a"));
	assert_true(valid_ws_path("a/b/c.txt"));
	assert_true(valid_ws_path(".gitignore"));
	assert_true(valid_ws_path("x/.git"));
	assert_false(valid_ws_path(""));
	assert_false(valid_ws_path("/etc/passwd"));
	assert_false(valid_ws_path("../x"));
	assert_false(valid_ws_path("a/../../x"));
	assert_false(valid_ws_path("a//b"));
	assert_false(valid_ws_path("a/./b"));
	assert_false(valid_ws_path("a/"));
	assert_false(valid_ws_path(".git/config"));
	assert_false(valid_ws_path("."));
}

#define CP(path)	ws_copy_one(&R, L, WS, path, 0700, lerr, sizeof(lerr))

static void
test_copy(void **state)
{
	(void)state;
	assert_int_equal(CP("run.sh"), 1);
	assert_int_equal(CP("sub/data.txt"), 1);
	assert_int_equal(CP("sub/deep/x.c"), 1);
	/* A symlink stays a symlink, whatever it points at. */
	assert_int_equal(CP("abs-link"), 1);
	assert_int_equal(CP("sub/up"), 1);
	want("/root/ws/run.sh", LINUX_S_IFREG | 0750, "#!/bin/sh\n");
	want("/root/ws/sub/data.txt", LINUX_S_IFREG | 0640, "data\n");
	want("/root/ws/sub/deep/x.c", LINUX_S_IFREG | 0604, "int x;\n");
	want("/root/ws/abs-link", LINUX_S_IFLNK | 0777, "/etc/passwd");
	want("/root/ws/sub/up", LINUX_S_IFLNK | 0777, "../run.sh");
	/* Directories on the way get the mode given (mkdisk: its umask's). */
	want("/root/ws/sub", LINUX_S_IFDIR | 0700, NULL);
	want("/root/ws/sub/deep", LINUX_S_IFDIR | 0700, NULL);
	fsck_clean();
}

/* Contents bigger than a block and than the copy buffer come back. */
static void
test_copy_large(void **state)
{
	struct ext2_inode_large	 in;
	char			 p[256], *big, *back;
	size_t			 n = 3 * 1024 * 1024 + 12345, i;
	FILE			*f;

	(void)state;
	assert_non_null(big = malloc(n));
	assert_non_null(back = malloc(n + 1));
	for (i = 0; i < n; i++)
		big[i] = (char)(i * 7 + i / 4096);
	snprintf(p, sizeof(p), "%s/large.bin", repo);
	assert_non_null(f = fopen(p, "w"));
	assert_int_equal(fwrite(big, 1, n, f), n);
	fclose(f);
	assert_int_equal(CP("large.bin"), 1);
	assert_true(on_disk("/root/ws/large.bin", &in, back, n + 1) != 0);
	assert_int_equal(EXT2_I_SIZE(&in), n);
	assert_memory_equal(back, big, n);
	free(big);
	free(back);
	fsck_clean();
}

static void
test_refuse(void **state)
{
	(void)state;
	/* Through a symlinked directory: never read what is outside. */
	assert_int_equal(CP("dir-link/passwd"), -1);
	assert_non_null(strstr(lerr, "dir-link/passwd"));
	absent("/root/ws/dir-link");
	assert_int_equal(CP("../repo/run.sh"), -1);
	assert_int_equal(CP("missing"), -1);
	assert_non_null(strstr(lerr, "missing"));
	/* A directory is skipped, not an error. */
	assert_int_equal(CP("sub"), 0);
	/* Copying twice (test_copy did) is an error, not an overwrite. */
	assert_int_equal(CP("run.sh"), -1);
	assert_non_null(strstr(lerr, "run.sh: already on the disk"));
}

static void
write_list(const char *list, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
write_list(const char *list, const char *fmt, ...)
{
	va_list	 ap;
	FILE	*f;
	char	 line[1024];
	size_t	 i, n;

	va_start(ap, fmt);
	n = (size_t)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* '|' stands for the list's NUL separators. */
	for (i = 0; i < n; i++)
		if (line[i] == '|')
			line[i] = '\0';
	assert_non_null(f = fopen(list, "w"));
	assert_int_equal(fwrite(line, 1, n, f), n);
	fclose(f);
}

static void
test_sync(void **state)
{
	char	 list[256];

	(void)state;
	assert_int_equal(sync_parse_mode("-"), -1);
	assert_int_equal(sync_parse_mode("0644"), 0644);
	assert_int_equal(sync_parse_mode("600"), 0600);
	assert_int_equal(sync_parse_mode("1777"), -2);
	assert_int_equal(sync_parse_mode("08"), -2);
	assert_int_equal(sync_parse_mode(""), -2);

	/* The list names the test repository's files by absolute path. */
	snprintf(list, sizeof(list), "%s/sync.list", top);
	write_list(list, "%s/run.sh|bin/tool|750|%s/sub|conf|-|"
	    "%s/nope|nope|-|%s/sub/data.txt|plain|-|%s/sub|tight|600|",
	    repo, repo, repo, repo, repo);
	assert_int_equal(sync_apply(L, list, 0700, lerr, sizeof(lerr)), 0);
	want("/root/bin/tool", LINUX_S_IFREG | 0750, "#!/bin/sh\n");
	want("/root/bin", LINUX_S_IFDIR | 0700, NULL);
	/* A directory keeps its bits; its symlinks are skipped. */
	want("/root/conf", LINUX_S_IFDIR | 0755, NULL);
	want("/root/conf/data.txt", LINUX_S_IFREG | 0640, "data\n");
	want("/root/conf/deep/x.c", LINUX_S_IFREG | 0604, "int x;\n");
	absent("/root/conf/up");
	/* A missing host path is skipped, not fatal. */
	absent("/root/nope");
	/* A file without a mode is 0600. */
	want("/root/plain", LINUX_S_IFREG | 0600, "data\n");
	/* With a mode: files get it, directories it plus x where r. */
	want("/root/tight", LINUX_S_IFDIR | 0700, NULL);
	want("/root/tight/data.txt", LINUX_S_IFREG | 0600, "data\n");
	want("/root/tight/deep", LINUX_S_IFDIR | 0700, NULL);

	/* A file replaces a regular file there: contents and mode. */
	write_list(list, "%s/run.sh|plain|644|", repo);
	assert_int_equal(sync_apply(L, list, 0700, lerr, sizeof(lerr)), 0);
	want("/root/plain", LINUX_S_IFREG | 0644, "#!/bin/sh\n");
	fsck_clean();

	/* Not onto a directory, nor through or onto a symlink. */
	write_list(list, "%s/run.sh|conf|-|", repo);
	assert_int_equal(sync_apply(L, list, 0700, lerr, sizeof(lerr)), -1);
	assert_non_null(strstr(lerr, "/root/conf"));
	/* (test_copy put abs-link there) */
	write_list(list, "%s/run.sh|ws/abs-link|-|", repo);
	assert_int_equal(sync_apply(L, list, 0700, lerr, sizeof(lerr)), -1);
	write_list(list, "%s/run.sh|ws/abs-link/x|-|", repo);
	assert_int_equal(sync_apply(L, list, 0700, lerr, sizeof(lerr)), -1);
	assert_non_null(strstr(lerr, "not a directory"));
	want("/root/ws/abs-link", LINUX_S_IFLNK | 0777, "/etc/passwd");

	/* A bad entry fails the whole list. */
	write_list(list, "relative|x|-|");
	assert_int_equal(sync_apply(L, list, 0700, lerr, sizeof(lerr)), -1);
	write_list(list, "%s/run.sh|../escape|-|", repo);
	assert_int_equal(sync_apply(L, list, 0700, lerr, sizeof(lerr)), -1);
	fsck_clean();
}

/* bangerd's staging directory goes on the disk as it is, root's. */
static void
test_stage(void **state)
{
	char	 stage[128], cmd[1536];
	int	 fd;

	(void)state;
	snprintf(stage, sizeof(stage), "%s/stage", top);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/root/.ssh %s/overlay/upper "
	    "%s/overlay/work && chmod 0700 %s/root %s/root/.ssh %s/overlay "
	    "%s/overlay/upper %s/overlay/work && echo key > "
	    "%s/root/.ssh/authorized_keys && chmod 0600 "
	    "%s/root/.ssh/authorized_keys", stage, stage, stage, stage, stage,
	    stage, stage, stage, stage, stage);
	assert_int_equal(system(cmd), 0);
	assert_true((fd = open(stage, O_RDONLY | O_DIRECTORY)) != -1);
	assert_int_equal(sync_tree(L, fd, LAYER_ROOT, stage, lerr,
	    sizeof(lerr)), 0);
	close(fd);
	want("/root", LINUX_S_IFDIR | 0700, NULL);
	want("/root/.ssh", LINUX_S_IFDIR | 0700, NULL);
	want("/root/.ssh/authorized_keys", LINUX_S_IFREG | 0600, "key\n");
	want("/overlay/upper", LINUX_S_IFDIR | 0700, NULL);
	want("/overlay/work", LINUX_S_IFDIR | 0700, NULL);
	want("/", LINUX_S_IFDIR | 0755, NULL);
	fsck_clean();
}

/* A full disk is a clear error that says what to do. */
static void
test_full(void **state)
{
	struct layer_fs	*l;
	char		 small[128], p[256], err[512];
	int		 fd;
	uint32_t	 dir;

	(void)state;
	snprintf(small, sizeof(small), "%s/small.ext4", top);
	new_disk(small, 2);
	snprintf(p, sizeof(p), "%s/huge", repo);
	assert_true((fd = open(p, O_WRONLY | O_CREAT, 0644)) != -1);
	assert_int_equal(ftruncate(fd, 4 << 20), 0);
	close(fd);
	assert_non_null(l = layer_fs_open(small, err, sizeof(err)));
	layer_fs_full_advice(l, "the work disk",
	    "give the VM a larger --disk-size");
	layer_put_begin(l, err, sizeof(err));
	assert_int_equal(layer_put_dirs(l, WS, 0700, &dir), 0);
	assert_int_equal(ws_copy_one(&R, l, WS, "huge", 0700, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "huge: the work disk is full (2 MiB): "
	    "give the VM a larger --disk-size"));
	layer_fs_discard(l);
	assert_int_equal(unlink(p), 0);
}

/*
 * A file swapped for a FIFO or a device between the look and the open
 * is refused with a clear error: the open does not hang (the old code
 * blocked here for good on the FIFO, and read /dev/zero until the disk
 * was full).  alarm() only turns such a hang into a failure.
 */
static void
race(const char *name, void (*to)(int, const char *), const char *want)
{
	char		 err[512], p[256];

	put(name, "was a file\n", 0644);
	swap_to = to;
	swap_name = name;
	alarm(60);
	assert_int_equal(ws_copy_one(&R, L, WS, name, 0700, err,
	    sizeof(err)), -1);
	alarm(0);
	assert_null(swap_name);		/* the swap happened */
	assert_non_null(strstr(err, name));
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, "refused"));
	/* Nothing was written for it. */
	snprintf(p, sizeof(p), "/root/ws/%s", name);
	absent(p);
}

static void
test_swap_fifo(void **state)
{
	(void)state;
	race("race-fifo", to_fifo, "a FIFO");
}

static void
test_swap_link_to_device(void **state)
{
	(void)state;
	race("race-link", to_zero_link, "symlink");
}

static void
test_swap_device(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "test_swap_device: not root, mknod of a "
		    "device skipped\n");
		skip();
	}
	race("race-dev", to_zero_node, "a character device");
}

/* A FIFO in the list (no race) is skipped; opened, it is refused. */
static void
test_fifo_listed(void **state)
{
	char		 err[512], p[256];
	struct stat	 st;
	int		 fd;

	(void)state;
	snprintf(p, sizeof(p), "%s/listed-fifo", repo);
	assert_int_equal(mkfifo(p, 0644), 0);
	alarm(60);
	assert_int_equal(ws_copy_one(&R, L, WS, "listed-fifo", 0700, err,
	    sizeof(err)), 0);
	assert_non_null(strstr(err, "not a file"));
	fd = ws_open_file(rfd, "listed-fifo", 1, &st, err, sizeof(err));
	alarm(0);
	assert_int_equal(fd, -1);
	assert_non_null(strstr(err, "a FIFO"));
	absent("/root/ws/listed-fifo");
}

/*
 * A file is copied up to the size it had when opened: one that grows
 * while we copy it cannot fill the disk.
 */
static void
test_copy_bounded(void **state)
{
	char		 err[512];
	struct stat	 st;
	uint32_t	 dir;
	int		 in;

	(void)state;
	put("grows.txt", "0123456789", 0644);
	in = ws_open_file(rfd, "grows.txt", 0, &st, err, sizeof(err));
	assert_true(in != -1);
	assert_int_equal(st.st_size, 10);
	/* It grows after the open. */
	put("grows.txt", "0123456789abcdefghij", 0644);
	assert_int_equal(layer_put_dirs(L, WS, 0700, &dir), 0);
	assert_int_equal(layer_put_file(L, dir, "grows.txt", in,
	    (uint64_t)st.st_size, 0644, 0), 0);
	close(in);
	want("/root/ws/grows.txt", LINUX_S_IFREG | 0644, "0123456789");
	/* One that shrinks is copied as it is now. */
	put("shrinks.txt", "0123456789", 0644);
	in = ws_open_file(rfd, "shrinks.txt", 0, &st, err, sizeof(err));
	assert_true(in != -1);
	put("shrinks.txt", "0123", 0644);
	assert_int_equal(layer_put_file(L, dir, "shrinks.txt", in,
	    (uint64_t)st.st_size, 0644, 0), 0);
	close(in);
	want("/root/ws/shrinks.txt", LINUX_S_IFREG | 0644, "0123");
	fsck_clean();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_ok),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_refuse),
		cmocka_unit_test(test_copy_large),
		cmocka_unit_test(test_sync),
		cmocka_unit_test(test_stage),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_swap_fifo),
		cmocka_unit_test(test_swap_link_to_device),
		cmocka_unit_test(test_swap_device),
		cmocka_unit_test(test_fifo_listed),
		cmocka_unit_test(test_copy_bounded),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
