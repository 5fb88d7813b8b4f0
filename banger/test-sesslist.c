/* The guest's session list as `vm session list` parses it (sesslist.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sesslist.h"

static int
parse(const char *s, struct sess_info **v, size_t *n)
{
	char	 err[256];

	return sess_list_parse(s, strlen(s), v, n, err, sizeof(err));
}

static void
good(void **state)
{
	struct sess_info	*v;
	size_t			 n;

	(void)state;
	assert_int_equal(parse("[]", &v, &n), 0);
	assert_int_equal(n, 0);
	free(v);
	assert_int_equal(parse("[\n"
	    "{\"name\":\"c1\",\"state\":\"running\",\"pid\":42,"
	    "\"stdin\":\"pipe\",\"started\":1700000000,"
	    "\"command\":\"sh -c \\\"x\\\"\"},\n"
	    "{\"name\":\"e.1\",\"state\":\"exited\",\"pid\":7,"
	    "\"stdin\":\"none\",\"started\":1,\"command\":\"true\","
	    "\"exit_status\":3},\n"
	    "{\"name\":\"k_1\",\"state\":\"killed\",\"pid\":8,"
	    "\"stdin\":\"pty\",\"started\":2,\"command\":\"\","
	    "\"signal\":15},\n"
	    "{\"name\":\"s-1\",\"state\":\"starting\"},\n"
	    "{\"name\":\"l\",\"state\":\"lost\",\"pid\":9,\"stdin\":\"pipe\","
	    "\"started\":3,\"command\":\"x\"}\n]\n", &v, &n), 0);
	assert_int_equal(n, 5);
	assert_string_equal(v[0].name, "c1");
	assert_string_equal(v[0].state, "running");
	assert_int_equal(v[0].pid, 42);
	assert_string_equal(v[0].command, "sh -c \"x\"");
	assert_false(v[0].exited);
	assert_true(v[1].exited);
	assert_int_equal(v[1].exit_status, 3);
	assert_true(v[2].killed);
	assert_int_equal(v[2].signal, 15);
	assert_string_equal(v[2].stdin_mode, "pty");
	assert_string_equal(v[3].state, "starting");
	assert_int_equal(v[3].pid, 0);
	assert_string_equal(v[4].state, "lost");
	free(v);
}

#define RUN	"\"state\":\"running\",\"pid\":1,\"stdin\":\"pipe\"," \
		"\"started\":1,\"command\":\"x\""

static void
bad(void **state)
{
	static const char *const cases[] = {
		"",
		"{}",
		"[1]",
		"[[]]",
		"null",
		"[] []",
		/* names */
		"[{\"name\":\"\"," RUN "}]",
		"[{\"name\":\"..\"," RUN "}]",
		"[{\"name\":\"a/b\"," RUN "}]",
		"[{\"name\":\"-x\"," RUN "}]",
		"[{\"name\":\"a\\u0000b\"," RUN "}]",
		"[{\"name\":\"abcdefghijklmnopqrstuvwxyz0123456\"," RUN "}]",
		"[{" RUN "}]",
		"[{\"name\":7," RUN "}]",
		/* twice */
		"[{\"name\":\"a\"," RUN "},{\"name\":\"a\"," RUN "}]",
		"[{\"name\":\"a\",\"name\":\"b\"," RUN "}]",
		/* states and the keys they need */
		"[{\"name\":\"a\",\"state\":\"zombie\"}]",
		"[{\"name\":\"a\",\"state\":\"running\"}]",
		"[{\"name\":\"a\"," RUN ",\"exit_status\":0}]",
		"[{\"name\":\"a\",\"state\":\"exited\",\"pid\":1,"
		    "\"stdin\":\"pipe\",\"started\":1,\"command\":\"x\"}]",
		"[{\"name\":\"a\",\"state\":\"exited\",\"pid\":1,"
		    "\"stdin\":\"pipe\",\"started\":1,\"command\":\"x\","
		    "\"exit_status\":256}]",
		"[{\"name\":\"a\",\"state\":\"exited\",\"pid\":1,"
		    "\"stdin\":\"pipe\",\"started\":1,\"command\":\"x\","
		    "\"exit_status\":1,\"signal\":9}]",
		"[{\"name\":\"a\",\"state\":\"killed\",\"pid\":1,"
		    "\"stdin\":\"pipe\",\"started\":1,\"command\":\"x\","
		    "\"signal\":0}]",
		"[{\"name\":\"a\",\"state\":\"killed\",\"pid\":1,"
		    "\"stdin\":\"pipe\",\"started\":1,\"command\":\"x\","
		    "\"signal\":65}]",
		"[{\"name\":\"a\",\"state\":\"starting\",\"pid\":1}]",
		/* types and ranges */
		"[{\"name\":\"a\",\"state\":\"running\",\"pid\":0,"
		    "\"stdin\":\"pipe\",\"started\":1,\"command\":\"x\"}]",
		"[{\"name\":\"a\",\"state\":\"running\",\"pid\":\"1\","
		    "\"stdin\":\"pipe\",\"started\":1,\"command\":\"x\"}]",
		"[{\"name\":\"a\",\"state\":\"running\",\"pid\":1.5,"
		    "\"stdin\":\"pipe\",\"started\":1,\"command\":\"x\"}]",
		"[{\"name\":\"a\",\"state\":\"running\",\"pid\":4294967296,"
		    "\"stdin\":\"pipe\",\"started\":1,\"command\":\"x\"}]",
		"[{\"name\":\"a\",\"state\":\"running\",\"pid\":1,"
		    "\"stdin\":\"tty\",\"started\":1,\"command\":\"x\"}]",
		"[{\"name\":\"a\",\"state\":\"running\",\"pid\":1,"
		    "\"stdin\":\"pipe\",\"started\":-1,\"command\":\"x\"}]",
		"[{\"name\":\"a\",\"state\":\"running\",\"pid\":1,"
		    "\"stdin\":\"pipe\",\"started\":1,\"command\":null}]",
		"[{\"name\":\"a\",\"state\":\"running\",\"pid\":1,"
		    "\"stdin\":\"pipe\",\"started\":1,\"command\":\"a\\u0000\"}]",
		/* unknown keys */
		"[{\"name\":\"a\"," RUN ",\"extra\":1}]",
		"[{\"name\":\"a\",\"state\":\"starting\",\"command\":\"x\"}]",
		NULL
	};
	struct sess_info	*v;
	size_t			 n;
	int			 i;

	(void)state;
	for (i = 0; cases[i] != NULL; i++) {
		v = (void *)1;
		if (parse(cases[i], &v, &n) != -1)
			fail_msg("accepted case %d: %s", i, cases[i]);
		assert_null(v);
		assert_int_equal(n, 0);
	}
}

/* The bounds: bytes, entries, a command's length. */
static void
bounds(void **state)
{
	struct sess_info	*v;
	char			*s, err[256];
	size_t			 n, o = 0, i;

	(void)state;
	s = malloc(2 * SESS_LIST_BYTES);
	assert_non_null(s);
	/* 65 entries. */
	o = (size_t)sprintf(s, "[");
	for (i = 0; i <= SESS_LIST_MAX; i++)
		o += (size_t)sprintf(s + o, "%s{\"name\":\"s%zu\","
		    "\"state\":\"starting\"}", i > 0 ? "," : "", i);
	sprintf(s + o, "]");
	assert_int_equal(parse(s, &v, &n), -1);
	/* 64 are fine. */
	o = (size_t)sprintf(s, "[");
	for (i = 0; i < SESS_LIST_MAX; i++)
		o += (size_t)sprintf(s + o, "%s{\"name\":\"s%zu\","
		    "\"state\":\"starting\"}", i > 0 ? "," : "", i);
	sprintf(s + o, "]");
	assert_int_equal(parse(s, &v, &n), 0);
	assert_int_equal(n, SESS_LIST_MAX);
	free(v);
	/* A command of the longest length, then one byte more. */
	for (i = SESS_CMD_MAX; i <= SESS_CMD_MAX + 1; i++) {
		o = (size_t)sprintf(s, "[{\"name\":\"a\",\"state\":\"running\","
		    "\"pid\":1,\"stdin\":\"pipe\",\"started\":1,"
		    "\"command\":\"");
		memset(s + o, 'c', i);
		sprintf(s + o + i, "\"}]");
		assert_int_equal(parse(s, &v, &n), i == SESS_CMD_MAX ? 0 : -1);
		free(v);
	}
	/* The bound exactly, then longer, even if well-formed. */
	memset(s, ' ', 2 * SESS_LIST_BYTES);
	s[0] = '[';
	s[SESS_LIST_BYTES - 1] = ']';
	assert_int_equal(sess_list_parse(s, SESS_LIST_BYTES, &v, &n, err,
	    sizeof(err)), 0);
	free(v);
	s[SESS_LIST_BYTES - 1] = ' ';
	s[SESS_LIST_BYTES] = ']';
	assert_int_equal(sess_list_parse(s, SESS_LIST_BYTES + 1, &v, &n, err,
	    sizeof(err)), -1);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good),
		cmocka_unit_test(bad),
		cmocka_unit_test(bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
