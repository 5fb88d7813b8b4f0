/*
 * What vm pull takes of a guest's bundle (banger/bundle-hdr.c): whatever
 * the bytes, an accepted header starts with the v2 signature, names
 * refs/banger/pull once with a hex object id, and its pack offset points
 * at "PACK" inside the input; an accepted list-heads output is that one
 * line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bundle-hdr.h"

#define REF	"refs/banger/pull"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bundle_hdr h;
	char		 err[256], oid[BUNDLE_OID_HEX + 1];
	const char	*s = (const char *)data;
	size_t		 i;

	if (bundle_hdr_parse(s, size, REF, &h, err, sizeof(err)) == 0) {
		if (size < 16 || memcmp(s, "# v2 git bundle\n", 16) != 0 ||
		    h.pack_off < 16 + 60 || h.pack_off + 4 > size ||
		    memcmp(s + h.pack_off, "PACK", 4) != 0 ||
		    s[h.pack_off - 1] != '\n' || s[h.pack_off - 2] != '\n' ||
		    strlen(h.oid) != BUNDLE_OID_HEX ||
		    h.nprereq > BUNDLE_PREREQ_MAX ||
		    memcmp(s + h.pack_off - 2 - strlen(REF), REF,
		    strlen(REF)) != 0)
			abort();
		for (i = 0; i < BUNDLE_OID_HEX; i++)
			if (strchr("0123456789abcdef", h.oid[i]) == NULL)
				abort();
	}
	if (bundle_heads_parse(s, size, REF, oid, err, sizeof(err)) == 0) {
		if (size != BUNDLE_OID_HEX + 2 + strlen(REF) ||
		    memcmp(s, oid, BUNDLE_OID_HEX) != 0 ||
		    memcmp(s + BUNDLE_OID_HEX + 1, REF, strlen(REF)) != 0 ||
		    s[size - 1] != '\n')
			abort();
	}
	return 0;
}
