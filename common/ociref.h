/*
 * OCI image references as `docker pull` takes them (common/ociref.c):
 * parsed by banger-fetch before it asks a registry, and by the CLI to
 * tell which image `vm run --image REF` means.
 */
#ifndef BANGER_OCIREF_H
#define BANGER_OCIREF_H

#include <stddef.h>

#define OCI_HOST_MAX	256	/* host[:port] */
#define OCI_REPO_MAX	256
#define OCI_TAG_MAX	128
#define OCI_DIGEST_MAX	72	/* "sha256:" and 64 lower-case hex digits */

struct oci_ref {
	char	 host[OCI_HOST_MAX];	/* "registry-1.docker.io", "h:5000" */
	char	 repo[OCI_REPO_MAX];	/* "library/python" */
	char	 tag[OCI_TAG_MAX];	/* "" when only a digest is given */
	char	 digest[OCI_DIGEST_MAX]; /* "" unless REF@sha256:... */
	int	 plain_http;		/* loopback registries: http:// */
};
/*
 * REF as docker reads it: [HOST[:PORT]/]PATH[:TAG][@sha256:HEX]; no host
 * means docker.io (and a one-part path library/PATH), no tag and no
 * digest means "latest".  0, or -1 with why in err.
 */
int	oci_ref_parse(const char *, struct oci_ref *, char *, size_t);
/* "sha256:" and exactly 64 lower-case hex digits. */
int	oci_digest_valid(const char *);
/* host[:port] is localhost, 127.0.0.0/8 or [::1]. */
int	oci_host_loopback(const char *);

#endif
