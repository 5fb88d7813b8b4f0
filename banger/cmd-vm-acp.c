/*
 * banger vm acp NAME [-- AGENT...]: an editor's agent command.  The
 * caller's stdin and stdout reach an ACP (Agent Client Protocol) agent
 * in the guest byte for byte (no terminal, so nothing is translated);
 * its exit status is banger's.
 */
#include <string.h>

#include "banger.h"
#include "exitcode.h"
#include "proto.h"
#include "valid.h"

static const struct cmd_opt vm_acp_opts[] = {
	{ NULL, 0, NULL, NULL }
};

static int
cmd_vm_acp_exec(const struct cmd_entry *e, struct args *a)
{
	char	*dflt[] = { "opencode", "acp", NULL };
	char	**argv = dflt;
	int	 rc;

	if (!valid_vm_name(a->pos[0]))
		return cmd_usage_error(e, "invalid VM name '%.64s'",
		    a->pos[0]);
	if (a->dashdash && a->ntail == 0)
		return cmd_usage_error(e, "give the agent's command after --");
	if ((rc = cmd_tail_check(e, a)) != 0)
		return rc;
	if (a->ntail > 0)
		argv = a->tail;
	rc = vm_exec_io(a->pos[0], argv, 0, 1, 2);
	if (rc == 127)
		cli_warnx("no agent '%.200s' in VM %s (exit 127): install it "
		    "in the guest or name another after --", argv[0],
		    a->pos[0]);
	return rc;
}

const struct cmd_entry cmd_vm_acp_entry = {
	.name = "vm acp",
	.usage = "NAME [-- AGENT [ARG...]]",
	.summary = "connect stdin and stdout to an ACP agent in a VM "
	    "(default: opencode acp)",
	.opts = vm_acp_opts,
	.min_pos = 1,
	.max_pos = 1,
	.flags = CMD_TAIL,
	.exec = cmd_vm_acp_exec,
};
