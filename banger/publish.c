/*
 * --publish values, checked before bangerd is asked: a bad spec or two
 * specs on one host address and port (or one socket path) is a usage
 * error that creates nothing.  bangerd checks again.  A unix: spec's
 * relative PATH is made absolute here, against our working directory:
 * bangerd's own is not the user's.  Its directory is resolved here too
 * (realpath), since the launcher refuses a symbolic link on the way.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "banger.h"
#include "exitcode.h"
#include "portspec.h"

/*
 * unix:DIR/NAME:PORT with DIR as realpath(3) gives it, where it exists
 * (where not, the launcher's error says so); spec is absolute.
 */
static int
publish_real_dir(char *spec, size_t len)
{
	char	 real[PATH_MAX], tail[PORT_SPEC_MAX + 1], *slash, *colon;

	if ((colon = strrchr(spec, ':')) == NULL || colon < spec + 5 ||
	    (slash = memrchr(spec + 5, '/', (size_t)(colon - spec - 5))) ==
	    NULL)
		return 0;
	*slash = '\0';
	if (realpath(spec[5] == '\0' ? "/" : spec + 5, real) == NULL) {
		*slash = '/';
		return 0;
	}
	*slash = '/';
	snprintf(tail, sizeof(tail), "%s", slash);
	return snprintf(spec, len, "unix:%s%s", strcmp(real, "/") == 0 ?
	    "" : real, tail) >= (int)len ? -1 : 0;
}

int
publish_absolute(const char *spec, char *out, size_t outlen, char *err,
    size_t errlen)
{
	struct port_spec	 ps;
	char			 cwd[PATH_MAX], why[8];

	if (strncmp(spec, "unix:", 5) != 0 || spec[5] == '/') {
		if (snprintf(out, outlen, "%s", spec) >= (int)outlen) {
			snprintf(err, errlen, "publish %.40s...: longer than "
			    "%d bytes", spec, PORT_SPEC_MAX);
			return -1;
		}
	} else if (getcwd(cwd, sizeof(cwd)) == NULL) {
		snprintf(err, errlen, "publish %.64s: cannot make PATH "
		    "absolute: the working directory is unknown", spec);
		return -1;
	} else if (port_spec_absolute(spec, cwd, out, outlen, err, errlen) ==
	    -1)
		return -1;
	/* Only a spec that parses: its refusal is the clearer error. */
	if (strncmp(out, "unix:", 5) == 0 && port_spec_parse(out, &ps, why,
	    sizeof(why)) == 0 && publish_real_dir(out, outlen) == -1) {
		snprintf(err, errlen, "publish %.64s: its directory's real path "
		    "is too long", spec);
		return -1;
	}
	return 0;
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
