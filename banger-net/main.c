/*
 * banger-net: started by bangerd's launcher with its channel on fd 3 and
 * stderr a pipe into bangerd's log.  It takes nothing from the file
 * system (sandbox.c) and only the sockets bangerd hands it, plus the
 * ones it opens to the upstream resolvers.  bangerd going away ends it.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "frame.h"
#include "log.h"
#include "net.h"

#define COUNTERS_SEC	10	/* how often changed counters are sent */

struct netd	 netd = { .udp = -1, .tcp = -1 };

static void
on_config(const struct msg_hdr *hdr, void *body, int fd)
{
	char	 err[128];

	(void)hdr;
	(void)fd;
	if (fwd_set_upstreams(&((struct net_config *)body)->upstream, err,
	    sizeof(err)) == -1)
		fatalx("bangerd sent a bad configuration: %s", err);
	log_debug("%zu upstream resolver(s)", netd.nup);
}

static void
on_listen(const struct msg_hdr *hdr, void *body, int fd)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);

	(void)hdr;
	/* The gateway: its /24 is where guests ask from. */
	if (getsockname(fd, (struct sockaddr *)&sin, &sl) == 0 &&
	    sin.sin_family == AF_INET)
		policy_gateway(ntohl(sin.sin_addr.s_addr));
	front_listen((int)((struct net_listen *)body)->kind, fd);
}

static void
on_names(const struct msg_hdr *hdr, void *body, int fd)
{
	char	 err[128];

	(void)hdr;
	(void)fd;
	if (zone_set(body, err, sizeof(err)) == -1)
		fatalx("bangerd sent bad names: %s", err);
	policy_names();
}

/*
 * One guest's allowed domains.  A refused message is said and changes
 * nothing: the guest keeps the domains it had (none: .vm names only).
 */
static void
on_egress(const struct msg_hdr *hdr, void *body, int fd)
{
	char	 err[256];

	(void)hdr;
	(void)fd;
	if (policy_set(body, err, sizeof(err)) == -1)
		log_warnx("bangerd sent allowed domains refused: %s", err);
}

static void
on_allowed(const struct msg_hdr *hdr, void *body, int fd)
{
	(void)fd;
	hold_allowed(hdr->id, ((struct net_allowed *)body)->ok);
}

static void
on_ports(const struct msg_hdr *hdr, void *body, int fd)
{
	char	 err[128];

	(void)hdr;
	(void)fd;
	if (ports_set(body, err, sizeof(err)) == -1)
		fatalx("bangerd sent bad ports: %s", err);
}

static void
on_port_fd(const struct msg_hdr *hdr, void *body, int fd)
{
	char	 err[128];

	(void)hdr;
	if (ports_given(body, fd, err, sizeof(err)) == -1)
		log_warnx("bangerd sent a %s", err);
}

/* bangerd's messages: which come with a descriptor, and the handler. */
static const struct {
	uint32_t	 type;
	int		 takes_fd;
	void		(*fn)(const struct msg_hdr *, void *, int);
} dispatch[] = {
	{ NET_CONFIG,	0,	on_config },
	{ NET_LISTEN,	1,	on_listen },
	{ NET_NAMES,	0,	on_names },
	{ NET_PORTS,	0,	on_ports },
	{ NET_EGRESS,	0,	on_egress },
	{ NET_ALLOWED,	0,	on_allowed },
	{ NET_PORT_FD,	1,	on_port_fd },
};

static void
chan_read(evutil_socket_t s, short what, void *arg)
{
	struct buf	*in = arg;
	struct msg_hdr	 hdr;
	void		*body;
	char		 err[MSG_ERRLEN];
	size_t		 i;
	int		 fd = -1;

	(void)what;
	if (frame_recv(s, NET_FRAME_MAX, in, &fd) == -1)
		fatal("channel");
	if (in->len == 0)
		exit(0);	/* bangerd is gone */
	if (msg_decode(&net_proto, in->p, in->len, &hdr, &body, err,
	    sizeof(err)) == -1)
		fatalx("bangerd: %s", err);
	for (i = 0; i < sizeof(dispatch) / sizeof(dispatch[0]); i++)
		if (dispatch[i].type == hdr.type)
			break;
	if (i == sizeof(dispatch) / sizeof(dispatch[0]) ||
	    dispatch[i].takes_fd != (fd != -1))
		fatalx("bangerd sent %s %s a descriptor",
		    msg_typename(&net_proto, hdr.type), fd == -1 ? "without" :
		    "with");
	dispatch[i].fn(&hdr, body, fd);
	msg_free(&net_proto, hdr.type, body);
}

/*
 * One whole frame to bangerd, or -1 at once: a bangerd that does not
 * read must not stop guests' answers (frame_send() would wait for it).
 * A SOCK_SEQPACKET send is all or nothing.
 */
int
chan_send_nowait(const struct buf *b)
{
	ssize_t	 n;

	n = send(NET_CHAN_FD, b->p, b->len, MSG_DONTWAIT | MSG_NOSIGNAL);
	return n == (ssize_t)b->len ? 0 : -1;
}

static void
counters(evutil_socket_t s, short what, void *arg)
{
	struct buf	 b = { 0 };

	(void)s;
	(void)what;
	(void)arg;
	if (memcmp(&netd.cnt, &netd.cnt_sent, sizeof(netd.cnt)) == 0)
		return;
	if (msg_frame(&net_proto, NET_COUNTERS, 0, &netd.cnt, &b) == 0 &&
	    chan_send_nowait(&b) == 0)
		netd.cnt_sent = netd.cnt;
	buf_free(&b);
}

int
main(int argc, char **argv)
{
	static struct buf	 in;
	struct event		*ev, *tick;
	struct timeval		 tv = { COUNTERS_SEC, 0 };
	socklen_t		 sl = sizeof(int);
	int			 type;

	log_init("banger-net", 2, argc > 1 && strcmp(argv[1], "-v") == 0);
	if (getsockopt(NET_CHAN_FD, SOL_SOCKET, SO_TYPE, &type, &sl) == -1 ||
	    type != SOCK_SEQPACKET)
		fatalx("fd %d is not bangerd's channel: banger-net is "
		    "started by bangerd", NET_CHAN_FD);
	signal(SIGPIPE, SIG_IGN);
	if ((netd.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	sandbox_net();
	if ((ev = event_new(netd.base, NET_CHAN_FD, EV_READ | EV_PERSIST,
	    chan_read, &in)) == NULL || event_add(ev, NULL) == -1 ||
	    (tick = event_new(netd.base, -1, EV_PERSIST, counters, NULL)) ==
	    NULL || event_add(tick, &tv) == -1)
		fatalx("events");
	event_base_dispatch(netd.base);
	return 0;
}
