/*
 * banger image warm [--vcpu N] [--memory SIZE] [--disk-size SIZE]
 * [IMAGE]: make the warm template VMs of that image and shape are
 * restored from (bangerd/warm.c), and wait until it is made.
 */
#include <stdio.h>

#include "banger.h"
#include "exitcode.h"
#include "proto.h"
#include "valid.h"
#include "vminfo.h"

static const struct cmd_opt image_warm_opts[] = {
	{ "vcpu", 0, "N", "virtual CPUs of the VMs it serves" },
	{ "memory", 'm', "SIZE", "their memory, e.g. 512M or 2G" },
	{ "disk-size", 0, "SIZE", "their /root disk's size, e.g. 8G" },
	{ NULL, 0, NULL, NULL }
};

static int
cmd_image_warm_exec(const struct cmd_entry *e, struct args *a)
{
	struct ctl_image_warm	 req;
	struct client		 c;
	char			 err[256];
	int			 rc;

	req.image = a->npos > 0 ? a->pos[0] : "";
	if (req.image[0] != '\0' && !valid_vm_name(req.image))
		return cmd_usage_error(e, "invalid image name '%.64s'",
		    req.image);
	if ((rc = vm_spec_parse(e, a, &req.vcpus, &req.memory_mib,
	    &req.disk_mib, err, sizeof(err))) != 0)
		return cmd_usage_error(e, "%s", err);
	if ((rc = client_open_or_report(&c, 1)) != 0)
		return rc;
	rc = request_each(&c, CTL_IMAGE_WARM, &req, NULL, 0, 0, NULL, NULL);
	client_close(&c);
	return rc;
}

const struct cmd_entry cmd_image_warm_entry = {
	.name = "image warm",
	.usage = "[IMAGE]",
	.summary = "make the warm template that new VMs of this image and "
	    "size are restored from instead of booted",
	.opts = image_warm_opts,
	.min_pos = 0,
	.max_pos = 1,
	.exec = cmd_image_warm_exec,
};
