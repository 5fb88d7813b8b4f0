/*
 * --publish values, checked before bangerd is asked: a bad spec or two
 * specs on one host address and port is a usage error that creates
 * nothing.  bangerd checks again.
 */
#include <stdio.h>

#include "banger.h"
#include "exitcode.h"
#include "portspec.h"

int
publish_check(char **specs, size_t n, char *err, size_t errlen)
{
	struct port_spec	 p[PORTS_MAX];
	size_t			 i, j;

	if (n > PORTS_MAX) {
		snprintf(err, errlen, "too many --publish (at most %d per VM)",
		    PORTS_MAX);
		return BEX_USAGE;
	}
	for (i = 0; i < n; i++) {
		if (port_spec_parse(specs[i], &p[i], err, errlen) == -1)
			return BEX_USAGE;
		for (j = 0; j < i; j++)
			if (port_spec_clash(&p[i], &p[j])) {
				snprintf(err, errlen, "publish %s: its host "
				    "address and port are already taken by %s",
				    specs[i], specs[j]);
				return BEX_USAGE;
			}
	}
	return 0;
}
