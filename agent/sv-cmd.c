/*
 * `banger-agent session VERB ...`: the host's way to long-lived sessions
 * (sv.h).  Run by the agent as any command is, as root; its output is the
 * host's to read, so list speaks JSON (sv-json.c) and errors are one line
 * on stderr.  Exit status: 0, 1 on an error, 2 on a usage error; start
 * passes on 126 or 127 when the command cannot be executed.
 *
 * An ended session stays, with its logs and its status, until it is
 * collected: `session stop` on an ended session prints the status and
 * removes the session.  That is the one "read" of the status.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sv.h"

extern char **environ;

static int	err(int, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static int
err(int rc, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "banger-agent: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return rc;
}

int
sv_dirpath(const char *name, const char *file, char *out, size_t outlen)
{
	int	 n;

	if (file != NULL)
		n = snprintf(out, outlen, "%s/%s/%s", SV_DIR, name, file);
	else
		n = snprintf(out, outlen, "%s/%s", SV_DIR, name);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* What info says (see sv-super.c); 0, or -1 if there is none yet. */
struct info {
	int		 pid;
	int		 supervisor;
	int		 mode;
	long long	 started;
	char		 cmd[SV_CMD_MAX + 1];
};

static int
info_read(const char *name, struct info *in)
{
	char	 path[256], line[SV_CMD_MAX + 16], mode[16];
	FILE	*f;
	size_t	 n;
	int	 got = 0;

	memset(in, 0, sizeof(*in));
	in->mode = -1;
	if (sv_dirpath(name, "info", path, sizeof(path)) == -1 ||
	    (f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "pid %d", &in->pid) == 1 ||
		    sscanf(line, "supervisor %d", &in->supervisor) == 1 ||
		    sscanf(line, "started %lld", &in->started) == 1)
			got++;
		else if (sscanf(line, "stdin %15s", mode) == 1)
			in->mode = sv_stdin_mode(mode);
		else if (strncmp(line, "cmd ", 4) == 0) {
			n = strcspn(line + 4, "\n");
			memcpy(in->cmd, line + 4, n);
			in->cmd[n] = '\0';
		}
	}
	fclose(f);
	return got == 3 && in->mode != -1 ? 0 : -1;
}

/* state: "running", "exited", "killed", "starting" or "lost". */
static const char *
state_of(const char *name, struct info *in, int *kind, int *val)
{
	char	 dir[256];
	int	 have;

	sv_dirpath(name, NULL, dir, sizeof(dir));
	have = info_read(name, in) == 0;
	if (sv_status_read(dir, kind, val) == 0)
		return *kind == SV_ST_EXIT ? "exited" : "killed";
	*kind = 0;
	if (!have)
		return "starting";
	if (kill(in->supervisor, 0) == 0 || errno == EPERM)
		return "running";
	return "lost";
}

static int
count_sessions(void)
{
	struct dirent	*d;
	DIR		*dp;
	int		 n = 0;

	if ((dp = opendir(SV_DIR)) == NULL)
		return 0;
	while ((d = readdir(dp)) != NULL)
		if (sv_name_ok(d->d_name))
			n++;
	closedir(dp);
	return n;
}

static void
remove_session(const char *name)
{
	static const char *const files[] = { "stdout.log", "stdout.log.1",
	    "stderr.log", "stderr.log.1", "info", "info.tmp", "status",
	    "status.tmp", "sock", NULL };
	char	 path[256];
	int	 i;

	for (i = 0; files[i] != NULL; i++)
		if (sv_dirpath(name, files[i], path, sizeof(path)) == 0)
			(void)unlink(path);
	if (sv_dirpath(name, NULL, path, sizeof(path)) == 0)
		(void)rmdir(path);
}

/* KEY=VALUE with a plain key. */
static int
env_ok(const char *s)
{
	size_t	 k = strcspn(s, "=");

	return k > 0 && s[k] == '=' && (s[0] < '0' || s[0] > '9') &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_") == k;
}

/* environ, then TERM for a pty, then each --env (a later one wins). */
static char **
env_make(char **given, int n, int pty)
{
	char	**env;
	size_t	  m = 0, i, j, k;
	int	  e;

	for (i = 0; environ[i] != NULL; i++)
		;
	if ((env = calloc(i + (size_t)n + 2, sizeof(*env))) == NULL)
		return NULL;
	for (i = 0; environ[i] != NULL; i++)
		env[m++] = environ[i];
	if (pty && getenv("TERM") == NULL)
		env[m++] = "TERM=xterm";
	for (e = 0; e < n; e++) {
		k = strcspn(given[e], "=") + 1;
		for (j = 0; j < m; j++)
			if (strncmp(env[j], given[e], k) == 0)
				break;
		env[j] = given[e];
		if (j == m)
			m++;
	}
	env[m] = NULL;
	return env;
}

static int
cmd_start(int argc, char **argv)
{
	struct sv_start	 st;
	struct stat	 sb;
	char		 dir[256], rep[512], **envs, *end;
	const char	*cwd = "/root";
	int		 i, nenv = 0, p[2], rc;
	size_t		 len = 0;
	ssize_t		 n;
	pid_t		 pid;

	memset(&st, 0, sizeof(st));
	st.mode = SV_STDIN_PIPE;
	if (argc < 2 || !sv_name_ok(argv[1]))
		return err(2, "start: give a valid session name (1-%d of "
		    "A-Z a-z 0-9 . _ -, not starting with . or -)",
		    SV_NAME_MAX);
	st.name = argv[1];
	if ((envs = calloc((size_t)argc, sizeof(*envs))) == NULL)
		return err(1, "out of memory");
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (i + 1 >= argc)
			return err(2, "start: %s needs a value", argv[i]);
		if (strcmp(argv[i], "--cwd") == 0)
			cwd = argv[++i];
		else if (strcmp(argv[i], "--env") == 0) {
			if (!env_ok(argv[++i]))
				return err(2, "start: --env wants KEY=VALUE");
			envs[nenv++] = argv[i];
		} else if (strcmp(argv[i], "--stdin-mode") == 0) {
			if ((st.mode = sv_stdin_mode(argv[++i])) == -1)
				return err(2, "start: --stdin-mode is pipe, "
				    "pty or none");
		} else
			return err(2, "start: unknown option %s", argv[i]);
	}
	if (i >= argc)
		return err(2, "start: give the command after --");
	st.argv = argv + i;
	if (cwd[0] != '/')
		return err(2, "start: --cwd must be absolute");
	if (stat(cwd, &sb) == -1 || !S_ISDIR(sb.st_mode))
		return err(1, "start: %s: not a directory", cwd);
	st.cwd = cwd;
	if ((st.env = env_make(envs, nenv, st.mode == SV_STDIN_PTY)) == NULL)
		return err(1, "out of memory");

	if ((mkdir("/run/banger", 0755) == -1 && errno != EEXIST) ||
	    (mkdir(SV_DIR, 0700) == -1 && errno != EEXIST))
		return err(1, "%s: %s", SV_DIR, strerror(errno));
	if (count_sessions() >= SV_MAX)
		return err(1, "start: %d sessions already; stop ended ones to "
		    "remove them", SV_MAX);
	sv_dirpath(st.name, NULL, dir, sizeof(dir));
	st.dir = dir;
	if (mkdir(dir, 0700) == -1)
		return errno == EEXIST ? err(1, "session %s already exists",
		    st.name) : err(1, "%s: %s", dir, strerror(errno));

	/*
	 * Twice over: the middle process makes a session of its own and
	 * exits, so the supervisor is nobody's child but init's, out of
	 * the process group the agent would signal for this exec.
	 */
	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		remove_session(st.name);
		return err(1, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(p[0]);
		setsid();
		if ((pid = fork()) == 0)
			sv_supervise(&st, p[1]);
		_exit(pid == -1 ? 1 : 0);
	}
	close(p[1]);
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
	while (len < sizeof(rep) - 1 && ((n = read(p[0], rep + len,
	    sizeof(rep) - 1 - len)) > 0 || (n == -1 && errno == EINTR)))
		if (n > 0)
			len += (size_t)n;
	close(p[0]);
	rep[len] = '\0';
	if (strcmp(rep, "ok\n") == 0)
		return 0;
	remove_session(st.name);
	if (len == 0)
		return err(1, "session %s: the supervisor did not start",
		    st.name);
	rc = (int)strtol(rep, &end, 10);
	if (*end == ' ')
		end++;
	fprintf(stderr, "banger-agent: %s", end);
	return rc == 126 || rc == 127 ? rc : 1;
}

static int
cmd_list(void)
{
	struct dirent	**ds;
	struct info	  in;
	const char	 *state;
	int		  i, n, kind, val, first = 1;

	if ((n = scandir(SV_DIR, &ds, NULL, alphasort)) == -1) {
		if (errno != ENOENT)
			return err(1, "%s: %s", SV_DIR, strerror(errno));
		n = 0;
		ds = NULL;
	}
	printf("[");
	for (i = 0; i < n; i++) {
		if (!sv_name_ok(ds[i]->d_name))
			continue;
		state = state_of(ds[i]->d_name, &in, &kind, &val);
		printf("%s\n{\"name\":", first ? "" : ",");
		first = 0;
		sv_json_str(stdout, ds[i]->d_name);
		printf(",\"state\":\"%s\"", state);
		if (strcmp(state, "starting") != 0) {
			printf(",\"pid\":%d,\"stdin\":\"%s\",\"started\":%lld,"
			    "\"command\":", in.pid, sv_stdin_name(in.mode),
			    in.started);
			sv_json_str(stdout, in.cmd);
		}
		if (kind != 0)
			printf(",\"%s\":%d", kind == SV_ST_EXIT ?
			    "exit_status" : "signal", val);
		printf("}");
	}
	printf("%s]\n", first ? "" : "\n");
	for (i = 0; i < n; i++)
		free(ds[i]);
	free(ds);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* Send one frame to a session's supervisor. */
static int
sv_tell(const char *name, int type, const void *p, size_t len)
{
	struct sockaddr_un	 sun;
	int			 fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (sv_dirpath(name, "sock", sun.sun_path, sizeof(sun.sun_path)) ==
	    -1 || (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	rc = sv_frame_send(fd, type, p, len);
	close(fd);
	return rc;
}

static int
cmd_stop(int argc, char **argv)
{
	struct info	 in;
	const char	*state;
	char		 dir[256], *end;
	unsigned char	 sig = SIGTERM;
	long		 v;
	int		 kind, val;

	if (argc == 4 && strcmp(argv[2], "--signal") == 0) {
		v = strtol(argv[3], &end, 10);
		if (*end != '\0' || v < 1 || v > 64)
			return err(2, "stop: --signal wants a number 1-64");
		sig = (unsigned char)v;
	} else if (argc != 2)
		return err(2, "usage: session stop NAME [--signal N]");
	if (!sv_name_ok(argv[1]))
		return err(2, "invalid session name");
	sv_dirpath(argv[1], NULL, dir, sizeof(dir));
	if (access(dir, F_OK) == -1)
		return err(1, "no session %s", argv[1]);
	state = state_of(argv[1], &in, &kind, &val);
	if (strcmp(state, "running") == 0) {
		if (sv_tell(argv[1], SV_F_SIGNAL, &sig, 1) == -1)
			return err(1, "session %s: %s", argv[1],
			    strerror(errno));
		return 0;
	}
	/* Ended: this is the read of its status; the session goes. */
	if (kind == SV_ST_EXIT)
		printf("%s: exited %d\n", argv[1], val);
	else if (kind == SV_ST_SIGNAL)
		printf("%s: killed by signal %d\n", argv[1], val);
	else
		printf("%s: %s, no status\n", argv[1], state);
	remove_session(argv[1]);
	return fflush(stdout) == 0 ? 0 : 1;
}

static int
cmd_logs(int argc, char **argv)
{
	int	 i, stream = 1, follow = 0;

	if (argc < 2 || !sv_name_ok(argv[1]))
		return err(2, "logs: give a valid session name");
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0)
			follow = 1;
		else if (strcmp(argv[i], "--stream") == 0 && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "stdout") == 0)
				stream = 1;
			else if (strcmp(argv[i], "stderr") == 0)
				stream = 2;
			else
				return err(2, "logs: --stream is stdout or "
				    "stderr");
		} else
			return err(2, "logs: unknown option %s", argv[i]);
	}
	return sv_logs(argv[1], stream, follow);
}

int
sv_main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		return err(2, "usage: session start|list|attach|logs|stop ...");
	if (strcmp(argv[1], "start") == 0)
		return cmd_start(argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return cmd_list();
	if (strcmp(argv[1], "stop") == 0)
		return cmd_stop(argc - 1, argv + 1);
	if (strcmp(argv[1], "logs") == 0)
		return cmd_logs(argc - 1, argv + 1);
	if (strcmp(argv[1], "attach") == 0) {
		struct info	 in;
		int		 kind, val;

		if (argc != 3 || !sv_name_ok(argv[2]))
			return err(2, "usage: session attach NAME");
		if (strcmp(state_of(argv[2], &in, &kind, &val), "running") != 0)
			return err(1, "session %s is not running", argv[2]);
		return sv_attach(argv[2], in.mode);
	}
	return err(2, "unknown session command %s", argv[1]);
}
