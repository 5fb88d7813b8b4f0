/*
 * banger ci gitlab config|prepare|run|cleanup: GitLab Runner's custom
 * executor (docs/gitlab-runner.md).  The runner calls each verb as its
 * own process with the job's variables as CUSTOM_ENV_*; every verb
 * names the job's VM from them the same way (gl_vm_name), so nothing is
 * kept on the host between stages.  Failures are the contract's: a
 * script's own non-zero exit is BUILD_FAILURE_EXIT_CODE, anything of
 * banger's (no VM, bangerd or the agent lost) SYSTEM_FAILURE_EXIT_CODE.
 *
 * One entry with the verb as its first positional, not four
 * three-word commands: the command table and its completion have at
 * most two words a command.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "banger.h"
#include "berr.h"
#include "cigitlab.h"
#include "exitcode.h"
#include "proto.h"
#include "valid.h"
#include "vminfo.h"

static const struct cmd_opt ci_gitlab_opts[] = {
	{ NULL, 0, NULL, NULL }
};

/*
 * The guest side of run: the script is read whole from stdin into a
 * file first, so that a command in it that reads stdin cannot eat the
 * rest of the script; bash runs it if the image has bash (the runner
 * writes bash scripts unless its shell is "sh"), else sh.
 */
static const char run_wrapper[] =
	"f=$(mktemp /tmp/gitlab-script.XXXXXX) || exit 1\n"
	"trap 'rm -f \"$f\"' EXIT\n"
	"cat >\"$f\" || exit 1\n"
	"if command -v bash >/dev/null 2>&1; then\n"
	"\tbash \"$f\" </dev/null\n"
	"else\n"
	"\tsh \"$f\" </dev/null\n"
	"fi\n";

static int
vm_name(char *buf, size_t len)
{
	char	 err[256];

	if (gl_vm_name(getenv("CUSTOM_ENV_CI_RUNNER_ID"),
	    getenv("CUSTOM_ENV_CI_JOB_ID"), buf, len, err, sizeof(err)) ==
	    -1) {
		cli_warnx("%s (is this run by GitLab Runner?)", err);
		return -1;
	}
	return 0;
}

/*
 * Delete the VM; BEX_OK also when there is none.  bangerd may still be
 * busy with it (a prepare killed mid-way): that is retried for a while.
 */
static int
vm_remove(const char *vm, int quiet)
{
	struct ctl_vm_delete	 req;
	struct client		 c;
	struct msg_hdr		 hdr;
	void			*body;
	char			 err[512], esc[4 * BANGER_STRMAX + 1];
	uint64_t		 id, code;
	int			 rc, tries;

	req.name = (char *)vm;
	for (tries = 0;; tries++) {
		if ((rc = client_open_or_report(&c, 1)) != 0)
			return rc;
		if (client_request(&c, CTL_VM_DELETE, &req, &id, err,
		    sizeof(err)) == -1 ||
		    client_recv(&c, id, &hdr, &body, err, sizeof(err)) == -1) {
			cli_warnx("%s: %s", vm, err);
			client_close(&c);
			return BEX_FAIL;
		}
		client_close(&c);
		if (hdr.type == CTL_OK) {
			client_free(hdr.type, body);
			return BEX_OK;
		}
		if (hdr.type != CTL_ERROR) {
			cli_warnx("%s: unexpected reply from bangerd", vm);
			client_free(hdr.type, body);
			return BEX_FAIL;
		}
		code = ((struct ctl_error *)body)->code;
		escape_ctl(((struct ctl_error *)body)->message, esc,
		    sizeof(esc));
		client_free(hdr.type, body);
		if (code == BERR_NOTFOUND)
			return BEX_OK;
		if (code != BERR_BUSY || tries >= 60) {
			if (!quiet)
				cli_warnx("%s: %s", vm, esc);
			return bex_from_berr(code);
		}
		sleep(1);
	}
}

static int
gl_config(const char *vm)
{
	json_t	*o;
	int	 rc;

	if ((o = gl_config_json(vm, BANGER_VERSION)) == NULL) {
		cli_warnx("out of memory");
		return -1;
	}
	rc = json_dumpf(o, stdout, JSON_COMPACT);
	json_decref(o);
	printf("\n");
	return rc == -1 || fflush(stdout) != 0 ? -1 : 0;
}

static int
gl_prepare(const char *vm)
{
	static char		*none[] = { NULL };
	struct ctl_vm_create	 req;
	struct ctl_vm_info	*vi = NULL;
	struct client		 c;
	const char		*want = getenv("CUSTOM_ENV_CI_JOB_IMAGE");
	char			 err[256], image[VM_NAME_MAX + 1];
	int			 rc;

	memset(&req, 0, sizeof(req));
	if (gl_image_check(want, err, sizeof(err)) == -1 ||
	    gl_spec(getenv("CUSTOM_ENV_BANGER_VCPU"),
	    getenv("CUSTOM_ENV_BANGER_MEMORY"),
	    getenv("CUSTOM_ENV_BANGER_DISK_SIZE"), &req.vcpus,
	    &req.memory_mib, &req.disk_mib, err, sizeof(err)) == -1) {
		cli_warnx("%s", err);
		return -1;
	}
	/* A VM left by an earlier try of this very job goes first. */
	if (vm_remove(vm, 0) != BEX_OK)
		return -1;
	req.image = "";
	if (want != NULL && want[0] != '\0' && !valid_vm_name(want)) {
		/* An image reference: pulled as `vm run --image REF` does. */
		if (image_pull_for_vm(want, image, sizeof(image)) != BEX_OK)
			return -1;
		req.image = image;
	} else if (want != NULL && want[0] != '\0')
		req.image = (char *)want;
	else if (image_default_for_vm() != BEX_OK)
		return -1;
	req.name = (char *)vm;
	req.start = 1;
	req.publish.v = req.allow.v = none;
	req.egress = "";
	fprintf(stderr, "banger: creating VM %s (image %s)\n", vm,
	    req.image[0] != '\0' ? req.image : "default");
	if (client_open_or_report(&c, 1) != 0)
		return -1;
	/* vm create returns once the VM's agent answers. */
	rc = vm_request(&c, CTL_VM_CREATE, &req, &vi);
	client_close(&c);
	vm_info_free(vi);
	if (rc != BEX_OK) {
		/* Whatever half of it exists goes: prepare leaves no VM. */
		vm_remove(vm, 1);
		return -1;
	}
	return 0;
}

static int
gl_run(const char *vm, const char *script, const char *stage, int build,
    int system)
{
	char	*argv[] = { "sh", "-c", (char *)run_wrapper, "gitlab-run",
		    NULL };
	char	 esc[4 * 64 + 1];
	int	 fd, rc, exited;

	/* Any stage runs the same way; new runners add new names. */
	escape_ctl(stage, esc, sizeof(esc));
	if ((fd = open(script, O_RDONLY | O_CLOEXEC)) == -1) {
		cli_warn("run: %s", script);
		return system;
	}
	rc = vm_exec_io_st(vm, argv, fd, 1, 2, &exited);
	close(fd);
	if (!exited)
		cli_warnx("%s: stage %s could not run in VM %s (banger "
		    "status %d)", script, esc, vm, rc);
	return gl_run_status(rc, exited, build, system);
}

static int
cmd_ci_gitlab_exec(const struct cmd_entry *e, struct args *a)
{
	const char	*verb = a->pos[0];
	char		 vm[VM_NAME_MAX + 1];
	int		 build, system, run;

	build = gl_exit_code(getenv("BUILD_FAILURE_EXIT_CODE"),
	    GL_BUILD_FAILURE_DEFAULT);
	system = gl_exit_code(getenv("SYSTEM_FAILURE_EXIT_CODE"),
	    GL_SYSTEM_FAILURE_DEFAULT);
	run = strcmp(verb, "run") == 0;
	if (!run && strcmp(verb, "config") != 0 &&
	    strcmp(verb, "prepare") != 0 && strcmp(verb, "cleanup") != 0)
		return cmd_usage_error(e, "unknown verb '%.32s': config, "
		    "prepare, run or cleanup", verb);
	if (a->npos != (run ? 3 : 1))
		return cmd_usage_error(e, run ? "run takes SCRIPT STAGE" :
		    "%s takes no arguments", verb);
	/*
	 * config without the job's ids (the runner is not known to pass
	 * them to every version's config stage) names no VM: hostname and
	 * job_env are optional.  Ids that are there must be good.
	 */
	if (strcmp(verb, "config") == 0 &&
	    getenv("CUSTOM_ENV_CI_RUNNER_ID") == NULL &&
	    getenv("CUSTOM_ENV_CI_JOB_ID") == NULL)
		return gl_config(NULL) == 0 ? BEX_OK : system;
	if (vm_name(vm, sizeof(vm)) == -1)
		return system;
	if (strcmp(verb, "config") == 0)
		return gl_config(vm) == 0 ? BEX_OK : system;
	if (strcmp(verb, "prepare") == 0)
		return gl_prepare(vm) == 0 ? BEX_OK : system;
	if (run)
		return gl_run(vm, a->pos[1], a->pos[2], build, system);
	/* cleanup: bangerd, restarted if it died, reconciles first. */
	return vm_remove(vm, 0) == BEX_OK ? BEX_OK : system;
}

const struct cmd_entry cmd_ci_gitlab_entry = {
	.name = "ci gitlab",
	.usage = "config|prepare|run|cleanup [SCRIPT STAGE]",
	.summary = "GitLab Runner's custom executor: one VM a job",
	.opts = ci_gitlab_opts,
	.min_pos = 1,
	.max_pos = 3,
	.exec = cmd_ci_gitlab_exec,
};
