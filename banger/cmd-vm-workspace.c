/*
 * banger vm workspace prepare VM PATH (one entry, "vm workspace", whose
 * first word is the verb, as vm port's is): the repository at PATH copied
 * into a running VM as `vm run PATH` would copy it into a new one (the
 * same file list, ws_collect()), streamed as a tar into the guest's
 * `tar -x` at --guest-path (default /root/<repo name>); files already
 * there and not in the list stay.  With --branch NAME [--from REF] the
 * repository's history goes in too (`git bundle create --all`, written
 * to /root/.cache/banger/<repo name>.bundle) and vm run's checkout
 * script (common/checkout.c) makes the copy a checkout of a new branch.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "banger.h"
#include "checkout.h"
#include "exitcode.h"
#include "fdutil.h"
#include "proto.h"
#include "tarpack.h"
#include "valid.h"
#include "workspace.h"

static const struct cmd_opt vm_ws_opts[] = {
	{ "guest-path", 0, "GUESTPATH", "where the files go in the guest "
	    "(default /root/<repository name>)" },
	{ "include-untracked", 0, NULL,
	    "add untracked files that are not ignored" },
	{ "branch", 0, "NAME", "make the copy a checkout of a new branch "
	    "(needs git in the guest)" },
	{ "from", 0, "REF", "the ref --branch starts from (default: HEAD)" },
	{ NULL, 0, NULL, NULL }
};

/* $1: where the files go. */
static const char ws_unpack_sh[] = VM_TAR_FIND
    "mkdir -p \"$1\" && exec \"$T\" -x -f - -C \"$1\"\n";

/* Checked before git bundle starts, which would die on a closed pipe. */
static const char ws_git_sh[] = "command -v git >/dev/null 2>&1 || exit 93\n";

/* $1: the bundle's name, as vm run's checkout script reads it. */
static const char ws_bundle_sh[] =
    "mkdir -p /root/.cache/banger && "
    "exec cat >\"/root/.cache/banger/$1.bundle\"\n";

/* Each listed path, opened beneath the repository's top directory. */
static int
ws_pack(struct tarpack *p, void *arg)
{
	struct ws_list	*ws = arg;
	char		 dir[PATH_MAX], *slash;
	const char	*leaf;
	size_t		 i;
	int		 top, dfd, rc = 0;

	if ((top = open(ws->top, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(p->err, p->errlen, "%s: %s", ws->top, strerror(errno));
		return -1;
	}
	for (i = 0; i < ws->n && rc == 0; i++) {
		snprintf(dir, sizeof(dir), "%s", ws->paths[i]);
		if ((slash = strrchr(dir, '/')) != NULL) {
			*slash = '\0';
			leaf = slash + 1;
		} else {
			dir[0] = '\0';
			leaf = ws->paths[i];
		}
		if ((dfd = open_beneath(top, dir, O_PATH | O_DIRECTORY)) ==
		    -1) {
			snprintf(p->err, p->errlen, "%s: %s (not beneath %s)",
			    ws->paths[i], strerror(errno), ws->top);
			rc = -1;
			break;
		}
		rc = tarpack_add(p, dfd, leaf, ws->paths[i], 0);
		close(dfd);
	}
	close(top);
	return rc;
}

/* `git bundle create - --all` into the guest's bundle file. */
static int
ws_bundle(const char *vm, struct ws_list *ws)
{
	char	*argv[] = { "sh", "-c", (char *)ws_bundle_sh, "banger-bundle",
		    ws->name, NULL };
	char	*check[] = { "sh", "-c", (char *)ws_git_sh, NULL };
	int	 p[2], rc, grc;
	pid_t	 pid;

	if ((rc = vm_exec_io(vm, check, -1, 2, 2)) != 0)
		return vm_tar_status(rc, vm, "/root/.cache/banger");
	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		cli_warn("git bundle");
		return BEX_FAIL;
	}
	if (pid == 0) {
		tarpack_child();
		if (dup2(p[1], 1) == -1)
			_exit(127);
		execlp("git", "git", "-C", ws->top, "bundle", "create", "-q",
		    "-", "--all", (char *)NULL);
		fprintf(stderr, "banger: cannot run git: %s\n",
		    strerror(errno));
		_exit(127);
	}
	close(p[1]);
	rc = vm_exec_io(vm, argv, p[0], 2, 2);
	close(p[0]);
	grc = tarpack_wait(pid);
	if (rc != 0)
		return vm_tar_status(rc, vm, "/root/.cache/banger");
	if (grc != 0) {
		cli_warnx("git bundle create failed in %s", ws->top);
		return BEX_FAIL;
	}
	return BEX_OK;
}

static int
ws_checkout(const char *vm, struct ws_list *ws, const char *gp,
    const char *branch, const char *from)
{
	char	*script, *argv[] = { "sh", "-c", NULL, "banger-checkout",
		    ws->name, (char *)branch, (char *)from, (char *)gp, NULL };
	int	 rc;

	/* vm run runs it in the workspace; here $4 is the workspace. */
	if (asprintf(&script, "cd \"$4\" || exit 1\n%s", checkout_sh) == -1) {
		cli_warn("asprintf");
		return BEX_FAIL;
	}
	argv[2] = script;
	rc = vm_exec_io(vm, argv, -1, 2, 2);
	free(script);
	if (rc != 0) {
		if (rc < BEX_DAEMON || rc >= BEX_SIGBASE)
			cli_warnx("%s:%s: checking out a new branch %s "
			    "failed (exit %d)", vm, gp, branch, rc);
		return rc < BEX_DAEMON || rc >= BEX_SIGBASE ? BEX_FAIL : rc;
	}
	return BEX_OK;
}

static int
cmd_vm_ws_prepare_exec(const struct cmd_entry *e, struct args *a)
{
	struct ws_list	 ws;
	const char	*vm = a->pos[1], *gpath = args_get(e, a, "guest-path");
	const char	*branch = args_get(e, a, "branch");
	const char	*from = args_get(e, a, "from");
	char		 gp[PATH_MAX], err[PATH_MAX + 256], label[PATH_MAX + 16];
	char		*argv[] = { "sh", "-c", (char *)ws_unpack_sh,
			    "banger-workspace", gp, NULL };
	int		 rc;

	/* A verb word, as vm port has: room for more workspace verbs. */
	if (strcmp(a->pos[0], "prepare") != 0)
		return cmd_usage_error(e, "unknown workspace command '%.64s'",
		    a->pos[0]);
	if (!valid_vm_name(vm))
		return cmd_usage_error(e, "invalid VM name '%.64s'", vm);
	if (git_branch_check(branch != NULL ? branch : "", from != NULL ?
	    from : "", err, sizeof(err)) != 0)
		return cmd_usage_error(e, "%s", err);
	if (gpath != NULL && (!valid_abs_path(gpath, BANGER_STRMAX + 1) ||
	    strcmp(gpath, "/") == 0))
		return cmd_usage_error(e, "--guest-path: give an absolute, "
		    "normalised path below /");
	if (ws_collect(a->pos[2], args_get(e, a, "include-untracked") !=
	    NULL, &ws, err, sizeof(err)) == -1) {
		cli_warnx("%s", err);
		return BEX_USAGE;
	}
	if (gpath != NULL)
		snprintf(gp, sizeof(gp), "%s", gpath);
	else
		snprintf(gp, sizeof(gp), "/root/%s", ws.name);
	/* The history first: a guest without git fails before any copy. */
	if (branch != NULL && (rc = ws_bundle(vm, &ws)) != BEX_OK)
		goto out;
	snprintf(label, sizeof(label), "copying %s", ws.top);
	if ((rc = vm_tar_in(vm, argv, ws_pack, &ws, label, gp)) != BEX_OK)
		goto out;
	if (branch != NULL && (rc = ws_checkout(vm, &ws, gp, branch,
	    from != NULL ? from : "")) != BEX_OK)
		goto out;
	printf("%s\n", gp);
	rc = fflush(stdout) == 0 ? BEX_OK : BEX_FAIL;
out:
	ws_free(&ws);
	return rc;
}

const struct cmd_entry cmd_vm_workspace_entry = {
	.name = "vm workspace",
	.usage = "prepare VM PATH",
	.summary = "prepare: copy a repository into a running VM as vm run "
	    "PATH does",
	.opts = vm_ws_opts,
	.min_pos = 3,
	.max_pos = 3,
	.exec = cmd_vm_ws_prepare_exec,
};
