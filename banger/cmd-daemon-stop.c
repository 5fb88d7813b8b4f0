/* banger daemon stop [--json] [--keep-vms] -- never starts bangerd. */
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "banger.h"
#include "exitcode.h"
#include "paths.h"
#include "proto.h"
#include "vminfo.h"

#define STOP_WAIT_MS	15000

static const struct cmd_opt daemon_stop_opts[] = {
	{ "json", 0, NULL, "print a JSON object" },
	{ "keep-vms", 0, NULL, "leave the VMs that are up running, for the "
	    "next bangerd to adopt" },
	{ NULL, 0, NULL, NULL }
};

static void
stop_report(int json, int was_running, int stopped)
{
	json_t	*o;

	if (json) {
		o = json_pack("{s:b, s:b}", "was_running", was_running,
		    "stopped", stopped);
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else if (!was_running)
		printf("bangerd is not running\n");
	else if (stopped)
		printf("bangerd stopped\n");
}

/*
 * bangerd answers OK and then shuts down (VMs, banger-priv, socket);
 * wait, bounded, until nobody listens on the socket any more.
 */
static int
stop_wait(const char *sock)
{
	struct timespec	 ts = { 0, 50 * 1000 * 1000 };
	int		 i, fd;

	for (i = 0; i < STOP_WAIT_MS / 50; i++) {
		if ((fd = client_connect_path(sock)) == -1) {
			if (errno == ENOENT || errno == ECONNREFUSED)
				return 0;
		} else
			close(fd);
		nanosleep(&ts, NULL);
	}
	return -1;
}

/*
 * Stop the user's bangerd (keep_vms: its VMs that are up run on) and
 * wait until it is gone.  BEX_OK with *was_running set, or an exit
 * status after a message.
 */
int
daemon_stop(int keep_vms, int *was_running)
{
	struct client		 c;
	struct paths		 p;
	struct ctl_daemon_stop	 req = { 0 };
	char			 err[512];
	int			 rc;

	*was_running = 0;
	if (paths_init(&p, err, sizeof(err)) == -1) {
		cli_warnx("%s", err);
		return BEX_FAIL;
	}
	rc = client_open(&c, 0, err, sizeof(err));
	if (rc == CLIENT_DOWN)
		return BEX_OK;
	if (rc == -1) {
		cli_warnx("%s", err);
		return BEX_DAEMON;
	}
	*was_running = 1;
	req.keep_vms = keep_vms != 0;
	rc = vm_request(&c, CTL_DAEMON_STOP, &req, NULL);
	client_close(&c);
	if (rc != BEX_OK)
		return rc;
	if (stop_wait(p.sock) == -1) {
		cli_warnx("bangerd accepted the stop request but still "
		    "listens on %s after %d s", p.sock, STOP_WAIT_MS / 1000);
		return BEX_FAIL;
	}
	return BEX_OK;
}

static int
cmd_daemon_stop_exec(const struct cmd_entry *e, struct args *a)
{
	int	 json = args_get(e, a, "json") != NULL, was, rc;

	rc = daemon_stop(args_get(e, a, "keep-vms") != NULL, &was);
	if (rc != BEX_OK && !was)
		return rc;
	stop_report(json, was, rc == BEX_OK);
	return rc;
}

const struct cmd_entry cmd_daemon_stop_entry = {
	.name = "daemon stop",
	.usage = "",
	.summary = "stop bangerd",
	.opts = daemon_stop_opts,
	.min_pos = 0,
	.max_pos = 0,
	.exec = cmd_daemon_stop_exec,
};
