/*
 * An ed25519 public key line as `ssh-keygen -C banger-vm` writes it
 * (hostkey-line.h): the fixed prefix and comment, 40 to 100 base64
 * characters between them, one newline, nothing else.
 */
#include <string.h>

#include "hostkey-line.h"

int
hostkey_line_ok(const char *p, size_t len)
{
	static const char	 pre[] = "ssh-ed25519 ", post[] = " banger-vm\n";
	size_t			 i, b64;

	if (len < sizeof(pre) + sizeof(post) ||
	    memcmp(p, pre, sizeof(pre) - 1) != 0 ||
	    memcmp(p + len - (sizeof(post) - 1), post, sizeof(post) - 1) != 0)
		return 0;
	b64 = len - (sizeof(pre) - 1) - (sizeof(post) - 1);
	if (b64 < 40 || b64 > 100)
		return 0;
	for (i = sizeof(pre) - 1; i < sizeof(pre) - 1 + b64; i++)
		if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' &&
		    p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') ||
		    p[i] == '+' || p[i] == '/' || p[i] == '='))
			return 0;
	return 1;
}
