/* banger doctor [--json] */
#include <stdio.h>

#include <jansson.h>

#include "banger.h"
#include "doctor.h"
#include "exitcode.h"

static const struct cmd_opt doctor_opts[] = {
	{ "json", 0, NULL, "print the results as JSON" },
	{ NULL, 0, NULL, NULL }
};

/* In the order a user would fix things. */
static const check_fn checks[] = {
	check_arch,
	check_kvm,
	check_qemu,
	check_priv,
	check_permitted,
	check_image,
	check_disk,
	check_daemon,
};
#define NCHECKS	(sizeof(checks) / sizeof(checks[0]))

static const char *
tag(enum check_status st)
{
	switch (st) {
	case CHK_OK:
		return "[ ok ]";
	case CHK_INFO:
		return "[info]";
	case CHK_WARN:
		return "[warn]";
	default:
		return "[FAIL]";
	}
}

static int
cmd_doctor_exec(const struct cmd_entry *e, struct args *a)
{
	static struct check	 res[NCHECKS];
	json_t			*arr = NULL, *o;
	size_t			 i;
	int			 failed = 0, json = args_get(e, a, "json") != NULL;

	for (i = 0; i < NCHECKS; i++) {
		res[i].hint[0] = '\0';
		checks[i](&res[i]);
		if (res[i].status == CHK_FAIL)
			failed = 1;
	}
	if (json) {
		arr = json_array();
		for (i = 0; i < NCHECKS; i++)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, "
			    "s:s}", "check", res[i].name, "status",
			    check_label(res[i].status), "detail",
			    res[i].detail, "hint", res[i].hint));
		o = json_pack("{s:b, s:o}", "ok", !failed, "checks", arr);
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else
		for (i = 0; i < NCHECKS; i++)
			printf("%s %s: %s%s%s\n", tag(res[i].status),
			    res[i].name, res[i].detail,
			    res[i].hint[0] != '\0' ? " -- " : "",
			    res[i].hint);
	return failed ? BEX_CHECK : BEX_OK;
}

const struct cmd_entry cmd_doctor_entry = {
	.name = "doctor",
	.usage = "",
	.summary = "check that this host can run banger's VMs",
	.opts = doctor_opts,
	.min_pos = 0,
	.max_pos = 0,
	.exec = cmd_doctor_exec,
};
