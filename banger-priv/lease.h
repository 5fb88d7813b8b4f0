/*
 * The host-wide lease table: which uid owns which bridge slot and which
 * taps (keyed by uid and the caller's vm_id, so two users' vm 1 are two
 * leases).  The file under PRIV_RUNDIR is shared by every user's helper
 * and changed only under flock; the text format is
 *
 *	banger-leases 1
 *	bridge UID SLOT
 *	tap UID VMID TAPNO HOST
 *	disk UID VMID
 *	egress UID VMID
 *
 * one record per line, single spaces, decimal numbers without sign or
 * leading zeros, every line ending in '\n'.  HOST is the guest's host
 * number in the owner's /24 (2..254).  A disk record is a device-mapper
 * snapshot named banger-UID-VMID.  An egress record makes that tap's VM
 * allowlisted (none: open; files from before it parse as all open) and
 * goes with the tap's lease.  Anything else is rejected: the file
 * is root's, but a parser that tolerates junk hides corruption.
 */
#ifndef BANGER_PRIV_LEASE_H
#define BANGER_PRIV_LEASE_H

#include <stddef.h>
#include <stdint.h>

#define LEASE_MAGIC		"banger-leases 1"
#define LEASE_MAX		4096	/* records of each kind */
#define LEASE_MAX_BRIDGES	LEASE_MAX
#define LEASE_MAX_TAPS		LEASE_MAX
#define LEASE_MAX_DISKS		LEASE_MAX
#define LEASE_UID_MAX		0xfffffffeu	/* (uid_t)-1 is no uid */
#define LEASE_SLOT_MAX		65535
#define LEASE_TAPNO_MAX		65535
#define LEASE_HOST_MIN		2
#define LEASE_HOST_MAX		254
#define LEASE_LINE_MAX		64
#define LEASE_FILE_MAX		((LEASE_MAX_BRIDGES + LEASE_MAX_TAPS + \
				    LEASE_MAX_DISKS + LEASE_MAX + 1) * \
				    LEASE_LINE_MAX)
#define LEASE_NF		4	/* numbers in a record, at most */

/* Each record is also f[], the owner's uid first, for lease.c. */
struct lease_bridge {
	union {
		struct {
			uint32_t	 uid;
			uint32_t	 slot;
		};
		uint32_t	 f[LEASE_NF];
	};
};

struct lease_tap {
	union {
		struct {
			uint32_t	 uid;
			uint32_t	 vm_id;
			uint32_t	 tapno;
			uint32_t	 host;
		};
		uint32_t	 f[LEASE_NF];
	};
};

struct lease_disk {
	union {
		struct {
			uint32_t	 uid;
			uint32_t	 vm_id;
		};
		uint32_t	 f[LEASE_NF];
	};
};

/* Each kind's records and count are also rec[kind] and n[kind]. */
struct lease_table {
	union {
		struct {
			struct lease_bridge	 br[LEASE_MAX];
			struct lease_tap	 tap[LEASE_MAX];
			struct lease_disk	 disk[LEASE_MAX];
			struct lease_disk	 egress[LEASE_MAX]; /* alike */
		};
		struct lease_tap	 rec[4][LEASE_MAX];
	};
	union {
		struct {
			size_t		 nbr;
			size_t		 ntap;
			size_t		 ndisk;
			size_t		 negress;
		};
		size_t			 n[4];
	};
};
_Static_assert(sizeof(struct lease_bridge) == sizeof(struct lease_tap) &&
    sizeof(struct lease_disk) == sizeof(struct lease_tap), "lease records");

/* Pure: parse and serialise (the text's length, or -1: no room). */
int	lease_parse(struct lease_table *, const char *, size_t, char *,
	    size_t);
int	lease_serialize(const struct lease_table *, char *, size_t);

/*
 * Pure: lookups and allocation, one form for every kind.  A record's
 * numbers are f[LF_*]; LEASE_ANY as a uid matches every owner.
 */
enum { LEASE_BRIDGE, LEASE_TAP, LEASE_DISK, LEASE_EGRESS, LEASE_KINDS };
enum { LF_UID, LF_VMID, LF_SLOT = 1, LF_TAPNO, LF_HOST };
#define LEASE_ANY	(-1)

const void *lease_find(const struct lease_table *, int, int, uint32_t,
	    int64_t);
size_t	lease_count(const struct lease_table *, int, uint32_t);
int	lease_free(const struct lease_table *, int, int, uint32_t, uint64_t,
	    uint64_t, uint32_t *);
int	lease_add(struct lease_table *, int, const uint32_t *);
/* Dropping a tap's lease drops its egress record too. */
int	lease_del(struct lease_table *, int, uint32_t, uint32_t);

/* The file (leasefile.c). */
struct lease_file {
	int	 dirfd;		/* PRIV_RUNDIR */
	int	 lockfd;	/* PRIV_RUNDIR/leases.lock, flock'd */
};

int	lease_file_open(struct lease_file *, const char *, char *, size_t);
/* Lock (and load) and unlock also tell log.c (log_hold) to wait. */
int	lease_file_lock(struct lease_file *, struct lease_table *, char *,
	    size_t);
void	lease_file_unlock(struct lease_file *);
/* A disk being made or released: see serve-disk.c. */
int	lease_file_making(struct lease_file *, uint32_t, uint32_t, int);
/* log.c: queue log records while the lock fd is held; -1 flushes. */
void	log_hold(int);
int	lease_file_store(struct lease_file *, const struct lease_table *,
	    char *, size_t);

#endif
