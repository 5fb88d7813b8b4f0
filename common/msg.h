/*
 * Strict msgpack messages.  A message is one map: "v" (protocol version),
 * "t" (message type), "id" (request id) and exactly the fields the type's
 * schema lists, each of the listed msgpack type and within its bounds.
 * Unknown, duplicate or missing keys, wrong types, out-of-range values and
 * trailing bytes are all errors.
 */
#ifndef BANGER_MSG_H
#define BANGER_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum msg_ftype {
	MF_U64,		/* uint64_t, 0..max */
	MF_I64,		/* int64_t, -max..max */
	MF_BOOL,	/* int, 0 or 1 */
	MF_STR,		/* char *, NUL-terminated, no NUL inside, <= max bytes */
	MF_BIN,		/* struct msg_bin, <= max bytes */
	MF_STRV,	/* struct msg_strv, <= max entries of <= elmax bytes */
	MF_U64V,	/* struct msg_u64v, <= max entries each <= elmax */
};

struct msg_bin {
	uint8_t	*p;
	size_t	 len;
};

struct msg_strv {
	char	**v;	/* NULL-terminated */
	size_t	  n;
};

struct msg_u64v {
	uint64_t *v;
	size_t	  n;
};

struct msg_field {
	const char	*name;
	enum msg_ftype	 type;
	size_t		 off;
	uint64_t	 max;
	uint64_t	 elmax;
};

struct msg_type {
	uint32_t		 type;
	const char		*name;
	const struct msg_field	*fields;
	size_t			 nfields;
	size_t			 size;	/* sizeof the body struct */
};

struct msg_proto {
	const char		*name;
	uint32_t		 version;
	const struct msg_type	*types;
	size_t			 ntypes;
};

struct msg_hdr {
	uint32_t	 version;
	uint32_t	 type;
	uint64_t	 id;
};

#define MSG_ERRLEN	128

const struct msg_type *msg_lookup(const struct msg_proto *, uint32_t);
const char	*msg_typename(const struct msg_proto *, uint32_t);

/*
 * Decode payload (without frame prefix).  On success returns 0, fills hdr
 * and *body with a calloc'd struct of the type's size; free it with
 * msg_free().  On failure returns -1 and writes a reason to err.
 */
int	msg_decode(const struct msg_proto *, const uint8_t *, size_t,
	    struct msg_hdr *, void **, char *, size_t);
void	msg_free(const struct msg_proto *, uint32_t, void *);

/* Append one whole frame (prefix + payload) for body to out. */
int	msg_frame(const struct msg_proto *, uint32_t, uint64_t, const void *,
	    struct buf *);

#endif
