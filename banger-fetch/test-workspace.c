/* Unit tests for workspace copying (workspace.c). */
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
#include "valid.h"

static char	 top[64], repo[128], dst[128];
static int	 rfd, dfd;

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

static int
setup(void **state)
{
	char	 p[256];

	(void)state;
	snprintf(top, sizeof(top), "/tmp/banger-test-ws.XXXXXX");
	if (mkdtemp(top) == NULL)
		return -1;
	snprintf(repo, sizeof(repo), "%s/repo", top);
	snprintf(dst, sizeof(dst), "%s/dst", top);
	mkdir(repo, 0755);
	mkdir(dst, 0755);
	snprintf(p, sizeof(p), "%s/sub", repo);
	mkdir(p, 0755);
	put("run.sh", "#!/bin/sh\n", 0750);
	put("sub/data.txt", "data\n", 0640);
	snprintf(p, sizeof(p), "%s/abs-link", repo);
	symlink("/etc/passwd", p);
	snprintf(p, sizeof(p), "%s/dir-link", repo);
	symlink("/etc", p);
	rfd = open(repo, O_PATH | O_DIRECTORY);
	dfd = open(dst, O_PATH | O_DIRECTORY);
	return rfd == -1 || dfd == -1 ? -1 : 0;
}

static int
teardown(void **state)
{
	char	 cmd[128];

	(void)state;
	close(rfd);
	close(dfd);
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

static void
test_copy(void **state)
{
	char		 err[512], p[256], t[256];
	struct stat	 st;
	ssize_t		 n;

	(void)state;
	assert_int_equal(ws_copy_one(rfd, dfd, "run.sh", err, sizeof(err)), 1);
	snprintf(p, sizeof(p), "%s/run.sh", dst);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0750);
	assert_int_equal(st.st_size, 10);

	assert_int_equal(ws_copy_one(rfd, dfd, "sub/data.txt", err,
	    sizeof(err)), 1);
	snprintf(p, sizeof(p), "%s/sub/data.txt", dst);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);

	/* A symlink stays a symlink, whatever it points at. */
	assert_int_equal(ws_copy_one(rfd, dfd, "abs-link", err, sizeof(err)),
	    1);
	snprintf(p, sizeof(p), "%s/abs-link", dst);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	n = readlink(p, t, sizeof(t) - 1);
	assert_true(n > 0);
	t[n] = '\0';
	assert_string_equal(t, "/etc/passwd");
}

static void
test_refuse(void **state)
{
	char		 err[512], p[256];
	struct stat	 st;

	(void)state;
	/* Through a symlinked directory: never read what is outside. */
	assert_int_equal(ws_copy_one(rfd, dfd, "dir-link/passwd", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "dir-link/passwd"));
	snprintf(p, sizeof(p), "%s/dir-link", dst);
	assert_int_equal(lstat(p, &st), -1);
	assert_int_equal(ws_copy_one(rfd, dfd, "../repo/run.sh", err,
	    sizeof(err)), -1);
	assert_int_equal(ws_copy_one(rfd, dfd, "missing", err, sizeof(err)),
	    -1);
	/* A directory is skipped, not an error. */
	assert_int_equal(ws_copy_one(rfd, dfd, "sub", err, sizeof(err)), 0);
	/* Copying twice is an error, not an overwrite. */
	assert_int_equal(ws_copy_one(rfd, dfd, "run.sh", err, sizeof(err)),
	    -1);
}

static void
test_sync(void **state)
{
	char		 p[256], list[256], stage[128];
	struct stat	 st;
	FILE		*f;

	(void)state;
	assert_int_equal(sync_parse_mode("-"), -1);
	assert_int_equal(sync_parse_mode("0644"), 0644);
	assert_int_equal(sync_parse_mode("600"), 0600);
	assert_int_equal(sync_parse_mode("1777"), -2);
	assert_int_equal(sync_parse_mode("08"), -2);
	assert_int_equal(sync_parse_mode(""), -2);

	snprintf(stage, sizeof(stage), "%s/stage", top);
	snprintf(p, sizeof(p), "%s/root", stage);
	assert_int_equal(mkdir(stage, 0755), 0);
	assert_int_equal(mkdir(p, 0755), 0);
	/* The list names the test repository's files by absolute path. */
	snprintf(list, sizeof(list), "%s/sync.list", top);
	assert_non_null(f = fopen(list, "w"));
	fprintf(f, "%s/run.sh%cbin/tool%c750%c", repo, 0, 0, 0);
	fprintf(f, "%s/sub%cconf%c-%c", repo, 0, 0, 0);
	/* A missing host path is skipped, not fatal. */
	fprintf(f, "%s/nope%cnope%c-%c", repo, 0, 0, 0);
	fclose(f);
	assert_int_equal(sync_apply(stage, list), 0);
	snprintf(p, sizeof(p), "%s/root/bin/tool", stage);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0750);
	snprintf(p, sizeof(p), "%s/root/conf/data.txt", stage);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	snprintf(p, sizeof(p), "%s/root/nope", stage);
	assert_int_equal(lstat(p, &st), -1);

	/* A bad entry fails the whole list. */
	assert_non_null(f = fopen(list, "w"));
	fprintf(f, "relative%cx%c-%c", 0, 0, 0);
	fclose(f);
	assert_int_equal(sync_apply(stage, list), -1);
	assert_non_null(f = fopen(list, "w"));
	fprintf(f, "%s/run.sh%c../escape%c-%c", repo, 0, 0, 0);
	fclose(f);
	assert_int_equal(sync_apply(stage, list), -1);
}

/* Inodes in use whose owner is not 0:0. */
static int
count_not_root(const char *img)
{
	ext2_filsys		 fs;
	ext2_inode_scan		 scan;
	ext2_ino_t		 ino;
	struct ext2_inode	 inode;
	int			 n = 0;

	assert_int_equal(ext2fs_open(img, EXT2_FLAG_64BITS, 0, 0,
	    unix_io_manager, &fs), 0);
	assert_int_equal(ext2fs_open_inode_scan(fs, 0, &scan), 0);
	while (ext2fs_get_next_inode(scan, &ino, &inode) == 0 && ino != 0)
		if (inode.i_links_count > 0 && (inode_uid(inode) != 0 ||
		    inode_gid(inode) != 0))
			n++;
	ext2fs_close_inode_scan(scan);
	ext2fs_close_free(&fs);
	return n;
}

static void
test_chown_root(void **state)
{
	char	 stage[128], img[128], cmd[512], err[256];
	int	 fd;

	(void)state;
	snprintf(stage, sizeof(stage), "%s/own", top);
	snprintf(img, sizeof(img), "%s/own.ext4", top);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/a/b && echo x > %s/a/b/f && "
	    "ln -s f %s/a/b/l", stage, stage, stage);
	assert_int_equal(system(cmd), 0);
	/* As root, give the stage an owner to take away. */
	if (geteuid() == 0) {
		snprintf(cmd, sizeof(cmd), "chown -hR 4321:4321 %s", stage);
		assert_int_equal(system(cmd), 0);
	}
	assert_true((fd = open(img, O_WRONLY | O_CREAT, 0600)) != -1);
	assert_int_equal(ftruncate(fd, 64 << 20), 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "mkfs.ext4 -q -F -d %s %s", stage, img);
	assert_int_equal(system(cmd), 0);
	assert_true(count_not_root(img) >= 4);
	assert_int_equal(ext4_chown_root(img, err, sizeof(err)), 0);
	assert_int_equal(count_not_root(img), 0);
	/* The file system is still consistent. */
	snprintf(cmd, sizeof(cmd), "e2fsck -fn %s >/dev/null 2>&1", img);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(ext4_chown_root("/nonexistent.img", err,
	    sizeof(err)), -1);
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
	struct stat	 st;

	put(name, "was a file\n", 0644);
	swap_to = to;
	swap_name = name;
	alarm(60);
	assert_int_equal(ws_copy_one(rfd, dfd, name, err, sizeof(err)), -1);
	alarm(0);
	assert_null(swap_name);		/* the swap happened */
	assert_non_null(strstr(err, name));
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, "refused"));
	/* Nothing was written for it. */
	snprintf(p, sizeof(p), "%s/%s", dst, name);
	assert_int_equal(lstat(p, &st), -1);
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
	assert_int_equal(ws_copy_one(rfd, dfd, "listed-fifo", err,
	    sizeof(err)), 0);
	assert_non_null(strstr(err, "not a file"));
	fd = ws_open_file(rfd, "listed-fifo", 1, &st, err, sizeof(err));
	alarm(0);
	assert_int_equal(fd, -1);
	assert_non_null(strstr(err, "a FIFO"));
}

/* A file is copied up to the size it had when opened. */
static void
test_copy_bounded(void **state)
{
	char		 err[512];
	struct stat	 st;
	int		 in, out[2];
	char		 buf[64];
	ssize_t		 n;

	(void)state;
	put("grows.txt", "0123456789", 0644);
	in = ws_open_file(rfd, "grows.txt", 0, &st, err, sizeof(err));
	assert_true(in != -1);
	assert_int_equal(st.st_size, 10);
	/* It grows after the open. */
	put("grows.txt", "0123456789abcdefghij", 0644);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(ws_copy_data(in, out[1], st.st_size), 0);
	close(out[1]);
	n = read(out[0], buf, sizeof(buf));
	assert_int_equal(n, 10);
	close(out[0]);
	close(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_ok),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_refuse),
		cmocka_unit_test(test_sync),
		cmocka_unit_test(test_chown_root),
		cmocka_unit_test(test_swap_fifo),
		cmocka_unit_test(test_swap_link_to_device),
		cmocka_unit_test(test_swap_device),
		cmocka_unit_test(test_fifo_listed),
		cmocka_unit_test(test_copy_bounded),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
