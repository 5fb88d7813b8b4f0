/*
 * Schema-driven msgpack encoding and strict decoding.
 *
 * msgpack-c sizes its allocations from the element counts an object
 * declares, so before handing bytes to it we walk them once (msg_precheck)
 * to prove every declared count and length fits in the bytes that remain
 * and that nesting is no deeper than our schemas use.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "msg.h"
#include "frame.h"

#define MSG_MAXDEPTH	2	/* a map of scalars and flat arrays */
#define MSG_MAXFIELDS	32

static void	seterr(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const struct msg_type *
msg_lookup(const struct msg_proto *proto, uint32_t type)
{
	size_t	 i;

	for (i = 0; i < proto->ntypes; i++)
		if (proto->types[i].type == type)
			return &proto->types[i];
	return NULL;
}

const char *
msg_typename(const struct msg_proto *proto, uint32_t type)
{
	const struct msg_type	*mt;

	if ((mt = msg_lookup(proto, type)) == NULL)
		return "unknown";
	return mt->name;
}

static uint64_t
be(const uint8_t *p, size_t n)
{
	uint64_t	 v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

/*
 * Walk one msgpack object at *off.  Returns 0 if it is well-formed, fits in
 * len and is nested at most MSG_MAXDEPTH deep.
 */
static int
msg_precheck(const uint8_t *p, size_t len, size_t *off, int depth)
{
	uint8_t		 c;
	uint64_t	 n = 0, skip = 0;
	int		 container = 0;	/* 1 array, 2 map */

	if (*off >= len)
		return -1;
	c = p[(*off)++];
	if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3)
		return 0;
	if (c >= 0xa0 && c <= 0xbf)
		skip = c & 0x1f;
	else if (c >= 0x90 && c <= 0x9f) {
		container = 1;
		n = c & 0x0f;
	} else if (c >= 0x80 && c <= 0x8f) {
		container = 2;
		n = c & 0x0f;
	} else {
		size_t	 w;

		switch (c) {
		case 0xcc: case 0xd0: skip = 1; break;
		case 0xcd: case 0xd1: skip = 2; break;
		case 0xce: case 0xd2: case 0xca: skip = 4; break;
		case 0xcf: case 0xd3: case 0xcb: skip = 8; break;
		case 0xd9: case 0xc4: w = 1; goto lenfield;
		case 0xda: case 0xc5: w = 2; goto lenfield;
		case 0xdb: case 0xc6: w = 4; goto lenfield;
		case 0xdc: container = 1; w = 2; goto countfield;
		case 0xdd: container = 1; w = 4; goto countfield;
		case 0xde: container = 2; w = 2; goto countfield;
		case 0xdf: container = 2; w = 4; goto countfield;
		default:
			return -1;	/* ext types and 0xc1 are never ours */
		}
		goto body;
lenfield:
		if (len - *off < w)
			return -1;
		skip = be(p + *off, w);
		*off += w;
		goto body;
countfield:
		if (len - *off < w)
			return -1;
		n = be(p + *off, w);
		*off += w;
	}
body:
	if (!container) {
		if (skip > len - *off)
			return -1;
		*off += skip;
		return 0;
	}
	if (depth >= MSG_MAXDEPTH)
		return -1;
	/* Every element takes at least one byte. */
	if (container == 2 && n > (len - *off) / 2)
		return -1;
	if (n > len - *off)
		return -1;
	if (container == 2)
		n *= 2;
	while (n-- > 0)
		if (msg_precheck(p, len, off, depth + 1) == -1)
			return -1;
	return 0;
}

static int
str_ok(const msgpack_object *o, uint64_t max)
{
	return o->type == MSGPACK_OBJECT_STR && o->via.str.size <= max &&
	    memchr(o->via.str.ptr, '\0', o->via.str.size) == NULL;
}

static char *
str_dup(const msgpack_object *o)
{
	char	*s;

	if ((s = malloc(o->via.str.size + 1)) == NULL)
		return NULL;
	memcpy(s, o->via.str.ptr, o->via.str.size);
	s[o->via.str.size] = '\0';
	return s;
}

static int
key_is(const msgpack_object *k, const char *name)
{
	size_t	 n = strlen(name);

	return k->via.str.size == n && memcmp(k->via.str.ptr, name, n) == 0;
}

static int
get_u64(const msgpack_object *o, uint64_t max, uint64_t *v)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    o->via.u64 > max)
		return -1;
	*v = o->via.u64;
	return 0;
}

static int
decode_field(const struct msg_field *f, const msgpack_object *o,
    void *body, char *err, size_t errlen)
{
	char		*dst = (char *)body + f->off;
	uint64_t	 u;
	uint32_t	 i;

	switch (f->type) {
	case MF_U64:
		if (get_u64(o, f->max, &u) == -1)
			goto bad;
		*(uint64_t *)dst = u;
		return 0;
	case MF_I64:
		if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
		    o->via.u64 <= f->max && o->via.u64 <= INT64_MAX)
			*(int64_t *)dst = (int64_t)o->via.u64;
		else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER &&
		    (uint64_t)-(o->via.i64 + 1) < f->max)
			*(int64_t *)dst = o->via.i64;
		else
			goto bad;
		return 0;
	case MF_BOOL:
		if (o->type != MSGPACK_OBJECT_BOOLEAN)
			goto bad;
		*(int *)dst = o->via.boolean ? 1 : 0;
		return 0;
	case MF_STR:
		if (!str_ok(o, f->max))
			goto bad;
		if ((*(char **)dst = str_dup(o)) == NULL)
			goto nomem;
		return 0;
	case MF_BIN: {
		struct msg_bin	*b = (struct msg_bin *)dst;

		if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size > f->max)
			goto bad;
		if ((b->p = malloc(o->via.bin.size + 1)) == NULL)
			goto nomem;
		memcpy(b->p, o->via.bin.ptr, o->via.bin.size);
		b->len = o->via.bin.size;
		return 0;
	}
	case MF_STRV: {
		struct msg_strv	*sv = (struct msg_strv *)dst;

		if (o->type != MSGPACK_OBJECT_ARRAY ||
		    o->via.array.size > f->max)
			goto bad;
		if ((sv->v = calloc(o->via.array.size + 1, sizeof(char *)))
		    == NULL)
			goto nomem;
		for (i = 0; i < o->via.array.size; i++) {
			if (!str_ok(&o->via.array.ptr[i], f->elmax))
				goto bad;
			if ((sv->v[i] = str_dup(&o->via.array.ptr[i])) == NULL)
				goto nomem;
			sv->n = i + 1;
		}
		return 0;
	}
	case MF_U64V: {
		struct msg_u64v	*uv = (struct msg_u64v *)dst;

		if (o->type != MSGPACK_OBJECT_ARRAY ||
		    o->via.array.size > f->max)
			goto bad;
		if ((uv->v = calloc(o->via.array.size + 1, sizeof(uint64_t)))
		    == NULL)
			goto nomem;
		for (i = 0; i < o->via.array.size; i++) {
			if (get_u64(&o->via.array.ptr[i], f->elmax, &u) == -1)
				goto bad;
			uv->v[i] = u;
		}
		uv->n = o->via.array.size;
		return 0;
	}
	}
bad:
	seterr(err, errlen, "field \"%s\": wrong type or out of bounds",
	    f->name);
	return -1;
nomem:
	seterr(err, errlen, "field \"%s\": out of memory", f->name);
	return -1;
}

int
msg_decode(const struct msg_proto *proto, const uint8_t *p, size_t len,
    struct msg_hdr *hdr, void **bodyp, char *err, size_t errlen)
{
	msgpack_unpacked	 up;
	const msgpack_object	*m, *k, *v;
	const struct msg_type	*mt = NULL;
	uint64_t		 u, seen = 0;
	size_t			 off = 0, i, j;
	int			 have_v = 0, have_t = 0, have_id = 0;
	void			*body = NULL;

	*bodyp = NULL;
	if (msg_precheck(p, len, &off, 0) == -1) {
		seterr(err, errlen, "malformed or oversized msgpack");
		return -1;
	}
	if (off != len) {
		seterr(err, errlen, "%zu trailing bytes", len - off);
		return -1;
	}
	msgpack_unpacked_init(&up);
	off = 0;
	if (msgpack_unpack_next(&up, (const char *)p, len, &off) !=
	    MSGPACK_UNPACK_SUCCESS || off != len) {
		seterr(err, errlen, "msgpack does not unpack");
		goto fail;
	}
	m = &up.data;
	if (m->type != MSGPACK_OBJECT_MAP) {
		seterr(err, errlen, "message is not a map");
		goto fail;
	}
	/* Envelope first: the type decides the schema. */
	for (i = 0; i < m->via.map.size; i++) {
		k = &m->via.map.ptr[i].key;
		v = &m->via.map.ptr[i].val;
		if (k->type != MSGPACK_OBJECT_STR) {
			seterr(err, errlen, "map key is not a string");
			goto fail;
		}
		if (key_is(k, "v") || key_is(k, "t") || key_is(k, "id")) {
			int	*flag = key_is(k, "v") ? &have_v :
			    key_is(k, "t") ? &have_t : &have_id;

			if (*flag) {
				seterr(err, errlen, "duplicate envelope key");
				goto fail;
			}
			*flag = 1;
			if (get_u64(v, key_is(k, "id") ? UINT64_MAX :
			    UINT32_MAX, &u) == -1) {
				seterr(err, errlen, "bad envelope value");
				goto fail;
			}
			if (key_is(k, "v"))
				hdr->version = u;
			else if (key_is(k, "t"))
				hdr->type = u;
			else
				hdr->id = u;
		}
	}
	if (!have_v || !have_t || !have_id) {
		seterr(err, errlen, "missing envelope key");
		goto fail;
	}
	if (hdr->version != proto->version) {
		seterr(err, errlen, "%s protocol version %u, expected %u",
		    proto->name, hdr->version, proto->version);
		goto fail;
	}
	if ((mt = msg_lookup(proto, hdr->type)) == NULL) {
		seterr(err, errlen, "unknown %s message type %u", proto->name,
		    hdr->type);
		goto fail;
	}
	if (m->via.map.size != mt->nfields + 3) {
		seterr(err, errlen, "%s: %u keys, expected %zu", mt->name,
		    m->via.map.size, mt->nfields + 3);
		goto fail;
	}
	if ((body = calloc(1, mt->size)) == NULL) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; i < m->via.map.size; i++) {
		k = &m->via.map.ptr[i].key;
		v = &m->via.map.ptr[i].val;
		if (key_is(k, "v") || key_is(k, "t") || key_is(k, "id"))
			continue;
		for (j = 0; j < mt->nfields; j++)
			if (key_is(k, mt->fields[j].name))
				break;
		if (j == mt->nfields) {
			seterr(err, errlen, "%s: unknown key \"%.*s\"",
			    mt->name, (int)(k->via.str.size > 32 ? 32 :
			    k->via.str.size), k->via.str.ptr);
			goto fail;
		}
		if (seen & (1ULL << j)) {
			seterr(err, errlen, "%s: duplicate key \"%s\"",
			    mt->name, mt->fields[j].name);
			goto fail;
		}
		seen |= 1ULL << j;
		if (decode_field(&mt->fields[j], v, body, err, errlen) == -1)
			goto fail;
	}
	/* nfields + 3 keys, no duplicates, none unknown: all are present. */
	msgpack_unpacked_destroy(&up);
	*bodyp = body;
	return 0;
fail:
	if (body != NULL)
		msg_free(proto, hdr->type, body);
	msgpack_unpacked_destroy(&up);
	return -1;
}

void
msg_free(const struct msg_proto *proto, uint32_t type, void *body)
{
	const struct msg_type	*mt;
	const struct msg_field	*f;
	char			*dst;
	size_t			 i, j;

	if (body == NULL)
		return;
	if ((mt = msg_lookup(proto, type)) == NULL) {
		free(body);
		return;
	}
	for (i = 0; i < mt->nfields; i++) {
		f = &mt->fields[i];
		dst = (char *)body + f->off;
		switch (f->type) {
		case MF_STR:
			free(*(char **)dst);
			break;
		case MF_BIN:
			free(((struct msg_bin *)dst)->p);
			break;
		case MF_STRV: {
			struct msg_strv	*sv = (struct msg_strv *)dst;

			if (sv->v != NULL)
				for (j = 0; sv->v[j] != NULL; j++)
					free(sv->v[j]);
			free(sv->v);
			break;
		}
		case MF_U64V:
			free(((struct msg_u64v *)dst)->v);
			break;
		default:
			break;
		}
	}
	free(body);
}

static int
pk_write(void *data, const char *p, size_t len)
{
	return buf_append(data, p, len);
}

static void
pk_str(msgpack_packer *pk, const char *s, size_t n)
{
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

static int
encode_field(msgpack_packer *pk, const struct msg_field *f, const void *body)
{
	const char	*src = (const char *)body + f->off;
	size_t		 i, n;

	pk_str(pk, f->name, strlen(f->name));
	switch (f->type) {
	case MF_U64:
		if (*(const uint64_t *)src > f->max)
			return -1;
		return msgpack_pack_uint64(pk, *(const uint64_t *)src);
	case MF_I64: {
		int64_t	 v = *(const int64_t *)src;

		if ((v >= 0 && (uint64_t)v > f->max) ||
		    (v < 0 && (uint64_t)-(v + 1) >= f->max))
			return -1;
		return msgpack_pack_int64(pk, v);
	}
	case MF_BOOL:
		return *(const int *)src ? msgpack_pack_true(pk) :
		    msgpack_pack_false(pk);
	case MF_STR: {
		const char	*s = *(char * const *)src;

		if (s == NULL)
			s = "";
		if ((n = strlen(s)) > f->max)
			return -1;
		pk_str(pk, s, n);
		return 0;
	}
	case MF_BIN: {
		const struct msg_bin	*b = (const struct msg_bin *)src;

		if (b->len > f->max)
			return -1;
		msgpack_pack_bin(pk, b->len);
		return msgpack_pack_bin_body(pk, b->p, b->len);
	}
	case MF_STRV: {
		const struct msg_strv	*sv = (const struct msg_strv *)src;

		if (sv->n > f->max)
			return -1;
		msgpack_pack_array(pk, sv->n);
		for (i = 0; i < sv->n; i++) {
			if ((n = strlen(sv->v[i])) > f->elmax)
				return -1;
			pk_str(pk, sv->v[i], n);
		}
		return 0;
	}
	case MF_U64V: {
		const struct msg_u64v	*uv = (const struct msg_u64v *)src;

		if (uv->n > f->max)
			return -1;
		msgpack_pack_array(pk, uv->n);
		for (i = 0; i < uv->n; i++) {
			if (uv->v[i] > f->elmax)
				return -1;
			msgpack_pack_uint64(pk, uv->v[i]);
		}
		return 0;
	}
	}
	return -1;
}

int
msg_frame(const struct msg_proto *proto, uint32_t type, uint64_t id,
    const void *body, struct buf *out)
{
	const struct msg_type	*mt;
	msgpack_packer		 pk;
	size_t			 start = out->len, plen, i;
	uint8_t			 hdr[FRAME_HDR] = { 0 };

	if ((mt = msg_lookup(proto, type)) == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (buf_append(out, hdr, sizeof(hdr)) == -1)
		return -1;
	msgpack_packer_init(&pk, out, pk_write);
	msgpack_pack_map(&pk, mt->nfields + 3);
	pk_str(&pk, "v", 1);
	msgpack_pack_uint32(&pk, proto->version);
	pk_str(&pk, "t", 1);
	msgpack_pack_uint32(&pk, type);
	pk_str(&pk, "id", 2);
	msgpack_pack_uint64(&pk, id);
	for (i = 0; i < mt->nfields; i++)
		if (encode_field(&pk, &mt->fields[i], body) == -1) {
			out->len = start;
			errno = EINVAL;
			return -1;
		}
	plen = out->len - start - FRAME_HDR;
	if (plen > UINT32_MAX) {
		out->len = start;
		errno = EMSGSIZE;
		return -1;
	}
	out->p[start] = plen >> 24;
	out->p[start + 1] = plen >> 16;
	out->p[start + 2] = plen >> 8;
	out->p[start + 3] = plen;
	return 0;
}
