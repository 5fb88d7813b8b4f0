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

json_t *
vm_json(const struct ctl_vm_info *v)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, "
	    "s:s, s:s}", "name", v->name, "state", v->state, "vmm", v->vmm,
	    "accel", v->accel, "address", v->address,
	    "pid", (json_int_t)v->pid, "created", (json_int_t)v->created,
	    "vcpus", (json_int_t)v->vcpus,
	    "memory_mib", (json_int_t)v->memory_mib,
	    "disk_mib", (json_int_t)v->disk_mib, "dir", v->dir,
	    "image", v->image);
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

static int
cmd_vm_list_exec(const struct cmd_entry *e, struct args *a)
{
	struct client	 c;
	struct msg_hdr	 hdr;
	struct ctl_vm_list req = { 0 };
	json_t		*arr = NULL;
	void		*body;
	char		 err[512];
	uint64_t	 id, now = (uint64_t)time(NULL);
	int		 rc, json = args_get(e, a, "json") != NULL;

	if ((rc = client_open_or_report(&c, 1)) != 0)
		return rc;
	if (client_request(&c, CTL_VM_LIST, &req, &id, err,
	    sizeof(err)) == -1) {
		cli_warnx("%s", err);
		client_close(&c);
		return BEX_FAIL;
	}
	if (json)
		arr = json_array();
	else
		printf("%-20s %-10s %-6s %-6s %-15s %-8s %s\n", "NAME",
		    "STATE", "VMM", "ACCEL", "ADDRESS", "PID", "CREATED");
	for (rc = -1; rc == -1;) {
		if (client_recv(&c, id, &hdr, &body, err,
		    sizeof(err)) == -1) {
			cli_warnx("%s", err);
			rc = BEX_FAIL;
			break;
		}
		switch (hdr.type) {
		case CTL_VM_INFO:
			if (json)
				json_array_append_new(arr, vm_json(body));
			else
				vm_row(body, now);
			break;
		case CTL_OK:
			rc = BEX_OK;
			break;
		case CTL_ERROR:
			cli_relay(((struct ctl_error *)body)->message);
			rc = bex_from_berr(((struct ctl_error *)body)->code);
			break;
		default:
			cli_warnx("unexpected reply from bangerd");
			rc = BEX_FAIL;
			break;
		}
		client_free(hdr.type, body);
	}
	client_close(&c);
	if (json && rc == BEX_OK) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(arr);
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
