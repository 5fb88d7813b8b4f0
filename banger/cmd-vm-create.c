/* banger vm create [--name NAME] [--vcpu N] [--memory SIZE] ... */
#include <limits.h>
#include <stdio.h>

#include "banger.h"
#include "exitcode.h"
#include "proto.h"
#include "ssh.h"
#include "valid.h"
#include "vminfo.h"

static const struct cmd_opt vm_create_opts[] = {
	{ "name", 'n', "NAME", "name the VM (default: a generated name)" },
	{ "image", 'i', "IMAGE", "guest image, or an image reference to pull "
	    "(default: see banger(1))" },
	{ "vcpu", 0, "N", "virtual CPUs" },
	{ "memory", 'm', "SIZE", "memory, e.g. 512M or 2G" },
	{ "disk-size", 0, "SIZE", "size of the VM's /root disk, e.g. 8G" },
	{ "no-start", 0, NULL, "create the VM but do not boot it" },
	{ "cold", 0, NULL, "boot the VM even if a warm template could be "
	    "restored" },
	{ "publish", 'p', "SPEC",
	    "publish a guest TCP port on the host: [ADDR:]HOSTPORT:GUESTPORT "
	    "or unix:PATH:GUESTPORT (a 0600 socket; repeatable, up to 16)" },
	{ "egress", 0, "MODE",
	    "what the guest may reach: open or allowlist (default: see "
	    "banger(1))" },
	{ "allow", 0, "DOMAIN",
	    "allowlist: a domain the guest may resolve and reach, e.g. "
	    "github.com or *.npmjs.org (repeatable, up to 16)" },
	{ NULL, 0, NULL, NULL }
};

static int
cmd_vm_create_exec(const struct cmd_entry *e, struct args *a)
{
	static char		*no_ports[] = { NULL };
	struct ctl_vm_create	 req;
	struct ctl_vm_info	*vi;
	struct client		 c;
	const char		*name = args_get(e, a, "name");
	char			 err[PATH_MAX + 256], key[PATH_MAX];
	char			 image[VM_NAME_MAX + 1];
	int			 rc;

	if (name != NULL && !valid_vm_name(name))
		return cmd_usage_error(e, "invalid VM name '%.64s': use 1-%d "
		    "of a-z, 0-9 and '-', not starting or ending with '-'",
		    name, VM_NAME_MAX);
	if ((rc = vm_spec_parse(e, a, &req.vcpus, &req.memory_mib,
	    &req.disk_mib, err, sizeof(err))) != 0)
		return cmd_usage_error(e, "%s", err);
	req.name = (char *)(name != NULL ? name : "");
	req.image = (char *)(args_get(e, a, "image") != NULL ?
	    args_get(e, a, "image") : "");
	if (req.image[0] != '\0' && !valid_vm_name(req.image) &&
	    !image_ref_like(req.image))
		return cmd_usage_error(e, "invalid image name '%.64s'",
		    req.image);
	req.start = args_get(e, a, "no-start") == NULL;
	req.cold = args_get(e, a, "cold") != NULL;
	req.publish.v = args_get_all(e, a, "publish", &req.publish.n);
	if ((rc = publish_check(req.publish.v, req.publish.n, err,
	    sizeof(err))) != 0)
		return cmd_usage_error(e, "%s", err);
	if (req.publish.v == NULL)
		req.publish.v = no_ports;
	req.egress = (char *)(args_get(e, a, "egress") != NULL ?
	    args_get(e, a, "egress") : "");
	req.allow.v = args_get_all(e, a, "allow", &req.allow.n);
	if ((rc = egress_check(args_get(e, a, "egress"), req.allow.v,
	    req.allow.n, err, sizeof(err))) != 0)
		return cmd_usage_error(e, "%s", err);
	if (req.allow.v == NULL)
		req.allow.v = no_ports;
	/* --image REF: that image, pulled the first time. */
	if (req.image[0] != '\0' && !valid_vm_name(req.image)) {
		if ((rc = image_pull_for_vm(req.image, image, sizeof(image))) !=
		    BEX_OK)
			return rc;
		req.image = image;
	} else if (req.image[0] == '\0' &&
	    (rc = image_default_for_vm()) != BEX_OK)
		return rc;
	/* The VM's authorized_keys is written at creation: have a key. */
	if (ssh_user_key(key, sizeof(key), err, sizeof(err)) == -1)
		cli_warnx("%s; ssh logins to this VM will not work", err);
	if ((rc = client_open_or_report(&c, 1)) != 0)
		return rc;
	rc = vm_request(&c, CTL_VM_CREATE, &req, &vi);
	client_close(&c);
	if (rc == BEX_OK && vi != NULL) {
		printf("%s\n", vi->name);
		vm_info_free(vi);
	}
	return rc;
}

const struct cmd_entry cmd_vm_create_entry = {
	.name = "vm create",
	.usage = "",
	.summary = "create a VM (and boot it unless --no-start)",
	.opts = vm_create_opts,
	.min_pos = 0,
	.max_pos = 0,
	.repeat = "publish allow",
	.exec = cmd_vm_create_exec,
};
