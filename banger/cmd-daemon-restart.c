/*
 * banger daemon restart: stop the user's bangerd, leaving its VMs that
 * are up running, and start it again; the new one adopts them (their
 * sessions, files and addresses go on).
 */
#include <stdio.h>

#include "banger.h"
#include "exitcode.h"
#include "proto.h"

static const struct cmd_opt daemon_restart_opts[] = {
	{ NULL, 0, NULL, NULL }
};

static int
cmd_daemon_restart_exec(const struct cmd_entry *e, struct args *a)
{
	struct client	 c;
	int		 was, rc;

	(void)e;
	(void)a;
	if ((rc = daemon_stop(1, &was)) != BEX_OK)
		return rc;
	/* The new bangerd reconciles, adopting, before it listens. */
	if ((rc = client_open_or_report(&c, 1)) != 0)
		return rc;
	client_close(&c);
	printf("bangerd %s\n", was ? "restarted" : "started");
	return BEX_OK;
}

const struct cmd_entry cmd_daemon_restart_entry = {
	.name = "daemon restart",
	.usage = "",
	.summary = "restart bangerd; VMs that are up run on",
	.opts = daemon_restart_opts,
	.min_pos = 0,
	.max_pos = 0,
	.exec = cmd_daemon_restart_exec,
};
