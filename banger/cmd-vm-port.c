/*
 * banger vm port [--json] list NAME
 * banger vm port [--json] publish|unpublish NAME SPEC
 *
 * One table entry with the verb as its first positional: command names
 * (lookup, help and the completion scripts) are at most two words.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "banger.h"
#include "exitcode.h"
#include "portspec.h"
#include "proto.h"
#include "valid.h"
#include "vminfo.h"

static const struct cmd_opt vm_port_opts[] = {
	{ "json", 0, NULL, "print the ports as a JSON array" },
	{ NULL, 0, NULL, NULL }
};

/*
 * Check the arguments and build the request; 0 or BEX_USAGE with err
 * set.  Nothing is sent before this passes.
 */
int
vm_port_prepare(const struct args *a, struct ctl_vm_port *req, char *err,
    size_t errlen)
{
	static char		 spec[PORT_SPEC_MAX + 1];
	struct port_spec	 p;
	int			 want;

	memset(req, 0, sizeof(*req));
	if (a->npos < 1) {
		snprintf(err, errlen, "missing argument");
		return BEX_USAGE;
	}
	if (strcmp(a->pos[0], "list") == 0) {
		req->op = PORT_LIST;
		want = 2;
	} else if (strcmp(a->pos[0], "publish") == 0) {
		req->op = PORT_PUBLISH;
		want = 3;
	} else if (strcmp(a->pos[0], "unpublish") == 0) {
		req->op = PORT_UNPUBLISH;
		want = 3;
	} else {
		snprintf(err, errlen, "unknown 'vm port' command '%.64s': use "
		    "list, publish or unpublish", a->pos[0]);
		return BEX_USAGE;
	}
	if (a->npos != want) {
		snprintf(err, errlen, "vm port %s takes %s", a->pos[0],
		    want == 2 ? "a VM name" : "a VM name and a port spec");
		return BEX_USAGE;
	}
	if (!valid_vm_name(a->pos[1])) {
		snprintf(err, errlen, "invalid VM name '%.64s'", a->pos[1]);
		return BEX_USAGE;
	}
	req->name = a->pos[1];
	req->spec = "";
	if (want == 3) {
		/* unix:PATH relative to our directory, not bangerd's. */
		if (publish_absolute(a->pos[2], spec, sizeof(spec), err,
		    errlen) == -1 || port_spec_parse(spec, &p, err,
		    errlen) == -1)
			return BEX_USAGE;
		req->spec = spec;
	}
	return 0;
}

static int
cmd_vm_port_exec(const struct cmd_entry *e, struct args *a)
{
	struct ctl_vm_port	 req;
	char			 err[256];
	int			 rc;

	if ((rc = vm_port_prepare(a, &req, err, sizeof(err))) != 0)
		return cmd_usage_error(e, "%s", err);
	return vm_info_part(e, a, CTL_VM_PORT, &req, "which ports the VM has",
	    ports_json, ports_print);
}

const struct cmd_entry cmd_vm_port_entry = {
	.name = "vm port",
	.usage = "list|publish|unpublish NAME [SPEC]",
	.summary = "list, publish or unpublish a VM's ports on the host",
	.opts = vm_port_opts,
	.min_pos = 1,
	.max_pos = 3,
	.exec = cmd_vm_port_exec,
};
