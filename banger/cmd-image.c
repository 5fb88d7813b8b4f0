/* banger image build NAME, banger image list [--json] */
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "banger.h"
#include "exitcode.h"
#include "proto.h"
#include "valid.h"
#include "vminfo.h"

static const struct cmd_opt image_build_opts[] = {
	{ NULL, 0, NULL, NULL }
};

static const struct cmd_opt image_list_opts[] = {
	{ "json", 0, NULL, "print a JSON array with every field" },
	{ NULL, 0, NULL, NULL }
};

static int
cmd_image_build_exec(const struct cmd_entry *e, struct args *a)
{
	struct ctl_image_build	 req;
	struct client		 c;
	int			 rc;

	if (!valid_vm_name(a->pos[0]))
		return cmd_usage_error(e, "invalid image name '%.64s'",
		    a->pos[0]);
	req.name = a->pos[0];
	if ((rc = client_open_or_report(&c, 1)) != 0)
		return rc;
	rc = vm_request(&c, CTL_IMAGE_BUILD, &req, NULL);
	client_close(&c);
	return rc;
}

static void
image_one(void *body, void *arg)
{
	struct ctl_image_info	*ii = body;
	json_t			*arr = arg;
	char			 name[256], dir[1024], age[32];

	if (arr != NULL)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:I, "
		    "s:I}", "name", ii->name, "dir", ii->dir, "rootfs",
		    ii->rootfs, "size_mib", (json_int_t)ii->size_mib, "built",
		    (json_int_t)ii->built));
	else {
		escape_ctl(ii->name, name, sizeof(name));
		escape_ctl(ii->dir, dir, sizeof(dir));
		fmt_age(ii->built, time(NULL), age, sizeof(age));
		printf("%-20s %-9s %6llu MiB  %-10s %s\n", name,
		    ii->rootfs ? "full" : "initramfs",
		    (unsigned long long)ii->size_mib, age, dir);
	}
	client_free(CTL_IMAGE_INFO, body);
}

static int
cmd_image_list_exec(const struct cmd_entry *e, struct args *a)
{
	struct client	 c;
	json_t		*arr = NULL;
	int		 rc;

	if ((rc = client_open_or_report(&c, 1)) != 0)
		return rc;
	if (args_get(e, a, "json") != NULL)
		arr = json_array();
	else
		printf("%-20s %-9s %9s  %-10s %s\n", "NAME", "KIND", "SIZE",
		    "BUILT", "DIRECTORY");
	rc = request_each(&c, CTL_IMAGE_LIST, &(struct ctl_ok){ 0 }, NULL, 0,
	    CTL_IMAGE_INFO, image_one, arr);
	client_close(&c);
	if (arr != NULL && rc == BEX_OK) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(arr);
	return rc;
}

const struct cmd_entry cmd_image_build_entry = {
	.name = "image build",
	.usage = "NAME",
	.summary = "build a guest image from Debian's archive (debian-bookworm)",
	.opts = image_build_opts,
	.min_pos = 1,
	.max_pos = 1,
	.exec = cmd_image_build_exec,
};

const struct cmd_entry cmd_image_list_entry = {
	.name = "image list",
	.usage = "",
	.summary = "list guest images",
	.opts = image_list_opts,
	.min_pos = 0,
	.max_pos = 0,
	.exec = cmd_image_list_exec,
};
