/*
 * msg_frame()/msg_decode(): every type of every protocol round-trips, and
 * hostile maps built with msgpack-c's packer are refused.  Most cases are
 * driven by the field tables themselves, so a new field gets the same
 * checks without new test code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>

#include "buf.h"
#include "frame.h"
#include "msg.h"
#include "proto.h"
#include "valid.h"

static const struct msg_proto *protos[] = {
	&ctl_proto, &priv_proto, &agent_proto, &launch_proto,
};
#define NPROTOS	(sizeof(protos) / sizeof(protos[0]))

/* ---- packing helpers ---------------------------------------------- */

static void
pk_cstr(msgpack_packer *pk, const char *s, size_t n)
{
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

static void
pk_rep(msgpack_packer *pk, char c, size_t n)
{
	char	*s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	pk_cstr(pk, s, n);
	free(s);
}

static void
pk_bin(msgpack_packer *pk, size_t n)
{
	uint8_t	*b = malloc(n + 1);
	size_t	 i;

	assert_non_null(b);
	for (i = 0; i < n; i++)
		b[i] = i * 7;
	msgpack_pack_bin(pk, n);
	msgpack_pack_bin_body(pk, b, n);
	free(b);
}

typedef void (*packfn)(msgpack_packer *, const struct msg_field *);

static void
pack_default(msgpack_packer *pk, const struct msg_field *f)
{
	size_t	 i, n;

	switch (f->type) {
	case MF_U64:
		msgpack_pack_uint64(pk, f->max ? 1 : 0);
		break;
	case MF_I64:
		msgpack_pack_int64(pk, f->max ? -1 : 0);
		break;
	case MF_BOOL:
		msgpack_pack_true(pk);
		break;
	case MF_STR:
		pk_rep(pk, 'x', f->max ? 1 : 0);
		break;
	case MF_BIN:
		pk_bin(pk, f->max < 3 ? f->max : 3);
		break;
	case MF_STRV:
		n = f->max < 2 ? f->max : 2;
		msgpack_pack_array(pk, n);
		for (i = 0; i < n; i++)
			pk_rep(pk, 'a', f->elmax ? 1 : 0);
		break;
	case MF_U64V:
		n = f->max < 2 ? f->max : 2;
		msgpack_pack_array(pk, n);
		for (i = 0; i < n; i++)
			msgpack_pack_uint64(pk, f->elmax ? 1 : 0);
		break;
	}
}

/* How to build one message map; zero values mean "the normal thing". */
struct spec {
	const struct msg_proto	*proto;
	uint32_t		 type;
	const char		*omit;	/* key left out */
	const char		*extra;	/* key added, default value */
	const char		*key;	/* key whose value fn packs */
	packfn			 fn;
	const char		*tail;	/* bytes after the map */
	size_t			 ntail;
};

static const struct msg_field *
field_named(const struct msg_type *mt, const char *name)
{
	size_t	 i;

	for (i = 0; mt != NULL && i < mt->nfields; i++)
		if (strcmp(mt->fields[i].name, name) == 0)
			return &mt->fields[i];
	return NULL;
}

static void
pack_value(msgpack_packer *pk, const struct spec *s, const char *key)
{
	const struct msg_field	*f;

	f = field_named(msg_lookup(s->proto, s->type), key);
	if (s->key != NULL && strcmp(key, s->key) == 0)
		s->fn(pk, f);
	else if (strcmp(key, "v") == 0)
		msgpack_pack_uint32(pk, s->proto->version);
	else if (strcmp(key, "t") == 0)
		msgpack_pack_uint32(pk, s->type);
	else if (strcmp(key, "id") == 0)
		msgpack_pack_uint64(pk, 7);
	else if (f != NULL)
		pack_default(pk, f);
	else
		msgpack_pack_nil(pk);
}

static void
build(msgpack_sbuffer *sb, const struct spec *s)
{
	const struct msg_type	*mt = msg_lookup(s->proto, s->type);
	const char		*env[] = { "v", "t", "id" };
	msgpack_packer		 pk;
	size_t			 i, n = 3 + (mt ? mt->nfields : 0);

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	n = n - (s->omit != NULL) + (s->extra != NULL);
	msgpack_pack_map(&pk, n);
	for (i = 0; i < 3; i++)
		if (s->omit == NULL || strcmp(s->omit, env[i]) != 0) {
			pk_cstr(&pk, env[i], strlen(env[i]));
			pack_value(&pk, s, env[i]);
		}
	for (i = 0; mt != NULL && i < mt->nfields; i++)
		if (s->omit == NULL || strcmp(s->omit, mt->fields[i].name)) {
			pk_cstr(&pk, mt->fields[i].name,
			    strlen(mt->fields[i].name));
			pack_value(&pk, s, mt->fields[i].name);
		}
	if (s->extra != NULL) {
		pk_cstr(&pk, s->extra, strlen(s->extra));
		pack_value(&pk, s, s->extra);
	}
	if (s->ntail > 0)
		msgpack_sbuffer_write(sb, s->tail, s->ntail);
}

/* Decode raw bytes; on failure the body must be NULL and err non-empty. */
static int
decode_raw(const struct msg_proto *proto, const void *p, size_t len,
    char *err)
{
	struct msg_hdr	 hdr;
	void		*body = (void *)&hdr;
	uint8_t		*copy;
	int		 rc;

	/* A tight heap copy lets ASan see any read past the end. */
	copy = malloc(len ? len : 1);
	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, p, len);
	err[0] = '\0';
	memset(&hdr, 0, sizeof(hdr));
	rc = msg_decode(proto, copy, len, &hdr, &body, err, MSG_ERRLEN);
	free(copy);
	if (rc == 0) {
		assert_non_null(body);
		msg_free(proto, hdr.type, body);
	} else {
		assert_int_equal(rc, -1);
		assert_null(body);
		assert_true(err[0] != '\0');
	}
	return rc;
}

static void
expect(const struct spec *s, int want_ok, const char *what)
{
	msgpack_sbuffer	 sb;
	char		 err[MSG_ERRLEN];
	int		 rc;

	build(&sb, s);
	rc = decode_raw(s->proto, sb.data, sb.size, err);
	msgpack_sbuffer_destroy(&sb);
	if (want_ok && rc != 0)
		fail_msg("%s %s: %s: refused: %s", s->proto->name,
		    msg_typename(s->proto, s->type), what, err);
	if (!want_ok && rc == 0)
		fail_msg("%s %s: %s: accepted", s->proto->name,
		    msg_typename(s->proto, s->type), what);
}

/* ---- value packers for the per-field cases -------------------------- */

static void fn_nil(msgpack_packer *pk, const struct msg_field *f)
{ (void)f; msgpack_pack_nil(pk); }
static void fn_true(msgpack_packer *pk, const struct msg_field *f)
{ (void)f; msgpack_pack_true(pk); }
static void fn_one(msgpack_packer *pk, const struct msg_field *f)
{ (void)f; msgpack_pack_uint64(pk, 1); }
static void fn_neg1(msgpack_packer *pk, const struct msg_field *f)
{ (void)f; msgpack_pack_int64(pk, -1); }
static void fn_float(msgpack_packer *pk, const struct msg_field *f)
{ (void)f; msgpack_pack_double(pk, 1.0); }
static void fn_str1(msgpack_packer *pk, const struct msg_field *f)
{ (void)f; pk_cstr(pk, "1", 1); }
static void fn_bin1(msgpack_packer *pk, const struct msg_field *f)
{ (void)f; pk_bin(pk, 1); }
static void fn_array0(msgpack_packer *pk, const struct msg_field *f)
{ (void)f; msgpack_pack_array(pk, 0); }
static void fn_map0(msgpack_packer *pk, const struct msg_field *f)
{ (void)f; msgpack_pack_map(pk, 0); }
static void fn_u32max(msgpack_packer *pk, const struct msg_field *f)
{ (void)f; msgpack_pack_uint64(pk, (uint64_t)UINT32_MAX + 1); }
static void fn_zero(msgpack_packer *pk, const struct msg_field *f)
{ (void)f; msgpack_pack_uint64(pk, 0); }
static void fn_u64max(msgpack_packer *pk, const struct msg_field *f)
{ (void)f; msgpack_pack_uint64(pk, UINT64_MAX); }
static void fn_false(msgpack_packer *pk, const struct msg_field *f)
{ (void)f; msgpack_pack_false(pk); }

static void fn_u64_max(msgpack_packer *pk, const struct msg_field *f)
{ msgpack_pack_uint64(pk, f->max); }
static void fn_u64_over(msgpack_packer *pk, const struct msg_field *f)
{ msgpack_pack_uint64(pk, f->max + 1); }
static void fn_i64_max(msgpack_packer *pk, const struct msg_field *f)
{ msgpack_pack_int64(pk, (int64_t)f->max); }
static void fn_i64_min(msgpack_packer *pk, const struct msg_field *f)
{ msgpack_pack_int64(pk, -(int64_t)f->max); }
static void fn_i64_over(msgpack_packer *pk, const struct msg_field *f)
{ msgpack_pack_int64(pk, (int64_t)f->max + 1); }
static void fn_i64_under(msgpack_packer *pk, const struct msg_field *f)
{ msgpack_pack_int64(pk, -(int64_t)f->max - 1); }
static void fn_str_max(msgpack_packer *pk, const struct msg_field *f)
{ pk_rep(pk, 's', f->max); }
static void fn_str_over(msgpack_packer *pk, const struct msg_field *f)
{ pk_rep(pk, 's', f->max + 1); }
static void fn_str_nul(msgpack_packer *pk, const struct msg_field *f)
{ (void)f; pk_cstr(pk, "a\0b", 3); }
static void fn_str_utf8(msgpack_packer *pk, const struct msg_field *f)
{ (void)f; pk_cstr(pk, "\xc3\xa9t\xc3\xa9", 5); }
static void fn_bin_max(msgpack_packer *pk, const struct msg_field *f)
{ pk_bin(pk, f->max); }
static void fn_bin_over(msgpack_packer *pk, const struct msg_field *f)
{ pk_bin(pk, f->max + 1); }
static void fn_bin_empty(msgpack_packer *pk, const struct msg_field *f)
{ (void)f; pk_bin(pk, 0); }

static void
strv(msgpack_packer *pk, size_t n, size_t ellen)
{
	size_t	 i;

	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++)
		pk_rep(pk, 'e', ellen);
}

static void fn_strv_max(msgpack_packer *pk, const struct msg_field *f)
{ strv(pk, f->max, 1); }
static void fn_strv_over(msgpack_packer *pk, const struct msg_field *f)
{ strv(pk, f->max + 1, 1); }
static void fn_strv_elmax(msgpack_packer *pk, const struct msg_field *f)
{ strv(pk, 2, f->elmax); }
static void fn_strv_elover(msgpack_packer *pk, const struct msg_field *f)
{ strv(pk, 2, f->elmax + 1); }
static void fn_strv_elnul(msgpack_packer *pk, const struct msg_field *f)
{ (void)f; msgpack_pack_array(pk, 2); pk_cstr(pk, "ok", 2);
  pk_cstr(pk, "a\0", 2); }
static void fn_strv_elint(msgpack_packer *pk, const struct msg_field *f)
{ (void)f; msgpack_pack_array(pk, 2); pk_cstr(pk, "ok", 2);
  msgpack_pack_uint64(pk, 1); }
static void fn_strv_elbin(msgpack_packer *pk, const struct msg_field *f)
{ (void)f; msgpack_pack_array(pk, 1); pk_bin(pk, 1); }
static void fn_strv_elarr(msgpack_packer *pk, const struct msg_field *f)
{ (void)f; msgpack_pack_array(pk, 1); msgpack_pack_array(pk, 0); }

static void
u64v(msgpack_packer *pk, size_t n, uint64_t v)
{
	size_t	 i;

	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++)
		msgpack_pack_uint64(pk, v);
}

static void fn_u64v_max(msgpack_packer *pk, const struct msg_field *f)
{ u64v(pk, f->max, f->elmax); }
static void fn_u64v_over(msgpack_packer *pk, const struct msg_field *f)
{ u64v(pk, f->max + 1, 0); }
static void fn_u64v_elover(msgpack_packer *pk, const struct msg_field *f)
{ u64v(pk, 1, f->elmax + 1); }
static void fn_u64v_elneg(msgpack_packer *pk, const struct msg_field *f)
{ (void)f; msgpack_pack_array(pk, 2); msgpack_pack_uint64(pk, 0);
  msgpack_pack_int64(pk, -1); }
static void fn_u64v_elstr(msgpack_packer *pk, const struct msg_field *f)
{ (void)f; msgpack_pack_array(pk, 1); pk_cstr(pk, "1", 1); }
static void fn_u64v_nested(msgpack_packer *pk, const struct msg_field *f)
{ (void)f; msgpack_pack_array(pk, 1); msgpack_pack_array(pk, 1);
  msgpack_pack_uint64(pk, 1); }

struct fcase {
	enum msg_ftype	 ft;
	const char	*what;
	packfn		 fn;
	int		 ok;
	int		 skip;	/* 1: skip when max is UINT64_MAX */
};

static const struct fcase fcases[] = {
	{ MF_U64, "u64 at max", fn_u64_max, 1, 0 },
	{ MF_U64, "u64 zero", fn_zero, 1, 0 },
	{ MF_U64, "u64 above max", fn_u64_over, 0, 1 },
	{ MF_U64, "negative for u64", fn_neg1, 0, 0 },
	{ MF_U64, "bool for u64", fn_true, 0, 0 },
	{ MF_U64, "string for u64", fn_str1, 0, 0 },
	{ MF_U64, "float for u64", fn_float, 0, 0 },
	{ MF_U64, "nil for u64", fn_nil, 0, 0 },
	{ MF_U64, "array for u64", fn_array0, 0, 0 },
	{ MF_I64, "i64 at max", fn_i64_max, 1, 0 },
	{ MF_I64, "i64 at -max", fn_i64_min, 1, 0 },
	{ MF_I64, "i64 above max", fn_i64_over, 0, 1 },
	{ MF_I64, "i64 below -max", fn_i64_under, 0, 1 },
	{ MF_I64, "bool for i64", fn_false, 0, 0 },
	{ MF_I64, "string for i64", fn_str1, 0, 0 },
	{ MF_I64, "float for i64", fn_float, 0, 0 },
	{ MF_BOOL, "false", fn_false, 1, 0 },
	{ MF_BOOL, "int for bool", fn_one, 0, 0 },
	{ MF_BOOL, "nil for bool", fn_nil, 0, 0 },
	{ MF_BOOL, "string for bool", fn_str1, 0, 0 },
	{ MF_STR, "string at max", fn_str_max, 1, 0 },
	{ MF_STR, "UTF-8 string", fn_str_utf8, 1, 0 },
	{ MF_STR, "string too long", fn_str_over, 0, 0 },
	{ MF_STR, "string with NUL", fn_str_nul, 0, 0 },
	{ MF_STR, "bin for string", fn_bin1, 0, 0 },
	{ MF_STR, "int for string", fn_one, 0, 0 },
	{ MF_STR, "nil for string", fn_nil, 0, 0 },
	{ MF_STR, "array for string", fn_array0, 0, 0 },
	{ MF_STR, "map for string", fn_map0, 0, 0 },
	{ MF_BIN, "bin at max", fn_bin_max, 1, 0 },
	{ MF_BIN, "empty bin", fn_bin_empty, 1, 0 },
	{ MF_BIN, "bin too long", fn_bin_over, 0, 0 },
	{ MF_BIN, "string for bin", fn_str1, 0, 0 },
	{ MF_BIN, "nil for bin", fn_nil, 0, 0 },
	{ MF_STRV, "strv at max entries", fn_strv_max, 1, 0 },
	{ MF_STRV, "empty strv", fn_array0, 1, 0 },
	{ MF_STRV, "strv entries at elmax", fn_strv_elmax, 1, 0 },
	{ MF_STRV, "strv too many", fn_strv_over, 0, 0 },
	{ MF_STRV, "strv entry too long", fn_strv_elover, 0, 0 },
	{ MF_STRV, "strv entry with NUL", fn_strv_elnul, 0, 0 },
	{ MF_STRV, "strv entry int", fn_strv_elint, 0, 0 },
	{ MF_STRV, "strv entry bin", fn_strv_elbin, 0, 0 },
	{ MF_STRV, "strv entry array", fn_strv_elarr, 0, 0 },
	{ MF_STRV, "string for strv", fn_str1, 0, 0 },
	{ MF_STRV, "map for strv", fn_map0, 0, 0 },
	{ MF_U64V, "u64v at max", fn_u64v_max, 1, 0 },
	{ MF_U64V, "empty u64v", fn_array0, 1, 0 },
	{ MF_U64V, "u64v too many", fn_u64v_over, 0, 0 },
	{ MF_U64V, "u64v entry above max", fn_u64v_elover, 0, 0 },
	{ MF_U64V, "u64v negative entry", fn_u64v_elneg, 0, 0 },
	{ MF_U64V, "u64v string entry", fn_u64v_elstr, 0, 0 },
	{ MF_U64V, "u64v nested array", fn_u64v_nested, 0, 0 },
	{ MF_U64V, "int for u64v", fn_one, 0, 0 },
};

/* ---- tests -------------------------------------------------------- */

static size_t
fsize(enum msg_ftype t)
{
	switch (t) {
	case MF_U64:
		return sizeof(uint64_t);
	case MF_I64:
		return sizeof(int64_t);
	case MF_BOOL:
		return sizeof(int);
	case MF_STR:
		return sizeof(char *);
	case MF_BIN:
		return sizeof(struct msg_bin);
	case MF_STRV:
		return sizeof(struct msg_strv);
	case MF_U64V:
		return sizeof(struct msg_u64v);
	}
	return 0;
}

/* The tables themselves: unique names and types, fields inside bodies. */
static void
test_tables_sane(void **state)
{
	const struct msg_type	*mt;
	const struct msg_field	*f, *g;
	size_t			 p, i, j, k;

	(void)state;
	for (p = 0; p < NPROTOS; p++) {
		assert_true(protos[p]->ntypes > 0);
		for (i = 0; i < protos[p]->ntypes; i++) {
			mt = &protos[p]->types[i];
			assert_ptr_equal(msg_lookup(protos[p], mt->type), mt);
			assert_string_equal(msg_typename(protos[p], mt->type),
			    mt->name);
			assert_true(mt->nfields < 64);
			for (j = 0; j < mt->nfields; j++) {
				f = &mt->fields[j];
				assert_true(f->off + fsize(f->type) <=
				    mt->size);
				assert_true(strcmp(f->name, "v") != 0 &&
				    strcmp(f->name, "t") != 0 &&
				    strcmp(f->name, "id") != 0);
				for (k = 0; k < j; k++) {
					g = &mt->fields[k];
					assert_string_not_equal(f->name,
					    g->name);
					/* No two fields share storage. */
					assert_true(g->off + fsize(g->type) <=
					    f->off || f->off + fsize(f->type)
					    <= g->off);
				}
			}
		}
		assert_null(msg_lookup(protos[p], 0));
		assert_string_equal(msg_typename(protos[p], 0xffff),
		    "unknown");
	}
}

/* Fill one field; level 0 is the minimum, 1 the maximum, 2 in between. */
static void
fill(const struct msg_field *f, void *body, int level)
{
	char		*dst = (char *)body + f->off;
	size_t		 i, n;

	switch (f->type) {
	case MF_U64:
		*(uint64_t *)dst = level == 0 ? 0 : level == 1 ? f->max :
		    f->max / 3;
		break;
	case MF_I64:
		*(int64_t *)dst = level == 0 ? -(int64_t)f->max :
		    level == 1 ? (int64_t)f->max : 0;
		break;
	case MF_BOOL:
		*(int *)dst = level & 1;
		break;
	case MF_STR: {
		char	**s = (char **)dst;

		n = level == 0 ? 0 : level == 1 ? f->max :
		    (f->max < 5 ? f->max : 5);
		assert_non_null(*s = malloc(n + 1));
		for (i = 0; i < n; i++)
			(*s)[i] = 'A' + (i + level) % 26;
		(*s)[n] = '\0';
		break;
	}
	case MF_BIN: {
		struct msg_bin	*b = (struct msg_bin *)dst;

		b->len = level == 0 ? 0 : level == 1 ? f->max :
		    (f->max < 300 ? f->max : 300);
		b->p = NULL;
		if (b->len > 0) {
			assert_non_null(b->p = malloc(b->len));
			for (i = 0; i < b->len; i++)
				b->p[i] = i * 13 + level;	/* NULs too */
		}
		break;
	}
	case MF_STRV: {
		struct msg_strv	*sv = (struct msg_strv *)dst;
		size_t		 len;

		sv->n = level == 0 ? 0 : level == 1 ? (f->max < 3 ? f->max :
		    3) : f->max;
		assert_non_null(sv->v = calloc(sv->n + 1, sizeof(char *)));
		for (i = 0; i < sv->n; i++) {
			len = level == 1 && i == 0 ? f->elmax : i % 7;
			assert_non_null(sv->v[i] = malloc(len + 1));
			memset(sv->v[i], 'a' + i % 26, len);
			sv->v[i][len] = '\0';
		}
		break;
	}
	case MF_U64V: {
		struct msg_u64v	*uv = (struct msg_u64v *)dst;

		uv->n = level == 0 ? 0 : level == 1 ? f->max :
		    (f->max < 3 ? f->max : 3);
		assert_non_null(uv->v = calloc(uv->n + 1, sizeof(uint64_t)));
		for (i = 0; i < uv->n; i++)
			uv->v[i] = level == 1 ? f->elmax - i % 2 : i;
		break;
	}
	}
}

static void
compare(const struct msg_field *f, const void *a, const void *b)
{
	const char	*x = (const char *)a + f->off;
	const char	*y = (const char *)b + f->off;
	size_t		 i;

	switch (f->type) {
	case MF_U64:
	case MF_I64:
		assert_memory_equal(x, y, 8);
		break;
	case MF_BOOL:
		assert_int_equal(*(const int *)x, *(const int *)y);
		break;
	case MF_STR:
		assert_string_equal(*(char * const *)x, *(char * const *)y);
		break;
	case MF_BIN: {
		const struct msg_bin	*p = (const void *)x;
		const struct msg_bin	*q = (const void *)y;

		assert_int_equal(p->len, q->len);
		if (p->len > 0)
			assert_memory_equal(p->p, q->p, p->len);
		break;
	}
	case MF_STRV: {
		const struct msg_strv	*p = (const void *)x;
		const struct msg_strv	*q = (const void *)y;

		assert_int_equal(p->n, q->n);
		for (i = 0; i < p->n; i++)
			assert_string_equal(p->v[i], q->v[i]);
		assert_null(q->v[q->n]);
		break;
	}
	case MF_U64V: {
		const struct msg_u64v	*p = (const void *)x;
		const struct msg_u64v	*q = (const void *)y;

		assert_int_equal(p->n, q->n);
		if (p->n > 0)
			assert_memory_equal(p->v, q->v,
			    p->n * sizeof(uint64_t));
		break;
	}
	}
}

static void
roundtrip(const struct msg_proto *proto, const struct msg_type *mt,
    int level)
{
	struct buf	 out = { 0 };
	struct msg_hdr	 hdr;
	void		*in, *body;
	char		 err[MSG_ERRLEN];
	size_t		 i, plen;
	uint64_t	 id = level == 0 ? 0 : level == 1 ? UINT64_MAX : 4242;

	assert_non_null(in = calloc(1, mt->size));
	for (i = 0; i < mt->nfields; i++)
		fill(&mt->fields[i], in, level);
	/* Frames append: put something in front to check the offsets. */
	assert_int_equal(buf_append(&out, "junk", 4), 0);
	if (msg_frame(proto, mt->type, id, in, &out) != 0)
		fail_msg("%s %s level %d: msg_frame failed", proto->name,
		    mt->name, level);
	assert_memory_equal(out.p, "junk", 4);
	assert_int_equal(frame_peek(out.p + 4, out.len - 4, out.len - 8,
	    &plen), FRAME_OK);
	assert_int_equal(plen, out.len - 8);
	memset(&hdr, 0, sizeof(hdr));
	if (msg_decode(proto, out.p + 8, plen, &hdr, &body, err,
	    sizeof(err)) != 0)
		fail_msg("%s %s level %d: %s", proto->name, mt->name, level,
		    err);
	assert_int_equal(hdr.version, proto->version);
	assert_int_equal(hdr.type, mt->type);
	assert_true(hdr.id == id);
	for (i = 0; i < mt->nfields; i++)
		compare(&mt->fields[i], in, body);
	msg_free(proto, mt->type, body);
	msg_free(proto, mt->type, in);
	buf_free(&out);
}

static void
test_roundtrip_all(void **state)
{
	size_t	 p, i;
	int	 level;

	(void)state;
	for (p = 0; p < NPROTOS; p++)
		for (i = 0; i < protos[p]->ntypes; i++)
			for (level = 0; level < 3; level++)
				roundtrip(protos[p], &protos[p]->types[i],
				    level);
}

/* Named fields, so a table entry pointing at the wrong member shows. */
static void
test_roundtrip_named(void **state)
{
	char		*argv[] = { "make", "test", NULL };
	char		*env[] = { "A=1", NULL };
	uint64_t	 ids[] = { 1, 7, PRIV_VMID_MAX };
	uint8_t		 data[] = { 0, 1, 2, 0xff };
	struct ctl_vm_run run = { .name = "box", .rm = 1, .cols = 80,
	    .rows = 24, .vcpus = 2, .memory_mib = 512, .disk_mib = 4096,
	    .image = "tiny", .workspace = "/src/app", .ws_name = "app",
	    .ws_files = 12, .branch = "feature", .from = "v1.0",
	    .argv = { argv, 2 } }, *rr;
	struct ctl_exit	 ex = { -9, 9 }, *er;
	struct ctl_output co = { 2, { data, sizeof(data) } }, *cr;
	struct priv_tap_ids ti = { { ids, 3 } }, *tr;
	struct ag_exec	 ae = { { argv, 2 }, { env, 1 }, "/w", 1, 100,
			    30, "app:staff" };
	struct ag_exec	*ar;
	struct priv_tap	 tap = { 5, "bgtap5", "10.0.0.2", "10.0.0.1", 24,
			    "02:42:0a:00:00:02" }, *pr;
	struct buf	 out = { 0 };
	struct msg_hdr	 hdr;
	char		 err[MSG_ERRLEN];

	(void)state;
#define RT(P, T, in, outp) do {						\
	buf_reset(&out);						\
	assert_int_equal(msg_frame(&(P), (T), 99, (in), &out), 0);	\
	if (msg_decode(&(P), out.p + 4, out.len - 4, &hdr,		\
	    (void **)&(outp), err, sizeof(err)) != 0)			\
		fail_msg("%s", err);					\
	assert_int_equal(hdr.type, (T));				\
	assert_true(hdr.id == 99);					\
} while (0)
	RT(ctl_proto, CTL_VM_RUN, &run, rr);
	assert_string_equal(rr->name, "box");
	assert_int_equal(rr->rm, 1);
	assert_int_equal(rr->tty, 0);
	assert_int_equal(rr->cols, 80);
	assert_int_equal(rr->rows, 24);
	assert_int_equal(rr->argv.n, 2);
	assert_string_equal(rr->argv.v[1], "test");
	assert_null(rr->argv.v[2]);
	msg_free(&ctl_proto, CTL_VM_RUN, rr);

	RT(ctl_proto, CTL_EXIT, &ex, er);
	assert_int_equal(er->status, -9);
	assert_int_equal(er->signo, 9);
	msg_free(&ctl_proto, CTL_EXIT, er);

	RT(ctl_proto, CTL_OUTPUT, &co, cr);
	assert_int_equal(cr->stream, 2);
	assert_int_equal(cr->data.len, 4);
	assert_memory_equal(cr->data.p, data, 4);
	msg_free(&ctl_proto, CTL_OUTPUT, cr);

	RT(priv_proto, PRIV_TAP_IDS, &ti, tr);
	assert_int_equal(tr->vm_ids.n, 3);
	assert_memory_equal(tr->vm_ids.v, ids, sizeof(ids));
	msg_free(&priv_proto, PRIV_TAP_IDS, tr);

	RT(priv_proto, PRIV_TAP, &tap, pr);
	assert_int_equal(pr->vm_id, 5);
	assert_string_equal(pr->name, "bgtap5");
	assert_string_equal(pr->address, "10.0.0.2");
	assert_string_equal(pr->gateway, "10.0.0.1");
	assert_int_equal(pr->prefix, 24);
	assert_string_equal(pr->mac, "02:42:0a:00:00:02");
	msg_free(&priv_proto, PRIV_TAP, pr);

	RT(agent_proto, AG_EXEC, &ae, ar);
	assert_int_equal(ar->argv.n, 2);
	assert_string_equal(ar->argv.v[0], "make");
	assert_int_equal(ar->env.n, 1);
	assert_string_equal(ar->env.v[0], "A=1");
	assert_string_equal(ar->cwd, "/w");
	assert_int_equal(ar->tty, 1);
	assert_int_equal(ar->cols, 100);
	assert_int_equal(ar->rows, 30);
	assert_string_equal(ar->user, "app:staff");
	msg_free(&agent_proto, AG_EXEC, ar);
#undef RT
	buf_free(&out);
}

/* msg_frame refuses to encode what the peer would refuse to decode. */
static void
test_encode_bounds(void **state)
{
	char		 big[VM_NAME_MAX + 2];
	char		*argv[] = { "x", NULL };
	struct ctl_vm_run run = { .name = big, .cols = 1, .rows = 1,
	    .image = "", .workspace = "", .ws_name = "", .branch = "",
	    .from = "", .argv = { argv, 1 } };
	struct ctl_winsize ws = { 65536, 1 };
	struct ctl_exit	 ex = { 256, 0 };
	struct buf	 out = { 0 };

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(buf_append(&out, "keep", 4), 0);
	assert_int_equal(msg_frame(&ctl_proto, CTL_VM_RUN, 1, &run, &out), -1);
	assert_int_equal(msg_frame(&ctl_proto, CTL_WINSIZE, 1, &ws, &out), -1);
	assert_int_equal(msg_frame(&ctl_proto, CTL_EXIT, 1, &ex, &out), -1);
	assert_int_equal(msg_frame(&ctl_proto, 0xffff, 1, &ex, &out), -1);
	/* A failed encode leaves what was already queued untouched. */
	assert_int_equal(out.len, 4);
	assert_memory_equal(out.p, "keep", 4);
	buf_free(&out);
}

static void
test_default_maps_accepted(void **state)
{
	struct spec	 s;
	size_t		 p, i;

	(void)state;
	for (p = 0; p < NPROTOS; p++)
		for (i = 0; i < protos[p]->ntypes; i++) {
			memset(&s, 0, sizeof(s));
			s.proto = protos[p];
			s.type = protos[p]->types[i].type;
			expect(&s, 1, "baseline");
		}
}

static void
test_field_cases(void **state)
{
	const struct msg_type	*mt;
	const struct msg_field	*f;
	struct spec		 s;
	size_t			 p, i, j, c;

	(void)state;
	for (p = 0; p < NPROTOS; p++)
		for (i = 0; i < protos[p]->ntypes; i++) {
			mt = &protos[p]->types[i];
			for (j = 0; j < mt->nfields; j++) {
				f = &mt->fields[j];
				for (c = 0; c < sizeof(fcases) /
				    sizeof(fcases[0]); c++) {
					if (fcases[c].ft != f->type)
						continue;
					if (fcases[c].skip && (f->max >=
					    INT64_MAX || (f->type == MF_U64 &&
					    f->max == UINT64_MAX)))
						continue;
					memset(&s, 0, sizeof(s));
					s.proto = protos[p];
					s.type = mt->type;
					s.key = f->name;
					s.fn = fcases[c].fn;
					expect(&s, fcases[c].ok,
					    fcases[c].what);
				}
			}
		}
}

static void
test_envelope(void **state)
{
	const struct msg_type	*mt;
	msgpack_sbuffer		 sb;
	struct spec		 s;
	char			 err[MSG_ERRLEN];
	size_t			 p, i;

	(void)state;
	for (p = 0; p < NPROTOS; p++)
		for (i = 0; i < protos[p]->ntypes; i++) {
			mt = &protos[p]->types[i];
			memset(&s, 0, sizeof(s));
			s.proto = protos[p];
			s.type = mt->type;
#define CASE(field, val, ok, what) do {					\
	struct spec t = s;						\
	t.field = val;							\
	expect(&t, ok, what);						\
} while (0)
#define VAL(k, f, ok, what) do {					\
	struct spec t = s;						\
	t.key = k;							\
	t.fn = f;							\
	expect(&t, ok, what);						\
} while (0)
			CASE(omit, "v", 0, "missing v");
			CASE(omit, "t", 0, "missing t");
			CASE(omit, "id", 0, "missing id");
			CASE(extra, "v", 0, "duplicate v");
			CASE(extra, "t", 0, "duplicate t");
			CASE(extra, "id", 0, "duplicate id");
			CASE(extra, "zzz", 0, "unknown key");
			CASE(extra, "", 0, "empty key");
			VAL("v", fn_zero, 0, "version 0");
			VAL("v", fn_u32max, 0, "version 2^32");
			VAL("v", fn_neg1, 0, "negative version");
			VAL("v", fn_str1, 0, "string version");
			VAL("t", fn_zero, 0, "type 0");
			VAL("t", fn_u32max, 0, "type 2^32");
			VAL("t", fn_str1, 0, "string type");
			VAL("t", fn_neg1, 0, "negative type");
			VAL("id", fn_u64max, 1, "id 2^64-1");
			VAL("id", fn_zero, 1, "id 0");
			VAL("id", fn_neg1, 0, "negative id");
			VAL("id", fn_str1, 0, "string id");
			VAL("id", fn_nil, 0, "nil id");
			VAL("id", fn_float, 0, "float id");
			{
				/* Another protocol's version number. */
				struct spec	 t = s;
				struct msg_proto other = *protos[p];

				other.version++;
				t.proto = &other;
				build(&sb, &t);
				assert_int_equal(decode_raw(protos[p], sb.data,
				    sb.size, err), -1);
				msgpack_sbuffer_destroy(&sb);
			}
			if (mt->nfields == 0)
				continue;
			CASE(omit, mt->fields[0].name, 0, "missing field");
			CASE(extra, mt->fields[0].name, 0, "duplicate field");
			{
				/* The key count is right but a key repeats. */
				struct spec	 t = s;

				if (mt->nfields >= 2) {
					t.omit = mt->fields[1].name;
					t.extra = mt->fields[0].name;
					expect(&t, 0, "dup field, count kept");
				}
				t = s;
				t.omit = mt->fields[0].name;
				t.extra = "zzz";
				expect(&t, 0, "unknown key, count kept");
				t = s;
				t.omit = mt->fields[0].name;
				t.extra = "id";
				expect(&t, 0, "dup id, count kept");
			}
#undef CASE
#undef VAL
		}
}

/* Unknown type numbers: one above the largest and a big one. */
static void
test_unknown_type(void **state)
{
	struct spec	 s;
	uint32_t	 max = 0;
	size_t		 p, i;

	(void)state;
	for (p = 0; p < NPROTOS; p++) {
		for (i = 0; i < protos[p]->ntypes; i++)
			if (protos[p]->types[i].type > max)
				max = protos[p]->types[i].type;
		memset(&s, 0, sizeof(s));
		s.proto = protos[p];
		s.type = max + 1;
		expect(&s, 0, "unknown type");
		s.type = 0x7fffffff;
		expect(&s, 0, "unknown type");
	}
}

static void
test_not_a_map(void **state)
{
	static const struct {
		const char	*bytes;
		size_t		 len;
	} raw[] = {
		{ "", 0 },
		{ "\xc0", 1 },			/* nil */
		{ "\x01", 1 },			/* int */
		{ "\xa1v", 2 },			/* str */
		{ "\x93\x01\x01\x07", 4 },	/* [1, 1, 7] */
		{ "\x80", 1 },			/* {} */
		{ "\xc1", 1 },			/* never used */
		{ "\xd4\x01\x00", 3 },		/* fixext 1 */
		{ "\xcb\x3f\xf0\0\0\0\0\0\0", 9 }, /* 1.0 */
		/* Counts and lengths far beyond the input. */
		{ "\xdf\xff\xff\xff\xff", 5 },
		{ "\xdd\xff\xff\xff\xff", 5 },
		{ "\xdb\xff\xff\xff\xff", 5 },
		{ "\xc6\xff\xff\xff\xff", 5 },
		{ "\x81\xa1v\xdd\x7f\xff\xff\xff", 8 },
		/* {1: 1, ...}: a key that is not a string. */
		{ "\x83\x01\x01\xa1t\x01\xa2id\x07", 10 },
		/* {"v": {"v": {"v": 1}}}: deeper than any schema. */
		{ "\x81\xa1v\x81\xa1v\x81\xa1v\x01", 10 },
	};
	char	 err[MSG_ERRLEN];
	size_t	 p, i;

	(void)state;
	for (p = 0; p < NPROTOS; p++)
		for (i = 0; i < sizeof(raw) / sizeof(raw[0]); i++)
			if (decode_raw(protos[p], raw[i].bytes, raw[i].len,
			    err) != -1)
				fail_msg("raw case %zu accepted", i);
}

static void
test_trailing_and_truncated(void **state)
{
	msgpack_sbuffer	 sb, sb2;
	struct spec	 s;
	char		 err[MSG_ERRLEN];
	size_t		 p, i, n;

	(void)state;
	for (p = 0; p < NPROTOS; p++)
		for (i = 0; i < protos[p]->ntypes; i++) {
			memset(&s, 0, sizeof(s));
			s.proto = protos[p];
			s.type = protos[p]->types[i].type;
			s.tail = "\xc0";
			s.ntail = 1;
			expect(&s, 0, "one trailing byte");
			s.tail = "\0";
			expect(&s, 0, "trailing NUL");
			/* Two whole messages in one payload. */
			s.ntail = 0;
			build(&sb, &s);
			build(&sb2, &s);
			msgpack_sbuffer_write(&sb, sb2.data, sb2.size);
			assert_int_equal(decode_raw(protos[p], sb.data,
			    sb.size, err), -1);
			/* Every strict prefix of a valid message. */
			assert_int_equal(decode_raw(protos[p], sb2.data,
			    sb2.size, err), 0);
			for (n = 0; n < sb2.size; n++)
				if (decode_raw(protos[p], sb2.data, n, err) !=
				    -1)
					fail_msg("%s %s: prefix %zu of %zu "
					    "accepted", protos[p]->name,
					    msg_typename(protos[p], s.type),
					    n, sb2.size);
			msgpack_sbuffer_destroy(&sb);
			msgpack_sbuffer_destroy(&sb2);
		}
}

/* Key order inside the map carries no meaning. */
static void
test_key_order(void **state)
{
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	struct msg_hdr	 hdr;
	struct ctl_exit	*ex;
	char		 err[MSG_ERRLEN];

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 5);
	pk_cstr(&pk, "signo", 5);
	msgpack_pack_uint64(&pk, 15);
	pk_cstr(&pk, "id", 2);
	msgpack_pack_uint64(&pk, 3);
	pk_cstr(&pk, "status", 6);
	msgpack_pack_int64(&pk, -1);
	pk_cstr(&pk, "t", 1);
	msgpack_pack_uint64(&pk, CTL_EXIT);
	pk_cstr(&pk, "v", 1);
	msgpack_pack_uint64(&pk, CTL_VERSION);
	if (msg_decode(&ctl_proto, (const uint8_t *)sb.data, sb.size, &hdr,
	    (void **)&ex, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(ex->signo, 15);
	assert_int_equal(ex->status, -1);
	assert_true(hdr.id == 3);
	msg_free(&ctl_proto, CTL_EXIT, ex);
	msgpack_sbuffer_destroy(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_sane),
		cmocka_unit_test(test_roundtrip_all),
		cmocka_unit_test(test_roundtrip_named),
		cmocka_unit_test(test_encode_bounds),
		cmocka_unit_test(test_default_maps_accepted),
		cmocka_unit_test(test_field_cases),
		cmocka_unit_test(test_envelope),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_not_a_map),
		cmocka_unit_test(test_trailing_and_truncated),
		cmocka_unit_test(test_key_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
