#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "findexec.h"

static int
is_exec(const char *path)
{
	struct stat	 st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(path, X_OK) == 0;
}

int
find_exec(const char *env, const char *name, char *out, size_t len)
{
	const char	*v = env != NULL ? getenv(env) : NULL, *p, *colon;
	size_t		 n;

	out[0] = '\0';
	if (v != NULL && v[0] != '\0') {
		if (v[0] != '/' || !is_exec(v) || strlen(v) >= len)
			return -1;
		snprintf(out, len, "%s", v);
		return 0;
	}
	if ((v = getenv("PATH")) == NULL || v[0] == '\0')
		v = "/usr/local/bin:/usr/bin:/bin";
	for (p = v; ; p = colon + 1) {
		colon = strchr(p, ':');
		n = colon != NULL ? (size_t)(colon - p) : strlen(p);
		/* Relative PATH entries are never searched. */
		if (n > 0 && p[0] == '/' && (size_t)snprintf(out, len,
		    "%.*s/%s", (int)n, p, name) < len && is_exec(out))
			return 0;
		if (colon == NULL)
			break;
	}
	out[0] = '\0';
	return -1;
}
