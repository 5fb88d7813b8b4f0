/*
 * Transfer reports (progress.c): a bar on a terminal, each report over
 * the last and a newline at the end or before any other message; only
 * the last report elsewhere.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "banger.h"

static void
test_parse(void **state)
{
	int	 done;

	(void)state;
	assert_int_equal(progress_parse("fetching sha256:999bbab9300f: 0.5 "
	    "of 1.0 MB (50%)", &done), 1);
	assert_int_equal(done, 0);
	assert_int_equal(progress_parse("fetching sha256:999bbab9300f: 1.0 "
	    "of 1.0 MB (100%)", &done), 1);
	assert_int_equal(done, 1);
	assert_int_equal(progress_parse("downloading img: 3 of 12 MiB",
	    &done), 1);
	assert_int_equal(done, 0);
	assert_int_equal(progress_parse("downloading img: 12 of 12 MiB",
	    &done), 1);
	assert_int_equal(done, 1);
	/* Not reports: other messages, and reports with anything after. */
	assert_int_equal(progress_parse("fetching the image's config",
	    &done), 0);
	assert_int_equal(progress_parse("downloading img (12 MiB) from "
	    "http://x", &done), 0);
	assert_int_equal(progress_parse("fetching x: 1 of 2 MB (50%) and "
	    "more", &done), 0);
	assert_int_equal(progress_parse("layer 1 of 2: sha256:abc (1 MiB)",
	    &done), 0);
}

/* What progress_show writes for lines, on a terminal or not. */
static char *
shown(int tty, const char *const *lines, size_t n)
{
	char	*buf = NULL;
	size_t	 len = 0, i;
	FILE	*f = open_memstream(&buf, &len);

	assert_non_null(f);
	for (i = 0; i < n; i++)
		if (!progress_show(f, tty, lines[i]))
			fprintf(f, "banger: %s\n", lines[i]);
	progress_close(f);
	fclose(f);
	return buf;
}

static void
test_show(void **state)
{
	static const char *const lines[] = {
		"layer 1 of 1",
		"fetching abc: 0.1 of 1.0 MB (10%)",
		"fetching abc: 0.5 of 1.0 MB (50%)",
		"making a root",
		"fetching abc: 1.0 of 1.0 MB (100%)",
		"done",
	};
	char	*s;

	(void)state;
	s = shown(1, lines, 6);
	assert_string_equal(s, "banger: layer 1 of 1\n"
	    "\rbanger: fetching abc: 0.1 of 1.0 MB (10%)\033[K"
	    "\rbanger: fetching abc: 0.5 of 1.0 MB (50%)\033[K\n"
	    "banger: making a root\n"
	    "\rbanger: fetching abc: 1.0 of 1.0 MB (100%)\033[K\n"
	    "banger: done\n");
	free(s);
	s = shown(0, lines, 6);
	assert_string_equal(s, "banger: layer 1 of 1\n"
	    "banger: making a root\n"
	    "banger: fetching abc: 1.0 of 1.0 MB (100%)\n"
	    "banger: done\n");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_show),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
