/*
 * banger image bundle NAME [-o FILE] and kernel bundle NAME [-o FILE]: a
 * built image (tar + zstd of its rootfs.ext4 and a manifest) or an
 * imported kernel (its vmlinux and modules.cpio) as a catalog bundle,
 * written by banger-fetch.  FILE (default ./NAME.tar.zst) must not
 * exist; its directory is resolved here, since bangerd's is not ours.
 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "banger.h"
#include "exitcode.h"
#include "proto.h"
#include "valid.h"
#include "vminfo.h"

static const struct cmd_opt bundle_opts[] = {
	{ "output", 'o', "FILE", "where to write it (default: ./NAME.tar.zst)" },
	{ NULL, 0, NULL, NULL }
};

static int
bundle_exec(const struct cmd_entry *e, struct args *a, uint32_t type,
    const char *what)
{
	struct ctl_image_bundle	 req;
	char			 given[PATH_MAX], dir[PATH_MAX];
	char			 out[PATH_MAX], copy[PATH_MAX];
	const char		*name = a->pos[0], *o;

	if (!valid_vm_name(name))
		return cmd_usage_error(e, "invalid %s name '%.64s'", what,
		    name);
	if ((o = args_get(e, a, "output")) != NULL)
		snprintf(given, sizeof(given), "%s", o);
	else
		snprintf(given, sizeof(given), "%s.tar.zst", name);
	snprintf(copy, sizeof(copy), "%s", given);
	if (realpath(dirname(copy), dir) == NULL) {
		cli_warn("%s", given);
		return BEX_USAGE;
	}
	snprintf(copy, sizeof(copy), "%s", given);
	if ((size_t)snprintf(out, sizeof(out), "%s/%s", strcmp(dir, "/") ==
	    0 ? "" : dir, basename(copy)) >= sizeof(out) ||
	    !valid_abs_path(out, PATH_MAX) || strcmp(basename(copy), ".") ==
	    0 || strcmp(basename(copy), "..") == 0)
		return cmd_usage_error(e, "-o %.64s: not a file name", given);
	if (access(out, F_OK) == 0) {
		cli_warnx("%s exists: remove it or give another -o", out);
		return BEX_USAGE;
	}
	req.name = (char *)name;
	req.out = out;
	return request_once(type, &req, 0, NULL, NULL);
}

static int
cmd_image_bundle_exec(const struct cmd_entry *e, struct args *a)
{
	return bundle_exec(e, a, CTL_IMAGE_BUNDLE, "image");
}

static int
cmd_kernel_bundle_exec(const struct cmd_entry *e, struct args *a)
{
	return bundle_exec(e, a, CTL_KERNEL_BUNDLE, "kernel");
}

const struct cmd_entry cmd_image_bundle_entry = {
	.name = "image bundle",
	.usage = "NAME",
	.summary = "write a built image as a catalog bundle (see banger-sign(1))",
	.opts = bundle_opts,
	.min_pos = 1,
	.max_pos = 1,
	.exec = cmd_image_bundle_exec,
};

const struct cmd_entry cmd_kernel_bundle_entry = {
	.name = "kernel bundle",
	.usage = "KERNEL",
	.summary = "write a kernel as a catalog bundle (see "
	    "banger-sign(1))",
	.opts = bundle_opts,
	.min_pos = 1,
	.max_pos = 1,
	.exec = cmd_kernel_bundle_exec,
};
