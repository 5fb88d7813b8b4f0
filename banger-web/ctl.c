/*
 * banger-web's side of the control protocol, on the socket pair bangerd
 * gave it: one request at a time, its replies read until CTL_OK or
 * CTL_ERROR, each decoded strictly (common/msg.c) and carrying the
 * request's id.  Anything else from bangerd, or no answer in time,
 * ends banger-web: the channel's state is then unknown, and bangerd
 * starts a fresh one.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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
	struct pollfd	 p;
	void		*rb;
	char		 why[MSG_ERRLEN];
	long		 end = now_ms() + wait_s * 1000L, left;
	int		 rc;

	if (msg_frame(&ctl_proto, type, ++w->ctl_id, body, &b) == -1 ||
	    frame_send(WEB_CHAN_FD, &b, -1) == -1)
		fatal("bangerd: sending %s", msg_typename(&ctl_proto, type));
	for (;;) {
		if ((left = end - now_ms()) <= 0)
			fatalx("bangerd did not answer %s in %d s",
			    msg_typename(&ctl_proto, type), wait_s);
		p.fd = WEB_CHAN_FD;
		p.events = POLLIN;
		if ((rc = poll(&p, 1, (int)left)) == -1 && errno != EINTR)
			fatal("poll");
		if (rc <= 0)
			continue;
		buf_reset(&b);
		if (frame_recv(WEB_CHAN_FD, FRAME_MAX_CTL, &b, NULL) == -1)
			fatal("bangerd");
		if (b.len == 0)
			fatalx("bangerd went away");
		if (msg_decode(&ctl_proto, b.p, b.len, &hdr, &rb, why,
		    sizeof(why)) == -1)
			fatalx("bangerd: %s", why);
		if (hdr.id != w->ctl_id)
			fatalx("bangerd answered request %llu, not %llu",
			    (unsigned long long)hdr.id,
			    (unsigned long long)w->ctl_id);
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
