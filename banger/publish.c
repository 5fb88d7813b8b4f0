/*
 * --publish values, checked before bangerd is asked: a bad spec or two
 * specs on one host address and port (or one socket path) is a usage
 * error that creates nothing.  bangerd checks again.  A unix: spec's
 * relative PATH is made absolute here, against our working directory:
 * bangerd's own is not the user's.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "banger.h"
#include "exitcode.h"
#include "portspec.h"

int
publish_absolute(const char *spec, char *out, size_t outlen, char *err,
    size_t errlen)
{
	char	 cwd[PATH_MAX];

	if (strncmp(spec, "unix:", 5) != 0 || spec[5] == '/') {
		if (snprintf(out, outlen, "%s", spec) >= (int)outlen) {
			snprintf(err, errlen, "publish %.40s...: longer than "
			    "%d bytes", spec, PORT_SPEC_MAX);
			return -1;
		}
		return 0;
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		snprintf(err, errlen, "publish %.64s: cannot make PATH "
		    "absolute: the working directory is unknown", spec);
		return -1;
	}
	return port_spec_absolute(spec, cwd, out, outlen, err, errlen);
}

int
publish_check(char **specs, size_t n, char *err, size_t errlen)
{
	static char		 abs[PORTS_MAX][PORT_SPEC_MAX + 1];
	struct port_spec	 p[PORTS_MAX];
	char			 listen[PORT_LISTEN_MAX + 1];
	size_t			 i, j;

	if (n > PORTS_MAX) {
		snprintf(err, errlen, "too many --publish (at most %d per VM)",
		    PORTS_MAX);
		return BEX_USAGE;
	}
	for (i = 0; i < n; i++) {
		if (publish_absolute(specs[i], abs[i], sizeof(abs[i]), err,
		    errlen) == -1)
			return BEX_USAGE;
		specs[i] = abs[i];
		if (port_spec_parse(specs[i], &p[i], err, errlen) == -1)
			return BEX_USAGE;
		for (j = 0; j < i; j++)
			if (port_spec_clash(&p[i], &p[j])) {
				port_spec_listen(&p[i], listen,
				    sizeof(listen));
				snprintf(err, errlen, "publish %s: %s is "
				    "already taken by %s", specs[i], listen,
				    specs[j]);
				return BEX_USAGE;
			}
	}
	return 0;
}
