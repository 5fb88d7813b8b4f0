/*
 * Unit tests: the egress policy on the CLI side.  --egress and --allow
 * reach the request; bad modes and domains, and domains with the open
 * mode, are usage errors; `vm egress` arguments; the policy bangerd
 * reports prints escaped, as text and JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "banger.h"
#include "exitcode.h"
#include "proto.h"
#include "vminfo.h"

extern const struct cmd_entry cmd_vm_run_entry;
extern const struct cmd_entry cmd_vm_egress_entry;

#define ARGC(v)	((int)(sizeof(v) / sizeof(v[0])) - 1)

static void
test_run_options(void **state)
{
	char		*v[] = { "--egress", "allowlist", "--allow",
	    "GitHub.com", "--allow=*.npmjs.org", "--", "true", NULL };
	char		*v0[] = { "--", "true", NULL };
	char		*bad[][7] = {
		{ "--egress", "closed", "--", "true", NULL },
		{ "--egress", "open", "--allow", "a.org", "--", NULL },
		{ "--allow", "a..org", "--", "true", NULL },
		{ "--allow", "x.vm", "--", "true", NULL },
	};
	const char	*msg[] = { "use open or allowlist",
	    "--allow needs --egress allowlist", "each label", ".vm" };
	const struct cmd_entry *e = &cmd_vm_run_entry;
	struct ctl_vm_run req;
	struct args	 a;
	char		 err[256];
	size_t		 i;
	int		 n;

	(void)state;
	assert_int_equal(args_parse(e, ARGC(v), v, &a, err, sizeof(err)), 0);
	assert_int_equal(vm_run_prepare(e, &a, &req, err, sizeof(err)), 0);
	assert_string_equal(req.egress, "allowlist");
	assert_int_equal(req.allow.n, 2);
	assert_string_equal(req.allow.v[0], "GitHub.com");
	assert_string_equal(req.allow.v[1], "*.npmjs.org");
	assert_null(req.allow.v[2]);
	args_free(&a);
	assert_int_equal(args_parse(e, ARGC(v0), v0, &a, err, sizeof(err)),
	    0);
	assert_int_equal(vm_run_prepare(e, &a, &req, err, sizeof(err)), 0);
	assert_string_equal(req.egress, "");
	assert_int_equal(req.allow.n, 0);
	assert_non_null(req.allow.v);
	assert_null(req.allow.v[0]);
	args_free(&a);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (n = 0; bad[i][n] != NULL; n++)
			;
		if (strcmp(bad[i][n - 1], "--") == 0) {
			bad[i][n++] = "true";
			bad[i][n] = NULL;
		}
		assert_int_equal(args_parse(e, n, bad[i], &a, err,
		    sizeof(err)), 0);
		err[0] = '\0';
		assert_int_equal(vm_run_prepare(e, &a, &req, err,
		    sizeof(err)), BEX_USAGE);
		if (strstr(err, msg[i]) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err,
			    msg[i]);
		args_free(&a);
	}
}

static void
test_egress_arguments(void **state)
{
	static const struct {
		const char	*v[5];
		int		 rc;
		int		 set;
		const char	*msg;
	} c[] = {
		{ { "vm1", NULL }, 0, 0, NULL },
		{ { "vm1", "open", NULL }, 0, 1, NULL },
		{ { "vm1", "allowlist", NULL }, 0, 1, NULL },
		{ { "vm1", "allowlist", "a.org", "*.b.org", NULL }, 0, 1,
		    NULL },
		{ { "vm1", "open", "a.org", NULL }, BEX_USAGE, 0,
		    "domains need the allowlist mode" },
		{ { "vm1", "shut", NULL }, BEX_USAGE, 0, "use open or" },
		{ { "Bad_Name", NULL }, BEX_USAGE, 0, "invalid VM name" },
		{ { "vm1", "allowlist", "a b", NULL }, BEX_USAGE, 0,
		    "only letters" },
	};
	struct ctl_vm_egress req;
	struct args	 a;
	char		 err[256];
	size_t		 i;
	int		 n;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		for (n = 0; c[i].v[n] != NULL; n++)
			;
		assert_int_equal(args_parse(&cmd_vm_egress_entry, n,
		    (char **)c[i].v, &a, err, sizeof(err)), 0);
		err[0] = '\0';
		assert_int_equal(vm_egress_prepare(&a, &req, err,
		    sizeof(err)), c[i].rc);
		if (c[i].rc == 0) {
			assert_int_equal(req.set, c[i].set);
			assert_string_equal(req.name, "vm1");
			assert_int_equal(req.allow.n, n > 2 ? n - 2 : 0);
			assert_null(req.allow.v[req.allow.n]);
		} else if (strstr(err, c[i].msg) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err,
			    c[i].msg);
		args_free(&a);
	}
}

static void
test_printed(void **state)
{
	char			*allow[] = { "github.com", "*.x\033[2J.org",
	    NULL };
	struct ctl_vm_info	 vi;
	char			 line[1024], *s;
	json_t			*j;

	(void)state;
	memset(&vi, 0, sizeof(vi));
	vi.egress = "open";
	egress_line(&vi, line, sizeof(line));
	assert_string_equal(line, "open");
	vi.egress = "allowlist";
	egress_line(&vi, line, sizeof(line));
	assert_string_equal(line, "allowlist (.vm names only)");
	vi.allow.v = allow;
	vi.allow.n = 2;
	egress_line(&vi, line, sizeof(line));
	/* A hostile daemon's escape sequence is shown, not obeyed. */
	assert_null(strchr(line, '\033'));
	assert_non_null(strstr(line, "allowlist: github.com, *.x"));
	j = egress_json(&vi);
	assert_non_null(j);
	s = json_dumps(j, JSON_COMPACT);
	assert_non_null(s);
	assert_string_equal(s, "{\"mode\":\"allowlist\",\"allow\":"
	    "[\"github.com\",\"*.x\\u001B[2J.org\"]}");
	free(s);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_options),
		cmocka_unit_test(test_egress_arguments),
		cmocka_unit_test(test_printed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
