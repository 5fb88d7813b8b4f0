/*
 * A running VM's sessions (`vm session`, docs/advanced.md) on the page.
 * The guest is asked as `banger vm session list` asks it: the one fixed
 * command `banger-agent session list`, run through bangerd as `vm exec`
 * runs a command (ctl_exec), its stdout kept up to the bound the CLI
 * keeps and read only as banger/sesslist.c reads it (JSON, strict,
 * bounded).  The guest may say anything: every string shown is escaped
 * as console text is, for a terminal (esc.c) and then for HTML.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "esc.h"
#include "sesslist.h"
#include "web.h"

static char *const list_argv[] = { "banger-agent", "session", "list",
    NULL };

/* Guest text, escaped twice. */
static void
guest_text(struct evbuffer *out, const char *s)
{
	static char	 buf[ESC_OUTMAX(SESS_CMD_MAX) + 1];
	size_t		 n;

	n = esc_string(buf, sizeof(buf), s, strlen(s), ESC_TERM);
	html_text(out, buf, n);
}

static void
could_not(struct evbuffer *out, const char *why)
{
	evbuffer_add_printf(out, "<span class=\"nosessions\">(could not list "
	    "sessions: ");
	guest_text(out, why);
	evbuffer_add_printf(out, ")</span>");
}

static void
one(struct evbuffer *out, const struct sess_info *s)
{
	evbuffer_add_printf(out, "<tr><td class=\"session-name\">");
	guest_text(out, s->name);
	evbuffer_add_printf(out, "</td><td class=\"session-state\">");
	if (s->exited)
		evbuffer_add_printf(out, "exited %lld",
		    (long long)s->exit_status);
	else if (s->killed)
		evbuffer_add_printf(out, "killed by signal %lld",
		    (long long)s->signal);
	else
		guest_text(out, s->state);
	evbuffer_add_printf(out, "</td><td class=\"session-stdin\">");
	guest_text(out, s->stdin_mode[0] != '\0' ? s->stdin_mode : "-");
	evbuffer_add_printf(out, "</td><td class=\"session-command\"><code>");
	guest_text(out, s->command);
	evbuffer_add_printf(out, "</code></td></tr>\n");
}

/* The list itself, or why there is none. */
static void
list(struct web *w, struct evbuffer *out, const char *vm)
{
	static char		 raw[SESS_LIST_BYTES];
	struct ctl_run		 r;
	struct sess_info	*v;
	char			 err[1024];
	size_t			 n, i;
	int			 rc;

	memset(&r, 0, sizeof(r));
	r.out = raw;
	r.cap = sizeof(raw);
	rc = ctl_exec(w, vm, list_argv, WEB_SESS_WAIT, &r, err, sizeof(err));
	if (rc == -2) {
		evbuffer_add_printf(out, "<span class=\"nosessions\">(no "
		    "answer)</span>");
		return;
	}
	if (rc == -1) {
		could_not(out, err);
		return;
	}
	if (r.signo != 0 || r.status != 0) {
		snprintf(err, sizeof(err), "the guest's `banger-agent session "
		    "list` %s %lld", r.signo != 0 ? "was killed by signal" :
		    "exited", r.signo != 0 ? (long long)r.signo :
		    (long long)r.status);
		could_not(out, err);
		return;
	}
	if (r.over) {
		snprintf(err, sizeof(err), "the list is longer than %d bytes",
		    SESS_LIST_BYTES);
		could_not(out, err);
		return;
	}
	if (sess_list_parse(raw, r.len, &v, &n, err, sizeof(err)) == -1) {
		could_not(out, err);
		return;
	}
	if (n == 0)
		evbuffer_add_printf(out, "none");
	else
		evbuffer_add_printf(out, "<table class=\"sessions\"><tr>"
		    "<th>name</th><th>state</th><th>stdin</th><th>command</th>"
		    "</tr>\n");
	for (i = 0; i < n; i++)
		one(out, &v[i]);
	if (n > 0)
		evbuffer_add_printf(out, "</table>");
	free(v);
}

/*
 * The sessions of running VM vm, the nth running VM on the page: each
 * costs a guest command, so only the first WEB_SESS_VMS are asked, and
 * none once a guest has not answered (the channel is given up).
 */
void
sessions_render(struct web *w, struct evbuffer *out, const char *vm,
    size_t nth)
{
	evbuffer_add_printf(out, "<dt>sessions</dt><dd class=\"sessions\">");
	if (nth >= WEB_SESS_VMS)
		evbuffer_add_printf(out, "<span class=\"nosessions\">(not "
		    "listed: a page lists the sessions of the first %d "
		    "running VMs; <code>banger vm session list</code> lists "
		    "them)</span>", WEB_SESS_VMS);
	else if (w->broken)
		evbuffer_add_printf(out, "<span class=\"nosessions\">(not "
		    "asked: another VM did not answer)</span>");
	else
		list(w, out, vm);
	evbuffer_add_printf(out, "</dd>\n");
}
