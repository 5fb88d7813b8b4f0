/*
 * policy_parse(), banger-priv's reader of priv.conf's line format, over
 * arbitrary bytes.  Whatever it accepts must hold together: counts within
 * their arrays, every name valid and NUL-terminated, numbers in range.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "policy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct policy	 p;
	char			 err[256];
	size_t			 i;

	err[0] = '\0';
	if (policy_parse(&p, (const char *)data, len, err, sizeof(err)) == -1) {
		if (strncmp(err, "line ", 5) != 0)
			abort();
		return 0;
	}
	if (p.nusers > POLICY_MAX_NAMES || p.ngroups > POLICY_MAX_NAMES)
		abort();
	for (i = 0; i < p.nusers; i++)
		if (!policy_valid_name(p.users[i]))
			abort();
	for (i = 0; i < p.ngroups; i++)
		if (!policy_valid_name(p.groups[i]))
			abort();
	if (p.max_taps < 1 || p.max_taps > POLICY_TAPS_MAX ||
	    p.max_disks < 1 || p.max_disks > POLICY_DISKS_MAX ||
	    (p.dm_snapshots != 0 && p.dm_snapshots != 1) ||
	    addr_nslots(p.pool_prefix) == 0)
		abort();
	return 0;
}
