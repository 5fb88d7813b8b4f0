/*
 * banger vm pull NAME: the guest workspace's work, committed and
 * uncommitted, into a branch of the host repository.  The guest bundles
 * it (one ref, what the host lacks); the host takes the bundle through
 * a size bound into a private, unlinked file and imports it with
 * pull_import(), which trusts nothing in it.
 */
#include <sys/wait.h>

#include <poll.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "banger.h"
#include "exitcode.h"
#include "fdutil.h"
#include "pull-host.h"
#include "valid.h"
#include "vminfo.h"

#define PULL_MAX_DEFAULT	1024		/* MiB */
#define PULL_IDLE_DEFAULT	300		/* seconds without a byte */
#define PULL_IDLE_MAX		86400
#define GUEST_PATH_MAX		1024

/* The guest's exit statuses that mean "no repository to pull from". */
#define PULL_NO_DIR	3
#define PULL_NO_GIT	4
#define PULL_NO_REPO	5

/*
 * In the guest, in the workspace ($1), with the host's commit ids on
 * stdin: the uncommitted changes (tracked and untracked, not ignored)
 * are committed through a temporary index, so HEAD, the index and the
 * work tree stay as they are; the bundle of PULL_REF (deleted again)
 * leaves out the commits the host has, and goes to stdout.
 */
static const char pull_sh[] =
    "cd \"$1\" 2>/dev/null || { echo \"no directory $1 in the guest\" >&2; "
    "exit 3; }\n"
    "command -v git >/dev/null 2>&1 || { echo 'the guest has no git' >&2; "
    "exit 4; }\n"
    "[ \"$(git rev-parse --show-toplevel 2>/dev/null)\" = \"$(pwd -P)\" ] "
    "|| { echo \"$1 is not a git repository in the guest\" >&2; exit 5; }\n"
    "h=$(git rev-parse -q --verify 'HEAD^{commit}') || "
    "{ echo \"$1 has no commit in the guest\" >&2; exit 5; }\n"
    "t=$(mktemp -d) || exit 1\n"
    "trap 'rm -rf \"$t\"; git update-ref -d " PULL_REF " 2>/dev/null' "
    "EXIT\n"
    "i=$(git rev-parse --git-path index) || exit 1\n"
    "if [ -f \"$i\" ]; then cp \"$i\" \"$t/index\"; else "
    "GIT_INDEX_FILE=$t/index git read-tree \"$h\"; fi || exit 1\n"
    "tr=$(GIT_INDEX_FILE=$t/index git add -A :/ && "
    "GIT_INDEX_FILE=$t/index git write-tree) || exit 1\n"
    "c=$h\n"
    "if [ \"$tr\" != \"$(git rev-parse \"$h^{tree}\")\" ]; then\n"
    "  git var GIT_COMMITTER_IDENT >/dev/null 2>&1 || "
    "export GIT_AUTHOR_NAME=banger GIT_AUTHOR_EMAIL=banger@localhost "
    "GIT_COMMITTER_NAME=banger GIT_COMMITTER_EMAIL=banger@localhost\n"
    "  c=$(git commit-tree \"$tr\" -p \"$h\" "
    "-m '" PULL_SNAPSHOT_MSG "') || exit 1\n"
    "fi\n"
    "git update-ref " PULL_REF " \"$c\" || exit 1\n"
    /* What the host has and we have too, as exclusions. */
    "x=$(git cat-file --batch-check='%(objectname) %(objecttype)' | "
    "while read -r o y; do [ \"$y\" = commit ] && echo \"^$o\"; done)\n"
    /* The host has c itself: send c alone, its parents excluded. */
    "if [ -z \"$(git rev-list -n 1 \"$c\" $x)\" ]; then\n"
    "  x=$(for p in $(git rev-parse \"$c^@\"); do echo \"^$p\"; done)\n"
    "fi\n"
    "git bundle create -q - " PULL_REF " $x\n";

static const struct cmd_opt vm_pull_opts[] = {
	{ "repo", 0, "PATH", "the host repository (default: the one that "
	    "contains the current directory)" },
	{ "branch", 'b', "NAME", "the host branch to create or fast-forward "
	    "(default: banger/NAME)" },
	{ "guest-path", 0, "PATH", "the repository in the guest (default: "
	    "/root/<the host repository's directory name>)" },
	{ "max-size", 0, "SIZE", "refuse a bundle larger than SIZE, e.g. "
	    "512M (default: 1G)" },
	{ "idle-timeout", 0, "SECONDS", "give up when the guest sends "
	    "nothing for SECONDS (default: 300)" },
	{ NULL, 0, NULL, NULL }
};

static int
guest_path_ok(const char *p)
{
	size_t	 i, n = strlen(p);

	if (n < 2 || n > GUEST_PATH_MAX || p[0] != '/')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return 0;
	return 1;
}

static time_t
mono_sec(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * Run the guest's half with its stdout into a pipe we read.  Past max
 * bytes, or after idle seconds without one, the rest is read and
 * dropped while the guest's command is sent SIGTERM (through the
 * session, which forwards it), so that it ends as a command does; a
 * guest that goes on regardless loses its session after DRAIN_SEC (the
 * child that holds it is killed).  Returns the guest's status (or
 * banger's), or -1 after a message when a bound was passed.
 */
#define DRAIN_SEC	10

static int
pull_receive(const char *vm, const char *guest_path, int haves, int file,
    uint64_t max, int idle)
{
	static char	 buf[65536];
	char		*argv[] = { "sh", "-c", (char *)pull_sh, "banger-pull",
			    (char *)guest_path, NULL };
	struct pollfd	 pfd;
	time_t		 until = 0, last;
	uint64_t	 total = 0;
	ssize_t		 n;
	pid_t		 pid;
	int		 p[2], status, over = 0, stalled = 0, bad = 0;

	if (pipe2(p, O_CLOEXEC) == -1) {
		cli_warn("pipe");
		return BEX_FAIL;
	}
	fflush(NULL);
	if ((pid = fork()) == -1) {
		cli_warn("fork");
		close(p[0]);
		close(p[1]);
		return BEX_FAIL;
	}
	if (pid == 0) {
		close(p[0]);
		_exit(vm_exec_io(vm, argv, haves, p[1], 2));
	}
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	last = mono_sec();
	for (;;) {
		if ((over || stalled) && mono_sec() >= until) {
			kill(pid, SIGKILL);
			break;
		}
		if (!over && !stalled && mono_sec() - last >= idle) {
			stalled = 1;
			until = mono_sec() + DRAIN_SEC;
			kill(pid, SIGTERM);
		}
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		if ((n = read(p[0], buf, sizeof(buf))) == 0)
			break;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			kill(pid, SIGKILL);
			bad = 1;
			break;
		}
		last = mono_sec();
		if (over || stalled)
			continue;
		if ((total += (uint64_t)n) > max) {
			over = 1;
			until = mono_sec() + DRAIN_SEC;
			kill(pid, SIGTERM);
			continue;
		}
		if (write_all(file, buf, (size_t)n) == -1) {
			cli_warn("writing the bundle");
			kill(pid, SIGKILL);
			bad = 1;
			break;
		}
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (over) {
		cli_warnx("refused the guest's bundle: more than %llu bytes "
		    "(--max-size)", (unsigned long long)max);
		return -1;
	}
	if (stalled) {
		cli_warnx("refused the guest's bundle: the guest sent nothing "
		    "for %d seconds (--idle-timeout)", idle);
		return -1;
	}
	if (bad)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : BEX_FAIL;
}

static int
cmd_vm_pull_exec(const struct cmd_entry *e, struct args *a)
{
	const char	*vm = a->pos[0], *repo, *v, *what;
	char		 branch[256], gpath[GUEST_PATH_MAX + 1], ref[300];
	char		 err[PATH_MAX + 256], tmpl[PATH_MAX], *top, *slash;
	char		*rp[] = { "rev-parse", "--show-toplevel", NULL };
	char		*crf[] = { "check-ref-format", ref, NULL };
	const char	*tmp;
	uint64_t	 max = (uint64_t)PULL_MAX_DEFAULT << 20;
	int64_t		 mib;
	off_t		 size;
	long		 secs;
	char		*end;
	int		 haves, file, rc, idle = PULL_IDLE_DEFAULT;

	if (!valid_vm_name(vm))
		return cmd_usage_error(e, "invalid VM name '%.64s'", vm);
	if ((v = args_get(e, a, "max-size")) != NULL) {
		if ((mib = parse_size_mib(v)) < 1 || mib > (1 << 20))
			return cmd_usage_error(e, "--max-size: give a size "
			    "from 1M to 1T, e.g. 512M or 2G");
		max = (uint64_t)mib << 20;
	}
	if ((v = args_get(e, a, "idle-timeout")) != NULL) {
		errno = 0;
		secs = strtol(v, &end, 10);
		if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 ||
		    secs < 1 || secs > PULL_IDLE_MAX)
			return cmd_usage_error(e, "--idle-timeout: give "
			    "seconds from 1 to %d", PULL_IDLE_MAX);
		idle = (int)secs;
	}
	v = args_get(e, a, "branch");
	snprintf(branch, sizeof(branch), "%s", v != NULL ? v : "banger/");
	if (v == NULL)
		strncat(branch, vm, sizeof(branch) - strlen(branch) - 1);
	snprintf(ref, sizeof(ref), "refs/heads/%s", branch);
	/* The user's GIT_* variables steer none of the git we run. */
	pull_env_clean();
	repo = (repo = args_get(e, a, "repo")) != NULL ? repo : ".";
	if ((rc = pull_git(repo, rp, -1, &top, PATH_MAX, 1, err,
	    sizeof(err))) != 0 || top[0] != '/') {
		if (rc == 0)
			free(top);
		return cmd_usage_error(e, "%s is not inside a git work tree",
		    repo);
	}
	top[strcspn(top, "\n")] = '\0';
	if (branch[0] == '-' || strlen(branch) > 200 ||
	    pull_git(top, crf, -1, NULL, 0, 1, err, sizeof(err)) != 0) {
		free(top);
		return cmd_usage_error(e, "--branch: '%.64s' is not a valid "
		    "branch name", branch);
	}
	if ((v = args_get(e, a, "guest-path")) != NULL)
		snprintf(gpath, sizeof(gpath), "%s", v);
	else {
		slash = strrchr(top, '/');
		snprintf(gpath, sizeof(gpath), "/root/%s", slash[1] != '\0' ?
		    slash + 1 : "repo");
	}
	if (!guest_path_ok(gpath)) {
		free(top);
		return cmd_usage_error(e, "--guest-path: give an absolute "
		    "path of at most %d bytes", GUEST_PATH_MAX);
	}
	if ((haves = pull_haves(top, branch, err, sizeof(err))) == -1) {
		cli_warnx("%s", err);
		free(top);
		return BEX_FAIL;
	}
	/* Private and nameless: 0600, unlinked at once; git reads it
	 * through /proc/self/fd. */
	tmp = getenv("TMPDIR") != NULL && getenv("TMPDIR")[0] == '/' ?
	    getenv("TMPDIR") : "/tmp";
	snprintf(tmpl, sizeof(tmpl), "%s/banger-pull.XXXXXX", tmp);
	if ((file = mkstemp(tmpl)) == -1) {
		cli_warn("%s", tmpl);
		close(haves);
		free(top);
		return BEX_FAIL;
	}
	unlink(tmpl);
	rc = pull_receive(vm, gpath, haves, file, max, idle);
	close(haves);
	if (rc != 0) {
		if (rc == PULL_NO_GIT || rc == PULL_NO_REPO)
			cli_warnx("vm pull needs a git checkout in the guest, "
			    "as `banger vm run --branch NAME PATH` makes on "
			    "an image with git (e.g. debian-bookworm)");
		else if (rc > 0 && rc < BEX_DAEMON)
			cli_warnx("the guest could not make a bundle of %s "
			    "(exit %d)", gpath, rc);
		close(file);
		free(top);
		return rc > 0 && rc >= BEX_DAEMON ? rc : BEX_FAIL;
	}
	if ((size = lseek(file, 0, SEEK_END)) <= 0) {
		cli_warnx("refused the guest's bundle: it sent nothing");
		close(file);
		free(top);
		return BEX_FAIL;
	}
	rc = pull_import(top, file, branch, &what, err, sizeof(err));
	close(file);
	if (rc == -1) {
		cli_warnx("%s; nothing changed on the host", err);
		free(top);
		return BEX_FAIL;
	}
	printf("%s: %s from %s:%s\n", branch, what, vm, gpath);
	rc = pull_diffstat(top, branch) == 0 ? BEX_OK : BEX_FAIL;
	free(top);
	return rc;
}

const struct cmd_entry cmd_vm_pull_entry = {
	.name = "vm pull",
	.usage = "NAME",
	.summary = "bring the guest workspace's changes into a host branch",
	.opts = vm_pull_opts,
	.min_pos = 1,
	.max_pos = 1,
	.exec = cmd_vm_pull_exec,
};
