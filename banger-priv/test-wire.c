/*
 * wire.c against common/msg.c, the codec bangerd speaks: every request
 * msg_frame() makes decodes in wire.c to the same values, every reply
 * wire.c sends decodes in msg_decode() to the same values, and malformed
 * requests and frames are refused.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <msgpack.h>

#include "buf.h"
#include "frame.h"
#include "msg.h"
#include "proto_priv.h"
#include "wire.h"

static void
pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
}

/* msg_frame()'s frame for body, sent with nfds descriptors and read back. */
static const char *
roundtrip(uint32_t type, uint64_t id, const void *body, size_t nfds,
    struct msg_hdr *hdr, struct wire_req *req, size_t *gotfds)
{
	struct buf	 b = { 0 };
	uint8_t		 in[WIRE_PKT_MAX];
	int		 sv[2], fds[FRAME_MAXFDS], got[FRAME_MAXFDS];
	const char	*why;
	size_t		 i;
	ssize_t		 n;

	for (i = 0; i < nfds; i++)
		assert_true((fds[i] = open("/dev/null", O_RDONLY)) >= 0);
	assert_int_equal(msg_frame(&priv_proto, type, id, body, &b), 0);
	pair(sv);
	assert_int_equal(frame_sendv(sv[0], &b, fds, nfds), 0);
	n = wire_recv(sv[1], in, got, gotfds);
	assert_int_equal(n, (ssize_t)b.len - FRAME_HDR);
	why = wire_decode(in, (size_t)n, hdr, req);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	for (i = 0; i < *gotfds; i++)
		close(got[i]);
	close(sv[0]);
	close(sv[1]);
	buf_free(&b);
	return why;
}

static void
test_requests(void **state)
{
	struct priv_tap_create		 tc = { PRIV_VMID_MAX, 1 };
	struct priv_tap_delete		 td = { 1 };
	struct priv_disk_snapshot	 ds = { 77 };
	struct priv_disk_release	 dr = { 78 };
	struct priv_bridge_ensure	 none = { 0 };
	static const uint32_t		 bare[] = { PRIV_BRIDGE_ENSURE,
					    PRIV_TAP_LIST, PRIV_DISK_LIST };
	struct msg_hdr			 h;
	struct wire_req			 r;
	size_t				 nfds, i;

	(void)state;
	assert_null(roundtrip(PRIV_TAP_CREATE, UINT64_MAX, &tc, 0, &h, &r,
	    &nfds));
	assert_int_equal(h.type, PRIV_TAP_CREATE);
	assert_true(h.id == UINT64_MAX);
	assert_int_equal(r.vm_id, PRIV_VMID_MAX);
	assert_int_equal(r.persist, 1);
	tc.persist = 0;
	assert_null(roundtrip(PRIV_TAP_CREATE, 2, &tc, 0, &h, &r, &nfds));
	assert_int_equal(r.persist, 0);
	assert_null(roundtrip(PRIV_TAP_DELETE, 3, &td, 0, &h, &r, &nfds));
	assert_int_equal(h.type, PRIV_TAP_DELETE);
	assert_int_equal(r.vm_id, 1);
	assert_null(roundtrip(PRIV_DISK_SNAPSHOT, 4, &ds, 2, &h, &r, &nfds));
	assert_int_equal(h.type, PRIV_DISK_SNAPSHOT);
	assert_int_equal(h.id, 4);
	assert_int_equal(r.vm_id, 77);
	assert_int_equal(nfds, 2);
	assert_null(roundtrip(PRIV_DISK_RELEASE, 5, &dr, 1, &h, &r, &nfds));
	assert_int_equal(r.vm_id, 78);
	assert_int_equal(nfds, 1);
	{
		struct priv_port_listen	 pl = { 0x7f000001, 80 };

		assert_null(roundtrip(PRIV_PORT_LISTEN, 6, &pl, 0, &h, &r,
		    &nfds));
		assert_int_equal(h.type, PRIV_PORT_LISTEN);
		assert_int_equal(r.addr, 0x7f000001);
		assert_int_equal(r.port, 80);
		pl = (struct priv_port_listen){ UINT32_MAX, PRIV_PORT_LOW_MAX };
		assert_null(roundtrip(PRIV_PORT_LISTEN, 7, &pl, 0, &h, &r,
		    &nfds));
		assert_int_equal(r.port, PRIV_PORT_LOW_MAX);
	}
	for (i = 0; i < sizeof(bare) / sizeof(bare[0]); i++) {
		assert_null(roundtrip(bare[i], i, &none, 0, &h, &r, &nfds));
		assert_int_equal(h.type, bare[i]);
		assert_int_equal(h.id, i);
		assert_int_equal(h.version, PRIV_VERSION);
		/* What the type has not is 0, not the last request's. */
		assert_true(r.vm_id == 0 && r.addr == 0 && r.port == 0 &&
		    r.naddrs == 0 && r.persist == 0);
	}
}

/* A reply wire_reply() packed, sent, read back and decoded by msg.c. */
static void *
sent(const struct wire_out *o, uint32_t type, uint64_t id, int passfd,
    int *gotfd)
{
	struct buf	 b = { 0 };
	struct msg_hdr	 h;
	void		*out;
	char		 err[MSG_ERRLEN];
	int		 sv[2];

	pair(sv);
	assert_int_equal(wire_send(sv[0], o, passfd), 0);
	assert_int_equal(frame_recv(sv[1], FRAME_MAX_PRIV, &b, gotfd), 0);
	if (msg_decode(&priv_proto, b.p, b.len, &h, &out, err,
	    sizeof(err)) == -1)
		fail_msg("%s", err);
	assert_int_equal(h.type, type);
	assert_true(h.id == id);
	close(sv[0]);
	close(sv[1]);
	buf_free(&b);
	return out;
}

/* Each reply as the handlers pack it, with the keys bangerd decodes. */
static void
test_replies(void **state)
{
	static struct wire_out	 o;
	struct priv_error	*eo;
	struct priv_bridge	*bo;
	struct priv_tap		*to;
	struct priv_disk	*dout;
	struct priv_tap_ids	*tio;
	struct priv_disk_ids	*dio;
	struct stat		 a, b;
	uint64_t		 ids[1000];
	char			 msg[256];
	int			 fd, null, i;

	(void)state;
	assert_int_equal(wire_reply(&o, PRIV_OK, UINT64_MAX, ""), PRIV_OK);
	free(sent(&o, PRIV_OK, UINT64_MAX, -1, &fd));
	assert_int_equal(fd, -1);
	wire_reply(&o, PRIV_ERROR, 1, "us", "code", (uint64_t)BERR_MAX,
	    "message", "no: \"quoted\"");
	eo = sent(&o, PRIV_ERROR, 1, -1, &fd);
	assert_int_equal(eo->code, BERR_MAX);
	assert_string_equal(eo->message, "no: \"quoted\"");
	msg_free(&priv_proto, PRIV_ERROR, eo);
	/* The longest message, struct ans's err. */
	memset(msg, 'x', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	wire_reply(&o, PRIV_ERROR, 1, "us", "code", (uint64_t)BERR_MAX,
	    "message", msg);
	eo = sent(&o, PRIV_ERROR, 1, -1, &fd);
	assert_string_equal(eo->message, msg);
	msg_free(&priv_proto, PRIV_ERROR, eo);
	wire_reply(&o, PRIV_BRIDGE, 2, "sssu", "name", "bgbr4294967294",
	    "subnet", "10.213.3.0", "gateway", "10.213.3.1", "prefix",
	    (uint64_t)24);
	bo = sent(&o, PRIV_BRIDGE, 2, -1, &fd);
	assert_string_equal(bo->name, "bgbr4294967294");
	assert_string_equal(bo->subnet, "10.213.3.0");
	assert_string_equal(bo->gateway, "10.213.3.1");
	assert_int_equal(bo->prefix, 24);
	msg_free(&priv_proto, PRIV_BRIDGE, bo);

	/* The tap and disk replies carry their descriptor. */
	null = open("/dev/null", O_RDONLY);
	assert_true(null >= 0);
	wire_reply(&o, PRIV_TAP, 3, "usssus", "vm_id", (uint64_t)PRIV_VMID_MAX,
	    "name", "bgtap65535", "address", "255.255.255.254", "gateway",
	    "255.255.255.1", "prefix", (uint64_t)32, "mac",
	    "02:42:0a:d5:03:02");
	to = sent(&o, PRIV_TAP, 3, null, &fd);
	assert_int_equal(to->vm_id, PRIV_VMID_MAX);
	assert_string_equal(to->name, "bgtap65535");
	assert_string_equal(to->address, "255.255.255.254");
	assert_string_equal(to->gateway, "255.255.255.1");
	assert_int_equal(to->prefix, 32);
	assert_string_equal(to->mac, "02:42:0a:d5:03:02");
	assert_true(fd >= 0 && fstat(fd, &a) == 0 && fstat(null, &b) == 0);
	assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	close(fd);
	msg_free(&priv_proto, PRIV_TAP, to);
	wire_reply(&o, PRIV_DISK, 4, "usu", "vm_id", (uint64_t)9, "name",
	    "banger-1000-9", "sectors", (uint64_t)PRIV_IMAGE_MAX_MIB * 2048);
	dout = sent(&o, PRIV_DISK, 4, null, &fd);
	assert_int_equal(dout->vm_id, 9);
	assert_string_equal(dout->name, "banger-1000-9");
	assert_true(dout->sectors == PRIV_IMAGE_MAX_MIB * 2048);
	assert_true(fd >= 0);
	close(fd);
	msg_free(&priv_proto, PRIV_DISK, dout);
	wire_reply(&o, PRIV_DNS_SOCK, 5, "u", "tcp", (uint64_t)1);
	free(sent(&o, PRIV_DNS_SOCK, 5, null, &fd));
	assert_true(fd >= 0);
	close(fd);
	close(null);

	/* Lists, empty and long (the widest ids). */
	for (i = 0; i < 1000; i++)
		ids[i] = PRIV_VMID_MAX - (uint64_t)i;
	wire_reply(&o, PRIV_TAP_IDS, 5, "a", "vm_ids",
	    &(struct msg_u64v){ ids, 700 });
	tio = sent(&o, PRIV_TAP_IDS, 5, -1, &fd);
	assert_int_equal(tio->vm_ids.n, 700);
	assert_memory_equal(tio->vm_ids.v, ids, 700 * sizeof(ids[0]));
	msg_free(&priv_proto, PRIV_TAP_IDS, tio);
	wire_reply(&o, PRIV_DISK_IDS, 6, "a", "vm_ids",
	    &(struct msg_u64v){ NULL, 0 });
	dio = sent(&o, PRIV_DISK_IDS, 6, -1, &fd);
	assert_int_equal(dio->vm_ids.n, 0);
	msg_free(&priv_proto, PRIV_DISK_IDS, dio);
	wire_reply(&o, PRIV_DISK_IDS, 7, "a", "vm_ids",
	    &(struct msg_u64v){ ids, 1 });
	dio = sent(&o, PRIV_DISK_IDS, 7, -1, &fd);
	assert_int_equal(dio->vm_ids.n, 1);
	assert_int_equal(dio->vm_ids.v[0], PRIV_VMID_MAX);
	msg_free(&priv_proto, PRIV_DISK_IDS, dio);

	/* A request type is not a reply; a reply too long is not sent. */
	wire_reply(&o, PRIV_TAP_LIST, 1, "");
	assert_true(o.full);
	assert_int_equal(wire_send(-1, &o, -1), -1);
	assert_int_equal(errno, EINVAL);
	wire_reply(&o, PRIV_TAP_IDS, 1, "a", "vm_ids",
	    &(struct msg_u64v){ ids, 1000 });
	assert_true(o.full);
	assert_int_equal(wire_send(-1, &o, -1), -1);
}

static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t	 n = 0;
	unsigned v;

	for (; s[0] != '\0' && s[1] != '\0'; s += 2) {
		assert_true(n < cap && sscanf(s, "%2x", &v) == 1);
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* Maps that wire.c refuses: each one rule of the format. */
static const struct {
	const char	*what;
	const char	*hex;
} bad[] = {
	{ "unknown key", "84a17601a17408a2696401a27a7a01" },
	{ "duplicate key", "84a17601a17408a2696401a17601" },
	{ "missing envelope key", "82a17601a17408" },
	{ "missing field", "84a17601a17405a2696401a5766d5f696407" },
	{ "another type's field",
	    "85a17601a17407a2696401a5766d5f696407a770657273697374c2" },
	{ "bool as integer",
	    "85a17601a17405a2696401a5766d5f696407a77065727369737401" },
	{ "vm_id as string", "84a17601a17407a2696401a5766d5f6964a137" },
	{ "type as string", "83a17601a174a138a2696401" },
	{ "negative id", "83a17601a17408a26964ff" },
	{ "vm_id 0", "84a17601a17407a2696401a5766d5f696400" },
	{ "vm_id above the maximum",
	    "84a17601a1740ca2696401a5766d5f6964ce80000000" },
	{ "wrong version", "83a17602a17408a2696401" },
	{ "version 2^32 + 1", "83a176cf0000000100000001a17408a2696401" },
	{ "reply type", "83a17601a17401a2696401" },
	{ "unknown type", "83a17601a17463a2696401" },
	{ "type 2^32 + 8", "83a17601a174cf0000000100000008a2696401" },
	{ "trailing byte", "83a17601a17408a2696401c0" },
	{ "not a map", "93010203" },
	{ "key not a string", "830101a17408a2696401" },
	{ "array value", "84a17601a17407a2696401a5766d5f69649107" },
	{ "map32 declaring 2^32-1 pairs", "dfffffffffa17601" },
	{ "array32 value declaring 2^32-1",
	    "83a17601a17408a26964ddffffffff" },
	{ "str32 longer than the frame", "83a17601a17408a26964db00010000" },
	{ "float vm_id",
	    "84a17601a17407a2696401a5766d5f6964cb0000000000000001" },
	{ "cut short", "83a17601a17408a26964" },
	{ "negative int8 vm_id", "84a17601a17407a2696401a5766d5f6964d0ff" },
	{ "negative fixint id", "83a17601a17408a26964e0" },
	{ "nil id", "83a17601a17408a26964c0" },
	{ "map value", "83a17601a17408a2696480" },
	{ "bin key", "83c40176a17408a2696401" },
	/* tap.egress (t 17): {v,t,id,vm_id 7,allowlist,addrs,ttl 5} */
	{ "egress: addrs not an array", "87a17601a17411a2696401a5766d5f696407"
	    "a9616c6c6f776c697374c3a56164647273a0a374746c05" },
	{ "egress: an integer address", "87a17601a17411a2696401a5766d5f6964"
	    "07a9616c6c6f776c697374c3a5616464727391" "01" "a374746c05" },
	{ "egress: a nested array", "87a17601a17411a2696401a5766d5f696407"
	    "a9616c6c6f776c697374c3a5616464727391" "91a0" "a374746c05" },
	{ "egress: array32 declaring 2^32-1", "87a17601a17411a2696401a5766d"
	    "5f696407a9616c6c6f776c697374c3a56164647273ddffffffffa0" },
	{ "egress: array16 longer than the frame", "87a17601a17411a2696401"
	    "a5766d5f696407a9616c6c6f776c697374c3a56164647273dc0005a0a0" },
	{ "egress: allowlist as integer", "87a17601a17411a2696401a5766d5f6964"
	    "07a9616c6c6f776c69737401a5616464727390a374746c05" },
	{ "egress: no ttl", "86a17601a17411a2696401a5766d5f696407"
	    "a9616c6c6f776c697374c3a5616464727390" },
	{ "egress: vm_id 0", "87a17601a17411a2696401a5766d5f696400"
	    "a9616c6c6f776c697374c3a5616464727390a374746c05" },
	{ "addrs on tap.delete", "85a17601a17407a2696401a5766d5f696407"
	    "a5616464727390" },
	{ "port.listen: port 1024", "85a17601a17412a2696401a461646472ce7f000001"
	    "a4706f7274cd0400" },
	{ "port.listen: addr past 32 bits", "85a17601a17412a2696401a461646472"
	    "cf0000000100000001a4706f7274cd0050" },
	{ "port.listen: no port", "84a17601a17412a2696401a461646472"
	    "ce7f000001" },
	{ "empty", "" },
};

static void
test_malformed(void **state)
{
	/* tap.create in msgpack's widest encodings: valid, and 83 bytes. */
	static const char	 widest[] = "df00000005db0000000176cf000000000000"
	    "0001db0000000174cf0000000000000005db000000026964cf00000000000000"
	    "09db00000005766d5f6964cf000000007fffffffdb0000000770657273697374"
	    "c3";
	uint8_t			 p[256];
	struct msg_hdr		 h;
	struct wire_req		 r;
	size_t			 i, n;

	(void)state;
	n = unhex(widest, p, sizeof(p));
	assert_int_equal(n, 83);
	assert_null(wire_decode(p, n, &h, &r));
	assert_int_equal(h.type, PRIV_TAP_CREATE);
	assert_int_equal(h.id, 9);
	assert_int_equal(r.vm_id, PRIV_VMID_MAX);
	assert_int_equal(r.persist, 1);
	/* A signed encoding of a non-negative integer is one (as msgpack-c). */
	n = unhex("84a17601a174d007a26964d100ffa5766d5f6964d30000000000000003",
	    p, sizeof(p));
	assert_null(wire_decode(p, n, &h, &r));
	assert_int_equal(h.id, 255);
	assert_int_equal(r.vm_id, 3);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = unhex(bad[i].hex, p, sizeof(p));
		if (wire_decode(p, n, &h, &r) == NULL)
			fail_msg("accepted: %s", bad[i].what);
	}
}

static void
test_egress_roundtrip(void **state)
{
	char			*v[PRIV_EGRESS_ADDRS_MAX];
	struct priv_tap_egress	 e = { PRIV_VMID_MAX, 1, { v, 0 }, UINT32_MAX };
	struct msg_hdr		 h;
	struct wire_req		 r;
	size_t			 nfds, i;

	(void)state;
	for (i = 0; i < PRIV_EGRESS_ADDRS_MAX; i++)
		v[i] = i == 1 ? "1.2.3.4" : "255.255.255.255";
	/* Open again: no addresses. */
	e.allowlist = 0;
	assert_null(roundtrip(PRIV_TAP_EGRESS, 1, &e, 0, &h, &r, &nfds));
	assert_int_equal(h.type, PRIV_TAP_EGRESS);
	assert_int_equal(r.vm_id, PRIV_VMID_MAX);
	assert_int_equal(r.allowlist, 0);
	assert_int_equal(r.naddrs, 0);
	assert_true(r.ttl == UINT32_MAX);
	/* The most bangerd sends. */
	e.allowlist = 1;
	e.addrs.n = PRIV_EGRESS_ADDRS_MAX;
	e.ttl = 0;
	memset(&r, 0x55, sizeof(r));
	assert_null(roundtrip(PRIV_TAP_EGRESS, 2, &e, 0, &h, &r, &nfds));
	assert_int_equal(r.allowlist, 1);
	assert_int_equal(r.ttl, 0);
	assert_int_equal(r.naddrs, PRIV_EGRESS_ADDRS_MAX);
	for (i = 0; i < PRIV_EGRESS_ADDRS_MAX; i++)
		assert_string_equal(r.addrs[i], v[i]);
}

/* A tap.egress map packed by hand: addrs is n copies of a (len bytes). */
static size_t
egress_map(uint8_t *out, size_t cap, const char *a, size_t len, size_t n,
    uint64_t ttl)
{
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	size_t		 i;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 7);
	msgpack_pack_str_with_body(&pk, "v", 1);
	msgpack_pack_uint8(&pk, PRIV_VERSION);
	msgpack_pack_str_with_body(&pk, "t", 1);
	msgpack_pack_uint8(&pk, PRIV_TAP_EGRESS);
	msgpack_pack_str_with_body(&pk, "id", 2);
	msgpack_pack_uint8(&pk, 1);
	msgpack_pack_str_with_body(&pk, "vm_id", 5);
	msgpack_pack_uint8(&pk, 7);
	msgpack_pack_str_with_body(&pk, "allowlist", 9);
	msgpack_pack_true(&pk);
	msgpack_pack_str_with_body(&pk, "addrs", 5);
	msgpack_pack_array(&pk, n);
	for (i = 0; i < n; i++)
		msgpack_pack_str_with_body(&pk, a, len);
	msgpack_pack_str_with_body(&pk, "ttl", 3);
	msgpack_pack_uint64(&pk, ttl);
	assert_true(sb.size <= cap);
	memcpy(out, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	return sb.size;
}

static void
test_egress_decode(void **state)
{
	/*
	 * tap.egress in msgpack's widest encodings (map 32, str 32, uint
	 * 64, array 32), 32 addresses of 15 bytes: valid, WIRE_REQ_MAX.
	 */
	static const char *const keys[] = { "v", "t", "id", "vm_id",
	    "allowlist", "addrs", "ttl" };
	uint8_t		 p[2048];
	struct msg_hdr	 h;
	struct wire_req	 r;
	size_t		 n = 0, i, j;

	(void)state;
	p[n++] = 0xdf;
	memcpy(p + n, "\0\0\0\x07", 4);
	n += 4;
	for (i = 0; i < 7; i++) {
		p[n++] = 0xdb;
		memcpy(p + n, "\0\0\0", 3);
		p[n + 3] = (uint8_t)strlen(keys[i]);
		memcpy(p + n + 4, keys[i], strlen(keys[i]));
		n += 4 + strlen(keys[i]);
		if (i == 4) {
			p[n++] = 0xc3;
			continue;
		}
		if (i == 5) {
			p[n++] = 0xdd;
			memcpy(p + n, "\0\0\0\x20", 4);
			n += 4;
			for (j = 0; j < 32; j++) {
				memcpy(p + n, "\xdb\0\0\0\x0f"
				    "203.113.255.254", 20);
				n += 20;
			}
			continue;
		}
		p[n++] = 0xcf;
		memset(p + n, 0, 8);
		p[n + 7] = i == 0 ? PRIV_VERSION : i == 1 ? PRIV_TAP_EGRESS :
		    i == 6 ? 60 : 9;
		n += 8;
	}
	assert_true(n <= WIRE_REQ_MAX);
	assert_int_equal(n, 757);
	assert_null(wire_decode(p, n, &h, &r));
	assert_int_equal(h.type, PRIV_TAP_EGRESS);
	assert_int_equal(r.vm_id, 9);
	assert_int_equal(r.ttl, 60);
	assert_int_equal(r.naddrs, 32);
	assert_string_equal(r.addrs[31], "203.113.255.254");

	/* The map the refused ones in bad[] are made from. */
	n = unhex("87a17601a17411a2696401a5766d5f696407a9616c6c6f776c697374c3"
	    "a5616464727390a374746c05", p, sizeof(p));
	assert_null(wire_decode(p, n, &h, &r));
	assert_int_equal(r.naddrs, 0);
	assert_int_equal(r.ttl, 5);
	n = unhex("87a17601a17411a2696401a5766d5f696407a9616c6c6f776c697374c3"
	    "a5616464727391a0a374746c05", p, sizeof(p));
	assert_null(wire_decode(p, n, &h, &r));
	assert_int_equal(r.naddrs, 1);

	/* More than 32, a long one, one with a NUL: for validation. */
	n = egress_map(p, sizeof(p), "8.8.8.8", 7, 33, 5);
	assert_null(wire_decode(p, n, &h, &r));
	assert_int_equal(r.naddrs, 33);
	assert_string_equal(r.addrs[31], "8.8.8.8");
	n = egress_map(p, sizeof(p), "1.1.1.1.1.1.1.1.", 16, 1, 5);
	assert_null(wire_decode(p, n, &h, &r));
	assert_int_equal(r.naddrs, 1);
	assert_string_equal(r.addrs[0], "");
	n = egress_map(p, sizeof(p), "8.8.8.8\0x", 9, 1, 5);
	assert_null(wire_decode(p, n, &h, &r));
	assert_string_equal(r.addrs[0], "");
	n = egress_map(p, sizeof(p), "", 0, 1, 5);
	assert_null(wire_decode(p, n, &h, &r));
	assert_string_equal(r.addrs[0], "");
	/* A ttl msg.c would refuse. */
	n = egress_map(p, sizeof(p), "8.8.8.8", 7, 1, (uint64_t)UINT32_MAX + 1);
	assert_non_null(wire_decode(p, n, &h, &r));
	n = egress_map(p, sizeof(p), "8.8.8.8", 7, 1, UINT32_MAX);
	assert_null(wire_decode(p, n, &h, &r));
	assert_true(r.ttl == UINT32_MAX);
}

/* Send raw bytes with nfds descriptors; what wire_recv() makes of them. */
static ssize_t
recv_raw(const void *pkt, size_t len, size_t nfds, size_t *gotfds)
{
	struct msghdr	 mh = { 0 };
	struct iovec	 iov = { (void *)pkt, len };
	struct cmsghdr	*cm;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(4 * sizeof(int))];
	} cmsg;
	uint8_t		 in[WIRE_PKT_MAX];
	int		 sv[2], fds[4], got[FRAME_MAXFDS];
	size_t		 i;
	ssize_t		 n;

	pair(sv);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	for (i = 0; i < nfds; i++)
		assert_true((fds[i] = open("/dev/null", O_RDONLY)) >= 0);
	if (nfds > 0) {
		memset(&cmsg, 0, sizeof(cmsg));
		mh.msg_control = cmsg.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	if (len > 0 || nfds > 0)
		assert_int_equal(sendmsg(sv[0], &mh, 0), (ssize_t)len);
	close(sv[0]);
	n = wire_recv(sv[1], in, got, gotfds);
	for (i = 0; n != -1 && i < *gotfds; i++)
		close(got[i]);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	close(sv[1]);
	return n;
}

static void
test_frames(void **state)
{
	uint8_t	 pkt[FRAME_HDR + WIRE_REQ_MAX + 8];
	size_t	 nfds;

	(void)state;
	memset(pkt, 0xc0, sizeof(pkt));
	/* The longest request frame, then one byte more. */
	memcpy(pkt, "\0\0\x03\x00", 4);
	assert_int_equal(recv_raw(pkt, FRAME_HDR + WIRE_REQ_MAX, 2, &nfds),
	    WIRE_REQ_MAX);
	assert_int_equal(nfds, 2);
	memcpy(pkt, "\0\0\x03\x01", 4);
	assert_int_equal(recv_raw(pkt, FRAME_HDR + WIRE_REQ_MAX + 1, 0,
	    &nfds), -1);
	assert_int_equal(errno, EPROTO);
	/* A length that is not the packet's, or zero; a short header. */
	memcpy(pkt, "\0\0\0\x05", 4);
	assert_int_equal(recv_raw(pkt, FRAME_HDR + 4, 0, &nfds), -1);
	assert_int_equal(recv_raw(pkt, FRAME_HDR + 6, 1, &nfds), -1);
	assert_int_equal(errno, EPROTO);
	assert_int_equal(nfds, 0);
	memcpy(pkt, "\0\0\0\0", 4);
	assert_int_equal(recv_raw(pkt, FRAME_HDR, 0, &nfds), -1);
	assert_int_equal(recv_raw(pkt, 3, 0, &nfds), -1);
	/* More descriptors than any request takes. */
	memcpy(pkt, "\0\0\0\x01", 4);
	assert_int_equal(recv_raw(pkt, FRAME_HDR + 1, 3, &nfds), -1);
	assert_int_equal(errno, EPROTO);
	assert_int_equal(nfds, 0);
	assert_int_equal(recv_raw(pkt, FRAME_HDR + 1, 2, &nfds), 1);
	/* End of file. */
	assert_int_equal(recv_raw(pkt, 0, 0, &nfds), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_egress_roundtrip),
		cmocka_unit_test(test_egress_decode),
		cmocka_unit_test(test_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
