/* banger help [COMMAND...] */
#include <stdio.h>

#include "banger.h"
#include "exitcode.h"

static const struct cmd_opt help_opts[] = {
	{ NULL, 0, NULL, NULL }
};

static int
cmd_help_exec(const struct cmd_entry *self, struct args *a)
{
	const struct cmd_entry	*e;
	int			 n;

	if (a->npos == 0) {
		cmd_list(NULL, stdout);
		return BEX_OK;
	}
	if ((e = cmd_find(a->npos, a->pos, &n)) != NULL && n == a->npos) {
		cmd_help(e, stdout);
		return BEX_OK;
	}
	if (a->npos == 1 && cmd_is_group(a->pos[0])) {
		cmd_list(a->pos[0], stdout);
		return BEX_OK;
	}
	return cmd_usage_error(self, "no such command: '%s%s%s'", a->pos[0],
	    a->npos > 1 ? " " : "", a->npos > 1 ? a->pos[1] : "");
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "[COMMAND...]",
	.summary = "show the commands, or one command's options",
	.opts = help_opts,
	.min_pos = 0,
	.max_pos = 2,
	.exec = cmd_help_exec,
};
