/*
 * Unit tests: seed_copy() (seed.c) copies a seed tree over /root as
 * cp -a did: files, links and directories with their modes and times,
 * merged into what is there, never written through a link; anything
 * else, or too deep a tree, fails.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "seed.h"

struct world {
	char	top[64];
	char	src[96];
	char	dst[96];
};

static void __attribute__((format(printf, 2, 3)))
put(const char *text, const char *fmt, ...)
{
	char	 p[PATH_MAX];
	va_list	 ap;
	FILE	*f;

	va_start(ap, fmt);
	vsnprintf(p, sizeof(p), fmt, ap);
	va_end(ap);
	assert_non_null(f = fopen(p, "w"));
	fputs(text, f);
	fclose(f);
}

static char *
get(char *buf, size_t len, const char *dir, const char *name)
{
	char	 p[PATH_MAX];
	FILE	*f;
	size_t	 n;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_non_null(f = fopen(p, "r"));
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int
copy(struct world *w)
{
	int	 s, t;

	assert_int_not_equal(s = open(w->src, O_RDONLY | O_DIRECTORY), -1);
	assert_int_not_equal(t = open(w->dst, O_RDONLY | O_DIRECTORY), -1);
	return seed_copy(s, t, 0);
}

static int
setup(void **state)
{
	struct world	*w = calloc(1, sizeof(*w));

	if (w == NULL)
		return -1;
	snprintf(w->top, sizeof(w->top), "/tmp/test-seed.XXXXXX");
	if (mkdtemp(w->top) == NULL)
		return -1;
	snprintf(w->src, sizeof(w->src), "%s/src", w->top);
	snprintf(w->dst, sizeof(w->dst), "%s/dst", w->top);
	if (mkdir(w->src, 0700) == -1 || mkdir(w->dst, 0700) == -1)
		return -1;
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct world	*w = *state;
	char		 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w->top);
	if (system(cmd) != 0)
		return -1;
	free(w);
	return 0;
}

static void
test_tree(void **state)
{
	struct world	*w = *state;
	struct timespec	 ts[2] = { { 1000000000, 0 }, { 1234567890, 5000 } };
	struct stat	 st;
	char		 p[PATH_MAX], b[64];

	/* The seed: a workspace with a file, a link, a subdirectory. */
	snprintf(p, sizeof(p), "%s/proj", w->src);
	assert_int_equal(mkdir(p, 0750), 0);
	snprintf(p, sizeof(p), "%s/proj/sub", w->src);
	assert_int_equal(mkdir(p, 0755), 0);
	put("hello\n", "%s/proj/a.txt", w->src);
	snprintf(p, sizeof(p), "%s/proj/a.txt", w->src);
	assert_int_equal(chmod(p, 0640), 0);
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	put("deep\n", "%s/proj/sub/f", w->src);
	snprintf(p, sizeof(p), "%s/proj/l", w->src);
	assert_int_equal(symlink("sub/f", p), 0);
	put("new\n", "%s/.profile", w->src);
	/* /root as the template left it: a file to keep, one to replace. */
	put("old\n", "%s/.profile", w->dst);
	put("kept\n", "%s/.bashrc", w->dst);

	assert_int_equal(copy(w), 0);
	assert_string_equal(get(b, sizeof(b), w->dst, "proj/a.txt"),
	    "hello\n");
	assert_string_equal(get(b, sizeof(b), w->dst, "proj/sub/f"), "deep\n");
	assert_string_equal(get(b, sizeof(b), w->dst, "proj/l"), "deep\n");
	assert_string_equal(get(b, sizeof(b), w->dst, ".profile"), "new\n");
	assert_string_equal(get(b, sizeof(b), w->dst, ".bashrc"), "kept\n");
	snprintf(p, sizeof(p), "%s/proj/a.txt", w->dst);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_mtim.tv_sec, 1234567890);
	snprintf(p, sizeof(p), "%s/proj", w->dst);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	snprintf(p, sizeof(p), "%s/proj/l", w->dst);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
}

/* A link in /root where the seed has a file is replaced, not followed. */
static void
test_not_through_links(void **state)
{
	struct world	*w = *state;
	struct stat	 st;
	char		 p[PATH_MAX], v[PATH_MAX], b[64];

	snprintf(v, sizeof(v), "%s/victim", w->top);
	put("untouched\n", "%s", v);
	put("mine\n", "%s/.ssh", w->src);
	snprintf(p, sizeof(p), "%s/.ssh", w->dst);
	assert_int_equal(symlink(v, p), 0);
	/* And a file where the seed has a directory. */
	snprintf(p, sizeof(p), "%s/d", w->src);
	assert_int_equal(mkdir(p, 0700), 0);
	put("in-d\n", "%s/d/x", w->src);
	put("a file\n", "%s/d", w->dst);

	assert_int_equal(copy(w), 0);
	assert_string_equal(get(b, sizeof(b), w->top, "victim"),
	    "untouched\n");
	snprintf(p, sizeof(p), "%s/.ssh", w->dst);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_string_equal(get(b, sizeof(b), w->dst, ".ssh"), "mine\n");
	assert_string_equal(get(b, sizeof(b), w->dst, "d/x"), "in-d\n");
}

static void
test_fifo_fails(void **state)
{
	struct world	*w = *state;
	char		 p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/pipe", w->src);
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(copy(w), -1);
}

static void
test_too_deep_fails(void **state)
{
	struct world	*w = *state;
	char		 p[PATH_MAX];
	size_t		 n;
	int		 i;

	n = (size_t)snprintf(p, sizeof(p), "%s", w->src);
	for (i = 0; i <= SEED_DEPTH_MAX; i++) {
		n += (size_t)snprintf(p + n, sizeof(p) - n, "/d");
		assert_int_equal(mkdir(p, 0700), 0);
	}
	assert_int_equal(copy(w), -1);
	/* One level less is copied. */
	assert_int_equal(rmdir(p), 0);
	assert_int_equal(copy(w), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_through_links, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fifo_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_too_deep_fails, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
