/*
 * A guest's new host key line as bangerd takes it (bangerd/hostkey-line.c):
 * whatever the bytes, an accepted line is one line of printable ASCII
 * with the fixed prefix and comment, fit for known_hosts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostkey-line.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	 i;

	if (!hostkey_line_ok((const char *)data, size))
		return 0;
	if (size < 24 || size > 200 ||
	    memcmp(data, "ssh-ed25519 ", 12) != 0 ||
	    memcmp(data + size - 11, " banger-vm\n", 11) != 0)
		abort();
	for (i = 0; i + 1 < size; i++)
		if (data[i] < 0x20 || data[i] > 0x7e)
			abort();
	return 0;
}
