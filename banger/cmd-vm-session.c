/*
 * banger vm session start|list|attach|logs|stop VM ...: long-lived
 * sessions that belong to the guest.  Each verb is one guest command,
 * `banger-agent session VERB ...` (agent/sv-cmd.c), run through bangerd
 * as `vm exec` runs one (vm_exec_io); bangerd and the agent protocol
 * know nothing of sessions.  What the guest prints is relayed as command
 * output is (escaped on a terminal); only list's JSON is read here, with
 * sess_list_parse().
 *
 * One entry with the verb as its first positional, not five three-word
 * commands: the command table and its completion have at most two
 * words a command.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "banger.h"
#include "exitcode.h"
#include "proto.h"
#include "sesslist.h"
#include "tty.h"
#include "valid.h"

static const struct cmd_opt vm_session_opts[] = {
	{ "name", 'n', "NAME", "start: the session's name (1-32 of A-Z a-z "
	    "0-9 . _ -)" },
	{ "cwd", 0, "DIR", "start: the command's directory in the guest "
	    "(default /root)" },
	{ "env", 'e', "VAR", "start: KEY=VALUE, a variable for the command "
	    "(repeatable)" },
	{ "stdin-mode", 0, "pipe|pty|none", "start: the command's stdin: a "
	    "pipe attach writes to (default), a pty, or /dev/null" },
	{ "json", 0, NULL, "list: print a JSON array" },
	{ "stream", 0, "stdout|stderr", "logs: which output (default "
	    "stdout)" },
	{ "follow", 'f', NULL, "logs: go on printing until the session "
	    "ends" },
	{ "signal", 's', "SIG", "stop: the signal for a running session "
	    "(default TERM)" },
	{ NULL, 0, NULL, NULL }
};

/* Which options each verb takes. */
static const struct {
	const char	*verb;
	const char	*opts;
	int		 npos;		/* positionals after VM */
} verbs[] = {
	{ "start", " name cwd env stdin-mode ", 0 },
	{ "list", " json ", 0 },
	{ "attach", " ", 1 },
	{ "logs", " stream follow ", 1 },
	{ "stop", " signal ", 1 },
};

#define NVERBS	(sizeof(verbs) / sizeof(verbs[0]))

static int
run_guest(const char *vm, char **argv, int in, int out)
{
	return vm_exec_io(vm, argv, in, out, 2);
}

/* SIG: a number 1-64 or a name, with or without "SIG". */
static int
signal_number(const char *s)
{
	static const struct { const char *name; int no; } names[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
		{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
		{ "TERM", SIGTERM }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
		{ "ALRM", SIGALRM }, { "WINCH", SIGWINCH },
	};
	char	*end;
	long	 v;
	size_t	 i;

	if (s[0] >= '0' && s[0] <= '9') {
		v = strtol(s, &end, 10);
		return *end == '\0' && v >= 1 && v <= 64 ? (int)v : -1;
	}
	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0)
			return names[i].no;
	return -1;
}

static int
env_ok(const char *s)
{
	size_t	 k = strcspn(s, "=");

	return k > 0 && s[k] == '=' && (s[0] < '0' || s[0] > '9') &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_") == k && strlen(s) <= BANGER_STRMAX;
}

static int
session_start(const struct cmd_entry *e, struct args *a, const char *vm)
{
	const char	*name = args_get(e, a, "name");
	const char	*cwd = args_get(e, a, "cwd");
	const char	*mode = args_get(e, a, "stdin-mode");
	char		**envs, **argv;
	size_t		  nenv = 0, i, n = 0;
	int		  rc;

	if (name == NULL || !sess_name_ok(name))
		return cmd_usage_error(e, "start: give --name: 1-%d of A-Z "
		    "a-z 0-9 . _ -, not starting with . or -", SESS_NAME_MAX);
	if (cwd != NULL && (cwd[0] != '/' || strlen(cwd) > BANGER_STRMAX))
		return cmd_usage_error(e, "start: --cwd must be an absolute "
		    "path");
	if (mode != NULL && strcmp(mode, "pipe") != 0 &&
	    strcmp(mode, "pty") != 0 && strcmp(mode, "none") != 0)
		return cmd_usage_error(e, "start: --stdin-mode is pipe, pty "
		    "or none");
	envs = args_get_all(e, a, "env", &nenv);
	for (i = 0; i < nenv; i++)
		if (!env_ok(envs[i]))
			return cmd_usage_error(e, "start: --env wants "
			    "KEY=VALUE, KEY of A-Z a-z 0-9 _");
	if (!a->dashdash || a->ntail == 0)
		return cmd_usage_error(e, "start: give the command after --");
	if ((size_t)a->ntail + 2 * nenv + 9 > BANGER_ARGMAX)
		return cmd_usage_error(e, "too many arguments (at most %d in "
		    "all)", BANGER_ARGMAX);
	for (i = 0; i < (size_t)a->ntail; i++)
		if (strlen(a->tail[i]) > BANGER_STRMAX)
			return cmd_usage_error(e, "argument %zu is longer "
			    "than %d bytes", i + 1, BANGER_STRMAX);
	if ((argv = calloc((size_t)a->ntail + 2 * nenv + 10,
	    sizeof(*argv))) == NULL) {
		cli_warnx("out of memory");
		return BEX_FAIL;
	}
	argv[n++] = "banger-agent";
	argv[n++] = "session";
	argv[n++] = "start";
	argv[n++] = (char *)name;
	argv[n++] = "--stdin-mode";
	argv[n++] = (char *)(mode != NULL ? mode : "pipe");
	if (cwd != NULL) {
		argv[n++] = "--cwd";
		argv[n++] = (char *)cwd;
	}
	for (i = 0; i < nenv; i++) {
		argv[n++] = "--env";
		argv[n++] = envs[i];
	}
	argv[n++] = "--";
	for (i = 0; i < (size_t)a->ntail; i++)
		argv[n++] = a->tail[i];
	argv[n] = NULL;
	rc = run_guest(vm, argv, -1, 1);
	free(argv);
	return rc;
}

/* The guest's list, read off a pipe by a thread, up to the bound. */
struct capture {
	int	 fd;
	char	*buf;
	size_t	 len;
	int	 over;
};

static void *
capture_run(void *arg)
{
	struct capture	*c = arg;
	char		 tmp[4096];
	ssize_t		 n;

	while ((n = read(c->fd, tmp, sizeof(tmp))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		/* Past the bound the rest is read and dropped. */
		if (c->len + (size_t)n > SESS_LIST_BYTES) {
			c->over = 1;
			continue;
		}
		memcpy(c->buf + c->len, tmp, (size_t)n);
		c->len += (size_t)n;
	}
	return NULL;
}

static const char *
state_text(const struct sess_info *s, char *buf, size_t len)
{
	if (s->exited)
		snprintf(buf, len, "exited %lld", (long long)s->exit_status);
	else if (s->killed)
		snprintf(buf, len, "killed %s%s",
		    sigabbrev_np((int)s->signal) != NULL ? "SIG" : "",
		    sigabbrev_np((int)s->signal) != NULL ?
		    sigabbrev_np((int)s->signal) : "?");
	else
		snprintf(buf, len, "%s", s->state);
	return buf;
}

static json_t *
session_json(const struct sess_info *s)
{
	json_t	*o;

	o = json_pack("{s:s, s:s}", "name", s->name, "state", s->state);
	if (o == NULL)
		return NULL;
	if (strcmp(s->state, "starting") != 0) {
		json_object_set_new(o, "pid", json_integer(s->pid));
		json_object_set_new(o, "stdin", json_string(s->stdin_mode));
		json_object_set_new(o, "started", json_integer(s->started));
		json_object_set_new(o, "command", json_string(s->command));
	}
	if (s->exited)
		json_object_set_new(o, "exit_status",
		    json_integer(s->exit_status));
	if (s->killed)
		json_object_set_new(o, "signal", json_integer(s->signal));
	return o;
}

static int
session_list(const struct cmd_entry *e, struct args *a, const char *vm)
{
	static char		*argv[] = { "banger-agent", "session", "list",
				    NULL };
	struct sess_info	*v;
	struct capture		 c;
	pthread_t		 t;
	json_t			*arr;
	char			 err[256], st[32], cmd[4 * SESS_CMD_MAX + 1];
	size_t			 n, i;
	int			 p[2], rc;

	memset(&c, 0, sizeof(c));
	if ((c.buf = malloc(SESS_LIST_BYTES)) == NULL) {
		cli_warnx("out of memory");
		return BEX_FAIL;
	}
	if (pipe2(p, O_CLOEXEC) == -1) {
		cli_warn("pipe");
		free(c.buf);
		return BEX_FAIL;
	}
	c.fd = p[0];
	if ((errno = pthread_create(&t, NULL, capture_run, &c)) != 0) {
		cli_warn("pthread_create");
		close(p[0]);
		close(p[1]);
		free(c.buf);
		return BEX_FAIL;
	}
	rc = run_guest(vm, argv, -1, p[1]);
	close(p[1]);
	pthread_join(t, NULL);
	close(p[0]);
	if (rc != BEX_OK) {
		free(c.buf);
		return rc;
	}
	if (c.over) {
		cli_warnx("%s: the guest's session list is longer than %d "
		    "bytes", vm, SESS_LIST_BYTES);
		free(c.buf);
		return BEX_FAIL;
	}
	rc = sess_list_parse(c.buf, c.len, &v, &n, err, sizeof(err));
	free(c.buf);
	if (rc == -1) {
		cli_warnx("%s: bad session list from the guest: %s", vm, err);
		return BEX_FAIL;
	}
	if (args_get(e, a, "json") != NULL) {
		arr = json_array();
		for (i = 0; arr != NULL && i < n; i++)
			json_array_append_new(arr, session_json(&v[i]));
		/* ASCII only: the guest's text reaches no terminal raw. */
		rc = arr == NULL || json_dumpf(arr, stdout, JSON_INDENT(2) |
		    JSON_ENSURE_ASCII) == -1 ? BEX_FAIL : BEX_OK;
		json_decref(arr);
		printf("\n");
	} else {
		printf("%-20s %-14s %-5s %-8s %s\n", "NAME", "STATE",
		    "STDIN", "PID", "COMMAND");
		for (i = 0; i < n; i++) {
			escape_ctl(v[i].command, cmd, sizeof(cmd));
			printf("%-20s %-14s %-5s %-8lld %s\n", v[i].name,
			    state_text(&v[i], st, sizeof(st)),
			    v[i].stdin_mode[0] != '\0' ? v[i].stdin_mode : "-",
			    (long long)v[i].pid, cmd);
		}
	}
	free(v);
	if (fflush(stdout) != 0)
		return BEX_FAIL;
	return rc;
}

/*
 * On a terminal, the guest side gets one too (a tty exec): `~.` at the
 * start of a line leaves, and a pty session sees our keys raw.
 * Otherwise the end of our stdin detaches.  Neither ends the session.
 */
static int
session_attach(const char *vm, const char *name)
{
	struct ctl_vm_exec	 req;
	char			*argv[] = { "banger-agent", "session", "attach",
				    (char *)name, NULL };

	if (!(isatty(0) && isatty(1)))
		return run_guest(vm, argv, 0, 1);
	memset(&req, 0, sizeof(req));
	req.name = (char *)vm;
	req.argv.v = argv;
	req.argv.n = 4;
	req.tty = 1;
	if (tty_size(1, &req.cols, &req.rows) == -1)
		req.cols = 80, req.rows = 24;
	fprintf(stderr, "banger: attached to %s; ~. at the start of a line "
	    "detaches\n", name);
	return vm_session_fds(CTL_VM_EXEC, &req, 1, NULL, 0, 0, 1, 2);
}

static int
cmd_vm_session_exec(const struct cmd_entry *e, struct args *a)
{
	const char	*vm, *verb = a->pos[0], *name = NULL, *s;
	char		 sig[8], *argv[8];
	size_t		 v;
	int		 i, n = 0;

	for (v = 0; v < NVERBS; v++)
		if (strcmp(verb, verbs[v].verb) == 0)
			break;
	if (v == NVERBS)
		return cmd_usage_error(e, "unknown verb '%.32s': start, list, "
		    "attach, logs or stop", verb);
	if (a->npos != 2 + verbs[v].npos)
		return cmd_usage_error(e, "%s takes VM%s", verb,
		    verbs[v].npos ? " NAME" : "");
	for (i = 0; e->opts[i].name != NULL; i++) {
		char	 w[32];

		snprintf(w, sizeof(w), " %s ", e->opts[i].name);
		if (a->val[i] != NULL && strstr(verbs[v].opts, w) == NULL)
			return cmd_usage_error(e, "%s does not take --%s", verb,
			    e->opts[i].name);
	}
	if (a->dashdash && strcmp(verb, "start") != 0)
		return cmd_usage_error(e, "only start takes a command");
	vm = a->pos[1];
	if (!valid_vm_name(vm))
		return cmd_usage_error(e, "invalid VM name '%.64s'", vm);
	if (verbs[v].npos == 1) {
		name = a->pos[2];
		if (!sess_name_ok(name))
			return cmd_usage_error(e, "invalid session name "
			    "'%.64s'", name);
	}
	if (strcmp(verb, "start") == 0)
		return session_start(e, a, vm);
	if (strcmp(verb, "list") == 0)
		return session_list(e, a, vm);
	if (strcmp(verb, "attach") == 0)
		return session_attach(vm, name);
	argv[n++] = "banger-agent";
	argv[n++] = "session";
	argv[n++] = (char *)verb;
	argv[n++] = (char *)name;
	if (strcmp(verb, "logs") == 0) {
		if ((s = args_get(e, a, "stream")) != NULL &&
		    strcmp(s, "stdout") != 0 && strcmp(s, "stderr") != 0)
			return cmd_usage_error(e, "--stream is stdout or "
			    "stderr");
		argv[n++] = "--stream";
		argv[n++] = (char *)(s != NULL ? s : "stdout");
		if (args_get(e, a, "follow") != NULL)
			argv[n++] = "-f";
	} else if ((s = args_get(e, a, "signal")) != NULL) {
		if ((i = signal_number(s)) == -1)
			return cmd_usage_error(e, "--signal: a signal name "
			    "(TERM, KILL, ...) or number 1-64");
		snprintf(sig, sizeof(sig), "%d", i);
		argv[n++] = "--signal";
		argv[n++] = sig;
	}
	argv[n] = NULL;
	return run_guest(vm, argv, -1, 1);
}

const struct cmd_entry cmd_vm_session_entry = {
	.name = "vm session",
	.usage = "start|list|attach|logs|stop VM [NAME] [-- CMD [ARG...]]",
	.summary = "long-lived commands in a running VM: start one, list, "
	    "attach, read logs, stop",
	.opts = vm_session_opts,
	.min_pos = 2,
	.max_pos = 3,
	.flags = CMD_TAIL,
	.repeat = "env",
	.exec = cmd_vm_session_exec,
};
