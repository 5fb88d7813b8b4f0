/* --vcpu, --memory and --disk-size, shared by vm run and vm create. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banger.h"
#include "exitcode.h"
#include "proto.h"
#include "vminfo.h"

int
vm_spec_parse(const struct cmd_entry *e, const struct args *a,
    uint64_t *vcpus, uint64_t *memory_mib, uint64_t *disk_mib, char *err,
    size_t errlen)
{
	const char	*v;
	int64_t		 n;

	*vcpus = *memory_mib = *disk_mib = 0;
	if ((v = args_get(e, a, "vcpu")) != NULL) {
		n = parse_size_mib(v);	/* a plain number parses the same */
		if (n < 1 || n > VM_VCPUS_MAX || v[strspn(v,
		    "0123456789")] != '\0') {
			snprintf(err, errlen, "--vcpu: give a number from 1 to "
			    "%d", VM_VCPUS_MAX);
			return BEX_USAGE;
		}
		*vcpus = n;
	}
	if ((v = args_get(e, a, "memory")) != NULL) {
		if ((n = parse_size_mib(v)) < 128 || n > VM_MEMORY_MAX) {
			snprintf(err, errlen, "--memory: give a size from 128M "
			    "to 1T, e.g. 512M or 2G (a plain number is MiB)");
			return BEX_USAGE;
		}
		*memory_mib = n;
	}
	if ((v = args_get(e, a, "disk-size")) != NULL) {
		if ((n = parse_size_mib(v)) < 256 || (uint64_t)n > VM_DISK_MAX) {
			snprintf(err, errlen, "--disk-size: give a size from "
			    "256M to 16T, e.g. 8G (a plain number is MiB)");
			return BEX_USAGE;
		}
		*disk_mib = n;
	}
	return 0;
}
