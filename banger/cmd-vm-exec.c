/* banger vm exec NAME -- CMD [ARG...] */
#include <string.h>
#include <unistd.h>

#include "banger.h"
#include "exitcode.h"
#include "proto.h"
#include "tty.h"
#include "valid.h"

static const struct cmd_opt vm_exec_opts[] = {
	{ NULL, 0, NULL, NULL }
};

static int
cmd_vm_exec_exec(const struct cmd_entry *e, struct args *a)
{
	struct ctl_vm_exec	 req;
	int			 i;

	if (!valid_vm_name(a->pos[0]))
		return cmd_usage_error(e, "invalid VM name '%.64s'",
		    a->pos[0]);
	if (!a->dashdash || a->ntail == 0)
		return cmd_usage_error(e, "give the command after --");
	if ((i = cmd_tail_check(e, a)) != 0)
		return i;
	memset(&req, 0, sizeof(req));
	req.name = a->pos[0];
	req.argv.v = a->tail;
	req.argv.n = (size_t)a->ntail;
	req.tty = isatty(0) && isatty(1);
	if (req.tty && tty_size(1, &req.cols, &req.rows) == -1)
		req.cols = 80, req.rows = 24;
	return vm_session(CTL_VM_EXEC, &req, req.tty);
}

const struct cmd_entry cmd_vm_exec_entry = {
	.name = "vm exec",
	.usage = "NAME -- CMD [ARG...]",
	.summary = "run a command in a running VM",
	.opts = vm_exec_opts,
	.min_pos = 1,
	.max_pos = 1,
	.flags = CMD_TAIL,
	.exec = cmd_vm_exec_exec,
};
