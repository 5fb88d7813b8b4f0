/*
 * The helper's side of the bangerd channel, decoded as strictly as
 * common/msg.c does: exactly the keys a request has, each once and of its
 * type, vm_id in range, the right version, nothing after the map.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "wire.h"

/* A request's keys, and each request type's as a mask of their bits. */
enum { K_V, K_T, K_ID, K_VMID, K_PERSIST, K_TCP, K_ALLOW, K_ADDRS, K_TTL,
	K_ADDR, K_PORT, K_N };
#define ENV	(1u << K_V | 1u << K_T | 1u << K_ID)
#define VMID	(1u << K_VMID)

static const char *const keys[K_N] = { "v", "t", "id", "vm_id", "persist",
	"tcp", "allowlist", "addrs", "ttl", "addr", "port" };
#define BOOLS	(1u << K_PERSIST | 1u << K_TCP | 1u << K_ALLOW)
/* The types the helper sends; anything else is not packed. */
#define REPLIES	(1u << PRIV_OK | 1u << PRIV_ERROR | 1u << PRIV_BRIDGE | \
	1u << PRIV_TAP | 1u << PRIV_TAP_IDS | 1u << PRIV_DISK | \
	1u << PRIV_DISK_IDS | 1u << PRIV_DNS_SOCK)
static const unsigned	 want[PRIV_TYPE_MAX + 1] = {
	[PRIV_BRIDGE_ENSURE] = ENV, [PRIV_TAP_LIST] = ENV,
	[PRIV_DISK_LIST] = ENV, [PRIV_TAP_DELETE] = ENV | VMID,
	[PRIV_DISK_SNAPSHOT] = ENV | VMID, [PRIV_DISK_RELEASE] = ENV | VMID,
	[PRIV_TAP_CREATE] = ENV | VMID | 1u << K_PERSIST,
	[PRIV_DNS_LISTEN] = ENV | 1u << K_TCP,
	[PRIV_TAP_EGRESS] = ENV | VMID | 1u << K_ALLOW | 1u << K_ADDRS |
	    1u << K_TTL,
	[PRIV_PORT_LISTEN] = ENV | 1u << K_ADDR | 1u << K_PORT,
};

ssize_t
wire_recv(int fd, uint8_t *pkt, int *fds, size_t *nfds)
{
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(FRAME_MAXFDS * sizeof(int))];
	} cmsg;
	struct iovec	 iov = { pkt, WIRE_PKT_MAX };
	struct msghdr	 mh = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cmsg.buf,
			    .msg_controllen = sizeof(cmsg.buf) };
	struct cmsghdr	*cm;
	size_t		 plen = 0, i;
	ssize_t		 n;

	*nfds = 0;
	do {
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	/* The one SCM_RIGHTS; the kernel cuts what cmsg cannot hold. */
	if ((cm = CMSG_FIRSTHDR(&mh)) != NULL && cm->cmsg_level ==
	    SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
		*nfds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		*nfds = *nfds > FRAME_MAXFDS ? FRAME_MAXFDS : *nfds;
		memcpy(fds, CMSG_DATA(cm), *nfds * sizeof(int));
	}
	if (n == 0 && *nfds == 0)
		return 0;
	if (n >= FRAME_HDR)
		plen = (size_t)pkt[0] << 24 | (size_t)pkt[1] << 16 |
		    (size_t)pkt[2] << 8 | pkt[3];
	if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || plen == 0 ||
	    plen > WIRE_REQ_MAX || plen != (size_t)n - FRAME_HDR) {
		for (i = 0; i < *nfds; i++)
			close(fds[i]);
		*nfds = 0;
		errno = EPROTO;
		return -1;
	}
	memmove(pkt, pkt + FRAME_HDR, plen);
	return (ssize_t)plen;
}

/* tap.egress's addresses, the one array a request has: strings only. */
static const char *
addrs(const uint8_t *p, size_t len, size_t *off, msgpack_unpacked *up,
    struct wire_req *e)
{
	size_t	 w = p[*off] == 0xdc ? 2 : p[*off] == 0xdd ? 4 : 0, i, l;

	if (w == 0 && (p[*off] & 0xf0) != 0x90)	/* not a fixarray */
		return "a value of the wrong type";
	e->naddrs = w == 0 ? p[*off] & 0x0f : 0;
	for ((*off)++; w > 0 && *off < len; w--)
		e->naddrs = e->naddrs << 8 | p[(*off)++];
	if (w > 0 || e->naddrs > len - *off)
		return "an array longer than its frame";
	for (i = 0; i < e->naddrs; i++) {
		/* fixstr, str 8, 16, 32: nothing for msgpack-c to allocate */
		if (*off >= len || ((p[*off] & 0xe0) != 0xa0 && (p[*off] <
		    0xd9 || p[*off] > 0xdb)) || msgpack_unpack_next(up,
		    (const char *)p, len, off) != MSGPACK_UNPACK_SUCCESS)
			return "addrs holds a value that is not a string";
		if (i < PRIV_EGRESS_ADDRS_MAX && (l = up->data.via.str.size) >
		    0 && l < sizeof(e->addrs[i]) &&
		    memchr(up->data.via.str.ptr, '\0', l) == NULL)
			memcpy(e->addrs[i], up->data.via.str.ptr, l);
	}
	return NULL;
}

/*
 * msgpack-c allocates what a container declares before it reads a byte
 * of it: the map's header is read here, at most K_N pairs, and msgpack-c
 * decodes the keys and values one at a time, no container let in.
 */
const char *
wire_decode(const uint8_t *p, size_t len, struct msg_hdr *hdr,
    struct wire_req *req)
{
	msgpack_unpacked	 up;
	const char		*why = NULL;
	uint64_t		 v[K_N] = { 0 };
	unsigned		 seen = 0;
	size_t			 off, w, n, i, k = K_N;

	memset(req, 0, sizeof(*req));
	if (len == 0 || ((p[0] & 0xf0) != 0x80 && p[0] != 0xde &&
	    p[0] != 0xdf))
		return "not a map";
	w = p[0] == 0xde ? 2 : p[0] == 0xdf ? 4 : 0;	/* map 16, 32 */
	n = w == 0 ? p[0] & 0x0f : 0;			/* fixmap */
	for (off = 1; off <= w && off < len; off++)
		n = n << 8 | p[off];
	if (off <= w || n > K_N)
		return "a map too long for a request";
	msgpack_unpacked_init(&up);
	for (i = 0; why == NULL && i < 2 * n; i++) {
		/* fixmap, fixarray, array 16 and 32, map 16 and 32 */
		if (i % 2 == 1 && k == K_ADDRS && off < len)
			why = addrs(p, len, &off, &up, req);
		else if (off >= len || (p[off] & 0xe0) == 0x80 ||
		    (p[off] >= 0xdc && p[off] <= 0xdf) || msgpack_unpack_next(
		    &up, (const char *)p, len, &off) != MSGPACK_UNPACK_SUCCESS)
			why = "not a map of scalars";
		else if (i % 2 == 0) {
			for (k = 0; k < K_N && (up.data.type !=
			    MSGPACK_OBJECT_STR || up.data.via.str.size !=
			    strlen(keys[k]) || memcmp(keys[k],
			    up.data.via.str.ptr, strlen(keys[k])) != 0); k++)
				;
			if (k == K_N || (seen & 1u << k))
				why = "unknown or duplicate key";
			seen |= 1u << k;
		} else if (up.data.type != (BOOLS & 1u << k ?
		    MSGPACK_OBJECT_BOOLEAN : MSGPACK_OBJECT_POSITIVE_INTEGER))
			why = "a value of the wrong type";
		else
			v[k] = BOOLS & 1u << k ? up.data.via.boolean :
			    up.data.via.u64;
	}
	msgpack_unpacked_destroy(&up);
	if (why != NULL || off != len)
		return why != NULL ? why : "trailing bytes";
	if ((seen & ENV) != ENV)
		return "missing envelope key";
	if (v[K_V] != PRIV_VERSION)
		return "wrong protocol version";
	if (v[K_T] > PRIV_TYPE_MAX || !want[v[K_T]])
		return "not a request type";
	if (seen != want[v[K_T]])
		return "keys do not match the type's";
	if ((seen & VMID) && (v[K_VMID] < 1 || v[K_VMID] > PRIV_VMID_MAX))
		return "vm_id out of range";
	/* A type without these keys has them 0. */
	if (v[K_ADDR] > UINT32_MAX || v[K_PORT] > PRIV_PORT_LOW_MAX)
		return "addr or port out of range";	/* as msg.c */
	if (v[K_TTL] > UINT32_MAX)
		return "ttl out of range";	/* as msg.c */
	hdr->version = PRIV_VERSION;
	hdr->type = (uint32_t)v[K_T];
	hdr->id = v[K_ID];
	req->vm_id = v[K_VMID];
	req->persist = (int)v[K_PERSIST];
	req->tcp = (int)v[K_TCP];
	req->allowlist = (int)v[K_ALLOW];
	req->ttl = v[K_TTL];
	req->addr = v[K_ADDR];
	req->port = v[K_PORT];
	return NULL;
}

/* The packer's sink: the reply's fixed buffer, marked full on overflow. */
static int
fix_write(void *data, const char *s, size_t n)
{
	struct wire_out	*b = data;

	if (b->full || n > sizeof(b->p) - b->len)
		return b->full = -1;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

int
wire_reply(struct wire_out *o, uint32_t type, uint64_t id, const char *fmt,
    ...)
{
	const struct msg_u64v	*a;
	const char		*s;
	msgpack_packer		 pk;
	va_list			 ap;
	size_t			 i;

	o->len = FRAME_HDR;
	o->full = type > PRIV_TYPE_MAX || !(REPLIES & 1u << type);
	msgpack_packer_init(&pk, o, fix_write);
	msgpack_pack_map(&pk, strlen(fmt) + 3);
	msgpack_pack_str_with_body(&pk, "v", 1);
	msgpack_pack_uint32(&pk, PRIV_VERSION);
	msgpack_pack_str_with_body(&pk, "t", 1);
	msgpack_pack_uint32(&pk, type);
	msgpack_pack_str_with_body(&pk, "id", 2);
	msgpack_pack_uint64(&pk, id);
	va_start(ap, fmt);
	for (; *fmt != '\0'; fmt++) {
		s = va_arg(ap, const char *);
		msgpack_pack_str_with_body(&pk, s, strlen(s));
		if (*fmt == 'u')
			msgpack_pack_uint64(&pk, va_arg(ap, uint64_t));
		else if (*fmt == 's') {
			s = va_arg(ap, const char *);
			msgpack_pack_str_with_body(&pk, s, strlen(s));
		} else {
			a = va_arg(ap, const struct msg_u64v *);
			msgpack_pack_array(&pk, a->n);
			for (i = 0; i < a->n; i++)
				msgpack_pack_uint64(&pk, a->v[i]);
		}
	}
	va_end(ap);
	for (i = 0; i < FRAME_HDR; i++)
		o->p[i] = (uint8_t)((o->len - FRAME_HDR) >> (24 - 8 * i));
	return (int)type;
}

int
wire_send(int fd, const struct wire_out *o, int passfd)
{
	static union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int))];
	} cmsg = { .hdr = { .cmsg_len = CMSG_LEN(sizeof(int)),
	    .cmsg_level = SOL_SOCKET, .cmsg_type = SCM_RIGHTS } };
	struct iovec	 iov = { (void *)o->p, o->len };
	struct msghdr	 mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t		 n;

	if (o->full) {
		errno = EINVAL;
		return -1;
	}
	if (passfd >= 0) {
		memcpy(CMSG_DATA(&cmsg.hdr), &passfd, sizeof(int));
		mh.msg_control = cmsg.buf;
		mh.msg_controllen = sizeof(cmsg.buf);
	}
	do {
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	} while (n == -1 && errno == EINTR);
	return n == (ssize_t)o->len ? 0 : -1;
}
