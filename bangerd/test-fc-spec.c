/*
 * Test-only Swagger 2.0 request validator for Firecracker's API spec.
 * The YAML is loaded with libyaml's document API; bodies are checked with
 * jansson.  Definitions are treated as closed objects: a property the
 * definition does not list is an error, as Firecracker's deserializer
 * refuses unknown fields.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <yaml.h>

#include "test-fc-spec.h"

#define DEPTH_MAX	16

struct fc_spec {
	yaml_document_t	 doc;
	yaml_node_t	*paths;
	yaml_node_t	*defs;
};

static const char *
scalar(yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

static yaml_node_t *
get(struct fc_spec *s, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t	*p;
	const char		*k;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		k = scalar(yaml_document_get_node(&s->doc, p->key));
		if (k != NULL && strcmp(k, key) == 0)
			return yaml_document_get_node(&s->doc, p->value);
	}
	return NULL;
}

struct fc_spec *
fc_spec_load(const char *path, char *err, size_t errlen)
{
	struct fc_spec	*s;
	yaml_parser_t	 p;
	FILE		*f;
	yaml_node_t	*root;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "cannot open the Firecracker API spec "
		    "%s: %m (set FC_SPEC to its path)", path);
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		fclose(f);
		return NULL;
	}
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	if (!yaml_parser_load(&p, &s->doc)) {
		snprintf(err, errlen, "%s: YAML error: %s (line %zu)", path,
		    p.problem ? p.problem : "?", p.problem_mark.line + 1);
		yaml_parser_delete(&p);
		fclose(f);
		free(s);
		return NULL;
	}
	yaml_parser_delete(&p);
	fclose(f);
	root = yaml_document_get_root_node(&s->doc);
	s->paths = get(s, root, "paths");
	s->defs = get(s, root, "definitions");
	if (root == NULL || s->paths == NULL || s->defs == NULL ||
	    scalar(get(s, root, "swagger")) == NULL ||
	    strcmp(scalar(get(s, root, "swagger")), "2.0") != 0) {
		snprintf(err, errlen, "%s: not a Swagger 2.0 spec with paths "
		    "and definitions", path);
		fc_spec_free(s);
		return NULL;
	}
	return s;
}

void
fc_spec_free(struct fc_spec *s)
{
	if (s == NULL)
		return;
	yaml_document_delete(&s->doc);
	free(s);
}

/* Does path match the template ("/drives/{drive_id}")? */
static int
path_match(const char *tmpl, const char *path)
{
	const char	*t = tmpl, *p = path, *te, *pe;

	for (;;) {
		if (*t != '/' || *p != '/')
			return *t == '\0' && *p == '\0';
		t++;
		p++;
		te = t + strcspn(t, "/");
		pe = p + strcspn(p, "/");
		if (*t == '{' && te[-1] == '}') {
			if (pe == p)
				return 0;
		} else if (te - t != pe - p || strncmp(t, p, te - t) != 0)
			return 0;
		t = te;
		p = pe;
	}
}

/* The value of template parameter name in path, or NULL. */
static char *
path_param(const char *tmpl, const char *path, const char *name)
{
	const char	*t = tmpl, *p = path, *te, *pe;
	size_t		 nl = strlen(name);

	while (*t == '/' && *p == '/') {
		t++;
		p++;
		te = t + strcspn(t, "/");
		pe = p + strcspn(p, "/");
		if (*t == '{' && (size_t)(te - t) == nl + 2 &&
		    strncmp(t + 1, name, nl) == 0)
			return strndup(p, pe - p);
		t = te;
		p = pe;
	}
	return NULL;
}

static int
fail(char *err, size_t errlen, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(char *err, size_t errlen, const char *where, const char *fmt, ...)
{
	char	 m[256];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s: %s", where, m);
	return -1;
}

static int validate(struct fc_spec *, yaml_node_t *, json_t *, const char *,
    int, char *, size_t);

static yaml_node_t *
deref(struct fc_spec *s, yaml_node_t *schema, const char *where, char *err,
    size_t errlen)
{
	const char	*ref;
	int		 hops;

	for (hops = 0; hops < DEPTH_MAX; hops++) {
		if ((ref = scalar(get(s, schema, "$ref"))) == NULL)
			return schema;
		if (strncmp(ref, "#/definitions/", 14) != 0) {
			fail(err, errlen, where, "unsupported $ref %s", ref);
			return NULL;
		}
		if ((schema = get(s, s->defs, ref + 14)) == NULL) {
			fail(err, errlen, where, "dangling $ref %s", ref);
			return NULL;
		}
	}
	fail(err, errlen, where, "$ref loop");
	return NULL;
}

static int
check_type(const char *type, json_t *v)
{
	if (strcmp(type, "integer") == 0)
		return json_is_integer(v);
	if (strcmp(type, "number") == 0)
		return json_is_number(v);
	if (strcmp(type, "string") == 0)
		return json_is_string(v);
	if (strcmp(type, "boolean") == 0)
		return json_is_boolean(v);
	if (strcmp(type, "object") == 0)
		return json_is_object(v);
	if (strcmp(type, "array") == 0)
		return json_is_array(v);
	return -1;
}

static int
check_enum(struct fc_spec *s, yaml_node_t *en, json_t *v, const char *where,
    char *err, size_t errlen)
{
	yaml_node_item_t	*it;
	const char		*e;
	char			 num[32];

	if (en->type != YAML_SEQUENCE_NODE)
		return fail(err, errlen, where, "enum is not a list");
	for (it = en->data.sequence.items.start;
	    it < en->data.sequence.items.top; it++) {
		if ((e = scalar(yaml_document_get_node(&s->doc, *it))) == NULL)
			continue;
		if (json_is_string(v) && strcmp(json_string_value(v), e) == 0)
			return 0;
		if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%lld",
			    (long long)json_integer_value(v));
			if (strcmp(num, e) == 0)
				return 0;
		}
	}
	return fail(err, errlen, where, "value not in the enum");
}

static int
check_object(struct fc_spec *s, yaml_node_t *schema, json_t *v,
    const char *where, int depth, char *err, size_t errlen)
{
	yaml_node_t		*req, *props, *ps;
	yaml_node_item_t	*it;
	const char		*key, *name;
	json_t			*pv;
	char			 sub[256];

	req = get(s, schema, "required");
	if (req != NULL && req->type == YAML_SEQUENCE_NODE)
		for (it = req->data.sequence.items.start;
		    it < req->data.sequence.items.top; it++) {
			name = scalar(yaml_document_get_node(&s->doc, *it));
			if (name != NULL && json_object_get(v, name) == NULL)
				return fail(err, errlen, where, "required "
				    "property %s missing", name);
		}
	props = get(s, schema, "properties");
	json_object_foreach(v, key, pv) {
		snprintf(sub, sizeof(sub), "%s.%s", where, key);
		if ((ps = get(s, props, key)) == NULL)
			return fail(err, errlen, where, "property %s is not "
			    "in the definition", key);
		if (scalar(get(s, ps, "readOnly")) != NULL &&
		    strcmp(scalar(get(s, ps, "readOnly")), "true") == 0)
			return fail(err, errlen, sub, "read-only property");
		if (validate(s, ps, pv, sub, depth + 1, err, errlen) == -1)
			return -1;
	}
	return 0;
}

static int
validate(struct fc_spec *s, yaml_node_t *schema, json_t *v, const char *where,
    int depth, char *err, size_t errlen)
{
	yaml_node_t	*n;
	const char	*type, *lim;
	char		*end;
	long long	 bound;
	size_t		 i;
	char		 sub[256];
	int		 ok;

	if (depth > DEPTH_MAX)
		return fail(err, errlen, where, "schema too deep");
	if ((schema = deref(s, schema, where, err, errlen)) == NULL)
		return -1;
	if ((type = scalar(get(s, schema, "type"))) == NULL &&
	    get(s, schema, "properties") != NULL)
		type = "object";
	if (type != NULL) {
		if ((ok = check_type(type, v)) == -1)
			return fail(err, errlen, where, "unknown type %s",
			    type);
		if (!ok)
			return fail(err, errlen, where, "not of type %s", type);
	}
	if ((n = get(s, schema, "enum")) != NULL &&
	    check_enum(s, n, v, where, err, errlen) == -1)
		return -1;
	if (json_is_integer(v) || json_is_real(v)) {
		if ((lim = scalar(get(s, schema, "minimum"))) != NULL) {
			bound = strtoll(lim, &end, 10);
			if (*end != '\0')
				return fail(err, errlen, where, "bad minimum");
			if (json_number_value(v) < (double)bound)
				return fail(err, errlen, where, "below the "
				    "minimum %s", lim);
		}
		if ((lim = scalar(get(s, schema, "maximum"))) != NULL) {
			bound = strtoll(lim, &end, 10);
			if (*end != '\0')
				return fail(err, errlen, where, "bad maximum");
			if (json_number_value(v) > (double)bound)
				return fail(err, errlen, where, "above the "
				    "maximum %s", lim);
		}
	}
	if (json_is_object(v))
		return check_object(s, schema, v, where, depth, err, errlen);
	if (json_is_array(v) && (n = get(s, schema, "items")) != NULL) {
		for (i = 0; i < json_array_size(v); i++) {
			snprintf(sub, sizeof(sub), "%s[%zu]", where, i);
			if (validate(s, n, json_array_get(v, i), sub,
			    depth + 1, err, errlen) == -1)
				return -1;
		}
	}
	return 0;
}

int
fc_spec_check(struct fc_spec *s, const char *method, const char *path,
    const char *body, char *err, size_t errlen)
{
	yaml_node_pair_t	*p;
	yaml_node_t		*op = NULL, *params, *param, *schema = NULL;
	yaml_node_item_t	*it;
	const char		*tmpl = NULL, *k, *in, *req, *name;
	char			 m[16], where[128], *pv;
	json_t			*v, *bv;
	json_error_t		 je;
	size_t			 i;
	int			 body_required = 0, rc;

	for (i = 0; method[i] != '\0' && i < sizeof(m) - 1; i++)
		m[i] = tolower((unsigned char)method[i]);
	m[i] = '\0';
	for (p = s->paths->data.mapping.pairs.start;
	    p < s->paths->data.mapping.pairs.top; p++) {
		k = scalar(yaml_document_get_node(&s->doc, p->key));
		if (k != NULL && path_match(k, path)) {
			tmpl = k;
			op = get(s, yaml_document_get_node(&s->doc, p->value),
			    m);
			break;
		}
	}
	if (tmpl == NULL)
		return fail(err, errlen, path, "no such path in the spec");
	if (op == NULL)
		return fail(err, errlen, path, "%s is not an operation of %s",
		    method, tmpl);
	params = get(s, op, "parameters");
	if (params != NULL && params->type == YAML_SEQUENCE_NODE)
		for (it = params->data.sequence.items.start;
		    it < params->data.sequence.items.top; it++) {
			param = yaml_document_get_node(&s->doc, *it);
			in = scalar(get(s, param, "in"));
			if (in == NULL || strcmp(in, "body") != 0)
				continue;
			schema = get(s, param, "schema");
			req = scalar(get(s, param, "required"));
			body_required = req != NULL && strcmp(req, "true") == 0;
		}
	snprintf(where, sizeof(where), "%s %s", method, path);
	if (body == NULL) {
		if (body_required)
			return fail(err, errlen, where, "body required");
		return 0;
	}
	if (schema == NULL)
		return fail(err, errlen, where, "operation takes no body");
	if ((v = json_loads(body, JSON_REJECT_DUPLICATES, &je)) == NULL)
		return fail(err, errlen, where, "body is not JSON: %s",
		    je.text);
	rc = validate(s, schema, v, where, 0, err, errlen);
	/* A path parameter and the body must name the same thing. */
	if (rc == 0 && params != NULL && params->type == YAML_SEQUENCE_NODE)
		for (it = params->data.sequence.items.start;
		    rc == 0 && it < params->data.sequence.items.top; it++) {
			param = yaml_document_get_node(&s->doc, *it);
			in = scalar(get(s, param, "in"));
			name = scalar(get(s, param, "name"));
			if (in == NULL || strcmp(in, "path") != 0 ||
			    name == NULL)
				continue;
			bv = json_object_get(v, name);
			pv = path_param(tmpl, path, name);
			if (bv != NULL && (!json_is_string(bv) || pv == NULL ||
			    strcmp(json_string_value(bv), pv) != 0))
				rc = fail(err, errlen, where, "path parameter "
				    "%s differs from the body", name);
			free(pv);
		}
	json_decref(v);
	return rc;
}
