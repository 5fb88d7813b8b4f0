/*
 * config_parse() over arbitrary bytes: it must either refuse with a
 * "config.toml:..." message and no allocations left, or return values
 * that keep every promise config.h makes.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "valid.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_path(const char *p)
{
	if (p[0] != '\0' && !valid_abs_path(p, PATH_MAX))
		abort();
}

static void
check_ok(const struct config *c)
{
	struct vm_defaults_eff	 e;
	size_t			 i, j;

	if (c->default_image_name[0] != '\0' &&
	    !valid_vm_name(c->default_image_name))
		abort();
	check_path(c->ssh_key_path);
	check_path(c->firecracker_bin);
	check_path(c->qemu_bin);
	if (c->vmm != CONFIG_VMM_AUTO && c->vmm != CONFIG_VMM_QEMU &&
	    c->vmm != CONFIG_VMM_FIRECRACKER)
		abort();
	if (c->vcpu != 0 && (c->vcpu < CONFIG_VCPU_MIN ||
	    c->vcpu > CONFIG_VCPU_MAX))
		abort();
	if (c->memory_mib != 0 && (c->memory_mib < CONFIG_MEMORY_MIN ||
	    c->memory_mib > CONFIG_MEMORY_MAX))
		abort();
	if (c->disk_mib != 0 && (c->disk_mib < CONFIG_DISK_MIN ||
	    c->disk_mib > CONFIG_DISK_MAX))
		abort();
	if ((c->vcpu != 0) != (c->line[CONFIG_K_VCPU] != 0) ||
	    (c->disk_mib != 0) != (c->line[CONFIG_K_DISK_SIZE] != 0))
		abort();
	if (c->nsync > CONFIG_MAX_SYNC || (c->nsync > 0) != (c->sync != NULL))
		abort();
	for (i = 0; i < c->nsync; i++) {
		const struct config_sync *s = &c->sync[i];

		if (!valid_abs_path(s->host, PATH_MAX) ||
		    !valid_abs_path(s->guest, PATH_MAX) ||
		    strncmp(s->guest, "/root", 5) != 0 ||
		    (s->guest[5] != '\0' && s->guest[5] != '/') ||
		    s->mode < -1 || s->mode > 0777 || s->line == 0)
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(c->sync[j].guest, s->guest) == 0)
				abort();
	}
	config_effective(c, c->vcpu * 4L, (unsigned long long)c->disk_mib <<
	    20, &e);
	if (e.vcpu < 1 || e.memory_mib < CONFIG_MEMORY_MIN || e.disk_mib == 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	 c;
	char		 err[256];
	int		 rc;

	rc = config_parse((const char *)data, size, "config.toml",
	    "/home/fuzz", &c, err, sizeof(err));
	if (rc == 0) {
		if (err[0] != '\0')
			abort();
		check_ok(&c);
		config_free(&c);
	} else if (rc != -1 || strncmp(err, "config.toml:", 12) != 0 ||
	    c.sync != NULL || c.nsync != 0)
		abort();
	return 0;
}
