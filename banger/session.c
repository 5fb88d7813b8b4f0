/*
 * `vm run` after the request is sent.  Until bangerd says CTL_OK the VM
 * is still coming up: progress is shown and a signal simply ends banger
 * (bangerd sees the connection close).  After CTL_OK the command runs:
 * stdin is forwarded in chunks, output is written back byte for byte,
 * signals are forwarded, and CTL_EXIT gives the exit status.
 *
 * Output is the guest's: on a pty session it is the user's own terminal
 * session and goes through as it is; without one (stdin or stdout not a
 * terminal), whatever of it goes to a terminal has its control
 * characters escaped (esc.c).  A guest that stops answering must not
 * hold the user: a second SIGINT or SIGTERM within SESSION_QUIT_MS, or
 * `~.` typed at the start of a line on a pty session, leaves; bangerd
 * then hangs up on the command and deletes the VM if --rm said so.
 *
 * While the guest does not take the input sent (bangerd's AGENT_OUTQ_HIGH
 * or the agent's window), bangerd says CTL_INPUT_HOLD, and stdin is not
 * read until CTL_INPUT_RESUME: it waits in its pipe as it would for a
 * slow local reader.  bangerd still reads us, so a signal or a window
 * size goes through at once.  On a session that watches for `~.` stdin
 * is read all the same, so that `~.` leaves; what is typed waits in
 * bangerd (bounded there: past it bangerd stops reading us).
 *
 * Nothing sent to bangerd blocks: a write blocked on bangerd would leave
 * banger deaf to signals and bangerd's messages.  Frames wait in outq
 * and go out as the socket takes them; stdin is read only while outq is
 * empty, so outq holds about one chunk.
 */
#include <sys/socket.h>
#include <sys/signalfd.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

/* Leave a running command (see the top of this file). */
static int
session_leave(struct session *s, const char *why, int rc)
{
	char	 msg[256];

	tty_restore();
	s->raw = 0;
	snprintf(msg, sizeof(msg), "%s: leaving; bangerd hangs up on the "
	    "command%s", why, s->rm ? " and deletes the VM (--rm)" :
	    " and the VM keeps running");
	session_say(s, msg);
	return rc;
}

/* Queue one frame for bangerd; 0, or an exit status. */
static int
session_queue(struct session *s, uint32_t type, const void *body)
{
	if (msg_frame(&ctl_proto, type, s->id, body, &s->outq) == -1)
		return session_fail(s, "cannot encode a message for bangerd");
	return 0;
}

/* Send what bangerd will take now; 0, or an exit status. */
static int
session_flush(struct session *s)
{
	char	 err[256];
	ssize_t	 n;

	while (s->outoff < s->outq.len) {
		n = send(s->c->fd, s->outq.p + s->outoff,
		    s->outq.len - s->outoff, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			snprintf(err, sizeof(err), "lost connection to "
			    "bangerd: %s", strerror(errno));
			return session_fail(s, err);
		}
		s->outoff += (size_t)n;
	}
	buf_reset(&s->outq);
	s->outoff = 0;
	return 0;
}

static int
session_input(struct session *s, const void *p, size_t len)
{
	struct ctl_input	 in;

	in.data.p = (uint8_t *)(uintptr_t)p;
	in.data.len = len;
	return session_queue(s, CTL_INPUT, &in);
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
	/* The guest's output reaches a terminal that is not its pty. */
	s->out_esc[1] = !s->tty && isatty(s->out);
	s->out_esc[2] = !s->tty && isatty(s->err);
	esc_init(&s->esc[1], ESC_TERM);
	esc_init(&s->esc[2], ESC_TERM);
	s->keys = s->in_open && (s->raw || s->escape_keys);
	s->bol = 1;
	s->tilde = 0;
	return -1;
}

#define ESC_PIECE	4096

/* Guest output to a terminal, escaped; p == NULL flushes at the end. */
static void
session_write_esc(struct session *s, int stream, const uint8_t *p,
    size_t len)
{
	static char	 out[ESC_OUTMAX(ESC_PIECE)];
	int		 fd = stream == 1 ? s->out : s->err;
	size_t		 k, n;

	if (p == NULL) {
		n = esc_finish(&s->esc[stream], out);
		if (n > 0 && write_all(fd, out, n) == -1)
			s->out_broken[stream] = 1;
		return;
	}
	while (len > 0 && !s->out_broken[stream]) {
		k = len < ESC_PIECE ? len : ESC_PIECE;
		n = esc_feed(&s->esc[stream], p, k, out);
		if (write_all(fd, out, n) == -1)
			s->out_broken[stream] = 1;
		p += k;
		len -= k;
	}
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
	if (s->out_esc[o->stream]) {
		session_write_esc(s, o->stream, o->data.p, o->data.len);
		return;
	}
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
	case CTL_INPUT_HOLD:
	case CTL_INPUT_RESUME:
		if (!s->started)
			rc = session_fail(s, "input flow control before the "
			    "command started");
		else
			s->in_held = hdr.type == CTL_INPUT_HOLD;
		break;
	case CTL_EXIT: {
		struct ctl_exit *x = body;

		if (!s->started)
			rc = session_fail(s, "exit before the command "
			    "started");
		else {
			s->exited = 1;
			rc = bex_from_exit(x->status, x->signo);
		}
		break;
	}
	default:
		rc = session_fail(s, "unexpected message from bangerd");
		break;
	}
	client_free(hdr.type, body);
	return rc;
}

/*
 * Typed input on a pty session, watched for `~.` at the start of a line
 * (ssh's escape): `~.` leaves, `~~` sends one `~`, `~` and anything else
 * sends both.  Fills out (at most n + 1 bytes); returns its length, or
 * -1 when `~.` was typed (out then holds what came before it).
 */
static ssize_t
session_keys(struct session *s, const uint8_t *in, size_t n, uint8_t *out,
    size_t *outlen)
{
	size_t	 i, o = 0;
	uint8_t	 c;

	for (i = 0; i < n; i++) {
		c = in[i];
		if (s->tilde) {
			s->tilde = 0;
			if (c == '.') {
				*outlen = o;
				return -1;
			}
			out[o++] = '~';
			if (c == '~') {
				s->bol = 0;
				continue;
			}
		}
		if (s->bol && c == '~') {
			s->tilde = 1;
			continue;
		}
		out[o++] = c;
		s->bol = c == '\r' || c == '\n';
	}
	*outlen = o;
	return (ssize_t)o;
}

/* Returns -1 to go on, else the exit status. */
static int
session_stdin(struct session *s)
{
	static uint8_t	 buf[IO_CHUNK], keys[IO_CHUNK + 1];
	ssize_t		 n;
	size_t		 len;
	int		 leave;

	n = read(s->in, buf, sizeof(buf));
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return -1;
	if (n <= 0) {
		/* Errors count as end of input: the command sees EOF. */
		s->in_open = 0;
		if (s->tilde && session_input(s, "~", 1) != 0)
			return BEX_FAIL;
		s->tilde = 0;
		return session_input(s, "", 0) != 0 ? BEX_FAIL : -1;
	}
	if (!s->keys)
		return session_input(s, buf, (size_t)n) != 0 ? BEX_FAIL : -1;
	leave = session_keys(s, buf, (size_t)n, keys, &len) == -1;
	/* One byte more than a chunk: a held ~ came out before it. */
	if (len > IO_CHUNK) {
		if (session_input(s, keys, IO_CHUNK) != 0 ||
		    session_input(s, keys + IO_CHUNK, len - IO_CHUNK) != 0)
			return BEX_FAIL;
	} else if (len > 0 && session_input(s, keys, len) != 0)
		return BEX_FAIL;
	/* What came before `~.` goes if bangerd takes it now. */
	if (leave)
		return session_flush(s) != 0 ? BEX_FAIL :
		    session_leave(s, "~.", BEX_FAIL);
	return -1;
}

/* Milliseconds from a to b. */
static long long
session_ms(const struct timespec *a, const struct timespec *b)
{
	return (long long)(b->tv_sec - a->tv_sec) * 1000 +
	    (b->tv_nsec - a->tv_nsec) / 1000000;
}

/* Returns -1 to go on, else the exit status. */
static int
session_signal(struct session *s)
{
	struct signalfd_siginfo	 si;
	struct ctl_signal	 sig;
	struct ctl_winsize	 ws;
	struct timespec		 now;
	char			 why[32];

	if (read(s->sigfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return -1;
	if (si.ssi_signo == SIGWINCH) {
		if (!s->started || !s->tty ||
		    tty_size(s->winfd, &ws.cols, &ws.rows) == -1)
			return -1;
		return session_queue(s, CTL_WINSIZE, &ws) != 0 ? BEX_FAIL :
		    -1;
	}
	if (!s->started) {
		/* Still booting: leaving is the way to cancel. */
		tty_restore();
		return BEX_SIGBASE + (int)si.ssi_signo;
	}
	if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((s->quit_at.tv_sec != 0 || s->quit_at.tv_nsec != 0) &&
		    session_ms(&s->quit_at, &now) <= SESSION_QUIT_MS) {
			snprintf(why, sizeof(why), "second %s",
			    si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
			return session_leave(s, why,
			    BEX_SIGBASE + (int)si.ssi_signo);
		}
		s->quit_at = now;
	}
	sig.signo = si.ssi_signo;
	return session_queue(s, CTL_SIGNAL, &sig) != 0 ? BEX_FAIL : -1;
}

static int
session_loop(struct session *s)
{
	struct pollfd	 pfd[3];
	int		 rc;

	for (;;) {
		if (session_flush(s) != 0)
			return BEX_FAIL;
		pfd[0].fd = s->c->fd;
		pfd[0].events = POLLIN | (s->outq.len > 0 ? POLLOUT : 0);
		pfd[1].fd = s->started && s->in_open && s->outq.len == 0 &&
		    (!s->in_held || s->keys) ? s->in : -1;
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
		if ((pfd[0].revents & ~POLLOUT) != 0 &&
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
		} else if (pfd[1].revents != 0 &&
		    (rc = session_stdin(s)) != -1)
			return rc;
	}
}

int
session_run(struct session *s)
{
	int	 rc;

	s->started = s->raw = s->in_open = s->keys = s->tilde = 0;
	s->in_held = 0;
	memset(s->out_broken, 0, sizeof(s->out_broken));
	memset(s->out_esc, 0, sizeof(s->out_esc));
	memset(&s->quit_at, 0, sizeof(s->quit_at));
	memset(&s->outq, 0, sizeof(s->outq));
	s->outoff = 0;
	rc = session_loop(s);
	/* Input bangerd did not take is moot: the session is over. */
	buf_free(&s->outq);
	/* A sequence the guest left unfinished is shown, escaped. */
	if (s->out_esc[1])
		session_write_esc(s, 1, NULL, 0);
	if (s->out_esc[2])
		session_write_esc(s, 2, NULL, 0);
	return rc;
}
