/*
 * The control socket: one connection per CLI invocation.  Frames are read
 * with libevent, decoded strictly and dispatched through one table; a
 * client that sends anything malformed or out of place is dropped, never
 * the daemon.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "bangerd.h"
#include "fdutil.h"
#include "frame.h"
#include "log.h"
#include "msg.h"
#include "valid.h"

#define C_IDLE		0x1	/* allowed when no request is in progress */
#define C_RUNNING	0x2	/* allowed while this client's command runs */
#define C_UPLOAD	0x4	/* allowed while a workspace list arrives */

struct ctl_handler {
	uint32_t	 type;
	int		 flags;
	void		(*fn)(struct client *, uint32_t, void *);
};

static void	ctl_vm_run(struct client *, uint32_t, void *);
static void	ctl_vm_list(struct client *, uint32_t, void *);
static void	ctl_vm_delete(struct client *, uint32_t, void *);
static void	ctl_daemon_status(struct client *, uint32_t, void *);
static void	ctl_daemon_stop(struct client *, uint32_t, void *);
static void	ctl_session_input(struct client *, uint32_t, void *);
static void	ctl_vm_create(struct client *, uint32_t, void *);
static void	ctl_vm_named(struct client *, uint32_t, void *);
static void	ctl_vm_fork(struct client *, uint32_t, void *);
static void	ctl_image_warm(struct client *, uint32_t, void *);
static void	ctl_vm_exec(struct client *, uint32_t, void *);
static void	ctl_ws_files(struct client *, uint32_t, void *);
static void	ctl_image(struct client *, uint32_t, void *);
static void	ctl_kernel(struct client *, uint32_t, void *);
static void	ctl_vm_port(struct client *, uint32_t, void *);
static void	ctl_vm_egress(struct client *, uint32_t, void *);

static const struct ctl_handler ctl_handlers[] = {
	{ CTL_VM_RUN,		C_IDLE,		ctl_vm_run },
	{ CTL_VM_LIST,		C_IDLE,		ctl_vm_list },
	{ CTL_VM_DELETE,	C_IDLE,		ctl_vm_delete },
	{ CTL_DAEMON_STATUS,	C_IDLE,		ctl_daemon_status },
	{ CTL_DAEMON_STOP,	C_IDLE,		ctl_daemon_stop },
	{ CTL_INPUT,		C_RUNNING,	ctl_session_input },
	{ CTL_SIGNAL,		C_RUNNING,	ctl_session_input },
	{ CTL_WINSIZE,		C_RUNNING,	ctl_session_input },
	{ CTL_VM_CREATE,	C_IDLE,		ctl_vm_create },
	{ CTL_VM_START,		C_IDLE,		ctl_vm_named },
	{ CTL_VM_STOP,		C_IDLE,		ctl_vm_named },
	{ CTL_VM_SUSPEND,	C_IDLE,		ctl_vm_named },
	{ CTL_VM_RESUME,	C_IDLE,		ctl_vm_named },
	{ CTL_VM_FORK,		C_IDLE,		ctl_vm_fork },
	{ CTL_IMAGE_WARM,	C_IDLE,		ctl_image_warm },
	{ CTL_VM_SHOW,		C_IDLE,		ctl_vm_named },
	{ CTL_VM_EXEC,		C_IDLE,		ctl_vm_exec },
	{ CTL_WS_FILES,		C_UPLOAD,	ctl_ws_files },
	{ CTL_IMAGE_BUILD,	C_IDLE,		ctl_image },
	{ CTL_IMAGE_LIST,	C_IDLE,		ctl_image },
	{ CTL_IMAGE_DELETE,	C_IDLE,		ctl_image },
	{ CTL_IMAGE_REGISTER,	C_IDLE,		ctl_image },
	{ CTL_IMAGE_PULL,	C_IDLE,		ctl_image },
	{ CTL_IMAGE_BUNDLE,	C_IDLE,		ctl_image },
	{ CTL_KERNEL_LIST,	C_IDLE,		ctl_kernel },
	{ CTL_KERNEL_IMPORT,	C_IDLE,		ctl_kernel },
	{ CTL_KERNEL_DELETE,	C_IDLE,		ctl_kernel },
	{ CTL_KERNEL_PULL,	C_IDLE,		ctl_kernel },
	{ CTL_KERNEL_BUNDLE,	C_IDLE,		ctl_kernel },
	{ CTL_VM_PORT,		C_IDLE,		ctl_vm_port },
	{ CTL_VM_EGRESS,	C_IDLE,		ctl_vm_egress },
};

static void	client_drop(struct client *, const char *);

void
client_send(struct client *c, uint32_t type, const void *body)
{
	struct buf	 b = { 0 };

	if (c->bev == NULL)
		return;
	if (msg_frame(&ctl_proto, type, c->req_id, body, &b) == -1) {
		log_warn("encode %s", msg_typename(&ctl_proto, type));
		buf_free(&b);
		return;
	}
	bufferevent_write(c->bev, b.p, b.len);
	buf_free(&b);
}

void
client_error(struct client *c, enum berr code, const char *fmt, ...)
{
	struct ctl_error	 e;
	char			 msg[1024];
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e.code = code;
	e.message = msg;
	client_send(c, CTL_ERROR, &e);
	client_finish(c);
}

void
client_progress(struct client *c, const char *fmt, ...)
{
	struct ctl_progress	 p;
	char			 msg[1024];
	va_list			 ap;

	if (c == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p.message = msg;
	client_send(c, CTL_PROGRESS, &p);
}

/* The request is over: the client may send another one. */
void
client_finish(struct client *c)
{
	c->req_id = 0;
	c->vm = NULL;
	c->started = 0;
	/* Its command's input may have waited for the guest (vm-session.c). */
	vm_client_drop_hold(c);
}

static void
client_free(struct client *c)
{
	struct bangerd	*d = c->d;

	if (c->vm != NULL)
		vm_client_gone(c);
	/* Its hang-up check must not outlive it, whatever path led here. */
	vm_client_drop_hold(c);
	/*
	 * An image build or register goes on without the client that asked
	 * for it; a pull is cancelled (Ctrl-C), its job's end cleans up.
	 */
	if (d->image_client == c) {
		d->image_client = NULL;
		if (d->image_kind == IMAGE_PULL ||
		    d->image_kind == IMAGE_CATALOG ||
		    d->image_kind == KERNEL_PULL)
			image_cancel(d);
	}
	TAILQ_REMOVE(&d->clients, c, entry);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	free(c);
}

static void
client_drop(struct client *c, const char *why)
{
	log_warnx("dropping client: %s", why);
	client_free(c);
}

static void
client_dispatch(struct client *c, const uint8_t *p, size_t len)
{
	struct msg_hdr	 hdr;
	void		*body;
	char		 err[MSG_ERRLEN];
	size_t		 i;
	int		 state;

	if (msg_decode(&ctl_proto, p, len, &hdr, &body, err,
	    sizeof(err)) == -1) {
		client_drop(c, err);
		return;
	}
	if (c->web && !web_may(hdr.type, body)) {
		snprintf(err, sizeof(err), "banger-web may not send %s",
		    msg_typename(&ctl_proto, hdr.type));
		msg_free(&ctl_proto, hdr.type, body);
		client_drop(c, err);
		return;
	}
	for (i = 0; i < sizeof(ctl_handlers) / sizeof(ctl_handlers[0]); i++)
		if (ctl_handlers[i].type == hdr.type)
			break;
	state = (c->vm != NULL || c->req_id != 0) ?
	    (c->started ? C_RUNNING : 0) : C_IDLE;
	if (c->vm != NULL && c->vm->ws_listfd != -1 && c->vm->runner == c)
		state = C_UPLOAD;
	/*
	 * Input racing the command's exit, or a workspace list still coming
	 * after its request was refused, is dropped, not punished.
	 */
	if (state == C_IDLE && i < sizeof(ctl_handlers) /
	    sizeof(ctl_handlers[0]) &&
	    (ctl_handlers[i].flags & (C_RUNNING | C_UPLOAD)) != 0 &&
	    hdr.id != 0 && hdr.id == c->last_id) {
		msg_free(&ctl_proto, hdr.type, body);
		return;
	}
	if (i == sizeof(ctl_handlers) / sizeof(ctl_handlers[0]) ||
	    (ctl_handlers[i].flags & state) == 0) {
		msg_free(&ctl_proto, hdr.type, body);
		snprintf(err, sizeof(err), "unexpected %s message",
		    msg_typename(&ctl_proto, hdr.type));
		client_drop(c, err);
		return;
	}
	if (state == C_IDLE) {
		if (hdr.id == 0) {
			msg_free(&ctl_proto, hdr.type, body);
			client_drop(c, "request id 0");
			return;
		}
		c->req_id = hdr.id;
		c->last_id = hdr.id;
	} else if (hdr.id != c->req_id) {
		msg_free(&ctl_proto, hdr.type, body);
		client_drop(c, "request id mismatch");
		return;
	}
	ctl_handlers[i].fn(c, hdr.type, body);
	msg_free(&ctl_proto, hdr.type, body);
}

static void
client_read(struct bufferevent *bev, void *arg)
{
	struct client	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	uint8_t		*p;
	size_t		 avail, plen;
	int		 r;

	for (;;) {
		avail = evbuffer_get_length(in);
		p = evbuffer_pullup(in, avail < FRAME_HDR ? -1 : FRAME_HDR);
		r = frame_peek(p, avail, FRAME_MAX_CTL, &plen);
		if (r == FRAME_NEED)
			return;
		if (r == FRAME_BAD) {
			client_drop(c, "bad frame length");
			return;
		}
		if (avail < FRAME_HDR + plen)
			return;
		p = evbuffer_pullup(in, FRAME_HDR + plen);
		/* Copy out: the handler may free the client. */
		{
			uint8_t	*copy = malloc(plen);

			if (copy == NULL) {
				client_drop(c, "out of memory");
				return;
			}
			memcpy(copy, p + FRAME_HDR, plen);
			evbuffer_drain(in, FRAME_HDR + plen);
			{
				struct bangerd	*d = c->d;
				struct client	*it;

				client_dispatch(c, copy, plen);
				free(copy);
				/* Stop if the client is gone. */
				TAILQ_FOREACH(it, &d->clients, entry)
					if (it == c)
						break;
				if (it == NULL)
					return;
			}
		}
	}
}

static void
client_write(struct bufferevent *bev, void *arg)
{
	struct client	*c = arg;

	(void)bev;
	/* Output drained below the watermark: let the guest talk again. */
	if (c->vm != NULL)
		vm_agent_read_maybe(c->vm);
	if (c->closing)
		client_free(c);
}

static void
client_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		client_free(arg);
}

/* A new client on connected socket fd (ours from now on), or NULL. */
static struct client *
client_new(struct bangerd *d, int fd)
{
	struct client	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return NULL;
	}
	c->d = d;
	c->bev = bufferevent_socket_new(d->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&d->clients, c, entry);
	bufferevent_setcb(c->bev, client_read, client_write, client_event, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, OUTQ_LOW(CLIENT_OUTQ_HIGH),
	    0);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	return c;
}

static void
control_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct bangerd	*d = arg;
	struct ucred	 cr;
	socklen_t	 crlen = sizeof(cr);

	(void)l;
	(void)sa;
	(void)salen;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) == -1 ||
	    cr.uid != getuid()) {
		log_warnx("refusing control connection from uid %u",
		    (unsigned)cr.uid);
		close(fd);
		return;
	}
	(void)client_new(d, fd);
}

/*
 * A client whose socket bangerd made itself (a socket pair whose other
 * end went to banger-web): no credentials to check, it speaks the same
 * protocol under the same rules as the CLI, limited to what web_may()
 * allows.
 */
int
control_adopt(struct bangerd *d, int fd)
{
	struct client	*c;

	if (fd_nonblock(fd, 1) == -1) {
		close(fd);
		return -1;
	}
	if ((c = client_new(d, fd)) == NULL)
		return -1;
	c->web = 1;
	return 0;
}

static void
control_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	evconnlistener_enable(arg);
}

static void
control_accept_error(struct evconnlistener *l, void *arg)
{
	struct timeval	 tv = { 1, 0 };

	(void)arg;
	/* EMFILE and friends: back off for a second instead of spinning. */
	log_warn("accept");
	evconnlistener_disable(l);
	event_base_once(evconnlistener_get_base(l), -1, EV_TIMEOUT,
	    control_accept_resume, l, &tv);
}

int
control_listen(struct bangerd *d)
{
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(d->paths.sock) >= sizeof(sun.sun_path)) {
		log_warnx("socket path too long: %s", d->paths.sock);
		return -1;
	}
	strcpy(sun.sun_path, d->paths.sock);
	(void)unlink(d->paths.sock);	/* we hold the lock: it is stale */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		return -1;
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		log_warn("bind %s", d->paths.sock);
		close(fd);
		return -1;
	}
	umask(old);
	d->listener = evconnlistener_new(d->base, control_accept, d,
	    LEV_OPT_CLOSE_ON_FREE, 16, fd);
	if (d->listener == NULL) {
		close(fd);
		return -1;
	}
	evconnlistener_set_error_cb(d->listener, control_accept_error);
	return 0;
}

void
control_close(struct bangerd *d)
{
	if (d->listener != NULL) {
		evconnlistener_free(d->listener);
		d->listener = NULL;
		(void)unlink(d->paths.sock);
	}
}

static void
ctl_vm_run(struct client *c, uint32_t type, void *body)
{
	(void)type;
	vm_run(c, body);
}

static void
ctl_vm_list(struct client *c, uint32_t type, void *body)
{
	struct vm		*vm;
	struct ctl_vm_info	 vi;

	(void)type;
	(void)body;
	TAILQ_FOREACH(vm, &c->d->vms, entry) {
		if (vm->tmpl)
			continue;	/* a warm template being made */
		vm_info(vm, &vi);
		client_send(c, CTL_VM_INFO, &vi);
	}
	client_send(c, CTL_OK, &(struct ctl_ok){ 0 });
	client_finish(c);
}

/* Look a VM up by a name from the client; reply with an error if absent. */
static struct vm *
named_vm(struct client *c, const char *name)
{
	struct vm	*vm;

	if (!valid_vm_name(name)) {
		client_error(c, BERR_INVALID, "invalid VM name \"%s\"", name);
		return NULL;
	}
	if ((vm = vm_find(c->d, name)) == NULL) {
		client_error(c, BERR_NOTFOUND, "no VM named \"%s\"; "
		    "`banger vm list` shows the VMs you have", name);
		return NULL;
	}
	return vm;
}

static void
ctl_vm_create(struct client *c, uint32_t type, void *body)
{
	(void)type;
	vm_create_cmd(c, body);
}

static void
ctl_image_warm(struct client *c, uint32_t type, void *body)
{
	(void)type;
	if (c->d->stopping) {
		client_error(c, BERR_BUSY, "bangerd is shutting down");
		return;
	}
	image_warm_cmd(c, body);
}

static void
ctl_vm_fork(struct client *c, uint32_t type, void *body)
{
	(void)type;
	if (c->d->stopping) {
		client_error(c, BERR_BUSY, "bangerd is shutting down");
		return;
	}
	vm_fork_cmd(c, body);
}

static void
ctl_vm_named(struct client *c, uint32_t type, void *body)
{
	struct vm	*vm;

	if ((vm = named_vm(c, ((struct ctl_vm_name *)body)->name)) == NULL)
		return;
	switch (type) {
	case CTL_VM_START:
		if (c->d->stopping) {
			client_error(c, BERR_BUSY, "bangerd is shutting down");
			return;
		}
		vm_start_cmd(c, vm);
		break;
	case CTL_VM_STOP:
		vm_stop_cmd(c, vm);
		break;
	case CTL_VM_SUSPEND:
		vm_suspend_cmd(c, vm);
		break;
	case CTL_VM_RESUME:
		if (c->d->stopping) {
			client_error(c, BERR_BUSY, "bangerd is shutting down");
			return;
		}
		vm_resume_cmd(c, vm);
		break;
	default:
		vm_reply_info(c, vm);
		break;
	}
}

static void
ctl_image(struct client *c, uint32_t type, void *body)
{
	const char	*name;

	if (type == CTL_IMAGE_LIST) {
		image_list_cmd(c);
		return;
	}
	if (type == CTL_IMAGE_REGISTER)
		name = ((struct ctl_image_register *)body)->name;
	else if (type == CTL_IMAGE_PULL)
		name = ((struct ctl_image_pull *)body)->name;
	else if (type == CTL_IMAGE_BUNDLE)
		name = ((struct ctl_image_bundle *)body)->name;
	else
		name = ((struct ctl_image_build *)body)->name;
	if (!valid_vm_name(name)) {
		client_error(c, BERR_INVALID, "invalid image name");
		return;
	}
	if (type == CTL_IMAGE_BUILD)
		image_build_cmd(c, name);
	else if (type == CTL_IMAGE_REGISTER)
		image_register_cmd(c, body);
	else if (type == CTL_IMAGE_PULL)
		image_pull_cmd(c, body);
	else if (type == CTL_IMAGE_BUNDLE)
		image_bundle_cmd(c, body);
	else
		image_delete_cmd(c, name);
}

static void
ctl_kernel(struct client *c, uint32_t type, void *body)
{
	const char	*name;

	if (type == CTL_KERNEL_LIST) {
		kernel_list_cmd(c);
		return;
	}
	if (type == CTL_KERNEL_IMPORT)
		name = ((struct ctl_kernel_import *)body)->name;
	else if (type == CTL_KERNEL_BUNDLE)
		name = ((struct ctl_image_bundle *)body)->name;
	else
		name = ((struct ctl_image_build *)body)->name;
	if (!valid_vm_name(name)) {
		client_error(c, BERR_INVALID, "invalid kernel name");
		return;
	}
	if (type == CTL_KERNEL_IMPORT)
		kernel_import_cmd(c, body);
	else if (type == CTL_KERNEL_PULL)
		kernel_pull_cmd(c, name);
	else if (type == CTL_KERNEL_BUNDLE)
		kernel_bundle_cmd(c, body);
	else
		kernel_delete_cmd(c, name);
}

static void
ctl_ws_files(struct client *c, uint32_t type, void *body)
{
	(void)type;
	vm_ws_files(c, body);
}

static void
ctl_vm_exec(struct client *c, uint32_t type, void *body)
{
	struct ctl_vm_exec	*req = body;
	struct vm		*vm;

	(void)type;
	if ((vm = named_vm(c, req->name)) != NULL)
		vm_exec_cmd(c, req, vm);
}

static void
ctl_vm_delete(struct client *c, uint32_t type, void *body)
{
	struct vm	*vm;

	(void)type;
	if ((vm = named_vm(c, ((struct ctl_vm_delete *)body)->name)) != NULL)
		vm_delete(c, vm);
}

static void
ctl_daemon_status(struct client *c, uint32_t type, void *body)
{
	struct ctl_daemon_info	 di;
	struct vm		*vm;
	char			 dns[512];

	(void)type;
	(void)body;
	memset(&di, 0, sizeof(di));
	di.pid = getpid();
	di.priv_pid = c->d->priv_pid;
	di.uptime = time(NULL) - c->d->started;
	TAILQ_FOREACH(vm, &c->d->vms, entry)
		di.vms += !vm->tmpl;
	di.version = BANGER_VERSION;
	di.accel = (char *)accel_name(c->d->accel);
	di.accel_reason = c->d->accel_reason;
	di.state_dir = c->d->paths.state_dir;
	net_status(c->d, dns, sizeof(dns));
	di.dns = dns;
	client_send(c, CTL_DAEMON_INFO, &di);
	client_finish(c);
}

static void
ctl_daemon_stop(struct client *c, uint32_t type, void *body)
{
	(void)type;
	c->d->keep_vms = ((struct ctl_daemon_stop *)body)->keep_vms != 0;
	log_info("stop requested%s", c->d->keep_vms ? ", VMs that are up "
	    "kept running" : "");
	client_send(c, CTL_OK, &(struct ctl_ok){ 0 });
	client_finish(c);
	c->d->stopping = 1;
	event_base_loopexit(c->d->base, NULL);
}

static void
ctl_session_input(struct client *c, uint32_t type, void *body)
{
	vm_client_input(c, type, body);
}

static void
ctl_vm_port(struct client *c, uint32_t type, void *body)
{
	(void)type;
	vm_port_cmd(c, body);
}

static void
ctl_vm_egress(struct client *c, uint32_t type, void *body)
{
	(void)type;
	vm_egress_cmd(c, body);
}
