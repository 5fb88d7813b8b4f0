/*
 * Image references (banger-fetch/oci-ref.c) over arbitrary bytes: what
 * is accepted is bounded, made only of the grammar's bytes, parses again
 * to the same reference when written back, and is plain http only for a
 * loopback host.  A refusal leaves an error message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oci.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_ref	 r, q;
	char		 in[1024], out[1024], err[512];
	size_t		 i;

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	err[0] = '\0';
	(void)oci_digest_valid(in);
	(void)oci_host_loopback(in);
	if (oci_ref_parse(in, &r, err, sizeof(err)) == -1) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	if (r.host[0] == '\0' || r.repo[0] == '\0' ||
	    (r.tag[0] == '\0' && r.digest[0] == '\0') ||
	    (r.digest[0] != '\0' && !oci_digest_valid(r.digest)) ||
	    strlen(r.repo) > 255 || strlen(r.tag) >= OCI_TAG_MAX)
		abort();
	for (i = 0; r.repo[i] != '\0'; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789._-/",
		    r.repo[i]))
			abort();
	if (r.plain_http != oci_host_loopback(r.host))
		abort();
	if (r.plain_http && strncmp(r.host, "127.", 4) != 0 &&
	    strncmp(r.host, "[::1]", 5) != 0 &&
	    strncasecmp(r.host, "localhost", 9) != 0)
		abort();
	snprintf(out, sizeof(out), "%s/%s%s%s%s%s", r.host, r.repo,
	    r.tag[0] ? ":" : "", r.tag, r.digest[0] ? "@" : "", r.digest);
	if (oci_ref_parse(out, &q, err, sizeof(err)) == -1 ||
	    memcmp(&r, &q, sizeof(r)) != 0)
		abort();
	return 0;
}
