/*
 * A registry's WWW-Authenticate header and an auth file's bytes, through
 * banger-fetch/oci-auth.c.  The first byte picks the host looked up; the
 * rest is both a challenge and a file.  Accepted challenges have a known
 * scheme and a bearer one a realm; credentials found are base64.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *hosts[] = { "registry-1.docker.io", "h.io:5000", "h",
    "127.0.0.1:5000" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_challenge	 c;
	char			 in[8192], out[6144], err[512];
	const char		*host;
	size_t			 i;
	int			 r;

	if (size == 0 || size >= sizeof(in))
		return 0;
	host = hosts[data[0] & 3];
	memcpy(in, data + 1, size - 1);
	in[size - 1] = '\0';
	err[0] = '\0';
	if (oci_challenge_parse(in, &c, err, sizeof(err)) == 0) {
		if ((c.scheme != OCI_AUTH_BASIC && c.scheme != OCI_AUTH_BEARER)
		    || (c.scheme == OCI_AUTH_BEARER && c.realm[0] == '\0'))
			abort();
		for (i = 0; c.realm[i] != '\0'; i++)
			if ((unsigned char)c.realm[i] < 0x20)
				abort();
	} else if (err[0] == '\0')
		abort();
	err[0] = out[0] = '\0';
	r = oci_auth_lookup_buf((const char *)data + 1, size - 1, host, out,
	    sizeof(out), err, sizeof(err));
	if (r == 1) {
		if (out[0] == '\0' || strspn(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789+/=") != strlen(out))
			abort();
	} else if (r == -1 ? err[0] == '\0' : r != 0)
		abort();
	return 0;
}
