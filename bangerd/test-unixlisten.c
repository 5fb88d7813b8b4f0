/*
 * Unit tests: the launcher's unix:PATH listener (unixlisten.c).  The
 * socket file is 0600 and ours; a file, a link or a live socket at PATH
 * is refused and left as it was; a stale socket of ours is replaced,
 * another user's is not; a missing directory and a path not in normal form are refused.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

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

#include "bangerd.h"

static char	 dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test-unixlisten.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int
teardown(void **state)
{
	char	 cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static int
dial(const char *path)
{
	struct sockaddr_un	 sun;
	int			 s;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(s);
		return -1;
	}
	return s;
}

static void
test_made_0600(void **state)
{
	struct stat	 st;
	char		 path[128];
	mode_t		 old;
	int		 fd, c;

	(void)state;
	snprintf(path, sizeof(path), "%s/web.sock", dir);
	/* Whatever our umask, the file never is wider than 0600. */
	old = umask(0);
	fd = unix_listen_make(path);
	assert_int_equal(umask(old), 0);
	assert_true(fd >= 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, getuid());
	c = dial(path);
	assert_true(c >= 0);
	close(c);
	/* Something listens now: a second is refused, the first stays. */
	assert_int_equal(unix_listen_make(path), -1);
	assert_int_equal(errno, EADDRINUSE);
	c = dial(path);
	assert_true(c >= 0);
	close(c);
	/* Closed, the file is stale: ours, and replaced. */
	close(fd);
	fd = unix_listen_make(path);
	assert_true(fd >= 0);
	c = dial(path);
	assert_true(c >= 0);
	close(c);
	close(fd);
	unlink(path);
}

static void
test_not_a_socket(void **state)
{
	struct stat	 st;
	char		 path[128], link[128], buf[8];
	int		 f;

	(void)state;
	snprintf(path, sizeof(path), "%s/file", dir);
	f = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(f >= 0);
	assert_int_equal(write(f, "keep", 4), 4);
	close(f);
	assert_int_equal(unix_listen_make(path), -1);
	assert_int_equal(errno, ENOTSOCK);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	f = open(path, O_RDONLY);
	assert_int_equal(read(f, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "keep", 4);
	close(f);
	/* A link, even to nowhere, is not followed nor removed. */
	snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(symlink("/nonexistent/x", link), 0);
	assert_int_equal(unix_listen_make(link), -1);
	assert_int_equal(errno, ENOTSOCK);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	/* A directory. */
	assert_int_equal(unix_listen_make(dir), -1);
	assert_int_equal(errno, ENOTSOCK);
}

/* A stale socket that is not ours is left to its owner. */
static void
test_stale_other_user(void **state)
{
	struct stat	 st;
	char		 path[128];
	int		 fd;

	(void)state;
	if (getuid() != 0)
		skip();
	snprintf(path, sizeof(path), "%s/other.sock", dir);
	fd = unix_listen_make(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(lchown(path, 65534, 65534), 0);
	assert_int_equal(unix_listen_make(path), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_uid, 65534);
}

static void
test_refused_paths(void **state)
{
	struct stat	 st;
	char		 path[160], real[160], cwd[256], now[256];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	/*
	 * A symbolic link anywhere on the way (one another user could
	 * repoint between two steps) is refused, and nothing is made.
	 */
	snprintf(real, sizeof(real), "%s/real", dir);
	assert_int_equal(mkdir(real, 0700), 0);
	snprintf(path, sizeof(path), "%s/ln", dir);
	assert_int_equal(symlink(real, path), 0);
	snprintf(path, sizeof(path), "%s/ln/x.sock", dir);
	assert_int_equal(unix_listen_make(path), -1);
	assert_int_equal(errno, ELOOP);
	snprintf(path, sizeof(path), "%s/x.sock", real);
	assert_int_equal(lstat(path, &st), -1);
	/* The launcher's own directory is as it was. */
	assert_non_null(getcwd(now, sizeof(now)));
	assert_string_equal(now, cwd);
	snprintf(path, sizeof(path), "%s/no/such/dir.sock", dir);
	assert_int_equal(unix_listen_make(path), -1);
	assert_int_equal(errno, ENOENT);
	snprintf(path, sizeof(path), "%s//x.sock", dir);
	assert_int_equal(unix_listen_make(path), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(unix_listen_make("rel.sock"), -1);
	assert_int_equal(errno, EINVAL);
	snprintf(path, sizeof(path), "%s/../x.sock", dir);
	assert_int_equal(unix_listen_make(path), -1);
	assert_int_equal(errno, EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_made_0600),
		cmocka_unit_test(test_not_a_socket),
		cmocka_unit_test(test_stale_other_user),
		cmocka_unit_test(test_refused_paths),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
