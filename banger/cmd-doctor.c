/* banger doctor [--json] */
#include <stdio.h>

#include <jansson.h>

#include "banger.h"
#include "config.h"
#include "cred.h"
#include "doctor.h"
#include "exitcode.h"

static const struct cmd_opt doctor_opts[] = {
	{ "json", 0, NULL, "print the results as JSON" },
	{ NULL, 0, NULL, NULL }
};

/* In the order a user would fix things. */
static const check_fn checks[] = {
	check_arch,
	check_kvm,
	check_landlock,
	check_config,
	check_vmm,
	check_rootdisk,
	check_qemu,
	check_priv,
	check_permitted,
	check_image,
	check_disk,
	check_vm_defaults,
	check_egress,
	check_dns_routing,
	check_ssh_key,
	check_credentials,
	check_daemon,
};
#define NCHECKS	(sizeof(checks) / sizeof(checks[0]))

static const char *
tag(enum check_status st)
{
	switch (st) {
	case CHK_OK:
		return "[ ok ]";
	case CHK_INFO:
		return "[info]";
	case CHK_WARN:
		return "[warn]";
	default:
		return "[FAIL]";
	}
}

/* {"value": v, "source": "...", "line": N} (line 0 unless from the file). */
static json_t *
setting(json_t *value, enum config_source src, unsigned line)
{
	return json_pack("{s:o, s:s, s:I}", "value", value, "source",
	    config_source_name(src), "line",
	    (json_int_t)(src == CONFIG_SRC_CONFIG ? line : 0));
}

static json_t *
str_setting(const struct config *c, enum config_key k, const char *v)
{
	return setting(v[0] != '\0' ? json_string(v) : json_null(),
	    c->line[k] ? CONFIG_SRC_CONFIG : CONFIG_SRC_BUILTIN, c->line[k]);
}

/* config.toml's credentials: [{"name", "path", "line"}]. */
static json_t *
creds_json(const struct config *c)
{
	json_t	*arr = json_array();
	size_t	 i;

	for (i = 0; arr != NULL && i < CRED_COUNT; i++)
		if (c->creds & (1u << i))
			json_array_append_new(arr, json_pack("{s:s, s:s+, s:I}",
			    "name", cred_table[i].name, "path", "~/",
			    cred_table[i].path, "line",
			    (json_int_t)c->line[CONFIG_K_CREDENTIALS]));
	return arr;
}

/* The effective settings and where each came from. */
static json_t *
config_json(void)
{
	const struct doctor_config	*dc = doctor_config();
	const struct config		*c = &dc->cfg;
	const struct vm_defaults_eff	*e = &dc->eff;

	return json_pack("{s:s, s:b, s:b, s:o, s:o, s:o, s:o, s:o, s:o, "
	    "s:{s:o, s:o, s:o}, s:I, s:o}",
	    "file", dc->file,
	    "present", c->present,
	    "valid", dc->valid,
	    "error", dc->valid ? json_null() : json_string(dc->err),
	    "vmm", setting(json_string(config_vmm_name(c->vmm)),
	    c->line[CONFIG_K_VMM] ? CONFIG_SRC_CONFIG : CONFIG_SRC_BUILTIN,
	    c->line[CONFIG_K_VMM]),
	    "qemu_bin", str_setting(c, CONFIG_K_QEMU_BIN, c->qemu_bin),
	    "firecracker_bin", str_setting(c, CONFIG_K_FIRECRACKER_BIN,
	    c->firecracker_bin),
	    "ssh_key_path", str_setting(c, CONFIG_K_SSH_KEY_PATH,
	    c->ssh_key_path),
	    "default_image_name", str_setting(c, CONFIG_K_DEFAULT_IMAGE_NAME,
	    c->default_image_name),
	    "vm_defaults",
	    "vcpu", setting(json_integer(e->vcpu), e->vcpu_src,
	    c->line[CONFIG_K_VCPU]),
	    "memory_mib", setting(json_integer(e->memory_mib), e->memory_src,
	    c->line[CONFIG_K_MEMORY_MIB]),
	    "disk_mib", setting(json_integer((json_int_t)e->disk_mib),
	    e->disk_src, c->line[CONFIG_K_DISK_SIZE]),
	    "file_sync", (json_int_t)c->nsync,
	    "credentials", creds_json(c));
}

static int
cmd_doctor_exec(const struct cmd_entry *e, struct args *a)
{
	static struct check	 res[NCHECKS];
	json_t			*arr = NULL, *o;
	size_t			 i;
	int			 failed = 0, json = args_get(e, a, "json") != NULL;

	for (i = 0; i < NCHECKS; i++) {
		res[i].hint[0] = '\0';
		checks[i](&res[i]);
		if (res[i].status == CHK_FAIL)
			failed = 1;
	}
	if (json) {
		arr = json_array();
		for (i = 0; i < NCHECKS; i++)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, "
			    "s:s}", "check", res[i].name, "status",
			    check_label(res[i].status), "detail",
			    res[i].detail, "hint", res[i].hint));
		o = json_pack("{s:b, s:o, s:o}", "ok", !failed, "checks", arr,
		    "config", config_json());
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else
		for (i = 0; i < NCHECKS; i++)
			printf("%s %s: %s%s%s\n", tag(res[i].status),
			    res[i].name, res[i].detail,
			    res[i].hint[0] != '\0' ? " -- " : "",
			    res[i].hint);
	return failed ? BEX_CHECK : BEX_OK;
}

const struct cmd_entry cmd_doctor_entry = {
	.name = "doctor",
	.usage = "",
	.summary = "check that this host can run banger's VMs",
	.opts = doctor_opts,
	.min_pos = 0,
	.max_pos = 0,
	.exec = cmd_doctor_exec,
};
