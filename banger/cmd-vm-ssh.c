/* banger vm ssh NAME [-- CMD [ARG...]] */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "banger.h"
#include "exitcode.h"
#include "proto.h"
#include "ssh.h"
#include "valid.h"
#include "vminfo.h"

static const struct cmd_opt vm_ssh_opts[] = {
	{ NULL, 0, NULL, NULL }
};

static int
cmd_vm_ssh_exec(const struct cmd_entry *e, struct args *a)
{
	struct ctl_vm_name	 req;
	struct ctl_vm_info	*vi;
	struct client		 c;
	char			 key[PATH_MAX], err[PATH_MAX + 128];
	int			 rc;

	if (!valid_vm_name(a->pos[0]))
		return cmd_usage_error(e, "invalid VM name '%.64s'",
		    a->pos[0]);
	if (ssh_user_key(key, sizeof(key), err, sizeof(err)) == -1) {
		cli_warnx("%s", err);
		return BEX_FAIL;
	}
	req.name = a->pos[0];
	if ((rc = client_open_or_report(&c, 1)) != 0)
		return rc;
	rc = vm_request(&c, CTL_VM_SHOW, &req, &vi);
	client_close(&c);
	if (rc != BEX_OK)
		return rc;
	/* The initramfs image has no sshd; vm exec reaches it instead. */
	if (strcmp(vi->image, "tiny") == 0) {
		cli_warnx("VM %s runs the tiny image, which has no ssh server; "
		    "use `banger vm exec %s -- CMD`", vi->name, vi->name);
		vm_info_free(vi);
		return BEX_FAIL;
	}
	rc = ssh_login(vi, key, NULL, a->tail, a->ntail, 0);
	vm_info_free(vi);
	return rc;
}

const struct cmd_entry cmd_vm_ssh_entry = {
	.name = "vm ssh",
	.usage = "NAME [-- CMD [ARG...]]",
	.summary = "log in to a running VM with ssh (or run CMD there)",
	.opts = vm_ssh_opts,
	.min_pos = 1,
	.max_pos = 1,
	.flags = CMD_TAIL,
	.exec = cmd_vm_ssh_exec,
};
