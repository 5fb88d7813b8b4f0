/* Unit tests: option parsing, usage generation, exit codes, escaping. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "banger.h"
#include "exitcode.h"
#include "proto.h"
#include "valid.h"

extern const struct cmd_entry cmd_vm_run_entry;
extern const struct cmd_entry cmd_vm_delete_entry;
extern const struct cmd_entry cmd_vm_list_entry;

#define ARGC(v)	((int)(sizeof(v) / sizeof(v[0])) - 1)

static void
test_run_flags_before_dashdash(void **state)
{
	char		*v[] = { "--rm", "--name", "web-1", "--", "make",
	    "--rm", "-h", NULL };
	const struct cmd_entry *e = &cmd_vm_run_entry;
	struct args	 a;
	struct ctl_vm_run req;
	char		 err[256];

	(void)state;
	assert_int_equal(args_parse(e, ARGC(v), v, &a, err, sizeof(err)), 0);
	assert_false(a.help);
	assert_true(a.dashdash);
	assert_int_equal(a.ntail, 3);
	/* Flags after "--" belong to the command. */
	assert_string_equal(a.tail[1], "--rm");
	assert_string_equal(a.tail[2], "-h");
	assert_int_equal(vm_run_prepare(e, &a, &req, err, sizeof(err)), 0);
	assert_string_equal(req.name, "web-1");
	assert_true(req.rm);
	assert_int_equal(req.argv.n, 3);
	assert_string_equal(req.argv.v[0], "make");
	assert_null(req.argv.v[3]);
	args_free(&a);
}

static void
test_run_name_forms(void **state)
{
	char		*v1[] = { "--name=a1", "--", "true", NULL };
	char		*v2[] = { "-n", "b2", "--", "true", NULL };
	char		*v3[] = { "--", "true", NULL };
	const struct cmd_entry *e = &cmd_vm_run_entry;
	struct args	 a;
	struct ctl_vm_run req;
	char		 err[256];

	(void)state;
	assert_int_equal(args_parse(e, ARGC(v1), v1, &a, err, sizeof(err)),
	    0);
	assert_int_equal(vm_run_prepare(e, &a, &req, err, sizeof(err)), 0);
	assert_string_equal(req.name, "a1");
	assert_false(req.rm);
	args_free(&a);
	assert_int_equal(args_parse(e, ARGC(v2), v2, &a, err, sizeof(err)),
	    0);
	assert_int_equal(vm_run_prepare(e, &a, &req, err, sizeof(err)), 0);
	assert_string_equal(req.name, "b2");
	args_free(&a);
	assert_int_equal(args_parse(e, ARGC(v3), v3, &a, err, sizeof(err)),
	    0);
	assert_int_equal(vm_run_prepare(e, &a, &req, err, sizeof(err)), 0);
	assert_string_equal(req.name, "");
	args_free(&a);
}

static void
test_run_missing_command(void **state)
{
	char		*v1[] = { "--rm", NULL };
	char		*v2[] = { "--rm", "--", NULL };
	const struct cmd_entry *e = &cmd_vm_run_entry;
	struct args	 a;
	struct ctl_vm_run req;
	char		 err[256];

	(void)state;
	/* No command at all: an interactive session. */
	assert_int_equal(args_parse(e, ARGC(v1), v1, &a, err, sizeof(err)),
	    0);
	assert_int_equal(vm_run_prepare(e, &a, &req, err, sizeof(err)), 0);
	assert_int_equal(req.argv.n, 0);
	args_free(&a);
	/* "--" and then nothing is a mistake. */
	assert_int_equal(args_parse(e, ARGC(v2), v2, &a, err, sizeof(err)),
	    0);
	assert_int_equal(vm_run_prepare(e, &a, &req, err, sizeof(err)),
	    BEX_USAGE);
	assert_non_null(strstr(err, "give the command after --"));
	args_free(&a);
}

static void
test_run_command_without_dashdash(void **state)
{
	char		*v[] = { "--rm", "make", "test", NULL };
	struct args	 a;
	char		 err[256];

	(void)state;
	assert_int_equal(args_parse(&cmd_vm_run_entry, ARGC(v), v, &a, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "'test'"));
	assert_non_null(strstr(err, "after --"));
}

static void
test_run_bad_name(void **state)
{
	const char	*bad[] = { "Upper", "-lead", "trail-", "a_b", "",
	    "a.b", "0123456789012345678901234567890123456789012345678901234567"
	    "890123", NULL };
	const struct cmd_entry *e = &cmd_vm_run_entry;
	struct args	 a;
	struct ctl_vm_run req;
	char		 err[256];
	int		 i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++) {
		char *v[] = { "--name", (char *)bad[i], "--", "true", NULL };

		assert_int_equal(args_parse(e, ARGC(v), v, &a, err,
		    sizeof(err)), 0);
		assert_int_equal(vm_run_prepare(e, &a, &req, err,
		    sizeof(err)), BEX_USAGE);
		assert_non_null(strstr(err, "invalid VM name"));
		args_free(&a);
	}
}

static void
test_unknown_and_malformed_options(void **state)
{
	char		*v1[] = { "--bogus", "--", "true", NULL };
	char		*v2[] = { "-x", "--", "true", NULL };
	char		*v3[] = { "--name", NULL };
	char		*v4[] = { "--rm=yes", "--", "true", NULL };
	char		*v5[] = { "--rm", "--rm", "--", "true", NULL };
	char		*v6[] = { "-rn", "x", "--", "true", NULL };
	const struct cmd_entry *e = &cmd_vm_run_entry;
	struct args	 a;
	char		 err[256];

	(void)state;
	assert_int_equal(args_parse(e, ARGC(v1), v1, &a, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "unknown option '--bogus'");
	assert_int_equal(args_parse(e, ARGC(v2), v2, &a, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "unknown option '-x'");
	assert_int_equal(args_parse(e, ARGC(v3), v3, &a, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "option --name needs NAME");
	assert_int_equal(args_parse(e, ARGC(v4), v4, &a, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "option --rm takes no value");
	assert_int_equal(args_parse(e, ARGC(v5), v5, &a, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "more than once"));
	assert_int_equal(args_parse(e, ARGC(v6), v6, &a, err, sizeof(err)),
	    -1);
}

static void
test_help_flag(void **state)
{
	char		*v1[] = { "--help", NULL };
	char		*v2[] = { "x", "-h", NULL };
	struct args	 a;
	char		 err[256];

	(void)state;
	assert_int_equal(args_parse(&cmd_vm_run_entry, ARGC(v1), v1, &a, err,
	    sizeof(err)), 0);
	assert_true(a.help);
	args_free(&a);
	/* Help wins over positional-count checks. */
	assert_int_equal(args_parse(&cmd_vm_list_entry, ARGC(v2), v2, &a,
	    err, sizeof(err)), 0);
	assert_true(a.help);
	args_free(&a);
}

static void
test_positional_bounds(void **state)
{
	char		*v0[] = { NULL };
	char		*v2[] = { "a", "--json", NULL };
	char		*v3[] = { "a", "b", "--", "-c", NULL };
	struct args	 a;
	char		 err[256];

	(void)state;
	assert_int_equal(args_parse(&cmd_vm_delete_entry, 0, v0, &a, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "missing argument");
	assert_int_equal(args_parse(&cmd_vm_list_entry, ARGC(v2), v2, &a,
	    err, sizeof(err)), -1);
	assert_string_equal(err, "unexpected argument 'a'");
	/* Without CMD_TAIL, "--" only ends the options. */
	assert_int_equal(args_parse(&cmd_vm_delete_entry, ARGC(v3), v3, &a,
	    err, sizeof(err)), 0);
	assert_int_equal(a.npos, 3);
	assert_string_equal(a.pos[2], "-c");
	args_free(&a);
}

static void
test_usage_generation(void **state)
{
	char	 line[512], *buf;
	size_t	 len;
	FILE	*f;
	int	 i, j;

	(void)state;
	cmd_usage_line(&cmd_vm_run_entry, line, sizeof(line));
	assert_string_equal(line,
	    "banger vm run [--rm] [--cold] [--name NAME] [--image IMAGE] "
	    "[--vcpu N] [--memory SIZE] "
	    "[--disk-size SIZE] [--include-untracked] [--dry-run] "
	    "[--branch NAME] [--from REF] [--publish SPEC]... "
	    "[--egress MODE] [--allow DOMAIN]... [PATH] "
	    "[-- CMD [ARG...]]");
	cmd_usage_line(&cmd_vm_delete_entry, line, sizeof(line));
	assert_string_equal(line, "banger vm delete NAME...");
	/* Every option of every command shows in its usage and help. */
	for (i = 0; cmd_table[i] != NULL; i++) {
		const struct cmd_entry *e = cmd_table[i];

		cmd_usage_line(e, line, sizeof(line));
		f = open_memstream(&buf, &len);
		cmd_help(e, f);
		fclose(f);
		assert_non_null(strstr(buf, line));
		assert_non_null(strstr(buf, e->summary));
		for (j = 0; e->opts[j].name != NULL; j++) {
			char o[64];

			snprintf(o, sizeof(o), "--%s", e->opts[j].name);
			assert_non_null(strstr(line, o));
			assert_non_null(strstr(buf, e->opts[j].help));
		}
		free(buf);
	}
	/* The group listing names exactly that group's commands. */
	f = open_memstream(&buf, &len);
	cmd_list("vm", f);
	fclose(f);
	assert_non_null(strstr(buf, "vm run"));
	assert_non_null(strstr(buf, "vm delete"));
	assert_null(strstr(buf, "doctor"));
	free(buf);
}

static void
test_lookup(void **state)
{
	char	*v1[] = { "vm", "run", "--", "x", NULL };
	char	*v2[] = { "vm", NULL };
	char	*v3[] = { "doctor", "--json", NULL };
	const struct cmd_entry *e;
	int	 n;

	(void)state;
	e = cmd_find(ARGC(v1), v1, &n);
	assert_ptr_equal(e, &cmd_vm_run_entry);
	assert_int_equal(n, 2);
	assert_null(cmd_find(ARGC(v2), v2, &n));
	assert_true(cmd_is_group("vm"));
	assert_true(cmd_is_group("daemon"));
	assert_false(cmd_is_group("doctor"));
	e = cmd_find(ARGC(v3), v3, &n);
	assert_non_null(e);
	assert_int_equal(n, 1);
}

static void
test_cmd_main_usage_errors(void **state)
{
	char	*v1[] = { "nope", NULL };
	char	*v2[] = { "vm", "nope", NULL };
	char	*v3[] = { "vm", "run", "--name", "X", "--", "true", NULL };
	char	*v4[] = { "vm", "run", "--", NULL };
	char	*v5[] = { "vm", "delete", "Bad_Name", NULL };

	int	 saved, null;

	(void)state;
	/* None of these may reach bangerd: all fail before connecting. */
	setenv("BANGER_DAEMON", "/nonexistent/bangerd", 1);
	/* The usage messages are right; keep them out of the test log. */
	fflush(stderr);
	saved = dup(2);
	null = open("/dev/null", O_WRONLY);
	dup2(null, 2);
	close(null);
	assert_int_equal(cmd_main(0, v1), BEX_USAGE);
	assert_int_equal(cmd_main(ARGC(v1), v1), BEX_USAGE);
	assert_int_equal(cmd_main(ARGC(v2), v2), BEX_USAGE);
	assert_int_equal(cmd_main(ARGC(v3), v3), BEX_USAGE);
	assert_int_equal(cmd_main(ARGC(v4), v4), BEX_USAGE);
	assert_int_equal(cmd_main(ARGC(v5), v5), BEX_USAGE);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
}

static void
test_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(bex_from_exit(0, 0), 0);
	assert_int_equal(bex_from_exit(3, 0), 3);
	assert_int_equal(bex_from_exit(127, 0), 127);
	assert_int_equal(bex_from_exit(255, 0), 255);
	assert_int_equal(bex_from_exit(-1, 9), 137);
	assert_int_equal(bex_from_exit(-1, 15), 143);
	assert_int_equal(bex_from_exit(-1, 0), BEX_FAIL);
	assert_int_equal(bex_from_exit(256, 0), BEX_FAIL);
	assert_int_equal(bex_from_exit(-2, 9), BEX_FAIL);
	assert_int_equal(bex_from_berr(BERR_BOOT), BEX_BOOT);
	assert_int_equal(bex_from_berr(BERR_INTERNAL), BEX_FAIL);
	assert_int_equal(bex_from_berr(BERR_PRIV), BEX_FAIL);
	assert_int_equal(bex_from_berr(BERR_NOTFOUND), BEX_FAIL);
}

static void
test_escape(void **state)
{
	char	 out[64];

	(void)state;
	escape_ctl("plain text", out, sizeof(out));
	assert_string_equal(out, "plain text");
	escape_ctl("\x1b[2Jclear", out, sizeof(out));
	assert_string_equal(out, "\\e[2Jclear");
	escape_ctl("a\nb\tc\rd\x07\x7f", out, sizeof(out));
	assert_string_equal(out, "a\\nb\\tc\\rd\\x07\\x7f");
	escape_ctl("back\\slash", out, sizeof(out));
	assert_string_equal(out, "back\\\\slash");
	/* C1 CSI (U+009B) is escaped, other UTF-8 is kept. */
	escape_ctl("x\xc2\x9by \xc3\xa9", out, sizeof(out));
	assert_string_equal(out, "x\\xc2\\x9by \xc3\xa9");
	/* Truncation never splits an escape. */
	escape_ctl("ab\x1b", out, 4);
	assert_string_equal(out, "ab");
	escape_ctl("abcdef", out, 4);
	assert_string_equal(out, "abc");
}

static void
test_age(void **state)
{
	char	 out[32];

	(void)state;
	fmt_age(1000, 1005, out, sizeof(out));
	assert_string_equal(out, "5s ago");
	fmt_age(1000, 1000 + 300, out, sizeof(out));
	assert_string_equal(out, "5m ago");
	fmt_age(1000, 1000 + 7260, out, sizeof(out));
	assert_string_equal(out, "2h01m ago");
	fmt_age(1000, 1000 + 3 * 86400, out, sizeof(out));
	assert_string_equal(out, "3d ago");
	fmt_age(2000, 1000, out, sizeof(out));
	assert_string_equal(out, "0s ago");
	fmt_age(0, 1000, out, sizeof(out));
	assert_string_equal(out, "-");
}

static void
test_run_branch(void **state)
{
	char		*ok[] = { "--branch", "feat/x-1", "--from", "v1.0", "repo",
			    "--", "true", NULL };
	char		*nofrom[] = { "--from", "v1", "repo", "--", "true",
			    NULL };
	char		*bad[] = { "--branch", "a..b", "repo", "--", "true",
			    NULL };
	char		*dash[] = { "--branch", "-x", "repo", "--", "true",
			    NULL };
	const struct cmd_entry *e = &cmd_vm_run_entry;
	struct args	 a;
	struct ctl_vm_run req;
	char		 err[256];

	(void)state;
	assert_int_equal(args_parse(e, ARGC(ok), ok, &a, err, sizeof(err)),
	    0);
	assert_int_equal(vm_run_prepare(e, &a, &req, err, sizeof(err)), 0);
	assert_string_equal(req.branch, "feat/x-1");
	assert_string_equal(req.from, "v1.0");
	args_free(&a);
	assert_int_equal(args_parse(e, ARGC(nofrom), nofrom, &a, err,
	    sizeof(err)), 0);
	assert_int_equal(vm_run_prepare(e, &a, &req, err, sizeof(err)),
	    BEX_USAGE);
	assert_non_null(strstr(err, "--from needs --branch"));
	args_free(&a);
	assert_int_equal(args_parse(e, ARGC(bad), bad, &a, err, sizeof(err)),
	    0);
	assert_int_equal(vm_run_prepare(e, &a, &req, err, sizeof(err)),
	    BEX_USAGE);
	args_free(&a);
	if (args_parse(e, ARGC(dash), dash, &a, err, sizeof(err)) == 0) {
		assert_int_equal(vm_run_prepare(e, &a, &req, err,
		    sizeof(err)), BEX_USAGE);
		args_free(&a);
	}
}

static void
test_pull_name(void **state)
{
	static const char *const cases[][2] = {
		{ "python:3.12-slim", "python-3-12-slim" },
		{ "docker.io/library/alpine:latest", "alpine" },
		{ "alpine", "alpine" },
		{ "localhost:5000/team/Tool_X:v1.2", "tool-x-v1-2" },
		{ "localhost:5000/busybox", "busybox" },
		{ "reg.example/app@sha256:0123456789abcdef0123", "app-0123456789ab" },
		{ "reg.example/app:1.0@sha256:0123456789abcdef", "app-1-0-0123456789ab" },
	};
	char	 name[VM_NAME_MAX + 1];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(image_pull_name(cases[i][0], name,
		    sizeof(name)), 0);
		assert_string_equal(name, cases[i][1]);
	}
	/* Nothing usable: the user must give --name. */
	assert_int_equal(image_pull_name("reg.example/___", name,
	    sizeof(name)), -1);
	assert_int_equal(image_pull_name("", name, sizeof(name)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_flags_before_dashdash),
		cmocka_unit_test(test_run_name_forms),
		cmocka_unit_test(test_run_missing_command),
		cmocka_unit_test(test_run_branch),
		cmocka_unit_test(test_run_command_without_dashdash),
		cmocka_unit_test(test_run_bad_name),
		cmocka_unit_test(test_unknown_and_malformed_options),
		cmocka_unit_test(test_help_flag),
		cmocka_unit_test(test_positional_bounds),
		cmocka_unit_test(test_usage_generation),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_cmd_main_usage_errors),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_pull_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
