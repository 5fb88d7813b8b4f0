/*
 * banger-agent main loop.  It runs as PID 1, so it must reap every orphan
 * the guest produces and must never exit: errors are logged to the
 * console and the loop goes on.
 */
#include <sys/signalfd.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "log.h"
#include "seed.h"
#include "sv.h"

/* port or vsock listener, signalfd, and up to three fds per session */
#define NPOLL	(2 + 3 * SESS_MAX)

static void
reap(struct agent *a)
{
	struct signalfd_siginfo	 si;
	pid_t			 pid;
	int			 st;

	while (read(a->sig_fd, &si, sizeof(si)) == sizeof(si))
		;
	/*
	 * Every child, ours or not: orphans reparented to us (a session
	 * supervisor, sv.h, or what a command left running) are reaped
	 * here too, and sess_reaped() ignores pids it did not start.
	 */
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		sess_reaped(a, pid, st);
}

static void
add(struct pollfd *pfd, int *n, int fd, short ev)
{
	pfd[*n].fd = fd;
	pfd[*n].events = ev;
	pfd[*n].revents = 0;
	(*n)++;
}

/*
 * Events for a session descriptor.  A session may have ended earlier in
 * this round and its descriptor numbers been reused; every descriptor is
 * non-blocking, so a stale event costs one EAGAIN.
 */
static void
pollsess(struct agent *a, const struct pollfd *p)
{
	struct session	*s;
	int		 i;

	for (i = 0; i < SESS_MAX; i++) {
		s = &a->sess[i];
		if (!s->used)
			continue;
		if (p->fd == s->in_fd) {
			sess_write(a, s);
			return;
		}
		if (p->fd == s->out_fd || p->fd == s->err_fd) {
			sess_read(a, s, p->fd);
			return;
		}
	}
}

static void
loop(struct agent *a)
{
	struct pollfd	 pfd[NPOLL];
	struct session	*s;
	int		 n, i, timeout;
	int64_t		 t;

	for (;;) {
		if (a->port_fd == -1 && now_ms() >= a->reopen_at)
			chan_open(a);
		n = 0;
		add(pfd, &n, a->sig_fd, POLLIN);
		if (a->port_fd != -1)
			add(pfd, &n, a->port_fd,
			    POLLIN | (chan_pending(a) ? POLLOUT : 0));
		else if (a->vsock_fd != -1)
			add(pfd, &n, a->vsock_fd, POLLIN);
		for (i = 0; i < SESS_MAX; i++) {
			s = &a->sess[i];
			if (!s->used)
				continue;
			/*
			 * Backpressure: while the host is slow, leave the
			 * command's output in its pipe.
			 */
			if (chan_pending(a) < TX_HIGH) {
				if (s->out_fd != -1)
					add(pfd, &n, s->out_fd, POLLIN);
				if (s->err_fd != -1)
					add(pfd, &n, s->err_fd, POLLIN);
			}
			if (s->in_fd != -1 && (s->inq.len > s->inoff ||
			    s->in_eof))
				add(pfd, &n, s->in_fd, POLLOUT);
		}
		timeout = -1;
		if (a->port_fd == -1) {
			t = a->reopen_at - now_ms();
			timeout = t < 0 ? 0 : (int)t;
		}
		if (poll(pfd, n, timeout) == -1) {
			if (errno != EINTR)
				log_warn("poll");
			continue;
		}
		for (i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (pfd[i].fd == a->sig_fd) {
				reap(a);
				continue;
			}
			if (a->port_fd == -1 && pfd[i].fd == a->vsock_fd) {
				chan_open(a);
				continue;
			}
			if (pfd[i].fd == a->port_fd) {
				if (pfd[i].revents & POLLOUT)
					chan_flush(a);
				if (a->port_fd != -1 && (pfd[i].revents &
				    (POLLIN | POLLHUP | POLLERR)))
					chan_read(a);
				continue;
			}
			pollsess(a, &pfd[i]);
		}
		if (a->port_fd != -1 && chan_pending(a) > 0)
			chan_flush(a);
	}
}

int
main(int argc, char *argv[])
{
	static struct agent	 a;
	sigset_t		 set;
	int			 i;

	/* A command the host runs, not the agent (sv.h). */
	if (argc >= 2 && strcmp(argv[1], "session") == 0)
		return sv_main(argc - 1, argv + 1);
	/* A warm start's identity and files (own.c); 2 below: "unknown". */
	if (argc >= 2 && strcmp(argv[1], "own") == 0)
		return own_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "seed") == 0)
		return seed_main(argc - 1, argv + 1);
	/* Not a second agent for a subcommand this one does not know. */
	if (argc >= 2) {
		fprintf(stderr, "banger-agent: unknown command %s\n", argv[1]);
		return 2;
	}
	log_init("banger-agent", 2, getenv("BANGER_AGENT_DEBUG") != NULL);
	if (getpid() != 1)
		log_warnx("not PID 1; orphans will not be reaped here");

	/* SIGCHLD arrives through a descriptor so poll() sees it. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		fatal("sigprocmask");
	if ((a.sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	/* Writes to a command that closed its stdin fail with EPIPE. */
	signal(SIGPIPE, SIG_IGN);

	a.port_fd = -1;
	a.vsock_fd = -1;
	for (i = 0; i < SESS_MAX; i++)
		a.sess[i].in_fd = a.sess[i].out_fd = a.sess[i].err_fd = -1;
	/* Orphans inherited from init (none expected) are reaped too. */
	reap(&a);
	loop(&a);
	/* NOTREACHED */
	return 1;
}
