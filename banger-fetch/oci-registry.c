/*
 * A registry session: one libcurl handle limited to the protocols the
 * registry may use, the user's credentials for its host, and the image
 * manifest a reference names (an index resolved to linux/amd64), each
 * checked against the digest that named it.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "oci-http.h"

#ifndef BANGER_VERSION
#define BANGER_VERSION	"unknown"
#endif

#define ACCEPT_MANIFESTS \
	"application/vnd.oci.image.manifest.v1+json, " \
	"application/vnd.oci.image.index.v1+json, " \
	"application/vnd.docker.distribution.manifest.v2+json, " \
	"application/vnd.docker.distribution.manifest.list.v2+json"
#define CONNECT_TIMEOUT	30	/* seconds */
/* A transfer slower than this many bytes a second for that long ends. */
#define LOW_SPEED	1024
#define LOW_SPEED_TIME	60

/*
 * A registry on the network may not send us (by its address or a
 * redirect) to this host's loopback, link-local addresses (cloud
 * metadata services) or nowhere.  A proxy on loopback stays usable.
 */
static curl_socket_t
open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct oci_reg			*reg = arg;
	const struct sockaddr_in	*in4;
	const struct sockaddr_in6	*in6;
	uint32_t			 v4;
	const uint8_t			*b;

	(void)purpose;
	if (a->family == AF_INET) {
		in4 = (const struct sockaddr_in *)&a->addr;
		v4 = ntohl(in4->sin_addr.s_addr);
		if ((v4 >> 24) == 0 || (v4 >> 16) == 0xa9fe || v4 >= 0xe0000000
		    || ((v4 >> 24) == 127 && !reg->allow_loopback))
			return CURL_SOCKET_BAD;
	} else if (a->family == AF_INET6) {
		in6 = (const struct sockaddr_in6 *)&a->addr;
		b = in6->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr) ||
		    IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr) || b[0] == 0xff ||
		    ((IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
		    (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && b[12] == 127)) &&
		    !reg->allow_loopback) ||
		    (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && b[12] == 169 &&
		    b[13] == 254))
			return CURL_SOCKET_BAD;
	} else
		return CURL_SOCKET_BAD;
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static int
proxy_env(void)
{
	return getenv("https_proxy") != NULL || getenv("HTTPS_PROXY") != NULL
	    || getenv("all_proxy") != NULL || getenv("ALL_PROXY") != NULL;
}

struct oci_reg *
oci_reg_open(const struct oci_ref *ref, const char *authfile, char *err,
    size_t errsz)
{
	struct oci_reg	*reg;
	const char	*protos;
	CURLcode	 rc = CURLE_OK;
	int		 r;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (reg = calloc(1, sizeof(*reg))) == NULL) {
		snprintf(err, errsz, "cannot start libcurl");
		return NULL;
	}
	reg->ref = *ref;
	snprintf(reg->base, sizeof(reg->base), "%s://%s",
	    ref->plain_http ? "http" : "https", ref->host);
	if (authfile != NULL) {
		snprintf(reg->authfile, sizeof(reg->authfile), "%s", authfile);
		r = oci_auth_lookup(authfile, ref->host, reg->basic,
		    sizeof(reg->basic), err, errsz);
		if (r == -1) {
			free(reg);
			return NULL;
		}
		if (r == 0)
			reg->basic[0] = '\0';
	}
	if ((reg->curl = curl_easy_init()) == NULL) {
		snprintf(err, errsz, "cannot start libcurl");
		free(reg);
		return NULL;
	}
	/* http only for a registry on loopback, which stays there. */
	protos = ref->plain_http ? "http,https" : "https";
	reg->allow_loopback = ref->plain_http || proxy_env();
	rc |= curl_easy_setopt(reg->curl, CURLOPT_PROTOCOLS_STR, protos);
	rc |= curl_easy_setopt(reg->curl, CURLOPT_REDIR_PROTOCOLS_STR, protos);
	rc |= curl_easy_setopt(reg->curl, CURLOPT_FOLLOWLOCATION, 1L);
	rc |= curl_easy_setopt(reg->curl, CURLOPT_MAXREDIRS, 5L);
	rc |= curl_easy_setopt(reg->curl, CURLOPT_UNRESTRICTED_AUTH, 0L);
	rc |= curl_easy_setopt(reg->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	rc |= curl_easy_setopt(reg->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	rc |= curl_easy_setopt(reg->curl, CURLOPT_CONNECTTIMEOUT,
	    (long)CONNECT_TIMEOUT);
	rc |= curl_easy_setopt(reg->curl, CURLOPT_LOW_SPEED_LIMIT,
	    (long)LOW_SPEED);
	rc |= curl_easy_setopt(reg->curl, CURLOPT_LOW_SPEED_TIME,
	    (long)LOW_SPEED_TIME);
	rc |= curl_easy_setopt(reg->curl, CURLOPT_USERAGENT,
	    "banger/" BANGER_VERSION);
	rc |= curl_easy_setopt(reg->curl, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(reg->curl, CURLOPT_OPENSOCKETFUNCTION,
	    open_socket);
	rc |= curl_easy_setopt(reg->curl, CURLOPT_OPENSOCKETDATA, reg);
	/* No cookies, no .netrc: only what this file decides is sent. */
	rc |= curl_easy_setopt(reg->curl, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	if (ref->plain_http)
		rc |= curl_easy_setopt(reg->curl, CURLOPT_PROXY, "");
	if (rc != CURLE_OK) {
		snprintf(err, errsz, "libcurl lacks an option banger needs "
		    "(7.85 or later is required)");
		oci_reg_close(reg);
		return NULL;
	}
	return reg;
}

void
oci_reg_close(struct oci_reg *reg)
{
	if (reg == NULL)
		return;
	if (reg->curl != NULL)
		curl_easy_cleanup(reg->curl);
	if (reg->authz != NULL) {
		explicit_bzero(reg->authz, strlen(reg->authz));
		free(reg->authz);
	}
	explicit_bzero(reg->basic, sizeof(reg->basic));
	free(reg);
}

/* GET /v2/REPO/manifests/WHICH into body, its digest into digest. */
static int
get_manifest(struct oci_reg *reg, const char *which, struct oci_mem *body,
    char *ctype, size_t ctypesz, char *digest, char *err, size_t errsz)
{
	struct oci_req	 req;
	unsigned char	 md[32];
	char		*url;

	if (asprintf(&url, "%s/v2/%s/manifests/%s", reg->base, reg->ref.repo,
	    which) == -1) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	memset(&req, 0, sizeof(req));
	memset(body, 0, sizeof(*body));
	req.url = url;
	req.accept = ACCEPT_MANIFESTS;
	req.max = OCI_MANIFEST_MAX;
	req.sink = oci_mem_sink;
	req.arg = body;
	if (oci_http_get(reg, &req, err, errsz) == -1)
		goto fail;
	if (req.status == 404) {
		snprintf(err, errsz, "%s/%s has no manifest %s",
		    reg->ref.host, reg->ref.repo, which);
		goto fail;
	}
	if (req.status != 200) {
		snprintf(err, errsz, "%s answered HTTP %ld for the manifest "
		    "%s of %s", reg->ref.host, req.status, which, reg->ref.repo);
		goto fail;
	}
	if (body->p == NULL) {
		snprintf(err, errsz, "%s sent an empty manifest",
		    reg->ref.host);
		goto fail;
	}
	if (EVP_Digest(body->p, body->len, md, NULL, EVP_sha256(), NULL) != 1) {
		snprintf(err, errsz, "sha256 failed");
		goto fail;
	}
	oci_digest_fmt(md, digest);
	snprintf(ctype, ctypesz, "%s", req.ctype);
	free(url);
	return 0;
fail:
	free(url);
	free(body->p);
	body->p = NULL;
	return -1;
}

int
oci_reg_manifest(struct oci_reg *reg, struct oci_manifest *m,
    char digest[OCI_DIGEST_MAX], char *err, size_t errsz)
{
	struct oci_mem	 body;
	struct oci_desc	 d;
	char		 ctype[128];
	const char	*which;
	int		 kind, rc = -1;

	memset(m, 0, sizeof(*m));
	which = reg->ref.digest[0] != '\0' ? reg->ref.digest : reg->ref.tag;
	if (get_manifest(reg, which, &body, ctype, sizeof(ctype), digest, err,
	    errsz) == -1)
		return -1;
	if (reg->ref.digest[0] != '\0' && strcmp(digest, reg->ref.digest) !=
	    0) {
		snprintf(err, errsz, "the manifest %s sent is %s, not the %s "
		    "asked for", reg->ref.host, digest, reg->ref.digest);
		goto out;
	}
	if ((kind = oci_manifest_kind(ctype, body.p, body.len, err, errsz)) ==
	    -1)
		goto out;
	if (kind == OCI_KIND_INDEX) {
		if (oci_index_pick(body.p, body.len, &d, err, errsz) == -1)
			goto out;
		free(body.p);
		if (get_manifest(reg, d.digest, &body, ctype, sizeof(ctype),
		    digest, err, errsz) == -1)
			return -1;
		if (strcmp(digest, d.digest) != 0 || body.len != d.size) {
			snprintf(err, errsz, "the linux/amd64 manifest %s sent "
			    "is %s of %zu bytes, not the %s of %llu bytes its "
			    "index names", reg->ref.host, digest, body.len,
			    d.digest, (unsigned long long)d.size);
			goto out;
		}
		if ((kind = oci_manifest_kind(ctype, body.p, body.len, err,
		    errsz)) == -1)
			goto out;
		if (kind != OCI_KIND_MANIFEST) {
			snprintf(err, errsz, "the index names another index "
			    "for linux/amd64 (not followed)");
			goto out;
		}
	}
	rc = oci_manifest_parse(body.p, body.len, m, err, errsz);
out:
	free(body.p);
	return rc;
}
