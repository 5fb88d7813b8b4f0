/*
 * The signed image catalog: catalog.json good and hostile (its images
 * and its kernels), its dump's exact text, key files,
 * signatures (good, another key, a changed byte, bad base64), serial
 * rollback, bundle manifests, and bundles unpacked good and hostile
 * (extra members, "..", absolute paths, links, directories, second
 * copies, sizes that lie, truncation, no zstd).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "catalog.h"

#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static char	 tmpdir[] = "/tmp/test-catalog.XXXXXX";

static int
parse(const char *s, struct catalog *c, char *err)
{
	return catalog_parse(s, strlen(s), c, err, 256);
}

/* An entry with one field's text replaced: "K": V. */
static char *
entry_with(const char *key, const char *val)
{
	static char	 buf[1024];
	const char	*keys[] = { "name", "url", "size", "sha256", "kernel" };
	const char	*vals[] = { "\"debian-bookworm\"", "\"bundles/x.tar.zst\"",
	    "1234", "\"" HEX_A "\"", "\"tiny\"" };
	size_t		 i, n = 0;

	n += snprintf(buf + n, sizeof(buf) - n, "{\"serial\": 3, \"entries\": "
	    "[{");
	for (i = 0; i < 5; i++) {
		if (strcmp(keys[i], key) == 0 && val == NULL)
			continue;
		n += snprintf(buf + n, sizeof(buf) - n, "%s\"%s\": %s",
		    n > 25 && buf[n - 1] != '{' ? ", " : "", keys[i],
		    strcmp(keys[i], key) == 0 ? val : vals[i]);
	}
	snprintf(buf + n, sizeof(buf) - n, "}]}");
	return buf;
}

static void
test_catalog_good(void **state)
{
	struct catalog		 c;
	const struct cat_entry	*e;
	char			 err[256], *dump;

	(void)state;
	assert_int_equal(parse("{\"serial\": 9007199254740992, \"entries\": "
	    "[{\"name\": \"debian-bookworm\", \"url\": \"bundles/x.tar.zst\", "
	    "\"size\": 1234, \"sha256\": \"" HEX_A "\", \"kernel\": \"tiny\"},"
	    "{\"kernel\": \"big\", \"name\": \"a\", \"url\": "
	    "\"https://m.example/b?x=1\", \"size\": 1, \"sha256\": \"" HEX_A
	    "\"}]}", &c, err), 0);
	assert_int_equal(c.serial, 1ULL << 53);
	assert_int_equal(c.n, 2);
	assert_non_null(e = catalog_find(&c, "debian-bookworm"));
	assert_string_equal(e->url, "bundles/x.tar.zst");
	assert_int_equal(e->size, 1234);
	assert_string_equal(e->kernel, "tiny");
	/* Another kernel parses; a pull of it is refused (catalog-pull.c). */
	assert_string_equal(catalog_find(&c, "a")->kernel, "big");
	assert_null(catalog_find(&c, "debian"));
	/* What banger-sign writes reads back the same. */
	assert_non_null(dump = catalog_dump(&c));
	catalog_free(&c);
	assert_int_equal(parse(dump, &c, err), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.entries[1].url, "https://m.example/b?x=1");
	free(dump);
	catalog_free(&c);
	assert_int_equal(parse("{\"serial\": 1, \"entries\": []}", &c, err),
	    0);
	assert_int_equal(c.n, 0);
	catalog_free(&c);
	assert_int_equal(parse(entry_with("size", "1234"), &c, err), 0);
	catalog_free(&c);
}

static void
test_catalog_hostile(void **state)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{\"serial\": 1}",
		"{\"entries\": []}",
		"{\"serial\": 0, \"entries\": []}",
		"{\"serial\": -1, \"entries\": []}",
		"{\"serial\": 9007199254740993, \"entries\": []}",
		"{\"serial\": 99999999999999999999999, \"entries\": []}",
		"{\"serial\": 1.0, \"entries\": []}",
		"{\"serial\": \"1\", \"entries\": []}",
		"{\"serial\": 1, \"entries\": {}}",
		"{\"serial\": 1, \"entries\": [], \"extra\": 1}",
		"{\"serial\": 1, \"serial\": 2, \"entries\": []}",
		"{\"serial\": 1, \"entries\": [1]}",
		"{\"serial\": 1, \"entries\": []} trailing",
	};
	static const char *const ebad[][2] = {
		{ "name", NULL }, { "url", NULL }, { "size", NULL },
		{ "sha256", NULL }, { "kernel", NULL },
		{ "name", "\"Debian\"" }, { "name", "\"-a\"" },
		{ "name", "\"a-\"" }, { "name", "\"a/b\"" },
		{ "name", "\"../x\"" }, { "name", "\"\"" }, { "name", "7" },
		{ "name", "\"a\\u0000b\"" },
		{ "name", "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"" },
		{ "url", "\"\"" }, { "url", "\"file:///etc/passwd\"" },
		{ "url", "\"ftp://h/x\"" }, { "url", "\"//evil.example/x\"" },
		{ "url", "\"a b\"" }, { "url", "\"a\\\\b\"" },
		{ "url", "\"a\\nb\"" }, { "url", "1" },
		{ "size", "0" }, { "size", "-5" }, { "size", "1.5" },
		{ "size", "\"12\"" }, { "size", "9007199254740993" },
		{ "sha256", "\"" HEX_A "a\"" },
		{ "sha256", "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"" },
		{ "sha256", "\"sha256:" HEX_A "\"" },
		{ "kernel", "\"Tiny\"" }, { "kernel", "\"\"" },
		{ "extra", "1" },
	};
	struct catalog	 c;
	char		 err[256], *big;
	size_t		 i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (parse(bad[i], &c, err) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_true(err[0] != '\0');
	}
	for (i = 0; i < sizeof(ebad) / sizeof(ebad[0]); i++) {
		char	*s = entry_with(ebad[i][0], ebad[i][1]);

		if (strcmp(ebad[i][0], "extra") == 0) {
			n = strlen(s);
			snprintf(s + n - 3, 64, ", \"extra\": 1}]}");
		}
		if (parse(s, &c, err) != -1)
			fail_msg("accepted: %s", s);
	}
	/* A name twice. */
	assert_int_equal(parse("{\"serial\": 1, \"entries\": ["
	    "{\"name\": \"a\", \"url\": \"x\", \"size\": 1, \"sha256\": \""
	    HEX_A "\", \"kernel\": \"tiny\"},"
	    "{\"name\": \"a\", \"url\": \"y\", \"size\": 2, \"sha256\": \""
	    HEX_A "\", \"kernel\": \"tiny\"}]}", &c, err), -1);
	assert_non_null(strstr(err, "twice"));
	/* Over 1024 entries, and over 1 MiB. */
	big = malloc(CAT_BYTES_MAX + 2);
	assert_non_null(big);
	n = (size_t)sprintf(big, "{\"serial\": 1, \"entries\": [");
	for (i = 0; i < CAT_ENTRIES_MAX + 1; i++)
		n += (size_t)sprintf(big + n, "%s{\"name\": \"n%zu\", \"url\": "
		    "\"x\", \"size\": 1, \"sha256\": \"" HEX_A "\", \"kernel\": "
		    "\"tiny\"}", i > 0 ? "," : "", i);
	n += (size_t)sprintf(big + n, "]}");
	assert_int_equal(catalog_parse(big, n, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "at most 1024"));
	memset(big, ' ', CAT_BYTES_MAX + 1);
	memcpy(big, "{\"serial\": 1, \"entries\": []}", 28);
	assert_int_equal(catalog_parse(big, CAT_BYTES_MAX + 1, &c, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "larger"));
	/* Deep nesting: an error, not a crash. */
	memset(big, '[', 200000);
	assert_int_equal(catalog_parse(big, 200000, &c, err, sizeof(err)), -1);
	free(big);
}

#define HEX_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define IMG_A "{\"name\": \"a\", \"url\": \"x\", \"size\": 1, \"sha256\": \"" \
	HEX_A "\", \"kernel\": \"tiny\"}"

/*
 * A catalog of one image and a "kernels" array of one kernel with one
 * field's text replaced ("K": V), removed (V NULL) or added (K unknown).
 */
static char *
kernel_with(const char *key, const char *val)
{
	static char	 buf[4096];
	const char	*keys[] = { "name", "url", "size", "sha256" };
	const char	*vals[] = { "\"big\"", "\"kernels/big.tar.zst\"",
	    "4321", "\"" HEX_B "\"" };
	const char	*sep = "";
	size_t		 i, n = 0, found = 0;

	n += snprintf(buf + n, sizeof(buf) - n, "{\"serial\": 3, \"entries\": "
	    "[" IMG_A "], \"kernels\": [{");
	for (i = 0; i < 4; i++) {
		if (strcmp(keys[i], key) == 0) {
			found = 1;
			if (val == NULL)
				continue;
		}
		n += snprintf(buf + n, sizeof(buf) - n, "%s\"%s\": %s", sep,
		    keys[i], strcmp(keys[i], key) == 0 ? val : vals[i]);
		sep = ", ";
	}
	if (!found && val != NULL)
		n += snprintf(buf + n, sizeof(buf) - n, "%s\"%s\": %s", sep,
		    key, val);
	snprintf(buf + n, sizeof(buf) - n, "}]}");
	return buf;
}

/* Every field of both catalogs' entries and kernels equal. */
static void
assert_same_catalog(const struct catalog *a, const struct catalog *b)
{
	size_t	 i;

	assert_int_equal(a->serial, b->serial);
	assert_int_equal(a->n, b->n);
	assert_int_equal(a->nk, b->nk);
	for (i = 0; i < a->n; i++)
		assert_memory_equal(&a->entries[i], &b->entries[i],
		    sizeof(a->entries[i]));
	for (i = 0; i < a->nk; i++)
		assert_memory_equal(&a->kernels[i], &b->kernels[i],
		    sizeof(a->kernels[i]));
}

static void
test_catalog_kernels_good(void **state)
{
	struct catalog		 c, d;
	const struct cat_entry	*e;
	char			 err[256], *dump, *dump2;

	(void)state;
	assert_int_equal(parse("{\"kernels\": [{\"name\": \"big\", \"url\": "
	    "\"kernels/big.tar.zst\", \"size\": 4321, \"sha256\": \"" HEX_B
	    "\"}, {\"sha256\": \"" HEX_A "\", \"size\": 9007199254740992, "
	    "\"url\": \"https://k.example/a\", \"name\": \"a\"}], "
	    "\"serial\": 5, \"entries\": [" IMG_A ", {\"name\": \"deb\", "
	    "\"url\": \"y\", \"size\": 2, \"sha256\": \"" HEX_B "\", "
	    "\"kernel\": \"big\"}]}", &c, err), 0);
	assert_int_equal(c.serial, 5);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.nk, 2);
	assert_non_null(e = catalog_find_kernel(&c, "big"));
	assert_ptr_equal(e, &c.kernels[0]);
	assert_string_equal(e->url, "kernels/big.tar.zst");
	assert_int_equal(e->size, 4321);
	assert_string_equal(e->sha256, HEX_B);
	assert_string_equal(e->kernel, "");
	assert_non_null(e = catalog_find_kernel(&c, "a"));
	assert_ptr_equal(e, &c.kernels[1]);
	assert_string_equal(e->url, "https://k.example/a");
	assert_int_equal(e->size, 1ULL << 53);
	assert_string_equal(e->kernel, "");
	/* A kernel and an image may share a name: two lists. */
	assert_ptr_equal(catalog_find(&c, "a"), &c.entries[0]);
	assert_string_equal(catalog_find(&c, "deb")->kernel, "big");
	/* Images are not kernels, kernels not images. */
	assert_null(catalog_find_kernel(&c, "deb"));
	assert_null(catalog_find_kernel(&c, "tiny"));
	assert_null(catalog_find_kernel(&c, "bi"));
	assert_null(catalog_find(&c, "big"));
	/* The dump reads back the same, and dumps to the same bytes. */
	assert_non_null(dump = catalog_dump(&c));
	assert_non_null(strstr(dump, "\"kernels\""));
	assert_int_equal(parse(dump, &d, err), 0);
	assert_same_catalog(&c, &d);
	assert_non_null(dump2 = catalog_dump(&d));
	assert_string_equal(dump, dump2);
	free(dump2);
	catalog_free(&d);
	free(dump);
	catalog_free(&c);
	assert_null(c.kernels);
	assert_int_equal(c.nk, 0);

	/* No key, or an empty array: no kernels. */
	assert_int_equal(parse("{\"serial\": 1, \"entries\": [" IMG_A "]}",
	    &c, err), 0);
	assert_int_equal(c.nk, 0);
	assert_null(c.kernels);
	assert_null(catalog_find_kernel(&c, "a"));
	catalog_free(&c);
	assert_int_equal(parse("{\"serial\": 1, \"entries\": [], "
	    "\"kernels\": []}", &c, err), 0);
	assert_int_equal(c.nk, 0);
	assert_int_equal(c.n, 0);
	assert_non_null(dump = catalog_dump(&c));
	assert_null(strstr(dump, "kernels"));
	free(dump);
	catalog_free(&c);
	assert_int_equal(parse(kernel_with("size", "1"), &c, err), 0);
	assert_int_equal(c.nk, 1);
	catalog_free(&c);
}

/*
 * A dump's exact bytes: without kernels as before kernels existed (so
 * that banger-sign rewrites an existing catalog unchanged), with them
 * after the entries.
 */
static void
test_catalog_dump_text(void **state)
{
	static const char	 plain[] =
	    "{\n"
	    "  \"serial\": 3,\n"
	    "  \"entries\": [\n"
	    "    {\n"
	    "      \"name\": \"a\",\n"
	    "      \"url\": \"x\",\n"
	    "      \"size\": 1,\n"
	    "      \"sha256\": \"" HEX_A "\",\n"
	    "      \"kernel\": \"tiny\"\n"
	    "    }\n"
	    "  ]\n"
	    "}";
	static const char	 kern[] =
	    "{\n"
	    "  \"serial\": 3,\n"
	    "  \"entries\": [\n"
	    "    {\n"
	    "      \"name\": \"a\",\n"
	    "      \"url\": \"x\",\n"
	    "      \"size\": 1,\n"
	    "      \"sha256\": \"" HEX_A "\",\n"
	    "      \"kernel\": \"tiny\"\n"
	    "    }\n"
	    "  ],\n"
	    "  \"kernels\": [\n"
	    "    {\n"
	    "      \"name\": \"big\",\n"
	    "      \"url\": \"kernels/big.tar.zst\",\n"
	    "      \"size\": 4321,\n"
	    "      \"sha256\": \"" HEX_B "\"\n"
	    "    }\n"
	    "  ]\n"
	    "}";
	struct catalog	 c;
	char		 err[256], *dump;

	(void)state;
	/* Keys in another order in, the one order out. */
	assert_int_equal(parse("{\"entries\": [{\"kernel\": \"tiny\", "
	    "\"sha256\": \"" HEX_A "\", \"size\": 1, \"url\": \"x\", "
	    "\"name\": \"a\"}], \"serial\": 3}", &c, err), 0);
	assert_non_null(dump = catalog_dump(&c));
	assert_string_equal(dump, plain);
	free(dump);
	catalog_free(&c);
	assert_int_equal(parse(kernel_with("", NULL), &c, err), 0);
	assert_non_null(dump = catalog_dump(&c));
	assert_string_equal(dump, kern);
	free(dump);
	catalog_free(&c);
	/* An empty catalog, as `banger-sign add` starts one. */
	c = (struct catalog){ .serial = 1 };
	assert_non_null(dump = catalog_dump(&c));
	assert_string_equal(dump, "{\n  \"serial\": 1,\n  \"entries\": []\n}");
	free(dump);
}

/* Refused, with an error that says so and nothing left allocated. */
static void
expect_bad(const char *s, const char *why)
{
	struct catalog	 c;
	char		 err[256];

	err[0] = '\0';
	memset(&c, 0x5a, sizeof(c));
	if (parse(s, &c, err) != -1)
		fail_msg("accepted: %.300s", s);
	if (strstr(err, why) == NULL)
		fail_msg("error \"%s\", want \"%s\" for %.300s", err, why, s);
	assert_null(c.entries);
	assert_null(c.kernels);
	assert_int_equal(c.n, 0);
	assert_int_equal(c.nk, 0);
}

static void
test_catalog_kernels_hostile(void **state)
{
	struct catalog	 c;
	char		 url[CAT_URL_MAX + 8], err[256], *big;
	size_t		 i, n;
	int		 over;

	(void)state;
	/* Not an array. */
	expect_bad("{\"serial\": 1, \"entries\": [], \"kernels\": {}}",
	    "kernels are not an array");
	expect_bad("{\"serial\": 1, \"entries\": [], \"kernels\": null}",
	    "kernels are not an array");
	expect_bad("{\"serial\": 1, \"entries\": [], \"kernels\": \"big\"}",
	    "kernels are not an array");
	expect_bad("{\"serial\": 1, \"entries\": [], \"kernels\": [1]}",
	    "kernel 0 is not an object");
	expect_bad("{\"serial\": 1, \"entries\": [], \"kernels\": [[]]}",
	    "kernel 0 is not an object");
	/* Another top-level key is still refused, and says which are known. */
	expect_bad("{\"serial\": 1, \"entries\": [], \"kernel\": []}",
	    "only serial, entries and kernels");
	expect_bad("{\"serial\": 1, \"entries\": [], \"kernels\": [], "
	    "\"kernels\": []}", "twice");
	/* Keys: an image's "kernel", one missing, one unknown. */
	expect_bad(kernel_with("kernel", "\"tiny\""),
	    "kernel 0 has an unknown key (only name, url, size, sha256)");
	expect_bad(kernel_with("extra", "1"), "unknown key");
	expect_bad(kernel_with("name", NULL), "kernel 0: no name");
	expect_bad(kernel_with("url", NULL), "kernel big: no url");
	expect_bad(kernel_with("size", NULL), "kernel big: no size");
	expect_bad(kernel_with("sha256", NULL), "kernel big: no sha256");
	/* Values, as an image entry's. */
	expect_bad(kernel_with("name", "\"Big\""), "no name or a bad one");
	expect_bad(kernel_with("name", "\"\""), "no name or a bad one");
	expect_bad(kernel_with("name", "\"../x\""), "no name or a bad one");
	expect_bad(kernel_with("name", "1"), "no name or a bad one");
	expect_bad(kernel_with("url", "\"\""), "no url or a bad one");
	expect_bad(kernel_with("url", "\"file:///boot/vmlinuz\""),
	    "no url or a bad one");
	expect_bad(kernel_with("url", "\"//evil.example/k\""),
	    "no url or a bad one");
	/* A URL one byte too long; the longest that fits is taken. */
	url[0] = '"';
	memset(url + 1, 'u', CAT_URL_MAX + 1);
	snprintf(url + CAT_URL_MAX + 2, 4, "\"");
	expect_bad(kernel_with("url", url), "no url or a bad one");
	snprintf(url + CAT_URL_MAX + 1, 4, "\"");
	assert_int_equal(parse(kernel_with("url", url), &c, err), 0);
	assert_int_equal(strlen(c.kernels[0].url), CAT_URL_MAX);
	catalog_free(&c);
	expect_bad(kernel_with("size", "0"), "no size or a bad one");
	expect_bad(kernel_with("size", "-1"), "no size or a bad one");
	expect_bad(kernel_with("size", "1.0"), "no size or a bad one");
	expect_bad(kernel_with("size", "9007199254740993"),
	    "no size or a bad one");
	expect_bad(kernel_with("sha256", "\"" HEX_A "a\""),
	    "no sha256 or a bad one");
	expect_bad(kernel_with("sha256", "\"0123456789ABCDEF0123456789abcdef"
	    "0123456789abcdef0123456789abcdef\""), "no sha256 or a bad one");
	expect_bad(kernel_with("sha256", "\"sha256:" HEX_B "\""),
	    "no sha256 or a bad one");
	/* banger's own names. */
	expect_bad(kernel_with("name", "\"tiny\""),
	    "may not be named tiny");
	expect_bad(kernel_with("name", "\"default\""),
	    "may not be named default");
	/* A name twice, the second bad one after a good one. */
	expect_bad("{\"serial\": 1, \"entries\": [" IMG_A "], \"kernels\": ["
	    "{\"name\": \"k\", \"url\": \"x\", \"size\": 1, \"sha256\": \""
	    HEX_A "\"}, {\"name\": \"k\", \"url\": \"y\", \"size\": 2, "
	    "\"sha256\": \"" HEX_B "\"}]}", "names kernel k twice");
	expect_bad("{\"serial\": 1, \"entries\": [" IMG_A "], \"kernels\": ["
	    "{\"name\": \"k\", \"url\": \"x\", \"size\": 1, \"sha256\": \""
	    HEX_A "\"}, {\"name\": \"l\", \"url\": \"y\", \"size\": 0, "
	    "\"sha256\": \"" HEX_B "\"}]}", "kernel l: no size");
	/* Good kernels, bad entries: refused before or after the kernels. */
	expect_bad("{\"serial\": 1, \"kernels\": [{\"name\": \"k\", \"url\": "
	    "\"x\", \"size\": 1, \"sha256\": \"" HEX_A "\"}], \"entries\": "
	    "[" IMG_A ", " IMG_A "]}", "names a twice");
	expect_bad("{\"serial\": 1, \"kernels\": [{\"name\": \"k\", \"url\": "
	    "\"x\", \"size\": 1, \"sha256\": \"" HEX_A "\"}]}",
	    "entries are not an array");
	/* Over 1024 kernels (exactly 1024 is fine). */
	big = malloc(CAT_BYTES_MAX);
	assert_non_null(big);
	for (over = 0; over <= 1; over++) {
		n = (size_t)sprintf(big, "{\"serial\": 1, \"entries\": [], "
		    "\"kernels\": [");
		for (i = 0; i < CAT_ENTRIES_MAX + (size_t)over; i++)
			n += (size_t)sprintf(big + n, "%s{\"name\": \"k%zu\", "
			    "\"url\": \"x\", \"size\": 1, \"sha256\": \"" HEX_A
			    "\"}", i > 0 ? "," : "", i);
		n += (size_t)sprintf(big + n, "]}");
		err[0] = '\0';
		memset(&c, 0x5a, sizeof(c));
		if (over) {
			assert_int_equal(catalog_parse(big, n, &c, err,
			    sizeof(err)), -1);
			assert_non_null(strstr(err, "kernels are not an array "
			    "of at most 1024"));
			assert_null(c.kernels);
		} else {
			assert_int_equal(catalog_parse(big, n, &c, err,
			    sizeof(err)), 0);
			assert_int_equal(c.nk, CAT_ENTRIES_MAX);
			assert_non_null(catalog_find_kernel(&c, "k1023"));
			catalog_free(&c);
		}
	}
	free(big);
}

/* A fresh ed25519 key: its raw public half in pub. */
static EVP_PKEY *
keygen(unsigned char pub[32])
{
	EVP_PKEY	*k;
	size_t		 n = 32;

	assert_non_null(k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
	assert_int_equal(EVP_PKEY_get_raw_public_key(k, pub, &n), 1);
	assert_int_equal(n, 32);
	return k;
}

static void
sign(EVP_PKEY *k, const char *msg, size_t len, unsigned char sig[64])
{
	EVP_MD_CTX	*ctx;
	size_t		 n = 64;

	assert_non_null(ctx = EVP_MD_CTX_new());
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, NULL, NULL, k), 1);
	assert_int_equal(EVP_DigestSign(ctx, sig, &n,
	    (const unsigned char *)msg, len), 1);
	assert_int_equal(n, 64);
	EVP_MD_CTX_free(ctx);
}

static void
test_signature(void **state)
{
	static const char msg[] = "{\"serial\": 1, \"entries\": []}\n";
	struct cat_key	 keys[2];
	unsigned char	 sig[64], sig2[64];
	char		 b64[100], t[sizeof(msg)], err[256];
	EVP_PKEY	*k1, *k2;

	(void)state;
	k1 = keygen(keys[0].raw);
	k2 = keygen(keys[1].raw);
	sign(k1, msg, strlen(msg), sig);
	/* The signature file's form, read back. */
	catalog_b64_encode(sig, 64, b64);
	assert_int_equal(strlen(b64), 88);
	strcat(b64, "\n");
	assert_int_equal(catalog_sig_parse(b64, strlen(b64), sig2, err,
	    sizeof(err)), 0);
	assert_memory_equal(sig, sig2, 64);
	/* Good: found with either key order. */
	assert_int_equal(catalog_verify(msg, strlen(msg), sig, keys, 2), 0);
	assert_int_equal(catalog_verify(msg, strlen(msg), sig, keys + 0, 1),
	    0);
	/* Signed by a key that is not trusted. */
	assert_int_equal(catalog_verify(msg, strlen(msg), sig, keys + 1, 1),
	    -1);
	assert_int_equal(catalog_verify(msg, strlen(msg), sig, keys, 0), -1);
	/* One byte of the catalog changed, one bit of the signature. */
	memcpy(t, msg, sizeof(msg));
	t[11] = '2';
	assert_int_equal(catalog_verify(t, strlen(t), sig, keys, 2), -1);
	assert_int_equal(catalog_verify(msg, strlen(msg) - 1, sig, keys, 2),
	    -1);
	sig2[5] ^= 1;
	assert_int_equal(catalog_verify(msg, strlen(msg), sig2, keys, 2), -1);
	/* Bad base64: short, long, a bad character, two lines, no padding. */
	assert_int_equal(catalog_sig_parse(b64, 87, sig2, err, sizeof(err)),
	    -1);
	b64[88] = 'A';
	assert_int_equal(catalog_sig_parse(b64, 89, sig2, err, sizeof(err)),
	    -1);
	b64[88] = '\n';
	b64[10] = '*';
	assert_int_equal(catalog_sig_parse(b64, 89, sig2, err, sizeof(err)),
	    -1);
	assert_int_equal(catalog_sig_parse("QUJD\nQUJD\n", 10, sig2, err,
	    sizeof(err)), -1);
	memset(b64, 'A', 88);
	assert_int_equal(catalog_sig_parse(b64, 88, sig2, err, sizeof(err)),
	    -1);
	/* Not canonical: bits set past the 64 bytes. */
	memset(b64, 'A', 86);
	b64[85] = 'B';
	b64[86] = b64[87] = '=';
	assert_int_equal(catalog_sig_parse(b64, 88, sig2, err, sizeof(err)),
	    -1);
	b64[85] = 'Q';
	assert_int_equal(catalog_sig_parse(b64, 88, sig2, err, sizeof(err)),
	    0);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char	 path[512];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, 0644), 0);
}

static void
test_keys(void **state)
{
	unsigned char	 raw[32], k[32];
	char		 b64[48], line[160], err[256], dir[512];
	struct cat_key	*keys;
	size_t		 n;
	int		 i;

	(void)state;
	for (i = 0; i < 32; i++)
		raw[i] = (unsigned char)(i * 7 + 1);
	catalog_b64_encode(raw, 32, b64);
	snprintf(line, sizeof(line), "ed25519 %s\n", b64);
	assert_int_equal(catalog_key_parse(line, strlen(line), k, err,
	    sizeof(err)), 0);
	assert_memory_equal(k, raw, 32);
	snprintf(line, sizeof(line), "ed25519 %s build server 2026", b64);
	assert_int_equal(catalog_key_parse(line, strlen(line), k, err,
	    sizeof(err)), 0);
	/* Refused: another type, no key, two lines, a short or long key. */
	snprintf(line, sizeof(line), "ssh-ed25519 %s\n", b64);
	assert_int_equal(catalog_key_parse(line, strlen(line), k, err,
	    sizeof(err)), -1);
	assert_int_equal(catalog_key_parse("ed25519 \n", 9, k, err,
	    sizeof(err)), -1);
	assert_int_equal(catalog_key_parse("ed25519", 7, k, err, sizeof(err)),
	    -1);
	snprintf(line, sizeof(line), "ed25519 %s\ned25519 %s\n", b64, b64);
	assert_int_equal(catalog_key_parse(line, strlen(line), k, err,
	    sizeof(err)), -1);
	snprintf(line, sizeof(line), "ed25519 %.40s==\n", b64);
	assert_int_equal(catalog_key_parse(line, strlen(line), k, err,
	    sizeof(err)), -1);
	snprintf(line, sizeof(line), "ed25519 %sAAAA\n", b64);
	assert_int_equal(catalog_key_parse(line, strlen(line), k, err,
	    sizeof(err)), -1);
	snprintf(line, sizeof(line), "ed25519 %s\r\n", b64);
	assert_int_equal(catalog_key_parse(line, strlen(line), k, err,
	    sizeof(err)), -1);

	/* A directory: *.pub files only; a bad one is an error. */
	snprintf(dir, sizeof(dir), "%s/keys", tmpdir);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(catalog_keys_load(dir, &keys, &n, err, sizeof(err)),
	    0);
	assert_int_equal(n, 0);
	free(keys);
	snprintf(line, sizeof(line), "ed25519 %s one\n", b64);
	write_file(dir, "one.pub", line);
	write_file(dir, "README", "not a key");
	write_file(dir, "one.pub~", "not a key");
	assert_int_equal(catalog_keys_load(dir, &keys, &n, err, sizeof(err)),
	    0);
	assert_int_equal(n, 1);
	assert_memory_equal(keys[0].raw, raw, 32);
	assert_string_equal(keys[0].origin, "one.pub");
	free(keys);
	/* A key others could have written is refused, as sshd does. */
	snprintf(line, sizeof(line), "%s/one.pub", dir);
	assert_int_equal(chmod(line, 0664), 0);
	assert_int_equal(catalog_keys_load(dir, &keys, &n, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "writable by group or others"));
	assert_int_equal(chmod(line, 0644), 0);
	write_file(dir, "two.pub", "ed25519 nope\n");
	assert_int_equal(catalog_keys_load(dir, &keys, &n, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "two.pub"));
	assert_null(keys);
	snprintf(line, sizeof(line), "%s/two.pub", dir);
	unlink(line);
	assert_int_equal(symlink("one.pub", line), 0);
	assert_int_equal(catalog_keys_load(dir, &keys, &n, err, sizeof(err)),
	    -1);
	unlink(line);
	/* No directory: no keys, no error. */
	snprintf(dir, sizeof(dir), "%s/none", tmpdir);
	assert_int_equal(catalog_keys_load(dir, &keys, &n, err, sizeof(err)),
	    0);
	assert_int_equal(n, 0);
	free(keys);
}

static void
test_serial(void **state)
{
	const char	*u1 = "https://a.example/catalog.json";
	const char	*u2 = "https://b.example/catalog.json";
	char		 err[256];
	uint64_t	 v;

	(void)state;
	assert_int_equal(catalog_serial_check(tmpdir, u1, 1, err,
	    sizeof(err)), 0);
	assert_int_equal(catalog_serial_record(tmpdir, u1, 5, err,
	    sizeof(err)), 0);
	assert_int_equal(catalog_serial_check(tmpdir, u1, 5, err,
	    sizeof(err)), 0);
	assert_int_equal(catalog_serial_check(tmpdir, u1, 6, err,
	    sizeof(err)), 0);
	assert_int_equal(catalog_serial_check(tmpdir, u1, 4, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "the catalog was rolled back: serial 4 is "
	    "older than 5 already seen");
	/* A lower serial recorded later does not lower it. */
	assert_int_equal(catalog_serial_record(tmpdir, u1, 3, err,
	    sizeof(err)), 0);
	assert_int_equal(catalog_serial_check(tmpdir, u1, 4, err,
	    sizeof(err)), -1);
	assert_int_equal(catalog_serial_record(tmpdir, u1, 7, err,
	    sizeof(err)), 0);
	assert_int_equal(catalog_serial_check(tmpdir, u1, 6, err,
	    sizeof(err)), -1);
	/* Per URL. */
	assert_int_equal(catalog_serial_check(tmpdir, u2, 1, err,
	    sizeof(err)), 0);
	assert_int_equal(catalog_serial_parse("12\n", 3, &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(catalog_serial_parse("012", 3, &v), -1);
	assert_int_equal(catalog_serial_parse("", 0, &v), -1);
	assert_int_equal(catalog_serial_parse("1 ", 2, &v), -1);
	assert_int_equal(catalog_serial_parse("-1", 2, &v), -1);
	assert_int_equal(catalog_serial_parse("9007199254740993", 16, &v),
	    -1);
}

static void
test_manifest(void **state)
{
	struct bundle_manifest	 m;
	char			 err[256];
	const char		*good = "{\"name\": \"x1\", \"created\": 5, "
	    "\"rootfs_size\": 4096}";

	(void)state;
	assert_int_equal(bundle_manifest_parse(good, strlen(good), &m, err,
	    sizeof(err)), 0);
	assert_string_equal(m.name, "x1");
	assert_int_equal(m.rootfs_size, 4096);
#define BAD(s) assert_int_equal(bundle_manifest_parse(s, strlen(s), &m, err, \
	    sizeof(err)), -1)
	BAD("{\"name\": \"x1\", \"created\": 5}");
	BAD("{\"name\": \"x1\", \"created\": 5, \"rootfs_size\": 0}");
	BAD("{\"name\": \"x1\", \"created\": 5, \"rootfs_size\": 274877906945}");
	BAD("{\"name\": \"X\", \"created\": 5, \"rootfs_size\": 1}");
	BAD("{\"name\": \"x1\", \"created\": -1, \"rootfs_size\": 1}");
	BAD("{\"name\": \"x1\", \"created\": 5, \"rootfs_size\": 1, \"a\": 1}");
	BAD("{\"name\": \"x1\", \"name\": \"x2\", \"created\": 5, "
	    "\"rootfs_size\": 1}");
	BAD("[]");
#undef BAD
}

/* ---- bundles ---------------------------------------------------------- */

enum { M_FILE, M_LINK, M_HARD, M_DIR };
struct member {
	const char	*name;
	int		 type;
	const char	*data;		/* NULL: size bytes of rootfs data */
	int64_t		 size;
	int		 sparse;	/* a hole then 4 KiB of data at the end */
};

static char	 bpath[512], outdir[512];

/* The bundle at bpath from members; zstd unless plain. */
static void
make_bundle(const struct member *m, size_t n, int plain)
{
	struct archive		*a;
	struct archive_entry	*e;
	static char		 blk[4096];
	int64_t			 left;
	size_t			 i;

	memset(blk, 0x5a, sizeof(blk));
	assert_non_null(a = archive_write_new());
	assert_int_equal(archive_write_set_format_pax_restricted(a),
	    ARCHIVE_OK);
	if (!plain)
		assert_int_equal(archive_write_add_filter_zstd(a), ARCHIVE_OK);
	unlink(bpath);
	assert_int_equal(archive_write_open_filename(a, bpath), ARCHIVE_OK);
	for (i = 0; i < n; i++) {
		assert_non_null(e = archive_entry_new());
		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_perm(e, 0644);
		if (m[i].type == M_LINK) {
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, "/etc/passwd");
		} else if (m[i].type == M_HARD) {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, "manifest.json");
		} else if (m[i].type == M_DIR)
			archive_entry_set_filetype(e, AE_IFDIR);
		else {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, m[i].data != NULL ?
			    (int64_t)strlen(m[i].data) : m[i].size);
			if (m[i].sparse)
				archive_entry_sparse_add_entry(e,
				    m[i].size - 4096, 4096);
		}
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (m[i].type == M_FILE && m[i].data != NULL)
			assert_int_equal(archive_write_data(a, m[i].data,
			    strlen(m[i].data)), (la_ssize_t)strlen(m[i].data));
		else if (m[i].type == M_FILE && m[i].sparse) {
			static char	 zero[65536];

			for (left = m[i].size - 4096; left > 0;
			    left -= (int64_t)sizeof(zero))
				archive_write_data(a, zero, left <
				    (int64_t)sizeof(zero) ? (size_t)left :
				    sizeof(zero));
			archive_write_data(a, blk, sizeof(blk));
		} else if (m[i].type == M_FILE)
			for (left = m[i].size; left > 0; left -= 4096)
				archive_write_data(a, blk, left < 4096 ?
				    (size_t)left : 4096);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

/* A fresh output directory, and the bundle unpacked into it. */
static int
unpack(const char *name, char *err, size_t errsz)
{
	char	 cmd[1100];
	int	 fd, rc;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir '%s'", outdir,
	    outdir);
	assert_int_equal(system(cmd), 0);
	assert_true((fd = open(bpath, O_RDONLY)) != -1);
	err[0] = '\0';
	rc = bundle_unpack_fd(fd, outdir, name, err, errsz);
	close(fd);
	return rc;
}

#define MAN(sz) "{\"name\": \"img\", \"created\": 1, \"rootfs_size\": " #sz "}"

static void
test_bundle_good(void **state)
{
	struct member	 m[] = {
		{ "manifest.json", M_FILE, MAN(1048576), 0, 0 },
		{ "rootfs.ext4", M_FILE, NULL, 1048576, 1 },
	};
	struct stat	 st;
	char		 err[256], path[600], buf[4096];
	int		 fd;

	(void)state;
	make_bundle(m, 2, 0);
	assert_int_equal(unpack("img", err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/rootfs.ext4", outdir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 1048576);
	/* The hole stayed a hole (allowing for a file system's blocks). */
	assert_true(st.st_blocks * 512 < 1048576 / 2);
	assert_true((fd = open(path, O_RDONLY)) != -1);
	assert_int_equal(pread(fd, buf, 4096, 1048576 - 4096), 4096);
	assert_int_equal(buf[0], 0x5a);
	assert_int_equal(buf[4095], 0x5a);
	assert_int_equal(pread(fd, buf, 4096, 0), 4096);
	assert_int_equal(buf[0], 0);
	close(fd);
	/* rootfs first is fine too; the manifest naming another image not. */
	{
		struct member	 r[] = { m[1], m[0] };

		make_bundle(r, 2, 0);
		assert_int_equal(unpack("img", err, sizeof(err)), 0);
		assert_int_equal(unpack("other", err, sizeof(err)), -1);
		assert_non_null(strstr(err, "names img, not other"));
	}
}

static void
expect_refused(const struct member *m, size_t n, int plain,
    const char *why)
{
	char	 err[256];

	make_bundle(m, n, plain);
	if (unpack("img", err, sizeof(err)) != -1)
		fail_msg("a bundle accepted (want: %s)", why);
	if (strstr(err, why) == NULL)
		fail_msg("error \"%s\", want \"%s\"", err, why);
}

static void
test_bundle_hostile(void **state)
{
	const struct member	 man = { "manifest.json", M_FILE, MAN(8192), 0,
	    0 };
	const struct member	 root = { "rootfs.ext4", M_FILE, NULL, 8192, 0 };
	struct member		 m[4];
	char			 err[256], cmd[1200];
	struct stat		 st;

	(void)state;
	m[0] = man;
	m[1] = root;
	make_bundle(m, 2, 0);
	assert_int_equal(unpack("img", err, sizeof(err)), 0);
	/* An extra member, before or after. */
	m[2] = (struct member){ "etc/passwd", M_FILE, "x", 0, 0 };
	expect_refused(m, 3, 0, "bad member: etc/passwd");
	/* Names that would leave the directory. */
	m[1] = (struct member){ "../rootfs.ext4", M_FILE, NULL, 8192, 0 };
	expect_refused(m, 2, 0, "bad member: ../rootfs.ext4");
	m[1] = (struct member){ "/rootfs.ext4", M_FILE, NULL, 8192, 0 };
	expect_refused(m, 2, 0, "bad member");
	m[1] = (struct member){ "./rootfs.ext4", M_FILE, NULL, 8192, 0 };
	expect_refused(m, 2, 0, "bad member");
	/* Links and directories under the right names. */
	m[1] = (struct member){ "rootfs.ext4", M_LINK, NULL, 0, 0 };
	expect_refused(m, 2, 0, "not a regular file");
	m[1] = (struct member){ "rootfs.ext4", M_HARD, NULL, 0, 0 };
	expect_refused(m, 2, 0, "not a regular file");
	m[1] = (struct member){ "rootfs.ext4", M_DIR, NULL, 0, 0 };
	expect_refused(m, 2, 0, "not a regular file");
	/* A second copy of either. */
	m[1] = root;
	m[2] = root;
	expect_refused(m, 3, 0, "a second rootfs.ext4");
	m[2] = man;
	expect_refused(m, 3, 0, "a second manifest.json");
	/* Missing members. */
	expect_refused(m, 1, 0, "lacks rootfs.ext4");
	expect_refused(m + 1, 1, 0, "lacks manifest.json");
	/* Sizes that lie: larger than the manifest, before and after it. */
	m[1] = (struct member){ "rootfs.ext4", M_FILE, NULL, 12288, 0 };
	expect_refused(m, 2, 0, "its manifest says 8192");
	m[0] = m[1];
	m[1] = man;
	expect_refused(m, 2, 0, "its manifest says 8192");
	/* Over 256 GiB (a sparse member: one block of data). */
	m[0] = (struct member){ "manifest.json", M_FILE,
	    MAN(274877906944), 0, 0 };
	m[1] = (struct member){ "rootfs.ext4", M_FILE, NULL,
	    274877906944LL + 4096, 1 };
	expect_refused(m, 2, 0, "1 byte to 256 GiB");
	/* A bad manifest. */
	m[0] = (struct member){ "manifest.json", M_FILE, "{\"name\": 1}", 0,
	    0 };
	m[1] = root;
	expect_refused(m, 2, 0, "manifest.json");
	/* Not zstd. */
	m[0] = man;
	expect_refused(m, 2, 1, "not compressed with zstd");
	/* Truncated: the good bundle cut short. */
	make_bundle(m, 2, 0);
	assert_int_equal(stat(bpath, &st), 0);
	assert_int_equal(truncate(bpath, st.st_size - 20), 0);
	assert_int_equal(unpack("img", err, sizeof(err)), -1);
	if (strstr(err, "truncated") == NULL)
		fail_msg("truncated: %s", err);
	/* Garbage. */
	snprintf(cmd, sizeof(cmd), "head -c 5000 /dev/urandom > '%s'", bpath);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(unpack("img", err, sizeof(err)), -1);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(bpath, sizeof(bpath), "%s/b.tar.zst", tmpdir);
	snprintf(outdir, sizeof(outdir), "%s/out", tmpdir);
	return 0;
}

static int
teardown(void **state)
{
	char	 cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalog_good),
		cmocka_unit_test(test_catalog_hostile),
		cmocka_unit_test(test_catalog_kernels_good),
		cmocka_unit_test(test_catalog_dump_text),
		cmocka_unit_test(test_catalog_kernels_hostile),
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_serial),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_bundle_good),
		cmocka_unit_test(test_bundle_hostile),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
