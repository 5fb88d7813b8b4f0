/*
 * The channel to bangerd.  The port is non-blocking: outgoing frames queue
 * in a->tx and drain as the port accepts them; incoming bytes collect in
 * a->rx until whole frames can be decoded.  The host is not trusted: any
 * framing or schema error ends the conversation, and since a byte stream
 * cannot be resynchronised the port is closed and opened again.
 */
#include <sys/utsname.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "frame.h"
#include "log.h"
#include "msg.h"
#include "proto.h"

#define RX_CHUNK	(64 * 1024)

typedef void (*handler_fn)(struct agent *, uint64_t, const void *);

/* What the host may send; everything else is a protocol error. */
static const struct {
	uint32_t	 type;
	handler_fn	 fn;
} handlers[] = {
	{ AG_EXEC,	sess_exec },
	{ AG_INPUT,	sess_input },
	{ AG_SIGNAL,	sess_signal },
	{ AG_WINSIZE,	sess_winsize },
	{ AG_POWEROFF,	agent_poweroff },
	{ AG_RESUMED,	agent_resumed },
};

int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t
chan_pending(const struct agent *a)
{
	return a->tx.len - a->txoff;
}

/*
 * Open the port once it exists and the host end is connected, then
 * announce ourselves.  Called whenever the port is closed and the retry
 * time has come; on failure it sets the next retry.
 */
void
chan_open(struct agent *a)
{
	struct pollfd	 pfd;

	a->reopen_at = now_ms() + REOPEN_MS;
	if (port_find("/sys/class/virtio-ports", AGENT_PORT_NAME,
	    a->port_path, sizeof(a->port_path)) == -1) {
		/* Firecracker has no virtio-serial: the host comes by vsock. */
		if (vsock_open(a) == 0)
			goto announce;
		if (!a->warned && now_ms() > 5000) {
			log_warnx("no virtio-serial port named %s and no vsock "
			    "connection yet; still looking", AGENT_PORT_NAME);
			a->warned = 1;
		}
		return;
	}
	a->port_fd = open(a->port_path, O_RDWR | O_NONBLOCK | O_CLOEXEC |
	    O_NOCTTY);
	if (a->port_fd == -1) {
		if (!a->warned)
			log_warn("open %s", a->port_path);
		a->warned = 1;
		return;
	}
	/* POLLHUP on a virtio port means no host is connected. */
	pfd.fd = a->port_fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP)) {
		close(a->port_fd);
		a->port_fd = -1;
		return;
	}
announce:
	a->warned = 0;
	buf_reset(&a->rx);
	buf_reset(&a->tx);
	a->txoff = 0;
	log_info("serving on %s", a->port_path);
	chan_ready(a);
}

/* Tell the host who we are: on every open, and after AG_RESUMED. */
void
chan_ready(struct agent *a)
{
	struct ag_ready	 r;
	struct utsname	 u;

	memset(&r, 0, sizeof(r));
	r.version = BANGER_VERSION;
	r.kernel = a->kernel;
	if (a->kernel[0] == '\0' && uname(&u) == 0)
		snprintf(a->kernel, sizeof(a->kernel), "%s", u.release);
	chan_send(a, AG_READY, 0, &r);
	chan_flush(a);
}

/*
 * Drop the conversation.  Sessions belong to it: their output would have
 * nowhere to go, so they are killed.
 */
void
chan_close(struct agent *a, const char *why)
{
	if (a->port_fd == -1)
		return;
	log_warnx("closing %s: %s", a->port_path, why);
	close(a->port_fd);
	a->port_fd = -1;
	buf_reset(&a->rx);
	buf_reset(&a->tx);
	a->txoff = 0;
	sess_kill_all(a);
	a->reopen_at = now_ms() + REOPEN_MS;
}

int
chan_send(struct agent *a, uint32_t type, uint64_t id, const void *body)
{
	if (a->port_fd == -1)
		return -1;
	if (msg_frame(&agent_proto, type, id, body, &a->tx) == -1) {
		log_warn("encode %s", msg_typename(&agent_proto, type));
		return -1;
	}
	return 0;
}

void
chan_error(struct agent *a, uint64_t id, const char *fmt, ...)
{
	struct ag_error	 e;
	char		 msg[512];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("request %llu: %s", (unsigned long long)id, msg);
	e.message = msg;
	chan_send(a, AG_ERROR, id, &e);
}

void
chan_flush(struct agent *a)
{
	ssize_t	 n;

	while (a->port_fd != -1 && chan_pending(a) > 0) {
		n = write(a->port_fd, a->tx.p + a->txoff, chan_pending(a));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			chan_close(a, strerror(errno));
			return;
		}
		a->txoff += n;
	}
	if (chan_pending(a) == 0) {
		buf_reset(&a->tx);
		a->txoff = 0;
	} else if (a->txoff > a->tx.len / 2) {
		memmove(a->tx.p, a->tx.p + a->txoff, chan_pending(a));
		a->tx.len -= a->txoff;
		a->txoff = 0;
	}
}

static int
dispatch(struct agent *a, const uint8_t *p, size_t len)
{
	struct msg_hdr	 h;
	void		*body;
	char		 err[MSG_ERRLEN];
	size_t		 i;

	if (msg_decode(&agent_proto, p, len, &h, &body, err,
	    sizeof(err)) == -1) {
		chan_close(a, err);
		return -1;
	}
	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (handlers[i].type == h.type)
			break;
	if (i == sizeof(handlers) / sizeof(handlers[0])) {
		snprintf(err, sizeof(err), "host sent %s",
		    msg_typename(&agent_proto, h.type));
		msg_free(&agent_proto, h.type, body);
		chan_close(a, err);
		return -1;
	}
	handlers[i].fn(a, h.id, body);
	msg_free(&agent_proto, h.type, body);
	return 0;
}

void
chan_read(struct agent *a)
{
	uint8_t	 chunk[RX_CHUNK];
	size_t	 off = 0, plen;
	ssize_t	 n;
	int	 r;

	n = read(a->port_fd, chunk, sizeof(chunk));
	if (n == -1) {
		if (errno != EINTR && errno != EAGAIN)
			chan_close(a, strerror(errno));
		return;
	}
	if (n == 0) {
		chan_close(a, "host disconnected");
		return;
	}
	if (buf_append(&a->rx, chunk, n) == -1) {
		chan_close(a, strerror(errno));
		return;
	}
	/* A handler may close the channel; stop as soon as it does. */
	while (a->port_fd != -1) {
		r = frame_peek(a->rx.p + off, a->rx.len - off,
		    FRAME_MAX_AGENT, &plen);
		if (r == FRAME_BAD) {
			chan_close(a, "bad frame length");
			return;
		}
		if (r == FRAME_NEED || a->rx.len - off - FRAME_HDR < plen)
			break;
		if (dispatch(a, a->rx.p + off + FRAME_HDR, plen) == -1)
			return;
		off += FRAME_HDR + plen;
	}
	if (a->port_fd != -1 && off > 0) {
		memmove(a->rx.p, a->rx.p + off, a->rx.len - off);
		a->rx.len -= off;
	}
}
