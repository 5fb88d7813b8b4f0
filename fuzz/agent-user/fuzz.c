/*
 * The agent's reading of an image's User against the guest's own
 * /etc/passwd and /etc/group (agent/user.c): the input is split into a
 * user spec, a passwd text and a group text at the first two NUL bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run_as	 ra;
	char		*buf, *spec, *pw, *gr, err[128];

	if ((buf = malloc(size + 3)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = buf[size + 2] = '\0';
	spec = buf;
	pw = spec + strlen(spec) + 1;
	gr = pw <= buf + size ? pw + strlen(pw) + 1 : pw;
	if (gr > buf + size + 2)
		gr = buf + size + 2;
	if (user_resolve(spec, pw, gr, &ra, err, sizeof(err)) == 0 &&
	    ra.set && (ra.ngroups < 1 || ra.ngroups > RUN_AS_GROUPS_MAX ||
	    strlen(ra.name) >= sizeof(ra.name) ||
	    strlen(ra.home) >= sizeof(ra.home)))
		abort();
	free(buf);
	return 0;
}
