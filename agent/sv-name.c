/*
 * Session names and stdin modes.  A name becomes a directory under
 * SV_DIR and travels in argv: short, plain characters, never "." or ".."
 * or anything that could be taken for an option.
 */
#include <string.h>

#include "sv.h"

int
sv_name_ok(const char *s)
{
	size_t	 n = strlen(s);

	if (n == 0 || n > SV_NAME_MAX || s[0] == '.' || s[0] == '-')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == n;
}

static const char *const modes[] = { "pipe", "pty", "none" };

/* SV_STDIN_*, or -1. */
int
sv_stdin_mode(const char *s)
{
	int	 i;

	for (i = 0; i < 3; i++)
		if (strcmp(s, modes[i]) == 0)
			return i;
	return -1;
}

const char *
sv_stdin_name(int m)
{
	return m >= 0 && m < 3 ? modes[m] : "?";
}
