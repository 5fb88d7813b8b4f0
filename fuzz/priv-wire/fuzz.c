/*
 * banger-priv's request decoder (banger-priv/wire.c) against common/msg.c,
 * the codec bangerd encodes with: what one accepts the other must accept
 * with the same values, except what wire.c refuses by design (reply
 * types, vm_id 0, maps longer than any request) and the tap.egress
 * addresses it leaves to validation (more than 32, one too long or
 * holding a NUL, kept as "").
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "proto_priv.h"
#include "wire.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The request's vm_id, or 0 for a type without one. */
static uint64_t
vm_id(uint32_t type, const void *body)
{
	switch (type) {
	case PRIV_TAP_CREATE:
		return ((const struct priv_tap_create *)body)->vm_id;
	case PRIV_TAP_DELETE:
		return ((const struct priv_tap_delete *)body)->vm_id;
	case PRIV_DISK_SNAPSHOT:
		return ((const struct priv_disk_snapshot *)body)->vm_id;
	case PRIV_DISK_RELEASE:
		return ((const struct priv_disk_release *)body)->vm_id;
	case PRIV_TAP_EGRESS:
		return ((const struct priv_tap_egress *)body)->vm_id;
	}
	return 0;
}

static int
is_request(uint32_t type)
{
	return type == PRIV_BRIDGE_ENSURE || type == PRIV_TAP_CREATE ||
	    type == PRIV_TAP_DELETE || type == PRIV_TAP_LIST ||
	    type == PRIV_DISK_SNAPSHOT || type == PRIV_DISK_RELEASE ||
	    type == PRIV_DISK_LIST || type == PRIV_DNS_LISTEN ||
	    type == PRIV_TAP_EGRESS || type == PRIV_PORT_LISTEN;
}

/* wire.c's tap.egress against msg.c's (ok: msg.c accepted it). */
static int
egress_same(const struct wire_req *w, const struct priv_tap_egress *m,
    int ok)
{
	size_t	 i;

	if (!ok) {
		/* Only what wire.c leaves to validation. */
		for (i = 0; i < w->naddrs && i < PRIV_EGRESS_ADDRS_MAX &&
		    w->addrs[i][0] != '\0'; i++)
			;
		return w->naddrs > PRIV_EGRESS_ADDRS_MAX || i < w->naddrs;
	}
	if (w->vm_id != m->vm_id || w->allowlist != m->allowlist ||
	    w->ttl != m->ttl || w->naddrs != m->addrs.n)
		return 0;
	for (i = 0; i < w->naddrs; i++)
		if (strcmp(w->addrs[i], m->addrs.v[i]) != 0)
			return 0;
	return 1;
}

/* A request type that carries no vm_id. */
static int
no_vm_id(uint32_t type)
{
	return type == PRIV_TAP_LIST || type == PRIV_DISK_LIST ||
	    type == PRIV_BRIDGE_ENSURE || type == PRIV_DNS_LISTEN ||
	    type == PRIV_PORT_LISTEN;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_hdr	 wh, mh;
	struct wire_req	 req;
	void		*body;
	char		 err[MSG_ERRLEN];
	const char	*why;
	int		 ok;

	/* wire_recv() refuses a longer frame before it is decoded. */
	if (size > WIRE_REQ_MAX)
		return 0;
	why = wire_decode(data, size, &wh, &req);
	ok = msg_decode(&priv_proto, data, size, &mh, &body, err,
	    sizeof(err)) == 0;
	if (why == NULL && wh.type == PRIV_TAP_EGRESS) {
		if ((ok && (mh.type != wh.type || wh.id != mh.id)) ||
		    !egress_same(&req, body, ok) ||
		    size > WIRE_REQ_MAX ||
		    req.vm_id == 0 || req.vm_id > PRIV_VMID_MAX)
			abort();
	} else if (why == NULL) {
		if (!ok || size > WIRE_REQ_MAX || !is_request(wh.type) ||
		    wh.type != mh.type || wh.id != mh.id ||
		    wh.version != mh.version ||
		    req.vm_id != vm_id(mh.type, body) ||
		    (wh.type == PRIV_TAP_CREATE && req.persist !=
		    ((struct priv_tap_create *)body)->persist) ||
		    (wh.type == PRIV_DNS_LISTEN && req.tcp !=
		    ((struct priv_dns_listen *)body)->tcp) ||
		    (wh.type == PRIV_PORT_LISTEN && (req.addr !=
		    ((struct priv_port_listen *)body)->addr || req.port !=
		    ((struct priv_port_listen *)body)->port)))
			abort();
		if (req.vm_id > PRIV_VMID_MAX ||
		    (req.vm_id == 0) != no_vm_id(wh.type))
			abort();
	} else if (ok && is_request(mh.type) && size <= WIRE_REQ_MAX &&
	    (vm_id(mh.type, body) > 0 || no_vm_id(mh.type)))
		abort();
	if (ok)
		msg_free(&priv_proto, mh.type, body);
	return 0;
}
