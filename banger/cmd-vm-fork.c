/*
 * banger vm fork NAME [--name NEW] [--count K]: bangerd makes the
 * children from the running VM NAME (they are left suspended), then each
 * is resumed in turn as by vm resume, and its name printed once it runs.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banger.h"
#include "exitcode.h"
#include "proto.h"
#include "valid.h"
#include "vminfo.h"

static const struct cmd_opt vm_fork_opts[] = {
	{ "name", 'n', "NEW", "name the copy (with --count: NEW-1, NEW-2, "
	    "...; default: NAME-1, NAME-2, ... the first free)" },
	{ "count", 'c', "K", "make K copies (1 to 16; default 1)" },
	{ NULL, 0, NULL, NULL }
};

struct kids {
	char	 names[VM_FORK_MAX][VM_NAME_MAX + 1];
	size_t	 n;
};

static void
keep_name(void *body, void *arg)
{
	struct ctl_vm_info	*vi = body;
	struct kids		*k = arg;

	/* bangerd sends at most the count asked for; names are checked. */
	if (k->n < VM_FORK_MAX && valid_vm_name(vi->name))
		snprintf(k->names[k->n++], sizeof(k->names[0]), "%s",
		    vi->name);
	client_free(CTL_VM_INFO, body);
}

static int
cmd_vm_fork_exec(const struct cmd_entry *e, struct args *a)
{
	struct ctl_vm_fork	 req;
	struct ctl_vm_name	 rn;
	struct kids		 k;
	struct client		 c;
	const char		*name = args_get(e, a, "name");
	const char		*cnt = args_get(e, a, "count");
	char			*end;
	unsigned long		 n = 1;
	size_t			 i;
	int			 rc, worst = BEX_OK;

	if (!valid_vm_name(a->pos[0]))
		return cmd_usage_error(e, "invalid VM name '%.64s'",
		    a->pos[0]);
	if (name != NULL && !valid_vm_name(name))
		return cmd_usage_error(e, "invalid VM name '%.64s'", name);
	if (cnt != NULL) {
		n = strtoul(cnt, &end, 10);
		if (cnt[0] < '1' || cnt[0] > '9' || *end != '\0' || n < 1 ||
		    n > VM_FORK_MAX)
			return cmd_usage_error(e, "--count wants 1 to %d, not "
			    "'%.16s'", VM_FORK_MAX, cnt);
	}
	req.name = a->pos[0];
	req.new_name = (char *)(name != NULL ? name : "");
	req.count = n;
	memset(&k, 0, sizeof(k));
	if ((rc = client_open_or_report(&c, 1)) != 0)
		return rc;
	rc = request_each(&c, CTL_VM_FORK, &req, NULL, 0, CTL_VM_INFO,
	    keep_name, &k);
	client_close(&c);
	/*
	 * Children made before a failure are suspended; bangerd named them
	 * before its error: run them too.
	 */
	if (rc != BEX_OK && k.n == 0)
		return rc;
	worst = rc;
	for (i = 0; i < k.n; i++) {
		rn.name = k.names[i];
		if (client_open_or_report(&c, 1) != 0)
			return BEX_DAEMON;
		rc = vm_request(&c, CTL_VM_RESUME, &rn, NULL);
		client_close(&c);
		if (rc == BEX_OK)
			printf("%s\n", k.names[i]);
		else if (worst == BEX_OK)
			worst = rc;
	}
	return worst;
}

const struct cmd_entry cmd_vm_fork_entry = {
	.name = "vm fork",
	.usage = "NAME",
	.summary = "copy a running VM: each copy has its own disks and "
	    "identity; NAME runs on",
	.opts = vm_fork_opts,
	.min_pos = 1,
	.max_pos = 1,
	.exec = cmd_vm_fork_exec,
};
