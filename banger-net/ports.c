/*
 * Published ports: banger-net listens on each host address and port
 * bangerd lists and relays every connection to the VM's port.  Only the
 * user who owns the VM may connect: the connecting socket is local (the
 * address is a loopback one) and the kernel says whose it is (sock_diag,
 * which any user may ask), so another user's connection is closed
 * before a byte is relayed.  A unix:PATH port is a Unix socket bangerd
 * hands over (its launcher made it, mode 0600); there SO_PEERCRED says
 * who connected, and only our own uid or root is relayed.  Connections
 * are bounded per port and in all, whichever kind, and so is what waits
 * in each direction; refused connections are counted.
 */
#include <sys/socket.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "buf.h"
#include "frame.h"
#include "log.h"
#include "net.h"

#define PORT_CONN_MAX	32	/* connections per port */
#define CONN_MAX	256	/* in all */
#define RELAY_HIGH	(256 * 1024)	/* bytes waiting in one direction */

struct port {
	int			 used;
	struct sockaddr_in	 listen;	/* TCP, or */
	char			 path[PORT_UNIX_PATH_MAX + 1];	/* unix: */
	struct sockaddr_in	 guest;
	int			 fd;
	struct event		*ev;
	unsigned		 nconn;
};

struct conn {
	TAILQ_ENTRY(conn)	 entry;
	struct port		*p;
	struct bufferevent	*side[2];	/* 0 the host's, 1 the guest's */
	int			 eof[2];	/* side i sends no more */
	int			 shut[2];	/* side i told so (SHUT_WR) */
};

static struct port	 ports[NET_PORTS_MAX];
/*
 * Listeners bangerd handed over (ports below 1024, banger-priv's; unix:
 * sockets, its launcher's), until the table.
 */
static struct {
	struct sockaddr_in	 listen;
	char			 path[PORT_UNIX_PATH_MAX + 1];
	int			 fd;
} given[NET_PORTS_MAX];
static size_t		 ngiven;
static TAILQ_HEAD(, conn) conns = TAILQ_HEAD_INITIALIZER(conns);
static size_t		 nconn;
static int		 diag = -1;

static void
conn_free(struct conn *c)
{
	bufferevent_free(c->side[0]);
	if (c->side[1] != NULL)
		bufferevent_free(c->side[1]);
	c->p->nconn--;
	nconn--;
	TAILQ_REMOVE(&conns, c, entry);
	free(c);
}

static void
state(const struct port *p, const char *error)
{
	struct net_port_state	 ps;
	struct buf		 b = { 0 };
	char			 listen[NET_LISTEN_STRMAX + 1], a[16];

	if (p->path[0] != '\0')
		snprintf(listen, sizeof(listen), "unix:%s", p->path);
	else {
		inet_ntop(AF_INET, &p->listen.sin_addr, a, sizeof(a));
		snprintf(listen, sizeof(listen), "%s:%u", a,
		    ntohs(p->listen.sin_port));
	}
	ps.listen = listen;
	ps.error = (char *)error;
	if (msg_frame(&net_proto, NET_PORT_STATE, 0, &ps, &b) == 0)
		(void)frame_send(NET_CHAN_FD, &b, -1);
	buf_free(&b);
}

/* The uid of the local TCP socket at PEER connected to LOCAL, or -1. */
static long long
peer_uid(const struct sockaddr_in *peer, const struct sockaddr_in *local)
{
	struct {
		struct nlmsghdr		 h;
		struct inet_diag_req_v2	 r;
	}		 req;
	union {
		struct nlmsghdr	 h;
		char		 buf[1024];
	}		 ans;
	struct inet_diag_msg	*m;
	static uint32_t	 seq;
	ssize_t		 n;

	if (diag == -1 && (diag = socket(AF_NETLINK, SOCK_DGRAM |
	    SOCK_CLOEXEC, NETLINK_SOCK_DIAG)) == -1) {
		log_warn("sock_diag");
		return -1;
	}
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.h.nlmsg_seq = ++seq;
	req.r.sdiag_family = AF_INET;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = ~0u;
	req.r.id.idiag_sport = peer->sin_port;
	req.r.id.idiag_dport = local->sin_port;
	req.r.id.idiag_src[0] = peer->sin_addr.s_addr;
	req.r.id.idiag_dst[0] = local->sin_addr.s_addr;
	req.r.id.idiag_cookie[0] = req.r.id.idiag_cookie[1] =
	    INET_DIAG_NOCOOKIE;
	if (send(diag, &req, sizeof(req), 0) != (ssize_t)sizeof(req))
		return -1;
	/* The answer to this request, about this very socket. */
	while ((n = recv(diag, &ans, sizeof(ans), MSG_DONTWAIT)) > 0) {
		m = NLMSG_DATA(&ans.h);
		if (n < (ssize_t)NLMSG_LENGTH(sizeof(*m)) ||
		    !NLMSG_OK(&ans.h, (size_t)n) || ans.h.nlmsg_seq != seq)
			continue;
		if (ans.h.nlmsg_type != SOCK_DIAG_BY_FAMILY ||
		    m->id.idiag_sport != peer->sin_port ||
		    m->id.idiag_dport != local->sin_port ||
		    m->id.idiag_src[0] != peer->sin_addr.s_addr ||
		    m->id.idiag_dst[0] != local->sin_addr.s_addr)
			return -1;
		return (long long)m->idiag_uid;
	}
	return -1;
}

static size_t
pending_out(const struct conn *c, int i)
{
	return evbuffer_get_length(bufferevent_get_output(c->side[i]));
}

/*
 * After side !i's end of file, side i is told (SHUT_WR) once what it
 * still has to get is out; both ends in, and all sent, the relay ends.
 */
static int
relay_settle(struct conn *c, int i)
{
	if (c->eof[!i] && !c->shut[i] && pending_out(c, i) == 0) {
		(void)shutdown(bufferevent_getfd(c->side[i]), SHUT_WR);
		c->shut[i] = 1;
	}
	if (c->shut[0] && c->shut[1]) {
		conn_free(c);
		return 1;
	}
	return 0;
}

static void
relay_read(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;
	int		 i = bev == c->side[0] ? 0 : 1;

	evbuffer_add_buffer(bufferevent_get_output(c->side[!i]),
	    bufferevent_get_input(bev));
	/* The other side reads slowly: stop reading this one for now. */
	if (pending_out(c, !i) >= RELAY_HIGH)
		bufferevent_disable(bev, EV_READ);
}

static void
relay_write(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;
	int		 i = bev == c->side[0] ? 0 : 1;

	if (relay_settle(c, i))
		return;
	/* Drained: read the other side again, unless it has ended. */
	if (!c->eof[!i])
		bufferevent_enable(c->side[!i], EV_READ);
}

static void
relay_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn	*c = arg;
	int		 i = bev == c->side[0] ? 0 : 1;

	if (what & BEV_EVENT_CONNECTED) {
		bufferevent_enable(c->side[0], EV_READ);
		return;
	}
	/* An end of file is passed on; an error ends both. */
	if ((what & BEV_EVENT_EOF) && !(what & (BEV_EVENT_ERROR |
	    BEV_EVENT_TIMEOUT))) {
		relay_read(bev, c);
		c->eof[i] = 1;
		bufferevent_disable(bev, EV_READ);
		(void)relay_settle(c, !i);
		return;
	}
	conn_free(c);
}

/*
 * Whether the connection s that came to p is this user's.  Root may
 * use a unix: socket too: it may open the file anyway.
 */
static int
port_owner(const struct port *p, int s, const struct sockaddr_in *peer,
    socklen_t len)
{
	struct ucred	 uc;
	socklen_t	 ulen = sizeof(uc);

	if (p->path[0] != '\0')
		return getsockopt(s, SOL_SOCKET, SO_PEERCRED, &uc, &ulen) == 0 &&
		    ulen == sizeof(uc) && (uc.uid == getuid() || uc.uid == 0);
	return len == sizeof(*peer) && peer->sin_family == AF_INET &&
	    peer_uid(peer, &p->listen) == (long long)getuid();
}

static void
port_accept(evutil_socket_t fd, short what, void *arg)
{
	struct port		*p = arg;
	struct sockaddr_in	 peer;
	socklen_t		 len = sizeof(peer);
	struct conn		*c;
	int			 s;

	(void)what;
	memset(&peer, 0, sizeof(peer));
	if ((s = accept4(fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) == -1)
		return;
	if (!port_owner(p, s, &peer, len)) {
		/* Not this user's: closed before anything is relayed. */
		close(s);
		netd.cnt.port_refused++;
		return;
	}
	if (p->nconn >= PORT_CONN_MAX || nconn >= CONN_MAX ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		close(s);
		return;
	}
	c->p = p;
	if ((c->side[0] = bufferevent_socket_new(netd.base, s,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(s);
		free(c);
		return;
	}
	p->nconn++;
	nconn++;
	TAILQ_INSERT_TAIL(&conns, c, entry);
	if ((c->side[1] = bufferevent_socket_new(netd.base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		conn_free(c);
		return;
	}
	bufferevent_setcb(c->side[0], relay_read, relay_write, relay_event,
	    c);
	bufferevent_setcb(c->side[1], relay_read, relay_write, relay_event,
	    c);
	bufferevent_enable(c->side[1], EV_READ);
	if (bufferevent_socket_connect(c->side[1],
	    (struct sockaddr *)&p->guest, sizeof(p->guest)) == -1)
		conn_free(c);
}

static void
port_close(struct port *p)
{
	struct conn	*c, *next;

	/* Unpublished: its connections go too. */
	for (c = TAILQ_FIRST(&conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->p == p)
			conn_free(c);
	}
	event_free(p->ev);
	close(p->fd);
	memset(p, 0, sizeof(*p));
}

/* "E.F.G.H:Q", strictly. */
static int
parse_guest(const char *s, struct sockaddr_in *g)
{
	char		 ga[16], tail;
	unsigned	 gp;

	if (sscanf(s, "%15[0-9.]:%5u%c", ga, &gp, &tail) != 2 || gp == 0 ||
	    gp > 65535 || inet_pton(AF_INET, ga, &g->sin_addr) != 1)
		return -1;
	g->sin_family = AF_INET;
	g->sin_port = htons((uint16_t)gp);
	return 0;
}

/*
 * "A.B.C.D:P:E.F.G.H:Q" or "unix:PATH:E.F.G.H:Q" (PATH may hold colons:
 * the guest is what follows the last two), strictly: a listening
 * address or path, and the guest's address.
 */
static int
parse(const char *s, struct sockaddr_in *l, char *path,
    struct sockaddr_in *g)
{
	const char	*c1, *c2;
	char		 la[16], ga[16], tail;
	unsigned	 lp, gp;
	size_t		 n;

	memset(l, 0, sizeof(*l));
	memset(g, 0, sizeof(*g));
	path[0] = '\0';
	if (strncmp(s, "unix:", 5) == 0) {
		if ((c2 = strrchr(s, ':')) == NULL || (c1 = memrchr(s, ':',
		    (size_t)(c2 - s))) == NULL || c1 < s + 5 ||
		    (n = (size_t)(c1 - (s + 5))) > PORT_UNIX_PATH_MAX)
			return -1;
		memcpy(path, s + 5, n);
		path[n] = '\0';
		if (!port_unix_path_ok(path) || parse_guest(c1 + 1, g) == -1) {
			path[0] = '\0';
			return -1;
		}
		return 0;
	}
	if (sscanf(s, "%15[0-9.]:%5u:%15[0-9.]:%5u%c", la, &lp, ga, &gp,
	    &tail) != 4 || lp == 0 || lp > 65535 || gp == 0 || gp > 65535 ||
	    inet_pton(AF_INET, la, &l->sin_addr) != 1 ||
	    inet_pton(AF_INET, ga, &g->sin_addr) != 1 ||
	    (ntohl(l->sin_addr.s_addr) >> 24) != 127)
		return -1;
	l->sin_family = g->sin_family = AF_INET;
	l->sin_port = htons((uint16_t)lp);
	g->sin_port = htons((uint16_t)gp);
	return 0;
}

/*
 * The listener bangerd gave for p's address or path, or -1 (then a TCP
 * port is bound here; a unix: one cannot be).
 */
static int
given_take(const struct port *p)
{
	size_t	 i;
	int	 fd;

	for (i = 0; i < ngiven; i++)
		if (given[i].listen.sin_addr.s_addr ==
		    p->listen.sin_addr.s_addr &&
		    given[i].listen.sin_port == p->listen.sin_port &&
		    strcmp(given[i].path, p->path) == 0) {
			fd = given[i].fd;
			given[i] = given[--ngiven];
			return fd;
		}
	return -1;
}

/* Whether a handed-over listener is of p's kind (AF_UNIX or AF_INET). */
static int
given_kind(const struct port *p)
{
	int		 v;
	socklen_t	 len = sizeof(v);

	if (getsockopt(p->fd, SOL_SOCKET, SO_DOMAIN, &v, &len) == -1)
		return -1;
	if (v != (p->path[0] != '\0' ? AF_UNIX : AF_INET)) {
		errno = EPROTOTYPE;
		return -1;
	}
	return 0;
}

static void
port_open(struct port *p)
{
	char	 err[NET_ERROR_STRMAX + 1];
	int	 one = 1;

	if ((p->fd = given_take(p)) == -1 && p->path[0] != '\0') {
		/* Only bangerd (its launcher) makes a unix: socket. */
		state(p, "no socket from bangerd");
		memset(p, 0, sizeof(*p));
		return;
	}
	if (p->fd != -1) {
		if (given_kind(p) == -1 ||
		    fcntl(p->fd, F_SETFL, O_NONBLOCK) == -1 || (p->ev =
		    event_new(netd.base, p->fd, EV_READ | EV_PERSIST,
		    port_accept, p)) == NULL || event_add(p->ev, NULL) == -1)
			goto fail;
	} else if ((p->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 || setsockopt(p->fd, SOL_SOCKET,
	    SO_REUSEADDR, &one, sizeof(one)) == -1 || bind(p->fd,
	    (struct sockaddr *)&p->listen, sizeof(p->listen)) == -1 ||
	    listen(p->fd, 16) == -1 || (p->ev = event_new(netd.base, p->fd,
	    EV_READ | EV_PERSIST, port_accept, p)) == NULL ||
	    event_add(p->ev, NULL) == -1) {
fail:
		snprintf(err, sizeof(err), "%s", strerror(errno));
		state(p, err);
		if (p->fd != -1)
			close(p->fd);
		memset(p, 0, sizeof(*p));
		return;
	}
	p->used = 1;
	state(p, "");
}

static int
same(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_addr.s_addr == b->sin_addr.s_addr &&
	    a->sin_port == b->sin_port;
}

/* Whether table entry l, path, g is port p. */
static int
same_port(const struct port *p, const struct sockaddr_in *l,
    const char *path, const struct sockaddr_in *g)
{
	return p->used && same(l, &p->listen) && strcmp(path, p->path) == 0 &&
	    same(g, &p->guest);
}

/* A listener bangerd hands over for the table that comes next. */
int
ports_given(const struct net_port_fd *pf, int fd, char *err, size_t errlen)
{
	struct sockaddr_in	 l, g;
	char			 spec[NET_LISTEN_STRMAX + 16];
	char			 path[PORT_UNIX_PATH_MAX + 1];

	snprintf(spec, sizeof(spec), "%s:1.1.1.1:1", pf->listen);
	if (parse(spec, &l, path, &g) == -1 || ngiven == NET_PORTS_MAX) {
		snprintf(err, errlen, "listener for \"%.32s\" refused",
		    pf->listen);
		close(fd);
		return -1;
	}
	given[ngiven].listen = l;
	memcpy(given[ngiven].path, path, sizeof(path));
	given[ngiven++].fd = fd;
	return 0;
}

/* The whole table from bangerd: close what went, open what came. */
int
ports_set(const struct net_ports *np, char *err, size_t errlen)
{
	static char		 path[NET_PORTS_MAX][PORT_UNIX_PATH_MAX + 1];
	struct sockaddr_in	 l[NET_PORTS_MAX], g[NET_PORTS_MAX];
	size_t			 i, j;

	for (i = 0; i < np->ports.n; i++)
		if (parse(np->ports.v[i], &l[i], path[i], &g[i]) == -1) {
			snprintf(err, errlen, "port %zu is not "
			    "127.A.B.C:PORT:ADDR:PORT or unix:PATH:ADDR:PORT",
			    i);
			return -1;
		}
	for (j = 0; j < NET_PORTS_MAX; j++) {
		if (!ports[j].used)
			continue;
		for (i = 0; i < np->ports.n && !same_port(&ports[j], &l[i],
		    path[i], &g[i]); i++)
			;
		if (i == np->ports.n)
			port_close(&ports[j]);
	}
	for (i = 0; i < np->ports.n; i++) {
		for (j = 0; j < NET_PORTS_MAX && !same_port(&ports[j], &l[i],
		    path[i], &g[i]); j++)
			;
		if (j < NET_PORTS_MAX)
			continue;	/* kept as it was */
		for (j = 0; j < NET_PORTS_MAX && ports[j].used; j++)
			;
		ports[j].listen = l[i];
		memcpy(ports[j].path, path[i], sizeof(ports[j].path));
		ports[j].guest = g[i];
		port_open(&ports[j]);
	}
	/* Those the table does not need (a port kept as it was). */
	while (ngiven > 0)
		close(given[--ngiven].fd);
	return 0;
}
