/* initrd-has.c: the search for a kernel parameter in an initramfs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "initrd-has.h"

static char	 dir[] = "/tmp/test-initrd-has.XXXXXX";

static void
put(const char *name, const char *data, size_t len, size_t at, size_t total)
{
	char	 p[256];
	FILE	*f;
	char	*b;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_non_null(f = fopen(p, "w"));
	assert_non_null(b = calloc(1, total));
	memcpy(b + at, data, len);
	assert_int_equal(fwrite(b, 1, total, f), total);
	fclose(f);
	free(b);
}

static int
has(const char *name, const char *word)
{
	char	 p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return initrd_has(p, word);
}

static void
test_found(void **state)
{
	(void)state;
	put("small", "x banger.work=wait y", 20, 0, 20);
	assert_int_equal(has("small", "banger.work=wait"), 1);
	assert_int_equal(has("small", "banger.work=nope"), 0);
	/* At the very end of a file of several reads. */
	put("end", "banger.work=wait", 16, 3 * 1024 * 1024 - 16,
	    3 * 1024 * 1024);
	assert_int_equal(has("end", "banger.work=wait"), 1);
}

/* Split across the first read's end: found through the carried bytes. */
static void
test_split(void **state)
{
	size_t	 at;

	(void)state;
	for (at = 1024 * 1024 - 15; at <= 1024 * 1024; at++) {
		put("split", "banger.work=wait", 16, at, 2 * 1024 * 1024);
		assert_int_equal(has("split", "banger.work=wait"), 1);
	}
	put("none", "banger.work=wai", 15, 1024 * 1024 - 8, 2 * 1024 * 1024);
	assert_int_equal(has("none", "banger.work=wait"), 0);
}

/* An answer is kept for the same file only: a changed file is read. */
static void
test_changed(void **state)
{
	(void)state;
	put("changing", "banger.work=wait", 16, 100, 4096);
	assert_int_equal(has("changing", "banger.work=wait"), 1);
	assert_int_equal(has("changing", "banger.work=wait"), 1);
	put("changing", "banger.work=wai", 15, 100, 8192);
	assert_int_equal(has("changing", "banger.work=wait"), 0);
	put("changing", "banger.work=wait", 16, 5000, 12288);
	assert_int_equal(has("changing", "banger.work=wait"), 1);
}

static void
test_refused(void **state)
{
	char	 p[256], t[256];

	(void)state;
	put("real", "banger.work=wait", 16, 0, 16);
	snprintf(t, sizeof(t), "%s/real", dir);
	snprintf(p, sizeof(p), "%s/link", dir);
	assert_int_equal(symlink(t, p), 0);
	assert_int_equal(has("link", "banger.work=wait"), 0);
	assert_int_equal(has("missing", "banger.work=wait"), 0);
	assert_int_equal(initrd_has(dir, "banger.work=wait"), 0);
	assert_int_equal(has("real", ""), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_found),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_changed),
		cmocka_unit_test(test_refused),
	};
	char	 cmd[300];
	int	 rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
