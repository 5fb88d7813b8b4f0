/*
 * Unit tests for the wire side of `vm run` and the request/reply
 * helpers: a forked fake bangerd on a socketpair plays a script of
 * frames built with msg_frame, and checks what the client sends back.
 */
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <termios.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "banger.h"
#include "exitcode.h"
#include "fdutil.h"
#include "frame.h"
#include "proto.h"
#include "session.h"

#define RUN_ID	7

/* ---- the fake daemon (child side) ---------------------------------- */

static void
srv_send(int fd, uint32_t type, uint64_t id, const void *body)
{
	struct buf	 b = { 0 };

	if (msg_frame(&ctl_proto, type, id, body, &b) == -1 ||
	    frame_send(fd, &b, -1) == -1)
		_exit(90);
	buf_free(&b);
}

/* Next message from the client; exits the child on anything unexpected. */
static void *
srv_recv(int fd, uint32_t want, uint64_t wantid)
{
	struct buf	 b = { 0 };
	struct msg_hdr	 hdr;
	void		*body;
	char		 err[MSG_ERRLEN];

	if (frame_recv(fd, FRAME_MAX_CTL, &b, NULL) == -1 || b.len == 0)
		_exit(91);
	if (msg_decode(&ctl_proto, b.p, b.len, &hdr, &body, err,
	    sizeof(err)) == -1)
		_exit(92);
	if (hdr.type != want)
		_exit(93);
	if (hdr.id != wantid)
		_exit(94);
	buf_free(&b);
	return body;
}

static void
srv_progress(int fd, const char *m)
{
	struct ctl_progress	 p = { (char *)m };

	srv_send(fd, CTL_PROGRESS, RUN_ID, &p);
}

static void
srv_ok(int fd, uint64_t id)
{
	struct ctl_ok	 ok = { 0 };

	srv_send(fd, CTL_OK, id, &ok);
}

static void
srv_exit(int fd, int64_t status, uint64_t signo)
{
	struct ctl_exit	 x = { status, signo };

	srv_send(fd, CTL_EXIT, RUN_ID, &x);
}

static void
srv_output(int fd, uint64_t stream, const void *p, size_t len)
{
	struct ctl_output	 o;

	o.stream = stream;
	o.data.p = (uint8_t *)(uintptr_t)p;
	o.data.len = len;
	srv_send(fd, CTL_OUTPUT, RUN_ID, &o);
}

/* ---- harness (parent side) ----------------------------------------- */

struct run {
	int	 rc;
	char	 out[4096];
	size_t	 outlen;
	char	 err[4096];
	int	 child;		/* child's exit status */
};

static void
drain(int fd, char *buf, size_t cap, size_t *lenp)
{
	ssize_t	 n;

	*lenp = 0;
	while ((n = read(fd, buf + *lenp, cap - 1 - *lenp)) > 0)
		*lenp += (size_t)n;
	buf[*lenp] = '\0';
}

/*
 * Run a session against script() in a child.  input is fed as stdin
 * (NULL: stdin closed).  sigfd is passed through.
 */
static void
run_session(void (*script)(int), const void *input, size_t inlen,
    int sigfd, struct run *r)
{
	struct client	 c;
	struct session	 s;
	int		 sp[2], in[2], out[2], err[2], status;
	size_t		 elen;
	pid_t		 pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sp), 0);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(err), 0);
	if (input != NULL) {
		assert_int_equal(pipe(in), 0);
		assert_int_equal(write_all(in[1], input, inlen),
		    (ssize_t)inlen);
		close(in[1]);
	}
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		close(sp[0]);
		script(sp[1]);
		_exit(0);
	}
	close(sp[1]);
	memset(&c, 0, sizeof(c));
	c.fd = sp[0];
	memset(&s, 0, sizeof(s));
	s.c = &c;
	s.id = RUN_ID;
	s.in = input != NULL ? in[0] : -1;
	s.out = out[1];
	s.err = err[1];
	s.sigfd = sigfd;
	s.winfd = -1;
	r->rc = session_run(&s);
	close(out[1]);
	close(err[1]);
	close(sp[0]);
	if (input != NULL)
		close(in[0]);
	drain(out[0], r->out, sizeof(r->out), &r->outlen);
	drain(err[0], r->err, sizeof(r->err), &elen);
	close(out[0]);
	close(err[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	r->child = WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

/* ---- scripts ------------------------------------------------------- */

/* Progress, start, echo stdin back (binary), exit 3. */
static void
script_echo(int fd)
{
	struct ctl_input	*in;
	size_t			 total = 0;

	srv_progress(fd, "booting \x1b]0;owned\x07 VM");
	srv_ok(fd, RUN_ID);
	srv_output(fd, 2, "to stderr\n", 10);
	for (;;) {
		in = srv_recv(fd, CTL_INPUT, RUN_ID);
		if (in->data.len == 0) {
			msg_free(&ctl_proto, CTL_INPUT, in);
			break;
		}
		total += in->data.len;
		srv_output(fd, 1, in->data.p, in->data.len);
		msg_free(&ctl_proto, CTL_INPUT, in);
	}
	if (total != 5)
		_exit(95);
	srv_exit(fd, 3, 0);
}

static void
test_echo(void **state)
{
	struct run	 r;

	(void)state;
	run_session(script_echo, "a\0b\nc", 5, -1, &r);
	assert_int_equal(r.child, 0);
	assert_int_equal(r.rc, 3);
	assert_int_equal(r.outlen, 5);
	assert_memory_equal(r.out, "a\0b\nc", 5);
	/* Progress shows, with the guest's escape sequence defused. */
	assert_non_null(strstr(r.err,
	    "banger: booting \\e]0;owned\\x07 VM\n"));
	assert_null(strchr(r.err, '\x1b'));
	assert_non_null(strstr(r.err, "to stderr\n"));
}

/* stdin closed: the client sends EOF at once. */
static void
script_eof(int fd)
{
	struct ctl_input	*in;

	srv_ok(fd, RUN_ID);
	in = srv_recv(fd, CTL_INPUT, RUN_ID);
	if (in->data.len != 0)
		_exit(96);
	msg_free(&ctl_proto, CTL_INPUT, in);
	srv_exit(fd, -1, 9);
}

static void
test_closed_stdin_and_signalled_exit(void **state)
{
	struct run	 r;

	(void)state;
	run_session(script_eof, NULL, 0, -1, &r);
	assert_int_equal(r.child, 0);
	assert_int_equal(r.rc, 128 + 9);
}

static void
script_boot_error(int fd)
{
	struct ctl_error	 e = { BERR_BOOT, "guest did not \x1b[31mboot" };

	srv_progress(fd, "starting qemu");
	srv_send(fd, CTL_ERROR, RUN_ID, &e);
}

static void
script_other_error(int fd)
{
	struct ctl_error	 e = { BERR_PRIV, "no tap for you" };

	srv_send(fd, CTL_ERROR, RUN_ID, &e);
}

static void
test_errors(void **state)
{
	struct run	 r;

	(void)state;
	run_session(script_boot_error, "", 0, -1, &r);
	assert_int_equal(r.rc, BEX_BOOT);
	assert_non_null(strstr(r.err, "banger: guest did not \\e[31mboot\n"));
	run_session(script_other_error, "", 0, -1, &r);
	assert_int_equal(r.rc, BEX_FAIL);
	assert_non_null(strstr(r.err, "banger: no tap for you\n"));
	assert_int_equal(r.outlen, 0);
}

static void
script_wrong_id(int fd)
{
	srv_ok(fd, RUN_ID + 1);
}

static void
script_output_before_ok(int fd)
{
	srv_output(fd, 1, "x", 1);
}

static void
script_exit_before_ok(int fd)
{
	srv_exit(fd, 0, 0);
}

static void
script_hangup(int fd)
{
	srv_progress(fd, "about to crash");
}

static void
script_garbage(int fd)
{
	static const uint8_t junk[] = { 0, 0, 0, 3, 0xc1, 0xc1, 0xc1 };

	write_all(fd, junk, sizeof(junk));
}

static void
script_double_ok(int fd)
{
	srv_ok(fd, RUN_ID);
	srv_ok(fd, RUN_ID);
	(void)srv_recv(fd, CTL_INPUT, RUN_ID);
}

static void
test_protocol_violations(void **state)
{
	struct run	 r;

	(void)state;
	run_session(script_wrong_id, "", 0, -1, &r);
	assert_int_equal(r.rc, BEX_FAIL);
	assert_non_null(strstr(r.err, "for request 8"));
	run_session(script_output_before_ok, "", 0, -1, &r);
	assert_int_equal(r.rc, BEX_FAIL);
	assert_int_equal(r.outlen, 0);
	run_session(script_exit_before_ok, "", 0, -1, &r);
	assert_int_equal(r.rc, BEX_FAIL);
	run_session(script_hangup, "", 0, -1, &r);
	assert_int_equal(r.rc, BEX_FAIL);
	assert_non_null(strstr(r.err, "closed the connection"));
	run_session(script_garbage, "", 0, -1, &r);
	assert_int_equal(r.rc, BEX_FAIL);
	assert_non_null(strstr(r.err, "bad message"));
	run_session(script_double_ok, NULL, 0, -1, &r);
	assert_int_equal(r.rc, BEX_FAIL);
}

/* After OK, SIGTERM to banger arrives as CTL_SIGNAL. */
static void
script_signal(int fd)
{
	struct ctl_signal	*sig;
	struct ctl_input	*in;

	srv_ok(fd, RUN_ID);
	/* stdin is a pipe with nothing more to come: EOF first. */
	in = srv_recv(fd, CTL_INPUT, RUN_ID);
	msg_free(&ctl_proto, CTL_INPUT, in);
	kill(getppid(), SIGTERM);
	sig = srv_recv(fd, CTL_SIGNAL, RUN_ID);
	if (sig->signo != SIGTERM)
		_exit(97);
	msg_free(&ctl_proto, CTL_SIGNAL, sig);
	srv_exit(fd, -1, SIGTERM);
}

/* Before OK, a signal just ends banger. */
static void
script_signal_early(int fd)
{
	srv_progress(fd, "booting");
	kill(getppid(), SIGINT);
	/* Wait for the client to hang up. */
	(void)srv_recv(fd, CTL_INPUT, RUN_ID);
}

static void
test_signals(void **state)
{
	struct run	 r;
	sigset_t	 mask, old;
	int		 sfd;

	(void)state;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	assert_int_equal(sigprocmask(SIG_BLOCK, &mask, &old), 0);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	assert_true(sfd != -1);
	run_session(script_signal, "", 0, sfd, &r);
	assert_int_equal(r.child, 0);
	assert_int_equal(r.rc, 128 + SIGTERM);
	run_session(script_signal_early, "", 0, sfd, &r);
	assert_int_equal(r.rc, 128 + SIGINT);
	assert_int_equal(r.child, 91);	/* saw the hangup */
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* A large input is cut into IO_CHUNK messages, order kept. */
static void
script_big(int fd)
{
	struct ctl_input	*in;
	size_t			 total = 0, i;
	uint8_t			 expect = 0;

	srv_ok(fd, RUN_ID);
	for (;;) {
		in = srv_recv(fd, CTL_INPUT, RUN_ID);
		if (in->data.len == 0)
			break;
		if (in->data.len > IO_CHUNK)
			_exit(98);
		for (i = 0; i < in->data.len; i++)
			if (in->data.p[i] != expect++)
				_exit(99);
		total += in->data.len;
		msg_free(&ctl_proto, CTL_INPUT, in);
	}
	srv_exit(fd, total == 3 * IO_CHUNK + 17 ? 0 : 1, 0);
}

static void
test_big_input(void **state)
{
	struct client	 c;
	struct session	 s;
	uint8_t		*data;
	size_t		 len = 3 * IO_CHUNK + 17, i;
	int		 sp[2], in[2], null, status, rc;
	pid_t		 pid, wr;

	(void)state;
	data = malloc(len);
	for (i = 0; i < len; i++)
		data[i] = (uint8_t)i;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	assert_int_equal(pipe(in), 0);
	/* A writer process: the pipe cannot hold it all at once. */
	if ((wr = fork()) == 0) {
		close(in[0]);
		write_all(in[1], data, len);
		_exit(0);
	}
	close(in[1]);
	if ((pid = fork()) == 0) {
		close(sp[0]);
		script_big(sp[1]);
		_exit(0);
	}
	close(sp[1]);
	null = open("/dev/null", O_WRONLY);
	memset(&c, 0, sizeof(c));
	c.fd = sp[0];
	memset(&s, 0, sizeof(s));
	s.c = &c;
	s.id = RUN_ID;
	s.in = in[0];
	s.out = s.err = null;
	s.sigfd = -1;
	rc = session_run(&s);
	assert_int_equal(rc, 0);
	waitpid(pid, &status, 0);
	assert_int_equal(WEXITSTATUS(status), 0);
	waitpid(wr, &status, 0);
	close(in[0]);
	close(sp[0]);
	close(null);
	free(data);
}


/* ---- guest output to a terminal, and the ways out ------------------ */

/* A pty whose slave is raw (no CR added): reads back what was written. */
static void
open_pty(int *master, int *slave)
{
	struct termios	 t;

	*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(*master != -1);
	assert_int_equal(grantpt(*master), 0);
	assert_int_equal(unlockpt(*master), 0);
	*slave = open(ptsname(*master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(*slave != -1);
	assert_int_equal(tcgetattr(*slave, &t), 0);
	cfmakeraw(&t);
	assert_int_equal(tcsetattr(*slave, TCSANOW, &t), 0);
}

/* Whatever the pty holds now (the writer has finished). */
static size_t
read_pty(int master, char *buf, size_t cap)
{
	size_t	 len = 0;
	ssize_t	 n;
	int	 fl = fcntl(master, F_GETFL);

	fcntl(master, F_SETFL, fl | O_NONBLOCK);
	while (len < cap - 1 &&
	    (n = read(master, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return len;
}

/*
 * Run a session on the given descriptors against script() in a child;
 * returns banger's status, *child the child's.
 */
static int
run_fds(void (*script)(int), int in, int out, int errfd, int sigfd,
    int escape_keys, int rm, int *child)
{
	struct client	 c;
	struct session	 s;
	int		 sp[2], status, rc;
	pid_t		 pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sp), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		close(sp[0]);
		script(sp[1]);
		_exit(0);
	}
	close(sp[1]);
	memset(&c, 0, sizeof(c));
	c.fd = sp[0];
	memset(&s, 0, sizeof(s));
	s.c = &c;
	s.id = RUN_ID;
	s.in = in;
	s.out = out;
	s.err = errfd;
	s.sigfd = sigfd;
	s.winfd = -1;
	s.escape_keys = escape_keys;
	s.rm = rm;
	rc = session_run(&s);
	close(sp[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	*child = WIFEXITED(status) ? WEXITSTATUS(status) : 100;
	return rc;
}

static void
script_escapes(int fd)
{
	static const char	 e1[] =
	    "err \x1b]0;owned\x07\x1b[2J\xc2\x9b" "1m\r\n";
	struct ctl_input	*in;

	srv_ok(fd, RUN_ID);
	in = srv_recv(fd, CTL_INPUT, RUN_ID);	/* EOF: stdin is closed */
	msg_free(&ctl_proto, CTL_INPUT, in);
	srv_output(fd, 2, e1, sizeof(e1) - 1);
	/* A character split across two messages stays whole. */
	srv_output(fd, 2, "\xe2\x82", 2);
	srv_output(fd, 2, "\xac\t\x9b\xe2", 4);
	srv_output(fd, 1, "out \x1b[2J\n", 9);
	srv_exit(fd, 0, 0);
}

/*
 * No pty session: guest output that reaches a terminal is escaped, the
 * same output into a pipe is not.
 */
static void
test_output_to_terminal_escaped(void **state)
{
	char	 buf[1024], obuf[1024];
	size_t	 olen;
	int	 m, sl, out[2], child, rc;

	(void)state;
	open_pty(&m, &sl);
	assert_int_equal(pipe(out), 0);
	rc = run_fds(script_escapes, -1, out[1], sl, -1, 0, 0, &child);
	assert_int_equal(child, 0);
	assert_int_equal(rc, 0);
	read_pty(m, buf, sizeof(buf));
	assert_string_equal(buf, "err \\e]0;owned\\x07\\e[2J\\xc2\\x9b1m\r\n"
	    "\xe2\x82\xac\t\\x9b\\xe2");
	close(out[1]);
	drain(out[0], obuf, sizeof(obuf), &olen);
	assert_int_equal(olen, 9);
	assert_memory_equal(obuf, "out \x1b[2J\n", 9);
	close(out[0]);
	close(m);
	close(sl);
}

/* The input the guest got, up to the hang-up, must be exactly want. */
static const char	*keys_want;

static void
script_keys(int fd)
{
	struct buf	 b = { 0 };
	struct msg_hdr	 hdr;
	void		*body;
	char		 err[MSG_ERRLEN], got[256];
	size_t		 len = 0;
	struct ctl_input *in;

	srv_ok(fd, RUN_ID);
	for (;;) {
		if (frame_recv(fd, FRAME_MAX_CTL, &b, NULL) == -1)
			_exit(91);
		if (b.len == 0)
			break;		/* banger left */
		if (msg_decode(&ctl_proto, b.p, b.len, &hdr, &body, err,
		    sizeof(err)) == -1 || hdr.type != CTL_INPUT)
			_exit(92);
		in = body;
		if (in->data.len == 0 || len + in->data.len > sizeof(got))
			_exit(93);	/* no EOF: banger left first */
		memcpy(got + len, in->data.p, in->data.len);
		len += in->data.len;
		msg_free(&ctl_proto, CTL_INPUT, in);
		buf_free(&b);
	}
	if (len != strlen(keys_want) || memcmp(got, keys_want, len) != 0)
		_exit(94);
	_exit(0);
}

/* `~.` at the start of a line leaves; `~~` sends one `~`. */
static void
test_tilde_dot(void **state)
{
	static const char	 typed[] = "ab\r~~x\n~y a~.b\r~.not sent";
	char			 ebuf[1024];
	size_t			 elen;
	int			 in[2], err[2], child, rc;

	(void)state;
	keys_want = "ab\r~x\n~y a~.b\r";
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(err), 0);
	assert_int_equal(write_all(in[1], typed, sizeof(typed) - 1),
	    (ssize_t)sizeof(typed) - 1);
	rc = run_fds(script_keys, in[0], -1, err[1], -1, 1, 1, &child);
	close(err[1]);
	drain(err[0], ebuf, sizeof(ebuf), &elen);
	assert_int_equal(child, 0);
	assert_int_equal(rc, BEX_FAIL);
	assert_non_null(strstr(ebuf, "banger: ~.: leaving"));
	assert_non_null(strstr(ebuf, "deletes the VM (--rm)"));
	close(in[0]);
	close(in[1]);
	close(err[0]);
}

/* A guest that ignores SIGINT: the second one leaves. */
static void
script_ignores_sigint(int fd)
{
	struct ctl_signal	*sig;
	struct ctl_input	*in;
	struct buf		 b = { 0 };

	srv_ok(fd, RUN_ID);
	in = srv_recv(fd, CTL_INPUT, RUN_ID);
	msg_free(&ctl_proto, CTL_INPUT, in);
	kill(getppid(), SIGINT);
	sig = srv_recv(fd, CTL_SIGNAL, RUN_ID);
	if (sig->signo != SIGINT)
		_exit(97);
	msg_free(&ctl_proto, CTL_SIGNAL, sig);
	/* Ignored: no exit comes.  The user presses Ctrl-C again. */
	kill(getppid(), SIGINT);
	if (frame_recv(fd, FRAME_MAX_CTL, &b, NULL) == -1 || b.len != 0)
		_exit(98);	/* anything but the hang-up */
	_exit(0);
}

static void
test_second_sigint_leaves(void **state)
{
	sigset_t	 mask, old;
	char		 ebuf[1024];
	size_t		 elen;
	int		 sfd, err[2], child, rc;

	(void)state;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	assert_int_equal(sigprocmask(SIG_BLOCK, &mask, &old), 0);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	assert_true(sfd != -1);
	assert_int_equal(pipe(err), 0);
	rc = run_fds(script_ignores_sigint, -1, -1, err[1], sfd, 0, 0,
	    &child);
	close(err[1]);
	drain(err[0], ebuf, sizeof(ebuf), &elen);
	assert_int_equal(child, 0);
	assert_int_equal(rc, 128 + SIGINT);
	assert_non_null(strstr(ebuf, "banger: second SIGINT: leaving"));
	assert_non_null(strstr(ebuf, "the VM keeps running"));
	close(err[0]);
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/*
 * bangerd has stopped reading us (its guest reads no input): stdin is
 * endless, the socket fills, and a second Ctrl-C (here SIGINT, then
 * SIGTERM) still leaves.  A banger blocked in write() never sees them.
 */
static void
script_stalled(int fd)
{
	struct pollfd	 p = { fd, POLLRDHUP, 0 };
	int		 n = 0, last = -1, same = 0;

	srv_ok(fd, RUN_ID);
	/* Read nothing; wait for the client to stop filling the socket. */
	while (same < 20) {
		if (ioctl(fd, FIONREAD, &n) == -1)
			_exit(96);
		same = n == last && n > 0 ? same + 1 : 0;
		last = n;
		usleep(10000);
	}
	kill(getppid(), SIGINT);
	kill(getppid(), SIGTERM);
	/* Still reading nothing: the next thing is the hang-up. */
	if (poll(&p, 1, -1) != 1 || (p.revents & (POLLRDHUP | POLLHUP)) == 0)
		_exit(98);
	_exit(0);
}

static void
test_stalled_daemon_leaves(void **state)
{
	sigset_t	 mask, old;
	char		 ebuf[1024];
	size_t		 elen;
	int		 sfd, err[2], zero, child, rc;

	(void)state;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	assert_int_equal(sigprocmask(SIG_BLOCK, &mask, &old), 0);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	assert_true(sfd != -1);
	assert_true((zero = open("/dev/zero", O_RDONLY | O_CLOEXEC)) != -1);
	assert_int_equal(pipe(err), 0);
	rc = run_fds(script_stalled, zero, -1, err[1], sfd, 0, 0, &child);
	close(err[1]);
	drain(err[0], ebuf, sizeof(ebuf), &elen);
	assert_int_equal(child, 0);
	assert_int_equal(rc, 128 + SIGTERM);
	assert_non_null(strstr(ebuf, "banger: second SIGTERM: leaving"));
	close(err[0]);
	close(zero);
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/*
 * bangerd holds our input (its guest takes none) but still reads us:
 * with stdin endless, banger stops sending input on CTL_INPUT_HOLD, a
 * single Ctrl-C goes through at once, and CTL_INPUT_RESUME lets input go
 * again.
 */
static void
script_hold(int fd)
{
	struct buf	 b = { 0 };
	struct msg_hdr	 hdr;
	void		*body;
	char		 err[MSG_ERRLEN];
	struct pollfd	 hup = { fd, POLLRDHUP, 0 };
	size_t		 held = 0, after = 0;
	int		 n = 0, last = -1, same = 0, sig = 0;

	srv_ok(fd, RUN_ID);
	srv_send(fd, CTL_INPUT_HOLD, RUN_ID, &(struct ctl_input_flow){ 0 });
	/* Wait for the client to stop sending (it reads one chunk first). */
	while (same < 20) {
		if (ioctl(fd, FIONREAD, &n) == -1)
			_exit(96);
		/* Gone (it refused the hold): no one to signal. */
		if (poll(&hup, 1, 0) == 1 &&
		    (hup.revents & (POLLRDHUP | POLLHUP)) != 0)
			_exit(95);
		same = n == last && n > 0 ? same + 1 : 0;
		last = n;
		usleep(10000);
	}
	kill(getppid(), SIGINT);
	for (;;) {
		if (frame_recv(fd, FRAME_MAX_CTL, &b, NULL) == -1 ||
		    b.len == 0)
			_exit(91);
		if (msg_decode(&ctl_proto, b.p, b.len, &hdr, &body, err,
		    sizeof(err)) == -1)
			_exit(92);
		buf_free(&b);
		if (hdr.type == CTL_SIGNAL) {
			if (((struct ctl_signal *)body)->signo != SIGINT)
				_exit(97);
			sig = 1;
			/* Still held: nothing more comes (a loop would). */
			for (same = 0; same < 20; same++) {
				if (ioctl(fd, FIONREAD, &n) == -1 || n != 0)
					_exit(99);
				usleep(10000);
			}
			srv_send(fd, CTL_INPUT_RESUME, RUN_ID,
			    &(struct ctl_input_flow){ 0 });
		} else if (hdr.type != CTL_INPUT)
			_exit(93);
		else if (!sig)
			held += ((struct ctl_input *)body)->data.len;
		else
			after += ((struct ctl_input *)body)->data.len;
		msg_free(&ctl_proto, hdr.type, body);
		/* What was on its way when the hold came: a chunk or two. */
		if (held > 4 * IO_CHUNK)
			_exit(98);
		if (after > 8 * IO_CHUNK)
			break;
	}
	srv_exit(fd, 0, 0);
	_exit(0);
}

static void
test_hold_lets_signal_through(void **state)
{
	sigset_t	 mask, old;
	char		 ebuf[1024];
	size_t		 elen;
	int		 sfd, err[2], zero, child, rc;

	(void)state;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	assert_int_equal(sigprocmask(SIG_BLOCK, &mask, &old), 0);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	assert_true(sfd != -1);
	assert_true((zero = open("/dev/zero", O_RDONLY | O_CLOEXEC)) != -1);
	assert_int_equal(pipe(err), 0);
	rc = run_fds(script_hold, zero, -1, err[1], sfd, 0, 0, &child);
	close(err[1]);
	drain(err[0], ebuf, sizeof(ebuf), &elen);
	assert_int_equal(child, 0);
	assert_int_equal(rc, 0);
	close(err[0]);
	close(zero);
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* For script_hold_keys: where to type, and where banger says things. */
static int	hold_keys_in = -1, hold_keys_err = -1;

static void
script_hold_keys(int fd)
{
	static const char	 want[] = "banger: held\n";
	struct buf		 b = { 0 };
	struct ctl_progress	 p = { "held" };
	struct ctl_input	*in;
	struct pollfd		 pf[2] = { { fd, POLLRDHUP, 0 },
	    { hold_keys_err, POLLIN, 0 } };
	size_t			 i = 0;
	char			 ch;

	srv_ok(fd, RUN_ID);
	srv_send(fd, CTL_INPUT_HOLD, RUN_ID, &(struct ctl_input_flow){ 0 });
	srv_send(fd, CTL_PROGRESS, RUN_ID, &p);
	/* Messages are taken in order: once this shows, banger is held. */
	while (i < sizeof(want) - 1) {
		pf[0].revents = pf[1].revents = 0;
		if (poll(pf, 2, -1) < 1)
			_exit(94);
		/* Gone instead (it refused the hold). */
		if (pf[0].revents & (POLLRDHUP | POLLHUP))
			_exit(95);
		if (pf[1].revents == 0)
			continue;
		if (read(hold_keys_err, &ch, 1) != 1)
			_exit(95);
		i = ch == want[i] ? i + 1 : 0;
	}
	if (write_all(hold_keys_in, "ab\r~.", 5) != 5)
		_exit(96);
	in = srv_recv(fd, CTL_INPUT, RUN_ID);
	if (in->data.len != 3 || memcmp(in->data.p, "ab\r", 3) != 0)
		_exit(97);
	msg_free(&ctl_proto, CTL_INPUT, in);
	/* Then banger leaves: the hang-up, nothing else. */
	if (frame_recv(fd, FRAME_MAX_CTL, &b, NULL) == -1 || b.len != 0)
		_exit(98);
	_exit(0);
}

/* Held, a session that watches for `~.` still reads it, and leaves. */
static void
test_hold_tilde_dot(void **state)
{
	char	 ebuf[1024];
	size_t	 elen;
	int	 in[2], err[2], child, rc;

	(void)state;
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(err), 0);
	hold_keys_in = in[1];
	hold_keys_err = err[0];
	rc = run_fds(script_hold_keys, in[0], -1, err[1], -1, 1, 0, &child);
	close(err[1]);
	drain(err[0], ebuf, sizeof(ebuf), &elen);
	assert_int_equal(child, 0);
	assert_int_equal(rc, BEX_FAIL);
	assert_non_null(strstr(ebuf, "banger: ~.: leaving"));
	close(in[0]);
	close(in[1]);
	close(err[0]);
}

/* client_recv() on a plain request/reply. */
static void
script_info(int fd)
{
	struct ctl_vm_info	 v = { .name = "web", .state = "running",
	    .vmm = "qemu", .accel = "tcg", .address = "10.0.0.2", .pid = 42,
	    .created = 1700000000, .vcpus = 1, .memory_mib = 256,
	    .disk_mib = 8192, .dir = "/s/vms/web", .image = "tiny",
	    .root = "memory" };

	(void)srv_recv(fd, CTL_VM_LIST, 1);
	srv_send(fd, CTL_VM_INFO, 1, &v);
	srv_ok(fd, 1);
}

static void
test_request_reply(void **state)
{
	struct client		 c;
	struct ctl_vm_list	 req = { 0 };
	struct msg_hdr		 hdr;
	struct ctl_vm_info	*v;
	void			*body;
	char			 err[256];
	uint64_t		 id;
	int			 sp[2], status;
	pid_t			 pid;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	if ((pid = fork()) == 0) {
		close(sp[0]);
		script_info(sp[1]);
		_exit(0);
	}
	close(sp[1]);
	c.fd = sp[0];
	c.next_id = 1;
	assert_int_equal(client_request(&c, CTL_VM_LIST, &req, &id, err,
	    sizeof(err)), 0);
	assert_int_equal(id, 1);
	assert_int_equal(client_recv(&c, id, &hdr, &body, err, sizeof(err)),
	    0);
	assert_int_equal(hdr.type, CTL_VM_INFO);
	v = body;
	assert_string_equal(v->name, "web");
	assert_int_equal(v->pid, 42);
	client_free(hdr.type, body);
	assert_int_equal(client_recv(&c, id, &hdr, &body, err, sizeof(err)),
	    0);
	assert_int_equal(hdr.type, CTL_OK);
	client_free(hdr.type, body);
	assert_int_equal(client_recv(&c, id, &hdr, &body, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "closed"));
	client_close(&c);
	waitpid(pid, &status, 0);
	assert_int_equal(WEXITSTATUS(status), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo),
		cmocka_unit_test(test_closed_stdin_and_signalled_exit),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_protocol_violations),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_big_input),
		cmocka_unit_test(test_request_reply),
		cmocka_unit_test(test_output_to_terminal_escaped),
		cmocka_unit_test(test_tilde_dot),
		cmocka_unit_test(test_second_sigint_leaves),
		cmocka_unit_test(test_stalled_daemon_leaves),
		cmocka_unit_test(test_hold_lets_signal_through),
		cmocka_unit_test(test_hold_tilde_dot),
	};

	/* A fake daemon that dies early must not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
