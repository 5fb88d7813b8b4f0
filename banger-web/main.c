/*
 * banger-web: started by bangerd's launcher when config.toml sets
 * web_listen_addr, as
 *
 *	banger-web [-v] ADDR VMS_DIR
 *
 * with stderr a pipe into bangerd's log, its control channel on fd 3
 * and the token file open on fd 4.  It binds ADDR (loopback only,
 * checked again here), reads the token, sandboxes itself (sandbox.c)
 * and serves HTTP with libevent's evhttp, whose limits bound every
 * request.  bangerd going away ends it.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>

#include <jansson.h>

#include "log.h"
#include "web.h"

static struct web	 web;

/* Idle, bangerd says nothing: readable means it went away. */
static void
chan_read(evutil_socket_t s, short what, void *arg)
{
	char	 c;
	ssize_t	 n;

	(void)what;
	(void)arg;
	n = recv(s, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0)
		exit(0);
	if (n > 0)
		fatalx("bangerd sent something nobody asked for");
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		fatal("channel");
}

static int
listen_on(const struct web_addr *a)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 sl;
	int			 s, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (a->family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		if (inet_pton(AF_INET, a->ip, &sin->sin_addr) != 1)
			fatalx("bad address %s", a->ip);
		sl = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(a->port);
		sin6->sin6_addr = in6addr_loopback;
		sl = sizeof(*sin6);
	}
	if ((s = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		fatal("socket");
	(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->family == AF_INET6)
		(void)setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	if (bind(s, (struct sockaddr *)&ss, sl) == -1) {
		if (errno == EADDRINUSE)
			fatalx("web_listen_addr %s is in use (by another "
			    "program, perhaps another user's): choose "
			    "another port", a->hostport);
		fatal("bind %s", a->hostport);
	}
	if (listen(s, 32) == -1)
		fatal("listen %s", a->hostport);
	return s;
}

int
main(int argc, char **argv)
{
	socklen_t	 sl = sizeof(int);
	char		 err[256];
	int		 type, s, verbose = 0;

	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		verbose = 1;
		argc--;
		argv++;
	}
	log_init("banger-web", 2, verbose);
	if (argc != 3 || argv[2][0] != '/')
		fatalx("usage: banger-web [-v] ADDR VMS_DIR (bangerd starts "
		    "it)");
	if (getsockopt(WEB_CHAN_FD, SOL_SOCKET, SO_TYPE, &type, &sl) == -1 ||
	    type != SOCK_STREAM)
		fatalx("fd %d is not bangerd's channel: banger-web is "
		    "started by bangerd", WEB_CHAN_FD);
	if (web_addr_parse(argv[1], &web.addr, err, sizeof(err)) == -1)
		fatalx("web_listen_addr %s", err);
	if (strlen(argv[2]) >= sizeof(web.vms_dir))
		fatalx("VMS_DIR too long");
	strcpy(web.vms_dir, argv[2]);
	if (web_token_readfd(WEB_TOKEN_FD, web.token, err, sizeof(err)) == -1)
		fatalx("token: %s", err);
	close(WEB_TOKEN_FD);
	signal(SIGPIPE, SIG_IGN);
	s = listen_on(&web.addr);
	if ((web.base = event_base_new()) == NULL ||
	    (web.http = evhttp_new(web.base)) == NULL)
		fatalx("event loop");
	evhttp_set_max_headers_size(web.http, WEB_HEADERS_MAX);
	evhttp_set_max_body_size(web.http, WEB_BODY_MAX);
	evhttp_set_timeout(web.http, WEB_TIMEOUT_SEC);
	evhttp_set_allowed_methods(web.http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST);
	evhttp_set_gencb(web.http, serve_request, &web);
	if (evhttp_accept_socket_with_handle(web.http, s) == NULL)
		fatalx("evhttp cannot accept on %s", web.addr.hostport);
	/* jansson seeds its hash from /dev/urandom, out of reach later. */
	json_object_seed(0);
	sandbox_web(web.vms_dir);
	if ((web.chan_ev = event_new(web.base, WEB_CHAN_FD, EV_READ |
	    EV_PERSIST, chan_read, NULL)) == NULL ||
	    event_add(web.chan_ev, NULL) == -1)
		fatalx("events");
	log_info("serving http://%s/", web.addr.hostport);
	event_base_dispatch(web.base);
	return 0;
}
