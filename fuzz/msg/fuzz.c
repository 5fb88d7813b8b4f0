/*
 * msg_decode() against one protocol, chosen by the first byte.  Whatever
 * decodes must encode again with msg_frame(), decode to the same values,
 * and encode to the same bytes the second time.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "frame.h"
#include "msg.h"
#include "proto.h"
#include "proto_net.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct msg_proto *protos[] = {
	&ctl_proto, &priv_proto, &agent_proto, &launch_proto, &net_proto,
};

static void
same_field(const struct msg_field *f, const void *a, const void *b)
{
	const char	*x = (const char *)a + f->off;
	const char	*y = (const char *)b + f->off;
	size_t		 i;

	switch (f->type) {
	case MF_U64:
	case MF_I64:
		if (memcmp(x, y, 8) != 0)
			abort();
		return;
	case MF_BOOL:
		if (*(const int *)x != *(const int *)y ||
		    (*(const int *)x & ~1) != 0)
			abort();
		return;
	case MF_STR:
		if (strcmp(*(char * const *)x, *(char * const *)y) != 0 ||
		    strlen(*(char * const *)x) > f->max)
			abort();
		return;
	case MF_BIN: {
		const struct msg_bin	*p = (const void *)x;
		const struct msg_bin	*q = (const void *)y;

		if (p->len != q->len || p->len > f->max ||
		    (p->len > 0 && memcmp(p->p, q->p, p->len) != 0))
			abort();
		return;
	}
	case MF_STRV: {
		const struct msg_strv	*p = (const void *)x;
		const struct msg_strv	*q = (const void *)y;

		if (p->n != q->n || p->n > f->max || p->v[p->n] != NULL ||
		    q->v[q->n] != NULL)
			abort();
		for (i = 0; i < p->n; i++)
			if (strcmp(p->v[i], q->v[i]) != 0 ||
			    strlen(p->v[i]) > f->elmax)
				abort();
		return;
	}
	case MF_U64V: {
		const struct msg_u64v	*p = (const void *)x;
		const struct msg_u64v	*q = (const void *)y;

		if (p->n != q->n || p->n > f->max)
			abort();
		for (i = 0; i < p->n; i++)
			if (p->v[i] != q->v[i] || p->v[i] > f->elmax)
				abort();
		return;
	}
	}
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct msg_proto	*proto;
	const struct msg_type	*mt;
	struct msg_hdr		 h1, h2;
	struct buf		 e1 = { 0 }, e2 = { 0 };
	void			*b1, *b2;
	char			 err[MSG_ERRLEN];
	size_t			 i, plen;

	if (size < 1)
		return 0;
	proto = protos[data[0] % (sizeof(protos) / sizeof(protos[0]))];
	if (msg_decode(proto, data + 1, size - 1, &h1, &b1, err,
	    sizeof(err)) == -1) {
		if (b1 != NULL || err[0] == '\0')
			abort();
		return 0;
	}
	if (h1.version != proto->version ||
	    (mt = msg_lookup(proto, h1.type)) == NULL)
		abort();

	if (msg_frame(proto, h1.type, h1.id, b1, &e1) == -1 ||
	    frame_peek(e1.p, e1.len, e1.len, &plen) != FRAME_OK ||
	    plen != e1.len - FRAME_HDR)
		abort();
	if (msg_decode(proto, e1.p + FRAME_HDR, plen, &h2, &b2, err,
	    sizeof(err)) == -1)
		abort();
	if (h2.version != h1.version || h2.type != h1.type || h2.id != h1.id)
		abort();
	for (i = 0; i < mt->nfields; i++)
		same_field(&mt->fields[i], b1, b2);
	if (msg_frame(proto, h2.type, h2.id, b2, &e2) == -1 ||
	    e1.len != e2.len || memcmp(e1.p, e2.p, e1.len) != 0)
		abort();

	msg_free(proto, h1.type, b1);
	msg_free(proto, h2.type, b2);
	buf_free(&e1);
	buf_free(&e2);
	return 0;
}
