/*
 * banger-fetch's OCI parsers (oci-ref.c, oci-auth.c, oci-manifest.c):
 * references as docker normalises them and the ones the grammar refuses,
 * registry challenges, the auth file's key forms and helpers, and
 * manifests, indexes and configs, good and hostile.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "oci.h"

#define D1 "sha256:0123456789abcdef0123456789abcdef" \
	"0123456789abcdef0123456789abcdef"
#define D2 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D3 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static void
ref_ok(const char *in, const char *host, const char *repo, const char *tag,
    const char *digest, int plain)
{
	struct oci_ref	 r;
	char		 err[256] = "";

	if (oci_ref_parse(in, &r, err, sizeof(err)) != 0)
		fail_msg("%s refused: %s", in, err);
	assert_string_equal(r.host, host);
	assert_string_equal(r.repo, repo);
	assert_string_equal(r.tag, tag);
	assert_string_equal(r.digest, digest);
	assert_int_equal(r.plain_http, plain);
}

static void
ref_bad(const char *in)
{
	struct oci_ref	 r;
	char		 err[256] = "";

	if (oci_ref_parse(in, &r, err, sizeof(err)) == 0)
		fail_msg("%s accepted as %s / %s : %s", in, r.host, r.repo,
		    r.tag);
	assert_true(err[0] != '\0');
}

static void
test_ref_good(void **state)
{
	(void)state;
	ref_ok("alpine", "registry-1.docker.io", "library/alpine", "latest",
	    "", 0);
	ref_ok("python:3.12-slim", "registry-1.docker.io", "library/python",
	    "3.12-slim", "", 0);
	ref_ok("docker.io/library/alpine:3.20", "registry-1.docker.io",
	    "library/alpine", "3.20", "", 0);
	ref_ok("docker.io/alpine", "registry-1.docker.io", "library/alpine",
	    "latest", "", 0);
	ref_ok("index.docker.io/foo/bar", "registry-1.docker.io", "foo/bar",
	    "latest", "", 0);
	ref_ok("user/app", "registry-1.docker.io", "user/app", "latest", "",
	    0);
	ref_ok("ghcr.io/a/b/c:v1", "ghcr.io", "a/b/c", "v1", "", 0);
	ref_ok("quay.io/x_y/a__b-c.d---e", "quay.io", "x_y/a__b-c.d---e",
	    "latest", "", 0);
	ref_ok("localhost/app", "localhost", "app", "latest", "", 1);
	ref_ok("localhost:5000/app:_T.a-g", "localhost:5000", "app", "_T.a-g",
	    "", 1);
	ref_ok("127.0.0.1:5000/a/b", "127.0.0.1:5000", "a/b", "latest", "",
	    1);
	ref_ok("127.9.8.7/a", "127.9.8.7", "a", "latest", "", 1);
	ref_ok("[::1]:5000/a", "[::1]:5000", "a", "latest", "", 1);
	ref_ok("[fe80::1]:5000/a", "[fe80::1]:5000", "a", "latest", "", 0);
	ref_ok("128.0.0.1/a", "128.0.0.1", "a", "latest", "", 0);
	ref_ok("127.0.0.1.example.com/a", "127.0.0.1.example.com", "a",
	    "latest", "", 0);
	ref_ok("localhost.example:443/a", "localhost.example:443", "a",
	    "latest", "", 0);
	ref_ok("alpine@" D1, "registry-1.docker.io", "library/alpine", "", D1,
	    0);
	ref_ok("h.io/a:t@" D1, "h.io", "a", "t", D1, 0);
}

static void
test_ref_bad(void **state)
{
	char	 big[600];

	(void)state;
	ref_bad("");
	ref_bad("Alpine");
	ref_bad("h.io/A/b");
	ref_bad("h.io/a//b");
	ref_bad("h.io/a/");
	ref_bad("/a");
	ref_bad("a/-b");
	ref_bad("a/b-");
	ref_bad("a/b._c");
	ref_bad("a/b___c");
	ref_bad("a/b..c");
	ref_bad("a:");
	ref_bad("a:.x");
	ref_bad("a:-x");
	ref_bad("a:x y");
	ref_bad("a:x/y");
	ref_bad("a@sha256:abc");
	ref_bad("a@sha512:" "0123456789abcdef0123456789abcdef0123456789"
	    "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
	    "abcdef");
	ref_bad("a@SHA256:0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcdef");
	ref_bad("a@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef"
	    "0123456789abcdef");
	ref_bad("a@" D1 "0");
	ref_bad("a@" D1 "@" D1);
	ref_bad("h.io:0/a");
	ref_bad("h.io:65536/a");
	ref_bad("h.io:/a");
	ref_bad("h.io:5x/a");
	ref_bad("-h.io/a");
	ref_bad("h_x.io/a");
	ref_bad("h..io/a");
	ref_bad("[::1/a");
	ref_bad("[zz::1]/a");
	ref_bad("user@h.io/a");
	ref_bad("a\n");
	ref_bad("a b");
	/* 129 bytes of tag. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "a:", 2);
	big[2 + 128] = '\0';
	ref_bad(big);
	big[2 + 127] = '\0';
	ref_ok(big, "registry-1.docker.io", "library/a", big + 2, "", 0);
	/* A repository of more than 255 bytes. */
	memset(big, 'a', sizeof(big));
	big[256] = '\0';
	ref_bad(big);
	big[sizeof(big) - 1] = '\0';
	ref_bad(big);
}

static void
test_loopback(void **state)
{
	(void)state;
	assert_true(oci_host_loopback("localhost"));
	assert_true(oci_host_loopback("LOCALHOST:80"));
	assert_true(oci_host_loopback("127.0.0.1"));
	assert_true(oci_host_loopback("127.255.255.254:1"));
	assert_true(oci_host_loopback("[::1]"));
	assert_true(oci_host_loopback("[::1]:5000"));
	assert_false(oci_host_loopback("127.0.0.256"));
	assert_false(oci_host_loopback("127.0.0.1.nip.io"));
	assert_false(oci_host_loopback("localhost.example"));
	assert_false(oci_host_loopback("10.0.0.1"));
	assert_false(oci_host_loopback("[::2]"));
	assert_false(oci_host_loopback("[::1]x"));
	assert_false(oci_host_loopback("0127.0.0.1"));
}

static void
test_challenge(void **state)
{
	struct oci_challenge	 c;
	char			 err[256], big[5000];

	(void)state;
	assert_int_equal(oci_challenge_parse("Bearer realm=\"https://auth."
	    "docker.io/token\",service=\"registry.docker.io\",scope="
	    "\"repository:library/alpine:pull\"", &c, err, sizeof(err)), 0);
	assert_int_equal(c.scheme, OCI_AUTH_BEARER);
	assert_string_equal(c.realm, "https://auth.docker.io/token");
	assert_string_equal(c.service, "registry.docker.io");
	assert_string_equal(c.scope, "repository:library/alpine:pull");
	/* Any order, spaces, escapes, unknown parameters, tokens. */
	assert_int_equal(oci_challenge_parse("bearer  service = \"a \\\"b\\\""
	    "\" , error=insufficient_scope,realm=\"https://r/t\"", &c, err,
	    sizeof(err)), 0);
	assert_string_equal(c.realm, "https://r/t");
	assert_string_equal(c.service, "a \"b\"");
	assert_string_equal(c.scope, "");
	assert_int_equal(oci_challenge_parse("Basic realm=\"Registry\"", &c,
	    err, sizeof(err)), 0);
	assert_int_equal(c.scheme, OCI_AUTH_BASIC);
	assert_int_equal(oci_challenge_parse("Basic", &c, err, sizeof(err)),
	    0);
	/* Refused. */
	assert_int_equal(oci_challenge_parse("Bearer service=\"x\"", &c, err,
	    sizeof(err)), -1);
	assert_int_equal(oci_challenge_parse("Digest realm=\"x\"", &c, err,
	    sizeof(err)), -1);
	assert_int_equal(oci_challenge_parse("Bearerrealm=\"x\"", &c, err,
	    sizeof(err)), -1);
	assert_int_equal(oci_challenge_parse("Bearer realm=\"x", &c, err,
	    sizeof(err)), -1);
	assert_int_equal(oci_challenge_parse("Bearer realm=\"x\" y", &c, err,
	    sizeof(err)), -1);
	assert_int_equal(oci_challenge_parse("Bearer realm=\"a\rb\"", &c, err,
	    sizeof(err)), -1);
	assert_int_equal(oci_challenge_parse("Bearer realm=", &c, err,
	    sizeof(err)), -1);
	assert_int_equal(oci_challenge_parse("Bearer =x", &c, err,
	    sizeof(err)), -1);
	/* A realm too long for its field, and a header too long. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "Bearer realm=\"", 14);
	strcpy(big + 14 + 600, "\"");
	assert_int_equal(oci_challenge_parse(big, &c, err, sizeof(err)), -1);
	memset(big, ' ', sizeof(big));
	memcpy(big, "Bearer realm=x", 14);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(oci_challenge_parse(big, &c, err, sizeof(err)), -1);
	/* Too many parameters. */
	assert_int_equal(oci_challenge_parse("Bearer realm=r,a=1,b=1,c=1,d=1,"
	    "e=1,f=1,g=1,h=1,i=1,j=1,k=1,l=1,m=1,n=1,o=1,p=1", &c, err,
	    sizeof(err)), -1);
	assert_int_equal(oci_challenge_parse("Bearer realm=r,a=1,b=1,c=1,d=1,"
	    "e=1,f=1,g=1,h=1,i=1,j=1,k=1,l=1,m=1,n=1,o=1", &c, err,
	    sizeof(err)), 0);
}

static int
lookup(const char *json, const char *host, char *out, char *err)
{
	err[0] = out[0] = '\0';
	return oci_auth_lookup_buf(json, strlen(json), host, out, 512, err,
	    256);
}

static void
test_auth(void **state)
{
	char	 out[512], err[256], key[600], json[1024];
	const char *forms[] = { "h.io:5000", "https://h.io:5000",
	    "http://h.io:5000", "https://h.io:5000/v1/" };
	size_t	 i;

	(void)state;
	for (i = 0; i < 4; i++) {
		snprintf(json, sizeof(json), "{\"auths\": {\"other\": {\"auth\": "
		    "\"eDp5\"}, \"%s\": {\"auth\": \"dTpw\"}}}", forms[i]);
		assert_int_equal(lookup(json, "h.io:5000", out, err), 1);
		assert_string_equal(out, "dTpw");
		assert_int_equal(lookup(json, "h.io", out, err), 0);
	}
	assert_int_equal(lookup("{\"auths\": {\"https://index.docker.io/v1/\": "
	    "{\"auth\": \"dTpw\"}}}", "registry-1.docker.io", out, err), 1);
	assert_string_equal(out, "dTpw");
	assert_int_equal(lookup("{\"auths\": {\"docker.io\": {\"auth\": "
	    "\"dTpw\"}}}", "registry-1.docker.io", out, err), 1);
	/* username and password fields. */
	assert_int_equal(lookup("{\"auths\": {\"h\": {\"username\": \"u\", "
	    "\"password\": \"p\"}}}", "h", out, err), 1);
	assert_string_equal(out, "dTpw");
	assert_int_equal(lookup("{}", "h", out, err), 0);
	assert_int_equal(lookup("{\"auths\": {}}", "h", out, err), 0);
	assert_int_equal(lookup("{\"auths\": {\"h\": {}}}", "h", out, err), 0);
	/* Helpers: a clear error. */
	assert_int_equal(lookup("{\"credHelpers\": {\"h\": \"gcr\"}}", "h",
	    out, err), -1);
	assert_non_null(strstr(err, "not supported"));
	assert_int_equal(lookup("{\"auths\": {\"h\": {}}, \"credsStore\": "
	    "\"desktop\"}", "h", out, err), -1);
	assert_non_null(strstr(err, "not supported"));
	assert_int_equal(lookup("{\"auths\": {}, \"credsStore\": \"desktop\"}",
	    "h", out, err), 0);
	/* Malformed. */
	assert_int_equal(lookup("[]", "h", out, err), -1);
	assert_int_equal(lookup("{\"auths\": []}", "h", out, err), -1);
	assert_int_equal(lookup("{\"auths\": {\"h\": \"x\"}}", "h", out, err),
	    -1);
	assert_int_equal(lookup("{\"auths\": {\"h\": {\"auth\": \"!!!!\"}}}",
	    "h", out, err), -1);
	/* base64 of "nocolon". */
	assert_int_equal(lookup("{\"auths\": {\"h\": {\"auth\": \"bm9jb2xvbg=="
	    "\"}}}", "h", out, err), -1);
	assert_int_equal(lookup("{\"auths\": {\"h\": {\"auth\": \"dTpw\"}, "
	    "\"h\": {\"auth\": \"eDp5\"}}}", "h", out, err), -1);
	assert_int_equal(lookup("{\"auths\": ", "h", out, err), -1);
	/* A key longer than any host is just not found. */
	memset(key, 'a', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	(void)snprintf(json, sizeof(json), "{\"auths\": {\"%.500s\": {}}}",
	    key);
	assert_int_equal(lookup(json, "h", out, err), 0);
	/* The file form: absent is none. */
	assert_int_equal(oci_auth_lookup("/nonexistent/auth.json", "h", out,
	    sizeof(out), err, sizeof(err)), 0);
	assert_int_equal(oci_auth_lookup("/", "h", out, sizeof(out), err,
	    sizeof(err)), -1);
}

#define LAYER(mt, d, s) \
	"{\"mediaType\": \"" mt "\", \"digest\": \"" d "\", \"size\": " s "}"
#define GZ "application/vnd.oci.image.layer.v1.tar+gzip"
#define CFG(d, s) "\"config\": {\"mediaType\": " \
	"\"application/vnd.oci.image.config.v1+json\", \"digest\": \"" d \
	"\", \"size\": " s "}"

static int
man(const char *body, struct oci_manifest *m, char *err)
{
	err[0] = '\0';
	return oci_manifest_parse(body, strlen(body), m, err, 256);
}

static void
test_manifest(void **state)
{
	struct oci_manifest	 m;
	char			 err[256], *big;
	size_t			 i, n;

	(void)state;
	assert_int_equal(man("{\"schemaVersion\": 2, \"mediaType\": "
	    "\"application/vnd.oci.image.manifest.v1+json\", " CFG(D1, "100")
	    ", \"layers\": [" LAYER(GZ, D2, "17179869184") ", "
	    LAYER("application/vnd.oci.image.layer.v1.tar+zstd", D3, "0") ", "
	    LAYER("application/vnd.oci.image.layer.v1.tar", D1, "5") ", "
	    LAYER("application/vnd.docker.image.rootfs.diff.tar.gzip", D1, "5")
	    "], \"annotations\": {\"x\": \"y\"}}", &m, err), 0);
	assert_string_equal(m.config.digest, D1);
	assert_int_equal(m.config.size, 100);
	assert_int_equal(m.nlayers, 4);
	assert_int_equal(m.layers[0].size, 17179869184ull);
	assert_int_equal(m.layers[0].comp, OCI_COMP_GZIP);
	assert_int_equal(m.layers[1].comp, OCI_COMP_ZSTD);
	assert_int_equal(m.layers[2].comp, OCI_COMP_NONE);
	assert_int_equal(m.layers[3].comp, OCI_COMP_GZIP);
	/* docker's own types, no mediaType at the top. */
	assert_int_equal(man("{\"schemaVersion\": 2, \"config\": {\"mediaType\":"
	    " \"application/vnd.docker.container.image.v1+json\", \"digest\": \""
	    D1 "\", \"size\": 1}, \"layers\": [" LAYER(GZ, D2, "1") "]}", &m,
	    err), 0);
#define BAD(body, what) do { \
	assert_int_equal(man(body, &m, err), -1); \
	if (strstr(err, what) == NULL) \
		fail_msg("%s: %s", body, err); \
	assert_int_equal(m.nlayers, 0); \
} while (0)
	BAD("{\"schemaVersion\": 1, " CFG(D1, "1") ", \"layers\": ["
	    LAYER(GZ, D2, "1") "]}", "schema 1");
	BAD("{\"schemaVersion\": \"2\", " CFG(D1, "1") ", \"layers\": ["
	    LAYER(GZ, D2, "1") "]}", "schemaVersion");
	BAD("{\"schemaVersion\": 2, " CFG(D1, "1") ", \"layers\": ["
	    LAYER(GZ, D2, "17179869185") "]}", "size");
	BAD("{\"schemaVersion\": 2, " CFG(D1, "1") ", \"layers\": ["
	    LAYER(GZ, D2, "-1") "]}", "size");
	BAD("{\"schemaVersion\": 2, " CFG(D1, "1") ", \"layers\": ["
	    LAYER(GZ, D2, "1.5") "]}", "size");
	BAD("{\"schemaVersion\": 2, " CFG(D1, "1") ", \"layers\": ["
	    LAYER(GZ, D2, "99999999999999999999999") "]}", "JSON");
	BAD("{\"schemaVersion\": 2, " CFG(D1, "4194305") ", \"layers\": ["
	    LAYER(GZ, D2, "1") "]}", "config's size");
	BAD("{\"schemaVersion\": 2, " CFG("sha256:12", "1") ", \"layers\": ["
	    LAYER(GZ, D2, "1") "]}", "digest");
	BAD("{\"schemaVersion\": 2, " CFG(D1, "1") ", \"layers\": ["
	    LAYER(GZ, "sha512:00", "1") "]}", "digest");
	BAD("{\"schemaVersion\": 2, " CFG(D1, "1") ", \"layers\": ["
	    "{\"mediaType\": \"" GZ "\", \"size\": 1}]}", "digest");
	BAD("{\"schemaVersion\": 2, " CFG(D1, "1") ", \"layers\": ["
	    "{\"mediaType\": \"" GZ "\", \"digest\": \"" D1 "\"}]}", "size");
	BAD("{\"schemaVersion\": 2, " CFG(D1, "1") ", \"layers\": ["
	    LAYER("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
	    D2, "1") "]}", "foreign");
	BAD("{\"schemaVersion\": 2, " CFG(D1, "1") ", \"layers\": ["
	    LAYER("application/vnd.oci.image.layer.v1.tar+gzip+encrypted",
	    D2, "1") "]}", "encrypted");
	BAD("{\"schemaVersion\": 2, " CFG(D1, "1") ", \"layers\": ["
	    LAYER("application/x-tar", D2, "1") "]}", "media type");
	BAD("{\"schemaVersion\": 2, " CFG(D1, "1") ", \"layers\": []}",
	    "layers");
	BAD("{\"schemaVersion\": 2, " CFG(D1, "1") ", \"layers\": {}}",
	    "layers");
	BAD("{\"schemaVersion\": 2, " CFG(D1, "1") ", \"layers\": [1]}",
	    "not an object");
	BAD("{\"schemaVersion\": 2, \"layers\": [" LAYER(GZ, D2, "1") "]}",
	    "config");
	BAD("{\"schemaVersion\": 2, \"config\": {\"mediaType\": \"application/"
	    "vnd.cncf.helm.config.v1+json\", \"digest\": \"" D1 "\", \"size\": "
	    "1}, \"layers\": [" LAYER(GZ, D2, "1") "]}", "not a container");
	BAD("{\"schemaVersion\": 2, \"mediaType\": \"application/vnd.oci.image."
	    "index.v1+json\", " CFG(D1, "1") ", \"layers\": [" LAYER(GZ, D2,
	    "1") "]}", "not an image manifest");
	BAD("{\"schemaVersion\": 2, \"schemaVersion\": 2, " CFG(D1, "1")
	    ", \"layers\": [" LAYER(GZ, D2, "1") "]}", "JSON");
	BAD("[2]", "object");
	BAD("{\"schemaVersion\": 2, " CFG(D1, "1") ", \"layers\": ["
	    LAYER(GZ, D2, "1") "]", "JSON");
	/* 129 layers, and 128. */
	n = 200 + 129 * 256;
	big = malloc(n);
	assert_non_null(big);
	strcpy(big, "{\"schemaVersion\": 2, " CFG(D1, "1") ", \"layers\": [");
	for (i = 0; i < 129; i++)
		strcat(big, i == 0 ? LAYER(GZ, D2, "1") : "," LAYER(GZ, D2,
		    "1"));
	strcat(big, "]}");
	assert_int_equal(man(big, &m, err), -1);
	assert_non_null(strstr(err, "layers"));
	strcpy(strrchr(big, '{') - 1, "]}");
	assert_int_equal(man(big, &m, err), 0);
	assert_int_equal(m.nlayers, 128);
	free(big);
	/* Larger than OCI_MANIFEST_MAX: refused before parsing. */
	assert_int_equal(oci_manifest_parse("{}", OCI_MANIFEST_MAX + 1, &m,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "larger"));
}

#define ENTRY(mt, os, arch, d) "{\"mediaType\": \"" mt "\", \"digest\": \"" \
	d "\", \"size\": 500, \"platform\": {\"os\": \"" os "\", " \
	"\"architecture\": \"" arch "\"}}"
#define OM "application/vnd.oci.image.manifest.v1+json"
#define OI "application/vnd.oci.image.index.v1+json"

static void
test_index(void **state)
{
	struct oci_desc	 d;
	char		 err[256];
	const char	*s;

	(void)state;
	s = "{\"schemaVersion\": 2, \"mediaType\": \"" OI "\", \"manifests\": ["
	    ENTRY(OM, "unknown", "unknown", D1) ","
	    ENTRY(OM, "linux", "arm64", D1) ","
	    ENTRY(OI, "linux", "amd64", D1) ","
	    ENTRY(OM, "linux", "amd64", D2) ","
	    ENTRY(OM, "linux", "amd64", D3) "]}";
	assert_int_equal(oci_index_pick(s, strlen(s), &d, err, sizeof(err)),
	    0);
	assert_string_equal(d.digest, D2);
	assert_int_equal(d.size, 500);
	s = "{\"schemaVersion\": 2, \"mediaType\": \"application/vnd.docker."
	    "distribution.manifest.list.v2+json\", \"manifests\": ["
	    ENTRY("application/vnd.docker.distribution.manifest.v2+json",
	    "linux", "amd64", D3) "]}";
	assert_int_equal(oci_index_pick(s, strlen(s), &d, err, sizeof(err)),
	    0);
	assert_string_equal(d.digest, D3);
	/* No amd64: the error names what there is. */
	s = "{\"schemaVersion\": 2, \"manifests\": ["
	    ENTRY(OM, "unknown", "unknown", D1) ","
	    ENTRY(OM, "linux", "arm64", D1) ","
	    ENTRY(OM, "windows", "amd64", D1) "]}";
	assert_int_equal(oci_index_pick(s, strlen(s), &d, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "linux/arm64, windows/amd64"));
	assert_null(strstr(err, "unknown"));
	s = "{\"schemaVersion\": 2, \"manifests\": ["
	    ENTRY(OM, "linux", "amd64", "sha256:00") "]}";
	assert_int_equal(oci_index_pick(s, strlen(s), &d, err, sizeof(err)),
	    -1);
	s = "{\"schemaVersion\": 2, \"manifests\": [{\"mediaType\": \"" OM
	    "\", \"digest\": \"" D1 "\", \"size\": 4194305, \"platform\": "
	    "{\"os\": \"linux\", \"architecture\": \"amd64\"}}]}";
	assert_int_equal(oci_index_pick(s, strlen(s), &d, err, sizeof(err)),
	    -1);
	s = "{\"schemaVersion\": 2, \"manifests\": {}}";
	assert_int_equal(oci_index_pick(s, strlen(s), &d, err, sizeof(err)),
	    -1);
	s = "{\"schemaVersion\": 2, \"mediaType\": \"" OM "\", \"manifests\": "
	    "[]}";
	assert_int_equal(oci_index_pick(s, strlen(s), &d, err, sizeof(err)),
	    -1);
	s = "{\"manifests\": [" ENTRY(OM, "linux", "amd64", D1) "]}";
	assert_int_equal(oci_index_pick(s, strlen(s), &d, err, sizeof(err)),
	    -1);
	/* Entries that are not objects are skipped, not followed. */
	s = "{\"schemaVersion\": 2, \"manifests\": [1, \"x\", {\"platform\": "
	    "3}, " ENTRY(OM, "linux", "amd64", D2) "]}";
	assert_int_equal(oci_index_pick(s, strlen(s), &d, err, sizeof(err)),
	    0);
	assert_string_equal(d.digest, D2);
}

static void
test_kind(void **state)
{
	char		 err[256];
	const char	*m = "{\"schemaVersion\": 2, \"config\": {}}";
	const char	*i = "{\"schemaVersion\": 2, \"manifests\": []}";
	const char	*t = "{\"schemaVersion\": 2, \"mediaType\": \"" OI
	    "\", \"config\": {}}";

	(void)state;
	assert_int_equal(oci_manifest_kind(OM, m, strlen(m), err, sizeof(err)),
	    OCI_KIND_MANIFEST);
	assert_int_equal(oci_manifest_kind(OI "; charset=utf-8", m, strlen(m),
	    err, sizeof(err)), OCI_KIND_INDEX);
	assert_int_equal(oci_manifest_kind("application/json", i, strlen(i),
	    err, sizeof(err)), OCI_KIND_INDEX);
	assert_int_equal(oci_manifest_kind(NULL, m, strlen(m), err,
	    sizeof(err)), OCI_KIND_MANIFEST);
	/* The body's own type wins over the header's. */
	assert_int_equal(oci_manifest_kind(OM, t, strlen(t), err, sizeof(err)),
	    OCI_KIND_INDEX);
	assert_int_equal(oci_manifest_kind("application/vnd.docker."
	    "distribution.manifest.v1+prettyjws", m, strlen(m), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "schema 1"));
	assert_int_equal(oci_manifest_kind(NULL, "{\"schemaVersion\": 1}", 20,
	    err, sizeof(err)), -1);
	assert_int_equal(oci_manifest_kind(NULL, "{\"schemaVersion\": 2}", 20,
	    err, sizeof(err)), -1);
	assert_int_equal(oci_manifest_kind("application/vnd.oci.artifact."
	    "manifest.v1+json", "{\"schemaVersion\": 2, \"mediaType\": \"x\"}",
	    37, err, sizeof(err)), -1);
}

static int
cfg(const char *body, struct oci_config *c, char *err)
{
	err[0] = '\0';
	return oci_config_parse(body, strlen(body), c, err, 256);
}

static void
test_config(void **state)
{
	struct oci_config	 c;
	char			 err[256], *big;
	size_t			 i;

	(void)state;
	assert_int_equal(cfg("{\"architecture\": \"amd64\", \"os\": \"linux\", "
	    "\"config\": {\"Env\": [\"PATH=/usr/bin:/bin\", \"A=\", \"B=x=y\"],"
	    " \"WorkingDir\": \"/srv/app\", \"User\": \"1000:1000\", "
	    "\"Cmd\": [\"sh\"]}, \"rootfs\": {}}", &c, err), 0);
	assert_int_equal(c.nenv, 3);
	assert_string_equal(c.env[0], "PATH=/usr/bin:/bin");
	assert_string_equal(c.env[1], "A=");
	assert_string_equal(c.env[2], "B=x=y");
	assert_string_equal(c.workdir, "/srv/app");
	assert_string_equal(c.user, "1000:1000");
	assert_string_equal(c.os, "linux");
	assert_string_equal(c.arch, "amd64");
	oci_config_free(&c);
	assert_int_equal(c.nenv, 0);
	assert_int_equal(cfg("{\"architecture\": \"arm64\", \"os\": \"linux\", "
	    "\"config\": null}", &c, err), 0);
	assert_string_equal(c.arch, "arm64");
	assert_int_equal(cfg("{\"config\": {\"Env\": null, \"WorkingDir\": "
	    "\"\"}}", &c, err), 0);
	assert_string_equal(c.workdir, "");
	assert_string_equal(c.os, "");
#define CBAD(body) do { \
	assert_int_equal(cfg(body, &c, err), -1); \
	assert_true(err[0] != '\0'); \
	assert_int_equal(c.nenv, 0); \
} while (0)
	CBAD("{\"config\": {\"Env\": [\"A=1\", \"NOEQUALS\"]}}");
	CBAD("{\"config\": {\"Env\": [\"A=1\", \"=x\"]}}");
	CBAD("{\"config\": {\"Env\": [\"A=1\", 3]}}");
	CBAD("{\"config\": {\"Env\": \"A=1\"}}");
	CBAD("{\"config\": {\"Env\": [\"A=\\u0000\"]}}");
	CBAD("{\"config\": {\"WorkingDir\": \"relative\"}}");
	CBAD("{\"config\": {\"WorkingDir\": 1}}");
	CBAD("{\"config\": {\"User\": [\"root\"]}}");
	CBAD("{\"config\": {\"User\": \"a\\nb\"}}");
	CBAD("{\"config\": []}");
	CBAD("{\"os\": 1}");
	CBAD("{\"os\": \"linuxlinuxlinuxlinuxlinuxlinuxlinux\"}");
	CBAD("[]");
	/* 257 Env entries, and one of more than 32 KiB. */
	big = malloc(64 * 1024);
	assert_non_null(big);
	strcpy(big, "{\"config\": {\"Env\": [");
	for (i = 0; i < 257; i++)
		strcat(big, i == 0 ? "\"A=1\"" : ",\"A=1\"");
	strcat(big, "]}}");
	CBAD(big);
	strcpy(big, "{\"config\": {\"Env\": [\"A=");
	memset(big + strlen(big), 'x', 33 * 1024);
	strcpy(big + 23 + 33 * 1024, "\"]}}");
	CBAD(big);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ref_good),
		cmocka_unit_test(test_ref_bad),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_challenge),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_kind),
		cmocka_unit_test(test_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
