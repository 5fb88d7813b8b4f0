/*
 * banger vm egress [--json] NAME [open | allowlist [DOMAIN...]]
 *
 * Without a mode: show the VM's policy.  With one: set it, on a running
 * VM too (its firewall and DNS change at once for new connections).
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "banger.h"
#include "exitcode.h"
#include "proto.h"
#include "valid.h"
#include "vminfo.h"

static const struct cmd_opt vm_egress_opts[] = {
	{ "json", 0, NULL, "print the policy as a JSON object" },
	{ NULL, 0, NULL, NULL }
};

/* Check the arguments and build the request: 0 or BEX_USAGE with err. */
int
vm_egress_prepare(const struct args *a, struct ctl_vm_egress *req,
    char *err, size_t errlen)
{
	static char	*none[] = { NULL };
	int		 rc;

	memset(req, 0, sizeof(*req));
	if (a->npos < 1 || !valid_vm_name(a->pos[0])) {
		snprintf(err, errlen, "invalid VM name '%.64s'", a->npos > 0 ?
		    a->pos[0] : "");
		return BEX_USAGE;
	}
	req->name = a->pos[0];
	req->set = a->npos > 1;
	req->egress = a->npos > 1 ? a->pos[1] : "";
	req->allow.v = a->npos > 2 ? &a->pos[2] : none;
	req->allow.n = a->npos > 2 ? (size_t)a->npos - 2 : 0;
	if (req->set && (rc = egress_check(req->egress, req->allow.v,
	    req->allow.n, err, errlen)) != 0) {
		if (strncmp(err, "--allow", 7) == 0)
			snprintf(err, errlen, "domains need the allowlist "
			    "mode: vm egress NAME allowlist DOMAIN...");
		return rc;
	}
	return 0;
}

static int
cmd_vm_egress_exec(const struct cmd_entry *e, struct args *a)
{
	struct ctl_vm_egress	 req;
	char			 err[512];
	int			 rc;

	if ((rc = vm_egress_prepare(a, &req, err, sizeof(err))) != 0)
		return cmd_usage_error(e, "%s", err);
	return vm_info_part(e, a, CTL_VM_EGRESS, &req, "what the VM's policy "
	    "is", egress_json, egress_print);
}

const struct cmd_entry cmd_vm_egress_entry = {
	.name = "vm egress",
	.usage = "NAME [open | allowlist [DOMAIN...]]",
	.summary = "show or set what a VM may reach (also while it runs)",
	.opts = vm_egress_opts,
	.min_pos = 1,
	.max_pos = 2 + EGRESS_ALLOW_MAX,
	.exec = cmd_vm_egress_exec,
};
