/*
 * Checks for names and paths that arrive from a less trusted party.  Each
 * returns 1 if the string is acceptable and 0 otherwise; NULL is never
 * acceptable.
 */
#include <stddef.h>
#include <string.h>

#include "valid.h"

#define COMPONENT_MAX	255	/* NAME_MAX on Linux */

int
valid_vm_name(const char *s)
{
	size_t	 i, len;

	if (s == NULL || (len = strlen(s)) == 0 || len > VM_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return s[0] != '-' && s[len - 1] != '-';
}

/* The component that starts at s and runs for len bytes. */
static int
component_ok(const char *s, size_t len)
{
	if (len == 0 || len > COMPONENT_MAX || memchr(s, '/', len) != NULL)
		return 0;
	if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' &&
	    s[1] == '.'))
		return 0;
	return 1;
}

int
valid_path_component(const char *s)
{
	return s != NULL && component_ok(s, strlen(s));
}

/*
 * size is the buffer the path must fit in, NUL included (PATH_MAX,
 * sizeof(sun_path)).  "/" alone is the only path that may end in '/'.
 */
int
valid_abs_path(const char *s, size_t size)
{
	const char	*c, *slash;
	size_t		 len;

	if (s == NULL || s[0] != '/' || (len = strnlen(s, size)) >= size)
		return 0;
	if (len == 1)
		return 1;
	for (c = s + 1; c <= s + len; c = slash + 1) {
		if ((slash = strchr(c, '/')) == NULL)
			slash = s + len;
		if (!component_ok(c, slash - c))
			return 0;
	}
	return 1;
}

int
valid_ws_path(const char *s)
{
	const char	*c, *slash;
	size_t		 len;

	if (s == NULL || s[0] == '/' || (len = strnlen(s, 4096)) >= 4096)
		return 0;
	for (c = s; ; c = slash + 1) {
		if ((slash = strchr(c, '/')) == NULL)
			slash = s + len;
		if (!component_ok(c, slash - c))
			return 0;
		/* The repository's own metadata is not part of it. */
		if (slash - c == 4 && memcmp(c, ".git", 4) == 0 &&
		    *slash == '/')
			return 0;
		if (*slash == '\0')
			return 1;
	}
}
