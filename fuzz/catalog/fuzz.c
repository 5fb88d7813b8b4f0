/*
 * A catalog.json's bytes through banger-fetch/catalog.c, and the same
 * bytes as a bundle's manifest.json (bundle-unpack.c).  A catalog taken
 * has valid, distinct names and hex digests, and what banger-sign would
 * write of it reads back the same.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "valid.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check(const struct catalog *c)
{
	size_t	 i, j;

	if (c->serial < 1 || c->serial > CAT_SERIAL_MAX ||
	    c->n > CAT_ENTRIES_MAX)
		abort();
	for (i = 0; i < c->n; i++) {
		if (!valid_vm_name(c->entries[i].name) ||
		    !catalog_hex_valid(c->entries[i].sha256) ||
		    c->entries[i].size < 1 || c->entries[i].url[0] == '\0')
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(c->entries[i].name, c->entries[j].name) ==
			    0)
				abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct catalog		 c, d;
	struct bundle_manifest	 m;
	char			 err[256], *dump;
	size_t			 i;

	err[0] = '\0';
	if (catalog_parse((const char *)data, size, &c, err, sizeof(err)) ==
	    0) {
		check(&c);
		if ((dump = catalog_dump(&c)) == NULL)
			abort();
		if (catalog_parse(dump, strlen(dump), &d, err, sizeof(err)) !=
		    0 || d.serial != c.serial || d.n != c.n)
			abort();
		for (i = 0; i < c.n; i++)
			if (memcmp(&c.entries[i], &d.entries[i],
			    sizeof(c.entries[i])) != 0)
				abort();
		free(dump);
		catalog_free(&d);
		catalog_free(&c);
	} else if (err[0] == '\0' || c.entries != NULL)
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
