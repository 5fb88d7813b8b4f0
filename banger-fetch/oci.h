/*
 * banger-fetch's OCI client (`banger image pull REF`): image references,
 * registry credentials and challenges, manifests, indexes and image
 * configs, and a registry session that fetches blobs into a cache by
 * digest, verified while they stream.  Everything a registry sends is
 * hostile: every parser here is strict, bounded and fuzzed.
 */
#ifndef BANGER_FETCH_OCI_H
#define BANGER_FETCH_OCI_H

#include <stddef.h>
#include <stdint.h>

#include "ociref.h"

#define OCI_LAYERS_MAX	128
#define OCI_MANIFEST_MAX (4u * 1024 * 1024)	/* bytes of a manifest/index */
#define OCI_CONFIG_MAX	(4u * 1024 * 1024)	/* bytes of an image config */

/* oci-auth.c */
enum oci_scheme { OCI_AUTH_BASIC = 1, OCI_AUTH_BEARER };
struct oci_challenge {
	enum oci_scheme	 scheme;
	char		 realm[512];	/* bearer: the token URL */
	char		 service[256];
	char		 scope[512];
};
/* One WWW-Authenticate header value.  0, or -1 with why in err. */
int	oci_challenge_parse(const char *, struct oci_challenge *, char *,
	    size_t);
/*
 * The base64 "user:password" for host from a docker config.json or a
 * containers auth.json (their "auths" object; docker.io's key forms
 * included).  1 found, 0 none, -1 a file that cannot be read or parsed
 * (why in err).
 */
int	oci_auth_lookup(const char *, const char *, char *, size_t, char *,
	    size_t);
/* The same from the file's bytes (at most 1 MiB). */
int	oci_auth_lookup_buf(const char *, size_t, const char *, char *,
	    size_t, char *, size_t);

/* oci-manifest.c */
enum oci_comp { OCI_COMP_NONE = 0, OCI_COMP_GZIP, OCI_COMP_ZSTD };
struct oci_desc {
	char		 digest[OCI_DIGEST_MAX];
	uint64_t	 size;
	enum oci_comp	 comp;		/* layers only */
};
struct oci_manifest {
	struct oci_desc	 config;
	struct oci_desc	 layers[OCI_LAYERS_MAX];
	size_t		 nlayers;
};
/* What a manifest response is, from its media type and body. */
enum oci_kind { OCI_KIND_MANIFEST = 1, OCI_KIND_INDEX };
int	oci_manifest_kind(const char *, const char *, size_t, char *, size_t);
/* An image manifest (OCI or docker v2 schema 2). */
int	oci_manifest_parse(const char *, size_t, struct oci_manifest *,
	    char *, size_t);
/* An OCI index or docker manifest list: the linux/amd64 manifest. */
int	oci_index_pick(const char *, size_t, struct oci_desc *, char *,
	    size_t);
/* What of an image config applies to commands. */
#define OCI_ENV_MAX	256
struct oci_config {
	char		*env[OCI_ENV_MAX];	/* "KEY=value" */
	size_t		 nenv;
	char		 workdir[4096];	/* "" when unset */
	char		 user[256];	/* "" when unset; as the image says */
	char		 os[32];
	char		 arch[32];
};
int	oci_config_parse(const char *, size_t, struct oci_config *, char *,
	    size_t);
void	oci_config_free(struct oci_config *);

/* oci-registry.c: one registry and repository, through libcurl. */
struct oci_reg;
/* authfile NULL: anonymous only. */
struct oci_reg *oci_reg_open(const struct oci_ref *, const char *, char *,
	    size_t);
/*
 * The image manifest REF names, an index resolved to linux/amd64; its
 * digest (of the bytes received, checked against a digest REF names) in
 * digest.
 */
int	oci_reg_manifest(struct oci_reg *, struct oci_manifest *,
	    char [OCI_DIGEST_MAX], char *, size_t);
/*
 * Blob d into cachedir/blobs/sha256/HEX (kept when already there and
 * whole), streamed to a temporary file, its size and sha256 checked
 * before the rename; its path in path and, with fdp, the descriptor of
 * the very file checked (offset 0; the caller closes it).  Progress
 * through status_progress.
 */
int	oci_reg_blob(struct oci_reg *, const struct oci_desc *, const char *,
	    char *, size_t, int *, char *, size_t);
void	oci_reg_close(struct oci_reg *);

#endif
