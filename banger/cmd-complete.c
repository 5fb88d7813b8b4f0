/*
 * banger __complete vms|images|kernels: names for the completion
 * scripts, one per line.  Never starts bangerd (a TAB must not boot a
 * daemon) and prints nothing when it is down.  Only names that pass
 * validation are printed: the scripts split the output into words.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <stdio.h>
#include <string.h>

#include "banger.h"
#include "completion.h"
#include "exitcode.h"
#include "proto.h"
#include "valid.h"

/* A shell waiting on TAB: give up on a daemon that does not answer. */
#define COMPLETE_TIMEOUT_SEC	2

static const struct cmd_opt complete_opts[] = {
	{ NULL, 0, NULL, NULL }
};

/* One list request; print the valid names in its replies. */
static int
complete_list(uint32_t type, uint32_t info)
{
	struct client		 c;
	struct msg_hdr		 hdr;
	struct ctl_ok		 req = { 0 };
	const char		*name;
	struct timeval		 tv = { COMPLETE_TIMEOUT_SEC, 0 };
	void			*body;
	char			 err[512];
	uint64_t		 id;
	int			 rc;

	if ((rc = client_open(&c, 0, err, sizeof(err))) == CLIENT_DOWN)
		return BEX_OK;
	if (rc == -1) {
		cli_warnx("%s", err);
		return BEX_DAEMON;
	}
	(void)setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(c.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (client_request(&c, type, &req, &id, err,
	    sizeof(err)) == -1) {
		cli_warnx("%s", err);
		client_close(&c);
		return BEX_FAIL;
	}
	for (rc = -1; rc == -1;) {
		if (client_recv(&c, id, &hdr, &body, err,
		    sizeof(err)) == -1) {
			cli_warnx("%s", err);
			rc = BEX_FAIL;
			break;
		}
		if (hdr.type == info) {
			if (info == CTL_VM_INFO)
				name = ((struct ctl_vm_info *)body)->name;
			else if (info == CTL_IMAGE_INFO)
				name = ((struct ctl_image_info *)body)->name;
			else
				name = ((struct ctl_kernel_info *)body)->name;
			if (valid_vm_name(name))
				printf("%s\n", name);
			client_free(hdr.type, body);
			continue;
		}
		switch (hdr.type) {
		case CTL_OK:
			rc = BEX_OK;
			break;
		default:
			rc = BEX_FAIL;
			break;
		}
		client_free(hdr.type, body);
	}
	client_close(&c);
	return rc;
}

static int
cmd_complete_exec(const struct cmd_entry *e, struct args *a)
{
	if (strcmp(a->pos[0], "vms") == 0)
		return complete_list(CTL_VM_LIST, CTL_VM_INFO);
	if (strcmp(a->pos[0], "images") == 0)
		return complete_list(CTL_IMAGE_LIST, CTL_IMAGE_INFO);
	if (strcmp(a->pos[0], "kernels") == 0)
		return complete_list(CTL_KERNEL_LIST, CTL_KERNEL_INFO);
	return cmd_usage_error(e, "unknown kind (vms, images or kernels)");
}

const struct cmd_entry cmd_complete_entry = {
	.name = "__complete",
	.usage = "vms|images|kernels",
	.summary = "names for shell completion (internal)",
	.opts = complete_opts,
	.min_pos = 1,
	.max_pos = 1,
	.flags = CMD_HIDDEN,
	.exec = cmd_complete_exec,
};
