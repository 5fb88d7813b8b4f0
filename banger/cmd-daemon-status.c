/* banger daemon status [--json] -- never starts bangerd. */
#include <stdio.h>

#include <jansson.h>

#include "banger.h"
#include "exitcode.h"
#include "proto.h"

static const struct cmd_opt daemon_status_opts[] = {
	{ "json", 0, NULL, "print a JSON object" },
	{ NULL, 0, NULL, NULL }
};

static void
status_text(const struct ctl_daemon_info *d)
{
	char	 up[32], ver[64], accel[32], reason[1024], dir[4200];
	char	 dns[1024];

	fmt_duration(d->uptime, up, sizeof(up));
	escape_ctl(d->version, ver, sizeof(ver));
	escape_ctl(d->accel, accel, sizeof(accel));
	escape_ctl(d->accel_reason, reason, sizeof(reason));
	escape_ctl(d->state_dir, dir, sizeof(dir));
	escape_ctl(d->dns, dns, sizeof(dns));
	printf("bangerd is running\n");
	printf("  pid        %llu\n", (unsigned long long)d->pid);
	if (d->priv_pid != 0)
		printf("  priv pid   %llu\n", (unsigned long long)d->priv_pid);
	else
		printf("  priv pid   - (banger-priv not running)\n");
	printf("  uptime     %s\n", up);
	printf("  vms        %llu\n", (unsigned long long)d->vms);
	printf("  version    %s\n", ver);
	printf("  accel      %s: %s\n", accel, reason);
	printf("  state dir  %s\n", dir);
	printf("  dns        %s\n", dns);
}

static void
status_json(const struct ctl_daemon_info *d)
{
	json_t	*o;

	if (d == NULL)
		o = json_pack("{s:b}", "running", 0);
	else
		o = json_pack("{s:b, s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:s, "
		    "s:s}",
		    "running", 1, "pid", (json_int_t)d->pid,
		    "priv_pid", (json_int_t)d->priv_pid,
		    "uptime", (json_int_t)d->uptime,
		    "vms", (json_int_t)d->vms, "version", d->version,
		    "accel", d->accel, "accel_reason", d->accel_reason,
		    "state_dir", d->state_dir, "dns", d->dns);
	json_dumpf(o, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(o);
}

static int
cmd_daemon_status_exec(const struct cmd_entry *e, struct args *a)
{
	struct client			 c;
	struct msg_hdr			 hdr;
	struct ctl_daemon_status	 req = { 0 };
	void				*body;
	char				 err[512];
	uint64_t			 id;
	int				 rc, json = args_get(e, a, "json") != NULL;

	rc = client_open(&c, 0, err, sizeof(err));
	if (rc == CLIENT_DOWN) {
		if (json)
			status_json(NULL);
		else
			printf("bangerd is not running\n");
		return BEX_CHECK;
	}
	if (rc == -1) {
		cli_warnx("%s", err);
		return BEX_DAEMON;
	}
	if (client_request(&c, CTL_DAEMON_STATUS, &req, &id, err,
	    sizeof(err)) == -1 ||
	    client_recv(&c, id, &hdr, &body, err, sizeof(err)) == -1) {
		cli_warnx("%s", err);
		client_close(&c);
		return BEX_FAIL;
	}
	rc = BEX_OK;
	if (hdr.type == CTL_DAEMON_INFO) {
		if (json)
			status_json(body);
		else
			status_text(body);
	} else if (hdr.type == CTL_ERROR) {
		cli_relay(((struct ctl_error *)body)->message);
		rc = bex_from_berr(((struct ctl_error *)body)->code);
	} else {
		cli_warnx("unexpected reply from bangerd");
		rc = BEX_FAIL;
	}
	client_free(hdr.type, body);
	client_close(&c);
	return rc;
}

const struct cmd_entry cmd_daemon_status_entry = {
	.name = "daemon status",
	.usage = "",
	.summary = "show whether bangerd runs, and how",
	.opts = daemon_status_opts,
	.min_pos = 0,
	.max_pos = 0,
	.exec = cmd_daemon_status_exec,
};
