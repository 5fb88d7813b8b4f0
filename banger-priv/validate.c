/* Pure request validation; see validate.h. */
#include <sys/types.h>
#include <sys/sysmacros.h>

#include <linux/major.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>

#include "addr.h"
#include "priv-paths.h"
#include "priv.h"
#include "pubaddr.h"
#include "valid.h"

static enum verdict __attribute__((format(printf, 4, 5)))
verdict(struct vres *r, enum verdict v, unsigned code, const char *fmt, ...)
{
	va_list	 ap;

	r->v = v;
	r->code = code;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return v;
}

/* The pool may have shrunk since the caller's slot was leased. */
static enum verdict
slot_in_pool(const struct policy *pol, const struct lease_bridge *b,
    struct vres *r)
{
	if (b->slot >= addr_nslots(pol->pool_prefix))
		return verdict(r, VALID_REFUSE, BERR_INTERNAL,
		    "leased slot %u is outside the configured pool", b->slot);
	return verdict(r, VALID_OK, 0, "ok");
}

enum verdict
validate_bridge_ensure(const struct priv *p, const struct req *rq,
    struct vres *r)
{
	const struct lease_bridge	*b;
	uint32_t			 slot;

	(void)rq;
	if (p->uid > LEASE_UID_MAX)
		return verdict(r, VALID_FAULT, 0, "uid %u out of range", p->uid);
	if ((b = lease_find(p->lt, LEASE_BRIDGE, LF_UID, p->uid,
	    LEASE_ANY)) != NULL)
		return slot_in_pool(&p->pol, b, r);
	if (lease_free(p->lt, LEASE_BRIDGE, LF_SLOT, p->uid, 0,
	    addr_nslots(p->pol.pool_prefix), &slot) == -1)
		return verdict(r, VALID_REFUSE, BERR_QUOTA,
		    "address pool exhausted");
	return verdict(r, VALID_OK, 0, "ok");
}

enum verdict
validate_tap_create(const struct priv *p, const struct req *rq,
    struct vres *r)
{
	const struct lease_bridge	*b;
	uint64_t			 vm_id = rq->u.vm_id;
	uint32_t			 n;

	if ((b = lease_find(p->lt, LEASE_BRIDGE, LF_UID, p->uid,
	    LEASE_ANY)) == NULL)
		return verdict(r, VALID_FAULT, 0, "tap before bridge");
	if (slot_in_pool(&p->pol, b, r) != VALID_OK)
		return VALID_REFUSE;
	if (lease_find(p->lt, LEASE_TAP, LF_VMID, (uint32_t)vm_id,
	    p->uid) != NULL)
		return verdict(r, VALID_FAULT, 0, "vm_id %llu already has a "
		    "tap", (unsigned long long)vm_id);
	if (lease_count(p->lt, LEASE_TAP, p->uid) >= p->pol.max_taps)
		return verdict(r, VALID_REFUSE, BERR_QUOTA, "tap quota of %u "
		    "reached", p->pol.max_taps);
	if (lease_free(p->lt, LEASE_TAP, LF_HOST, p->uid, 0, UINT64_MAX,
	    &n) == -1 || lease_free(p->lt, LEASE_TAP, LF_TAPNO, p->uid, 0,
	    UINT64_MAX, &n) == -1)
		return verdict(r, VALID_REFUSE, BERR_QUOTA, "no free address "
		    "in the subnet, or no free tap number on this host");
	return verdict(r, VALID_OK, 0, "ok");
}

/* tap.delete and disk.release: the caller's own lease for the vm_id. */
enum verdict
validate_release(const struct priv *p, const struct req *rq,
    struct vres *r)
{
	int		 tap = rq->type == PRIV_TAP_DELETE;
	uint64_t	 vm_id = rq->u.vm_id;

	if (lease_find(p->lt, tap ? LEASE_TAP : LEASE_DISK, LF_VMID,
	    (uint32_t)vm_id, p->uid) == NULL)
		return verdict(r, VALID_FAULT, 0, "vm_id %llu has no %s of "
		    "this user", (unsigned long long)vm_id, tap ? "tap" :
		    "snapshot");
	return verdict(r, VALID_OK, 0, "ok");
}

/* The caller's tap; public dotted IPv4 addresses outside the pool. */
enum verdict
validate_tap_egress(const struct priv *p, const struct req *rq,
    struct vres *r)
{
	const struct wire_req		*e = &rq->u;
	struct in_addr			 in;
	uint32_t			 a;
	size_t				 i;

	/* Refused, not a fault: the VM may have stopped meanwhile. */
	if (lease_find(p->lt, LEASE_TAP, LF_VMID, (uint32_t)e->vm_id,
	    p->uid) == NULL)
		return verdict(r, VALID_REFUSE, BERR_NOTFOUND, "vm_id %llu has "
		    "no tap of this user", (unsigned long long)e->vm_id);
	if (e->naddrs > PRIV_EGRESS_ADDRS_MAX || (!e->allowlist &&
	    e->naddrs > 0))
		return verdict(r, VALID_REFUSE, BERR_INVALID, "%zu addresses: "
		    "at most %d, and none for an open VM", e->naddrs,
		    PRIV_EGRESS_ADDRS_MAX);
	for (i = 0; i < e->naddrs; i++) {
		/* inet_pton: four decimal parts, no leading zeros */
		if (inet_pton(AF_INET, e->addrs[i], &in) != 1)
			return verdict(r, VALID_REFUSE, BERR_INVALID, "address "
			    "%zu is not dotted IPv4", i + 1);
		a = ntohl(in.s_addr);
		if (!pubaddr_ok4(a) || (a >> (32 - p->pol.pool_prefix)) ==
		    (p->pol.pool >> (32 - p->pol.pool_prefix)))
			return verdict(r, VALID_REFUSE, BERR_INVALID, "%s is "
			    "not a public address outside the pool",
			    e->addrs[i]);
	}
	return verdict(r, VALID_OK, 0, "ok");
}

/* A loopback address and a port below 1024 that priv.conf lists. */
enum verdict
validate_port_listen(const struct priv *p, const struct req *rq,
    struct vres *r)
{
	const struct wire_req		*l = &rq->u;
	size_t				 i;

	if ((l->addr >> 24) != 127 || l->port == 0)
		return verdict(r, VALID_REFUSE, BERR_INVALID, "only a loopback "
		    "address (127.0.0.0/8) and a port from 1");
	for (i = 0; i < p->pol.nlow_ports; i++)
		if (p->pol.low_ports[i] == l->port)
			return verdict(r, VALID_OK, 0, "ok");
	return verdict(r, VALID_REFUSE, BERR_PRIV, "port %u is below 1024 "
	    "and not in publish_low_ports of " PRIV_CONF, (unsigned)l->port);
}

/* One of the two files behind a snapshot; what says which in messages. */
static enum verdict
check_disk_file(const struct fdfacts *f, const char *what, int accmode,
    uint64_t min, uint64_t max, struct vres *r)
{
	if (!f->isreg)
		return verdict(r, VALID_FAULT, 0, "%s is not a regular file",
		    what);
	if (f->accmode != accmode)
		return verdict(r, VALID_FAULT, 0, "%s must be open %s", what,
		    accmode == O_RDONLY ? "read-only" : "read-write");
	if (f->size < min || f->size > max || f->size % DISK_SECTOR != 0)
		return verdict(r, VALID_FAULT, 0, "%s is %llu bytes: it must "
		    "be a multiple of %d between %llu and %llu", what,
		    (unsigned long long)f->size, DISK_SECTOR,
		    (unsigned long long)min, (unsigned long long)max);
	return VALID_OK;
}

/*
 * Not on a loop, nbd or device-mapper (DM_MAJOR, 0: none) device, whose
 * I/O can end in FUSE or a user's nbd server; banger-priv(8) on the rest.
 */
int
valid_backing_dev(uint64_t dev, unsigned dm_major)
{
	unsigned	 maj = major((dev_t)dev);

	return maj != LOOP_MAJOR && maj != NBD_MAJOR &&
	    (dm_major == 0 || maj != dm_major);
}

/* A fault if malformed; refused what bangerd cannot know beforehand. */
enum verdict
validate_disk_snapshot(const struct priv *p, const struct req *rq,
    struct vres *r)
{
	const struct fdfacts	*base = &rq->facts[0], *cow = &rq->facts[1];
	const struct fdfacts	*f;
	uint64_t		 vm_id = rq->u.vm_id;
	const char		*what;

	if (rq->nfd != 2)
		return verdict(r, VALID_FAULT, 0, "disk.snapshot came with "
		    "%zu descriptors, not 2", rq->nfd);
	if (check_disk_file(base, "the image", O_RDONLY, DISK_BASE_MIN,
	    (uint64_t)PRIV_IMAGE_MAX_MIB * 1024 * 1024, r) != VALID_OK ||
	    check_disk_file(cow, "the copy-on-write file", O_RDWR,
	    DISK_COW_MIN, priv_cow_size(base->size), r) != VALID_OK)
		return VALID_FAULT;
	if (cow->owner != p->uid)
		return verdict(r, VALID_FAULT, 0, "the copy-on-write file "
		    "belongs to uid %u", cow->owner);
	if (base->dev == cow->dev && base->ino == cow->ino)
		return verdict(r, VALID_FAULT, 0, "the image and the "
		    "copy-on-write file are the same file");
	/* Refused, not a fault: a home directory on NFS is ordinary. */
	for (f = base; f != NULL; f = f == base ? cow : NULL) {
		what = f == base ? "image" : "copy-on-write file";
		if (!valid_local_fs(f->fstype))
			return verdict(r, VALID_REFUSE, BERR_UNSUPPORTED, "the "
			    "%s is not on a known local file system (type "
			    "%#llx)", what, (unsigned long long)f->fstype);
		if (!valid_backing_dev(f->dev, p->dm_major))
			return verdict(r, VALID_REFUSE, BERR_UNSUPPORTED, "the "
			    "%s is on a loop, nbd or device-mapper device",
			    what);
	}
	if (!p->pol.dm_snapshots || p->dmfd == -1 || p->loopfd == -1)
		return verdict(r, VALID_REFUSE, BERR_UNSUPPORTED, "%s",
		    p->pol.dm_snapshots ? "this kernel has no device-mapper" :
		    "device-mapper snapshots are switched off in priv.conf");
	if (lease_find(p->lt, LEASE_DISK, LF_VMID, (uint32_t)vm_id,
	    p->uid) != NULL)
		return verdict(r, VALID_REFUSE, BERR_BUSY, "vm_id %llu already "
		    "has a snapshot: release it first",
		    (unsigned long long)vm_id);
	if (lease_count(p->lt, LEASE_DISK, p->uid) >= p->pol.max_disks)
		return verdict(r, VALID_REFUSE, BERR_QUOTA, "snapshot quota "
		    "of %u reached", p->pol.max_disks);
	if (p->lt->ndisk >= LEASE_MAX_DISKS)
		return verdict(r, VALID_REFUSE, BERR_QUOTA,
		    "no room for another snapshot on this host");
	return verdict(r, VALID_OK, 0, "ok");
}
