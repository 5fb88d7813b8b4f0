/*
 * Catalog keys bound to catalogs: a key file's "catalog URL" lines, read
 * strictly, and a signature from a bound key taken only for the
 * catalogs it names (catalog_verify_for); an unbound key signs any.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "catalog.h"

#define URL_A	"https://a.example/catalog.json"
#define URL_B	"https://b.example/catalog.json"

static EVP_PKEY		*pk;
static char		 keyline[128];

static int
setup(void **state)
{
	unsigned char	 raw[32];
	char		 b64[64];
	size_t		 n = sizeof(raw);

	(void)state;
	if ((pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL ||
	    EVP_PKEY_get_raw_public_key(pk, raw, &n) != 1)
		return -1;
	catalog_b64_encode(raw, 32, b64);
	snprintf(keyline, sizeof(keyline), "ed25519 %s a comment\n", b64);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(pk);
	return 0;
}

static void
sign(const char *msg, unsigned char sig[64])
{
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();
	size_t		 n = 64;

	assert_non_null(ctx);
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, NULL, NULL, pk), 1);
	assert_int_equal(EVP_DigestSign(ctx, sig, &n,
	    (const unsigned char *)msg, strlen(msg)), 1);
	EVP_MD_CTX_free(ctx);
}

static int
parse(const char *tail, struct cat_key *k)
{
	char	 buf[8192], err[256];

	snprintf(buf, sizeof(buf), "%s%s", keyline, tail);
	memset(k, 0, sizeof(*k));
	return catalog_key_file_parse(buf, strlen(buf), k, err, sizeof(err));
}

static void
test_scopes(void **state)
{
	struct cat_key	 k;
	unsigned char	 sig[64];
	const char	*msg = "{\"serial\": 1, \"entries\": []}";

	(void)state;
	sign(msg, sig);
	/* No catalog line: any catalog. */
	assert_int_equal(parse("", &k), 0);
	assert_int_equal(k.nscope, 0);
	assert_int_equal(catalog_verify_for(msg, strlen(msg), sig, &k, 1,
	    URL_A), 0);
	/* Bound to A: A's catalog yes, B's no, and no match by prefix. */
	assert_int_equal(parse("catalog " URL_A "\n", &k), 0);
	assert_int_equal(k.nscope, 1);
	assert_int_equal(catalog_verify_for(msg, strlen(msg), sig, &k, 1,
	    URL_A), 0);
	assert_int_equal(catalog_verify_for(msg, strlen(msg), sig, &k, 1,
	    URL_B), -1);
	assert_int_equal(catalog_verify_for(msg, strlen(msg), sig, &k, 1,
	    "https://a.example/catalog.jso"), -1);
	/* catalog_verify ignores the binding (banger-sign verify). */
	assert_int_equal(catalog_verify(msg, strlen(msg), sig, &k, 1), 0);
	/* Bound to both. */
	assert_int_equal(parse("catalog " URL_B "\ncatalog " URL_A "\n", &k),
	    0);
	assert_int_equal(k.nscope, 2);
	assert_int_equal(catalog_verify_for(msg, strlen(msg), sig, &k, 1,
	    URL_A), 0);
}

static void
test_bad_files(void **state)
{
	static const char *const bad[] = {
		"catalog\n",
		"catalog \n",
		"catalog " URL_A,			/* no newline */
		"catalog " URL_A " x\n",
		"catalog\t" URL_A "\n",
		"catalog " URL_A "\r\n",
		"\n",
		"catalogue " URL_A "\n",
		"# a comment\n",
		"ed25519 AAAA\n",
	};
	struct cat_key	 k;
	char		 many[4096], longurl[2200];
	size_t		 i, o = 0;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(bad[i], &k) != -1)
			fail_msg("taken: %s", bad[i]);
	for (i = 0; i < CAT_KEY_SCOPES_MAX + 1; i++)
		o += (size_t)snprintf(many + o, sizeof(many) - o,
		    "catalog https://%zu.example/c.json\n", i);
	assert_int_equal(parse(many, &k), -1);
	memset(longurl, 'a', sizeof(longurl));
	memcpy(longurl, "catalog https://", 16);
	longurl[sizeof(longurl) - 2] = '\n';
	longurl[sizeof(longurl) - 1] = '\0';
	assert_int_equal(parse(longurl, &k), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scopes),
		cmocka_unit_test(test_bad_files),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
