/*
 * The request loop and the network requests (the disk ones are in
 * serve-disk.c).  Each is called under the lease lock, the table loaded
 * afresh, and validates (validate.c) before it acts: helpers of different
 * users never interleave their updates of the table or of nftables.
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
#include "validate.h"
#include "wire.h"

#define PF_NEED_BRIDGE	0x01	/* only after a successful BRIDGE_ENSURE */
#define PF_TAKES_FDS	0x02	/* descriptors may come with it */
#define TAP_NAME_TRIES	64	/* skip names squatted by others */

/* A confused deputy must not survive: log why and exit. */
void
fault(const struct priv *p, const char *fmt, ...)
{
	char	 why[256];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	fatalx("rejected request from uid %u: %s", (unsigned)p->uid, why);
}

void
reply(const struct priv *p, uint32_t type, uint64_t id, const void *body,
    int passfd)
{
	(void)p;
	if (wire_send(PRIV_FD, type, id, body, passfd) == -1)
		fatal("send reply type %u", type);
}

void
reply_error(const struct priv *p, uint64_t id, unsigned code,
    const char *fmt, ...)
{
	char	 msg[256];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("uid %u: %s", (unsigned)p->uid, msg);
	reply(p, PRIV_ERROR, id, &(struct priv_error){ code, msg }, -1);
}

/* Lock and load the lease table; on failure answer and return -1. */
int
leases_begin(struct priv *p, uint64_t id)
{
	char	 err[256];
	int	 locked;

	if ((locked = lease_file_lock(&p->lf, err, sizeof(err)) == 0) &&
	    lease_file_load(&p->lf, p->lt, err, sizeof(err)) == 0)
		return 0;
	if (locked)
		lease_file_unlock(&p->lf);
	reply_error(p, id, BERR_INTERNAL, "%s", err);
	return -1;
}

/* Act on a verdict: fault exits, refusal answers and unlocks. */
int
judge(struct priv *p, uint64_t id, const struct vres *r)
{
	if (r->v == VALID_FAULT)
		fault(p, "%s", r->why);
	if (r->v == VALID_REFUSE) {
		lease_file_unlock(&p->lf);
		reply_error(p, id, r->code, "%s", r->why);
		return -1;
	}
	return 0;
}

static void
priv_answer_bridge_ensure(struct priv *p, const struct req *rq)
{
	const struct lease_bridge	*lb;
	struct vres			 r;
	char				 err[256], name[ADDR_IFNAMELEN];
	char				 subnet_s[ADDR_STRLEN], gw_s[ADDR_STRLEN];
	uint32_t			 slot, subnet, gw;

	validate_bridge_ensure(&p->pol, p->lt, p->uid, &r);
	if (judge(p, rq->id, &r) == -1)
		return;

	/* Act: lease a slot if this uid has none yet. */
	if ((lb = lease_find_bridge(p->lt, p->uid)) != NULL)
		slot = lb->slot;
	else {
		if (lease_free_slot(p->lt, addr_nslots(p->pol.pool_prefix),
		    &slot) == -1 || lease_add_bridge(p->lt, p->uid,
		    slot) == -1)
			fatalx("slot allocation disagrees with validation");
		if (lease_file_store(&p->lf, p->lt, err, sizeof(err)) == -1)
			goto fail;
		log_info("uid %u leased subnet slot %u", (unsigned)p->uid,
		    slot);
	}
	subnet = addr_subnet(p->pol.pool, slot);
	gw = addr_host(subnet, ADDR_HOST_GW);
	addr_bridge_name(p->uid, name, sizeof(name));
	if (net_bridge_ensure(p->nl, name, gw, err, sizeof(err)) == -1)
		goto fail;
	if (pwrite(p->fwdfd, "1\n", 2, 0) != 2) {
		snprintf(err, sizeof(err), "enable ip_forward: %s",
		    strerror(errno));
		goto fail;
	}
	if (nftb_ensure(p->nft, p->lt, p->pol.pool, err, sizeof(err)) == -1)
		goto fail;
	lease_file_unlock(&p->lf);

	p->bridge_ok = 1;
	addr_fmt(subnet, subnet_s, sizeof(subnet_s));
	addr_fmt(gw, gw_s, sizeof(gw_s));
	reply(p, PRIV_BRIDGE, rq->id, &(struct priv_bridge){ name, subnet_s,
	    gw_s, ADDR_USER_PREFIX }, -1);
	return;
fail:
	lease_file_unlock(&p->lf);
	reply_error(p, rq->id, BERR_PRIV, "%s", err);
}

static void
priv_answer_tap_create(struct priv *p, const struct req *rq)
{
	const struct priv_tap_create	*req = &rq->u.tap_create;
	const struct lease_bridge	*lb;
	struct lease_tap		 lt;
	struct vres			 r;
	char				 err[256], br[ADDR_IFNAMELEN];
	char				 tap[ADDR_IFNAMELEN];
	char				 addr_s[ADDR_STRLEN], gw_s[ADDR_STRLEN];
	char				 mac_s[ADDR_MACLEN], why[256];
	uint32_t			 subnet, guest, from = 0;
	int				 fd = -1, i, leased = 0;

	validate_tap_create(&p->pol, p->lt, p->uid, req->vm_id, &r);
	if (judge(p, rq->id, &r) == -1)
		return;

	/* Act: derive everything from the lease table, then create. */
	lb = lease_find_bridge(p->lt, p->uid);
	lt = (struct lease_tap){ .uid = p->uid, .vm_id = (uint32_t)req->vm_id };
	if (lb == NULL || lease_free_host(p->lt, p->uid, &lt.host) == -1)
		fatalx("tap allocation disagrees with validation");
	for (i = 0; i < TAP_NAME_TRIES; i++) {
		if (lease_free_tapno(p->lt, from, &lt.tapno) == -1) {
			snprintf(err, sizeof(err), "no free tap number");
			goto fail;
		}
		addr_tap_name(lt.tapno, tap, sizeof(tap));
		fd = tap_open(tap, p->uid, p->gid, err, sizeof(err));
		if (fd != -1 || errno != EBUSY)
			break;
		/* Someone else's interface has that name; skip it. */
		log_warnx("%s exists outside the lease table", tap);
		from = lt.tapno + 1;
	}
	if (fd == -1)
		goto fail;
	/*
	 * The lease as soon as the tap exists, persistence last: a tap that
	 * can outlive this request is always leased.
	 */
	if (lease_add_tap(p->lt, &lt) == -1)
		fatalx("tap lease disagrees with validation");
	if (lease_file_store(&p->lf, p->lt, err, sizeof(err)) == -1)
		goto fail;
	leased = 1;
	addr_bridge_name(p->uid, br, sizeof(br));
	if (net_tap_attach(p->nl, tap, br, err, sizeof(err)) == -1)
		goto fail;
	if (req->persist && tap_persist(fd, 1, err, sizeof(err)) == -1)
		goto fail;
	lease_file_unlock(&p->lf);

	subnet = addr_subnet(p->pol.pool, lb->slot);
	guest = addr_host(subnet, lt.host);
	addr_fmt(guest, addr_s, sizeof(addr_s));
	addr_fmt(addr_host(subnet, ADDR_HOST_GW), gw_s, sizeof(gw_s));
	addr_mac(guest, mac_s, sizeof(mac_s));
	log_info("uid %u vm %u: %s %s", (unsigned)p->uid, lt.vm_id, tap,
	    addr_s);
	reply(p, PRIV_TAP, rq->id, &(struct priv_tap){ lt.vm_id, tap, addr_s,
	    gw_s, ADDR_USER_PREFIX, mac_s }, fd);
	/* Our copy goes; the tap lives while bangerd or the VMM holds it. */
	close(fd);
	return;
fail:
	/* Closing the only fd of a non-persistent tap removes it. */
	snprintf(why, sizeof(why), "lease table disagrees");
	if (fd != -1) {
		if (req->persist)
			(void)tap_persist(fd, 0, why, sizeof(why));
		close(fd);
	}
	/* A lease left without its tap: tap.delete drops it later. */
	if (leased && (lease_del_tap(p->lt, p->uid, lt.vm_id) == -1 ||
	    lease_file_store(&p->lf, p->lt, why, sizeof(why)) == -1))
		log_warnx("vm %u keeps a lease without a tap: %s", lt.vm_id,
		    why);
	lease_file_unlock(&p->lf);
	reply_error(p, rq->id, BERR_PRIV, "%s", err);
}

static void
priv_answer_tap_delete(struct priv *p, const struct req *rq)
{
	const struct priv_tap_delete	*req = &rq->u.tap_delete;
	const struct lease_tap		*lt;
	struct vres			 r;
	char				 err[256], tap[ADDR_IFNAMELEN];

	validate_tap_delete(p->lt, p->uid, req->vm_id, &r);
	if (judge(p, rq->id, &r) == -1)
		return;

	lt = lease_find_tap(p->lt, p->uid, (uint32_t)req->vm_id);
	addr_tap_name(lt->tapno, tap, sizeof(tap));
	/*
	 * The leased name must still be the caller's tap (its tun owner),
	 * or be gone: a device someone else has made under that name since
	 * is refused and left alone, and the lease kept.
	 */
	if (tap_remove(p->nl, tap, p->uid, 0, err, sizeof(err)) == -1)
		goto fail;
	if (lease_del_tap(p->lt, p->uid, (uint32_t)req->vm_id) == -1)
		fatalx("tap lease vanished under the lock");
	if (lease_file_store(&p->lf, p->lt, err, sizeof(err)) == -1)
		goto fail;
	lease_file_unlock(&p->lf);
	log_info("uid %u vm %llu: released %s", (unsigned)p->uid,
	    (unsigned long long)req->vm_id, tap);
	reply(p, PRIV_OK, rq->id, &(struct priv_ok){ 0 }, -1);
	return;
fail:
	lease_file_unlock(&p->lf);
	reply_error(p, rq->id, BERR_PRIV, "%s", err);
}

static void
priv_answer_tap_list(struct priv *p, const struct req *rq)
{
	struct priv_tap_ids	 out;
	uint64_t		 ids[800];	/* what one reply holds */
	char			 err[256];
	size_t			 i, n = 0;
	int			 swept;

	/*
	 * bangerd lists its taps when it starts: the moment to remove this
	 * user's persistent taps that no lease knows (see tap_sweep).
	 */
	if ((swept = tap_sweep(p->nl, p->lt, p->uid, err, sizeof(err))) > 0)
		log_info("uid %u: removed %d persistent tap(s) no lease "
		    "named", (unsigned)p->uid, swept);
	else if (swept == -1)
		log_warnx("uid %u: %s", (unsigned)p->uid, err);
	/* max_taps_per_user is at most 253: the cap only bounds the array. */
	for (i = 0; i < p->lt->ntap && n < sizeof(ids) / sizeof(ids[0]); i++)
		if (p->lt->tap[i].uid == p->uid)
			ids[n++] = p->lt->tap[i].vm_id;
	lease_file_unlock(&p->lf);
	out.vm_ids.v = ids;
	out.vm_ids.n = n;
	reply(p, PRIV_TAP_IDS, rq->id, &out, -1);
}

/* Port 53 on the caller's own gateway, one socket, for its banger-net. */
static void
priv_answer_dns_listen(struct priv *p, const struct req *rq)
{
	const struct lease_bridge	*lb;
	char				 err[256];
	uint32_t			 gw;
	int				 fd, tcp = rq->u.dns_listen.tcp;

	if ((lb = lease_find_bridge(p->lt, p->uid)) == NULL) {
		lease_file_unlock(&p->lf);
		reply_error(p, rq->id, BERR_PRIV, "no bridge leased");
		return;
	}
	gw = addr_host(addr_subnet(p->pol.pool, lb->slot), ADDR_HOST_GW);
	lease_file_unlock(&p->lf);
	if ((fd = net_dns_socket(gw, tcp, err, sizeof(err))) == -1) {
		reply_error(p, rq->id, BERR_PRIV, "%s", err);
		return;
	}
	reply(p, PRIV_DNS_SOCK, rq->id, &(struct priv_dns_sock){ tcp }, fd);
	close(fd);
}

/* By type; wire_decode() lets only these eight through. */
static const struct priv_dispatch {
	const char	*name;
	int		 flags;
	void		(*fn)(struct priv *, const struct req *);
} priv_dispatch[PRIV_TYPE_MAX + 1] = {
	[PRIV_BRIDGE_ENSURE] = { "bridge.ensure", 0,
	    priv_answer_bridge_ensure },
	[PRIV_TAP_CREATE] = { "tap.create", PF_NEED_BRIDGE,
	    priv_answer_tap_create },
	[PRIV_TAP_DELETE] = { "tap.delete", 0, priv_answer_tap_delete },
	[PRIV_TAP_LIST] = { "tap.list", 0, priv_answer_tap_list },
	[PRIV_DISK_SNAPSHOT] = { "disk.snapshot", PF_TAKES_FDS,
	    priv_answer_disk_snapshot },
	[PRIV_DISK_RELEASE] = { "disk.release", 0,
	    priv_answer_disk_release },
	[PRIV_DISK_LIST] = { "disk.list", 0, priv_answer_disk_list },
	[PRIV_DNS_LISTEN] = { "dns.listen", PF_NEED_BRIDGE,
	    priv_answer_dns_listen },
};

void
priv_serve(struct priv *p)
{
	const struct priv_dispatch	*d;
	struct msg_hdr			 hdr;
	struct req			 rq;
	uint8_t				 in[WIRE_PKT_MAX];
	const char			*why;
	ssize_t				 n;

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
		rq.id = hdr.id;
		if (leases_begin(p, rq.id) == 0)
			d->fn(p, &rq);
		while (rq.nfd > 0)
			close(rq.fd[--rq.nfd]);
	}
}
