/* banger completion bash|zsh|fish */
#include <stdio.h>
#include <string.h>

#include "banger.h"
#include "completion.h"
#include "exitcode.h"

static const struct cmd_opt completion_opts[] = {
	{ NULL, 0, NULL, NULL }
};

static int
cmd_completion_exec(const struct cmd_entry *e, struct args *a)
{
	char	 err[256];
	int	 rc;

	if (strcmp(a->pos[0], "bash") == 0)
		rc = comp_bash(cmd_table, stdout, err, sizeof(err));
	else if (strcmp(a->pos[0], "zsh") == 0)
		rc = comp_zsh(cmd_table, stdout, err, sizeof(err));
	else if (strcmp(a->pos[0], "fish") == 0)
		rc = comp_fish(cmd_table, stdout, err, sizeof(err));
	else {
		char esc[64];

		escape_ctl(a->pos[0], esc, sizeof(esc));
		return cmd_usage_error(e, "unknown shell '%s'", esc);
	}
	if (rc == -1 || fflush(stdout) == EOF) {
		cli_warnx("completion: %s", rc == -1 ? err : "write error");
		return BEX_FAIL;
	}
	return BEX_OK;
}

const struct cmd_entry cmd_completion_entry = {
	.name = "completion",
	.usage = "bash|zsh|fish",
	.summary = "print a shell completion script",
	.opts = completion_opts,
	.min_pos = 1,
	.max_pos = 1,
	.exec = cmd_completion_exec,
};
