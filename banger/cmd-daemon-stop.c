/* banger daemon stop [--json] [--keep-vms] -- never starts bangerd. */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
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

/* Nobody holds bangerd's lock (at path): 1, else 0. */
static int
lock_free(const char *path)
{
	int	 fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return errno == ENOENT;
	r = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);		/* and the lock with it */
	return r;
}

/*
 * bangerd answers OK and then shuts down (VMs, banger-priv, socket);
 * wait, bounded, until nobody listens on the socket any more and the
 * process has let its lock go, so that a bangerd started next (daemon
 * restart) does not find it still held.
 */
static int
stop_wait(const char *sock, const char *lock)
{
	struct timespec	 ts = { 0, 50 * 1000 * 1000 };
	int		 i, fd, gone = 0;

	for (i = 0; i < STOP_WAIT_MS / 50; i++) {
		if (!gone) {
			if ((fd = client_connect_path(sock)) == -1)
				gone = errno == ENOENT ||
				    errno == ECONNREFUSED;
			else
				close(fd);
		}
		if (gone && lock_free(lock))
			return 0;
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
	if (stop_wait(p.sock, p.lock) == -1) {
		cli_warnx("bangerd accepted the stop request but still "
		    "runs (listening on %s or holding %s) after %d s", p.sock,
		    p.lock, STOP_WAIT_MS / 1000);
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
