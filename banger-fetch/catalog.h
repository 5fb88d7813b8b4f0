/*
 * The signed image catalog (`banger image pull NAME`): a catalog.json
 * listing pre-built bundles, signed with ed25519 by its publisher, and the
 * bundles themselves (tar + zstd of manifest.json and rootfs.ext4).  The
 * catalog, its signature, the key files and every bundle member are less
 * trusted bytes: each parser here is strict, bounded and fuzzed.
 */
#ifndef BANGER_FETCH_CATALOG_H
#define BANGER_FETCH_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#define CAT_BYTES_MAX	(1024 * 1024)	/* of catalog.json */
#define CAT_ENTRIES_MAX	1024
#define CAT_NAME_MAX	63	/* VM_NAME_MAX: names are valid_vm_name()'s */
#define CAT_URL_MAX	2048
#define CAT_SERIAL_MAX	(1ULL << 53)
#define CAT_SIG_FILE_MAX 256		/* bytes of catalog.json.sig */
#define CAT_KEY_FILE_MAX 4096		/* bytes of one key file */
#define CAT_KEYS_MAX	64		/* key files in a directory */
#define CAT_KEY_DIR	"/etc/banger/catalog.d"
#define BUNDLE_ROOTFS_MAX (256ULL * 1024 * 1024 * 1024)
#define BUNDLE_MANIFEST_MAX 4096

/* catalog.c */
struct cat_entry {
	char		 name[CAT_NAME_MAX + 1];
	char		 url[CAT_URL_MAX + 1];
	uint64_t	 size;			/* bytes of the bundle */
	char		 sha256[65];		/* lower-case hex */
	char		 kernel[CAT_NAME_MAX + 1];
};
struct catalog {
	uint64_t	 serial;
	struct cat_entry *entries;
	size_t		 n;
	/*
	 * The optional "kernels" array: kernel bundles, entries of name,
	 * url, size and sha256 (their kernel field ""), at most
	 * CAT_ENTRIES_MAX, names valid, distinct and neither "tiny" nor
	 * "default".  A catalog without the key has none, and is dumped
	 * without it.
	 */
	struct cat_entry *kernels;
	size_t		 nk;
};
/* 64 lower-case hex digits. */
int	catalog_hex_valid(const char *);
/* 0, or -1 with why in err (nothing to free then). */
int	catalog_parse(const char *, size_t, struct catalog *, char *, size_t);
void	catalog_free(struct catalog *);
const struct cat_entry *catalog_find(const struct catalog *, const char *);
const struct cat_entry *catalog_find_kernel(const struct catalog *,
	    const char *);
/* The catalog as JSON text (malloc'd), for banger-sign. */
char	*catalog_dump(const struct catalog *);

/* catalog-keys.c: ed25519 keys and signatures, base64 as RFC 4648. */
#define CAT_KEY_SCOPES_MAX 8		/* "catalog URL" lines in a key file */
struct cat_key {
	unsigned char	 raw[32];
	char		 origin[128];		/* file name, for messages */
	/* sha256 of each catalog URL the key may sign; none: any. */
	unsigned char	 scope[CAT_KEY_SCOPES_MAX][32];
	size_t		 nscope;
};
/* Exactly want bytes from base64 text (padding required); 0 or -1. */
int	catalog_b64_decode(const char *, size_t, unsigned char *, size_t);
/* base64 of n bytes into out (4 * ((n + 2) / 3) + 1 bytes). */
void	catalog_b64_encode(const unsigned char *, size_t, char *);
/* A key file's text: "ed25519 BASE64 [comment]", one line. */
int	catalog_key_parse(const char *, size_t, unsigned char [32], char *,
	    size_t);
/* A signature file's text: base64 of 64 bytes, one line. */
int	catalog_sig_parse(const char *, size_t, unsigned char [64], char *,
	    size_t);
/*
 * The built-in keys and every DIR/ *.pub (a missing directory has none);
 * a key file that does not parse is an error.  *keys is malloc'd.
 */
int	catalog_keys_load(const char *, struct cat_key **, size_t *, char *,
	    size_t);
/* The index of the key sig verifies msg with, or -1. */
int	catalog_verify(const char *, size_t, const unsigned char [64],
	    const struct cat_key *, size_t);
/*
 * A key file: the key line, then any number (up to CAT_KEY_SCOPES_MAX)
 * of "catalog URL" lines binding the key to those catalogs.  0, or -1
 * with why in err.
 */
int	catalog_key_file_parse(const char *, size_t, struct cat_key *,
	    char *, size_t);
/*
 * As catalog_verify, but only with keys that may sign the catalog at
 * url (a key bound to other catalogs is skipped).
 */
int	catalog_verify_for(const char *, size_t, const unsigned char [64],
	    const struct cat_key *, size_t, const char *);

/* catalog-serial.c: the highest serial seen per catalog URL. */
int	catalog_serial_parse(const char *, size_t, uint64_t *);
/* 0 when serial may be taken, -1 (why in err) when rolled back. */
int	catalog_serial_check(const char *, const char *, uint64_t, char *,
	    size_t);
int	catalog_serial_record(const char *, const char *, uint64_t, char *,
	    size_t);

/* bundle-unpack.c (over bundle-read.c, bundle.h) */
struct bundle_manifest {
	char		 name[CAT_NAME_MAX + 1];
	int64_t		 created;
	uint64_t	 rootfs_size;
};
int	bundle_manifest_parse(const char *, size_t, struct bundle_manifest *,
	    char *, size_t);
/*
 * The bundle read from fd (at its current offset) into outdir's
 * rootfs.ext4 (holes kept), its manifest naming name.  0, or -1 with why
 * in err.
 */
int	bundle_unpack_fd(int, const char *, const char *, char *, size_t);

/* The jobs: catalog-pull.c, catalog-kernel.c and bundle-make.c. */
int	catalog_pull_main(int, char **);
int	catalog_kernel_main(int, char **);
int	bundle_image_main(int, char **);

#endif
