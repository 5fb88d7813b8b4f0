/*
 * A catalog.json's bytes through banger-fetch/catalog.c, and the same
 * bytes as a bundle's manifest.json (bundle-unpack.c).  A catalog taken
 * has valid, distinct names and hex digests (its kernels too, none named
 * as banger's own nor naming a kernel), and what banger-sign would write
 * of it reads back the same and is written again the same.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "valid.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* n entries (kernels when kernels) as catalog_parse may take them. */
static void
check_entries(const struct cat_entry *e, size_t n, int kernels)
{
	size_t	 i, j;

	if (n > CAT_ENTRIES_MAX || (n > 0 && e == NULL))
		abort();
	for (i = 0; i < n; i++) {
		if (!valid_vm_name(e[i].name) ||
		    !catalog_hex_valid(e[i].sha256) ||
		    e[i].size < 1 || e[i].size > CAT_SERIAL_MAX ||
		    e[i].url[0] == '\0' ||
		    strlen(e[i].url) > CAT_URL_MAX)
			abort();
		if (kernels && (e[i].kernel[0] != '\0' ||
		    strcmp(e[i].name, "tiny") == 0 ||
		    strcmp(e[i].name, "default") == 0))
			abort();
		if (!kernels && !valid_vm_name(e[i].kernel))
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(e[i].name, e[j].name) == 0)
				abort();
	}
}

static void
check(const struct catalog *c)
{
	size_t	 i;

	if (c->serial < 1 || c->serial > CAT_SERIAL_MAX)
		abort();
	check_entries(c->entries, c->n, 0);
	check_entries(c->kernels, c->nk, 1);
	for (i = 0; i < c->nk; i++)
		if (catalog_find_kernel(c, c->kernels[i].name) !=
		    &c->kernels[i])
			abort();
}

/* Every field of both catalogs equal. */
static int
same(const struct catalog *a, const struct catalog *b)
{
	return a->serial == b->serial && a->n == b->n && a->nk == b->nk &&
	    (a->n == 0 || memcmp(a->entries, b->entries,
	    a->n * sizeof(*a->entries)) == 0) &&
	    (a->nk == 0 || memcmp(a->kernels, b->kernels,
	    a->nk * sizeof(*a->kernels)) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct catalog		 c, d;
	struct bundle_manifest	 m;
	char			 err[256], *dump, *dump2;

	err[0] = '\0';
	if (catalog_parse((const char *)data, size, &c, err, sizeof(err)) ==
	    0) {
		check(&c);
		if ((dump = catalog_dump(&c)) == NULL)
			abort();
		if (catalog_parse(dump, strlen(dump), &d, err, sizeof(err)) !=
		    0 || !same(&c, &d))
			abort();
		/* No kernels, no "kernels" key: banger-sign relies on it. */
		if (c.nk == 0 && strstr(dump, "\n  \"kernels\": [") != NULL)
			abort();
		if ((dump2 = catalog_dump(&d)) == NULL ||
		    strcmp(dump, dump2) != 0)
			abort();
		free(dump2);
		free(dump);
		catalog_free(&d);
		catalog_free(&c);
	} else if (err[0] == '\0' || c.entries != NULL || c.kernels != NULL ||
	    c.n != 0 || c.nk != 0)
		abort();
	err[0] = '\0';
	if (bundle_manifest_parse((const char *)data, size, &m, err,
	    sizeof(err)) == 0) {
		if (!valid_vm_name(m.name) || m.rootfs_size < 1 ||
		    m.rootfs_size > BUNDLE_ROOTFS_MAX || m.created < 0)
			abort();
	} else if (err[0] == '\0')
		abort();
	return 0;
}
