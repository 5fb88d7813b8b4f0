/* banger vm list [--json] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "banger.h"
#include "exitcode.h"
#include "proto.h"
#include "vminfo.h"

static const struct cmd_opt vm_list_opts[] = {
	{ "json", 0, NULL, "print a JSON array with every field" },
	{ NULL, 0, NULL, NULL }
};

/* ["claude", ...]: what the VM's last start copied in. */
static json_t *
creds_json(const struct ctl_vm_info *v)
{
	json_t	*arr;
	char	 name[4 * 32 + 1];
	size_t	 i;

	if ((arr = json_array()) == NULL)
		return NULL;
	for (i = 0; i < v->credentials.n; i++) {
		escape_ctl(v->credentials.v[i], name, sizeof(name));
		if (json_array_append_new(arr, json_string(name)) == -1) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

json_t *
vm_json(const struct ctl_vm_info *v)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, "
	    "s:s, s:s, s:s, s:o, s:o, s:o}", "name", v->name, "state",
	    v->state, "vmm", v->vmm,
	    "accel", v->accel, "address", v->address,
	    "pid", (json_int_t)v->pid, "created", (json_int_t)v->created,
	    "vcpus", (json_int_t)v->vcpus,
	    "memory_mib", (json_int_t)v->memory_mib,
	    "disk_mib", (json_int_t)v->disk_mib, "dir", v->dir,
	    "image", v->image, "root", v->root, "ports", ports_json(v),
	    "egress", egress_json(v), "credentials", creds_json(v));
}

static void
vm_row(const struct ctl_vm_info *v, uint64_t now)
{
	char	 name[256], state[64], vmm[64], accel[32], addr[64];
	char	 pid[24], age[32];

	/* Names are validated by bangerd; the rest is still escaped. */
	escape_ctl(v->name, name, sizeof(name));
	escape_ctl(v->state, state, sizeof(state));
	escape_ctl(v->vmm, vmm, sizeof(vmm));
	escape_ctl(v->accel, accel, sizeof(accel));
	escape_ctl(v->address[0] != '\0' ? v->address : "-", addr,
	    sizeof(addr));
	if (v->pid != 0)
		snprintf(pid, sizeof(pid), "%llu", (unsigned long long)v->pid);
	else
		snprintf(pid, sizeof(pid), "-");
	fmt_age(v->created, now, age, sizeof(age));
	printf("%-20s %-10s %-6s %-6s %-15s %-8s %s\n", name, state, vmm,
	    accel, addr, pid, age);
}

struct list_out {
	json_t		*arr;		/* NULL: a table */
	uint64_t	 now;
};

static void
list_one(void *body, void *arg)
{
	struct list_out	*lo = arg;

	if (lo->arr != NULL)
		json_array_append_new(lo->arr, vm_json(body));
	else
		vm_row(body, lo->now);
	client_free(CTL_VM_INFO, body);
}

static int
cmd_vm_list_exec(const struct cmd_entry *e, struct args *a)
{
	struct client		 c;
	struct ctl_vm_list	 req = { 0 };
	struct list_out		 lo;
	int			 rc;

	if ((rc = client_open_or_report(&c, 1)) != 0)
		return rc;
	lo.now = (uint64_t)time(NULL);
	lo.arr = args_get(e, a, "json") != NULL ? json_array() : NULL;
	if (lo.arr == NULL)
		printf("%-20s %-10s %-6s %-6s %-15s %-8s %s\n", "NAME",
		    "STATE", "VMM", "ACCEL", "ADDRESS", "PID", "CREATED");
	rc = request_each(&c, CTL_VM_LIST, &req, NULL, 0, CTL_VM_INFO,
	    list_one, &lo);
	client_close(&c);
	if (lo.arr != NULL && rc == BEX_OK) {
		json_dumpf(lo.arr, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(lo.arr);
	return rc;
}

const struct cmd_entry cmd_vm_list_entry = {
	.name = "vm list",
	.usage = "",
	.summary = "list your VMs",
	.opts = vm_list_opts,
	.min_pos = 0,
	.max_pos = 0,
	.exec = cmd_vm_list_exec,
};
