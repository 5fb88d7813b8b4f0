/*
 * mmdebstrap's output as banger-fetch reads it while it builds a golden
 * image (banger-fetch/mmprogress.c), one line after another: a progress
 * line is short, counts never pass what apt announced, and the counts
 * only grow.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mm_progress	 p = { 0, 0, 0, 0, 0 }, was;
	char			 line[MM_LINE_MAX + 64], out[128];
	size_t			 i = 0, n;

	while (i < size) {
		for (n = 0; i + n < size && data[i + n] != '\n' &&
		    n < sizeof(line) - 1; n++)
			line[n] = data[i + n] == '\0' ? ' ' : (char)data[i + n];
		line[n] = '\0';
		i += n + 1;
		was = p;
		out[0] = '\0';
		if (mm_progress(&p, line, out, sizeof(out)) == 1 &&
		    (out[0] == '\0' || strlen(out) >= sizeof(out) - 1))
			abort();
		if (p.total < was.total || p.set_up < was.set_up ||
		    p.set_up > p.total || p.base > p.total ||
		    p.total > MM_PACKAGES_MAX)
			abort();
	}
	return 0;
}
