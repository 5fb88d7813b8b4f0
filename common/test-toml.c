/*
 * toml_parse(): accepted documents are checked through a transcript of
 * the callbacks, rejected ones through the "line N: reason" message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "toml.h"

struct log {
	char	 text[8192];
	size_t	 len;
	int	 calls;
	int	 stop_at;	/* callback number that returns -1, or 0 */
	int	 quiet;		/* when stopping, leave err empty */
};

static void	addf(struct log *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
addf(struct log *l, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(l->text + l->len, sizeof(l->text) - l->len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(l->text) - l->len);
	l->len += n;
}

static void
add_value(struct log *l, const struct toml_value *v)
{
	size_t	 i;

	switch (v->type) {
	case TOML_STRING:
		addf(l, "\"%s\"", v->s);
		break;
	case TOML_INT:
		addf(l, "%lld", (long long)v->i);
		break;
	case TOML_BOOL:
		addf(l, "%s", v->b ? "true" : "false");
		break;
	case TOML_ARRAY:
		addf(l, "[");
		for (i = 0; i < v->n; i++) {
			assert_int_not_equal(v->a[i].type, TOML_ARRAY);
			if (i > 0)
				addf(l, ",");
			add_value(l, &v->a[i]);
		}
		addf(l, "]");
		break;
	default:
		fail_msg("bad value type %d", (int)v->type);
	}
}

/* One line per call: "LINE table#index key=value". */
static int
record(const char *table, int index, const char *key,
    const struct toml_value *v, unsigned line, void *arg, char *err,
    size_t errlen)
{
	struct log	*l = arg;

	assert_non_null(table);
	assert_non_null(key);
	addf(l, "%u %s#%d %s=", line, table, index, key);
	add_value(l, v);
	addf(l, "\n");
	if (++l->calls == l->stop_at) {
		if (!l->quiet)
			snprintf(err, errlen, "custom stop at %s", key);
		return -1;
	}
	return 0;
}

static void
accepts(const char *doc, const char *want)
{
	struct log	 l;
	char		 err[256];

	memset(&l, 0, sizeof(l));
	if (toml_parse(doc, strlen(doc), record, &l, err, sizeof(err)) != 0)
		fail_msg("rejected: %s\n--- document:\n%s", err, doc);
	assert_string_equal(l.text, want);
}

static void
rejects_n(const char *doc, size_t len, const char *want)
{
	struct log	 l;
	char		 err[256];

	memset(&l, 0, sizeof(l));
	err[0] = '\0';
	if (toml_parse(doc, len, record, &l, err, sizeof(err)) != -1)
		fail_msg("accepted, expected \"%s\"\n--- document:\n%s", want,
		    doc);
	if (strncmp(err, "line ", 5) != 0 || strstr(err, want) == NULL)
		fail_msg("error \"%s\", expected \"%s\"\n--- document:\n%s",
		    err, want, doc);
}

static void
rejects(const char *doc, const char *want)
{
	rejects_n(doc, strlen(doc), want);
}

static void
test_empty_and_comments(void **state)
{
	(void)state;
	accepts("", "");
	accepts("\n\n   \n\t\n", "");
	accepts("# only a comment", "");
	accepts("# comment\n  # indented é comment\r\n\n", "");
	accepts("a = 1 # trailing comment", "1 #-1 a=1\n");
	accepts("a = 1", "1 #-1 a=1\n");
	accepts("\r\n\r\na=1\r\nb=2\r\n", "3 #-1 a=1\n4 #-1 b=2\n");
}

static void
test_scalars(void **state)
{
	(void)state;
	accepts("s = \"hello\"\nl = 'C:\\path\\x'\nt = true\nf = false\n",
	    "1 #-1 s=\"hello\"\n2 #-1 l=\"C:\\path\\x\"\n"
	    "3 #-1 t=true\n4 #-1 f=false\n");
	accepts("e = \"\"\nq = ''\n", "1 #-1 e=\"\"\n2 #-1 q=\"\"\n");
	accepts("a=\"x\"#c\nb\t=\t'y'\t#c\n", "1 #-1 a=\"x\"\n2 #-1 b=\"y\"\n");
	accepts("s = \"a'b\"\nl = 'a\"b'\n",
	    "1 #-1 s=\"a'b\"\n2 #-1 l=\"a\"b\"\n");
	accepts("s = \"tab\there\"\n", "1 #-1 s=\"tab\there\"\n");
	accepts("u = \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"\n",
	    "1 #-1 u=\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"\n");
}

static void
test_escapes(void **state)
{
	(void)state;
	accepts("s = \"q\\\" b\\\\ n\\n t\\t\"",
	    "1 #-1 s=\"q\" b\\ n\n t\t\"\n");
	accepts("s = \"\\u0041\\u00e9\\u20AC\\uffff\"",
	    "1 #-1 s=\"A\xc3\xa9\xe2\x82\xac\xef\xbf\xbf\"\n");
	/* Escapes are not special in literal strings. */
	accepts("s = '\\n\\u0041'", "1 #-1 s=\"\\n\\u0041\"\n");
	rejects("s = \"\\x41\"", "line 1: unsupported escape");
	rejects("s = \"\\r\"", "line 1: unsupported escape");
	rejects("s = \"\\U0001F600\"", "line 1: unsupported escape");
	rejects("s = \"\\u12\"", "line 1: short \\u escape");
	rejects("s = \"\\u12g4\"", "line 1: bad \\u escape");
	rejects("s = \"\\u0000\"", "line 1: \\u0000 is not allowed");
	rejects("s = \"\\ud800\"", "line 1: \\u escape names a surrogate");
	rejects("s = \"\\udfff\"", "surrogate");
	rejects("s = \"abc\\\"", "line 1: unterminated string");
}

static void
test_integers(void **state)
{
	(void)state;
	accepts("a = 0\nb = -0\nc = +0\nd = 42\ne = -17\nf = +99\n",
	    "1 #-1 a=0\n2 #-1 b=0\n3 #-1 c=0\n4 #-1 d=42\n5 #-1 e=-17\n"
	    "6 #-1 f=99\n");
	accepts("max = 9223372036854775807\nmin = -9223372036854775808\n",
	    "1 #-1 max=9223372036854775807\n2 #-1 min=-9223372036854775808\n");
	rejects("a = 9223372036854775808", "line 1: integer out of range");
	rejects("a = -9223372036854775809", "line 1: integer out of range");
	rejects("a = 99999999999999999999999999", "integer out of range");
	rejects("a = 01", "line 1: leading zeros");
	rejects("a = -007", "line 1: leading zeros");
	rejects("a = +00", "line 1: leading zeros");
	rejects("a = 0x1f", "line 1: only decimal integers");
	rejects("a = 0o17", "only decimal integers");
	rejects("a = 0b101", "only decimal integers");
	rejects("a = 1_000", "line 1: '_' in integers");
	rejects("a = 12abc", "line 1: invalid integer");
	rejects("a = +", "line 1: invalid value");
	rejects("a = -", "line 1: invalid value");
}

static void
test_unsupported(void **state)
{
	(void)state;
	rejects("a = \"\"\"x\"\"\"", "line 1: multi-line strings");
	rejects("\na = '''x'''", "line 2: multi-line strings");
	rejects("a = \"\"\"\nx\n\"\"\"", "line 1: multi-line strings");
	rejects("a = 1.5", "line 1: floats are not supported");
	rejects("a = 0.5", "floats are not supported");
	rejects("a = 1e3", "floats are not supported");
	rejects("a = 1E3", "floats are not supported");
	rejects("a = inf", "floats are not supported");
	rejects("a = -inf", "floats are not supported");
	rejects("a = +nan", "floats are not supported");
	rejects("a = 1979-05-27", "line 1: dates and times");
	rejects("a = 1979-05-27T07:32:00Z", "dates and times");
	rejects("a = 07:32:00", "dates and times");
	rejects("a = { b = 1 }", "line 1: inline tables");
	rejects("a = [[1]]", "line 1: nested arrays");
	rejects("a = [1, [2]]", "nested arrays");
	rejects("a.b = 1", "line 1: dotted keys are only supported in table");
	rejects("a . b = 1", "dotted keys");
	rejects("a = hello", "line 1: invalid value");
	rejects("a = True", "invalid value");
	rejects("a = truex", "invalid value");
}

static void
test_syntax_errors(void **state)
{
	(void)state;
	rejects("a = 1 2", "line 1: unexpected '2' after value");
	rejects("a = \"x\" y", "unexpected 'y' after value");
	rejects("a = \"x\"\"y\"", "unexpected '\"' after value");
	rejects("a = [1] ]", "unexpected ']' after value");
	rejects("a = true,", "unexpected ',' after value");
	rejects("[t] x = 1", "line 1: unexpected 'x' after table header");
	rejects("a 1", "line 1: expected '=' after key 'a'");
	rejects("a", "expected '=' after key 'a'");
	rejects("a =", "line 1: missing value");
	rejects("a = # c", "missing value");
	rejects("= 1", "line 1: expected a key, found '='");
	rejects("a$ = 1", "expected '=' after key 'a'");
	rejects("\"\" = 1", "line 1: empty keys");
	rejects("a = \"abc", "line 1: unterminated string");
	rejects("a = \"abc\nb = 1\"", "line 1: unterminated string");
	rejects("a = 'abc", "unterminated string");
	rejects("a = [1,\n2]", "line 1: unterminated array");
	rejects("a = [1 # c\n]", "unterminated array");
	rejects("a = [1 2]", "line 1: expected ',' or ']' in array");
	rejects("a = [,]", "line 1: expected a value, found ','");
	rejects("a = [1,,2]", "expected a value, found ','");
	rejects("a = \x01", "line 1: expected a value, found byte 0x01");
	rejects("a = =", "expected a value, found '='");
	rejects("[]", "line 1: expected a table name");
	rejects("[a.]", "expected a table name");
	rejects("[.a]", "expected a table name");
	rejects("[a", "line 1: expected ']' to close");
	rejects("[a b]", "expected ']' to close");
	rejects("[[a]", "expected ']]' to close");
	rejects("[[a] ]", "expected ']]' to close");
	rejects("[ [a] ]", "expected a table name");
	rejects("[\"a.b\"]", "line 1: '.' inside a quoted table name");
	rejects("[\"\"]", "empty keys");
	/* A lone CR is not a line ending. */
	rejects("a = 'x'\rb = 2", "line 1: unexpected byte 0x0d after value");
	rejects("a = 1\rb = 2", "line 1: invalid integer");
	rejects("a = 1\n\rb = 2", "line 2: expected a key, found byte 0x0d");
}

static void
test_bad_bytes(void **state)
{
	(void)state;
	rejects("a = \"x\x01y\"", "line 1: control character 0x01 in string");
	rejects("a = '\x7f'", "control character 0x7f in string");
	rejects("a = \"x\x1by\"", "control character 0x1b");
	rejects("# x\x02", "line 1: control character 0x02 in comment");
	rejects("a = 1 # \x7f", "control character 0x7f in comment");
	rejects_n("a = ''\0", 7, "line 1: unexpected byte 0x00 after value");
	rejects_n("a = 1\0", 6, "line 1: invalid integer");
	rejects_n("a = \"x\0y\"", 9, "control character 0x00 in string");
	rejects_n("\0", 1, "expected a key, found byte 0x00");
	rejects("a = \"\xff\"", "line 1: invalid UTF-8 in string");
	/* Overlong forms, a surrogate, past U+10FFFF, cut short. */
	rejects("a = \"\xc0\xaf\"", "invalid UTF-8 in string");
	rejects("a = \"\xe0\x80\xaf\"", "invalid UTF-8 in string");
	rejects("a = \"\xed\xa0\x80\"", "invalid UTF-8 in string");
	rejects("a = \"\xf4\x90\x80\x80\"", "invalid UTF-8");
	rejects("a = \"\xe2\x82\"", "invalid UTF-8 in string");
	rejects("a = '\x80'", "invalid UTF-8 in string");
	rejects("# \xe2\x82", "line 1: invalid UTF-8 in comment");
	rejects("\"\xfe\" = 1", "invalid UTF-8 in string");
	/* Control characters must not sneak into keys through escapes. */
	rejects("\"a\\u0001\" = 1", "control character in key");
}

static void
test_arrays(void **state)
{
	char	 doc[1024];
	size_t	 i, n;

	(void)state;
	accepts("a = []\nb = [ ]\n", "1 #-1 a=[]\n2 #-1 b=[]\n");
	accepts("a = [1,2, 3 ]", "1 #-1 a=[1,2,3]\n");
	accepts("a = [\"x\", 'y',]", "1 #-1 a=[\"x\",\"y\"]\n");
	accepts("a = [ true , false , ] # c", "1 #-1 a=[true,false]\n");
	rejects("a = [1, \"a\"]", "line 1: mixed types in array");
	rejects("a = [true, 0]", "mixed types in array");

	/* Exactly TOML_MAX_ARRAY elements pass, one more does not. */
	n = snprintf(doc, sizeof(doc), "a = [");
	for (i = 0; i < TOML_MAX_ARRAY; i++)
		n += snprintf(doc + n, sizeof(doc) - n, "%zu,", i);
	snprintf(doc + n, sizeof(doc) - n, "]");
	{
		struct log	 l;
		char		 err[128];

		memset(&l, 0, sizeof(l));
		assert_int_equal(toml_parse(doc, strlen(doc), record, &l, err,
		    sizeof(err)), 0);
		assert_non_null(strstr(l.text, ",63]"));
	}
	snprintf(doc + n, sizeof(doc) - n, "64]");
	rejects(doc, "line 1: array has more than 64 elements");
}

static void
test_tables(void **state)
{
	(void)state;
	accepts("top = 1\n"
	    "[a]\n"
	    "x = 1\n"
	    "[b.c]\n"
	    "y = 2\n"
	    "[ b . d ]\n"
	    "z = 3\n"
	    "[b]\n"
	    "w = 4\n"
	    "[\"quoted key\".'lit']\n"
	    "\"k k\" = 5\n"
	    "'k.k' = 6\n",
	    "1 #-1 top=1\n"
	    "3 a#-1 x=1\n"
	    "5 b.c#-1 y=2\n"
	    "7 b.d#-1 z=3\n"
	    "9 b#-1 w=4\n"
	    "11 quoted key.lit#-1 k k=5\n"
	    "12 quoted key.lit#-1 k.k=6\n");
	/* The same key in different tables and [[x]] elements is fine. */
	accepts("[[img]]\n"
	    "name = \"a\"\n"
	    "\n"
	    "[[img]]\n"
	    "name = \"b\"\n"
	    "[[ other.list ]]\n"
	    "name = 1\n"
	    "[[img]]\n"
	    "[t]\n"
	    "name = true\n",
	    "2 img#0 name=\"a\"\n"
	    "5 img#1 name=\"b\"\n"
	    "7 other.list#0 name=1\n"
	    "10 t#-1 name=true\n");
	/* A table may hold an array of tables. */
	accepts("[a]\nx = 1\n[[a.b]]\ny = 2\n[[a.b]]\ny = 3\n",
	    "2 a#-1 x=1\n4 a.b#0 y=2\n6 a.b#1 y=3\n");
	accepts("1234 = 1\ntrue = 2\n-_- = 3\n",
	    "1 #-1 1234=1\n2 #-1 true=2\n3 #-1 -_-=3\n");
}

static void
test_redefinition(void **state)
{
	(void)state;
	rejects("a = 1\na = 2", "line 2: key 'a' defined twice");
	rejects("a = 1\n'a' = 2", "line 2: key 'a' defined twice");
	rejects("a = 1\n\"\\u0061\" = 2", "key 'a' defined twice");
	rejects("[t]\na = 1\n[u]\n[t]\n", "line 4: table [t] defined twice");
	rejects("[t.u]\n[t.u]", "line 2: table [t.u] defined twice");
	rejects("[t]\n[\"t\"]", "table [t] defined twice");
	rejects("[[x]]\n[x]", "line 2: [x] is already an array of tables");
	rejects("[x]\n[[x]]", "line 2: [[x]] is already a table");
	rejects("[x.y]\n[[x]]", "line 2: [[x]] is already a table");
	rejects("a = 1\n[a]", "line 2: key 'a' is already a value");
	rejects("a = 1\n[[a]]", "key 'a' is already a value");
	rejects("a = 1\n[a.b]", "line 2: key 'a' is not a table");
	rejects("[t]\nk = 1\n[t.k.z]", "line 3: key 't.k' is not a table");
	rejects("[a.b]\n[a]\nb = 1", "line 3: key 'b' is already a table");
	rejects("[x]\ny = 1\n[x]\nz = 1", "line 3: table [x] defined twice");
	rejects("[[x]]\n[x.y]", "line 2: tables inside [[x]] are not");
	rejects("[[x]]\n[[x.y]]", "tables inside [[x]]");
	rejects("[[x]]\na = 1\na = 2", "line 3: key 'a' defined twice");
}

static void
test_line_numbers(void **state)
{
	(void)state;
	rejects("# 1\n\n# 3\r\n\r\n   \nbad\n", "line 6: expected '='");
	rejects("a = 1\r\nb = 2\r\nc = 3 x\r\n", "line 3: unexpected 'x'");
	accepts("\n\n\n[t]\n\n\nk = 'v'\n", "7 t#-1 k=\"v\"\n");
}

static void
test_limits(void **state)
{
	struct log	*l;
	char		*doc, err[128];

	(void)state;
	l = calloc(1, sizeof(*l));
	assert_non_null(l);
	doc = malloc(TOML_MAX_INPUT + 1);
	assert_non_null(doc);
	/* A document of exactly the maximum size is read. */
	memset(doc, '\n', TOML_MAX_INPUT + 1);
	memcpy(doc, "a = 1", 5);
	assert_int_equal(toml_parse(doc, TOML_MAX_INPUT, record, l, err,
	    sizeof(err)), 0);
	assert_int_equal(l->calls, 1);
	memset(l, 0, sizeof(*l));
	assert_int_equal(toml_parse(doc, TOML_MAX_INPUT + 1, record, l, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "line 1: input is larger than 262144 bytes");
	assert_int_equal(l->calls, 0);

	free(doc);
	free(l);
}

static int
count_only(const char *table, int index, const char *key,
    const struct toml_value *v, unsigned line, void *arg, char *err,
    size_t errlen)
{
	(void)table; (void)index; (void)key; (void)v; (void)err; (void)errlen;
	assert_int_equal(line, ++*(unsigned *)arg);
	return 0;
}

static void
test_many_keys(void **state)
{
	char		*doc;
	char		 err[128];
	unsigned	 n = 0;
	size_t		 i;

	(void)state;
	doc = malloc(200001);
	assert_non_null(doc);
	for (i = 0; i < 20000; i++)
		snprintf(doc + i * 10, 11, "k%06zu=1\n", i);
	assert_int_equal(toml_parse(doc, 200000, count_only, &n, err,
	    sizeof(err)), 0);
	assert_int_equal(n, 20000);
	/* The same keys again are all duplicates; the first is caught. */
	memcpy(doc + 200000 - 10, "k000000=1\n", 10);
	n = 0;
	assert_int_equal(toml_parse(doc, 200000, count_only, &n, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "line 20000: key 'k000000' defined twice");
	free(doc);
}

static void
test_callback_stop(void **state)
{
	struct log	 l;
	char		 err[128];
	const char	*doc = "a = 1\nb = 2\nc = 3\n";

	(void)state;
	memset(&l, 0, sizeof(l));
	l.stop_at = 2;
	assert_int_equal(toml_parse(doc, strlen(doc), record, &l, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "custom stop at b");
	assert_int_equal(l.calls, 2);
	assert_string_equal(l.text, "1 #-1 a=1\n2 #-1 b=2\n");

	/* A callback that refuses silently still yields a message. */
	memset(&l, 0, sizeof(l));
	l.stop_at = 1;
	l.quiet = 1;
	assert_int_equal(toml_parse(doc, strlen(doc), record, &l, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "line 1: key 'a' rejected");
}

static void
test_err_buffer(void **state)
{
	struct log	 l;
	char		 err[12];

	(void)state;
	memset(&l, 0, sizeof(l));
	memset(err, 'X', sizeof(err));
	/* Small buffers truncate but stay terminated. */
	assert_int_equal(toml_parse("a = 1.5", 7, record, &l, err, 8), -1);
	assert_string_equal(err, "line 1:");
	assert_int_equal(err[9], 'X');
	/* No buffer at all is allowed. */
	assert_int_equal(toml_parse("a = 1.5", 7, record, &l, NULL, 0), -1);
	assert_int_equal(toml_parse("a = 1", 5, record, &l, NULL, 0), 0);
	/* Success leaves err empty. */
	assert_int_equal(toml_parse("a = 2", 5, record, &l, err,
	    sizeof(err)), 0);
	assert_string_equal(err, "");
}

/* Every prefix of a valid document either parses or fails cleanly. */
static void
test_prefixes(void **state)
{
	const char	*doc = "# c\n[a.b]\nk = \"\\u00e9x\" # c\n[[arr]]\n"
	    "l = [1, -2, +3]\r\nm = ['x', \"y\"]\nt = true\n";
	struct log	 l;
	char		 err[128], *copy;
	size_t		 i, len = strlen(doc);

	(void)state;
	for (i = 0; i <= len; i++) {
		memset(&l, 0, sizeof(l));
		/* A tight heap copy lets ASan catch any over-read. */
		copy = malloc(i ? i : 1);
		assert_non_null(copy);
		memcpy(copy, doc, i);
		if (toml_parse(copy, i, record, &l, err, sizeof(err)) == -1)
			assert_memory_equal(err, "line ", 5);
		free(copy);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_comments),
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_arrays),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_redefinition),
		cmocka_unit_test(test_line_numbers),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_callback_stop),
		cmocka_unit_test(test_err_buffer),
		cmocka_unit_test(test_prefixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
