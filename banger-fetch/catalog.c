/*
 * catalog.json: {"serial": N, "entries": [{"name", "url", "size",
 * "sha256", "kernel"}, ...], "kernels": [{"name", "url", "size",
 * "sha256"}, ...]}, "kernels" optional.  Read strictly (every key known
 * and present once, every value checked, bounded) even though its
 * signature has been checked first: a publisher's key signs what a build
 * server wrote, and a mistake there must not become a parser bug here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "catalog.h"
#include "valid.h"

int
catalog_hex_valid(const char *s)
{
	size_t	 i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

/*
 * A bundle URL as the catalog writes it: an absolute http(s) URL or a
 * path relative to the catalog's; no white space, controls, backslashes
 * or a scheme-relative "//host".  What it resolves to is checked again
 * when it is fetched.
 */
static int
url_ok(const char *u)
{
	const unsigned char	*p;

	if (u[0] == '\0' || strncmp(u, "//", 2) == 0)
		return 0;
	for (p = (const unsigned char *)u; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '\\')
			return 0;
	if (strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0)
		return 1;
	/* Any other scheme ("file:", "ftp:") before the first '/'. */
	p = (const unsigned char *)strpbrk(u, ":/?#");
	return p == NULL || *p != ':';
}

/* An integer of 1..max (json reals and strings refused). */
static int
int_in(json_t *v, uint64_t max, uint64_t *out)
{
	json_int_t	 i;

	if (!json_is_integer(v))
		return 0;
	i = json_integer_value(v);
	if (i < 1 || (uint64_t)i > max)
		return 0;
	*out = (uint64_t)i;
	return 1;
}

static int
str_into(json_t *v, char *dst, size_t dstsz)
{
	const char	*s;
	size_t		 len;

	if (!json_is_string(v))
		return 0;
	s = json_string_value(v);
	len = json_string_length(v);
	if (len >= dstsz || strlen(s) != len)
		return 0;
	memcpy(dst, s, len + 1);
	return 1;
}

/*
 * One object of "entries" (what "entry", with a "kernel") or of "kernels"
 * (what "kernel", without one: its kernel field stays "").
 */
static int
entry_parse(json_t *o, const char *what, size_t i, struct cat_entry *e,
    char *err, size_t errsz)
{
	const char	*k;
	json_t		*v;
	int		 image = strcmp(what, "entry") == 0;

	if (!json_is_object(o)) {
		snprintf(err, errsz, "%s %zu is not an object", what, i);
		return -1;
	}
	json_object_foreach(o, k, v) {
		if (strcmp(k, "name") != 0 && strcmp(k, "url") != 0 &&
		    strcmp(k, "size") != 0 && strcmp(k, "sha256") != 0 &&
		    (!image || strcmp(k, "kernel") != 0)) {
			snprintf(err, errsz, "%s %zu has an unknown key "
			    "(only name, url, size, sha256%s)", what, i,
			    image ? ", kernel" : "");
			return -1;
		}
	}
	if (!str_into(json_object_get(o, "name"), e->name, sizeof(e->name)) ||
	    !valid_vm_name(e->name)) {
		snprintf(err, errsz, "%s %zu: no name or a bad one (a-z, "
		    "0-9 and '-', at most %d)", what, i, CAT_NAME_MAX);
		return -1;
	}
	if (!str_into(json_object_get(o, "url"), e->url, sizeof(e->url)) ||
	    !url_ok(e->url)) {
		snprintf(err, errsz, "%s %s: no url or a bad one", what,
		    e->name);
		return -1;
	}
	if (!int_in(json_object_get(o, "size"), CAT_SERIAL_MAX, &e->size)) {
		snprintf(err, errsz, "%s %s: no size or a bad one (an "
		    "integer of 1 to 2^53)", what, e->name);
		return -1;
	}
	if (!str_into(json_object_get(o, "sha256"), e->sha256,
	    sizeof(e->sha256)) || !catalog_hex_valid(e->sha256)) {
		snprintf(err, errsz, "%s %s: no sha256 or a bad one (64 "
		    "lower-case hex digits)", what, e->name);
		return -1;
	}
	if (!image)
		return 0;
	/*
	 * Any kernel name parses (a later banger may have it, the catalog's
	 * "kernels" or the user may); the pull decides whether it has it.
	 */
	if (!str_into(json_object_get(o, "kernel"), e->kernel,
	    sizeof(e->kernel)) || !valid_vm_name(e->kernel)) {
		snprintf(err, errsz, "entry %s: no kernel or a bad one",
		    e->name);
		return -1;
	}
	return 0;
}

/*
 * The array a (the catalog's "entries", or its "kernels" when what is
 * "kernel") into *out and *n.  *out is set as soon as it is allocated,
 * so that catalog_free frees it on any error.
 */
static int
entries_parse(json_t *a, const char *what, struct cat_entry **out,
    size_t *n, char *err, size_t errsz)
{
	struct cat_entry	*e;
	size_t			 i, j;
	int			 image = strcmp(what, "entry") == 0;

	if (!json_is_array(a) || json_array_size(a) > CAT_ENTRIES_MAX) {
		snprintf(err, errsz, "the catalog's %s are not an array of "
		    "at most %d", image ? "entries" : "kernels",
		    CAT_ENTRIES_MAX);
		return -1;
	}
	if (json_array_size(a) == 0)
		return 0;
	if ((*out = calloc(json_array_size(a), sizeof(**out))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	*n = json_array_size(a);
	for (i = 0; i < *n; i++) {
		e = &(*out)[i];
		if (entry_parse(json_array_get(a, i), what, i, e, err,
		    errsz) == -1)
			return -1;
		/* banger's own kernels, which a catalog cannot replace. */
		if (!image && (strcmp(e->name, "tiny") == 0 ||
		    strcmp(e->name, "default") == 0)) {
			snprintf(err, errsz, "the catalog's kernels may not "
			    "be named %s (banger's own)", e->name);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp((*out)[j].name, e->name) == 0) {
				snprintf(err, errsz, "the catalog names %s%s "
				    "twice", image ? "" : "kernel ", e->name);
				return -1;
			}
	}
	return 0;
}

int
catalog_parse(const char *buf, size_t len, struct catalog *c, char *err,
    size_t errsz)
{
	json_error_t	 je;
	json_t		*root, *v;
	const char	*k;

	memset(c, 0, sizeof(*c));
	if (len > CAT_BYTES_MAX) {
		snprintf(err, errsz, "the catalog is larger than %d bytes",
		    CAT_BYTES_MAX);
		return -1;
	}
	if ((root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je)) ==
	    NULL) {
		snprintf(err, errsz, "the catalog is not JSON (or has a key "
		    "twice): line %d: %.120s", je.line, je.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errsz, "the catalog is not a JSON object");
		goto fail;
	}
	json_object_foreach(root, k, v) {
		if (strcmp(k, "serial") != 0 && strcmp(k, "entries") != 0 &&
		    strcmp(k, "kernels") != 0) {
			snprintf(err, errsz, "the catalog has an unknown key "
			    "(only serial, entries and kernels)");
			goto fail;
		}
	}
	if (!int_in(json_object_get(root, "serial"), CAT_SERIAL_MAX,
	    &c->serial)) {
		snprintf(err, errsz, "the catalog has no serial or a bad one "
		    "(an integer of 1 to 2^53)");
		goto fail;
	}
	if (entries_parse(json_object_get(root, "entries"), "entry",
	    &c->entries, &c->n, err, errsz) == -1)
		goto fail;
	/* Optional: a catalog of images only has none. */
	if ((v = json_object_get(root, "kernels")) != NULL &&
	    entries_parse(v, "kernel", &c->kernels, &c->nk, err, errsz) ==
	    -1)
		goto fail;
	json_decref(root);
	return 0;
fail:
	json_decref(root);
	catalog_free(c);
	return -1;
}

void
catalog_free(struct catalog *c)
{
	free(c->entries);
	c->entries = NULL;
	c->n = 0;
	free(c->kernels);
	c->kernels = NULL;
	c->nk = 0;
}

const struct cat_entry *
catalog_find(const struct catalog *c, const char *name)
{
	size_t	 i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->entries[i].name, name) == 0)
			return &c->entries[i];
	return NULL;
}

const struct cat_entry *
catalog_find_kernel(const struct catalog *c, const char *name)
{
	size_t	 i;

	for (i = 0; i < c->nk; i++)
		if (strcmp(c->kernels[i].name, name) == 0)
			return &c->kernels[i];
	return NULL;
}

/*
 * Keys in the order written here (JSON_PRESERVE_ORDER), so that the same
 * catalog always dumps to the same bytes; "kernels" only when there are
 * some, so that a catalog of images only dumps as it did before kernels.
 */
char *
catalog_dump(const struct catalog *c)
{
	json_t			*root, *ents, *kerns = NULL, *e;
	const struct cat_entry	*k;
	char			*s = NULL;
	size_t			 i;

	root = json_object();
	ents = json_array();
	if (root == NULL || ents == NULL ||
	    json_object_set_new(root, "serial",
	    json_integer((json_int_t)c->serial)) == -1 ||
	    json_object_set(root, "entries", ents) == -1)
		goto out;
	for (i = 0; i < c->n; i++) {
		e = json_pack("{s:s, s:s, s:I, s:s, s:s}",
		    "name", c->entries[i].name, "url", c->entries[i].url,
		    "size", (json_int_t)c->entries[i].size,
		    "sha256", c->entries[i].sha256,
		    "kernel", c->entries[i].kernel);
		if (e == NULL || json_array_append_new(ents, e) == -1)
			goto out;
	}
	if (c->nk > 0) {
		if ((kerns = json_array()) == NULL ||
		    json_object_set(root, "kernels", kerns) == -1)
			goto out;
		for (i = 0; i < c->nk; i++) {
			k = &c->kernels[i];
			e = json_pack("{s:s, s:s, s:I, s:s}", "name", k->name,
			    "url", k->url, "size", (json_int_t)k->size,
			    "sha256", k->sha256);
			if (e == NULL || json_array_append_new(kerns, e) == -1)
				goto out;
		}
	}
	s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
out:
	json_decref(kerns);
	json_decref(ents);
	json_decref(root);
	return s;
}
