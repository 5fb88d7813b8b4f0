/*
 * Published ports: which host ports (or unix:PATH sockets) forward to
 * which of a VM's ports.  They belong to the VM (kept in the database),
 * are checked here against the user's other VMs, and are handed to
 * banger-net, which listens on them while the VM has an address and
 * lets only this user connect.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bangerd.h"
#include "log.h"
#include "vm-phase.h"

/* The texts, and the line the database keeps (db.c reads it). */
static void
ports_refresh(struct vm *vm)
{
	size_t	 i, off = 0;

	vm->ports_line[0] = '\0';
	for (i = 0; i < vm->nports; i++) {
		port_spec_fmt(&vm->ports[i], vm->port_text[i],
		    sizeof(vm->port_text[i]));
		vm->port_textp[i] = vm->port_text[i];
		off += (size_t)snprintf(vm->ports_line + off,
		    sizeof(vm->ports_line) - off, "%s%s", i ? " " : "",
		    vm->port_text[i]);
	}
	vm->port_textp[vm->nports] = NULL;
}

/* The VM (or another of the user's) that has p's host address and port. */
static struct vm *
ports_taken(struct bangerd *d, const struct port_spec *p, size_t *at)
{
	struct vm	*vm;
	size_t		 i;

	TAILQ_FOREACH(vm, &d->vms, entry)
		for (i = 0; i < vm->nports; i++)
			if (port_spec_clash(&vm->ports[i], p)) {
				*at = i;
				return vm;
			}
	return NULL;
}

static int
ports_add(struct vm *vm, const char *spec, char *err, size_t errlen)
{
	struct port_spec	 p;
	struct vm		*o;
	size_t			 at;

	if (port_spec_parse(spec, &p, err, errlen) == -1)
		return -1;
	if ((o = ports_taken(vm->d, &p, &at)) != NULL) {
		snprintf(err, errlen, "publish %s: %s is already published by "
		    "VM %s", spec, o->port_text[at], o->name);
		return -1;
	}
	if (vm->nports == PORTS_MAX) {
		snprintf(err, errlen, "publish %s: VM %s already has %d "
		    "published ports", spec, vm->name, PORTS_MAX);
		return -1;
	}
	vm->ports[vm->nports] = p;
	vm->port_err[vm->nports][0] = '\0';
	vm->port_known[vm->nports] = 0;
	vm->nports++;
	ports_refresh(vm);
	return 0;
}

/* A new VM's --publish list: all or nothing. */
int
vm_ports_set(struct vm *vm, const struct msg_strv *specs, char *err,
    size_t errlen)
{
	size_t	 i;

	vm->nports = 0;
	for (i = 0; i < specs->n; i++)
		if (ports_add(vm, specs->v[i], err, errlen) == -1) {
			vm->nports = 0;
			ports_refresh(vm);
			return -1;
		}
	return 0;
}

/* From the database; a spec that no longer parses is dropped, and said. */
void
vm_ports_load(struct vm *vm, const char *text)
{
	char	 copy[PORTS_MAX * (PORT_SPEC_MAX + 1) + 1], err[256];
	char	*s, *tok;

	vm->nports = 0;
	snprintf(copy, sizeof(copy), "%s", text);
	for (s = copy; (tok = strsep(&s, " ")) != NULL;)
		if (tok[0] != '\0' && ports_add(vm, tok, err, sizeof(err)) ==
		    -1)
			log_warnx("vm %s: dropped a published port: %s",
			    vm->name, err);
	ports_refresh(vm);
}

void
vm_ports_info(struct vm *vm, struct ctl_vm_info *vi)
{
	static char	 state[PORTS_MAX][160];
	size_t		 i;
	int		 up = vm->state == VM_RUNNING || vm->state == VM_STARTING;

	for (i = 0; i < vm->nports; i++) {
		if (!up || vm->d->net_chan == -1)
			snprintf(state[i], sizeof(state[i]), "waiting");
		else if (!vm->port_known[i])
			snprintf(state[i], sizeof(state[i]), "starting");
		else if (vm->port_err[i][0] != '\0')
			snprintf(state[i], sizeof(state[i]), "error: %s",
			    vm->port_err[i]);
		else
			snprintf(state[i], sizeof(state[i]), "listening");
		vm->port_statep[i] = state[i];
	}
	vm->port_statep[vm->nports] = NULL;
	ports_refresh(vm);
	vi->ports.v = vm->port_textp;
	vi->ports.n = vm->nports;
	vi->port_state.v = vm->port_statep;
	vi->port_state.n = vm->nports;
}

/* A port bangerd could not hand to banger-net (lowports.c): said once. */
void
vm_ports_error(struct vm *vm, size_t i, const char *error)
{
	if (vm->port_known[i] && strcmp(vm->port_err[i], error) == 0)
		return;
	vm->port_known[i] = 1;
	snprintf(vm->port_err[i], sizeof(vm->port_err[i]), "%s", error);
	log_warnx("vm %s: cannot publish %s: %s", vm->name, vm->port_text[i],
	    error);
}

/*
 * banger-net's word on the listener at LISTEN ("127.0.0.1:8080" or
 * "unix:PATH"; compared whole, since a PATH may hold colons).
 */
void
vm_ports_state(struct bangerd *d, const char *listen, const char *error)
{
	struct vm	*vm;
	char		 l[PORT_LISTEN_MAX + 1];
	size_t		 i;

	TAILQ_FOREACH(vm, &d->vms, entry)
		for (i = 0; i < vm->nports; i++) {
			port_spec_listen(&vm->ports[i], l, sizeof(l));
			if (strcmp(l, listen) != 0)
				continue;
			vm->port_known[i] = 1;
			snprintf(vm->port_err[i], sizeof(vm->port_err[i]), "%s",
			    error);
			if (error[0] != '\0')
				log_warnx("vm %s: cannot publish %s: %s",
				    vm->name, vm->port_text[i], error);
		}
}

void
vm_port_cmd(struct client *c, struct ctl_vm_port *req)
{
	struct vm		*vm;
	struct port_spec	 p;
	char			 err[256];
	size_t			 i;

	if ((vm = vm_find(c->d, req->name)) == NULL) {
		client_error(c, BERR_NOTFOUND, "no VM named %s", req->name);
		return;
	}
	if (req->op == PORT_PUBLISH) {
		if (ports_add(vm, req->spec, err, sizeof(err)) == -1) {
			client_error(c, BERR_INVALID, "%s", err);
			return;
		}
	} else if (req->op == PORT_UNPUBLISH) {
		if (port_spec_parse(req->spec, &p, err, sizeof(err)) == -1) {
			client_error(c, BERR_INVALID, "%s", err);
			return;
		}
		for (i = 0; i < vm->nports && !port_spec_clash(&vm->ports[i],
		    &p); i++)
			;
		if (i == vm->nports) {
			port_spec_fmt(&p, err, sizeof(err));
			client_error(c, BERR_NOTFOUND, "VM %s does not publish "
			    "%s", vm->name, err);
			return;
		}
		memmove(&vm->ports[i], &vm->ports[i + 1], (vm->nports - i - 1) *
		    sizeof(vm->ports[0]));
		memmove(vm->port_err[i], vm->port_err[i + 1], (vm->nports - i -
		    1) * sizeof(vm->port_err[0]));
		memmove(&vm->port_known[i], &vm->port_known[i + 1],
		    (vm->nports - i - 1) * sizeof(vm->port_known[0]));
		vm->nports--;
		ports_refresh(vm);
	}
	if (req->op != PORT_LIST)
		vm_save(vm);	/* the database, and banger-net */
	/*
	 * A unix:PATH socket is made at once (unixports.c): one that could
	 * not be is refused, and the VM keeps what it had.
	 */
	i = vm->nports - 1;
	if (req->op == PORT_PUBLISH && vm->ports[i].path[0] != '\0' &&
	    vm->port_known[i] && vm->port_err[i][0] != '\0') {
		snprintf(err, sizeof(err), "publish %s: %s", vm->port_text[i],
		    vm->port_err[i]);
		vm->nports--;
		ports_refresh(vm);
		vm_save(vm);
		client_error(c, BERR_INVALID, "%s", err);
		return;
	}
	vm_reply_info(c, vm);
}
