/*
 * banger-web's side of the control protocol, on the socket pair bangerd
 * gave it: one request at a time, its replies read until CTL_OK or
 * CTL_ERROR, each decoded strictly (common/msg.c) and carrying the
 * request's id.  Anything else from bangerd, or no answer in time,
 * ends banger-web: the channel's state is then unknown, and bangerd
 * starts a fresh one.
 *
 * A guest command (ctl_exec) is the exception: a guest may never end
 * it, so its wait is short and its timeout is not fatal at once.  The
 * channel is given up (ctl_abandon) and the page that asked still
 * goes out; then banger-web leaves (serve.c) and bangerd starts a
 * fresh one, whose channel is a new, idle client.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "frame.h"
#include "log.h"
#include "msg.h"
#include "proto.h"
#include "web.h"

static long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/*
 * The next message for the request in flight, waited for until end
 * (monotonic ms): 0 with it in *hdr and *rb (msg_free() it), or -1
 * when the time is up.
 */
static int
ctl_next(struct web *w, long end, struct buf *b, struct msg_hdr *hdr,
    void **rb)
{
	struct pollfd	 p;
	char		 why[MSG_ERRLEN];
	long		 left;
	int		 rc;

	for (;;) {
		if ((left = end - now_ms()) <= 0)
			return -1;
		p.fd = WEB_CHAN_FD;
		p.events = POLLIN;
		if ((rc = poll(&p, 1, (int)left)) == -1 && errno != EINTR)
			fatal("poll");
		if (rc > 0)
			break;
	}
	buf_reset(b);
	if (frame_recv(WEB_CHAN_FD, FRAME_MAX_CTL, b, NULL) == -1)
		fatal("bangerd");
	if (b->len == 0)
		fatalx("bangerd went away");
	if (msg_decode(&ctl_proto, b->p, b->len, hdr, rb, why,
	    sizeof(why)) == -1)
		fatalx("bangerd: %s", why);
	if (hdr->id != w->ctl_id)
		fatalx("bangerd answered request %llu, not %llu",
		    (unsigned long long)hdr->id,
		    (unsigned long long)w->ctl_id);
	return 0;
}

static void
ctl_send(struct web *w, uint32_t type, const void *body)
{
	struct buf	 b = { 0 };

	if (msg_frame(&ctl_proto, type, w->ctl_id, body, &b) == -1 ||
	    frame_send(WEB_CHAN_FD, &b, -1) == -1)
		fatal("bangerd: sending %s", msg_typename(&ctl_proto, type));
	buf_free(&b);
}

/*
 * Send type with body, wait at most wait_s seconds for the answer;
 * each() sees every CTL_VM_INFO.  0 for CTL_OK, -1 for CTL_ERROR with
 * bangerd's message in err.
 */
int
ctl_call(struct web *w, uint32_t type, const void *body, int wait_s,
    ctl_each_fn each, void *arg, char *err, size_t errlen)
{
	struct buf	 b = { 0 };
	struct msg_hdr	 hdr;
	void		*rb;
	long		 end = now_ms() + wait_s * 1000L;

	if (w->broken)
		fatalx("a request on a channel given up");
	w->ctl_id++;
	ctl_send(w, type, body);
	for (;;) {
		if (ctl_next(w, end, &b, &hdr, &rb) == -1)
			fatalx("bangerd did not answer %s in %d s",
			    msg_typename(&ctl_proto, type), wait_s);
		switch (hdr.type) {
		case CTL_PROGRESS:
			break;
		case CTL_VM_INFO:
			if (each != NULL)
				each(w, arg, hdr.type, rb);
			break;
		case CTL_OK:
			msg_free(&ctl_proto, hdr.type, rb);
			buf_free(&b);
			return 0;
		case CTL_ERROR:
			snprintf(err, errlen, "%s",
			    ((struct ctl_error *)rb)->message);
			msg_free(&ctl_proto, hdr.type, rb);
			buf_free(&b);
			return -1;
		default:
			fatalx("bangerd sent %s", msg_typename(&ctl_proto,
			    hdr.type));
		}
		msg_free(&ctl_proto, hdr.type, rb);
	}
}

/*
 * Run argv in VM vm as `vm exec` does without a terminal: no input (an
 * empty CTL_INPUT, EOF, once bangerd says CTL_OK, as the CLI sends),
 * stdout kept in r->out up to r->cap bytes (r->over says more came and
 * was dropped), stderr dropped.  0 once the command ended (r->status,
 * r->signo); -1 for bangerd's CTL_ERROR, its message in err; -2 when
 * it did not end within wait_s seconds: the channel is then given up.
 */
int
ctl_exec(struct web *w, const char *vm, char *const *argv, int wait_s,
    struct ctl_run *r, char *err, size_t errlen)
{
	struct ctl_vm_exec	 req;
	struct ctl_input	 in;
	struct ctl_output	*o;
	struct buf		 b = { 0 };
	struct msg_hdr		 hdr;
	void			*rb;
	long			 end = now_ms() + wait_s * 1000L;
	size_t			 n, k;
	int			 started = 0, rc;

	if (w->broken)
		fatalx("a request on a channel given up");
	r->len = 0;
	r->over = 0;
	memset(&req, 0, sizeof(req));
	req.name = (char *)vm;
	for (n = 0; argv[n] != NULL; n++)
		;
	req.argv.v = (char **)argv;
	req.argv.n = n;
	w->ctl_id++;
	ctl_send(w, CTL_VM_EXEC, &req);
	for (;;) {
		if (ctl_next(w, end, &b, &hdr, &rb) == -1) {
			ctl_abandon(w);
			rc = -2;
			break;
		}
		rc = 1;
		switch (hdr.type) {
		case CTL_PROGRESS:
		case CTL_INPUT_HOLD:
		case CTL_INPUT_RESUME:
			break;
		case CTL_OK:
			if (started)
				fatalx("bangerd sent a second OK");
			started = 1;
			in.data.p = (uint8_t *)"";
			in.data.len = 0;
			ctl_send(w, CTL_INPUT, &in);
			break;
		case CTL_OUTPUT:
			o = rb;
			if (!started)
				fatalx("bangerd sent output before OK");
			if (o->stream != 1)
				break;
			k = r->cap - r->len;
			if (o->data.len > k)
				r->over = 1;
			else
				k = o->data.len;
			if (k > 0)
				memcpy(r->out + r->len, o->data.p, k);
			r->len += k;
			break;
		case CTL_EXIT:
			if (!started)
				fatalx("bangerd sent an exit before OK");
			r->status = ((struct ctl_exit *)rb)->status;
			r->signo = ((struct ctl_exit *)rb)->signo;
			rc = 0;
			break;
		case CTL_ERROR:
			snprintf(err, errlen, "%s",
			    ((struct ctl_error *)rb)->message);
			rc = -1;
			break;
		default:
			fatalx("bangerd sent %s", msg_typename(&ctl_proto,
			    hdr.type));
		}
		msg_free(&ctl_proto, hdr.type, rb);
		if (rc != 1)
			break;
	}
	buf_free(&b);
	return rc;
}

/*
 * A request left unanswered: its late replies must not be taken for
 * anything, so the channel is no longer read or written; serve.c sends
 * what it has and leaves.
 */
void
ctl_abandon(struct web *w)
{
	w->broken = 1;
	if (w->chan_ev != NULL)
		event_del(w->chan_ev);
}
