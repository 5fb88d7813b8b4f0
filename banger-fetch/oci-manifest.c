/*
 * Image manifests, indexes (manifest lists) and image configs, as a
 * registry sends them: hostile JSON.  Each is parsed by jansson with
 * duplicate keys refused, then only the fields banger uses are taken,
 * each checked for type, range and form.  What banger cannot pull
 * (schema 1, foreign or encrypted layers, artifacts that are not images)
 * is refused by name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "oci.h"

#define MT_OCI_MANIFEST	"application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX	"application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_MANIFEST \
	"application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST \
	"application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_V1	"application/vnd.docker.distribution.manifest.v1"
#define LAYER_MAX	(16ull * 1024 * 1024 * 1024)
#define INDEX_ENTRIES_MAX 1024
#define ENV_ENTRY_MAX	(32 * 1024)

static const struct {
	const char	*type;
	enum oci_comp	 comp;
} layer_types[] = {
	{ "application/vnd.oci.image.layer.v1.tar", OCI_COMP_NONE },
	{ "application/vnd.oci.image.layer.v1.tar+gzip", OCI_COMP_GZIP },
	{ "application/vnd.oci.image.layer.v1.tar+zstd", OCI_COMP_ZSTD },
	{ "application/vnd.docker.image.rootfs.diff.tar", OCI_COMP_NONE },
	{ "application/vnd.docker.image.rootfs.diff.tar.gzip", OCI_COMP_GZIP },
	{ "application/vnd.docker.image.rootfs.diff.tar.zstd", OCI_COMP_ZSTD },
};

static json_t *
load(const char *what, const char *buf, size_t len, size_t max, char *err,
    size_t errsz)
{
	json_error_t	 je;
	json_t		*j;

	if (len > max) {
		snprintf(err, errsz, "the %s is larger than %zu bytes", what,
		    max);
		return NULL;
	}
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL) {
		snprintf(err, errsz, "the %s is not JSON (line %d column %d)",
		    what, je.line, je.column);
		return NULL;
	}
	if (!json_is_object(j)) {
		snprintf(err, errsz, "the %s is not a JSON object", what);
		json_decref(j);
		return NULL;
	}
	return j;
}

/* A string member or NULL; absent is "", anything else fails. */
static const char *
opt_string(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	if (v == NULL)
		return "";
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int
schema2(json_t *j, const char *what, char *err, size_t errsz)
{
	json_t	*v = json_object_get(j, "schemaVersion");

	if (json_is_integer(v) && json_integer_value(v) == 2)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) == 1)
		snprintf(err, errsz, "the %s is docker schema 1, which banger "
		    "does not pull (push the image again with a current "
		    "client)", what);
	else
		snprintf(err, errsz, "the %s has no schemaVersion 2", what);
	return -1;
}

/* The mediaType part of a Content-Type, without parameters. */
static size_t
type_len(const char *t)
{
	size_t	 n = strcspn(t, "; \t");

	return n;
}

static int
type_is(const char *t, const char *mt)
{
	return type_len(t) == strlen(mt) && strncasecmp(t, mt,
	    strlen(mt)) == 0;
}

int
oci_manifest_kind(const char *ctype, const char *buf, size_t len, char *err,
    size_t errsz)
{
	json_t		*j;
	const char	*mt;
	int		 kind = -1;

	if (ctype != NULL && strncasecmp(ctype, MT_DOCKER_V1,
	    strlen(MT_DOCKER_V1)) == 0) {
		snprintf(err, errsz, "the registry sent a docker schema 1 "
		    "manifest, which banger does not pull");
		return -1;
	}
	if ((j = load("manifest", buf, len, OCI_MANIFEST_MAX, err,
	    errsz)) == NULL)
		return -1;
	if ((mt = opt_string(j, "mediaType")) == NULL) {
		snprintf(err, errsz, "the manifest's mediaType is not a "
		    "string");
		goto out;
	}
	if (schema2(j, "manifest", err, errsz) == -1)
		goto out;
	/* The body's own mediaType, else the header's, else the shape. */
	if (*mt == '\0' && ctype != NULL && (type_is(ctype, MT_OCI_MANIFEST) ||
	    type_is(ctype, MT_OCI_INDEX) || type_is(ctype, MT_DOCKER_MANIFEST)
	    || type_is(ctype, MT_DOCKER_LIST)))
		mt = ctype;
	if (*mt == '\0') {
		if (json_object_get(j, "manifests") != NULL &&
		    json_object_get(j, "layers") == NULL)
			kind = OCI_KIND_INDEX;
		else if (json_object_get(j, "config") != NULL)
			kind = OCI_KIND_MANIFEST;
	} else if (type_is(mt, MT_OCI_MANIFEST) ||
	    type_is(mt, MT_DOCKER_MANIFEST))
		kind = OCI_KIND_MANIFEST;
	else if (type_is(mt, MT_OCI_INDEX) || type_is(mt, MT_DOCKER_LIST))
		kind = OCI_KIND_INDEX;
	if (kind == -1)
		snprintf(err, errsz, "the registry sent a manifest of a kind "
		    "banger does not pull (%.80s)", *mt != '\0' ? mt :
		    "no mediaType");
out:
	json_decref(j);
	return kind;
}

/* digest and size of a descriptor, size at most max. */
static int
desc_parse(json_t *d, const char *what, uint64_t max, struct oci_desc *out,
    char *err, size_t errsz)
{
	json_t		*dg, *sz;
	json_int_t	 n;

	if (!json_is_object(d)) {
		snprintf(err, errsz, "the %s descriptor is not an object",
		    what);
		return -1;
	}
	dg = json_object_get(d, "digest");
	if (!json_is_string(dg) || !oci_digest_valid(json_string_value(dg))) {
		snprintf(err, errsz, "the %s has no sha256 digest (64 "
		    "lower-case hex digits)", what);
		return -1;
	}
	sz = json_object_get(d, "size");
	if (!json_is_integer(sz) || (n = json_integer_value(sz)) < 0 ||
	    (uint64_t)n > max) {
		snprintf(err, errsz, "the %s's size is not an integer from 0 "
		    "to %llu", what, (unsigned long long)max);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	strcpy(out->digest, json_string_value(dg));
	out->size = (uint64_t)n;
	return 0;
}

static int
layer_type(const char *mt, enum oci_comp *comp, size_t i, char *err,
    size_t errsz)
{
	size_t	 k;

	for (k = 0; k < sizeof(layer_types) / sizeof(layer_types[0]); k++)
		if (strcmp(mt, layer_types[k].type) == 0) {
			*comp = layer_types[k].comp;
			return 0;
		}
	if (strstr(mt, "foreign") != NULL ||
	    strstr(mt, "nondistributable") != NULL)
		snprintf(err, errsz, "layer %zu is a foreign layer (%.80s), "
		    "which banger does not fetch", i, mt);
	else if (strstr(mt, "encrypted") != NULL)
		snprintf(err, errsz, "layer %zu is encrypted (%.80s), which "
		    "banger does not support", i, mt);
	else
		snprintf(err, errsz, "layer %zu has a media type banger does "
		    "not apply (%.80s)", i, *mt != '\0' ? mt : "none");
	return -1;
}

int
oci_manifest_parse(const char *buf, size_t len, struct oci_manifest *m,
    char *err, size_t errsz)
{
	json_t		*j, *cfg, *layers, *l;
	const char	*mt;
	char		 what[32];
	size_t		 i;
	int		 rc = -1;

	memset(m, 0, sizeof(*m));
	if ((j = load("manifest", buf, len, OCI_MANIFEST_MAX, err,
	    errsz)) == NULL)
		return -1;
	if (schema2(j, "manifest", err, errsz) == -1)
		goto out;
	mt = opt_string(j, "mediaType");
	if (mt == NULL || (*mt != '\0' && strcmp(mt, MT_OCI_MANIFEST) != 0 &&
	    strcmp(mt, MT_DOCKER_MANIFEST) != 0)) {
		snprintf(err, errsz, "not an image manifest (mediaType "
		    "%.80s)", mt != NULL ? mt : "not a string");
		goto out;
	}
	cfg = json_object_get(j, "config");
	if (desc_parse(cfg, "config", OCI_CONFIG_MAX, &m->config, err,
	    errsz) == -1)
		goto out;
	mt = opt_string(cfg, "mediaType");
	if (mt == NULL || (strcmp(mt, "application/vnd.oci.image.config.v1+json")
	    != 0 && strcmp(mt, "application/vnd.docker.container.image.v1+json")
	    != 0)) {
		snprintf(err, errsz, "not a container image (its config is "
		    "%.80s)", mt != NULL && *mt != '\0' ? mt : "untyped");
		goto out;
	}
	layers = json_object_get(j, "layers");
	if (!json_is_array(layers) || json_array_size(layers) == 0 ||
	    json_array_size(layers) > OCI_LAYERS_MAX) {
		snprintf(err, errsz, "the manifest's layers are not an array "
		    "of 1 to %d descriptors", OCI_LAYERS_MAX);
		goto out;
	}
	json_array_foreach(layers, i, l) {
		snprintf(what, sizeof(what), "layer %zu", i);
		if (desc_parse(l, what, LAYER_MAX, &m->layers[i], err,
		    errsz) == -1)
			goto out;
		if ((mt = opt_string(l, "mediaType")) == NULL)
			mt = "";
		if (layer_type(mt, &m->layers[i].comp, i, err, errsz) == -1)
			goto out;
	}
	m->nlayers = json_array_size(layers);
	rc = 0;
out:
	if (rc == -1)
		memset(m, 0, sizeof(*m));
	json_decref(j);
	return rc;
}

int
oci_index_pick(const char *buf, size_t len, struct oci_desc *d, char *err,
    size_t errsz)
{
	json_t		*j, *ms, *e, *p;
	const char	*os, *arch, *mt;
	char		 seen[256];
	size_t		 i, n = 0;
	int		 rc = -1;

	memset(d, 0, sizeof(*d));
	seen[0] = '\0';
	if ((j = load("index", buf, len, OCI_MANIFEST_MAX, err,
	    errsz)) == NULL)
		return -1;
	if (schema2(j, "index", err, errsz) == -1)
		goto out;
	mt = opt_string(j, "mediaType");
	if (mt == NULL || (*mt != '\0' && strcmp(mt, MT_OCI_INDEX) != 0 &&
	    strcmp(mt, MT_DOCKER_LIST) != 0)) {
		snprintf(err, errsz, "not an image index (mediaType %.80s)",
		    mt != NULL ? mt : "not a string");
		goto out;
	}
	ms = json_object_get(j, "manifests");
	if (!json_is_array(ms) || json_array_size(ms) > INDEX_ENTRIES_MAX) {
		snprintf(err, errsz, "the index's manifests are not an array "
		    "of at most %d", INDEX_ENTRIES_MAX);
		goto out;
	}
	json_array_foreach(ms, i, e) {
		if (!json_is_object(e) ||
		    !json_is_object(p = json_object_get(e, "platform")))
			continue;
		os = opt_string(p, "os");
		arch = opt_string(p, "architecture");
		mt = opt_string(e, "mediaType");
		if (os == NULL || arch == NULL || mt == NULL)
			continue;
		/* Attestations and other artifacts: not an image to run. */
		if (strcmp(os, "unknown") == 0 || (*mt != '\0' &&
		    strcmp(mt, MT_OCI_MANIFEST) != 0 &&
		    strcmp(mt, MT_DOCKER_MANIFEST) != 0))
			continue;
		if (strcmp(os, "linux") == 0 && strcmp(arch, "amd64") == 0) {
			rc = desc_parse(e, "linux/amd64 manifest",
			    OCI_MANIFEST_MAX, d, err, errsz);
			goto out;
		}
		if (n++ < 8 && strlen(seen) + strlen(os) + strlen(arch) + 3 <
		    sizeof(seen))
			snprintf(seen + strlen(seen), sizeof(seen) -
			    strlen(seen), "%s%.40s/%.40s", seen[0] != '\0' ?
			    ", " : "", os, arch);
	}
	snprintf(err, errsz, "the image has no linux/amd64 manifest (it has "
	    "%s)", seen[0] != '\0' ? seen : "no image for any platform");
out:
	json_decref(j);
	return rc;
}

static int
env_valid(const char *s, size_t len)
{
	const char	*eq = memchr(s, '=', len);

	return eq != NULL && eq != s && len <= ENV_ENTRY_MAX &&
	    strlen(s) == len;
}

static int
short_string(json_t *o, const char *key, char *dst, size_t dstsz)
{
	const char	*s = opt_string(o, key);

	if (s == NULL || strlen(s) >= dstsz)
		return -1;
	strcpy(dst, s);
	return 0;
}

int
oci_config_parse(const char *buf, size_t len, struct oci_config *c,
    char *err, size_t errsz)
{
	json_t		*j, *cf, *env, *e;
	size_t		 i, k;

	memset(c, 0, sizeof(*c));
	if ((j = load("image config", buf, len, OCI_CONFIG_MAX, err,
	    errsz)) == NULL)
		return -1;
	if (short_string(j, "os", c->os, sizeof(c->os)) == -1 ||
	    short_string(j, "architecture", c->arch, sizeof(c->arch)) == -1) {
		snprintf(err, errsz, "the image config's os or architecture "
		    "is not a short string");
		goto bad;
	}
	cf = json_object_get(j, "config");
	if (cf == NULL || json_is_null(cf)) {
		json_decref(j);
		return 0;
	}
	if (!json_is_object(cf)) {
		snprintf(err, errsz, "the image config's config is not an "
		    "object");
		goto bad;
	}
	if (short_string(cf, "WorkingDir", c->workdir, sizeof(c->workdir)) ==
	    -1 || (c->workdir[0] != '\0' && c->workdir[0] != '/')) {
		snprintf(err, errsz, "the image's WorkingDir is not an "
		    "absolute path shorter than %zu bytes", sizeof(c->workdir));
		goto bad;
	}
	if (short_string(cf, "User", c->user, sizeof(c->user)) == -1) {
		snprintf(err, errsz, "the image's User is not a string shorter "
		    "than %zu bytes", sizeof(c->user));
		goto bad;
	}
	for (k = 0; c->user[k] != '\0'; k++)
		if ((unsigned char)c->user[k] < 0x20 || c->user[k] == 0x7f) {
			snprintf(err, errsz, "the image's User has a control "
			    "character");
			goto bad;
		}
	env = json_object_get(cf, "Env");
	if (env == NULL || json_is_null(env)) {
		json_decref(j);
		return 0;
	}
	if (!json_is_array(env) || json_array_size(env) > OCI_ENV_MAX) {
		snprintf(err, errsz, "the image's Env is not an array of at "
		    "most %d strings", OCI_ENV_MAX);
		goto bad;
	}
	json_array_foreach(env, i, e) {
		if (!json_is_string(e) || !env_valid(json_string_value(e),
		    json_string_length(e))) {
			snprintf(err, errsz, "the image's Env entry %zu is not "
			    "KEY=value of at most %d bytes", i, ENV_ENTRY_MAX);
			goto bad;
		}
		if ((c->env[i] = strdup(json_string_value(e))) == NULL) {
			snprintf(err, errsz, "out of memory");
			goto bad;
		}
		c->nenv = i + 1;
	}
	json_decref(j);
	return 0;
bad:
	json_decref(j);
	oci_config_free(c);
	return -1;
}

void
oci_config_free(struct oci_config *c)
{
	size_t	 i;

	for (i = 0; i < c->nenv; i++)
		free(c->env[i]);
	memset(c, 0, sizeof(*c));
}
