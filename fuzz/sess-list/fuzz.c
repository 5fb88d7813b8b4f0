/*
 * A guest's session list as `vm session list` takes it
 * (banger/sesslist.c): whatever the bytes, an accepted list keeps to the
 * bounds and rules the host then prints from.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sesslist.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sess_info	*v;
	char			 err[256];
	size_t			 n, i, j;

	if (sess_list_parse((const char *)data, size, &v, &n, err,
	    sizeof(err)) == -1) {
		if (v != NULL || n != 0 || err[0] == '\0')
			abort();
		return 0;
	}
	if (size > SESS_LIST_BYTES || n > SESS_LIST_MAX)
		abort();
	for (i = 0; i < n; i++) {
		if (!sess_name_ok(v[i].name) ||
		    strlen(v[i].command) > SESS_CMD_MAX ||
		    (v[i].exited && (v[i].exit_status < 0 ||
		    v[i].exit_status > 255)) ||
		    (v[i].killed && (v[i].signal < 1 || v[i].signal > 64)) ||
		    (v[i].exited && v[i].killed))
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(v[i].name, v[j].name) == 0)
				abort();
	}
	free(v);
	return 0;
}
