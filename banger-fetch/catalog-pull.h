/*
 * banger-fetch's catalog pulls (catalog-pull.c for images,
 * catalog-kernel.c for kernels): what the two share.
 */
#ifndef BANGER_FETCH_CATALOG_PULL_H
#define BANGER_FETCH_CATALOG_PULL_H

#include "catalog.h"
#include "oci.h"

/* One pull: the catalog, the entry being fetched (e) and where to. */
struct cpull {
	const char	*name, *out, *kdir, *cache, *url, *keydir, *kernels;
	char		 serials[4096];	/* where catalog-serial.c keeps them */
	struct oci_ref	 ref;		/* the catalog's host, for the session */
	uint16_t	 port;
	struct oci_reg	*reg;
	struct catalog	 cat;
	const struct cat_entry *e;
	char		 bundle_url[CAT_URL_MAX + 1];
};

/* out/name, a new file holding text: 0, or -1 after a status. */
int	write_small(const char *, const char *, const char *);
/* The jobs' arguments and the sandbox: 0, 2 (arguments) or 1. */
int	cpull_setup(struct cpull *, int, char **);
/* The entry's URL against the catalog's, into bundle_url: 0 or -1. */
int	bundle_url_resolve(struct cpull *, char *, size_t);
/* The signed catalog into p->cat, its serial checked: -1 after a status. */
int	catalog_get(struct cpull *);
/* p->e's bundle into the cache as final (resumed): -1 after a status. */
int	download(struct cpull *, const char *);
/* p->e's bundle in the cache (downloaded unless there) as final. */
int	bundle_fetch(struct cpull *, char *, size_t);
/* final opened, its size and sha256 p->e's: the fd, or -1. */
int	bundle_open_checked(struct cpull *, const char *);
/*
 * The catalog's kernel ke into out: its bundle downloaded (cached) and
 * unpacked, vmlinux and modules.cpio checked against the bundle's
 * release, initrd.img made from p->kdir's (tiny's) with the modules
 * appended; release and module count returned.  -1 after a status.
 */
int	cpull_kernel(struct cpull *, const struct cat_entry *, const char *,
	    char *, size_t, unsigned *);

#endif
