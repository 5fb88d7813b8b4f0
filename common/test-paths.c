/*
 * Unit tests: the run directory check that keeps the CLI from talking to
 * a socket another user planted (paths_check_private).
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "paths.h"

struct world {
	char	tmp[64];
	char	dir[128];
};

static int
setup(void **state)
{
	struct world	*w = calloc(1, sizeof(*w));

	if (w == NULL)
		return -1;
	snprintf(w->tmp, sizeof(w->tmp), "/tmp/test-paths.XXXXXX");
	if (mkdtemp(w->tmp) == NULL)
		return -1;
	snprintf(w->dir, sizeof(w->dir), "%s/banger-run", w->tmp);
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct world	*w = *state;
	char		 cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w->tmp);
	(void)!system(cmd);
	free(w);
	return 0;
}

static void
test_absent(void **state)
{
	struct world	*w = *state;
	char		 err[512] = "";

	assert_int_equal(paths_check_private(w->dir, getuid(), err,
	    sizeof(err)), PATHS_ABSENT);
}

static void
test_private_ok(void **state)
{
	struct world	*w = *state;
	char		 err[512] = "";

	assert_int_equal(mkdir(w->dir, 0700), 0);
	assert_int_equal(chmod(w->dir, 0700), 0);
	assert_int_equal(paths_check_private(w->dir, getuid(), err,
	    sizeof(err)), 0);
}

static void
test_loose_mode(void **state)
{
	struct world	*w = *state;
	char		 err[512] = "";

	assert_int_equal(mkdir(w->dir, 0700), 0);
	assert_int_equal(chmod(w->dir, 0777 | S_ISVTX), 0);
	assert_int_equal(paths_check_private(w->dir, getuid(), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "chmod 700"));
	assert_int_equal(chmod(w->dir, 0750), 0);
	assert_int_equal(paths_check_private(w->dir, getuid(), err,
	    sizeof(err)), -1);
}

static void
test_symlink(void **state)
{
	struct world	*w = *state;
	char		 target[160], err[512] = "";

	/* A link to a directory that would pass is still refused. */
	snprintf(target, sizeof(target), "%s/real", w->tmp);
	assert_int_equal(mkdir(target, 0700), 0);
	assert_int_equal(symlink(target, w->dir), 0);
	assert_int_equal(paths_check_private(w->dir, getuid(), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "symbolic link"));
	/* bangerd's mkdir refuses it too. */
	assert_int_equal(paths_mkdir_private(w->dir, err, sizeof(err)), -1);
}

static void
test_not_dir(void **state)
{
	struct world	*w = *state;
	char		 err[512] = "";
	FILE		*f;

	assert_non_null(f = fopen(w->dir, "w"));
	fclose(f);
	assert_int_equal(paths_check_private(w->dir, getuid(), err,
	    sizeof(err)), -1);
}

static void
test_other_owner(void **state)
{
	struct world	*w = *state;
	char		 err[512] = "";

	assert_int_equal(mkdir(w->dir, 0700), 0);
	assert_int_equal(chmod(w->dir, 0700), 0);
	/* Checked against a uid that does not own it: needs no root. */
	assert_int_equal(paths_check_private(w->dir, getuid() + 1, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "not by you"));
	if (geteuid() != 0) {
		fprintf(stderr, "test_other_owner: not root, chown to "
		    "another uid skipped\n");
		skip();
	}
	/* Really owned by someone else, as another user would leave it. */
	assert_int_equal(chown(w->dir, 65534, 65534), 0);
	assert_int_equal(paths_check_private(w->dir, getuid(), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "owned by uid 65534"));
	assert_int_equal(paths_check_private(w->dir, 65534, err,
	    sizeof(err)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_absent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_private_ok, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_loose_mode, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_owner, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
