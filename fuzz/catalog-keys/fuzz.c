/*
 * A key file's and a signature file's bytes through
 * banger-fetch/catalog-keys.c.  Base64 taken is canonical: the bytes it
 * gives encode back to exactly the text read.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cat_key	 k;
	unsigned char	 key[32], sig[64];
	char		 err[256], b64[100];
	const char	*s = (const char *)data;

	err[0] = '\0';
	if (catalog_key_parse(s, size, key, err, sizeof(err)) == 0) {
		catalog_b64_encode(key, 32, b64);
		if (size < 8 + 44 || memcmp(s + 8, b64, 44) != 0 ||
		    (size > 52 && s[52] != ' ' && s[52] != '\n'))
			abort();
	} else if (err[0] == '\0')
		abort();
	/* A whole key file: its key is its first line's, its scopes few. */
	err[0] = '\0';
	if (catalog_key_file_parse(s, size, &k, err, sizeof(err)) == 0) {
		catalog_b64_encode(k.raw, 32, b64);
		if (size < 8 + 44 || memcmp(s + 8, b64, 44) != 0 ||
		    k.nscope > CAT_KEY_SCOPES_MAX ||
		    (k.nscope > 0 && memchr(s, '\n', size) == NULL))
			abort();
	} else if (err[0] == '\0')
		abort();
	err[0] = '\0';
	if (catalog_sig_parse(s, size, sig, err, sizeof(err)) == 0) {
		catalog_b64_encode(sig, 64, b64);
		if (size < 88 || memcmp(s, b64, 88) != 0 || size > 89)
			abort();
	} else if (err[0] == '\0')
		abort();
	return 0;
}
