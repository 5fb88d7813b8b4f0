/*
 * Reading a credential file from a home directory: what is read, what is
 * missing and what is refused (links out of home, other kinds of file,
 * files too large).
 */
#include <sys/stat.h>

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

#include <cmocka.h>

#include "cred.h"

static char	 home[PATH_MAX], out[PATH_MAX], err[512];

static void
put(const char *rel, const char *text, size_t len)
{
	char	 p[PATH_MAX * 2];
	int	 fd;

	snprintf(p, sizeof(p), "%s/%s", home, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static void
dir(const char *rel)
{
	char	 p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/%s", home, rel);
	assert_int_equal(mkdir(p, 0700), 0);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(home, sizeof(home), "/tmp/test-cred.XXXXXX");
	snprintf(out, sizeof(out), "/tmp/test-cred-out.XXXXXX");
	if (mkdtemp(home) == NULL || mkdtemp(out) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char	 cmd[PATH_MAX * 3];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", home, out);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_read(void **state)
{
	static const char	 text[] = "{\"k\":\"s\\u0000cret\"}\n\0tail";
	uint8_t			*buf;
	size_t			 len;
	uint64_t		 size;
	int			 fd, i = cred_index("claude");

	(void)state;
	assert_int_equal(cred_load(home, i, &buf, &len, err, sizeof(err)),
	    CRED_MISSING);
	assert_string_equal(err, "~/.claude/.credentials.json: no such file");
	assert_null(buf);
	dir(".claude");
	assert_int_equal(cred_load(home, i, &buf, &len, err, sizeof(err)),
	    CRED_MISSING);
	/* Every byte, a NUL included. */
	put(".claude/.credentials.json", text, sizeof(text));
	assert_int_equal(cred_load(home, i, &buf, &len, err, sizeof(err)),
	    CRED_OK);
	assert_int_equal(len, sizeof(text));
	assert_memory_equal(buf, text, sizeof(text));
	cred_free(buf, len);
	assert_int_equal(cred_open(home, i, &fd, &size, err, sizeof(err)),
	    CRED_OK);
	assert_int_equal(size, sizeof(text));
	close(fd);
	/* Empty is a file too. */
	put(".claude/.credentials.json", "", 0);
	assert_int_equal(cred_load(home, i, &buf, &len, err, sizeof(err)),
	    CRED_OK);
	assert_int_equal(len, 0);
	cred_free(buf, len);
}

static void
test_refused(void **state)
{
	char		 p[PATH_MAX * 2], t[PATH_MAX * 2], *big;
	uint8_t		*buf;
	size_t		 len;
	int		 i = cred_index("pi");

	(void)state;
	dir(".pi");
	dir(".pi/agent");
	snprintf(p, sizeof(p), "%s/.pi/agent/auth.json", home);

	/* A link out of home, absolute or relative. */
	snprintf(t, sizeof(t), "%s/secret", out);
	assert_int_equal(symlink(t, p), 0);
	put("other", "x", 1);
	assert_int_equal(cred_load(home, i, &buf, &len, err, sizeof(err)),
	    CRED_REFUSED);
	assert_string_equal(err, "~/.pi/agent/auth.json: a symbolic link on "
	    "the way leads out of the home directory");
	assert_null(buf);
	unlink(p);
	assert_int_equal(symlink("../../../../../../../etc/passwd", p), 0);
	assert_int_equal(cred_load(home, i, &buf, &len, err, sizeof(err)),
	    CRED_REFUSED);
	unlink(p);
	/* A link to a directory out of home, on the way. */
	assert_int_equal(rmdir(strcat(strcpy(t, home), "/.pi/agent")), 0);
	assert_int_equal(symlink(out, t), 0);
	snprintf(t, sizeof(t), "%s/auth.json", out);
	assert_int_equal(close(open(t, O_WRONLY | O_CREAT, 0600)), 0);
	assert_int_equal(cred_load(home, i, &buf, &len, err, sizeof(err)),
	    CRED_REFUSED);
	snprintf(t, sizeof(t), "%s/.pi/agent", home);
	assert_int_equal(unlink(t), 0);
	dir(".pi/agent");

	/* A link that stays in home is followed. */
	assert_int_equal(symlink("../../other", p), 0);
	assert_int_equal(cred_load(home, i, &buf, &len, err, sizeof(err)),
	    CRED_OK);
	assert_int_equal(len, 1);
	assert_memory_equal(buf, "x", 1);
	cred_free(buf, len);
	unlink(p);
	/* A dangling link in home: missing. */
	assert_int_equal(symlink("nothing", p), 0);
	assert_int_equal(cred_load(home, i, &buf, &len, err, sizeof(err)),
	    CRED_MISSING);
	unlink(p);

	/* Not a regular file. */
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(cred_load(home, i, &buf, &len, err, sizeof(err)),
	    CRED_REFUSED);
	assert_string_equal(err, "~/.pi/agent/auth.json: not a regular file");
	rmdir(p);
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(cred_load(home, i, &buf, &len, err, sizeof(err)),
	    CRED_REFUSED);
	assert_string_equal(err, "~/.pi/agent/auth.json: not a regular file");
	unlink(p);

	/* CRED_MAX bytes are read; one more are refused. */
	big = calloc(1, CRED_MAX + 1);
	assert_non_null(big);
	put(".pi/agent/auth.json", big, CRED_MAX);
	assert_int_equal(cred_load(home, i, &buf, &len, err, sizeof(err)),
	    CRED_OK);
	assert_int_equal(len, CRED_MAX);
	cred_free(buf, len);
	put(".pi/agent/auth.json", big, CRED_MAX + 1);
	assert_int_equal(cred_load(home, i, &buf, &len, err, sizeof(err)),
	    CRED_REFUSED);
	assert_string_equal(err, "~/.pi/agent/auth.json: larger than "
	    "1048576 bytes");
	free(big);

	/* A home that is not an absolute path. */
	assert_int_equal(cred_load("home", i, &buf, &len, err, sizeof(err)),
	    CRED_REFUSED);
	assert_int_equal(cred_load(NULL, i, &buf, &len, err, sizeof(err)),
	    CRED_REFUSED);
	assert_int_equal(cred_load(home, CRED_COUNT, &buf, &len, err,
	    sizeof(err)), CRED_REFUSED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
