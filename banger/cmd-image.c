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

static int
cmd_image_list_exec(const struct cmd_entry *e, struct args *a)
{
	struct client		 c;
	struct msg_hdr		 hdr;
	struct ctl_image_info	*ii;
	void			*body;
	json_t			*arr = NULL;
	char			 err[512], name[256], dir[1024], age[32];
	uint64_t		 id;
	int			 rc = -1, json = args_get(e, a, "json") != NULL;

	if ((rc = client_open_or_report(&c, 1)) != 0)
		return rc;
	if (client_request(&c, CTL_IMAGE_LIST, &(struct ctl_ok){ 0 }, &id,
	    err, sizeof(err)) == -1) {
		cli_warnx("%s", err);
		client_close(&c);
		return BEX_DAEMON;
	}
	if (json)
		arr = json_array();
	else
		printf("%-20s %-8s %9s  %-10s %s\n", "NAME", "KIND", "SIZE",
		    "BUILT", "DIRECTORY");
	for (rc = -1; rc == -1; ) {
		if (client_recv(&c, id, &hdr, &body, err, sizeof(err)) == -1) {
			cli_warnx("%s", err);
			rc = BEX_FAIL;
			break;
		}
		if (hdr.type == CTL_IMAGE_INFO) {
			ii = body;
			if (json)
				json_array_append_new(arr, json_pack(
				    "{s:s, s:s, s:b, s:I, s:I}", "name",
				    ii->name, "dir", ii->dir, "rootfs",
				    ii->rootfs, "size_mib",
				    (json_int_t)ii->size_mib, "built",
				    (json_int_t)ii->built));
			else {
				escape_ctl(ii->name, name, sizeof(name));
				escape_ctl(ii->dir, dir, sizeof(dir));
				fmt_age(ii->built, time(NULL), age,
				    sizeof(age));
				printf("%-20s %-8s %6llu MiB  %-10s %s\n", name,
				    ii->rootfs ? "full" : "initramfs",
				    (unsigned long long)ii->size_mib, age, dir);
			}
		} else if (hdr.type == CTL_OK)
			rc = BEX_OK;
		else {
			if (hdr.type == CTL_ERROR)
				cli_relay(((struct ctl_error *)body)->message);
			rc = BEX_FAIL;
		}
		client_free(hdr.type, body);
	}
	client_close(&c);
	if (json && rc == BEX_OK) {
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
