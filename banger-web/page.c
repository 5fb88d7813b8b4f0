/*
 * The page: each VM with its state, address, published ports, sessions
 * and the end of its console log, and buttons to stop or delete it.
 * No script: the page works with a plain form POST, and the
 * Content-Security-Policy (serve.c) forbids scripts outright.
 *
 * bangerd's list of VMs is one request, and a running VM's sessions are
 * one more each (sessions.c), which cannot start before the list has
 * ended: each VM is written in two parts around its sessions, which are
 * asked for once the list is in.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "esc.h"
#include "proto.h"
#include "valid.h"
#include "web.h"

#define LIST_WAIT_SEC	30	/* for bangerd's list of VMs */

static const char head[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"referrer\" content=\"no-referrer\">"
    "<title>banger</title><style>"
    "body{font-family:sans-serif;margin:1em 2em}"
    "section{border:1px solid #ccc;border-radius:4px;padding:.5em 1em;"
    "margin:1em 0}"
    "pre{background:#111;color:#ddd;padding:.5em;max-height:30em;"
    "overflow:auto;white-space:pre-wrap}"
    ".state{font-size:80%;padding:0 .4em;border:1px solid #888;"
    "border-radius:3px}"
    "form{display:inline-block;margin-right:1em}"
    "table.sessions{border-collapse:collapse}"
    "table.sessions td,table.sessions th{text-align:left;"
    "padding:0 1em 0 0;vertical-align:top}"
    "</style></head><body>\n";

/*
 * The last WEB_LOG_TAIL bytes of console.log in the VM's directory,
 * from a line's start, escaped twice: esc.c makes guest bytes plain
 * text, html.c makes that text HTML.
 */
static void
console_tail(struct web *w, struct evbuffer *out, const char *dir)
{
	static char	 raw[WEB_LOG_TAIL], txt[ESC_OUTMAX(WEB_LOG_TAIL)];
	char		 path[PATH_MAX];
	struct esc	 e;
	off_t		 size, from;
	ssize_t		 n;
	char		*p;
	size_t		 len;
	int		 fd;

	if (strncmp(dir, w->vms_dir, strlen(w->vms_dir)) != 0 ||
	    dir[strlen(w->vms_dir)] != '/' ||
	    (size_t)snprintf(path, sizeof(path), "%s/console.log", dir) >=
	    sizeof(path)) {
		evbuffer_add_printf(out, "<p>(no console log)</p>\n");
		return;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		evbuffer_add_printf(out, "<p>(no console log: %s)</p>\n",
		    errno == ENOENT ? "never booted" : strerror(errno));
		return;
	}
	size = lseek(fd, 0, SEEK_END);
	from = size > WEB_LOG_TAIL ? size - WEB_LOG_TAIL : 0;
	n = size < 0 ? -1 : pread(fd, raw, sizeof(raw), from);
	close(fd);
	if (n < 0) {
		evbuffer_add_printf(out, "<p>(console log unreadable)</p>\n");
		return;
	}
	p = raw;
	len = (size_t)n;
	if (from > 0) {
		char	*nl = memchr(raw, '\n', len);

		if (nl != NULL) {
			len -= (size_t)(nl + 1 - raw);
			p = nl + 1;
		}
	}
	esc_init(&e, ESC_TERM);
	len = esc_feed(&e, p, len, txt);
	len += esc_finish(&e, txt + len);
	evbuffer_add_printf(out, "<details open><summary>console log%s"
	    "</summary><pre class=\"console\">", from > 0 ? " (its end)" : "");
	html_text(out, txt, len);
	evbuffer_add_printf(out, "</pre></details>\n");
}

static void
form(struct web *w, struct evbuffer *out, const char *action,
    const char *name, const char *label, int confirm)
{
	evbuffer_add_printf(out, "<form method=\"post\" action=\"/%s\">"
	    "<input type=\"hidden\" name=\"token\" value=\"%s\">"
	    "<input type=\"hidden\" name=\"name\" value=\"", action,
	    w->token);
	html_str(out, name);
	evbuffer_add_printf(out, "\">");
	if (confirm)
		evbuffer_add_printf(out, "<label><input type=\"checkbox\" "
		    "name=\"confirm\" value=\"yes\" required> sure</label> ");
	evbuffer_add_printf(out, "<button type=\"submit\">%s</button></form>",
	    label);
}

/* A VM of the list: its page before and after its sessions. */
struct vm_part {
	struct evbuffer	*head;
	struct evbuffer	*tail;
	char		 name[VM_NAME_MAX + 1];
	int		 running;
};

struct parts {
	struct vm_part	*v;
	size_t		 n;
	size_t		 cap;
	int		 nomem;
};

static void
one_vm(struct web *w, void *arg, uint32_t type, void *body)
{
	struct parts		*ps = arg;
	struct ctl_vm_info	*vi = body;
	struct vm_part		*pt, *nv;
	struct evbuffer		*out;
	size_t			 i;

	(void)type;
	if (ps->nomem)
		return;
	if (ps->n == ps->cap) {
		i = ps->cap ? 2 * ps->cap : 16;
		if ((nv = reallocarray(ps->v, i, sizeof(*nv))) == NULL) {
			ps->nomem = 1;
			return;
		}
		ps->v = nv;
		ps->cap = i;
	}
	pt = &ps->v[ps->n];
	memset(pt, 0, sizeof(*pt));
	if ((pt->head = evbuffer_new()) == NULL ||
	    (pt->tail = evbuffer_new()) == NULL) {
		if (pt->head != NULL)
			evbuffer_free(pt->head);
		ps->nomem = 1;
		return;
	}
	ps->n++;
	snprintf(pt->name, sizeof(pt->name), "%s", vi->name);
	pt->running = strcmp(vi->state, "running") == 0 &&
	    valid_vm_name(vi->name);
	out = pt->head;
	evbuffer_add_printf(out, "<section class=\"vm\" id=\"vm-");
	html_str(out, vi->name);
	evbuffer_add_printf(out, "\"><h2><span class=\"name\">");
	html_str(out, vi->name);
	evbuffer_add_printf(out, "</span> <span class=\"state\">");
	html_str(out, vi->state);
	evbuffer_add_printf(out, "</span></h2>\n<dl><dt>image</dt><dd>");
	html_str(out, vi->image);
	evbuffer_add_printf(out, "</dd><dt>address</dt><dd>");
	html_str(out, vi->address[0] != '\0' ? vi->address : "-");
	evbuffer_add_printf(out, "</dd><dt>size</dt><dd>%llu vCPU, %llu MiB "
	    "memory, %llu MiB disk</dd>\n<dt>published ports</dt><dd>",
	    (unsigned long long)vi->vcpus,
	    (unsigned long long)vi->memory_mib,
	    (unsigned long long)vi->disk_mib);
	if (vi->ports.n == 0)
		evbuffer_add_printf(out, "none");
	for (i = 0; i < vi->ports.n; i++) {
		evbuffer_add_printf(out, "%s<span class=\"port\">",
		    i ? "<br>" : "");
		html_str(out, vi->ports.v[i]);
		if (i < vi->port_state.n) {
			evbuffer_add_printf(out, " (");
			html_str(out, vi->port_state.v[i]);
			evbuffer_add_printf(out, ")");
		}
		evbuffer_add_printf(out, "</span>");
	}
	evbuffer_add_printf(out, "</dd>\n");
	/* sessions here, for a running VM */
	out = pt->tail;
	evbuffer_add_printf(out, "</dl>\n<div class=\"actions\">");
	if (strcmp(vi->state, "running") == 0)
		form(w, out, "stop", vi->name, "Stop", 0);
	form(w, out, "delete", vi->name, "Delete", 1);
	evbuffer_add_printf(out, "</div>\n");
	console_tail(w, out, vi->dir);
	evbuffer_add_printf(out, "</section>\n");
}

static void
parts_free(struct parts *ps)
{
	size_t	 i;

	for (i = 0; i < ps->n; i++) {
		evbuffer_free(ps->v[i].head);
		evbuffer_free(ps->v[i].tail);
	}
	free(ps->v);
}

int
page_render(struct web *w, struct evbuffer *out, char *err, size_t errlen)
{
	struct ctl_vm_list	 req = { 0 };
	struct parts		 ps;
	size_t			 i, nrun = 0;

	memset(&ps, 0, sizeof(ps));
	evbuffer_add(out, head, sizeof(head) - 1);
	evbuffer_add_printf(out, "<h1>banger</h1>\n<p><a href=\"/?token=%s\">"
	    "Refresh</a></p>\n", w->token);
	if (ctl_call(w, CTL_VM_LIST, &req, LIST_WAIT_SEC, one_vm, &ps, err,
	    errlen) == -1) {
		parts_free(&ps);
		return -1;
	}
	if (ps.nomem) {
		parts_free(&ps);
		snprintf(err, errlen, "out of memory for the page");
		return -1;
	}
	for (i = 0; i < ps.n; i++) {
		evbuffer_add_buffer(out, ps.v[i].head);
		if (ps.v[i].running)
			sessions_render(w, out, ps.v[i].name, nrun++);
		evbuffer_add_buffer(out, ps.v[i].tail);
	}
	if (ps.n == 0)
		evbuffer_add_printf(out, "<p>No VMs.  <code>banger vm run"
		    "</code> or <code>banger vm create</code> makes one."
		    "</p>\n");
	parts_free(&ps);
	evbuffer_add_printf(out, "</body></html>\n");
	return 0;
}
