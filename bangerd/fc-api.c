/*
 * The Firecracker driver's I/O: one API request per connection to the
 * VMM's socket, each bounded in time, its response parsed as untrusted
 * HTTP (fc-http.c); and the hybrid vsock handshake that reaches the
 * guest agent.  The connections themselves come from the launcher
 * (launch_connect, fc-sock.c): bangerd cannot make any.  Split from
 * firecracker.c, which describes the VM and implements the vmm_ops.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bangerd.h"
#include "fc-http.h"
#include "findexec.h"
#include "firecracker.h"
#include "log.h"

/* ---- talking to the API socket ---------------------------------------- */

static int64_t
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
wait_fd(int fd, short ev, int64_t deadline)
{
	struct pollfd	 pfd;
	int64_t		 left;
	int		 r;

	for (;;) {
		if ((left = deadline - mono_ms()) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		pfd.fd = fd;
		pfd.events = ev;
		r = poll(&pfd, 1, (int)left);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 1)
			return 0;
	}
}

static int
send_all(int fd, const void *p, size_t len, int64_t deadline)
{
	size_t	 off = 0;
	ssize_t	 n;

	while (off < len) {
		if (wait_fd(fd, POLLOUT, deadline) == -1)
			return -1;
		n = send(fd, (const char *)p + off, len - off, MSG_NOSIGNAL);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == -1)
			return -1;
		off += n;
	}
	return 0;
}

/*
 * A connection to one of vm's sockets, made by the launcher (bangerd's
 * filter has no socket(2) or connect(2)); non-blocking from here, every
 * wait bounded by poll.
 */
static int
vm_sock(struct vm *vm, unsigned which, char *err, size_t errlen)
{
	int	 fd, e;

	if ((fd = launch_connect(vm->d, vm->id, which)) == -1) {
		e = errno;
		snprintf(err, errlen, "%s socket of VM %s: %s",
		    which == LAUNCH_SOCK_API ? "API" : "vsock", vm->name,
		    strerror(e));
		errno = e;
		return -1;
	}
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1) {
		e = errno;
		snprintf(err, errlen, "fcntl: %s", strerror(e));
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/*
 * Connect to the API socket, waiting up to timeout_ms for Firecracker to
 * create it (it does so shortly after exec).
 */
int
fc_api_connect(struct vm *vm, int timeout_ms, char *err, size_t errlen)
{
	int64_t		 deadline = mono_ms() + timeout_ms;
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	int		 fd;

	for (;;) {
		if ((fd = vm_sock(vm, LAUNCH_SOCK_API, err, errlen)) != -1)
			return fd;
		if ((errno != ENOENT && errno != ECONNREFUSED &&
		    errno != EAGAIN) || mono_ms() >= deadline)
			return -1;
		(void)nanosleep(&ts, NULL);
	}
}

/* Escape a fault message for a log line: printable ASCII only, capped. */
static void
escape(const char *s, size_t len, char *out, size_t outlen)
{
	size_t	 i, o = 0;
	char	 tmp[5];
	size_t	 tl;
	unsigned char	 ch;

	if (outlen == 0)
		return;
	for (i = 0; i < len; i++) {
		ch = s[i];
		if (ch == '\\') {
			memcpy(tmp, "\\\\", 2);
			tl = 2;
		} else if (ch == '\n') {
			memcpy(tmp, "\\n", 2);
			tl = 2;
		} else if (ch >= 0x20 && ch < 0x7f) {
			tmp[0] = ch;
			tl = 1;
		} else {
			snprintf(tmp, sizeof(tmp), "\\x%02x", ch);
			tl = 4;
		}
		if (o + tl + 4 > outlen || o + tl > FC_FAULT_MAX) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(out + o, tmp, tl);
		o += tl;
	}
	out[o] = '\0';
}

/* Firecracker's error body is {"fault_message": "..."}. */
static void
fault(const struct fc_call *c, const struct fc_http_resp *r, char *err,
    size_t errlen)
{
	char		 msg[FC_FAULT_MAX + 8];
	json_t		*o, *fm;
	json_error_t	 je;

	msg[0] = '\0';
	o = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &je);
	fm = o ? json_object_get(o, "fault_message") : NULL;
	if (fm != NULL && json_is_string(fm))
		escape(json_string_value(fm), json_string_length(fm), msg,
		    sizeof(msg));
	else if (r->body_len > 0)
		escape(r->body, r->body_len, msg, sizeof(msg));
	json_decref(o);
	snprintf(err, errlen, "Firecracker refused %s %s (HTTP %d): %s",
	    c->method, c->path, r->status, msg[0] ? msg : "no fault message");
}

int
fc_api_call(int fd, const struct fc_call *c, int timeout_ms, char *err,
    size_t errlen)
{
	struct buf		 req = { 0 };
	struct fc_http_resp	 r;
	char			*in = NULL, perr[128];
	size_t			 len = 0, cap = FC_HTTP_HEAD_MAX +
				    FC_HTTP_BODY_MAX;
	int64_t			 deadline = mono_ms() + timeout_ms;
	ssize_t			 n;
	int			 rc = -1, pr;

	if (fc_http_request(&req, c->method, c->path, c->body) == -1) {
		snprintf(err, errlen, "cannot encode %s %s", c->method,
		    c->path);
		goto out;
	}
	if (send_all(fd, req.p, req.len, deadline) == -1) {
		snprintf(err, errlen, "%s %s: send: %s", c->method, c->path,
		    strerror(errno));
		goto out;
	}
	if ((in = malloc(cap)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (;;) {
		if (wait_fd(fd, POLLIN, deadline) == -1) {
			snprintf(err, errlen, "%s %s: no answer: %s",
			    c->method, c->path, strerror(errno));
			goto out;
		}
		n = recv(fd, in + len, cap - len, 0);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s %s: recv: %s", c->method,
			    c->path, strerror(errno));
			goto out;
		}
		if (n == 0) {
			snprintf(err, errlen, "%s %s: Firecracker closed the "
			    "connection", c->method, c->path);
			goto out;
		}
		len += n;
		pr = fc_http_parse(in, len, &r, perr, sizeof(perr));
		if (pr == FC_HTTP_BAD) {
			snprintf(err, errlen, "%s %s: %s", c->method, c->path,
			    perr);
			goto out;
		}
		if (pr == FC_HTTP_DONE)
			break;
		if (len == cap) {
			/* Unreachable: the parser refuses first. */
			snprintf(err, errlen, "%s %s: response too large",
			    c->method, c->path);
			goto out;
		}
	}
	if (r.total != len) {
		snprintf(err, errlen, "%s %s: unexpected bytes after the "
		    "response", c->method, c->path);
		goto out;
	}
	if (r.status != 200 && r.status != 204) {
		fault(c, &r, err, errlen);
		goto out;
	}
	rc = 0;
out:
	buf_free(&req);
	free(in);
	return rc;
}

/* One connection per call: nothing can linger between requests. */
int
fc_api_run(struct vm *vm, const struct fc_call *v, size_t n, int wait_ms,
    char *err, size_t errlen)
{
	size_t	 i;
	int	 fd;

	for (i = 0; i < n; i++) {
		if ((fd = fc_api_connect(vm, i == 0 ? wait_ms : 0, err,
		    errlen)) == -1)
			return -1;
		if (fc_api_call(fd, &v[i], v[i].timeout_ms > 0 ?
		    v[i].timeout_ms : FC_CALL_TIMEOUT_MS, err, errlen) == -1) {
			close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

int
fc_configure(struct vm *vm, const struct fc_config *c, char *err,
    size_t errlen)
{
	struct fc_call	*v = NULL;
	size_t		 n = 0;
	int		 rc;

	if (fc_boot_calls(c, &v, &n) == -1) {
		snprintf(err, errlen, "cannot build the Firecracker requests");
		return -1;
	}
	rc = fc_api_run(vm, v, n, FC_SOCK_WAIT_MS, err, errlen);
	fc_calls_free(v, n);
	return rc;
}

/* ---- hybrid vsock ------------------------------------------------------ */

/*
 * Open a stream to guest port `port` through vm's Firecracker vsock
 * socket: send "CONNECT <port>\n", expect "OK <host port>\n".  The reply
 * is read a byte at a time so that the guest's first bytes, which may
 * follow it in the same segment, stay in the socket for the caller.
 * Returns the connected (blocking) descriptor, or -1 with errno
 * ECONNREFUSED when the guest is not listening yet (Firecracker closes the
 * connection), ENOENT before Firecracker made the socket, ETIMEDOUT, or
 * EPROTO for a reply that is not the expected line.
 */
int
fc_vsock_connect(struct vm *vm, unsigned port, char *err, size_t errlen)
{
	char		 line[FC_VSOCK_LINE_MAX + 1], req[32];
	int64_t		 deadline = mono_ms() + FC_VSOCK_TIMEOUT_MS;
	size_t		 len = 0, i;
	ssize_t		 n;
	unsigned long	 v;
	int		 fd, e;

	if ((fd = vm_sock(vm, LAUNCH_SOCK_VSOCK, err, errlen)) == -1)
		return -1;
	n = snprintf(req, sizeof(req), "CONNECT %u\n", port);
	if (send_all(fd, req, n, deadline) == -1) {
		e = errno == EPIPE ? ECONNREFUSED : errno;
		snprintf(err, errlen, "VM %s vsock: send: %s", vm->name,
		    strerror(e));
		goto fail;
	}
	for (;;) {
		if (wait_fd(fd, POLLIN, deadline) == -1) {
			e = errno;
			snprintf(err, errlen, "VM %s vsock: no answer to "
			    "CONNECT", vm->name);
			goto fail;
		}
		n = recv(fd, line + len, 1, 0);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			/* Firecracker hangs up when nobody listens. */
			e = ECONNREFUSED;
			snprintf(err, errlen, "VM %s vsock: guest port %u "
			    "refused the connection", vm->name, port);
			goto fail;
		}
		if (line[len] == '\n')
			break;
		if (++len == FC_VSOCK_LINE_MAX) {
			e = EPROTO;
			snprintf(err, errlen, "VM %s vsock: reply too long",
			    vm->name);
			goto fail;
		}
	}
	line[len] = '\0';
	/* "OK " then 1-10 digits, nothing else. */
	e = EPROTO;
	if (len < 4 || len > 13 || strncmp(line, "OK ", 3) != 0)
		goto garbage;
	for (i = 3, v = 0; i < len; i++) {
		if (line[i] < '0' || line[i] > '9')
			goto garbage;
		v = v * 10 + (line[i] - '0');
	}
	if (v > 0xffffffffUL)
		goto garbage;
	if (fcntl(fd, F_SETFL, 0) == -1) {
		e = errno;
		snprintf(err, errlen, "fcntl: %s", strerror(e));
		goto fail;
	}
	return fd;
garbage:
	snprintf(err, errlen, "VM %s vsock: unexpected reply to CONNECT",
	    vm->name);
fail:
	close(fd);
	errno = e;
	return -1;
}
