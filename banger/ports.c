/*
 * A VM's published ports as bangerd reports them (canonical
 * ADDR:HOSTPORT:GUESTPORT or unix:PATH:GUESTPORT specs and a parallel
 * list of states), printed
 * for people or as JSON.  Both lists come from the daemon: they are
 * parsed again rather than trusted, and escaped before they reach a
 * terminal.
 */
#include <stdio.h>

#include <jansson.h>

#include "banger.h"
#include "portspec.h"
#include "vminfo.h"

static const char *
port_state(const struct ctl_vm_info *v, size_t i)
{
	return i < v->port_state.n && v->port_state.v[i] != NULL ?
	    v->port_state.v[i] : "unknown";
}

/*
 * "127.0.0.1:8080 -> 80  listening", "unix:/tmp/w.sock -> 80  listening"
 * (a spec that does not parse: as is).
 */
void
port_line(const struct ctl_vm_info *v, size_t i, char *out, size_t outlen)
{
	struct port_spec	 p;
	char			 spec[4 * PORT_SPEC_MAX + 1], state[512];
	char			 perr[128], host[PORT_LISTEN_MAX + 1];
	char			 ehost[4 * PORT_LISTEN_MAX + 1];

	escape_ctl(port_state(v, i), state, sizeof(state));
	if (port_spec_parse(v->ports.v[i], &p, perr, sizeof(perr)) == -1) {
		escape_ctl(v->ports.v[i], spec, sizeof(spec));
		snprintf(out, outlen, "%s  %s", spec, state);
		return;
	}
	port_spec_listen(&p, host, sizeof(host));
	escape_ctl(host, ehost, sizeof(ehost));
	snprintf(out, outlen, "%s -> %u  %s", ehost, p.guest, state);
}

void
ports_print(const struct ctl_vm_info *v, FILE *f)
{
	char	 line[1024];
	size_t	 i;

	for (i = 0; i < v->ports.n; i++) {
		port_line(v, i, line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
}

/* jansson refuses invalid UTF-8: fall back to the escaped form. */
static json_t *
json_text(const char *s)
{
	char	 buf[1024];
	json_t	*j;

	if ((j = json_string(s)) != NULL)
		return j;
	escape_ctl(s, buf, sizeof(buf));
	return json_string(buf);
}

/*
 * [{"spec": "127.0.0.1:8080:80", "host": "127.0.0.1:8080", "guest": 80,
 * "state": "listening"}, ...]; a unix: spec's host is "unix:PATH"; host
 * and guest are null for a spec that does not parse.
 */
json_t *
ports_json(const struct ctl_vm_info *v)
{
	struct port_spec	 p;
	json_t			*arr, *o;
	char			 host[PORT_LISTEN_MAX + 1], perr[128];
	size_t			 i;

	if ((arr = json_array()) == NULL)
		return NULL;
	for (i = 0; i < v->ports.n; i++) {
		if (port_spec_parse(v->ports.v[i], &p, perr,
		    sizeof(perr)) == 0) {
			port_spec_listen(&p, host, sizeof(host));
			o = json_pack("{s:o, s:o, s:I, s:o}", "spec",
			    json_text(v->ports.v[i]), "host", json_text(host),
			    "guest", (json_int_t)p.guest,
			    "state", json_text(port_state(v, i)));
		} else
			o = json_pack("{s:o, s:n, s:n, s:o}", "spec",
			    json_text(v->ports.v[i]), "host", "guest",
			    "state", json_text(port_state(v, i)));
		if (o == NULL || json_array_append_new(arr, o) == -1) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}
