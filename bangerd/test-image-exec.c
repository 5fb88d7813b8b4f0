/* image_exec_parse: the exec file banger-fetch writes, read strictly. */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "image-exec.h"

static int
parse(const char *text, struct image_exec *ie)
{
	char	 err[256];

	err[0] = '\0';
	if (image_exec_parse(text, strlen(text), ie, err, sizeof(err)) ==
	    -1) {
		assert_true(err[0] != '\0');
		return -1;
	}
	return 0;
}

static void
good(void **state)
{
	struct image_exec	 ie;

	(void)state;
	assert_int_equal(parse("workdir /app\nuser app:staff\n"
	    "env PATH=/usr/local/bin:/usr/bin\nenv LANG=C.UTF-8\n"
	    "env EMPTY=\nenv X=a=b c\n", &ie), 0);
	assert_true(ie.present);
	assert_string_equal(ie.workdir, "/app");
	assert_string_equal(ie.user, "app:staff");
	assert_int_equal(ie.nenv, 4);
	assert_string_equal(ie.env[0], "PATH=/usr/local/bin:/usr/bin");
	assert_string_equal(ie.env[3], "X=a=b c");
	assert_null(ie.env[4]);
	image_exec_free(&ie);

	assert_int_equal(parse("", &ie), 0);
	assert_true(ie.present);
	assert_int_equal(ie.nenv, 0);
	assert_null(ie.env);
	image_exec_free(&ie);
}

static void
bad(void **state)
{
	static const char *const texts[] = {
		"workdir relative\n",
		"workdir /a\nworkdir /b\n",
		"user a b\n",
		"user \n",
		"env =x\n",
		"env NOEQUALS\n",
		"env 1X=y\n",
		"env A-B=y\n",
		"env A=\x1b[2J\n",
		"env A=b",		/* no final newline */
		"shell /bin/sh\n",
		"workdir\n",
		"\n",
	};
	struct image_exec	 ie;
	size_t			 i;
	char			 err[64];

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		assert_int_equal(parse(texts[i], &ie), -1);
	/* A NUL inside is refused, not cut short. */
	assert_int_equal(image_exec_parse("env A=b\n\0env C=d\n", 17, &ie,
	    err, sizeof(err)), -1);
}

static void
bounded(void **state)
{
	struct image_exec	 ie;
	char			*text, *p;
	int			 i;

	(void)state;
	/* IMAGE_EXEC_ENV_MAX entries pass, one more does not. */
	p = text = calloc(IMAGE_EXEC_ENV_MAX + 1, 32);
	assert_non_null(text);
	for (i = 0; i < IMAGE_EXEC_ENV_MAX; i++)
		p += sprintf(p, "env V%d=%d\n", i, i);
	assert_int_equal(parse(text, &ie), 0);
	assert_int_equal(ie.nenv, IMAGE_EXEC_ENV_MAX);
	image_exec_free(&ie);
	sprintf(p, "env ONE=more\n");
	assert_int_equal(parse(text, &ie), -1);
	free(text);
	/* A workdir longer than the agent takes. */
	text = malloc(5000);
	assert_non_null(text);
	memset(text, 'a', 5000);
	memcpy(text, "workdir /", 9);
	memcpy(text + 4998, "\n", 2);
	assert_int_equal(parse(text, &ie), -1);
	free(text);
}

/*
 * An exec file banger-fetch left as a FIFO (or any non-regular file) is
 * refused at once: open() on a FIFO with no writer would block bangerd.
 */
static void
not_regular(void **state)
{
	struct image_exec	 ie;
	char			 dir[] = "/tmp/test-image-exec.XXXXXX";
	char			 path[64], err[256];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/exec", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(image_exec_load(dir, &ie, err, sizeof(err)), -1);
	unlink(path);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(image_exec_load(dir, &ie, err, sizeof(err)), -1);
	rmdir(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good),
		cmocka_unit_test(bad),
		cmocka_unit_test(bounded),
		cmocka_unit_test(not_regular),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
