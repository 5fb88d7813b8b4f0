/*
 * The supervisor of one session.  `session start` forks it twice over
 * (see sv-cmd.c), so it belongs to no exec of the agent's: the agent's
 * exec ending, or the host hanging up on it, does not reach it.  It owns
 * the command (its child, in a session and process group of its own),
 * reads the command's output into the logs and out to attached clients,
 * feeds it input from them, and when the command has been reaped writes
 * the status file and exits.  It never blocks on a client: one that
 * does not take its output within SV_CLIENT_QMAX is dropped.
 */
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "fdutil.h"
#include "sv.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC	(1U << 2)
#endif

extern char **environ;

struct client {
	int		 fd;		/* -1: free */
	unsigned char	 rx[3 + SV_FRAME_MAX];
	size_t		 rxlen;
	unsigned char	*q;		/* SV_CLIENT_QMAX bytes */
	size_t		 qlen;
	size_t		 qoff;
};

struct sv {
	const struct sv_start	*st;
	pid_t		 pid;
	int		 reaped;
	int		 wstatus;
	int		 out_fd;	/* stdout, or the pty master */
	int		 err_fd;	/* -1 for a pty */
	int		 in_fd;		/* -1 for none */
	int		 lfd;
	int		 sigfd;
	struct sv_log	 log[2];
	unsigned char	 inq[SV_INQ_MAX];
	size_t		 inlen;
	struct client	 cl[SV_CLIENTS];
};

static void
closefd(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

static void
client_drop(struct client *c)
{
	closefd(&c->fd);
	c->rxlen = c->qlen = c->qoff = 0;
}

/* Queue a frame for every client; a client that is too far behind goes. */
static void
broadcast(struct sv *s, int type, const void *p, size_t len)
{
	struct client	*c;
	int		 i;

	for (i = 0; i < SV_CLIENTS; i++) {
		c = &s->cl[i];
		if (c->fd == -1)
			continue;
		if (c->qoff > 0 && c->qoff == c->qlen)
			c->qoff = c->qlen = 0;
		if (c->qlen + 3 + len > SV_CLIENT_QMAX) {
			if (c->qoff > 0) {
				memmove(c->q, c->q + c->qoff,
				    c->qlen - c->qoff);
				c->qlen -= c->qoff;
				c->qoff = 0;
			}
			if (c->qlen + 3 + len > SV_CLIENT_QMAX) {
				client_drop(c);
				continue;
			}
		}
		c->q[c->qlen++] = (unsigned char)type;
		c->q[c->qlen++] = (unsigned char)(len >> 8);
		c->q[c->qlen++] = (unsigned char)len;
		memcpy(c->q + c->qlen, p, len);
		c->qlen += len;
	}
}

static void
client_flush(struct client *c)
{
	ssize_t	 n;

	while (c->fd != -1 && c->qoff < c->qlen) {
		n = send(c->fd, c->q + c->qoff, c->qlen - c->qoff,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				client_drop(c);
			return;
		}
		c->qoff += (size_t)n;
	}
	c->qoff = c->qlen = 0;
}

/* A frame from a client. */
static void
client_frame(struct sv *s, int type, const unsigned char *p, size_t len)
{
	struct winsize	 ws;

	switch (type) {
	case SV_F_INPUT:
		/* Only read while there is room: see the loop. */
		if (s->in_fd == -1 || len > SV_INQ_MAX - s->inlen)
			return;
		memcpy(s->inq + s->inlen, p, len);
		s->inlen += len;
		break;
	case SV_F_WINSIZE:
		if (len != 4 || s->err_fd != -1 || s->st->mode != SV_STDIN_PTY)
			return;
		memset(&ws, 0, sizeof(ws));
		ws.ws_col = (unsigned short)(p[0] << 8 | p[1]);
		ws.ws_row = (unsigned short)(p[2] << 8 | p[3]);
		(void)ioctl(s->out_fd, TIOCSWINSZ, &ws);
		break;
	case SV_F_SIGNAL:
		/* The whole group, as the agent signals its commands. */
		if (len == 1 && p[0] >= 1 && p[0] <= 64 && !s->reaped)
			(void)kill(-s->pid, p[0]);
		break;
	}
}

static void
client_read(struct sv *s, struct client *c)
{
	size_t	 plen;
	ssize_t	 n;
	int	 k, type;

	n = recv(c->fd, c->rx + c->rxlen, sizeof(c->rx) - c->rxlen,
	    MSG_DONTWAIT);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* A client leaving (detach) leaves the session as it is. */
		client_drop(c);
		return;
	}
	c->rxlen += (size_t)n;
	while ((k = sv_frame_get(c->rx, c->rxlen, &type, &plen)) > 0) {
		client_frame(s, type, c->rx + 3, plen);
		memmove(c->rx, c->rx + k, c->rxlen - (size_t)k);
		c->rxlen -= (size_t)k;
	}
	if (k == -1)
		client_drop(c);
}

static void
sv_accept(struct sv *s)
{
	int	 fd, i;

	if ((fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC |
	    SOCK_NONBLOCK)) == -1)
		return;
	for (i = 0; i < SV_CLIENTS; i++)
		if (s->cl[i].fd == -1) {
			s->cl[i].fd = fd;
			s->cl[i].rxlen = s->cl[i].qlen = s->cl[i].qoff = 0;
			return;
		}
	close(fd);
}

/*
 * One chunk of output: 1, or 0 at EOF (the descriptor is then closed),
 * or -1 when there is nothing now.
 */
static int
sv_output(struct sv *s, int *fd, int stream)
{
	unsigned char	 buf[SV_FRAME_MAX];
	ssize_t		 n;

	n = read(*fd, buf, sizeof(buf));
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return -1;
	if (n <= 0) {
		/* EIO on a pty master: every slave descriptor is closed. */
		closefd(fd);
		return 0;
	}
	(void)sv_log_write(&s->log[stream - 1], buf, (size_t)n);
	broadcast(s, stream == 1 ? SV_F_STDOUT : SV_F_STDERR, buf, (size_t)n);
	return 1;
}

static void
sv_input(struct sv *s)
{
	ssize_t	 n;

	while (s->inlen > 0 && s->in_fd != -1) {
		n = write(s->in_fd, s->inq, s->inlen);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			/* EPIPE: the command closed its stdin; drop. */
			s->inlen = 0;
			if (s->in_fd != s->out_fd)
				closefd(&s->in_fd);
			return;
		}
		memmove(s->inq, s->inq + n, s->inlen - (size_t)n);
		s->inlen -= (size_t)n;
	}
}

/* The command has been reaped: its last output, the status, the end. */
static void __attribute__((noreturn))
sv_end(struct sv *s)
{
	char	 line[SV_STATUS_MAX];
	int	 i, n;

	/*
	 * What the command wrote before it ended is in the pipe or the
	 * pty; what a process it left behind writes later is not waited
	 * for.
	 */
	while (s->out_fd != -1 && sv_output(s, &s->out_fd, 1) == 1)
		;
	while (s->err_fd != -1 && sv_output(s, &s->err_fd, 2) == 1)
		;
	(void)sv_status_write(s->st->dir, s->wstatus);
	if ((n = sv_status_format(s->wstatus, line, sizeof(line))) > 0)
		broadcast(s, SV_F_EXIT, line, (size_t)n);
	for (i = 0; i < SV_CLIENTS; i++)
		client_flush(&s->cl[i]);
	_exit(0);
}

static void
sv_loop(struct sv *s)
{
	struct pollfd	 pfd[5 + SV_CLIENTS];
	struct signalfd_siginfo	 si;
	int		 i, n, ci[SV_CLIENTS];
	pid_t		 pid;

	for (;;) {
		n = 0;
		pfd[n++] = (struct pollfd){ s->sigfd, POLLIN, 0 };
		pfd[n++] = (struct pollfd){ s->lfd, POLLIN, 0 };
		pfd[n++] = (struct pollfd){ s->out_fd, POLLIN, 0 };
		pfd[n++] = (struct pollfd){ s->err_fd, POLLIN, 0 };
		pfd[n++] = (struct pollfd){ s->inlen > 0 ? s->in_fd : -1,
		    POLLOUT, 0 };
		for (i = 0; i < SV_CLIENTS; i++) {
			ci[i] = n;
			/* Input waits in the client while the queue is full. */
			pfd[n++] = (struct pollfd){ s->cl[i].fd,
			    (s->inlen + SV_FRAME_MAX <= SV_INQ_MAX ? POLLIN :
			    0) | (s->cl[i].qlen > s->cl[i].qoff ? POLLOUT :
			    0), 0 };
		}
		if (poll(pfd, (nfds_t)n, -1) == -1) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (pfd[0].revents != 0) {
			while (read(s->sigfd, &si, sizeof(si)) > 0)
				;
			while ((pid = waitpid(-1, &i, WNOHANG)) > 0)
				if (pid == s->pid) {
					s->reaped = 1;
					s->wstatus = i;
				}
		}
		if (pfd[1].revents & POLLIN)
			sv_accept(s);
		if (pfd[2].revents != 0 && s->out_fd != -1)
			(void)sv_output(s, &s->out_fd, 1);
		if (pfd[3].revents != 0 && s->err_fd != -1)
			(void)sv_output(s, &s->err_fd, 2);
		for (i = 0; i < SV_CLIENTS; i++) {
			if (s->cl[i].fd == -1 || pfd[ci[i]].fd != s->cl[i].fd)
				continue;
			if (pfd[ci[i]].revents & (POLLIN | POLLHUP | POLLERR))
				client_read(s, &s->cl[i]);
			if (s->cl[i].fd != -1 &&
			    (pfd[ci[i]].revents & POLLOUT))
				client_flush(&s->cl[i]);
		}
		sv_input(s);
		for (i = 0; i < SV_CLIENTS; i++)
			client_flush(&s->cl[i]);
		if (s->reaped)
			sv_end(s);
	}
}

/* The command line as list shows it: one line, bounded. */
static void
cmd_line(char **argv, char *out, size_t outlen)
{
	size_t	 o = 0, i, j;

	out[0] = '\0';
	for (i = 0; argv[i] != NULL && o + 1 < outlen; i++) {
		if (i > 0)
			out[o++] = ' ';
		for (j = 0; argv[i][j] != '\0' && o + 1 < outlen; j++)
			out[o++] = (unsigned char)argv[i][j] < 0x20 ||
			    argv[i][j] == 0x7f ? '?' : argv[i][j];
	}
	out[o] = '\0';
}

static int
write_info(const struct sv *s)
{
	char	 path[256], tmp[256], cmd[SV_CMD_MAX + 1];
	FILE	*f;
	int	 rc;

	snprintf(path, sizeof(path), "%s/info", s->st->dir);
	snprintf(tmp, sizeof(tmp), "%s/info.tmp", s->st->dir);
	cmd_line(s->st->argv, cmd, sizeof(cmd));
	if ((f = fopen(tmp, "we")) == NULL)
		return -1;
	fprintf(f, "pid %d\nsupervisor %d\nstdin %s\nstarted %lld\ncmd %s\n",
	    (int)s->pid, (int)getpid(), sv_stdin_name(s->st->mode),
	    (long long)time(NULL), cmd);
	rc = fclose(f) == 0 ? 0 : -1;
	if (rc == 0 && rename(tmp, path) == -1)
		rc = -1;
	return rc;
}

/* In the command's child: only async-signal-safe calls. */
static void __attribute__((noreturn))
child(const struct sv_start *st, int fds[3], int report)
{
	sigset_t	 none;
	int		 i, err;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	setsid();
	if (st->mode == SV_STDIN_PTY)
		(void)ioctl(fds[0], TIOCSCTTY, 0);
	for (i = 0; i < 3; i++)
		if (dup2(fds[i], i) == -1)
			_exit(126);
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	if (chdir(st->cwd) == -1)
		err = errno;
	else {
		environ = st->env;
		execvp(st->argv[0], st->argv);
		err = errno;
	}
	(void)!write(report, &err, sizeof(err));
	_exit(err == ENOENT ? 127 : 126);
}

/* A failure report for `start`: its exit status, then the message. */
static void __attribute__((noreturn))
say(int rep, const char *what, int err)
{
	dprintf(rep, "1 %s: %s\n", what, strerror(err));
	_exit(1);
}

void
sv_supervise(const struct sv_start *st, int rep)
{
	static struct sv	 s;
	struct sockaddr_un	 sun;
	sigset_t		 set;
	char			 path[256], pts[64];
	int			 i, fds[3], p_in[2] = { -1, -1 };
	int			 p_out[2], p_err[2], er[2], err, null;
	ssize_t			 n;

	memset(&s, 0, sizeof(s));
	s.st = st;
	s.in_fd = s.err_fd = -1;
	for (i = 0; i < SV_CLIENTS; i++) {
		s.cl[i].fd = -1;
		if ((s.cl[i].q = malloc(SV_CLIENT_QMAX)) == NULL)
			say(rep, "malloc", ENOMEM);
	}
	/* Hold no directory (a work disk) busy; every path here is absolute. */
	(void)chdir("/");
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((s.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		say(rep, "signalfd", errno);

	snprintf(path, sizeof(path), "%s/stdout.log", st->dir);
	if (sv_log_open(&s.log[0], path, SV_LOG_MAX) == -1)
		say(rep, path, errno);
	snprintf(path, sizeof(path), "%s/stderr.log", st->dir);
	if (sv_log_open(&s.log[1], path, SV_LOG_MAX) == -1)
		say(rep, path, errno);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/sock", st->dir);
	if ((s.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1 ||
	    bind(s.lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(sun.sun_path, 0600) == -1 || listen(s.lfd, 8) == -1)
		say(rep, sun.sun_path, errno);

	if (st->mode == SV_STDIN_PTY) {
		if ((s.out_fd = posix_openpt(O_RDWR | O_NOCTTY |
		    O_CLOEXEC)) == -1 || grantpt(s.out_fd) == -1 ||
		    unlockpt(s.out_fd) == -1 ||
		    ptsname_r(s.out_fd, pts, sizeof(pts)) != 0 ||
		    (fds[0] = open(pts, O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
			say(rep, "pty", errno);
		fds[1] = fds[2] = fds[0];
	} else {
		if (pipe2(p_out, O_CLOEXEC) == -1 ||
		    pipe2(p_err, O_CLOEXEC) == -1)
			say(rep, "pipe", errno);
		if (st->mode == SV_STDIN_PIPE) {
			if (pipe2(p_in, O_CLOEXEC) == -1)
				say(rep, "pipe", errno);
			fds[0] = p_in[0];
		} else if ((fds[0] = open("/dev/null", O_RDONLY |
		    O_CLOEXEC)) == -1)
			say(rep, "/dev/null", errno);
		fds[1] = p_out[1];
		fds[2] = p_err[1];
	}
	if (pipe2(er, O_CLOEXEC) == -1)
		say(rep, "pipe", errno);
	if ((s.pid = fork()) == -1)
		say(rep, "fork", errno);
	if (s.pid == 0)
		child(st, fds, er[1]);
	close(er[1]);
	close(fds[0]);
	if (st->mode == SV_STDIN_PTY) {
		s.in_fd = dup(s.out_fd);
	} else {
		close(p_out[1]);
		close(p_err[1]);
		s.out_fd = p_out[0];
		s.err_fd = p_err[0];
		s.in_fd = p_in[1];
	}
	/* EOF: the command was executed; a record: it was not. */
	do
		n = read(er[0], &err, sizeof(err));
	while (n == -1 && errno == EINTR);
	close(er[0]);
	if (n == sizeof(err)) {
		waitpid(s.pid, NULL, 0);
		if (err == ENOENT)
			dprintf(rep, "127 %s: command not found\n",
			    st->argv[0]);
		else
			dprintf(rep, "126 %s: %s\n", st->argv[0],
			    strerror(err));
		_exit(err == ENOENT ? 127 : 126);
	}
	if (write_info(&s) == -1)
		say(rep, "info", errno);
	fd_nonblock(s.out_fd, 1);
	if (s.err_fd != -1)
		fd_nonblock(s.err_fd, 1);
	if (s.in_fd != -1) {
		fd_cloexec(s.in_fd, 1);
		fd_nonblock(s.in_fd, 1);
	}
	/* Ready: `start` returns; nothing of its exec stays open here. */
	(void)!write(rep, "ok\n", 3);
	close(rep);
	if ((null = open("/dev/null", O_RDWR)) != -1) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	sv_loop(&s);
	_exit(1);
}
