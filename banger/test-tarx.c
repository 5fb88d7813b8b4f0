/*
 * tarx.c against crafted tar streams: each hostile one is refused with
 * the entry named, and nothing appears outside the extraction root; and
 * what tarpack.c packs comes back as it was.
 */
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>

#include "tarpack.h"
#include "tarx.h"

struct ent {
	const char	*name;
	mode_t		 type;		/* AE_IF* */
	mode_t		 perm;
	const char	*data;		/* regular files */
	const char	*link;		/* symlink target */
	const char	*hardlink;
	int64_t		 size;		/* -1: strlen(data) */
};

static char	 base[64];	/* holds root/ and nothing else */
static char	 root[128];
static char	 tar[1 << 20];
static size_t	 tarlen;
static char	 err[1024];

static void
mk(const struct ent *es, size_t n)
{
	struct archive		*a = archive_write_new();
	struct archive_entry	*e;
	size_t			 i, len;

	assert_non_null(a);
	assert_int_equal(archive_write_set_format_pax_restricted(a), 0);
	assert_int_equal(archive_write_open_memory(a, tar, sizeof(tar),
	    &tarlen), 0);
	for (i = 0; i < n; i++) {
		e = archive_entry_new();
		archive_entry_set_pathname(e, es[i].name);
		archive_entry_set_filetype(e, es[i].type);
		archive_entry_set_perm(e, es[i].perm);
		len = es[i].data != NULL ? strlen(es[i].data) : 0;
		archive_entry_set_size(e, es[i].size >= 0 ? es[i].size :
		    (int64_t)len);
		if (es[i].link != NULL)
			archive_entry_set_symlink(e, es[i].link);
		if (es[i].hardlink != NULL) {
			archive_entry_set_hardlink(e, es[i].hardlink);
			archive_entry_set_size(e, 0);
		}
		if (es[i].type == AE_IFCHR)
			archive_entry_set_rdev(e, makedev(1, 3));
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (len > 0)
			assert_int_equal(archive_write_data(a, es[i].data,
			    len), (ssize_t)len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

/* Extract tar[0..len) beneath root; tarx_extract()'s result. */
static int
run_len(size_t len, uint64_t max, const char *top)
{
	struct tarx_opts	 o = {
		.max_bytes = max, .max_entries = 100, .top = top };
	int			 fd, dfd, rc;

	fd = memfd_create("tar", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, tar, len), (ssize_t)len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	err[0] = '\0';
	rc = tarx_extract(dfd, fd, &o, err, sizeof(err));
	close(dfd);
	close(fd);
	return rc;
}

static int
run(uint64_t max, const char *top)
{
	return run_len(tarlen, max, top);
}

/* base holds root and nothing else. */
static void
nothing_escaped(void)
{
	struct dirent	*de;
	DIR		*d = opendir(base);
	int		 n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		assert_string_equal(de->d_name, "root");
		n++;
	}
	closedir(d);
	assert_int_equal(n, 1);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/test-tarx-XXXXXX");
	if (mkdtemp(base) == NULL)
		return -1;
	snprintf(root, sizeof(root), "%s/root", base);
	return mkdir(root, 0700);
}

static int
teardown(void **state)
{
	int	 fd = open(base, O_RDONLY | O_DIRECTORY);

	(void)state;
	assert_int_equal(tarx_remove(fd, "root"), 0);
	close(fd);
	return rmdir(base);
}

static const char *
at(const char *rel)
{
	static char	 p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return p;
}

static void
test_tree(void **state)
{
	static const struct ent es[] = {
		{ "./t/", AE_IFDIR, 0755, NULL, NULL, NULL, -1 },
		{ "t/sub/deeper/f", AE_IFREG, 0640, "hello", NULL, NULL, -1 },
		{ "t/empty", AE_IFREG, 0644, NULL, NULL, NULL, -1 },
		{ "t/run.sh", AE_IFREG, 0755, "#!/bin/sh\n", NULL, NULL, -1 },
		{ "t/link", AE_IFLNK, 0777, NULL, "/etc/passwd", NULL, -1 },
		{ "t/hard", AE_IFREG, 0644, NULL, NULL, "t/run.sh", -1 },
		{ "t/sticky", AE_IFDIR, 01777, NULL, NULL, NULL, -1 },
		{ "t/locked", AE_IFDIR, 0, NULL, NULL, NULL, -1 },
		{ "t/locked/x", AE_IFREG, 0600, "x", NULL, NULL, -1 },
		{ "t/ww", AE_IFREG, 0666, "x", NULL, NULL, -1 },
	};
	struct stat	 st;
	char		 buf[64];
	ssize_t		 n;
	int		 fd;

	(void)state;
	mk(es, sizeof(es) / sizeof(es[0]));
	assert_int_equal(run(1 << 20, "t"), 0);
	fd = open(at("t/sub/deeper/f"), O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 5);
	close(fd);
	assert_int_equal(stat(at("t/sub/deeper/f"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(stat(at("t/empty"), &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(stat(at("t/run.sh"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	n = readlink(at("t/link"), buf, sizeof(buf) - 1);
	assert_int_equal(n, 11);
	buf[n] = '\0';
	assert_string_equal(buf, "/etc/passwd");
	/* A hard link became a copy. */
	assert_int_equal(lstat(at("t/hard"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_nlink, 1);
	assert_int_equal(st.st_size, 10);
	/* The umask (022) applies; no sticky bit; an owner keeps rwx. */
	assert_int_equal(stat(at("t/ww"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(stat(at("t/sticky"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(stat(at("t/locked"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	nothing_escaped();
}

/* A stricter umask: the owner's bits alone, a directory's rwx kept. */
static void
test_umask(void **state)
{
	static const struct ent es[] = {
		{ "t/sub/x.sh", AE_IFREG, 0775, "x", NULL, NULL, -1 },
		{ "t/ro", AE_IFDIR, 0555, NULL, NULL, NULL, -1 },
		{ "t/pub", AE_IFDIR, 0777, NULL, NULL, NULL, -1 },
	};
	struct stat	 st;

	(void)state;
	mk(es, sizeof(es) / sizeof(es[0]));
	umask(077);
	assert_int_equal(run(1 << 20, "t"), 0);
	umask(022);
	assert_int_equal(stat(at("t/sub/x.sh"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(at("t/sub"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(at("t/ro"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(at("t/pub"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	nothing_escaped();
}

/* One hostile entry after a good one: refused, naming it. */
static void
refused(const struct ent *bad, uint64_t max, const char *top,
    const char *why)
{
	struct ent	 es[2] = {
		{ "t/ok", AE_IFREG, 0644, "ok", NULL, NULL, -1 },
	};

	es[1] = *bad;
	mk(es, 2);
	assert_int_equal(run(max, top), TARX_REFUSED);
	if (strstr(err, why) == NULL)
		fail_msg("'%s' does not say '%s'", err, why);
	nothing_escaped();
}

static void
test_dotdot(void **state)
{
	const struct ent e = { "t/../../escape", AE_IFREG, 0644, "x", NULL,
	    NULL, -1 };

	(void)state;
	refused(&e, 1 << 20, NULL, "'..'");
	assert_true(strstr(err, "escape") != NULL);
}

static void
test_absolute(void **state)
{
	char		 name[64];
	struct ent	 e = { name, AE_IFREG, 0644, "x", NULL, NULL, -1 };

	(void)state;
	snprintf(name, sizeof(name), "%s/abs", base);
	refused(&e, 1 << 20, NULL, "absolute");
}

static void
test_symlink_through(void **state)
{
	struct ent	 es[3] = {
		{ "t/l", AE_IFLNK, 0777, NULL, base, NULL, -1 },
		{ "t/l/escaped", AE_IFREG, 0644, "x", NULL, NULL, -1 },
		{ "t/root", AE_IFLNK, 0777, NULL, "/", NULL, -1 },
	};

	(void)state;
	mk(es, 2);
	assert_int_equal(run(1 << 20, NULL), TARX_REFUSED);
	assert_non_null(strstr(err, "t/l/escaped"));
	assert_non_null(strstr(err, "symlink"));
	nothing_escaped();
	/* And through a link to /. */
	assert_int_equal(tarx_remove(AT_FDCWD, root), 0);
	assert_int_equal(mkdir(root, 0700), 0);
	es[1] = es[2];
	es[0].name = "t/x";
	es[0].type = AE_IFDIR;
	es[0].link = NULL;
	es[2].name = "t/root/tmp/escaped-through-root";
	es[2].type = AE_IFREG;
	es[2].link = NULL;
	es[2].data = "x";
	mk(es, 3);
	assert_int_equal(run(1 << 20, NULL), TARX_REFUSED);
	assert_int_equal(access("/tmp/escaped-through-root", F_OK), -1);
	nothing_escaped();
}

static void
test_fifo(void **state)
{
	const struct ent e = { "t/fifo", AE_IFIFO, 0644, NULL, NULL, NULL, 0 };

	(void)state;
	refused(&e, 1 << 20, NULL, "a FIFO");
	assert_int_equal(access(at("t/fifo"), F_OK), -1);
}

static void
test_chardev(void **state)
{
	const struct ent e = { "t/null", AE_IFCHR, 0666, NULL, NULL, NULL, 0 };

	(void)state;
	refused(&e, 1 << 20, NULL, "a character device");
	assert_int_equal(access(at("t/null"), F_OK), -1);
}

static void
test_setuid(void **state)
{
	const struct ent e = { "t/su", AE_IFREG, 04755, "x", NULL, NULL, -1 };
	const struct ent g = { "t/sg", AE_IFREG, 02755, "x", NULL, NULL, -1 };

	(void)state;
	refused(&e, 1 << 20, NULL, "setuid");
	assert_int_equal(access(at("t/su"), F_OK), -1);
	assert_int_equal(tarx_remove(AT_FDCWD, root), 0);
	assert_int_equal(mkdir(root, 0700), 0);
	refused(&g, 1 << 20, NULL, "setgid");
}

static void
test_oversize(void **state)
{
	const struct ent e = { "t/big", AE_IFREG, 0644, "0123456789", NULL,
	    NULL, -1 };

	(void)state;
	/* "t" and "ok" (2 bytes) fit, the next 10 do not. */
	refused(&e, 3 * TARX_INODE_COST + 2 + 9, NULL, "--max-size");
	assert_int_equal(access(at("t/big"), F_OK), -1);
}

/* Directories made on the way count as entries. */
static void
test_made_dirs(void **state)
{
	static char	 name[512];
	struct ent	 e = { name, AE_IFREG, 0644, "x", NULL, NULL, -1 };
	size_t		 i, off;

	(void)state;
	off = (size_t)snprintf(name, sizeof(name), "t");
	for (i = 0; i < 150; i++)
		off += (size_t)snprintf(name + off, sizeof(name) - off, "/d");
	snprintf(name + off, sizeof(name) - off, "/f");
	refused(&e, 1 << 20, NULL, "more than 100 entries");
	assert_non_null(strstr(err, "made on the way"));
}

/* Directories and symlinks cost against --max-size too. */
static void
test_inode_cost(void **state)
{
	static const struct ent es[] = {
		{ "t", AE_IFDIR, 0755, NULL, NULL, NULL, -1 },
		{ "t/a", AE_IFDIR, 0755, NULL, NULL, NULL, -1 },
		{ "t/a", AE_IFDIR, 0755, NULL, NULL, NULL, -1 },
		{ "t/l", AE_IFLNK, 0777, NULL, "12345", NULL, -1 },
	};

	(void)state;
	mk(es, sizeof(es) / sizeof(es[0]));
	assert_int_equal(run(1, NULL), TARX_REFUSED);
	assert_non_null(strstr(err, "--max-size"));
	assert_int_equal(tarx_remove(AT_FDCWD, root), 0);
	assert_int_equal(mkdir(root, 0700), 0);
	/* The repeated directory is free; the link's target is not. */
	assert_int_equal(run(3 * TARX_INODE_COST + 4, NULL), TARX_REFUSED);
	assert_non_null(strstr(err, "'t/l'"));
	assert_int_equal(tarx_remove(AT_FDCWD, root), 0);
	assert_int_equal(mkdir(root, 0700), 0);
	assert_int_equal(run(3 * TARX_INODE_COST + 5, NULL), 0);
	nothing_escaped();
}

static void
test_outside_top(void **state)
{
	const struct ent e = { "other/x", AE_IFREG, 0644, "x", NULL, NULL,
	    -1 };

	(void)state;
	refused(&e, 1 << 20, "t", "outside 't'");
}

static void
test_duplicate(void **state)
{
	const struct ent e = { "t/ok", AE_IFREG, 0644, "again", NULL, NULL,
	    -1 };

	(void)state;
	refused(&e, 1 << 20, NULL, "duplicate");
}

static void
test_hardlink_out(void **state)
{
	const struct ent e = { "t/h", AE_IFREG, 0644, NULL, NULL, "../x",
	    -1 };
	const struct ent f = { "t/h", AE_IFREG, 0644, NULL, NULL, "/etc/passwd",
	    -1 };

	(void)state;
	refused(&e, 1 << 20, NULL, "'..'");
	assert_int_equal(tarx_remove(AT_FDCWD, root), 0);
	assert_int_equal(mkdir(root, 0700), 0);
	refused(&f, 1 << 20, NULL, "absolute");
}

static void
test_truncated(void **state)
{
	static char	 big[8192];
	const struct ent es[] = {
		{ "t/big", AE_IFREG, 0644, big, NULL, NULL, -1 },
	};

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	mk(es, 1);
	assert_int_equal(run_len(512 + 1000, 1 << 20, NULL), TARX_STREAM);
	assert_non_null(strstr(err, "truncated"));
	/* A header cut short. */
	assert_int_equal(run_len(100, 1 << 20, NULL), TARX_STREAM);
	nothing_escaped();
}

static void
test_empty(void **state)
{
	(void)state;
	assert_int_equal(run_len(0, 1 << 20, NULL), TARX_STREAM);
	memset(tar, 0, 1024);
	assert_int_equal(run_len(1024, 1 << 20, NULL), TARX_STREAM);
	assert_non_null(strstr(err, "no files"));
	nothing_escaped();
}

/* The removal walk removes links, never what they point at. */
static void
test_remove(void **state)
{
	char		 keep[PATH_MAX];
	struct ent	 es[] = {
		{ "t/l", AE_IFLNK, 0777, NULL, base, NULL, -1 },
	};
	int		 fd;

	(void)state;
	snprintf(keep, sizeof(keep), "%s/keep", base);
	assert_true((fd = open(keep, O_CREAT | O_WRONLY, 0600)) >= 0);
	close(fd);
	mk(es, 1);
	assert_int_equal(run(1 << 20, NULL), 0);
	assert_int_equal(tarx_remove(AT_FDCWD, root), 0);
	assert_int_equal(access(keep, F_OK), 0);
	assert_int_equal(unlink(keep), 0);
	assert_int_equal(mkdir(root, 0700), 0);
}

/* What tarpack.c packs, tarx.c takes back as it was. */
static void
test_roundtrip(void **state)
{
	char		 src[64], p[PATH_MAX], perr[256], buf[16];
	struct tarpack	 tp;
	struct stat	 st;
	int		 fd, mfd, dfd;
	ssize_t		 n;

	(void)state;
	snprintf(src, sizeof(src), "/tmp/test-tarpack-XXXXXX");
	assert_non_null(mkdtemp(src));
	snprintf(p, sizeof(p), "%s/d", src);
	assert_int_equal(mkdir(p, 0750), 0);
	snprintf(p, sizeof(p), "%s/d/x.sh", src);
	assert_true((fd = open(p, O_CREAT | O_WRONLY, 0755)) >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	assert_int_equal(chmod(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/empty", src);
	assert_true((fd = open(p, O_CREAT | O_WRONLY, 0600)) >= 0);
	close(fd);
	snprintf(p, sizeof(p), "%s/l", src);
	assert_int_equal(symlink("d/x.sh", p), 0);
	/* Skipped with a warning. */
	snprintf(p, sizeof(p), "%s/fifo", src);
	assert_int_equal(mkfifo(p, 0600), 0);

	mfd = memfd_create("tar", MFD_CLOEXEC);
	assert_true(mfd >= 0);
	assert_int_equal(tarpack_open(&tp, mfd, perr, sizeof(perr)), 0);
	assert_int_equal(tarpack_add(&tp, AT_FDCWD, src, "t", 1), 0);
	assert_int_equal(tarpack_close(&tp), 0);
	assert_int_equal(tp.bytes, 10);
	tarlen = (size_t)lseek(mfd, 0, SEEK_CUR);
	assert_int_equal(pread(mfd, tar, tarlen, 0), (ssize_t)tarlen);
	close(mfd);
	assert_int_equal(run(1 << 20, "t"), 0);

	assert_int_equal(stat(at("t/d"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(stat(at("t/d/x.sh"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(st.st_size, 10);
	assert_int_equal(stat(at("t/empty"), &st), 0);
	assert_int_equal(st.st_size, 0);
	n = readlink(at("t/l"), buf, sizeof(buf) - 1);
	assert_int_equal(n, 6);
	buf[n] = '\0';
	assert_string_equal(buf, "d/x.sh");
	assert_int_equal(lstat(at("t/fifo"), &st), -1);
	nothing_escaped();

	dfd = open("/tmp", O_RDONLY | O_DIRECTORY);
	assert_int_equal(tarx_remove(dfd, src + 5), 0);
	close(dfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_umask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dotdot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absolute, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_symlink_through, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chardev, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setuid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_made_dirs, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_inode_cost, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_outside_top, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_duplicate, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hardlink_out, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip, setup,
		    teardown),
	};

	/* What test_tree and test_roundtrip expect. */
	umask(022);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
