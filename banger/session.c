/*
 * `vm run` after the request is sent.  Until bangerd says CTL_OK the VM
 * is still coming up: progress is shown and a signal simply ends banger
 * (bangerd sees the connection close).  After CTL_OK the command runs:
 * stdin is forwarded in chunks, output is written back byte for byte,
 * signals are forwarded, and CTL_EXIT gives the exit status.
 */
#include <sys/signalfd.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "banger.h"
#include "exitcode.h"
#include "fdutil.h"
#include "proto.h"
#include "session.h"
#include "tty.h"

/* A line for the user; in raw mode the terminal no longer adds a CR. */
static void
session_say(struct session *s, const char *msg)
{
	char	 buf[4 * BANGER_STRMAX + 1];

	escape_ctl(msg, buf, sizeof(buf));
	dprintf(s->err, "banger: %s%s", buf, s->raw ? "\r\n" : "\n");
}

static int
session_fail(struct session *s, const char *why)
{
	tty_restore();
	s->raw = 0;
	session_say(s, why);
	return BEX_FAIL;
}

static int
session_input(struct session *s, const void *p, size_t len)
{
	struct ctl_input	 in;
	char			 err[256];

	in.data.p = (uint8_t *)(uintptr_t)p;
	in.data.len = len;
	if (client_send(s->c, CTL_INPUT, s->id, &in, err, sizeof(err)) == -1)
		return session_fail(s, err);
	return 0;
}

/* The command has started; returns -1 to go on, else an exit status. */
static int
session_start(struct session *s)
{
	s->started = 1;
	s->in_open = 1;
	if (s->in == -1 || fcntl(s->in, F_GETFD) == -1) {
		/* No stdin at all: the command reads EOF. */
		s->in_open = 0;
		if (session_input(s, "", 0) != 0)
			return BEX_FAIL;
	}
	if (s->tty && s->in_open && tty_raw(s->in) == 0)
		s->raw = 1;
	return -1;
}

static void
session_output(struct session *s, const struct ctl_output *o)
{
	int	 fd = o->stream == 1 ? s->out : s->err;

	/*
	 * A closed stdout (say `| head`) must not end the session: the
	 * command still runs to its own end, its output is dropped.
	 */
	if (s->out_broken[o->stream])
		return;
	if (write_all(fd, o->data.p, o->data.len) == -1)
		s->out_broken[o->stream] = 1;
}

/* Returns -1 to go on, else the exit status. */
static int
session_message(struct session *s)
{
	struct msg_hdr	 hdr;
	void		*body;
	char		 err[512];
	int		 rc = -1;

	if (client_recv(s->c, s->id, &hdr, &body, err, sizeof(err)) == -1)
		return session_fail(s, err);
	switch (hdr.type) {
	case CTL_PROGRESS:
		session_say(s, ((struct ctl_progress *)body)->message);
		break;
	case CTL_ERROR: {
		struct ctl_error *e = body;

		tty_restore();
		s->raw = 0;
		session_say(s, e->message);
		rc = bex_from_berr(e->code);
		break;
	}
	case CTL_OK:
		if (s->started)
			rc = session_fail(s, "bangerd sent a second OK");
		else
			rc = session_start(s);
		break;
	case CTL_OUTPUT: {
		struct ctl_output *o = body;

		if (!s->started)
			rc = session_fail(s, "output before the command "
			    "started");
		else if (o->stream != 1 && o->stream != 2)
			rc = session_fail(s, "output on an unknown stream");
		else
			session_output(s, o);
		break;
	}
	case CTL_EXIT: {
		struct ctl_exit *x = body;

		if (!s->started)
			rc = session_fail(s, "exit before the command "
			    "started");
		else
			rc = bex_from_exit(x->status, x->signo);
		break;
	}
	default:
		rc = session_fail(s, "unexpected message from bangerd");
		break;
	}
	client_free(hdr.type, body);
	return rc;
}

static int
session_stdin(struct session *s)
{
	static uint8_t	 buf[IO_CHUNK];
	ssize_t		 n;

	n = read(s->in, buf, sizeof(buf));
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		/* Errors count as end of input: the command sees EOF. */
		s->in_open = 0;
		return session_input(s, "", 0);
	}
	return session_input(s, buf, (size_t)n);
}

/* Returns -1 to go on, else the exit status. */
static int
session_signal(struct session *s)
{
	struct signalfd_siginfo	 si;
	struct ctl_signal	 sig;
	struct ctl_winsize	 ws;
	char			 err[256];

	if (read(s->sigfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return -1;
	if (si.ssi_signo == SIGWINCH) {
		if (!s->started || !s->tty ||
		    tty_size(s->winfd, &ws.cols, &ws.rows) == -1)
			return -1;
		if (client_send(s->c, CTL_WINSIZE, s->id, &ws, err,
		    sizeof(err)) == -1)
			return session_fail(s, err);
		return -1;
	}
	if (!s->started) {
		/* Still booting: leaving is the way to cancel. */
		tty_restore();
		return BEX_SIGBASE + (int)si.ssi_signo;
	}
	sig.signo = si.ssi_signo;
	if (client_send(s->c, CTL_SIGNAL, s->id, &sig, err,
	    sizeof(err)) == -1)
		return session_fail(s, err);
	return -1;
}

int
session_run(struct session *s)
{
	struct pollfd	 pfd[3];
	int		 rc;

	s->started = s->raw = s->in_open = 0;
	memset(s->out_broken, 0, sizeof(s->out_broken));
	for (;;) {
		pfd[0].fd = s->c->fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = s->started && s->in_open ? s->in : -1;
		pfd[1].events = POLLIN;
		pfd[2].fd = s->sigfd;
		pfd[2].events = POLLIN;
		pfd[0].revents = pfd[1].revents = pfd[2].revents = 0;
		if (poll(pfd, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			return session_fail(s, "poll failed");
		}
		/*
		 * One message from bangerd, then a pending signal, then a
		 * chunk of stdin: each source gets a turn, so neither a
		 * signal nor typed keys wait for output to pause.  Input
		 * racing an EXIT is inherent and bangerd drops it.
		 */
		if (pfd[0].revents != 0 &&
		    (rc = session_message(s)) != -1) {
			tty_restore();
			return rc;
		}
		if ((pfd[2].revents & POLLIN) &&
		    (rc = session_signal(s)) != -1)
			return rc;
		if (pfd[1].revents & POLLNVAL) {
			s->in_open = 0;
			if (session_input(s, "", 0) != 0)
				return BEX_FAIL;
		} else if (pfd[1].revents != 0) {
			if (session_stdin(s) != 0)
				return BEX_FAIL;
		}
	}
}
