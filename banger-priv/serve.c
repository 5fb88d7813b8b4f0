/*
 * The request loop and the network requests (disk ones: serve-disk.c).
 * Each is checked and acted on under the lease lock, so helpers never
 * interleave updates of the table or nftables, and answered after it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"
#include "net.h"
#include "nft.h"
#include "priv.h"
#include "resolved.h"

#define PF_NEED_BRIDGE	0x01	/* only after a successful BRIDGE_ENSURE */
#define PF_TAKES_FDS	0x02	/* descriptors may come with it */
#define TAP_NAME_TRIES	64	/* skip names squatted by others */

/* A confused deputy must not survive: log why and exit. */
static void __attribute__((format(printf, 2, 3), noreturn))
fault(const struct priv *p, const char *fmt, ...)
{
	char	 why[256];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	fatalx("rejected request from uid %u: %s", (unsigned)p->uid, why);
}

static int
priv_answer_bridge_ensure(struct priv *p, const struct req *rq,
    struct ans *a)
{
	const struct lease_bridge	*lb;
	uint32_t			 slot, subnet, gw;

	/* Lease a slot if this uid has none yet. */
	if ((lb = lease_find(p->lt, LEASE_BRIDGE, LF_UID, p->uid,
	    LEASE_ANY)) != NULL)
		slot = lb->slot;
	else {
		if (lease_free(p->lt, LEASE_BRIDGE, LF_SLOT, p->uid, 0,
		    addr_nslots(p->pol.pool_prefix), &slot) == -1 ||
		    lease_add(p->lt, LEASE_BRIDGE,
		    (uint32_t[LEASE_NF]){ p->uid, slot }) == -1)
			fatalx("slot allocation disagrees with validation");
		if (lease_file_store(&p->lf, p->lt, a->err,
		    sizeof(a->err)) == -1)
			return -1;
		log_info("uid %u leased subnet slot %u", (unsigned)p->uid,
		    slot);
	}
	subnet = addr_subnet(p->pol.pool, slot);
	gw = addr_host(subnet, ADDR_HOST_GW);
	addr_bridge_name(p->uid, a->s[0], sizeof(a->s[0]));
	if ((p->br_ifindex = net_bridge_ensure(p->nl, a->s[0], gw, a->err,
	    sizeof(a->err))) == -1)
		return -1;
	p->br_gw = gw;
	if (pwrite(p->fwdfd, "1\n", 2, 0) != 2) {
		snprintf(a->err, sizeof(a->err), "enable ip_forward: %s",
		    strerror(errno));
		return -1;
	}
	if (nftb_ensure(p->nft, p->lt, p->pol.pool, a->err,
	    sizeof(a->err)) == -1)
		return -1;
	p->bridge_ok = 1;
	addr_fmt(subnet, a->s[1], sizeof(a->s[1]));
	addr_fmt(gw, a->s[2], sizeof(a->s[2]));
	return wire_reply(&a->out, PRIV_BRIDGE, rq->id, "sssu", "name", a->s[0],
	    "subnet", a->s[1], "gateway", a->s[2], "prefix",
	    (uint64_t)ADDR_USER_PREFIX);
}

static int
priv_answer_tap_create(struct priv *p, const struct req *rq, struct ans *a)
{
	const struct lease_bridge	*lb;
	struct lease_tap		 lt = { .uid = p->uid,
	    .vm_id = (uint32_t)rq->u.vm_id };
	char				*tap = a->s[0], br[ADDR_IFNAMELEN];
	char				 why[256] = "lease table disagrees";
	uint32_t			 subnet, guest, from = 0;
	int				 i;

	/* Derive everything from the lease table, then create. */
	lb = lease_find(p->lt, LEASE_BRIDGE, LF_UID, p->uid, LEASE_ANY);
	if (lb == NULL || lease_free(p->lt, LEASE_TAP, LF_HOST, p->uid, 0,
	    UINT64_MAX, &lt.host) == -1)
		fatalx("tap allocation disagrees with validation");
	for (i = 0; i < TAP_NAME_TRIES; i++) {
		if (lease_free(p->lt, LEASE_TAP, LF_TAPNO, p->uid, from,
		    UINT64_MAX, &lt.tapno) == -1) {
			snprintf(a->err, sizeof(a->err), "no free tap number");
			return -1;
		}
		addr_tap_name(lt.tapno, tap, sizeof(a->s[0]));
		a->fd = tap_open(tap, p->uid, p->gid, a->err, sizeof(a->err));
		if (a->fd != -1 || errno != EBUSY)
			break;
		/* Someone else's interface has that name; skip it. */
		log_warnx("%s exists outside the lease table", tap);
		from = lt.tapno + 1;
	}
	/* Leased once it exists, persistent last: one outliving us is leased. */
	if (a->fd == -1)
		return -1;
	if (lease_add(p->lt, LEASE_TAP, lt.f) == -1)
		fatalx("tap lease disagrees with validation");
	if (lease_file_store(&p->lf, p->lt, a->err, sizeof(a->err)) == -1)
		return -1;
	addr_bridge_name(p->uid, br, sizeof(br));
	/* Its guest address joins tapip before the guest can send. */
	if (net_tap_attach(p->nl, tap, br, a->err, sizeof(a->err)) == -1 ||
	    nftb_ensure(p->nft, p->lt, p->pol.pool, a->err,
	    sizeof(a->err)) == -1 ||
	    (rq->u.persist && tap_persist(a->fd, a->err,
	    sizeof(a->err)) == -1)) {
		close(a->fd);	/* removes it, as it is not persistent */
		a->fd = -1;
		/* A lease left without its tap: tap.delete drops it later. */
		if (lease_del(p->lt, LEASE_TAP, p->uid, lt.vm_id) == -1 ||
		    lease_file_store(&p->lf, p->lt, why, sizeof(why)) == -1)
			log_warnx("vm %u keeps a lease without a tap: %s",
			    lt.vm_id, why);
		return -1;
	}
	subnet = addr_subnet(p->pol.pool, lb->slot);
	guest = addr_host(subnet, lt.host);
	addr_fmt(guest, a->s[1], sizeof(a->s[1]));
	addr_fmt(addr_host(subnet, ADDR_HOST_GW), a->s[2], sizeof(a->s[2]));
	addr_mac(guest, a->s[3], sizeof(a->s[3]));
	log_info("uid %u vm %u: %s %s", (unsigned)p->uid, lt.vm_id, tap,
	    a->s[1]);
	/* serve.c closes our fd: the tap lives while bangerd or its VMM do. */
	return wire_reply(&a->out, PRIV_TAP, rq->id, "usssus", "vm_id",
	    (uint64_t)lt.vm_id, "name", tap, "address", a->s[1], "gateway",
	    a->s[2], "prefix", (uint64_t)ADDR_USER_PREFIX, "mac", a->s[3]);
}

static int
priv_answer_tap_delete(struct priv *p, const struct req *rq, struct ans *a)
{
	const struct lease_tap	*lt;
	uint32_t		 vm_id = (uint32_t)rq->u.vm_id;

	lt = lease_find(p->lt, LEASE_TAP, LF_VMID, vm_id, p->uid);
	addr_tap_name(lt->tapno, a->s[0], sizeof(a->s[0]));
	/* Only the caller's tap (tun owner) goes; another's keeps the lease. */
	if (tap_remove(p->nl, a->s[0], p->uid, 0, a->err,
	    sizeof(a->err)) == -1)
		return -1;
	if (lease_del(p->lt, LEASE_TAP, p->uid, vm_id) == -1)
		fatalx("tap lease vanished under the lock");
	if (lease_file_store(&p->lf, p->lt, a->err, sizeof(a->err)) == -1)
		return -1;
	/* The tap is gone: a stale element misleads nothing till the next. */
	if (nftb_ensure(p->nft, p->lt, p->pol.pool, a->err,
	    sizeof(a->err)) == -1)
		log_warnx("uid %u: %s", (unsigned)p->uid, a->err);
	log_info("uid %u vm %u: released %s", (unsigned)p->uid, vm_id,
	    a->s[0]);
	return wire_reply(&a->out, PRIV_OK, rq->id, "");
}

/* The mode in the lease table first, then the kernel's sets. */
static int
priv_answer_tap_egress(struct priv *p, const struct req *rq, struct ans *a)
{
	const struct wire_req		*e = &rq->u;
	const struct lease_bridge	*lb;
	const struct lease_tap		*lt;
	uint32_t			 id = (uint32_t)e->vm_id;
	uint64_t			 ttl;
	int				 chg;

	chg = (lease_find(p->lt, LEASE_EGRESS, LF_VMID, id, p->uid) != NULL) !=
	    e->allowlist;
	if (chg && (e->allowlist ? lease_add(p->lt, LEASE_EGRESS,
	    (uint32_t[LEASE_NF]){ p->uid, id }) : lease_del(p->lt,
	    LEASE_EGRESS, p->uid, id)) == -1)
		fatalx("egress record disagrees with validation");
	/* Rebuilt on each mode request: a retry must heal a failed rebuild. */
	if ((chg && lease_file_store(&p->lf, p->lt, a->err,
	    sizeof(a->err)) == -1) || ((chg || e->naddrs == 0) &&
	    nftb_ensure(p->nft, p->lt, p->pol.pool, a->err,
	    sizeof(a->err)) == -1))
		return -1;
	if (chg)
		log_info("uid %u vm %u: egress %s", (unsigned)p->uid, id,
		    e->allowlist ? "allowlist" : "open");
	lb = lease_find(p->lt, LEASE_BRIDGE, LF_UID, p->uid, LEASE_ANY);
	lt = lease_find(p->lt, LEASE_TAP, LF_VMID, id, p->uid);
	ttl = e->ttl < PRIV_EGRESS_TTL_MIN ? PRIV_EGRESS_TTL_MIN :
	    e->ttl > PRIV_EGRESS_TTL_MAX ? PRIV_EGRESS_TTL_MAX : e->ttl;
	if (e->naddrs > 0 && nftb_run(p->nft, nftb_allow_cmd(p->uid,
	    addr_host(addr_subnet(p->pol.pool, lb->slot), lt->host),
	    e->addrs, e->naddrs, ttl), a->err, sizeof(a->err)) == -1)
		return -1;
	return wire_reply(&a->out, PRIV_OK, rq->id, "");
}

static int
priv_answer_tap_list(struct priv *p, const struct req *rq, struct ans *a)
{
	int	 swept;

	/* bangerd lists its taps as it starts: sweep unleased ones now. */
	if ((swept = tap_sweep(p->nl, p->lt, p->uid, a->err,
	    sizeof(a->err))) > 0)
		log_info("uid %u: removed %d persistent tap(s) no lease "
		    "named", (unsigned)p->uid, swept);
	else if (swept == -1)
		log_warnx("uid %u: %s", (unsigned)p->uid, a->err);
	return priv_answer_list(p, rq, a);
}

/*
 * One socket for the caller's banger-net: dns.listen's UDP or TCP port 53
 * on the caller's own gateway, port.listen's published port below 1024.
 */
static int
priv_answer_listen(struct priv *p, const struct req *rq, struct ans *a)
{
	const struct lease_bridge	*lb;
	uint32_t			 addr;
	uint16_t			 port = 53;
	int				 tcp = 1;

	if (rq->type == PRIV_PORT_LISTEN) {
		addr = (uint32_t)rq->u.addr;
		port = (uint16_t)rq->u.port;
	} else if ((lb = lease_find(p->lt, LEASE_BRIDGE, LF_UID, p->uid,
	    LEASE_ANY)) != NULL) {
		addr = addr_host(addr_subnet(p->pol.pool, lb->slot),
		    ADDR_HOST_GW);
		tcp = rq->u.tcp;
	} else {
		snprintf(a->err, sizeof(a->err), "no bridge leased");
		return -1;
	}
	if ((a->fd = net_listen_socket(addr, port, tcp, a->err,
	    sizeof(a->err))) == -1)
		return -1;
	return wire_reply(&a->out, PRIV_DNS_SOCK, rq->id, "u", "tcp",
	    (uint64_t)tcp);
}

/* By type; wire_decode() lets only these ten through. */
static const struct priv_dispatch {
	const char	*name;
	int		 flags;
	validator	*check;		/* NULL: nothing to check */
	handler		*fn;
} priv_dispatch[PRIV_TYPE_MAX + 1] = {
	[PRIV_BRIDGE_ENSURE] = { "bridge.ensure", 0, validate_bridge_ensure,
	    priv_answer_bridge_ensure },
	[PRIV_TAP_CREATE] = { "tap.create", PF_NEED_BRIDGE,
	    validate_tap_create, priv_answer_tap_create },
	[PRIV_TAP_DELETE] = { "tap.delete", 0, validate_release,
	    priv_answer_tap_delete },
	[PRIV_TAP_LIST] = { "tap.list", 0, NULL, priv_answer_tap_list },
	[PRIV_DISK_SNAPSHOT] = { "disk.snapshot", PF_TAKES_FDS,
	    validate_disk_snapshot, priv_answer_disk_snapshot },
	[PRIV_DISK_RELEASE] = { "disk.release", 0, validate_release,
	    priv_answer_disk_release },
	[PRIV_DISK_LIST] = { "disk.list", 0, NULL, priv_answer_list },
	[PRIV_DNS_LISTEN] = { "dns.listen", PF_NEED_BRIDGE, NULL,
	    priv_answer_listen },
	[PRIV_TAP_EGRESS] = { "tap.egress", PF_NEED_BRIDGE,
	    validate_tap_egress, priv_answer_tap_egress },
	[PRIV_PORT_LISTEN] = { "port.listen", 0, validate_port_listen,
	    priv_answer_listen },
};

/* Locked: check in full, then act; the reply type, or -1. */
static int
answer(struct priv *p, const struct priv_dispatch *d, const struct req *rq,
    struct ans *a)
{
	struct vres	 r = { .v = VALID_OK };

	if (lease_file_lock(&p->lf, p->lt, a->err, sizeof(a->err)) == -1) {
		a->code = BERR_INTERNAL;
		return -1;
	}
	if (d->check != NULL && d->check(p, rq, &r) == VALID_FAULT)
		fault(p, "%s", r.why);
	if (r.v == VALID_OK)
		return d->fn(p, rq, a);
	a->code = r.code;
	snprintf(a->err, sizeof(a->err), "%s", r.why);
	return -1;
}

void
priv_serve(struct priv *p)
{
	const struct priv_dispatch	*d;
	struct msg_hdr			 hdr;
	struct req			 rq;
	struct ans			 a;
	uint8_t				 in[WIRE_PKT_MAX];
	const char			*why;
	ssize_t				 n;
	size_t				 i;
	int				 type;

	for (;;) {
		/* More descriptors than any request takes are a fault. */
		if ((n = wire_recv(PRIV_FD, in, rq.fd, &rq.nfd)) == -1) {
			if (errno == EPROTO)
				fault(p, "malformed frame");
			fatal("receive");
		}
		if (n == 0) {
			log_debug("bangerd closed the channel");
			exit(0);
		}
		if ((why = wire_decode(in, (size_t)n, &hdr, &rq.u)) != NULL)
			fault(p, "%s", why);
		if (hdr.type > PRIV_TYPE_MAX ||
		    priv_dispatch[hdr.type].fn == NULL)
			fault(p, "unexpected message type %u", hdr.type);
		d = &priv_dispatch[hdr.type];
		if ((d->flags & PF_NEED_BRIDGE) && !p->bridge_ok)
			fault(p, "%s before bridge.ensure", d->name);
		if (!(d->flags & PF_TAKES_FDS) && rq.nfd > 0)
			fault(p, "descriptors with %s", d->name);
		log_debug("request %llu: %s", (unsigned long long)hdr.id,
		    d->name);
		rq.type = hdr.type;
		rq.id = hdr.id;
		for (i = 0; i < rq.nfd; i++)
			fd_facts(rq.fd[i], &rq.facts[i]);
		a = (struct ans){ .code = BERR_PRIV, .fd = -1 };
		type = answer(p, d, &rq, &a);
		lease_file_unlock(&p->lf);
		/* Unlocked: a slow bus stalls this caller only. */
		if (type == PRIV_BRIDGE)
			resolved_wire(p->bus, p->br_ifindex, p->br_gw);
		if (type == -1) {
			log_warnx("uid %u: %s", (unsigned)p->uid, a.err);
			type = wire_reply(&a.out, PRIV_ERROR, rq.id, "us",
			    "code", (uint64_t)a.code, "message", a.err);
		}
		if (wire_send(PRIV_FD, &a.out, type == PRIV_ERROR ? -1 :
		    a.fd) == -1)
			fatal("send reply type %d", type);
		if (a.fd != -1)
			close(a.fd);
		while (rq.nfd > 0)
			close(rq.fd[--rq.nfd]);
	}
}
