/* banger version */
#include <stdio.h>

#include "banger.h"
#include "exitcode.h"

static const struct cmd_opt version_opts[] = {
	{ NULL, 0, NULL, NULL }
};

static int
cmd_version_exec(const struct cmd_entry *self, struct args *a)
{
	(void)self;
	(void)a;
	printf("banger %s\n", BANGER_VERSION);
	return BEX_OK;
}

const struct cmd_entry cmd_version_entry = {
	.name = "version",
	.usage = "",
	.summary = "print banger's version",
	.opts = version_opts,
	.min_pos = 0,
	.max_pos = 0,
	.exec = cmd_version_exec,
};
