/*
 * Every HTTP request, in this order: the Host must be ours (DNS
 * rebinding), then the route; a page needs the token (query or
 * X-Banger-Token), an action is a POST from our own origin (Origin, and
 * Sec-Fetch-Site when the browser sends it) carrying the token in the
 * form or that header.  Never a cookie: cookies ignore ports, so any
 * other local user's server on 127.0.0.1 would be sent it.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "log.h"
#include "proto.h"
#include "valid.h"
#include "web.h"

#define ACTION_WAIT_SEC	300	/* for bangerd to stop or delete a VM */
#define LEAVE_SEC	5	/* for the last page to go out, at most */

static void
headers(struct evhttp_request *req, const char *type)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Content-Security-Policy", "default-src 'none'; "
	    "style-src 'unsafe-inline'; form-action 'self'; "
	    "frame-ancestors 'none'; base-uri 'none'");
}

/* A refusal: code, and one line of text saying why. */
static void
refuse(struct evhttp_request *req, int code, const char *reason,
    const char *why)
{
	struct evbuffer	*b = evbuffer_new();

	log_debug("refused a request (%d): %s", code, why);
	headers(req, "text/plain; charset=utf-8");
	if (b != NULL)
		evbuffer_add_printf(b, "%s\n", why);
	evhttp_send_reply(req, code, reason, b);
	if (b != NULL)
		evbuffer_free(b);
}

/* The token from header X-Banger-Token, else from the form fields. */
static const char *
token_of(struct evhttp_request *req, struct evkeyvalq *fields)
{
	const char	*t;

	t = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "X-Banger-Token");
	if (t == NULL && fields != NULL)
		t = evhttp_find_header(fields, "token");
	return t;
}

/*
 * The channel was given up (ctl.c): once the page that found it out has
 * gone (or after LEAVE_SEC), leave; bangerd starts a fresh banger-web.
 */
static void
leave(void)
{
	log_warnx("a guest did not answer in time: leaving, for bangerd "
	    "to start banger-web afresh");
	exit(1);
}

static void
leave_sent(struct evhttp_request *req, void *arg)
{
	(void)req;
	(void)arg;
	leave();
}

static void
leave_late(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	leave();
}

static void
get_page(struct web *w, struct evhttp_request *req, const char *query)
{
	struct evkeyvalq	 q;
	struct evbuffer		*b;
	char			 err[1024];

	TAILQ_INIT(&q);
	if (query != NULL && evhttp_parse_query_str(query, &q) == -1) {
		refuse(req, HTTP_BADREQUEST, "Bad Request", "bad query");
		return;
	}
	if (!web_token_ok(w->token, token_of(req, &q))) {
		evhttp_clear_headers(&q);
		refuse(req, 401, "Unauthorized", "the web view needs its "
		    "token: open the address `banger web` prints");
		return;
	}
	evhttp_clear_headers(&q);
	if ((b = evbuffer_new()) == NULL) {
		refuse(req, HTTP_INTERNAL, "Internal Server Error",
		    "out of memory");
		return;
	}
	if (page_render(w, b, err, sizeof(err)) == -1) {
		evbuffer_drain(b, evbuffer_get_length(b));
		evbuffer_add_printf(b, "<!DOCTYPE html><html><body><p>"
		    "bangerd: ");
		html_str(b, err);
		evbuffer_add_printf(b, "</p></body></html>\n");
	}
	headers(req, "text/html; charset=utf-8");
	if (w->broken) {
		struct timeval	 tv = { LEAVE_SEC, 0 };

		evhttp_request_set_on_complete_cb(req, leave_sent, NULL);
		/* Its clock is the loop's, from before the page's waits. */
		event_base_update_cache_time(w->base);
		if (event_base_once(w->base, -1, EV_TIMEOUT, leave_late, NULL,
		    &tv) == -1)
			leave();
	}
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/* POST /stop or /delete: name=NAME&token=TOKEN[&confirm=yes]. */
static void
post_action(struct web *w, struct evhttp_request *req, const char *host,
    const char *path)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	struct evbuffer		*body = evhttp_request_get_input_buffer(req);
	struct evkeyvalq	 f;
	struct ctl_vm_name	 stop;
	struct ctl_vm_delete	 del;
	struct evbuffer		*b;
	char			 form[WEB_BODY_MAX + 1], err[1024];
	char			 loc[WEB_TOKEN_LEN + 16];
	const char		*name, *confirm;
	size_t			 n;
	int			 isdel = strcmp(path, "/delete") == 0, rc;

	if (!web_origin_ok(host, evhttp_find_header(in, "Origin")) ||
	    !web_fetch_site_ok(evhttp_find_header(in, "Sec-Fetch-Site"))) {
		refuse(req, 403, "Forbidden", "cross-origin "
		    "request refused: actions come from the web view's own "
		    "page");
		return;
	}
	if (!web_form_type_ok(evhttp_find_header(in, "Content-Type"))) {
		refuse(req, 415, "Unsupported Media Type", "an action is a "
		    "form (application/x-www-form-urlencoded)");
		return;
	}
	if ((n = evbuffer_get_length(body)) > WEB_BODY_MAX) {
		refuse(req, 413, "Payload Too Large", "form too large");
		return;
	}
	evbuffer_copyout(body, form, n);
	form[n] = '\0';
	TAILQ_INIT(&f);
	if (memchr(form, '\0', n) != NULL ||
	    evhttp_parse_query_str(form, &f) == -1) {
		refuse(req, HTTP_BADREQUEST, "Bad Request", "bad form");
		return;
	}
	if (!web_token_ok(w->token, token_of(req, &f))) {
		evhttp_clear_headers(&f);
		refuse(req, 401, "Unauthorized", "the web view needs its "
		    "token");
		return;
	}
	name = evhttp_find_header(&f, "name");
	confirm = evhttp_find_header(&f, "confirm");
	if (name == NULL || !valid_vm_name(name)) {
		evhttp_clear_headers(&f);
		refuse(req, HTTP_BADREQUEST, "Bad Request", "no valid VM name");
		return;
	}
	if (isdel && (confirm == NULL || strcmp(confirm, "yes") != 0)) {
		evhttp_clear_headers(&f);
		refuse(req, HTTP_BADREQUEST, "Bad Request", "deleting needs "
		    "the box ticked (confirm=yes)");
		return;
	}
	log_info("%s %s", isdel ? "delete" : "stop", name);
	if (isdel) {
		del.name = (char *)name;
		rc = ctl_call(w, CTL_VM_DELETE, &del, ACTION_WAIT_SEC, NULL,
		    NULL, err, sizeof(err));
	} else {
		stop.name = (char *)name;
		rc = ctl_call(w, CTL_VM_STOP, &stop, ACTION_WAIT_SEC, NULL,
		    NULL, err, sizeof(err));
	}
	evhttp_clear_headers(&f);
	if (rc == -1) {
		if ((b = evbuffer_new()) == NULL) {
			refuse(req, 409, "Conflict", "bangerd refused");
			return;
		}
		evbuffer_add_printf(b, "<!DOCTYPE html><html><body><p>");
		html_str(b, err);
		evbuffer_add_printf(b, "</p><p><a href=\"/?token=%s\">Back"
		    "</a></p></body></html>\n", w->token);
		headers(req, "text/html; charset=utf-8");
		evhttp_send_reply(req, 409, "Conflict", b);
		evbuffer_free(b);
		return;
	}
	/* See Other: back to the page, with a GET. */
	snprintf(loc, sizeof(loc), "/?token=%s", w->token);
	headers(req, "text/plain; charset=utf-8");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Location",
	    loc);
	evhttp_send_reply(req, 303, "See Other", NULL);
}

void
serve_request(struct evhttp_request *req, void *arg)
{
	struct web		*w = arg;
	const struct evhttp_uri	*u = evhttp_request_get_evhttp_uri(req);
	const char		*host, *path;
	enum evhttp_cmd_type	 m = evhttp_request_get_command(req);

	host = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Host");
	if (!web_host_ok(&w->addr, host)) {
		refuse(req, 403, "Forbidden", "wrong Host: the web "
		    "view answers only to the address it listens on");
		return;
	}
	if (w->broken) {
		refuse(req, HTTP_SERVUNAVAIL, "Service Unavailable", "the web "
		    "view is restarting: reload in a few seconds");
		return;
	}
	if (u == NULL || (path = evhttp_uri_get_path(u)) == NULL) {
		refuse(req, HTTP_BADREQUEST, "Bad Request", "bad URI");
		return;
	}
	if (m == EVHTTP_REQ_GET && strcmp(path, "/") == 0)
		get_page(w, req, evhttp_uri_get_query(u));
	else if (m == EVHTTP_REQ_POST && (strcmp(path, "/stop") == 0 ||
	    strcmp(path, "/delete") == 0))
		post_action(w, req, host, path);
	else if (strcmp(path, "/") == 0 || strcmp(path, "/stop") == 0 ||
	    strcmp(path, "/delete") == 0)
		refuse(req, HTTP_BADMETHOD, "Method Not Allowed",
		    "wrong method");
	else
		refuse(req, HTTP_NOTFOUND, "Not Found", "not found");
}
