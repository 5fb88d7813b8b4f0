/*
 * Inside banger-fetch's registry client (oci-http.c, oci-registry.c,
 * oci-blob.c): one libcurl handle per registry session and the GET that
 * answers a registry's challenge once and tries again.
 */
#ifndef BANGER_FETCH_OCI_HTTP_H
#define BANGER_FETCH_OCI_HTTP_H

#include <curl/curl.h>

#include "oci.h"

#define OCI_B64_MAX	6144	/* base64 user:password from an auth file */

struct oci_reg {
	CURL		*curl;
	struct oci_ref	 ref;
	char		 base[OCI_HOST_MAX + 16];	/* scheme://host */
	char		 basic[OCI_B64_MAX];		/* "" without */
	char		*authz;		/* "Authorization: ..." or NULL */
	char		 authfile[1024];	/* for messages */
	int		 allow_loopback;	/* connections to 127/8, ::1 */
};

/*
 * One GET.  The sink gets the body of a 200 or 206 only (error bodies and
 * redirects are dropped); it returns -1 with why in req->why to abort.
 */
struct oci_req {
	const char	*url;
	const char	*accept;	/* NULL: none */
	uint64_t	 from;		/* Range: bytes=from- when > 0 */
	uint64_t	 max;		/* bytes curl may accept at most */
	int		(*sink)(struct oci_req *, const char *, size_t);
	void		*arg;
	/* Of the last response, from its headers. */
	long		 status;
	char		 ctype[128];
	char		 crange[128];
	char		 wwwauth[4096];
	int		 wwwauth_long;
	uint64_t	 dropped;	/* bytes of an error body */
	int		 foreign;	/* answered by a host a redirect
					   led to, not the registry */
	char		 why[384];	/* a sink's reason to abort */
};

/* 0 with req->status set (any status but an unanswered 401), or -1. */
int	oci_http_get(struct oci_reg *, struct oci_req *, char *, size_t);
/* The same, without answering a challenge. */
int	oci_http_once(struct oci_reg *, struct oci_req *, char *, size_t);
/* A bounded body in memory. */
struct oci_mem {
	char	*p;
	size_t	 len;
};
int	oci_mem_sink(struct oci_req *, const char *, size_t);
/* "sha256:" and the hex of a 32-byte digest into out[OCI_DIGEST_MAX]. */
void	oci_digest_fmt(const unsigned char *, char *);

#endif
