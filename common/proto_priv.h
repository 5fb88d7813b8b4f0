/*
 * The bangerd <-> banger-priv protocol and its message bodies, decoded and
 * encoded by the field tables in proto_priv.c.  A header of its own so
 * that the helper compiles only its own messages (proto.h includes it for
 * everyone else).
 */
#ifndef BANGER_PROTO_PRIV_H
#define BANGER_PROTO_PRIV_H

#include <stdint.h>

#include "berr.h"
#include "msg.h"

/* The largest image a snapshot is made of: proto.h's VM_DISK_MAX. */
#define PRIV_IMAGE_MAX_MIB	(16ULL * 1024 * 1024)

#define PRIV_VERSION	1
#define PRIV_VMID_MAX	0x7fffffffu

enum priv_type {
	PRIV_OK = 1,		/* p->d */
	PRIV_ERROR,		/* p->d: a refusal that is not a protocol fault */
	PRIV_BRIDGE_ENSURE,	/* d->p */
	PRIV_BRIDGE,		/* p->d */
	PRIV_TAP_CREATE,	/* d->p */
	PRIV_TAP,		/* p->d, with the open tap fd (SCM_RIGHTS) */
	PRIV_TAP_DELETE,	/* d->p */
	PRIV_TAP_LIST,		/* d->p */
	PRIV_TAP_IDS,		/* p->d */
	PRIV_DISK_SNAPSHOT,	/* d->p, with two fds: the image (read-only)
				   and the VM's copy-on-write file (rw) */
	PRIV_DISK,		/* p->d, with the snapshot's block device fd */
	PRIV_DISK_RELEASE,	/* d->p */
	PRIV_DISK_LIST,		/* d->p */
	PRIV_DISK_IDS,		/* p->d */
	PRIV_DNS_LISTEN,	/* d->p: bind DNS on the caller's gateway */
	PRIV_DNS_SOCK,		/* p->d, with the bound socket */
	PRIV_TAP_EGRESS,	/* d->p: a tap's egress mode and allowed
				   addresses; PRIV_OK */
	PRIV_PORT_LISTEN,	/* d->p: a published port below 1024;
				   PRIV_DNS_SOCK with the listener */
	PRIV_TYPE_MAX = PRIV_PORT_LISTEN
};

#define PRIV_DM_NAME_MAX	127	/* DM_NAME_LEN - 1 */

struct priv_ok {
	int		 unused_;
};

struct priv_error {
	uint64_t	 code;
	char		*message;
};

struct priv_bridge_ensure {
	int		 unused_;
};

struct priv_bridge {
	char		*name;		/* interface name, e.g. "bgbr1000" */
	char		*subnet;	/* "10.213.3.0" */
	char		*gateway;	/* "10.213.3.1" */
	uint64_t	 prefix;	/* 24 */
};

struct priv_tap_create {
	uint64_t	 vm_id;		/* 1..PRIV_VMID_MAX, the caller's own id */
	int		 persist;	/* outlives its fds, until tap.delete:
					   for VMMs that open taps by name */
};

struct priv_tap {
	uint64_t	 vm_id;
	char		*name;		/* "bgtap7" */
	char		*address;	/* guest address */
	char		*gateway;
	uint64_t	 prefix;
	char		*mac;		/* guest MAC, "02:42:0a:d5:03:02" */
};

struct priv_tap_delete {
	uint64_t	 vm_id;
};

struct priv_tap_list {
	int		 unused_;
};

struct priv_tap_ids {
	struct msg_u64v	 vm_ids;
};

/* A device-mapper snapshot of the image, one per VM; see banger-priv(8). */
struct priv_disk_snapshot {
	uint64_t	 vm_id;
};

/*
 * The copy-on-write file's size for an image of n bytes, as bangerd makes
 * it and the most banger-priv accepts: every chunk of the image, 1/64 for
 * the snapshot's metadata and 4 MiB to spare, in whole sectors.
 */
static inline uint64_t
priv_cow_size(uint64_t image)
{
	return (image + image / 64 + 4 * 1024 * 1024 + 511) & ~(uint64_t)511;
}

struct priv_disk {
	uint64_t	 vm_id;
	char		*name;		/* "banger-1000-7" */
	uint64_t	 sectors;	/* its size in 512-byte sectors */
};

struct priv_disk_release {
	uint64_t	 vm_id;
};

struct priv_disk_list {
	int		 unused_;
};

struct priv_disk_ids {
	struct msg_u64v	 vm_ids;
};

extern const struct msg_proto priv_proto;

/* UDP or TCP port 53 on the caller's gateway, for banger-net. */
struct priv_dns_listen {
	int		 tcp;
};

struct priv_dns_sock {
	uint64_t	 tcp;		/* 0 or 1 */
};

/*
 * A TCP listener on a loopback address (127.0.0.0/8, host order) and a
 * port below 1024 that priv.conf's publish_low_ports lists, for the
 * caller's banger-net to relay to a guest.
 */
#define PRIV_PORT_LOW_MAX	1023
struct priv_port_listen {
	uint64_t	 addr;
	uint64_t	 port;
};

#define PRIV_EGRESS_ADDRS_MAX	32	/* addresses in one tap.egress */
#define PRIV_EGRESS_TTL_MIN	5	/* seconds an address stays, at least */
#define PRIV_EGRESS_TTL_MAX	3600	/* and at most */

/*
 * The caller's tap of vm_id becomes allowlisted (only addresses in its
 * set are reachable, and addrs, dotted IPv4, join the set for ttl
 * seconds, clamped to the bounds above) or open again (addrs empty).
 * The mode is kept in the tap's lease, so it outlives a table rebuild.
 */
struct priv_tap_egress {
	uint64_t	 vm_id;
	int		 allowlist;
	struct msg_strv	 addrs;
	uint64_t	 ttl;
};

#endif
