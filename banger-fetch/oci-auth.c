/*
 * Registry credentials and challenges.  A WWW-Authenticate header comes
 * from the registry (hostile); the auth file is the user's own, but it is
 * still bounded and parsed strictly.  Credential helpers (credsStore,
 * credHelpers) would mean running a program the file names: never done
 * here; the banger CLI runs them before a pull and hands over a file of
 * plain "auths" (banger/credhelper.c).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "fdutil.h"
#include "oci.h"

#define CHALLENGE_MAX	4096	/* bytes of one header value */
#define CHALLENGE_PARAMS 16
#define AUTH_FILE_MAX	(1024 * 1024)
#define AUTH_ENTRY_MAX	4096	/* "user:password", before base64 */

static int
tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A token or a quoted-string into v; the end of it, or NULL. */
static const char *
param_value(const char *p, char *v, size_t vsz)
{
	size_t	 n = 0;

	if (*p != '"') {
		/* token68 may end in '='; it is not a parameter anyway. */
		while (*p != '\0' && (tchar((unsigned char)*p) || *p == '/' ||
		    *p == '=')) {
			if (n + 1 >= vsz)
				return NULL;
			v[n++] = *p++;
		}
		v[n] = '\0';
		return n > 0 ? p : NULL;
	}
	for (p++; *p != '"'; p++) {
		if (*p == '\\')
			p++;
		if (*p == '\0' || (unsigned char)*p < 0x20 || *p == 0x7f ||
		    n + 1 >= vsz)
			return NULL;
		v[n++] = *p;
	}
	v[n] = '\0';
	return p + 1;
}

int
oci_challenge_parse(const char *h, struct oci_challenge *c, char *err,
    size_t errsz)
{
	char		 name[64], val[512];
	const char	*p;
	size_t		 n, nparams = 0;

	memset(c, 0, sizeof(*c));
	if (strnlen(h, CHALLENGE_MAX + 1) > CHALLENGE_MAX) {
		snprintf(err, errsz, "the registry's challenge is longer than "
		    "%d bytes", CHALLENGE_MAX);
		return -1;
	}
	p = h + strspn(h, " \t");
	if (strncasecmp(p, "Bearer", 6) == 0 && (p[6] == ' ' || p[6] == '\t'
	    || p[6] == '\0')) {
		c->scheme = OCI_AUTH_BEARER;
		p += 6;
	} else if (strncasecmp(p, "Basic", 5) == 0 && (p[5] == ' ' ||
	    p[5] == '\t' || p[5] == '\0')) {
		c->scheme = OCI_AUTH_BASIC;
		p += 5;
	} else {
		snprintf(err, errsz, "the registry asks for an authentication "
		    "scheme banger does not speak (only Bearer and Basic)");
		return -1;
	}
	for (;;) {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		if (++nparams > CHALLENGE_PARAMS)
			goto bad;
		for (n = 0; tchar((unsigned char)p[n]); n++)
			if (n + 1 >= sizeof(name))
				goto bad;
		if (n == 0)
			goto bad;
		memcpy(name, p, n);
		name[n] = '\0';
		p += n;
		p += strspn(p, " \t");
		if (*p++ != '=')
			goto bad;
		p += strspn(p, " \t");
		if ((p = param_value(p, val, sizeof(val))) == NULL)
			goto bad;
		if (strcasecmp(name, "realm") == 0)
			snprintf(c->realm, sizeof(c->realm), "%s", val);
		else if (strcasecmp(name, "service") == 0) {
			if (strlen(val) >= sizeof(c->service))
				goto bad;
			strcpy(c->service, val);
		} else if (strcasecmp(name, "scope") == 0)
			strcpy(c->scope, val);
		p += strspn(p, " \t");
		if (*p == ',')
			p++;
		else if (*p != '\0')
			goto bad;
	}
	if (c->scheme == OCI_AUTH_BEARER && c->realm[0] == '\0') {
		snprintf(err, errsz, "the registry's Bearer challenge has no "
		    "realm");
		return -1;
	}
	return 0;
bad:
	snprintf(err, errsz, "the registry's WWW-Authenticate header cannot "
	    "be parsed");
	return -1;
}

/* The keys docker and podman store a registry's credentials under. */
static size_t
auth_keys(const char *host, char keys[][OCI_HOST_MAX + 16])
{
	size_t	 n = 0;

	if (strcmp(host, "registry-1.docker.io") == 0 ||
	    strcmp(host, "docker.io") == 0 ||
	    strcmp(host, "index.docker.io") == 0) {
		strcpy(keys[n++], "https://index.docker.io/v1/");
		strcpy(keys[n++], "docker.io");
		strcpy(keys[n++], "index.docker.io");
		strcpy(keys[n++], "registry-1.docker.io");
		return n;
	}
	snprintf(keys[n++], OCI_HOST_MAX + 16, "%s", host);
	snprintf(keys[n++], OCI_HOST_MAX + 16, "https://%s", host);
	snprintf(keys[n++], OCI_HOST_MAX + 16, "http://%s", host);
	snprintf(keys[n++], OCI_HOST_MAX + 16, "https://%s/v1/", host);
	return n;
}

static int
b64_valid(const char *s)
{
	size_t	 n = strlen(s), i, pad = 0;

	if (n == 0 || n % 4 != 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || !(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789+/", s[i])))
			return 0;
	}
	return pad <= 2;
}

/* An "auths" entry: "auth" (base64 user:password), or username/password. */
static int
auth_entry(json_t *e, const char *key, char *out, size_t outsz, char *err,
    size_t errsz)
{
	json_t		*a, *u, *pw;
	const char	*s;
	char		 plain[AUTH_ENTRY_MAX];
	unsigned char	 dec[AUTH_ENTRY_MAX];
	int		 n;

	if (!json_is_object(e)) {
		snprintf(err, errsz, "auths \"%s\" is not an object", key);
		return -1;
	}
	if ((a = json_object_get(e, "auth")) != NULL && json_is_string(a) &&
	    json_string_length(a) > 0) {
		s = json_string_value(a);
		if (strlen(s) >= sizeof(plain) || !b64_valid(s)) {
			snprintf(err, errsz, "auths \"%s\": auth is not "
			    "base64 (of user:password)", key);
			return -1;
		}
		n = EVP_DecodeBlock(dec, (const unsigned char *)s,
		    (int)strlen(s));
		if (n < 0 || memchr(dec, ':', (size_t)n) == NULL) {
			snprintf(err, errsz, "auths \"%s\": auth is not "
			    "base64 of user:password", key);
			return -1;
		}
		if (strlen(s) >= outsz)
			goto toolong;
		strcpy(out, s);
		return 1;
	}
	u = json_object_get(e, "username");
	pw = json_object_get(e, "password");
	if (json_is_string(u) && json_is_string(pw) &&
	    json_string_length(u) > 0) {
		n = snprintf(plain, sizeof(plain), "%s:%s",
		    json_string_value(u), json_string_value(pw));
		if (n < 0 || (size_t)n >= sizeof(plain) ||
		    strchr(json_string_value(u), ':') != NULL)
			goto toolong;
		if ((size_t)(4 * ((n + 2) / 3)) >= outsz)
			goto toolong;
		EVP_EncodeBlock((unsigned char *)out,
		    (const unsigned char *)plain, n);
		explicit_bzero(plain, sizeof(plain));
		return 1;
	}
	return 0;
toolong:
	snprintf(err, errsz, "auths \"%s\": credentials too long or not "
	    "user:password", key);
	return -1;
}

int
oci_auth_lookup_buf(const char *buf, size_t len, const char *host,
    char *out, size_t outsz, char *err, size_t errsz)
{
	char		 keys[4][OCI_HOST_MAX + 16];
	json_error_t	 je;
	json_t		*root, *auths, *helpers, *store, *e;
	size_t		 nkeys, i;
	int		 rc = 0, r;

	if (len > AUTH_FILE_MAX) {
		snprintf(err, errsz, "larger than %d bytes", AUTH_FILE_MAX);
		return -1;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL || !json_is_object(root)) {
		snprintf(err, errsz, "not a JSON object (line %d: %s)",
		    root == NULL ? je.line : 0,
		    root == NULL ? je.text : "not an object");
		json_decref(root);
		return -1;
	}
	nkeys = auth_keys(host, keys);
	helpers = json_object_get(root, "credHelpers");
	store = json_object_get(root, "credsStore");
	auths = json_object_get(root, "auths");
	if (auths != NULL && !json_is_object(auths)) {
		snprintf(err, errsz, "\"auths\" is not an object");
		rc = -1;
		goto out;
	}
	for (i = 0; i < nkeys; i++) {
		/* "": docker's word for the file's own auths. */
		if (json_is_object(helpers) &&
		    (e = json_object_get(helpers, keys[i])) != NULL &&
		    !(json_is_string(e) && json_string_length(e) == 0)) {
			snprintf(err, errsz, "credHelpers names a credential "
			    "helper for %s: credential helpers are not "
			    "supported here (the banger CLI runs them; or put "
			    "the credentials in \"auths\")", keys[i]);
			rc = -1;
			goto out;
		}
	}
	for (i = 0; auths != NULL && i < nkeys; i++) {
		if ((e = json_object_get(auths, keys[i])) == NULL)
			continue;
		if ((r = auth_entry(e, keys[i], out, outsz, err, errsz)) != 0) {
			rc = r;
			goto out;
		}
		/* docker's record that its credsStore holds this host. */
		if (json_is_string(store)) {
			snprintf(err, errsz, "the credentials for %s are in "
			    "the credential store \"%s\": credential helpers "
			    "are not supported here (the banger CLI runs "
			    "them)", keys[i], json_string_value(store));
			rc = -1;
			goto out;
		}
	}
out:
	json_decref(root);
	return rc;
}

int
oci_auth_lookup(const char *path, const char *host, char *out, size_t outsz,
    char *err, size_t errsz)
{
	struct stat	 st;
	char		*buf, why[384];
	ssize_t		 n;
	int		 fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > AUTH_FILE_MAX) {
		snprintf(err, errsz, "%s: not a regular file of at most %d "
		    "bytes", path, AUTH_FILE_MAX);
		close(fd);
		return -1;
	}
	if ((buf = malloc(AUTH_FILE_MAX + 1)) == NULL) {
		snprintf(err, errsz, "out of memory");
		close(fd);
		return -1;
	}
	n = read_all(fd, buf, AUTH_FILE_MAX + 1);
	close(fd);
	if (n < 0 || n > AUTH_FILE_MAX) {
		snprintf(err, errsz, "%s: %s", path, n < 0 ? strerror(errno) :
		    "grew while read");
		free(buf);
		return -1;
	}
	rc = oci_auth_lookup_buf(buf, (size_t)n, host, out, outsz, why,
	    sizeof(why));
	explicit_bzero(buf, (size_t)n);
	free(buf);
	if (rc == -1)
		snprintf(err, errsz, "%s: %s", path, why);
	return rc;
}
