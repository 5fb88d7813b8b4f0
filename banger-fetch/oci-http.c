/*
 * GETs to a registry through libcurl, and the answer to its challenge:
 * a Basic challenge takes the auth file's credentials, a Bearer one sends
 * us (with them, if any) to its realm for a pull token.  Credentials go in
 * an Authorization header that libcurl (7.58 and later; host, port and
 * scheme since 7.83) does not send on to another host a redirect names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "oci-http.h"

#define TOKEN_BODY_MAX	(64 * 1024)
#define ERROR_BODY_MAX	(64 * 1024)

static const char hexd[] = "0123456789abcdef";

void
oci_digest_fmt(const unsigned char *md, char *out)
{
	size_t	 i;

	memcpy(out, "sha256:", 7);
	for (i = 0; i < 32; i++) {
		out[7 + 2 * i] = hexd[md[i] >> 4];
		out[8 + 2 * i] = hexd[md[i] & 15];
	}
	out[7 + 64] = '\0';
}

int
oci_mem_sink(struct oci_req *req, const char *p, size_t n)
{
	struct oci_mem	*m = req->arg;
	char		*q;

	if (n > req->max || m->len > req->max - n) {
		snprintf(req->why, sizeof(req->why), "the answer to %s is "
		    "larger than %llu bytes", req->url,
		    (unsigned long long)req->max);
		return -1;
	}
	if ((q = realloc(m->p, m->len + n + 1)) == NULL) {
		snprintf(req->why, sizeof(req->why), "out of memory");
		return -1;
	}
	m->p = q;
	memcpy(m->p + m->len, p, n);
	m->len += n;
	m->p[m->len] = '\0';
	return 0;
}

static void
hdr_copy(char *dst, size_t dstsz, const char *v, size_t n, int *toolong)
{
	while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' ||
	    v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	if (n >= dstsz) {
		if (toolong != NULL)
			*toolong = 1;
		n = dstsz - 1;
	}
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static int
hdr_is(const char *line, size_t n, const char *name)
{
	size_t	 k = strlen(name);

	return n > k && strncasecmp(line, name, k) == 0 && line[k] == ':';
}

/* Each response (redirects included) starts over at its status line. */
static size_t
on_header(char *line, size_t sz, size_t n, void *arg)
{
	struct oci_req	*req = arg;
	char		 code[4];

	(void)sz;
	if (n > 9 && strncmp(line, "HTTP/", 5) == 0) {
		const char *sp = memchr(line, ' ', n);

		req->status = 0;
		req->ctype[0] = req->crange[0] = req->wwwauth[0] = '\0';
		req->wwwauth_long = 0;
		if (sp != NULL && line + n - sp > 3) {
			memcpy(code, sp + 1, 3);
			code[3] = '\0';
			req->status = strtol(code, NULL, 10);
		}
	} else if (hdr_is(line, n, "Content-Type"))
		hdr_copy(req->ctype, sizeof(req->ctype), line + 13, n - 13,
		    NULL);
	else if (hdr_is(line, n, "Content-Range"))
		hdr_copy(req->crange, sizeof(req->crange), line + 14, n - 14,
		    NULL);
	else if (hdr_is(line, n, "WWW-Authenticate") && req->wwwauth[0] ==
	    '\0')
		hdr_copy(req->wwwauth, sizeof(req->wwwauth), line + 17,
		    n - 17, &req->wwwauth_long);
	return n;
}

static size_t
on_body(char *p, size_t sz, size_t n, void *arg)
{
	struct oci_req	*req = arg;

	(void)sz;
	if (req->status != 200 && req->status != 206) {
		req->dropped += n;
		if (req->dropped > ERROR_BODY_MAX) {
			snprintf(req->why, sizeof(req->why), "the registry's "
			    "error answer is larger than %d bytes",
			    ERROR_BODY_MAX);
			return 0;
		}
		return n;
	}
	return req->sink(req, p, n) == 0 ? n : 0;
}

int
oci_http_once(struct oci_reg *reg, struct oci_req *req, char *err,
    size_t errsz)
{
	struct curl_slist	*h = NULL, *t;
	char			 line[256], range[48], cerr[CURL_ERROR_SIZE];
	char			*eff;
	CURLcode		 rc;
	size_t			 blen;
	int			 ret = -1;

	req->status = 0;
	req->dropped = 0;
	req->foreign = 0;
	req->why[0] = cerr[0] = '\0';
	if (req->accept != NULL) {
		snprintf(line, sizeof(line), "Accept: %s", req->accept);
		if ((t = curl_slist_append(h, line)) == NULL)
			goto oom;
		h = t;
	}
	if (reg->authz != NULL) {
		if ((t = curl_slist_append(h, reg->authz)) == NULL)
			goto oom;
		h = t;
	}
	snprintf(range, sizeof(range), "%llu-",
	    (unsigned long long)req->from);
	curl_easy_setopt(reg->curl, CURLOPT_URL, req->url);
	curl_easy_setopt(reg->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(reg->curl, CURLOPT_RANGE, req->from > 0 ? range :
	    NULL);
	/*
	 * curl checks every response's Content-Length against this, a 401's
	 * too: never below what an error answer may have.
	 */
	curl_easy_setopt(reg->curl, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)(req->max > ERROR_BODY_MAX ? req->max :
	    ERROR_BODY_MAX));
	curl_easy_setopt(reg->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(reg->curl, CURLOPT_HEADERDATA, req);
	curl_easy_setopt(reg->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(reg->curl, CURLOPT_WRITEDATA, req);
	curl_easy_setopt(reg->curl, CURLOPT_ERRORBUFFER, cerr);
	rc = curl_easy_perform(reg->curl);
	curl_easy_setopt(reg->curl, CURLOPT_ERRORBUFFER, NULL);
	/* Who answered: the registry itself, or a redirect's target. */
	eff = NULL;
	blen = strlen(reg->base);
	req->foreign = curl_easy_getinfo(reg->curl, CURLINFO_EFFECTIVE_URL,
	    &eff) != CURLE_OK || eff == NULL || strncasecmp(eff, reg->base,
	    blen) != 0 || (eff[blen] != '/' && eff[blen] != '\0');
	if (rc == CURLE_OK)
		ret = 0;
	else if (req->why[0] != '\0')
		snprintf(err, errsz, "%s", req->why);
	else if (rc == CURLE_FILESIZE_EXCEEDED)
		snprintf(err, errsz, "the answer to %s is larger than %llu "
		    "bytes", req->url, (unsigned long long)req->max);
	else
		snprintf(err, errsz, "%s: %s", req->url, cerr[0] != '\0' ?
		    cerr : curl_easy_strerror(rc));
	curl_easy_setopt(reg->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	return ret;
oom:
	curl_slist_free_all(h);
	snprintf(err, errsz, "out of memory");
	return -1;
}

/* scheme://host[:port]/... with a host we may ask for a token. */
static int
realm_ok(struct oci_reg *reg, const char *realm)
{
	char		 host[OCI_HOST_MAX];
	const char	*p;
	size_t		 n;

	if (strncasecmp(realm, "https://", 8) == 0)
		p = realm + 8;
	else if (strncasecmp(realm, "http://", 7) == 0 && reg->ref.plain_http)
		p = realm + 7;
	else
		return 0;
	n = strcspn(p, "/?#");
	if (n == 0 || n >= sizeof(host) || memchr(p, '@', n) != NULL)
		return 0;
	memcpy(host, p, n);
	host[n] = '\0';
	return p == realm + 8 || oci_host_loopback(host);
}

static int
set_authz(struct oci_reg *reg, const char *scheme, const char *cred)
{
	char	*a;

	if (asprintf(&a, "Authorization: %s %s", scheme, cred) == -1)
		return -1;
	if (reg->authz != NULL) {
		explicit_bzero(reg->authz, strlen(reg->authz));
		free(reg->authz);
	}
	reg->authz = a;
	return 0;
}

static int
token_valid(const char *t)
{
	size_t	 i;

	for (i = 0; t[i] != '\0'; i++)
		if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f)
			return 0;
	return i > 0;
}

static int
bearer(struct oci_reg *reg, const struct oci_challenge *c, char *err,
    size_t errsz)
{
	struct oci_req	 req;
	struct oci_mem	 body = { NULL, 0 };
	json_t		*j = NULL, *t;
	char		*url = NULL, *svc = NULL, *scope = NULL, *s;
	int		 rc = -1;

	if (!realm_ok(reg, c->realm)) {
		snprintf(err, errsz, "the registry sends us for a token to "
		    "%.200s: only https (or http on loopback for a loopback "
		    "registry) is accepted", c->realm);
		return -1;
	}
	if (asprintf(&s, "repository:%s:pull", reg->ref.repo) == -1)
		goto oom;
	scope = curl_easy_escape(reg->curl, s, 0);
	free(s);
	svc = curl_easy_escape(reg->curl, c->service, 0);
	if (scope == NULL || svc == NULL)
		goto oom;
	if (asprintf(&url, "%s%sservice=%s&scope=%s", c->realm,
	    strchr(c->realm, '?') != NULL ? "&" : "?", svc, scope) == -1) {
		url = NULL;
		goto oom;
	}
	/* Credentials, if the user has some, go to the realm only. */
	if (reg->basic[0] != '\0') {
		if (set_authz(reg, "Basic", reg->basic) == -1)
			goto oom;
	} else if (reg->authz != NULL) {
		free(reg->authz);
		reg->authz = NULL;
	}
	memset(&req, 0, sizeof(req));
	req.url = url;
	req.accept = "application/json";
	req.max = TOKEN_BODY_MAX;
	req.sink = oci_mem_sink;
	req.arg = &body;
	if (oci_http_once(reg, &req, err, errsz) == -1)
		goto out;
	if (req.status == 401 || req.status == 403) {
		if (reg->basic[0] != '\0')
			snprintf(err, errsz, "the registry's token service "
			    "refused the credentials from %s (HTTP %ld)",
			    reg->authfile, req.status);
		else
			snprintf(err, errsz, "the registry's token service "
			    "refused an anonymous token (HTTP %ld): the image "
			    "may be private; log in with `docker login` or "
			    "`podman login`", req.status);
		goto out;
	}
	if (req.status != 200) {
		snprintf(err, errsz, "the registry's token service answered "
		    "HTTP %ld", req.status);
		goto out;
	}
	j = body.p != NULL ? json_loadb(body.p, body.len, JSON_REJECT_DUPLICATES,
	    NULL) : NULL;
	if (!json_is_object(j) ||
	    (!json_is_string(t = json_object_get(j, "token")) &&
	    !json_is_string(t = json_object_get(j, "access_token"))) ||
	    !token_valid(json_string_value(t))) {
		snprintf(err, errsz, "the registry's token service sent no "
		    "token");
		goto out;
	}
	if (set_authz(reg, "Bearer", json_string_value(t)) == -1)
		goto oom;
	rc = 0;
	goto out;
oom:
	snprintf(err, errsz, "out of memory");
out:
	if (rc == -1 && reg->authz != NULL) {
		free(reg->authz);
		reg->authz = NULL;
	}
	json_decref(j);
	if (body.p != NULL) {
		explicit_bzero(body.p, body.len);
		free(body.p);
	}
	free(url);
	curl_free(svc);
	curl_free(scope);
	return rc;
}

static int
answer(struct oci_reg *reg, struct oci_req *req, char *err, size_t errsz)
{
	struct oci_challenge	 c;

	if (req->wwwauth[0] == '\0') {
		snprintf(err, errsz, "the registry answered 401 without a "
		    "challenge");
		return -1;
	}
	/*
	 * A host the registry redirected to wants credentials: they are
	 * the registry's, and never go anywhere else.
	 */
	if (req->foreign) {
		snprintf(err, errsz, "%s: a host %s redirected to asked for "
		    "credentials; banger gives them only to %s", req->url,
		    reg->ref.host, reg->ref.host);
		return -1;
	}
	if (req->wwwauth_long || oci_challenge_parse(req->wwwauth, &c, err,
	    errsz) == -1) {
		if (req->wwwauth_long)
			snprintf(err, errsz, "the registry's challenge is too "
			    "long");
		return -1;
	}
	if (c.scheme == OCI_AUTH_BEARER)
		return bearer(reg, &c, err, errsz);
	if (reg->basic[0] == '\0') {
		snprintf(err, errsz, "%s wants a user name and password, and "
		    "%s has none for it: log in with `docker login %s` "
		    "(~/.docker/config.json) or `podman login %s` "
		    "(containers auth.json)", reg->ref.host,
		    reg->authfile[0] != '\0' ? reg->authfile :
		    "no auth file was given, so banger", reg->ref.host,
		    reg->ref.host);
		return -1;
	}
	return set_authz(reg, "Basic", reg->basic);
}

int
oci_http_get(struct oci_reg *reg, struct oci_req *req, char *err,
    size_t errsz)
{
	int	 tried = 0;

	for (;;) {
		if (oci_http_once(reg, req, err, errsz) == -1)
			return -1;
		if (req->status != 401)
			return 0;
		if (tried++) {
			snprintf(err, errsz, "%s refused %s (HTTP 401)",
			    reg->ref.host, reg->basic[0] != '\0' ?
			    "the credentials" : "the anonymous token");
			return -1;
		}
		if (answer(reg, req, err, errsz) == -1)
			return -1;
	}
}
