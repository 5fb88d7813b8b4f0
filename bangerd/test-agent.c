/*
 * Unit tests for bangerd's end of the agent channel, driven as a hostile
 * guest would: messages out of state, errors nobody asked for, error and
 * console floods.  What is checked is what reaches the host's disk:
 * bangerd's log and console.log stay bounded, and abuse drops the channel;
 * and what a guest that stops reading makes bangerd hold: a client's
 * input stays under AGENT_OUTQ_HIGH, and none of it is lost.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/buffer.h>

#include "bangerd.h"
#include "frame.h"
#include "log.h"
#include "msg.h"
#include "vm-phase.h"

struct fixture {
	struct bangerd	 d;
	struct vm	*vm;
	int		 peer;		/* the guest's end */
	int		 logfd;
	char		 dir[64];
	uint64_t	 sid;		/* the CLI's `vm exec` session */
};

static int
setup(void **state)
{
	struct fixture	*f;
	int		 sp[2];
	char		 path[128];

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	TAILQ_INIT(&f->d.vms);
	TAILQ_INIT(&f->d.clients);
	f->d.vmm = &qemu_ops;
	if ((f->d.base = event_base_new()) == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/banger-test-agent.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/bangerd.log", f->dir);
	if ((f->logfd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) == -1)
		return -1;
	log_init("test-agent", f->logfd, 0);
	if ((f->vm = vm_new(&f->d)) == NULL)
		return -1;
	snprintf(f->vm->name, sizeof(f->vm->name), "hostile");
	snprintf(f->vm->dir, sizeof(f->vm->dir), "%s", f->dir);
	f->vm->state = VM_RUNNING;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		return -1;
	agent_attach(f->vm, sp[0]);
	f->peer = sp[1];
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 path[128];

	control_close(&f->d);
	vm_free(f->vm);
	close(f->peer);
	close(f->logfd);
	log_init("test-agent", 2, 0);
	/* libevent closes a freed bufferevent's socket from its loop. */
	event_base_loop(f->d.base, EVLOOP_NONBLOCK);
	event_base_free(f->d.base);
	snprintf(path, sizeof(path), "%s/bangerd.log", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/console.log", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/console.log.1", f->dir);
	unlink(path);
	/* What a warm start's seed step leaves (warm.c). */
	snprintf(path, sizeof(path), "%s/seed.ext4", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/ready", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* One frame from the guest, as agent_read() hands it over. */
static void
guest_sends(struct vm *vm, uint32_t type, uint64_t id, const void *body)
{
	struct buf	 b = { 0 };

	assert_int_equal(msg_frame(&agent_proto, type, id, body, &b), 0);
	agent_handle(vm, b.p + FRAME_HDR, b.len - FRAME_HDR);
	buf_free(&b);
}

/*
 * Log records written so far (each starts with the tag; a guest's
 * newline must not count as a record), and the log's size.
 */
static size_t
log_lines(struct fixture *f)
{
	static char	 buf[1 << 20];
	char		*p;
	size_t	 n = 0;
	ssize_t	 r;

	r = pread(f->logfd, buf, sizeof(buf) - 1, 0);
	assert_true(r >= 0 && r < (ssize_t)sizeof(buf) - 1);
	buf[r] = '\0';
	for (p = buf; (p = strstr(p, "test-agent: ")) != NULL; p++)
		n++;
	return n;
}

static off_t
file_size(struct fixture *f, const char *name)
{
	struct stat	 st;
	char		 path[128];

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	return stat(path, &st) == -1 ? -1 : st.st_size;
}

static const struct ag_error	 boom = { "boom\n2026-01-01 forged line" };

/* An error nobody asked for ends the conversation at once. */
static void
test_unsolicited_error(void **state)
{
	struct fixture	*f = *state;
	int		 i;

	for (i = 0; i < 100000 && f->vm->agent != NULL; i++)
		guest_sends(f->vm, AG_ERROR, 0, &boom);
	assert_null(f->vm->agent);
	assert_int_equal(i, 1);
	assert_true(log_lines(f) <= 1);
}

/*
 * Errors answering our requests are accepted, one per request, and their
 * log lines are rate-limited; one more than was asked for is abuse.
 */
static void
test_error_flood(void **state)
{
	struct fixture	*f = *state;
	struct ag_signal sg = { 15 };
	int		 i;

	f->d.next_session = f->vm->session = 7;
	for (i = 0; i < 5000; i++)
		assert_int_equal(agent_send(f->vm, AG_SIGNAL, 7, &sg), 0);
	for (i = 0; i < 5000; i++) {
		guest_sends(f->vm, AG_ERROR, 7, &boom);
		assert_non_null(f->vm->agent);
	}
	/*
	 * The burst, and perhaps a token or two refilled meanwhile (each
	 * with its "not logged" count).
	 */
	assert_true(log_lines(f) <= RL_BURST + 6);
	guest_sends(f->vm, AG_ERROR, 7, &boom);
	assert_null(f->vm->agent);
}

/* An error naming a session that never existed is refused too. */
static void
test_error_unknown_session(void **state)
{
	struct fixture	*f = *state;
	struct ag_signal sg = { 15 };

	f->d.next_session = f->vm->session = 3;
	assert_int_equal(agent_send(f->vm, AG_SIGNAL, 3, &sg), 0);
	guest_sends(f->vm, AG_ERROR, 4, &boom);
	assert_null(f->vm->agent);
}

/*
 * A command the agent could not start: its error answers the request and
 * the AG_EXIT that follows ends the session, so nothing waits forever;
 * the channel stays.
 */
static void
test_refused_exec(void **state)
{
	struct fixture		*f = *state;
	struct ag_signal	 sg = { 15 };
	const struct ag_error	 why = { "busy: 4 session(s) already running" };
	const struct ag_exit	 e = { 126, 0 };

	f->d.next_session = f->vm->session = 9;
	assert_int_equal(agent_send(f->vm, AG_SIGNAL, 9, &sg), 0);
	guest_sends(f->vm, AG_ERROR, 9, &why);
	assert_non_null(f->vm->agent);
	assert_int_equal(f->vm->session, 9);
	guest_sends(f->vm, AG_EXIT, 9, &e);
	assert_non_null(f->vm->agent);
	assert_int_equal(f->vm->session, 0);
}

/* Every message at the wrong time drops the channel. */
static void
test_out_of_state(void **state)
{
	struct fixture		*f = *state;
	struct ag_ready		 rd = { "1", "6.1" };
	struct ag_exit		 ex = { 0, 0 };
	struct ag_exec		 x;
	struct ag_output	 out = { 1, { (uint8_t *)"x", 1 } };
	char			*argv[] = { "sh", NULL };

	/* Ready while running (it comes once, while starting). */
	guest_sends(f->vm, AG_READY, 0, &rd);
	assert_null(f->vm->agent);
	assert_int_equal(f->vm->state, VM_RUNNING);
	(void)teardown(state);
	assert_int_equal(setup(state), 0);
	f = *state;

	/* Output and exit with no session. */
	guest_sends(f->vm, AG_OUTPUT, 1, &out);
	assert_null(f->vm->agent);
	(void)teardown(state);
	assert_int_equal(setup(state), 0);
	f = *state;
	f->vm->session = 5;
	guest_sends(f->vm, AG_EXIT, 6, &ex);
	assert_null(f->vm->agent);
	(void)teardown(state);
	assert_int_equal(setup(state), 0);
	f = *state;

	/* A host-to-guest type from the guest. */
	memset(&x, 0, sizeof(x));
	x.argv.v = argv;
	x.argv.n = 1;
	x.env.v = argv + 1;
	x.cwd = "";
	guest_sends(f->vm, AG_EXEC, 1, &x);
	assert_null(f->vm->agent);
}

/* Garbage is a decode error, logged once; the channel goes. */
static void
test_garbage(void **state)
{
	struct fixture	*f = *state;
	uint8_t		 junk[64];

	memset(junk, 0x1b, sizeof(junk));
	agent_handle(f->vm, junk, sizeof(junk));
	assert_null(f->vm->agent);
	assert_true(log_lines(f) <= 1);
}

/* A console flood: console.log is capped and rotated once, newest kept. */
static void
test_console_cap(void **state)
{
	struct fixture	*f = *state;
	char		 chunk[4096];
	int		 vmm_end;
	size_t		 i, total = 5 * CONSOLE_LOG_MAX + 123;
	char		 last[8];
	char		 path[128];
	int		 fd;

	assert_int_equal(console_open(f->vm, &vmm_end), 0);
	close(vmm_end);
	memset(chunk, 'x', sizeof(chunk));
	for (i = 0; i + sizeof(chunk) <= total; i += sizeof(chunk))
		assert_int_equal(console_write(f->vm, chunk, sizeof(chunk)),
		    0);
	assert_int_equal(console_write(f->vm, "END", 3), 0);
	assert_true(file_size(f, "console.log") <= CONSOLE_LOG_MAX);
	assert_int_equal(file_size(f, "console.log.1"), CONSOLE_LOG_MAX);
	/* The newest bytes are the end of console.log. */
	snprintf(path, sizeof(path), "%s/console.log", f->dir);
	assert_true((fd = open(path, O_RDONLY)) != -1);
	assert_int_equal(pread(fd, last, 3, file_size(f, "console.log") - 3),
	    3);
	close(fd);
	assert_memory_equal(last, "END", 3);
	console_close(f->vm);
}

/* A guest can make QEMU emit events; their log lines are rate-limited. */
static void
test_qmp_event_flood(void **state)
{
	struct fixture	*f = *state;
	const char	 ev[] = "{\"event\": \"RTC_CHANGE\", \"data\": {}}\r\n";
	int		 sp[2], i;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sp), 0);
	qmp_attach(f->vm, sp[0]);
	/* A few at a time, read between, so that the writes never block. */
	for (i = 0; i < 2000; i++) {
		assert_int_equal(write(sp[1], ev, sizeof(ev) - 1),
		    (ssize_t)sizeof(ev) - 1);
		if (i % 10 == 9)
			event_base_loop(f->d.base, EVLOOP_NONBLOCK);
	}
	event_base_loop(f->d.base, EVLOOP_NONBLOCK);
	close(sp[1]);
	assert_true(log_lines(f) >= 1);
	assert_true(log_lines(f) <= RL_BURST + 6);
	qmp_detach(f->vm);
}

/*
 * The CLI's end of a control connection, over bangerd's real listener
 * (control.c), with a `vm exec` of the fixture's VM started on it.
 */
struct cli {
	int		 fd;
	struct client	*c;		/* bangerd's side */
	struct buf	 out;		/* frames not written yet */
	size_t		 outoff;
	uint64_t	 sent;		/* input bytes framed so far */
	uint64_t	 max_queued;	/* most bangerd held for the guest */
	struct buf	 guest;		/* what the guest end has read */
	uint64_t	 got;		/* input bytes the guest received */
	uint64_t	 acked;		/* ... and acknowledged */
	int		 no_ack;		/* a guest that does not acknowledge */
	int		 got_eof;
	struct buf	 from_d;	/* what bangerd sent the CLI */
	int		 holds;		/* CTL_INPUT_HOLD seen */
	int		 resumes;	/* CTL_INPUT_RESUME seen */
	struct buf	 output;	/* CTL_OUTPUT data */
	int		 exited;	/* CTL_EXIT seen ... */
	int64_t		 status;	/* ... with this status */
	int		 errors;	/* CTL_ERROR seen */
	uint32_t	 error_code;
};

static void
loop_once(struct fixture *f, struct cli *k)
{
	size_t	 q;

	event_base_loop(f->d.base, EVLOOP_NONBLOCK);
	if (f->vm->agent != NULL) {
		q = evbuffer_get_length(bufferevent_get_output(f->vm->agent));
		if (q > k->max_queued)
			k->max_queued = q;
	}
}

static void
cli_frame(struct cli *k, uint32_t type, const void *body)
{
	struct buf	 b = { 0 };

	assert_int_equal(msg_frame(&ctl_proto, type, 1, body, &b), 0);
	assert_int_equal(buf_append(&k->out, b.p, b.len), 0);
	buf_free(&b);
}

/* Write what is pending without blocking; 1 if anything went out. */
static int
cli_flush(struct cli *k)
{
	ssize_t	 n;
	int	 moved = 0;

	while (k->outoff < k->out.len) {
		n = write(k->fd, k->out.p + k->outoff, k->out.len - k->outoff);
		if (n == -1) {
			assert_true(errno == EAGAIN || errno == EINTR);
			break;
		}
		k->outoff += (size_t)n;
		moved = 1;
	}
	if (k->outoff == k->out.len) {
		buf_reset(&k->out);
		k->outoff = 0;
	}
	return moved;
}

/* The n input bytes from offset off: a pattern that shows order. */
static void
pattern(uint8_t *p, size_t n, uint64_t off)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)((off + i) % 251);
}

static void
cli_input(struct cli *k, size_t n)
{
	static uint8_t		 data[IO_CHUNK];
	struct ctl_input	 in;

	pattern(data, n, k->sent);
	in.data.p = data;
	in.data.len = n;
	cli_frame(k, CTL_INPUT, &in);
	k->sent += n;
}

/* Whatever the guest end can read now, appended to b. */
static void
guest_drain(struct fixture *f, struct buf *b)
{
	uint8_t	 chunk[65536];
	ssize_t	 n;

	while ((n = read(f->peer, chunk, sizeof(chunk))) > 0)
		assert_int_equal(buf_append(b, chunk, (size_t)n), 0);
}

/*
 * The guest acknowledges the input it received (all of it: its command
 * reads at once).
 */
static void
guest_ack(struct fixture *f, struct cli *k)
{
	struct ag_input_ack	 ak;

	if (k->got == k->acked || f->vm->agent == NULL)
		return;
	ak.bytes = k->got - k->acked;
	guest_sends(f->vm, AG_INPUT_ACK, f->sid, &ak);
	k->acked = k->got;
}

/*
 * The guest reads its end, checks every AG_INPUT against the pattern and,
 * unless k->no_ack, acknowledges it.
 */
static void
guest_read(struct fixture *f, struct cli *k)
{
	static uint8_t	 want[IO_CHUNK];
	uint8_t		 chunk[65536];
	struct msg_hdr	 hdr;
	struct ag_input	*in;
	void		*body;
	char		 err[MSG_ERRLEN];
	size_t		 plen;
	ssize_t		 n;

	while ((n = read(f->peer, chunk, sizeof(chunk))) > 0)
		assert_int_equal(buf_append(&k->guest, chunk, (size_t)n), 0);
	while (frame_peek(k->guest.p, k->guest.len, FRAME_MAX_AGENT,
	    &plen) == FRAME_OK && k->guest.len >= FRAME_HDR + plen) {
		assert_int_equal(msg_decode(&agent_proto, k->guest.p +
		    FRAME_HDR, plen, &hdr, &body, err, sizeof(err)), 0);
		if (hdr.type == AG_INPUT) {
			in = body;
			assert_false(k->got_eof);
			if (in->data.len == 0)
				k->got_eof = 1;
			assert_true(in->data.len <= sizeof(want));
			pattern(want, in->data.len, k->got);
			assert_memory_equal(in->data.p, want, in->data.len);
			k->got += in->data.len;
		}
		msg_free(&agent_proto, hdr.type, body);
		memmove(k->guest.p, k->guest.p + FRAME_HDR + plen,
		    k->guest.len - FRAME_HDR - plen);
		k->guest.len -= FRAME_HDR + plen;
		if (!k->no_ack)
			guest_ack(f, k);
	}
}

/* Connect and queue a `vm exec` of the fixture's VM. */
static void
cli_connect(struct fixture *f, struct cli *k, int tty)
{
	struct sockaddr_un	 sun;
	struct ctl_vm_exec	 ex;
	char			*argv[] = { "cat", NULL };

	memset(k, 0, sizeof(*k));
	snprintf(f->d.paths.sock, sizeof(f->d.paths.sock), "%s/ctl.sock",
	    f->dir);
	if (f->d.listener == NULL)
		assert_int_equal(control_listen(&f->d), 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->d.paths.sock);
	assert_true((k->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC,
	    0)) != -1);
	assert_int_equal(connect(k->fd, (struct sockaddr *)&sun,
	    sizeof(sun)), 0);
	assert_int_equal(fcntl(k->fd, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(fcntl(f->peer, F_SETFL, O_NONBLOCK), 0);
	memset(&ex, 0, sizeof(ex));
	ex.name = f->vm->name;
	ex.tty = tty;
	ex.cols = 80;
	ex.rows = 24;
	ex.argv.v = argv;
	ex.argv.n = 1;
	cli_frame(k, CTL_VM_EXEC, &ex);
}

/* ... and wait until it runs in the first free slot. */
static void
cli_open(struct fixture *f, struct cli *k, int tty)
{
	size_t	 slot;
	int	 i;

	for (slot = 0; slot < VM_EXEC_MAX && f->vm->execs[slot].id != 0;
	    slot++)
		;
	assert_true(slot < VM_EXEC_MAX);
	cli_connect(f, k, tty);
	for (i = 0; i < 1000 && f->vm->execs[slot].id == 0; i++) {
		(void)cli_flush(k);
		loop_once(f, k);
	}
	assert_int_not_equal(f->sid = f->vm->execs[slot].id, 0);
	assert_non_null(k->c = f->vm->execs[slot].c);
	assert_null(f->vm->runner);
}

/*
 * Feed input while the guest reads nothing, until the CLI's writes stop
 * going anywhere.  On the old code bangerd took everything (FLOOD_MAX
 * bytes and more) into memory.
 */
#define FLOOD_MAX	(64u * 1024 * 1024)
#define QUEUE_SLACK	(4 * IO_CHUNK)	/* frames read before the hold */

static void
cli_flood(struct fixture *f, struct cli *k)
{
	int	 idle = 0;

	while (k->sent < FLOOD_MAX && idle < 50) {
		if (k->out.len == 0)
			cli_input(k, IO_CHUNK);
		idle = cli_flush(k) ? 0 : idle + 1;
		loop_once(f, k);
	}
	assert_true(k->max_queued <= AGENT_OUTQ_HIGH + QUEUE_SLACK);
	assert_true(k->sent < FLOOD_MAX);
	/* This CLI ignores CTL_INPUT_HOLD: bangerd keeps a bounded amount. */
	assert_true(k->c->in_held);
	assert_non_null(k->c->pending);
	assert_true(evbuffer_get_length(k->c->pending) <= PENDING_MAX +
	    IO_CHUNK);
	assert_true(k->c->held);
	assert_false(bufferevent_get_enabled(k->c->bev) & EV_READ);
}

static size_t
nclients(struct fixture *f)
{
	struct client	*c;
	size_t		 n = 0;

	TAILQ_FOREACH(c, &f->d.clients, entry)
		n++;
	return n;
}

static void
cli_close(struct fixture *f, struct cli *k)
{
	size_t	 n = nclients(f);
	int	 i;

	close(k->fd);
	buf_free(&k->from_d);
	/* Waits for events: a held client is looked at once a second. */
	for (i = 0; i < 1000 && nclients(f) == n; i++)
		event_base_loop(f->d.base, EVLOOP_ONCE);
	assert_int_equal(nclients(f), n - 1);
	buf_free(&k->out);
	buf_free(&k->guest);
}

/* Read what bangerd sent the CLI; count holds and resumes. */
static void
cli_read(struct cli *k)
{
	uint8_t		 chunk[4096];
	struct msg_hdr	 hdr;
	void		*body;
	char		 err[MSG_ERRLEN];
	size_t		 plen;
	ssize_t		 n;

	while ((n = read(k->fd, chunk, sizeof(chunk))) > 0)
		assert_int_equal(buf_append(&k->from_d, chunk, (size_t)n), 0);
	while (frame_peek(k->from_d.p, k->from_d.len, FRAME_MAX_CTL,
	    &plen) == FRAME_OK && k->from_d.len >= FRAME_HDR + plen) {
		assert_int_equal(msg_decode(&ctl_proto, k->from_d.p +
		    FRAME_HDR, plen, &hdr, &body, err, sizeof(err)), 0);
		if (hdr.type == CTL_OUTPUT)
			assert_int_equal(buf_append(&k->output,
			    ((struct ctl_output *)body)->data.p,
			    ((struct ctl_output *)body)->data.len), 0);
		else if (hdr.type == CTL_EXIT) {
			k->exited++;
			k->status = ((struct ctl_exit *)body)->status;
		} else if (hdr.type == CTL_ERROR) {
			k->errors++;
			k->error_code = ((struct ctl_error *)body)->code;
		}
		if (hdr.type == CTL_INPUT_HOLD)
			k->holds++;
		else if (hdr.type == CTL_INPUT_RESUME)
			k->resumes++;
		msg_free(&ctl_proto, hdr.type, body);
		memmove(k->from_d.p, k->from_d.p + FRAME_HDR + plen,
		    k->from_d.len - FRAME_HDR - plen);
		k->from_d.len -= FRAME_HDR + plen;
	}
}

/*
 * Is an AG_SIGNAL for signo the last thing queued for the guest (not read
 * by it yet)?  The queue's head may be a frame partly written already.
 */
static int
queued_signal(struct fixture *f, uint64_t signo)
{
	struct evbuffer		*q = bufferevent_get_output(f->vm->agent);
	size_t			 len = evbuffer_get_length(q);
	struct ag_signal	 sg = { signo };
	struct buf		 want = { 0 };
	uint8_t			*p;
	int			 found;

	assert_int_equal(msg_frame(&agent_proto, AG_SIGNAL, f->sid,
	    &sg, &want), 0);
	found = len >= want.len && (p = evbuffer_pullup(q, -1)) != NULL &&
	    memcmp(p + len - want.len, want.p, want.len) == 0;
	buf_free(&want);
	return found;
}

/*
 * A CLI that obeys CTL_INPUT_HOLD, with a guest that reads nothing: its
 * Ctrl-C goes to the guest's queue at once (on the old code it waited in
 * the socket behind held input, as bangerd read the client no more), the
 * input that came after the hold waits in bangerd and, once the guest
 * reads and acknowledges, arrives intact and in order, end of input last,
 * followed by CTL_INPUT_RESUME.
 */
static void
test_hold_signal_overtakes(void **state)
{
	struct fixture		*f = *state;
	struct cli		 k;
	struct ctl_signal	 sig = { SIGINT };
	uint64_t		 at_hold;
	long			 i;

	cli_open(f, &k, 0);
	for (i = 0; i < 1000000 && k.holds == 0; i++) {
		if (k.out.len == 0)
			cli_input(&k, IO_CHUNK);
		(void)cli_flush(&k);
		loop_once(f, &k);
		cli_read(&k);
	}
	assert_int_equal(k.holds, 1);
	at_hold = k.sent;
	/* In flight when the hold came, then the user's Ctrl-C. */
	cli_input(&k, 1000);
	cli_frame(&k, CTL_SIGNAL, &sig);
	for (i = 0; i < 3; i++)
		cli_input(&k, IO_CHUNK);
	cli_frame(&k, CTL_INPUT, &(struct ctl_input){ { NULL, 0 } });
	for (i = 0; i < 1000 && (k.out.len > 0 || !queued_signal(f, SIGINT));
	    i++) {
		(void)cli_flush(&k);
		loop_once(f, &k);
	}
	assert_true(queued_signal(f, SIGINT));
	assert_true(k.c->in_held);
	assert_false(k.c->held);
	assert_true(evbuffer_get_length(k.c->pending) ==
	    k.sent - at_hold);
	assert_true(k.c->pending_eof);
	assert_int_equal(k.resumes, 0);
	/* The guest reads and acknowledges. */
	for (i = 0; i < 1000000 && !k.got_eof; i++) {
		loop_once(f, &k);
		guest_read(f, &k);
	}
	assert_true(k.got_eof);
	assert_true(k.got == k.sent);
	for (i = 0; i < 1000 && k.resumes == 0; i++) {
		loop_once(f, &k);
		cli_read(&k);
	}
	assert_int_equal(k.resumes, 1);
	assert_false(k.c->in_held);
	assert_true(k.c->pending == NULL ||
	    evbuffer_get_length(k.c->pending) == 0);
	cli_close(f, &k);
}

/*
 * A guest that stops reading holds a client's stdin to AGENT_OUTQ_HIGH;
 * once it reads again everything arrives, in order, end of input last.
 */
static void
stdin_hold(void **state, int tty)
{
	struct fixture	*f = *state;
	struct cli	 k;
	uint64_t	 held_at, total;
	int		 eof_sent = 0;
	long		 i;

	cli_open(f, &k, tty);
	cli_flood(f, &k);
	held_at = k.sent;
	total = held_at + 4 * 1024 * 1024;
	/* The guest reads again: 4 MiB more, then end of input. */
	for (i = 0; i < 1000000 && !k.got_eof; i++) {
		if (k.out.len == 0 && k.sent < total)
			cli_input(&k, IO_CHUNK);
		else if (k.out.len == 0 && !eof_sent) {
			cli_frame(&k, CTL_INPUT, &(struct ctl_input){ { NULL,
			    0 } });
			eof_sent = 1;
		}
		(void)cli_flush(&k);
		loop_once(f, &k);
		guest_read(f, &k);
	}
	assert_true(k.got_eof);
	assert_true(k.got == total);
	assert_true(k.max_queued <= AGENT_OUTQ_HIGH + QUEUE_SLACK);
	assert_false(k.c->held);
	assert_true(bufferevent_get_enabled(k.c->bev) & EV_READ);
	cli_close(f, &k);
}

static void
test_stdin_hold(void **state)
{
	stdin_hold(state, 0);
}

static void
test_stdin_hold_pty(void **state)
{
	stdin_hold(state, 1);
}

/*
 * A guest that reads the channel but whose command does not read its
 * stdin (no acknowledgements) gets no more than the window: the client is
 * held, as on a full pipe, and read again once the agent acknowledges.
 * On the old code bangerd sent all of it, and the agent dropped what did
 * not fit its queue.
 */
static void
test_stdin_window(void **state)
{
	struct fixture	*f = *state;
	struct cli	 k;
	uint64_t	 total = 3 * AG_STDIN_MAX;
	int		 idle = 0, eof_sent = 0;
	long		 i;

	cli_open(f, &k, 0);
	k.no_ack = 1;
	while (k.sent < total && idle < 50) {
		if (k.out.len == 0)
			cli_input(&k, IO_CHUNK);
		idle = cli_flush(&k) ? 0 : idle + 1;
		loop_once(f, &k);
		guest_read(f, &k);
	}
	assert_true(k.sent < total);
	assert_true(k.c->held);
	assert_true(k.got > AG_INPUT_WINDOW);
	assert_true(k.got <= AG_INPUT_WINDOW + QUEUE_SLACK);
	assert_true(f->vm->execs[0].in_flight == k.got);
	/* Acknowledging some, not down to the resume mark, is not enough. */
	k.got -= AG_INPUT_RESUME + 1;
	guest_ack(f, &k);
	k.got += AG_INPUT_RESUME + 1;
	assert_true(k.c->held);
	/* Its command reads again: everything arrives, in order. */
	k.no_ack = 0;
	guest_ack(f, &k);
	assert_false(k.c->held);
	for (i = 0; i < 1000000 && !k.got_eof; i++) {
		if (k.out.len == 0 && k.sent < total)
			cli_input(&k, IO_CHUNK);
		else if (k.out.len == 0 && !eof_sent) {
			cli_frame(&k, CTL_INPUT, &(struct ctl_input){ { NULL,
			    0 } });
			eof_sent = 1;
		}
		(void)cli_flush(&k);
		loop_once(f, &k);
		guest_read(f, &k);
	}
	assert_true(k.got_eof);
	assert_true(k.got == total);
	assert_true(f->vm->execs[0].in_flight == 0);
	assert_non_null(f->vm->agent);
	cli_close(f, &k);
}

/*
 * A client held for the queue alone, with less than the window
 * unacknowledged, is read again once the guest drains the queue, even
 * though its command acknowledges nothing: it is held for the window
 * only once the window is full.
 */
static void
test_stdin_queue_then_window(void **state)
{
	struct fixture	*f = *state;
	struct cli	 k;
	int		 idle = 0;
	long		 i;

	cli_open(f, &k, 0);
	k.no_ack = 1;
	/* The guest reads the channel, acknowledging nothing, for a while. */
	for (i = 0; i < 1000000 && k.got <= AG_INPUT_RESUME + 512 * 1024;
	    i++) {
		if (k.out.len == 0)
			cli_input(&k, IO_CHUNK);
		(void)cli_flush(&k);
		loop_once(f, &k);
		guest_read(f, &k);
	}
	/* Then stops reading: the client is held for the queue. */
	cli_flood(f, &k);
	assert_true(f->vm->execs[0].in_flight <= AG_INPUT_WINDOW);
	/* It reads again, still acknowledging nothing. */
	while (idle < 50) {
		if (k.out.len == 0)
			cli_input(&k, IO_CHUNK);
		idle = cli_flush(&k) ? 0 : idle + 1;
		loop_once(f, &k);
		guest_read(f, &k);
	}
	assert_true(k.got > AG_INPUT_WINDOW);
	assert_true(k.got <= AG_INPUT_WINDOW + QUEUE_SLACK);
	assert_true(k.c->held);
	cli_close(f, &k);
}

/*
 * Acknowledgements are checked: with no session, for more than was sent,
 * for nothing, for another session, twice, or for the last session's
 * input: each drops the channel.
 */
static void
test_ack_abuse(void **state)
{
	struct fixture		*f = *state;
	struct ag_input_ack	 ak = { 100 };
	struct msg_bin		 data = { (uint8_t *)"0123456789", 10 };
	int			 i;

	guest_sends(f->vm, AG_INPUT_ACK, 0, &ak);
	assert_null(f->vm->agent);

	for (i = 0; i < 5; i++) {
		(void)teardown(state);
		assert_int_equal(setup(state), 0);
		f = *state;
		f->d.next_session = f->vm->session = 4;
		assert_int_equal(agent_send_input(f->vm, f->vm->session, &data), 0);
		assert_int_equal(agent_send_input(f->vm, f->vm->session, &data), 0);
		assert_true(f->vm->in_flight == 20);
		switch (i) {
		case 0:
			ak.bytes = 21;
			guest_sends(f->vm, AG_INPUT_ACK, 4, &ak);
			break;
		case 1:
			ak.bytes = 0;
			guest_sends(f->vm, AG_INPUT_ACK, 4, &ak);
			break;
		case 2:
			ak.bytes = 10;
			guest_sends(f->vm, AG_INPUT_ACK, 3, &ak);
			break;
		case 3:
			ak.bytes = 15;
			guest_sends(f->vm, AG_INPUT_ACK, 4, &ak);
			assert_non_null(f->vm->agent);
			assert_true(f->vm->in_flight == 5);
			ak.bytes = 6;
			guest_sends(f->vm, AG_INPUT_ACK, 4, &ak);
			break;
		case 4:
			f->vm->session = ++f->d.next_session;
			ak.bytes = 10;
			guest_sends(f->vm, AG_INPUT_ACK, f->vm->session, &ak);
			break;
		}
		assert_null(f->vm->agent);
	}
}

/* An image whose agent is from another banger is told to be rebuilt. */
static void
test_old_agent(void **state)
{
	struct fixture		*f = *state;
	/* {"v": 1, "t": 1, "id": 0, "version": "0", "kernel": ""} */
	static const uint8_t	 ready_v1[] = {
		0x85, 0xa1, 'v', 0x01, 0xa1, 't', 0x01, 0xa2, 'i', 'd', 0x00,
		0xa7, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0xa1, '0',
		0xa6, 'k', 'e', 'r', 'n', 'e', 'l', 0xa0,
	};
	static char		 buf[1 << 16];
	char			 want[64];
	ssize_t			 r;

	f->vm->state = VM_STARTING;
	agent_handle(f->vm, ready_v1, sizeof(ready_v1));
	assert_null(f->vm->agent);
	r = pread(f->logfd, buf, sizeof(buf) - 1, 0);
	assert_true(r > 0);
	buf[r] = '\0';
	snprintf(want, sizeof(want), "protocol version 1, not %u: rebuild",
	    AGENT_VERSION);
	assert_non_null(strstr(buf, want));
}

/*
 * A held client is read again when its session ends without the guest
 * reading: the command exits, or the channel goes.  Else bangerd would
 * never see it hang up.
 */
static void
test_stdin_hold_end(void **state)
{
	struct fixture		*f = *state;
	struct cli		 k;
	const struct ag_exit	 e = { 0, 0 };

	cli_open(f, &k, 0);
	cli_flood(f, &k);
	guest_sends(f->vm, AG_EXIT, f->sid, &e);
	assert_false(k.c->held);
	assert_true(bufferevent_get_enabled(k.c->bev) & EV_READ);
	cli_close(f, &k);

	cli_open(f, &k, 0);
	cli_flood(f, &k);
	vm_agent_lost(f->vm, "test");
	assert_false(k.c->held);
	assert_true(bufferevent_get_enabled(k.c->bev) & EV_READ);
	cli_close(f, &k);
}

/*
 * A held client that hangs up (a second Ctrl-C) is seen to go though the
 * guest still reads nothing: its command gets SIGHUP after the input
 * read before it.
 */
static void
test_stdin_hold_hangup(void **state)
{
	struct fixture	*f = *state;
	struct cli	 k;
	struct msg_hdr	 hdr;
	void		*body;
	char		 err[MSG_ERRLEN];
	size_t		 plen, off;
	int		 hup = 0;

	cli_open(f, &k, 0);
	cli_flood(f, &k);
	cli_close(f, &k);
	/* Its slot waits for the command's end, with nobody to tell. */
	assert_int_equal(f->vm->execs[0].id, f->sid);
	assert_null(f->vm->execs[0].c);
	assert_true(k.max_queued <= AGENT_OUTQ_HIGH + 2 * 1024 * 1024);
	/* The guest end: every input frame, then the hang-up. */
	memset(&k.guest, 0, sizeof(k.guest));
	while (f->vm->agent != NULL &&
	    evbuffer_get_length(bufferevent_get_output(f->vm->agent)) > 0) {
		guest_drain(f, &k.guest);
		event_base_loop(f->d.base, EVLOOP_NONBLOCK);
	}
	guest_drain(f, &k.guest);
	for (off = 0; frame_peek(k.guest.p + off, k.guest.len - off,
	    FRAME_MAX_AGENT, &plen) == FRAME_OK; off += FRAME_HDR + plen) {
		assert_true(k.guest.len - off >= FRAME_HDR + plen);
		assert_false(hup);
		assert_int_equal(msg_decode(&agent_proto, k.guest.p + off +
		    FRAME_HDR, plen, &hdr, &body, err, sizeof(err)), 0);
		if (hdr.type == AG_SIGNAL) {
			assert_int_equal(((struct ag_signal *)body)->signo,
			    SIGHUP);
			hup = 1;
		}
		msg_free(&agent_proto, hdr.type, body);
	}
	assert_true(hup);
	buf_free(&k.guest);
}

/* Run the loop a while and read what bangerd sent each CLI. */
static void
cli_settle(struct fixture *f, struct cli *k, size_t n)
{
	size_t	 i;
	int	 r;

	for (r = 0; r < 20; r++) {
		for (i = 0; i < n; i++)
			(void)cli_flush(&k[i]);
		loop_once(f, &k[0]);
		for (i = 0; i < n; i++)
			cli_read(&k[i]);
	}
}

/*
 * Commands run side by side: each exec's output goes to its own client,
 * one's exit ends only its own, and the freed session's id is no longer
 * the guest's to use.  A guest speaking for a session it was never given
 * loses the channel.
 */
static void
test_exec_side_by_side(void **state)
{
	struct fixture		*f = *state;
	struct cli		 k[2];
	struct ag_output	 o;
	struct ag_exit		 e = { 3, 0 };
	uint64_t		 a, b;
	size_t			 i;

	cli_open(f, &k[0], 0);
	a = f->vm->execs[0].id;
	memset(&k[1], 0, sizeof(k[1]));
	cli_open(f, &k[1], 0);
	b = f->vm->execs[1].id;
	assert_int_not_equal(b, 0);
	assert_int_not_equal(a, b);
	assert_true(f->vm->execs[0].c != f->vm->execs[1].c);
	cli_settle(f, k, 2);
	o.stream = 1;
	o.data.p = (uint8_t *)"for-b";
	o.data.len = 5;
	guest_sends(f->vm, AG_OUTPUT, b, &o);
	o.data.p = (uint8_t *)"for-a";
	guest_sends(f->vm, AG_OUTPUT, a, &o);
	guest_sends(f->vm, AG_EXIT, a, &e);
	cli_settle(f, k, 2);
	assert_int_equal(k[0].output.len, 5);
	assert_memory_equal(k[0].output.p, "for-a", 5);
	assert_int_equal(k[1].output.len, 5);
	assert_memory_equal(k[1].output.p, "for-b", 5);
	assert_int_equal(k[0].exited, 1);
	assert_int_equal(k[0].status, 3);
	assert_int_equal(k[1].exited, 0);
	assert_int_equal(f->vm->execs[0].id, 0);
	assert_int_equal(f->vm->execs[1].id, b);
	/* The ended session's id is not the guest's any more. */
	guest_sends(f->vm, AG_OUTPUT, a, &o);
	assert_null(f->vm->agent);
	cli_settle(f, k, 2);
	/* ... and the other command's client is told why it ended. */
	assert_int_equal(k[1].errors, 1);
	assert_int_equal(k[1].error_code, BERR_BOOT);
	assert_int_equal(f->vm->execs[1].id, 0);
	for (i = 0; i < 2; i++) {
		buf_free(&k[i].output);
		cli_close(f, &k[i]);
	}
}

/*
 * Input windows are per session: acknowledging another session's bytes
 * is abuse, and one command's full window does not hold another's input.
 */
static void
test_exec_windows(void **state)
{
	struct fixture		*f = *state;
	struct cli		 k[2];
	struct ag_input_ack	 ak = { 10 };
	struct msg_bin		 data = { (uint8_t *)"0123456789", 10 };
	uint64_t		 a, b;

	cli_open(f, &k[0], 0);
	a = f->vm->execs[0].id;
	memset(&k[1], 0, sizeof(k[1]));
	cli_open(f, &k[1], 0);
	b = f->vm->execs[1].id;
	assert_int_equal(agent_send_input(f->vm, a, &data), 0);
	assert_true(f->vm->execs[0].in_flight == 10);
	assert_true(f->vm->execs[1].in_flight == 0);
	f->vm->execs[0].in_flight = AG_INPUT_WINDOW + 1;
	assert_true(agent_input_full(f->vm, a));
	assert_false(agent_input_full(f->vm, b));
	f->vm->execs[0].in_flight = 10;
	/* b was sent nothing: its acknowledgement is a lie. */
	guest_sends(f->vm, AG_INPUT_ACK, b, &ak);
	assert_null(f->vm->agent);
	cli_settle(f, k, 2);
	assert_int_equal(k[0].errors, 1);
	assert_int_equal(k[1].errors, 1);
	buf_free(&k[0].output);
	buf_free(&k[1].output);
	cli_close(f, &k[0]);
	cli_close(f, &k[1]);
}

/*
 * A client that stopped reading stops bangerd reading the guest; when it
 * hangs up, the guest is read again (before, the channel stayed shut and
 * the VM's other commands, and its exit, were never heard).
 */
static void
test_exec_hangup_reads_again(void **state)
{
	struct fixture		*f = *state;
	struct cli		 k;
	static uint8_t		 chunk[IO_CHUNK];
	struct ag_output	 o = { 1, { chunk, sizeof(chunk) } };
	int			 i;

	cli_open(f, &k, 0);
	for (i = 0; i < 2 * CLIENT_OUTQ_HIGH / IO_CHUNK; i++)
		guest_sends(f->vm, AG_OUTPUT, f->sid, &o);
	assert_false(bufferevent_get_enabled(f->vm->agent) & EV_READ);
	cli_close(f, &k);
	assert_true(bufferevent_get_enabled(f->vm->agent) & EV_READ);
	assert_int_equal(f->vm->execs[0].id, f->sid);
	guest_sends(f->vm, AG_EXIT, f->sid, &(struct ag_exit){ 0, 0 });
	assert_int_equal(f->vm->execs[0].id, 0);
	assert_non_null(f->vm->agent);
}

/*
 * The agent acknowledges input of a session whose client hung up (it
 * discards what is left): that is no abuse, and the VM's channel, with
 * its other commands, stays.
 */
static void
test_exec_hangup_late_ack(void **state)
{
	struct fixture		*f = *state;
	struct cli		 k;
	struct ag_input_ack	 ak = { 10 };
	struct msg_bin		 data = { (uint8_t *)"0123456789", 10 };

	cli_open(f, &k, 0);
	assert_int_equal(agent_send_input(f->vm, f->sid, &data), 0);
	cli_close(f, &k);
	guest_sends(f->vm, AG_INPUT_ACK, f->sid, &ak);
	assert_non_null(f->vm->agent);
	/* Past what was sent it is abuse, as ever. */
	guest_sends(f->vm, AG_INPUT_ACK, f->sid, &ak);
	assert_null(f->vm->agent);
}

/*
 * banger-web's channel may list, stop, delete and list a VM's sessions;
 * any other request, a `vm exec` of anything but the session list among
 * them, ends it.
 */
static void
test_web_channel(void **state)
{
	struct fixture		*f = *state;
	struct cli		 k;
	struct ctl_vm_exec	 ex;
	char			*sh[] = { "sh", "-c", "cat ~/.ssh/id_ed25519", NULL };
	char			*ls[] = { "banger-agent", "session", "list",
				    NULL };
	int			 sv[2], i, pass;

	for (pass = 0; pass < 3; pass++) {
		memset(&k, 0, sizeof(k));
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM |
		    SOCK_CLOEXEC, 0, sv), 0);
		assert_int_equal(control_adopt(&f->d, sv[0]), 0);
		k.fd = sv[1];
		assert_int_equal(fcntl(k.fd, F_SETFL, O_NONBLOCK), 0);
		assert_int_equal(nclients(f), 1);
		memset(&ex, 0, sizeof(ex));
		ex.name = f->vm->name;
		ex.argv.v = pass == 0 ? sh : ls;
		ex.argv.n = 3;
		ex.tty = pass == 2;
		cli_frame(&k, CTL_VM_EXEC, &ex);
		for (i = 0; i < 100; i++) {
			(void)cli_flush(&k);
			loop_once(f, &k);
		}
		/* Only the session list, without a terminal, runs. */
		if (pass == 1) {
			assert_int_equal(nclients(f), 1);
			assert_int_not_equal(f->vm->execs[0].id, 0);
			guest_sends(f->vm, AG_EXIT, f->vm->execs[0].id,
			    &(struct ag_exit){ 0, 0 });
			cli_close(f, &k);
		} else {
			assert_int_equal(nclients(f), 0);
			assert_int_equal(f->vm->execs[0].id, 0);
			close(k.fd);
			buf_free(&k.out);
		}
	}
}

/*
 * A command hung up on that ignores SIGHUP is killed VM_EXEC_KILL_SEC
 * later, so that its place comes free.
 */
static void
test_exec_hangup_kill(void **state)
{
	struct fixture	*f = *state;
	struct cli	 k;
	struct msg_hdr	 hdr;
	void		*body;
	char		 err[MSG_ERRLEN];
	size_t		 plen, off;
	int		 i, hup = 0, kill9 = 0;

	cli_open(f, &k, 0);
	cli_close(f, &k);
	assert_int_equal(f->vm->execs[0].id, f->sid);
	assert_false(f->vm->execs[0].killed);
	/* As if the grace period had passed. */
	f->vm->execs[0].hung_at -= VM_EXEC_KILL_SEC;
	for (i = 0; i < 50 && !f->vm->execs[0].killed; i++)
		event_base_loop(f->d.base, EVLOOP_ONCE);
	assert_true(f->vm->execs[0].killed);
	memset(&k.guest, 0, sizeof(k.guest));
	event_base_loop(f->d.base, EVLOOP_NONBLOCK);
	guest_drain(f, &k.guest);
	for (off = 0; frame_peek(k.guest.p + off, k.guest.len - off,
	    FRAME_MAX_AGENT, &plen) == FRAME_OK &&
	    k.guest.len - off >= FRAME_HDR + plen; off += FRAME_HDR + plen) {
		assert_int_equal(msg_decode(&agent_proto, k.guest.p + off +
		    FRAME_HDR, plen, &hdr, &body, err, sizeof(err)), 0);
		if (hdr.type == AG_SIGNAL && hdr.id == f->sid) {
			hup |= ((struct ag_signal *)body)->signo == SIGHUP;
			kill9 |= ((struct ag_signal *)body)->signo == SIGKILL;
		}
		msg_free(&agent_proto, hdr.type, body);
	}
	buf_free(&k.guest);
	assert_true(hup);
	assert_true(kill9);
	guest_sends(f->vm, AG_EXIT, f->sid, &(struct ag_exit){ -1, 9 });
	assert_int_equal(f->vm->execs[0].id, 0);
}

/* One more exec than VM_EXEC_MAX is refused as busy; the rest run. */
static void
test_exec_full(void **state)
{
	struct fixture	*f = *state;
	struct cli	*k;
	int		 i;

	assert_non_null(k = calloc(VM_EXEC_MAX + 1, sizeof(*k)));
	for (i = 0; i < VM_EXEC_MAX; i++)
		cli_open(f, &k[i], 0);
	for (i = 0; i < VM_EXEC_MAX; i++)
		assert_int_not_equal(f->vm->execs[i].id, 0);
	cli_connect(f, &k[VM_EXEC_MAX], 0);
	cli_settle(f, k, VM_EXEC_MAX + 1);
	for (i = 0; i < VM_EXEC_MAX; i++)
		assert_int_equal(k[i].errors, 0);
	assert_int_equal(k[VM_EXEC_MAX].errors, 1);
	assert_int_equal(k[VM_EXEC_MAX].error_code, BERR_BUSY);
	for (i = 0; i <= VM_EXEC_MAX; i++) {
		buf_free(&k[i].output);
		cli_close(f, &k[i]);
	}
	free(k);
}

/*
 * The next AG_EXEC bangerd sent the guest: its session, argv[0] and its
 * last argument.
 */
static uint64_t
guest_exec(struct fixture *f, char *a0, char *alast, size_t len)
{
	struct buf	 b = { 0 };
	struct msg_hdr	 hdr;
	struct ag_exec	*ex;
	void		*body;
	char		 err[MSG_ERRLEN];
	size_t		 plen;
	uint64_t	 id;
	int		 r;

	assert_int_equal(fcntl(f->peer, F_SETFL, O_NONBLOCK), 0);
	for (r = 0; r < 100 && frame_peek(b.p, b.len, FRAME_MAX_AGENT,
	    &plen) != FRAME_OK; r++) {
		event_base_loop(f->d.base, EVLOOP_NONBLOCK);
		guest_drain(f, &b);
	}
	assert_int_equal(frame_peek(b.p, b.len, FRAME_MAX_AGENT, &plen),
	    FRAME_OK);
	assert_true(b.len == FRAME_HDR + plen);
	assert_int_equal(msg_decode(&agent_proto, b.p + FRAME_HDR, plen, &hdr,
	    &body, err, sizeof(err)), 0);
	assert_int_equal(hdr.type, AG_EXEC);
	ex = body;
	assert_true(ex->argv.n >= 2);
	snprintf(a0, len, "%s", ex->argv.v[0]);
	snprintf(alast, len, "%s", ex->argv.v[ex->argv.n - 1]);
	id = hdr.id;
	msg_free(&agent_proto, hdr.type, body);
	buf_free(&b);
	return id;
}

/*
 * A warm VM's own identity and files are the agent's `own NAME`, one
 * step.  An agent older than it answers 2 (unknown command): then the
 * agent's `seed`; one older than that answers 2 again, and the shell's
 * seed step follows, whose failure is final (the identity step never
 * runs: the VM boots cold with the key already pinned).
 */
static void
test_seed_older_agent(void **state)
{
	struct fixture	*f = *state;
	struct ag_exit	 two = { .status = 2 };
	char		 a0[64], last[64];
	uint64_t	 id;

	f->vm->warm = 1;
	snprintf(f->vm->born_as, sizeof(f->vm->born_as), "_tmpl-1");
	vm_prepare(f->vm);
	id = guest_exec(f, a0, last, sizeof(a0));
	assert_string_equal(a0, "banger-agent");
	assert_string_equal(last, "hostile");
	guest_sends(f->vm, AG_EXIT, id, &two);
	id = guest_exec(f, a0, last, sizeof(a0));
	assert_string_equal(a0, "banger-agent");
	assert_string_equal(last, "seed");
	guest_sends(f->vm, AG_EXIT, id, &two);
	id = guest_exec(f, a0, last, sizeof(a0));
	assert_string_equal(a0, "sh");
	assert_string_equal(last, "banger-seed");
	assert_true(f->vm->warm);
	/* The shell's failure is the seed step's: no fourth try. */
	guest_sends(f->vm, AG_EXIT, id, &two);
	assert_int_equal(f->vm->seeding, 0);
	assert_true(f->vm->seed_failed);
	assert_int_equal(f->vm->session, 0);
}

/* An agent with `seed` but not `own`: files first, then the identity. */
static void
test_seed_then_identity(void **state)
{
	struct fixture	*f = *state;
	struct ag_exit	 two = { .status = 2 }, ok = { .status = 0 };
	char		 a0[64], last[64];
	uint64_t	 id;

	f->vm->warm = 1;
	snprintf(f->vm->born_as, sizeof(f->vm->born_as), "_tmpl-1");
	vm_prepare(f->vm);
	id = guest_exec(f, a0, last, sizeof(a0));
	guest_sends(f->vm, AG_EXIT, id, &two);
	id = guest_exec(f, a0, last, sizeof(a0));
	assert_string_equal(last, "seed");
	assert_string_equal(f->vm->born_as, "_tmpl-1");
	guest_sends(f->vm, AG_EXIT, id, &ok);
	assert_false(f->vm->warm);
	/* The identity step, told the template's name. */
	id = guest_exec(f, a0, last, sizeof(a0));
	assert_string_equal(a0, "sh");
	assert_string_equal(last, "_tmpl-1");
	assert_int_equal(f->vm->capture, id);
}

/* `own` done: the VM's identity is taken, no identity step follows. */
static void
test_own_takes_identity(void **state)
{
	struct fixture	*f = *state;
	struct ag_exit	 ok = { .status = 0 };
	char		 a0[64], last[64];
	uint64_t	 id;

	f->vm->warm = 1;
	snprintf(f->vm->born_as, sizeof(f->vm->born_as), "_tmpl-1");
	vm_prepare(f->vm);
	id = guest_exec(f, a0, last, sizeof(a0));
	assert_string_equal(a0, "banger-agent");
	assert_string_equal(last, "hostile");
	assert_int_equal(f->vm->seeding, id);
	guest_sends(f->vm, AG_EXIT, id, &ok);
	assert_string_equal(f->vm->born_as, "");
	assert_false(f->vm->warm);
	assert_int_equal(f->vm->seeding, 0);
	assert_false(f->vm->seed_failed);
	/* Nothing more was asked of the guest. */
	assert_int_equal(f->vm->session, 0);
	assert_int_equal(f->vm->capture, 0);
}

/*
 * `own` failing (1) is final, no older step is tried, and what it said
 * on stderr reaches the log escaped.
 */
static void
test_own_fails(void **state)
{
	static char	 buf[1 << 16];
	struct fixture	*f = *state;
	struct ag_exit	 one = { .status = 1 };
	struct ag_output o = { 2, { (uint8_t *)"banger-agent own: no \x1b[2J"
			    "disk\n2026-01-01 forged", 47 } };
	char		 a0[64], last[64];
	uint64_t	 id;
	ssize_t		 r;

	f->vm->warm = 1;
	vm_prepare(f->vm);
	id = guest_exec(f, a0, last, sizeof(a0));
	assert_string_equal(last, "hostile");
	guest_sends(f->vm, AG_OUTPUT, id, &o);
	guest_sends(f->vm, AG_EXIT, id, &one);
	assert_true(f->vm->seed_failed);
	assert_int_equal(f->vm->seeding, 0);
	assert_int_equal(f->vm->session, 0);
	r = pread(f->logfd, buf, sizeof(buf) - 1, 0);
	assert_true(r > 0);
	buf[r] = '\0';
	assert_non_null(strstr(buf, "own: no \\e[2Jdisk\\n2026-01-01 "
	    "forged"));
	assert_null(strchr(buf, 0x1b));
	assert_null(strstr(buf, "\n2026-01-01 forged"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unsolicited_error,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_flood, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refused_exec, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_error_unknown_session,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_state, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_seed_older_agent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_seed_then_identity, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_own_takes_identity, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_own_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_console_cap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_qmp_event_flood, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stdin_hold, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hold_signal_overtakes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stdin_hold_pty, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stdin_hold_end, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stdin_hold_hangup, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stdin_window, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stdin_queue_then_window,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_abuse, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_exec_side_by_side, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_exec_windows, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_exec_full, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_exec_hangup_reads_again,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_hangup_late_ack,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_web_channel, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_exec_hangup_kill, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_old_agent, setup,
		    teardown),
	};

	/* As in bangerd: a client that hung up is an EPIPE, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
