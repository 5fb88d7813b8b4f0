/*
 * banger-web: the web view (docs/advanced.md, SECURITY.md).  One user's
 * VMs over HTTP on a loopback port, for that user only: every page
 * needs the token, every request the right Host, every action POST
 * with the token in the form and a same-origin Origin.
 */
#ifndef BANGER_WEB_H
#define BANGER_WEB_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "webaddr.h"
#include "webtoken.h"

#define WEB_CHAN_FD	3	/* the control channel bangerd serves */
#define WEB_TOKEN_FD	4	/* the token file, read once at start */

#define WEB_HEADERS_MAX	8192	/* request line and headers, bytes */
#define WEB_BODY_MAX	4096	/* a form: a name, the token, a box */
#define WEB_TIMEOUT_SEC	20	/* a connection's idle time */
#define WEB_LOG_TAIL	8192	/* console bytes shown per VM */
#define WEB_SESS_VMS	16	/* running VMs whose sessions a page lists */
#define WEB_SESS_WAIT	5	/* s for one VM's list of sessions */

struct event;
struct evbuffer;
struct evhttp_request;

struct web {
	struct event_base	*base;
	struct evhttp		*http;
	struct web_addr		 addr;
	char			 token[WEB_TOKEN_LEN + 1];
	char			 vms_dir[PATH_MAX];
	uint64_t		 ctl_id;	/* the last request's */
	struct event		*chan_ev;	/* bangerd's channel, idle */
	int			 broken;	/* a request was given up */
};

/* check.c: what a request must carry; pure, unit-tested and fuzzed */
int	web_host_ok(const struct web_addr *, const char *);
int	web_origin_ok(const char *, const char *);
int	web_token_ok(const char *, const char *);
int	web_form_type_ok(const char *);
int	web_fetch_site_ok(const char *);

/* html.c: text into HTML; dst holds HTML_ESC_MAX(n) bytes */
#define HTML_ESC_MAX(n)	(6 * (n))
size_t	html_esc(char *, const char *, size_t);
void	html_text(struct evbuffer *, const char *, size_t);
void	html_str(struct evbuffer *, const char *);

/* ctl.c: requests to bangerd, one at a time, waited for */
typedef void	(*ctl_each_fn)(struct web *, void *, uint32_t, void *);
int	ctl_call(struct web *, uint32_t, const void *, int, ctl_each_fn,
	    void *, char *, size_t);

/* A guest command's end: its stdout (up to cap bytes) and status. */
struct ctl_run {
	char		*out;
	size_t		 cap;
	size_t		 len;
	int		 over;		/* more than cap came, dropped */
	int64_t		 status;	/* -1 if signalled */
	uint64_t	 signo;
};
int	ctl_exec(struct web *, const char *, char *const *, int,
	    struct ctl_run *, char *, size_t);
void	ctl_abandon(struct web *);

/* sessions.c: a running VM's sessions, asked of its guest */
void	sessions_render(struct web *, struct evbuffer *, const char *,
	    size_t);

/* page.c: the page of VMs */
int	page_render(struct web *, struct evbuffer *, char *, size_t);

/* serve.c: every HTTP request */
void	serve_request(struct evhttp_request *, void *);

/* sandbox.c */
void	sandbox_web(const char *);

#endif
