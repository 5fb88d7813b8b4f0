/*
 * bangerd's end of the guest agent channel.  Everything read here comes
 * from a guest that may be compromised: frames are capped, decoded
 * strictly, and must be of a type the guest may send in the current state;
 * anything else closes the channel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "bangerd.h"
#include "frame.h"
#include "log.h"
#include "msg.h"

static void
agent_handle(struct vm *vm, const uint8_t *p, size_t len)
{
	struct msg_hdr	 hdr;
	void		*body;
	char		 err[MSG_ERRLEN];

	if (msg_decode(&agent_proto, p, len, &hdr, &body, err,
	    sizeof(err)) == -1) {
		vm_agent_lost(vm, err);
		return;
	}
	switch (hdr.type) {
	case AG_READY:
		if (vm->state != VM_STARTING)
			goto unexpected;
		vm_agent_ready(vm, body);
		break;
	case AG_OUTPUT:
		if (vm->session == 0 || hdr.id != vm->session ||
		    ((struct ag_output *)body)->stream < 1)
			goto unexpected;
		vm_agent_output(vm, body);
		break;
	case AG_EXIT:
		if (vm->session == 0 || hdr.id != vm->session)
			goto unexpected;
		vm_agent_exit(vm, body);
		break;
	case AG_ERROR:
		/* Bounded by the schema; logged, never shown raw. */
		log_warnx("vm %s: agent error: %s", vm->name,
		    ((struct ag_error *)body)->message);
		break;
	default:
		goto unexpected;
	}
	msg_free(&agent_proto, hdr.type, body);
	return;
unexpected:
	snprintf(err, sizeof(err), "unexpected %s message from the guest",
	    msg_typename(&agent_proto, hdr.type));
	msg_free(&agent_proto, hdr.type, body);
	vm_agent_lost(vm, err);
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
	bufferevent_setcb(vm->agent, agent_read, NULL, agent_event, vm);
	/* Hold at most one maximal frame of guest data in memory. */
	bufferevent_setwatermark(vm->agent, EV_READ, 0,
	    FRAME_MAX_AGENT + FRAME_HDR);
	bufferevent_enable(vm->agent, EV_READ | EV_WRITE);
}

void
agent_detach(struct vm *vm)
{
	if (vm->agent != NULL) {
		bufferevent_free(vm->agent);
		vm->agent = NULL;
	}
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
	return rc;
}
