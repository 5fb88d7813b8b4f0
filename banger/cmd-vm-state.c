/*
 * banger vm start NAME, banger vm stop NAME, banger vm suspend NAME,
 * banger vm resume NAME, banger vm show [--json] NAME: one request about
 * one VM each.
 */
#include <stdio.h>

#include "banger.h"
#include "exitcode.h"
#include "proto.h"
#include "valid.h"
#include "vminfo.h"

static const struct cmd_opt vm_none_opts[] = {
	{ NULL, 0, NULL, NULL }
};

static const struct cmd_opt vm_show_opts[] = {
	{ "json", 0, NULL, "print a JSON object with every field" },
	{ NULL, 0, NULL, NULL }
};

static int
vm_named(const struct cmd_entry *e, struct args *a, uint32_t type,
    struct ctl_vm_info **vi)
{
	struct ctl_vm_name	 req;
	struct client		 c;
	int			 rc;

	if (!valid_vm_name(a->pos[0]))
		return cmd_usage_error(e, "invalid VM name '%.64s'",
		    a->pos[0]);
	req.name = a->pos[0];
	if ((rc = client_open_or_report(&c, 1)) != 0)
		return rc;
	rc = vm_request(&c, type, &req, vi);
	client_close(&c);
	return rc;
}

static int
cmd_vm_start_exec(const struct cmd_entry *e, struct args *a)
{
	struct ctl_vm_info	*vi;
	int			 rc;

	if ((rc = vm_named(e, a, CTL_VM_START, &vi)) == BEX_OK)
		vm_info_free(vi);
	return rc;
}

static int
cmd_vm_stop_exec(const struct cmd_entry *e, struct args *a)
{
	return vm_named(e, a, CTL_VM_STOP, NULL);
}

static int
cmd_vm_suspend_exec(const struct cmd_entry *e, struct args *a)
{
	return vm_named(e, a, CTL_VM_SUSPEND, NULL);
}

static int
cmd_vm_resume_exec(const struct cmd_entry *e, struct args *a)
{
	struct ctl_vm_info	*vi;
	int			 rc;

	if ((rc = vm_named(e, a, CTL_VM_RESUME, &vi)) == BEX_OK)
		vm_info_free(vi);
	return rc;
}

static int
cmd_vm_show_exec(const struct cmd_entry *e, struct args *a)
{
	struct ctl_vm_info	*vi;
	json_t			*j;
	int			 rc;

	if ((rc = vm_named(e, a, CTL_VM_SHOW, &vi)) != BEX_OK)
		return rc;
	if (vi == NULL)
		return BEX_FAIL;
	if (args_get(e, a, "json") != NULL) {
		j = vm_json(vi);
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(j);
	} else
		vm_print(vi, stdout);
	vm_info_free(vi);
	return BEX_OK;
}

const struct cmd_entry cmd_vm_start_entry = {
	.name = "vm start",
	.usage = "NAME",
	.summary = "boot a stopped VM (or resume a suspended one) and wait "
	    "until it is ready",
	.opts = vm_none_opts,
	.min_pos = 1,
	.max_pos = 1,
	.exec = cmd_vm_start_exec,
};

const struct cmd_entry cmd_vm_stop_entry = {
	.name = "vm stop",
	.usage = "NAME",
	.summary = "shut a VM down cleanly (forced after 15 s); a suspended "
	    "VM's saved state is discarded",
	.opts = vm_none_opts,
	.min_pos = 1,
	.max_pos = 1,
	.exec = cmd_vm_stop_exec,
};

const struct cmd_entry cmd_vm_suspend_entry = {
	.name = "vm suspend",
	.usage = "NAME",
	.summary = "save a running VM's memory and device state to disk and "
	    "end its VMM",
	.opts = vm_none_opts,
	.min_pos = 1,
	.max_pos = 1,
	.exec = cmd_vm_suspend_exec,
};

const struct cmd_entry cmd_vm_resume_entry = {
	.name = "vm resume",
	.usage = "NAME",
	.summary = "continue a suspended VM where it was",
	.opts = vm_none_opts,
	.min_pos = 1,
	.max_pos = 1,
	.exec = cmd_vm_resume_exec,
};

const struct cmd_entry cmd_vm_show_entry = {
	.name = "vm show",
	.usage = "NAME",
	.summary = "show one VM",
	.opts = vm_show_opts,
	.min_pos = 1,
	.max_pos = 1,
	.exec = cmd_vm_show_exec,
};
