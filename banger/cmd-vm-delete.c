/* banger vm delete NAME... */
#include <stdio.h>

#include "banger.h"
#include "exitcode.h"
#include "proto.h"
#include "valid.h"

static const struct cmd_opt vm_delete_opts[] = {
	{ NULL, 0, NULL, NULL }
};

/*
 * One name; returns 0, -1 if bangerd refused (already reported) or -2
 * when the connection is gone.
 */
static int
vm_delete_one(struct client *c, const char *name)
{
	struct ctl_vm_delete	 req;
	struct msg_hdr		 hdr;
	void			*body;
	char			 err[512];
	uint64_t		 id;
	int			 rc = -1;

	req.name = (char *)name;
	if (client_request(c, CTL_VM_DELETE, &req, &id, err,
	    sizeof(err)) == -1 ||
	    client_recv(c, id, &hdr, &body, err, sizeof(err)) == -1) {
		cli_warnx("%s: %s", name, err);
		return -2;
	}
	if (hdr.type == CTL_OK)
		rc = 0;
	else if (hdr.type == CTL_ERROR) {
		char esc[4 * BANGER_STRMAX + 1];

		escape_ctl(((struct ctl_error *)body)->message, esc,
		    sizeof(esc));
		cli_warnx("%s: %s", name, esc);
	} else {
		cli_warnx("%s: unexpected reply from bangerd", name);
		rc = -2;
	}
	client_free(hdr.type, body);
	return rc;
}

static int
cmd_vm_delete_exec(const struct cmd_entry *e, struct args *a)
{
	struct client	 c;
	int		 i, rc, failed = 0;

	for (i = 0; i < a->npos; i++)
		if (!valid_vm_name(a->pos[i])) {
			char esc[256];

			escape_ctl(a->pos[i], esc, sizeof(esc));
			return cmd_usage_error(e, "invalid VM name '%s'",
			    esc);
		}
	if ((rc = client_open_or_report(&c, 1)) != 0)
		return rc;
	for (i = 0; i < a->npos; i++) {
		if ((rc = vm_delete_one(&c, a->pos[i])) == 0)
			continue;
		failed = 1;
		if (rc == -2) {
			for (i++; i < a->npos; i++)
				cli_warnx("%s: not deleted", a->pos[i]);
			break;
		}
	}
	client_close(&c);
	return failed ? BEX_FAIL : BEX_OK;
}

const struct cmd_entry cmd_vm_delete_entry = {
	.name = "vm delete",
	.usage = "NAME...",
	.summary = "delete VMs",
	.opts = vm_delete_opts,
	.min_pos = 1,
	.max_pos = -1,
	.exec = cmd_vm_delete_exec,
};
