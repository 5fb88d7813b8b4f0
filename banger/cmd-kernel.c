/*
 * banger kernel list [--json], kernel import [--modules DIR] NAME PATH,
 * kernel pull NAME, kernel delete NAME: the guest kernels images boot
 * (bangerd/kernel.c); kernel bundle is in cmd-bundle.c.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "banger.h"
#include "exitcode.h"
#include "proto.h"
#include "valid.h"
#include "vminfo.h"

static const struct cmd_opt kernel_list_opts[] = {
	{ "json", 0, NULL, "print a JSON array with every field" },
	{ NULL, 0, NULL, NULL }
};

static const struct cmd_opt kernel_import_opts[] = {
	{ "modules", 'm', "DIR", "the kernel's modules (a lib/modules/RELEASE "
	    "directory)" },
	{ NULL, 0, NULL, NULL }
};

static const struct cmd_opt kernel_delete_opts[] = {
	{ NULL, 0, NULL, NULL }
};

static const struct cmd_opt kernel_pull_opts[] = {
	{ NULL, 0, NULL, NULL }
};

static json_t *
kernel_json(const struct ctl_kernel_info *ki)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s}", "name",
	    ki->name, "dir", ki->dir, "release", ki->release, "forms",
	    ki->forms, "modules", (json_int_t)ki->modules, "size_mib",
	    (json_int_t)ki->size_mib, "imported", (json_int_t)ki->imported,
	    "source", ki->source);
}

static void
kernel_one(void *body, void *arg)
{
	struct ctl_kernel_info	*ki = body;
	json_t			*arr = arg;
	char			 name[256], rel[256], dir[1024], age[32];

	if (arr != NULL)
		json_array_append_new(arr, kernel_json(ki));
	else {
		escape_ctl(ki->name, name, sizeof(name));
		escape_ctl(ki->release[0] != '\0' ? ki->release : "-", rel,
		    sizeof(rel));
		escape_ctl(ki->dir, dir, sizeof(dir));
		fmt_age(ki->imported, time(NULL), age, sizeof(age));
		printf("%-16s %-24s %7llu %4llu MiB  %-10s %s\n", name, rel,
		    (unsigned long long)ki->modules,
		    (unsigned long long)ki->size_mib, age, dir);
	}
	client_free(CTL_KERNEL_INFO, body);
}

static int
cmd_kernel_list_exec(const struct cmd_entry *e, struct args *a)
{
	json_t		*arr = NULL;
	int		 rc;

	if (args_get(e, a, "json") != NULL)
		arr = json_array();
	else
		printf("%-16s %-24s %7s %8s  %-10s %s\n", "NAME", "RELEASE",
		    "MODULES", "SIZE", "ADDED", "DIRECTORY");
	rc = request_once(CTL_KERNEL_LIST, &(struct ctl_ok){ 0 },
	    CTL_KERNEL_INFO, kernel_one, arr);
	if (arr != NULL && rc == BEX_OK) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(arr);
	return rc;
}

static int
cmd_kernel_import_exec(const struct cmd_entry *e, struct args *a)
{
	struct ctl_kernel_import	 req;
	char				 path[PATH_MAX], mods[PATH_MAX];
	const char			*m = args_get(e, a, "modules");

	if (!valid_vm_name(a->pos[0]))
		return cmd_usage_error(e, "invalid kernel name '%.64s' (a-z, "
		    "0-9 and '-')", a->pos[0]);
	/* bangerd's directory is not ours: the paths, resolved here. */
	if (realpath(a->pos[1], path) == NULL) {
		cli_warn("%s", a->pos[1]);
		return BEX_USAGE;
	}
	mods[0] = '\0';
	if (m != NULL && realpath(m, mods) == NULL) {
		cli_warn("%s", m);
		return BEX_USAGE;
	}
	req.name = a->pos[0];
	req.path = path;
	req.modules = mods;
	return request_once(CTL_KERNEL_IMPORT, &req, 0, NULL, NULL);
}

/* kernel delete and kernel pull: one kernel name, progress, OK. */
static int
kernel_named(const struct cmd_entry *e, struct args *a, uint32_t type)
{
	struct ctl_image_build	 req;

	if (!valid_vm_name(a->pos[0]))
		return cmd_usage_error(e, "invalid kernel name '%.64s'",
		    a->pos[0]);
	req.name = a->pos[0];
	return request_once(type, &req, 0, NULL, NULL);
}

static int
cmd_kernel_delete_exec(const struct cmd_entry *e, struct args *a)
{
	return kernel_named(e, a, CTL_KERNEL_DELETE);
}

static int
cmd_kernel_pull_exec(const struct cmd_entry *e, struct args *a)
{
	return kernel_named(e, a, CTL_KERNEL_PULL);
}

const struct cmd_entry cmd_kernel_list_entry = {
	.name = "kernel list",
	.usage = "",
	.summary = "list guest kernels",
	.opts = kernel_list_opts,
	.min_pos = 0,
	.max_pos = 0,
	.exec = cmd_kernel_list_exec,
};

const struct cmd_entry cmd_kernel_import_entry = {
	.name = "kernel import",
	.usage = "NAME PATH",
	.summary = "add a guest kernel (a bzImage or an ELF vmlinux)",
	.opts = kernel_import_opts,
	.min_pos = 2,
	.max_pos = 2,
	.exec = cmd_kernel_import_exec,
};

const struct cmd_entry cmd_kernel_pull_entry = {
	.name = "kernel pull",
	.usage = "NAME",
	.summary = "add a guest kernel from the signed catalog",
	.opts = kernel_pull_opts,
	.min_pos = 1,
	.max_pos = 1,
	.exec = cmd_kernel_pull_exec,
};

const struct cmd_entry cmd_kernel_delete_entry = {
	.name = "kernel delete",
	.usage = "KERNEL",
	.summary = "delete a guest kernel (images keep their own copy)",
	.opts = kernel_delete_opts,
	.min_pos = 1,
	.max_pos = 1,
	.exec = cmd_kernel_delete_exec,
};
