/*
 * Command sessions.  Each AG_EXEC starts one child in its own session and
 * process group, with pipes (or a pty) for its stdio.  A session ends --
 * AG_EXIT -- only when the child has been reaped and its output has been
 * read to EOF, so no output is lost behind the exit status; or at once,
 * with status 126 after an AG_ERROR, when the child could not be started.
 */
#include <sys/ioctl.h>
#include <sys/types.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "agent.h"
#include "fdutil.h"
#include "log.h"
#include "proto.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC	(1U << 2)
#endif

extern char **environ;

/* What a child that could not exec tells its parent. */
struct execfail {
	int	 stage;		/* what failed: FAIL_EXEC, FAIL_CHDIR, FAIL_IDS */
	int	 err;
};
#define FAIL_EXEC	0
#define FAIL_CHDIR	1
#define FAIL_IDS	2

struct session *
sess_find(struct agent *a, uint64_t id)
{
	int	 i;

	for (i = 0; i < SESS_MAX; i++)
		if (a->sess[i].used && a->sess[i].id == id)
			return &a->sess[i];
	return NULL;
}

static void
closefd(int *fd)
{
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

static void
sess_free(struct session *s)
{
	closefd(&s->in_fd);
	closefd(&s->out_fd);
	closefd(&s->err_fd);
	buf_free(&s->inq);
	memset(s, 0, sizeof(*s));
	s->in_fd = s->out_fd = s->err_fd = -1;
}

static void
send_output(struct agent *a, struct session *s, int stream, const void *p,
    size_t len)
{
	struct ag_output	 o;

	o.stream = stream;
	o.data.p = (uint8_t *)p;
	o.data.len = len;
	chan_send(a, AG_OUTPUT, s->id, &o);
}

/*
 * In the child: become a session leader with the given stdio, then exec.
 * Only async-signal-safe calls from here on.
 */
static void __attribute__((noreturn))
child(const struct ag_exec *x, const struct run_as *ra, char **env,
    int fds[3], int report)
{
	struct execfail	 f;
	sigset_t	 all;
	int		 i;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	/* PID 1 ignores SIGPIPE, and ignored signals survive exec. */
	signal(SIGPIPE, SIG_DFL);
	setsid();
	if (x->tty)
		(void)ioctl(fds[0], TIOCSCTTY, 0);
	for (i = 0; i < 3; i++)
		if (dup2(fds[i], i) == -1)
			_exit(126);
	/* Nothing else of the agent's may leak into the command. */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	memset(&f, 0, sizeof(f));
	/* Groups first: after setuid they can no longer be changed. */
	if (ra->set && (setgroups(ra->ngroups, ra->groups) == -1 ||
	    setgid(ra->gid) == -1 || setuid(ra->uid) == -1)) {
		f.stage = FAIL_IDS;
		f.err = errno;
	} else if (chdir(x->cwd[0] != '\0' ? x->cwd : "/root") == -1) {
		f.stage = FAIL_CHDIR;
		f.err = errno;
	} else {
		/* execvp searches the PATH in environ: use the child's. */
		environ = env;
		/*
		 * The agent's own subcommands (`banger-agent session ...`)
		 * wherever this image keeps the agent: the tiny image's
		 * /sbin, the golden's /usr/local/sbin, or /run/banger/agent
		 * on a registered root, which no PATH names.
		 */
		if (strcmp(x->argv.v[0], "banger-agent") == 0)
			execv("/proc/self/exe", x->argv.v);
		execvp(x->argv.v[0], x->argv.v);
		f.err = errno;
	}
	(void)!write(report, &f, sizeof(f));
	_exit(exec_fail_status(f.err));
}

static int
open_pty(const struct ag_exec *x, int *master, int *slave)
{
	struct winsize	 ws;
	char		 name[64];

	*master = *slave = -1;
	if ((*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return -1;
	if (grantpt(*master) == -1 || unlockpt(*master) == -1 ||
	    ptsname_r(*master, name, sizeof(name)) != 0)
		goto fail;
	/*
	 * Open the slave here, not in the child: until someone holds it,
	 * reading the master fails with EIO, which would look like EOF.
	 */
	if ((*slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		goto fail;
	if (x->cols > 0 && x->rows > 0) {
		memset(&ws, 0, sizeof(ws));
		ws.ws_col = x->cols;
		ws.ws_row = x->rows;
		if (ioctl(*master, TIOCSWINSZ, &ws) == -1)
			goto fail;
	}
	return 0;
fail:
	closefd(master);
	closefd(slave);
	return -1;
}

/*
 * A command that never started still ends: the AG_ERROR said why, and an
 * AG_EXIT with status 126 (as for a command that cannot be executed)
 * closes the session, so the host does not wait for an exit that would
 * never come.
 */
static void
exec_refused(struct agent *a, uint64_t id)
{
	struct ag_exit	 e = { 126, 0 };

	chan_send(a, AG_EXIT, id, &e);
}

/* Who the command runs as: the guest's own files say who a name is. */
static int
run_as(const struct ag_exec *x, struct run_as *ra, char *err, size_t errlen)
{
	char	*pw, *gr;
	int	 rc;

	memset(ra, 0, sizeof(*ra));
	if (x->user[0] == '\0')
		return 0;
	pw = user_read_file("/etc/passwd", USER_FILE_MAX);
	gr = user_read_file("/etc/group", USER_FILE_MAX);
	if (pw == NULL || gr == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	} else
		rc = user_resolve(x->user, pw, gr, ra, err, errlen);
	free(pw);
	free(gr);
	return rc;
}

/*
 * The environment: the defaults, then the user's HOME, USER and LOGNAME,
 * then what bangerd sends (an image's Env, then the command's).
 */
static char **
user_env(const struct ag_exec *x, const struct run_as *ra, char *err,
    size_t errlen)
{
	char	**given, **env, home[sizeof(ra->home) + 8], user[96];
	char	 logname[96];
	size_t	  i;

	if (!ra->set)
		return env_build(x->env.v, x->env.n, x->tty, err, errlen);
	if ((given = calloc(x->env.n + 3, sizeof(*given))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(home, sizeof(home), "HOME=%s", ra->home[0] != '\0' ?
	    ra->home : "/");
	if (ra->name[0] != '\0')
		snprintf(user, sizeof(user), "USER=%s", ra->name);
	else
		snprintf(user, sizeof(user), "USER=%u", (unsigned)ra->uid);
	snprintf(logname, sizeof(logname), "LOGNAME=%s", user + 5);
	given[0] = home;
	given[1] = user;
	given[2] = logname;
	for (i = 0; i < x->env.n; i++)
		given[3 + i] = x->env.v[i];
	env = env_build(given, 3 + x->env.n, x->tty, err, errlen);
	free(given);
	return env;
}

void
sess_exec(struct agent *a, uint64_t id, const void *body)
{
	const struct ag_exec	*x = body;
	struct session		*s = NULL;
	struct execfail		 f;
	struct run_as		 ra;
	char			**env, err[256], line[512];
	int			 i, p_in[2] = { -1, -1 }, p_out[2] = { -1, -1 };
	int			 p_err[2] = { -1, -1 }, rep[2] = { -1, -1 };
	int			 cfds[3], master = -1, slave = -1, len;
	ssize_t			 n;
	pid_t			 pid;

	if (sess_find(a, id) != NULL) {
		chan_error(a, id, "session %llu already exists",
		    (unsigned long long)id);
		return;
	}
	for (i = 0; i < SESS_MAX; i++)
		if (!a->sess[i].used) {
			s = &a->sess[i];
			break;
		}
	if (s == NULL) {
		chan_error(a, id, "busy: %d session(s) already running",
		    SESS_MAX);
		exec_refused(a, id);
		return;
	}
	if (x->argv.n == 0 || x->argv.v[0][0] == '\0') {
		chan_error(a, id, "empty argv");
		exec_refused(a, id);
		return;
	}
	if (x->cwd[0] != '\0' && x->cwd[0] != '/') {
		chan_error(a, id, "cwd must be absolute");
		exec_refused(a, id);
		return;
	}
	if (run_as(x, &ra, err, sizeof(err)) == -1 ||
	    (env = user_env(x, &ra, err, sizeof(err))) == NULL) {
		chan_error(a, id, "%s", err);
		exec_refused(a, id);
		return;
	}
	workspace_give(x->cwd, &ra);

	if (x->tty) {
		if (open_pty(x, &master, &slave) == -1) {
			chan_error(a, id, "pty: %s", strerror(errno));
			goto fail;
		}
		cfds[0] = cfds[1] = cfds[2] = slave;
	} else {
		if (pipe2(p_in, O_CLOEXEC) == -1 ||
		    pipe2(p_out, O_CLOEXEC) == -1 ||
		    pipe2(p_err, O_CLOEXEC) == -1) {
			chan_error(a, id, "pipe: %s", strerror(errno));
			goto fail;
		}
		cfds[0] = p_in[0];
		cfds[1] = p_out[1];
		cfds[2] = p_err[1];
	}
	if (pipe2(rep, O_CLOEXEC) == -1) {
		chan_error(a, id, "pipe: %s", strerror(errno));
		goto fail;
	}

	if ((pid = fork()) == -1) {
		chan_error(a, id, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0)
		child(x, &ra, env, cfds, rep[1]);

	env_free(env);
	closefd(&rep[1]);
	memset(s, 0, sizeof(*s));
	s->used = 1;
	s->id = id;
	s->pid = pid;
	s->tty = x->tty;
	if (x->tty) {
		closefd(&slave);
		s->out_fd = master;
		s->in_fd = dup(master);
		s->err_fd = -1;
		if (s->in_fd != -1)
			fd_cloexec(s->in_fd, 1);
	} else {
		closefd(&p_in[0]);
		closefd(&p_out[1]);
		closefd(&p_err[1]);
		s->in_fd = p_in[1];
		s->out_fd = p_out[0];
		s->err_fd = p_err[0];
	}
	fd_nonblock(s->out_fd, 1);
	if (s->err_fd != -1)
		fd_nonblock(s->err_fd, 1);
	if (s->in_fd != -1)
		fd_nonblock(s->in_fd, 1);

	/*
	 * The report pipe is close-on-exec: EOF means the exec happened,
	 * a record means it did not (the child then exits 126 or 127).
	 */
	do
		n = read(rep[0], &f, sizeof(f));
	while (n == -1 && errno == EINTR);
	closefd(&rep[0]);
	if (n == sizeof(f)) {
		if (f.stage == FAIL_IDS)
			len = snprintf(line, sizeof(line),
			    "banger-agent: running as %.64s: %s\n", x->user,
			    strerror(f.err));
		else if (f.stage == FAIL_CHDIR)
			len = snprintf(line, sizeof(line),
			    "banger-agent: %.200s: %s\n",
			    x->cwd[0] != '\0' ? x->cwd : "/root",
			    strerror(f.err));
		else
			len = snprintf(line, sizeof(line),
			    "banger-agent: %.200s: %s\n", x->argv.v[0],
			    strerror(f.err));
		send_output(a, s, s->tty ? 1 : 2, line, len);
	}
	log_debug("session %llu: pid %d", (unsigned long long)id, (int)pid);
	return;

fail:
	env_free(env);
	closefd(&master);
	closefd(&slave);
	for (i = 0; i < 2; i++) {
		closefd(&p_in[i]);
		closefd(&p_out[i]);
		closefd(&p_err[i]);
		closefd(&rep[i]);
	}
	exec_refused(a, id);
}

/*
 * Tell the host how much input has left the queue, so that it sends more
 * (see AG_INPUT_WINDOW): once AG_ACK_BYTES have, or at once if now is
 * true (the queue is empty, and the host may be waiting for the rest).
 */
static void
sess_ack(struct agent *a, struct session *s, int now)
{
	struct ag_input_ack	 k;

	if (!now && s->unacked < AG_ACK_BYTES)
		return;
	/* Each within the schema's bound, for a host that oversends. */
	while (s->unacked > 0) {
		k.bytes = s->unacked < AG_STDIN_MAX ? s->unacked :
		    AG_STDIN_MAX;
		s->unacked -= k.bytes;
		chan_send(a, AG_INPUT_ACK, s->id, &k);
	}
}

void
sess_input(struct agent *a, uint64_t id, const void *body)
{
	const struct ag_input	*in = body;
	struct session		*s;

	if ((s = sess_find(a, id)) == NULL) {
		chan_error(a, id, "no session %llu", (unsigned long long)id);
		return;
	}
	if (s->in_eof) {
		chan_error(a, id, "input after end of input");
		return;
	}
	if (in->data.len == 0) {
		s->in_eof = 1;
		sess_write(a, s);
		return;
	}
	/*
	 * The command stopped reading its stdin: drop, as a pipe would, but
	 * acknowledge, or the host would wait for room that never comes.
	 */
	if (s->in_fd == -1) {
		s->unacked += in->data.len;
		sess_ack(a, s, 1);
		return;
	}
	/* Only a host that ignores AG_INPUT_WINDOW gets this far. */
	if (s->inq.len - s->inoff + in->data.len > STDIN_MAX) {
		chan_error(a, id, "stdin buffer full (%u bytes); input dropped",
		    STDIN_MAX);
		s->unacked += in->data.len;
		sess_ack(a, s, 1);
		return;
	}
	if (buf_append(&s->inq, in->data.p, in->data.len) == -1) {
		chan_error(a, id, "stdin: %s", strerror(errno));
		s->unacked += in->data.len;
		sess_ack(a, s, 1);
		return;
	}
	sess_write(a, s);
}

void
sess_signal(struct agent *a, uint64_t id, const void *body)
{
	const struct ag_signal	*sg = body;
	struct session		*s;

	if ((s = sess_find(a, id)) == NULL) {
		chan_error(a, id, "no session %llu", (unsigned long long)id);
		return;
	}
	if (sg->signo < 1 || sg->signo > 64) {
		chan_error(a, id, "bad signal %llu",
		    (unsigned long long)sg->signo);
		return;
	}
	/* The whole group: the command's children share its fate. */
	if (kill(-s->pid, (int)sg->signo) == -1 && errno != ESRCH)
		chan_error(a, id, "kill: %s", strerror(errno));
}

void
sess_winsize(struct agent *a, uint64_t id, const void *body)
{
	const struct ag_winsize	*w = body;
	struct session		*s;
	struct winsize		 ws;

	if ((s = sess_find(a, id)) == NULL) {
		chan_error(a, id, "no session %llu", (unsigned long long)id);
		return;
	}
	/* A resize racing a non-tty session is harmless; ignore it. */
	if (!s->tty || s->out_fd == -1)
		return;
	memset(&ws, 0, sizeof(ws));
	ws.ws_col = w->cols;
	ws.ws_row = w->rows;
	if (ioctl(s->out_fd, TIOCSWINSZ, &ws) == -1)
		chan_error(a, id, "TIOCSWINSZ: %s", strerror(errno));
}

void
sess_reaped(struct agent *a, pid_t pid, int wstatus)
{
	int	 i;

	for (i = 0; i < SESS_MAX; i++)
		if (a->sess[i].used && a->sess[i].pid == pid &&
		    !a->sess[i].reaped) {
			a->sess[i].reaped = 1;
			a->sess[i].wstatus = wstatus;
			sess_finish_if_done(a, &a->sess[i]);
			return;
		}
}

/* Read one chunk from stdout (fd == out_fd) or stderr. */
void
sess_read(struct agent *a, struct session *s, int fd)
{
	uint8_t	 chunk[IO_CHUNK];
	ssize_t	 n;
	int	*which = fd == s->out_fd ? &s->out_fd : &s->err_fd;

	n = read(fd, chunk, sizeof(chunk));
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* EIO on a pty master: every slave descriptor is closed. */
		if (n == -1 && !(s->tty && errno == EIO))
			log_warn("session %llu: read",
			    (unsigned long long)s->id);
		closefd(which);
		sess_finish_if_done(a, s);
		return;
	}
	send_output(a, s, which == &s->out_fd ? 1 : 2, chunk, n);
}

/* Feed queued input to the command; close its stdin at EOF. */
void
sess_write(struct agent *a, struct session *s)
{
	struct termios	 t;
	ssize_t		 n;
	uint8_t		 eof;

	while (s->in_fd != -1 && s->inq.len > s->inoff) {
		n = write(s->in_fd, s->inq.p + s->inoff,
		    s->inq.len - s->inoff);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				/*
				 * A reader that never quite catches up must
				 * not grow the queue's buffer: move the rest
				 * down once half of it is written.
				 */
				if (s->inoff > s->inq.len / 2) {
					memmove(s->inq.p, s->inq.p + s->inoff,
					    s->inq.len - s->inoff);
					s->inq.len -= s->inoff;
					s->inoff = 0;
				}
				sess_ack(a, s, 0);
				return;
			}
			/* EPIPE: the command closed its stdin. */
			closefd(&s->in_fd);
			break;
		}
		s->inoff += n;
		s->unacked += n;
	}
	/* Written, or discarded with the command's stdin. */
	s->unacked += s->inq.len - s->inoff;
	buf_reset(&s->inq);
	s->inoff = 0;
	sess_ack(a, s, 1);
	if (!s->in_eof || s->in_fd == -1)
		return;
	if (s->tty) {
		/*
		 * A pty has no half-close: send the line discipline's EOF
		 * character, as a user typing ^D would.
		 */
		eof = 4;
		if (tcgetattr(s->in_fd, &t) == 0 && t.c_cc[VEOF] != 0)
			eof = t.c_cc[VEOF];
		if (write(s->in_fd, &eof, 1) == -1 && errno == EAGAIN)
			return;
	}
	closefd(&s->in_fd);
}

void
sess_finish_if_done(struct agent *a, struct session *s)
{
	struct ag_exit	 e;

	if (!s->reaped || s->out_fd != -1 || s->err_fd != -1)
		return;
	exit_status(s->wstatus, &e.status, &e.signo);
	log_debug("session %llu: status %lld signal %llu",
	    (unsigned long long)s->id, (long long)e.status,
	    (unsigned long long)e.signo);
	chan_send(a, AG_EXIT, s->id, &e);
	sess_free(s);
}

void
sess_kill_all(struct agent *a)
{
	int	 i;

	for (i = 0; i < SESS_MAX; i++) {
		if (!a->sess[i].used)
			continue;
		log_warnx("session %llu: killed (channel closed)",
		    (unsigned long long)a->sess[i].id);
		if (!a->sess[i].reaped)
			kill(-a->sess[i].pid, SIGKILL);
		/* The zombie is reaped by the SIGCHLD loop like any other. */
		sess_free(&a->sess[i]);
	}
}
