/* banger vm run [--rm] [--name NAME] -- CMD [ARG...] */
#include <sys/signalfd.h>

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "banger.h"
#include "exitcode.h"
#include "proto.h"
#include "session.h"
#include "tty.h"
#include "valid.h"

static const struct cmd_opt vm_run_opts[] = {
	{ "rm", 0, NULL, "delete the VM when the command ends" },
	{ "name", 'n', "NAME", "name the VM (default: a generated name)" },
	{ "vcpu", 0, "N", "virtual CPUs" },
	{ "memory", 'm', "SIZE", "memory, e.g. 512M or 2G" },
	{ "disk-size", 0, "SIZE", "size of the VM's /root disk, e.g. 8G" },
	{ NULL, 0, NULL, NULL }
};

/*
 * Everything about the request that can be checked here is checked
 * here, before bangerd creates anything.
 */
int
vm_run_prepare(const struct cmd_entry *e, const struct args *a,
    struct ctl_vm_run *req, char *err, size_t errlen)
{
	const char	*name = args_get(e, a, "name");
	int		 i;

	memset(req, 0, sizeof(*req));
	if (name != NULL && !valid_vm_name(name)) {
		snprintf(err, errlen, "invalid VM name '%.64s': use 1-%d of "
		    "a-z, 0-9 and '-', not starting or ending with '-'",
		    name, VM_NAME_MAX);
		return BEX_USAGE;
	}
	if (!a->dashdash || a->ntail == 0) {
		snprintf(err, errlen, "interactive sessions (no command) "
		    "are not implemented yet; give a command after --");
		return BEX_USAGE;
	}
	if (a->ntail > BANGER_ARGMAX) {
		snprintf(err, errlen, "too many arguments (at most %d)",
		    BANGER_ARGMAX);
		return BEX_USAGE;
	}
	for (i = 0; i < a->ntail; i++)
		if (strlen(a->tail[i]) > BANGER_STRMAX) {
			snprintf(err, errlen, "argument %d is longer than %d "
			    "bytes", i + 1, BANGER_STRMAX);
			return BEX_USAGE;
		}
	if ((i = vm_spec_parse(e, a, &req->vcpus, &req->memory_mib,
	    &req->disk_mib, err, errlen)) != 0)
		return i;
	req->name = (char *)(name != NULL ? name : "");
	req->rm = args_get(e, a, "rm") != NULL;
	req->argv.v = a->tail;
	req->argv.n = (size_t)a->ntail;
	return 0;
}

/*
 * Send a request that starts a command (vm run, vm exec) and drive the
 * session until it ends; returns banger's exit status.  argv.v must be
 * NULL-terminated for the encoder: it is the end of main's argv, which is.
 */
int
vm_session(uint32_t type, const void *req, int tty)
{
	struct client		 c;
	struct session		 s;
	sigset_t		 mask;
	char			 err[512];
	int			 rc;

	if ((rc = client_open_or_report(&c, 1)) != 0)
		return rc;
	/* Output to a closed pipe is handled where it is written. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	sigaddset(&mask, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1) {
		cli_warn("sigprocmask");
		return BEX_FAIL;
	}
	memset(&s, 0, sizeof(s));
	if ((s.sigfd = signalfd(-1, &mask, SFD_CLOEXEC)) == -1) {
		cli_warn("signalfd");
		return BEX_FAIL;
	}
	if (client_request(&c, type, req, &s.id, err, sizeof(err)) == -1) {
		cli_warnx("%s", err);
		return BEX_FAIL;
	}
	s.c = &c;
	s.in = 0;
	s.out = 1;
	s.err = 2;
	s.tty = tty;
	s.winfd = 1;
	rc = session_run(&s);
	client_close(&c);
	return rc;
}

static int
cmd_vm_run_exec(const struct cmd_entry *e, struct args *a)
{
	struct ctl_vm_run	 req;
	char			 err[512];
	int			 rc;

	if ((rc = vm_run_prepare(e, a, &req, err, sizeof(err))) != 0)
		return cmd_usage_error(e, "%s", err);
	req.tty = isatty(0) && isatty(1);
	if (req.tty && tty_size(1, &req.cols, &req.rows) == -1)
		req.cols = 80, req.rows = 24;
	return vm_session(CTL_VM_RUN, &req, req.tty);
}

const struct cmd_entry cmd_vm_run_entry = {
	.name = "vm run",
	.usage = "-- CMD [ARG...]",
	.summary = "create a VM and run a command in it",
	.opts = vm_run_opts,
	.min_pos = 0,
	.max_pos = 0,
	.flags = CMD_TAIL,
	.exec = cmd_vm_run_exec,
};
