/* banger vm run [--rm] [--name NAME] -- CMD [ARG...] */
#include <sys/signalfd.h>

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "banger.h"
#include "exitcode.h"
#include "proto.h"
#include "session.h"
#include "ssh.h"
#include "tty.h"
#include "valid.h"
#include "vminfo.h"
#include "workspace.h"

static const struct cmd_opt vm_run_opts[] = {
	{ "rm", 0, NULL, "delete the VM when the command ends" },
	{ "cold", 0, NULL, "boot the VM even if a warm template could be "
	    "restored" },
	{ "name", 'n', "NAME", "name the VM (default: a generated name)" },
	{ "image", 'i', "IMAGE", "guest image, or an image reference to pull "
	    "(default: see banger(1))" },
	{ "vcpu", 0, "N", "virtual CPUs" },
	{ "memory", 'm', "SIZE", "memory, e.g. 512M or 2G" },
	{ "disk-size", 0, "SIZE", "size of the VM's /root disk, e.g. 8G" },
	{ "include-untracked", 0, NULL,
	    "workspace: add untracked files that are not ignored" },
	{ "dry-run", 0, NULL, "workspace: print the file list, create nothing" },
	{ "branch", 0, "NAME", "workspace: check out a new branch in the guest" },
	{ "from", 0, "REF", "workspace: the ref --branch starts from" },
	{ "publish", 'p', "SPEC",
	    "publish a guest TCP port on the host: [ADDR:]HOSTPORT:GUESTPORT "
	    "or unix:PATH:GUESTPORT (a 0600 socket; repeatable, up to 16)" },
	{ "egress", 0, "MODE",
	    "what the guest may reach: open or allowlist (default: see "
	    "banger(1))" },
	{ "allow", 0, "DOMAIN",
	    "allowlist: a domain the guest may resolve and reach, e.g. "
	    "github.com or *.npmjs.org (repeatable, up to 16)" },
	{ NULL, 0, NULL, NULL }
};

/*
 * A branch or ref name we pass on: git's own rules, narrowed to a plain
 * character set (it travels as an argument, never through a shell).
 */
static int
git_ref_ok(const char *s)
{
	size_t	 n = strlen(s);

	if (n == 0 || n > 200 || s[0] == '-' || s[0] == '/' || s[0] == '.' ||
	    s[n - 1] == '/' || s[n - 1] == '.' || strstr(s, "..") != NULL ||
	    strstr(s, "//") != NULL || strstr(s, "/.") != NULL ||
	    (n >= 5 && strcmp(s + n - 5, ".lock") == 0))
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._/-") == n;
}

/* --branch and --from ("" when not given); 0 or BEX_USAGE with err. */
int
git_branch_check(const char *branch, const char *from, char *err,
    size_t errlen)
{
	if (from[0] != '\0' && branch[0] == '\0') {
		snprintf(err, errlen, "--from needs --branch");
		return BEX_USAGE;
	}
	if ((branch[0] != '\0' && !git_ref_ok(branch)) ||
	    (from[0] != '\0' && !git_ref_ok(from))) {
		snprintf(err, errlen, "--branch/--from: use a plain git ref "
		    "name (letters, digits, '.', '_', '-', '/')");
		return BEX_USAGE;
	}
	return 0;
}

/*
 * Everything about the request that can be checked here is checked
 * here, before bangerd creates anything.
 */
int
vm_run_prepare(const struct cmd_entry *e, const struct args *a,
    struct ctl_vm_run *req, char *err, size_t errlen)
{
	static char	*no_ports[] = { NULL };
	const char	*name = args_get(e, a, "name");
	int		 i;

	memset(req, 0, sizeof(*req));
	if (name != NULL && !valid_vm_name(name)) {
		snprintf(err, errlen, "invalid VM name '%.64s': use 1-%d of "
		    "a-z, 0-9 and '-', not starting or ending with '-'",
		    name, VM_NAME_MAX);
		return BEX_USAGE;
	}
	if (a->npos == 0) {
		static const char *wsonly[] = { "include-untracked", "dry-run",
		    "branch", "from" };

		for (i = 0; i < 4; i++)
			if (args_get(e, a, wsonly[i]) != NULL) {
				snprintf(err, errlen, "--%s needs a workspace: "
				    "banger vm run PATH [-- CMD...]",
				    wsonly[i]);
				return BEX_USAGE;
			}
	}
	req->branch = (char *)(args_get(e, a, "branch") ?
	    args_get(e, a, "branch") : "");
	req->from = (char *)(args_get(e, a, "from") ?
	    args_get(e, a, "from") : "");
	if ((i = git_branch_check(req->branch, req->from, err, errlen)) != 0)
		return i;
	if (args_get(e, a, "dry-run") != NULL)
		return 0;
	if (a->dashdash && a->ntail == 0) {
		snprintf(err, errlen, "give the command after --, or leave "
		    "out -- for an interactive session");
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
	req->image = (char *)(args_get(e, a, "image") != NULL ?
	    args_get(e, a, "image") : "");
	if (req->image[0] != '\0' && !valid_vm_name(req->image) &&
	    !image_ref_like(req->image)) {
		snprintf(err, errlen, "invalid image name '%.64s'", req->image);
		return BEX_USAGE;
	}
	req->publish.v = args_get_all(e, a, "publish", &req->publish.n);
	if ((i = publish_check(req->publish.v, req->publish.n, err,
	    errlen)) != 0)
		return i;
	if (req->publish.v == NULL)
		req->publish.v = no_ports;
	req->egress = (char *)(args_get(e, a, "egress") != NULL ?
	    args_get(e, a, "egress") : "");
	req->allow.v = args_get_all(e, a, "allow", &req->allow.n);
	if ((i = egress_check(args_get(e, a, "egress"), req->allow.v,
	    req->allow.n, err, errlen)) != 0)
		return i;
	if (req->allow.v == NULL)
		req->allow.v = no_ports;
	req->rm = args_get(e, a, "rm") != NULL;
	req->cold = args_get(e, a, "cold") != NULL;
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
	return vm_session_ws(type, req, tty, NULL, 0);
}

/* The same, sending a workspace's file list right after the request. */
int
vm_session_ws(uint32_t type, const void *req, int tty, char **paths,
    size_t npaths)
{
	return vm_session_fds(type, req, tty, paths, npaths, 0, 1, 2);
}

static int	session_fds(uint32_t, const void *, int, char **, size_t, int,
	    int, int, int *);

/* The same, with the command's stdio on the given descriptors. */
int
vm_session_fds(uint32_t type, const void *req, int tty, char **paths,
    size_t npaths, int in, int out, int errfd)
{
	return session_fds(type, req, tty, paths, npaths, in, out, errfd,
	    NULL);
}

/* *exited: whether the status is the command's own (CTL_EXIT came). */
static int
session_fds(uint32_t type, const void *req, int tty, char **paths,
    size_t npaths, int in, int out, int errfd, int *exited)
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
		client_close(&c);
		return BEX_FAIL;
	}
	memset(&s, 0, sizeof(s));
	if ((s.sigfd = signalfd(-1, &mask, SFD_CLOEXEC)) == -1) {
		cli_warn("signalfd");
		client_close(&c);
		return BEX_FAIL;
	}
	if (client_request(&c, type, req, &s.id, err, sizeof(err)) == -1) {
		cli_warnx("%s", err);
		rc = BEX_FAIL;
		goto out;
	}
	if (send_ws_files(&c, s.id, paths, npaths) == -1) {
		rc = BEX_FAIL;
		goto out;
	}
	s.c = &c;
	s.in = in;
	s.out = out;
	s.err = errfd;
	s.tty = tty;
	s.winfd = out;
	s.rm = type == CTL_VM_RUN && ((const struct ctl_vm_run *)req)->rm;
	rc = session_run(&s);
	if (exited != NULL)
		*exited = s.exited;
out:
	close(s.sigfd);
	client_close(&c);
	return rc;
}

/*
 * Run argv (NULL-terminated) in the running VM name without a terminal,
 * its stdin read from in (-1: none), its stdout and stderr written to out
 * and errfd; as `vm exec`, through bangerd and the agent.  Returns the
 * command's exit status, or banger's (BEX_*) when it could not run.
 */
int
vm_exec_io(const char *name, char **argv, int in, int out, int errfd)
{
	return vm_exec_io_st(name, argv, in, out, errfd, NULL);
}

/* The same; *exited (if not NULL) says whether the status is the
 * command's own rather than banger's, which may overlap 123-125. */
int
vm_exec_io_st(const char *name, char **argv, int in, int out, int errfd,
    int *exited)
{
	struct ctl_vm_exec	 req;
	size_t			 n;

	if (exited != NULL)
		*exited = 0;

	for (n = 0; argv[n] != NULL; n++)
		;
	memset(&req, 0, sizeof(req));
	req.name = (char *)name;
	req.argv.v = argv;
	req.argv.n = n;
	return session_fds(CTL_VM_EXEC, &req, 0, NULL, 0, in, out, errfd,
	    exited);
}

static int	vm_run_interactive(struct ctl_vm_run *, struct ws_list *);

static int
cmd_vm_run_exec(const struct cmd_entry *e, struct args *a)
{
	struct ctl_vm_run	 req;
	struct ws_list		 ws;
	char			 err[PATH_MAX + 256], key[PATH_MAX];
	char			 image[VM_NAME_MAX + 1];
	size_t			 i;
	int			 rc;

	if ((rc = vm_run_prepare(e, a, &req, err, sizeof(err))) != 0)
		return cmd_usage_error(e, "%s", err);
	/*
	 * --image REF: that image, pulled the first time; none: the
	 * catalog's default image if it is missing.  (vm_run_prepare()
	 * stops before the request's fields for --dry-run.)
	 */
	if (args_get(e, a, "dry-run") == NULL) {
		if (req.image[0] != '\0' && !valid_vm_name(req.image)) {
			if ((rc = image_pull_for_vm(req.image, image,
			    sizeof(image))) != BEX_OK)
				return rc;
			req.image = image;
		} else if (req.image[0] == '\0' &&
		    (rc = image_default_for_vm()) != BEX_OK)
			return rc;
	}
	memset(&ws, 0, sizeof(ws));
	req.workspace = req.ws_name = "";
	if (a->npos == 1) {
		if (ws_collect(a->pos[0], args_get(e, a, "include-untracked")
		    != NULL, &ws, err, sizeof(err)) == -1) {
			cli_warnx("%s", err);
			return BEX_USAGE;
		}
		if (args_get(e, a, "dry-run") != NULL) {
			for (i = 0; i < ws.n; i++)
				printf("%s\n", ws.paths[i]);
			ws_free(&ws);
			return fflush(stdout) == 0 ? BEX_OK : BEX_FAIL;
		}
		req.workspace = ws.top;
		req.ws_name = ws.name;
		req.ws_files = ws.n;
	}
	if (req.argv.n == 0) {
		rc = vm_run_interactive(&req, &ws);
		ws_free(&ws);
		return rc;
	}
	/* The VM's authorized_keys is written at creation: have a key. */
	if (ssh_user_key(key, sizeof(key), err, sizeof(err)) == -1)
		cli_warnx("%s; ssh logins to this VM will not work", err);
	req.tty = isatty(0) && isatty(1);
	if (req.tty && tty_size(1, &req.cols, &req.rows) == -1)
		req.cols = 80, req.rows = 24;
	rc = vm_session_ws(CTL_VM_RUN, &req, req.tty, ws.paths, ws.n);
	ws_free(&ws);
	return rc;
}

/*
 * No command: once the VM is ready, log in with ssh.  Leaving the session
 * leaves the VM running, unless --rm, which deletes it afterwards.
 */
static int
vm_run_interactive(struct ctl_vm_run *req, struct ws_list *ws)
{
	struct ctl_vm_info	*vi;
	struct ctl_vm_delete	 del;
	struct client		 c;
	char			 key[PATH_MAX], err[PATH_MAX + 128];
	char			 cwd[PATH_MAX + 8];
	int			 rc, drc;

	if (ssh_user_key(key, sizeof(key), err, sizeof(err)) == -1) {
		cli_warnx("%s", err);
		return BEX_FAIL;
	}
	if ((rc = client_open_or_report(&c, 1)) != 0)
		return rc;
	rc = vm_request_files(&c, CTL_VM_RUN, req, ws->paths, ws->n, &vi);
	client_close(&c);
	if (rc != BEX_OK)
		return rc;
	snprintf(cwd, sizeof(cwd), "/root/%s", ws->name);
	rc = ssh_login(vi, key, ws->n > 0 ? cwd : NULL, NULL, 0, req->rm);
	if (req->rm) {
		del.name = vi->name;
		if (client_open_or_report(&c, 1) == 0) {
			drc = vm_request(&c, CTL_VM_DELETE, &del, NULL);
			client_close(&c);
			if (drc != BEX_OK && rc == BEX_OK)
				rc = drc;
		}
	}
	vm_info_free(vi);
	return rc;
}

const struct cmd_entry cmd_vm_run_entry = {
	.name = "vm run",
	.usage = "[PATH] [-- CMD [ARG...]]",
	.summary = "create a VM (with the repository at PATH in /root) and "
	    "run a command in it",
	.opts = vm_run_opts,
	.min_pos = 0,
	.max_pos = 1,
	.flags = CMD_TAIL,
	.repeat = "publish allow",
	.exec = cmd_vm_run_exec,
};
