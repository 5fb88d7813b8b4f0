/*
 * A saved state's record as bangerd reads it (bangerd/snap-info.c):
 * whatever the bytes, a refusal with nothing filled in, or a record that
 * snap_info_format() writes back byte for byte (there is one way to
 * write each record, so nothing is accepted loosely).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snap-info.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snap_info si;
	static const struct snap_info zero;
	char		 back[SNAP_INFO_MAX + 1];
	int		 n;

	if (snap_info_parse((const char *)data, size, &si) == -1) {
		if (memcmp(&si, &zero, sizeof(si)) != 0)
			abort();
		return 0;
	}
	n = snap_info_format(&si, back, sizeof(back));
	if (n < 0 || (size_t)n != size || memcmp(back, data, size) != 0)
		abort();
	return 0;
}
