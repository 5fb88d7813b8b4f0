/*
 * bangerd's end of the guest agent channel.  Everything read here comes
 * from a guest that may be compromised: frames are capped, decoded
 * strictly, and must be of a type the guest may send in the current state;
 * anything else closes the channel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "bangerd.h"
#include "frame.h"
#include "log.h"
#include "msg.h"

/*
 * Whether a message may arrive now.  A_STARTING: the VM is booting (the
 * agent says ready once).  A_SESSION: it names a session in progress
 * (the VM's own or a `vm exec`).
 * A_REQUEST: a request of ours may still fail; the agent answers each
 * request with at most one error, so a guest can send no more errors
 * than it was sent frames, and none at all unasked.
 */
#define A_STARTING	0x01
#define A_SESSION	0x02
#define A_REQUEST	0x04

static void	ag_ready(struct vm *, const struct msg_hdr *, void *);
static void	ag_output(struct vm *, const struct msg_hdr *, void *);
static void	ag_exit(struct vm *, const struct msg_hdr *, void *);
static void	ag_error(struct vm *, const struct msg_hdr *, void *);
static void	ag_input_ack(struct vm *, const struct msg_hdr *, void *);
static int	agent_input_drained(const struct vm *, uint64_t, uint64_t);
static void	agent_resume(struct vm *, uint64_t);

static const struct agent_dispatch {
	uint32_t	 type;
	unsigned	 flags;
	void		(*fn)(struct vm *, const struct msg_hdr *, void *);
} agent_dispatch[] = {
	{ AG_READY,	A_STARTING,	ag_ready },
	{ AG_OUTPUT,	A_SESSION,	ag_output },
	{ AG_EXIT,	A_SESSION,	ag_exit },
	{ AG_ERROR,	A_REQUEST,	ag_error },
	{ AG_INPUT_ACK,	A_SESSION,	ag_input_ack },
};

/*
 * The input bangerd sends past the window before it stops reading the
 * client (the frames of its last read, vm-session.c) must still fit the
 * agent's queue.
 */
_Static_assert(AG_INPUT_WINDOW + 4 * IO_CHUNK <= AG_STDIN_MAX,
    "the agent's stdin queue must hold the window and its slack");

static int
agent_allowed(const struct vm *vm, const struct msg_hdr *h, unsigned flags)
{
	/* A ready frame: at a boot, or once from an adopted VM's agent. */
	if ((flags & A_STARTING) && vm->state != VM_STARTING &&
	    !vm->reattached)
		return 0;
	if ((flags & A_SESSION) && (h->id == 0 || (h->id != vm->session &&
	    vm_exec_find_c(vm, h->id) == NULL)))
		return 0;
	if ((flags & A_REQUEST) && (vm->ag_errors >= vm->ag_requests ||
	    h->id > vm->d->next_session))
		return 0;
	return 1;
}

/*
 * May a guest-driven line be logged now?  Token bucket; *suppressed is
 * set to the lines dropped since the last one allowed, for the caller to
 * mention.
 */
int
ratelimit_ok(struct ratelimit *rl, uint64_t *suppressed)
{
	struct timespec	 now;
	time_t		 add;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!rl->primed) {
		rl->primed = 1;
		rl->tokens = RL_BURST;
		rl->last = now.tv_sec;
	}
	if (now.tv_sec > rl->last) {
		add = (now.tv_sec - rl->last) * RL_PER_SEC;
		rl->tokens = add >= RL_BURST || rl->tokens + add > RL_BURST ?
		    RL_BURST : rl->tokens + (unsigned)add;
		rl->last = now.tv_sec;
	}
	*suppressed = 0;
	if (rl->tokens == 0) {
		rl->suppressed++;
		return 0;
	}
	rl->tokens--;
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return 1;
}

static void
ag_ready(struct vm *vm, const struct msg_hdr *h, void *body)
{
	(void)h;
	vm_agent_ready(vm, body);
}

static void
ag_output(struct vm *vm, const struct msg_hdr *h, void *body)
{
	if (((struct ag_output *)body)->stream < 1) {
		vm_agent_lost(vm, "output on stream 0");
		return;
	}
	if (vm_exec_output(vm, h->id, body))
		return;
	vm_agent_output(vm, h->id, body);
}

static void
ag_exit(struct vm *vm, const struct msg_hdr *h, void *body)
{
	if (vm_exec_exit(vm, h->id, body))
		return;
	vm_agent_exit(vm, h->id, body);
}

static void
ag_error(struct vm *vm, const struct msg_hdr *h, void *body)
{
	struct vm_exec	*x;
	uint64_t	 dropped;

	vm->ag_errors++;
	if (!ratelimit_ok(&vm->guest_log, &dropped))
		return;
	if (dropped > 0)
		log_warnx("vm %s: %llu agent errors not logged (rate limit)",
		    vm->name, (unsigned long long)dropped);
	/* Bounded by the schema and cut shorter still; never shown raw. */
	log_warnx("vm %s: agent error (request %llu): %.200s", vm->name,
	    (unsigned long long)h->id, ((struct ag_error *)body)->message);
	/*
	 * The command's own session: tell whoever waits for it why (the
	 * agent ends a session it could not start with AG_EXIT 126; the CLI
	 * escapes what it prints).
	 */
	if (vm->session != 0 && h->id == vm->session && vm->runner != NULL &&
	    vm->bootstrapping == 0)
		client_progress(vm->runner, "the agent in VM %s: %.200s",
		    vm->name, ((struct ag_error *)body)->message);
	else if ((x = vm_exec_find(vm, h->id)) != NULL && x->c != NULL)
		client_progress(x->c, "the agent in VM %s: %.200s",
		    vm->name, ((struct ag_error *)body)->message);
}

/*
 * The agent took bytes of the session's input off its queue.  It may
 * acknowledge only what it was sent and not acknowledged yet: anything
 * else would let it make bangerd send past the window.
 */
static void
ag_input_ack(struct vm *vm, const struct msg_hdr *h, void *body)
{
	struct vm_exec	*x;
	uint64_t	 n = ((struct ag_input_ack *)body)->bytes;
	uint64_t	*flight = NULL;

	if (h->id == vm->session && vm->in_session == h->id)
		flight = &vm->in_flight;
	else if ((x = vm_exec_find(vm, h->id)) != NULL)
		flight = &x->in_flight;
	if (flight == NULL || n == 0 || n > *flight) {
		vm_agent_lost(vm, "the guest acknowledged input it was not "
		    "sent");
		return;
	}
	*flight -= n;
	agent_resume(vm, AG_INPUT_RESUME);
}

/*
 * One frame from the guest: decode strictly, then the table decides
 * whether it may come now.  Anything else closes the channel.
 */
void
agent_handle(struct vm *vm, const uint8_t *p, size_t len)
{
	struct msg_hdr			 hdr;
	const struct agent_dispatch	*ad = NULL;
	void				*body;
	char				 err[MSG_ERRLEN];
	size_t				 i;

	memset(&hdr, 0, sizeof(hdr));
	if (msg_decode(&agent_proto, p, len, &hdr, &body, err,
	    sizeof(err)) == -1) {
		/*
		 * msg_decode() has read the envelope's version when it finds
		 * it wrong: an image built by another banger.
		 */
		if (hdr.version != 0 && hdr.version != AGENT_VERSION)
			snprintf(err, sizeof(err), "its agent speaks protocol "
			    "version %u, not %u: rebuild the VM's image with "
			    "this banger", hdr.version, AGENT_VERSION);
		vm_agent_lost(vm, err);
		return;
	}
	for (i = 0; i < sizeof(agent_dispatch) / sizeof(agent_dispatch[0]);
	    i++)
		if (agent_dispatch[i].type == hdr.type)
			ad = &agent_dispatch[i];
	if (ad == NULL || !agent_allowed(vm, &hdr, ad->flags)) {
		snprintf(err, sizeof(err), "unexpected %s message from the "
		    "guest", msg_typename(&agent_proto, hdr.type));
		msg_free(&agent_proto, hdr.type, body);
		vm_agent_lost(vm, err);
		return;
	}
	ad->fn(vm, &hdr, body);
	msg_free(&agent_proto, hdr.type, body);
}

static void
agent_read(struct bufferevent *bev, void *arg)
{
	struct vm	*vm = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	uint8_t		*p, *copy;
	size_t		 avail, plen;
	int		 r;

	while (vm->agent == bev) {
		avail = evbuffer_get_length(in);
		p = evbuffer_pullup(in, avail < FRAME_HDR ? -1 : FRAME_HDR);
		r = frame_peek(p, avail, FRAME_MAX_AGENT, &plen);
		if (r == FRAME_NEED)
			return;
		if (r == FRAME_BAD) {
			vm_agent_lost(vm, "bad frame length");
			return;
		}
		if (avail < FRAME_HDR + plen)
			return;
		p = evbuffer_pullup(in, FRAME_HDR + plen);
		if ((copy = malloc(plen)) == NULL) {
			vm_agent_lost(vm, "out of memory");
			return;
		}
		memcpy(copy, p + FRAME_HDR, plen);
		evbuffer_drain(in, FRAME_HDR + plen);
		/* May detach the channel or free the VM: check vm->agent. */
		agent_handle(vm, copy, plen);
		free(copy);
		if (vm->agent != bev)
			return;
		/* Back-pressure from vm_agent_output(). */
		if (!(bufferevent_get_enabled(bev) & EV_READ))
			return;
	}
}

/* A session's input not yet acknowledged by the agent. */
static uint64_t
agent_in_flight(const struct vm *vm, uint64_t id)
{
	const struct vm_exec	*x;

	if (id == 0)
		return 0;
	if (id == vm->session)
		return vm->in_session == id ? vm->in_flight : 0;
	return (x = vm_exec_find_c(vm, id)) != NULL ? x->in_flight : 0;
}

/*
 * Must the client stop sending input?  Above AGENT_OUTQ_HIGH queued here
 * for the guest, or AG_INPUT_WINDOW sent and not acknowledged.
 */
int
agent_input_full(const struct vm *vm, uint64_t id)
{
	if (vm->agent == NULL)
		return 0;
	return evbuffer_get_length(bufferevent_get_output(vm->agent)) >
	    AGENT_OUTQ_HIGH || agent_in_flight(vm, id) > AG_INPUT_WINDOW;
}

/*
 * May a held client be read again?  The queue drained to its low mark,
 * and no more than in_mark unacknowledged.  After an acknowledgement the
 * mark is AG_INPUT_RESUME, so the client is not read again for every
 * one; when the queue drains it is AG_INPUT_WINDOW: a client held for the
 * queue alone, with less than the window unacknowledged, would otherwise
 * wait for acknowledgements of input that its command may never read.
 */
static int
agent_input_drained(const struct vm *vm, uint64_t id, uint64_t in_mark)
{
	if (vm->agent == NULL)
		return 1;
	return evbuffer_get_length(bufferevent_get_output(vm->agent)) <=
	    OUTQ_LOW(AGENT_OUTQ_HIGH) && agent_in_flight(vm, id) <= in_mark;
}

/* Let each client whose session has caught up send input again. */
static void
agent_resume(struct vm *vm, uint64_t in_mark)
{
	struct client	*c;
	size_t		 i;

	if ((c = vm->runner) != NULL &&
	    agent_input_drained(vm, vm->session, in_mark))
		vm_client_resume(vm, c);
	for (i = 0; i < VM_EXEC_MAX; i++)
		if ((c = vm->execs[i].c) != NULL &&
		    agent_input_drained(vm, vm->execs[i].id, in_mark))
			vm_client_resume(vm, c);
}

/* Our output to the guest drained to OUTQ_LOW: the clients may talk again. */
static void
agent_write(struct bufferevent *bev, void *arg)
{
	(void)bev;
	agent_resume(arg, AG_INPUT_WINDOW);
}

static void
agent_event(struct bufferevent *bev, short what, void *arg)
{
	struct vm	*vm = arg;

	(void)bev;
	if (what & BEV_EVENT_EOF)
		vm_agent_lost(vm, "guest closed the channel");
	else if (what & BEV_EVENT_ERROR)
		vm_agent_lost(vm, "channel error");
}

void
agent_attach(struct vm *vm, int fd)
{
	vm->agent = bufferevent_socket_new(vm->d->base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (vm->agent == NULL) {
		close(fd);
		return;
	}
	vm->ag_requests = vm->ag_errors = 0;
	vm->in_session = vm->in_flight = 0;
	bufferevent_setcb(vm->agent, agent_read, agent_write, agent_event, vm);
	/* Hold at most one maximal frame of guest data in memory. */
	bufferevent_setwatermark(vm->agent, EV_READ, 0,
	    FRAME_MAX_AGENT + FRAME_HDR);
	/* agent_write() runs once the client's input has drained this far. */
	bufferevent_setwatermark(vm->agent, EV_WRITE,
	    OUTQ_LOW(AGENT_OUTQ_HIGH), 0);
	bufferevent_enable(vm->agent, EV_READ | EV_WRITE);
}

void
agent_detach(struct vm *vm)
{
	if (vm->agent != NULL) {
		bufferevent_free(vm->agent);
		vm->agent = NULL;
		/* What the clients' input waited for is gone with it. */
		agent_resume(vm, AG_INPUT_WINDOW);
	}
	/* No `vm exec` outlives the channel that carries it. */
	vm_exec_end_all(vm, BERR_INTERNAL, "VM %s stopped while the command "
	    "ran", vm->name);
}

int
agent_send(struct vm *vm, uint32_t type, uint64_t id, const void *body)
{
	struct buf	 b = { 0 };
	int		 rc;

	if (vm->agent == NULL)
		return -1;
	if (msg_frame(&agent_proto, type, id, body, &b) == -1) {
		buf_free(&b);
		return -1;
	}
	rc = bufferevent_write(vm->agent, b.p, b.len);
	buf_free(&b);
	/* Each request may be answered with one error (ag_error). */
	if (rc == 0)
		vm->ag_requests++;
	return rc;
}

/*
 * A chunk of a client's stdin (empty: its end) for session id (the VM's
 * own or a `vm exec`), counted until the agent acknowledges it.
 */
int
agent_send_input(struct vm *vm, uint64_t id, const struct msg_bin *data)
{
	struct ag_input	 in;
	struct vm_exec	*x = NULL;

	if (id == 0 || (id != vm->session &&
	    (x = vm_exec_find(vm, id)) == NULL))
		return -1;
	if (x == NULL && vm->in_session != id) {
		vm->in_session = id;
		vm->in_flight = 0;
	}
	in.data = *data;
	if (agent_send(vm, AG_INPUT, id, &in) == -1)
		return -1;
	if (x != NULL)
		x->in_flight += data->len;
	else
		vm->in_flight += data->len;
	return 0;
}
