/*
 * Unit tests for the disk requests' pure parts: disk.snapshot and
 * disk.release validation against made-up descriptor facts and lease
 * tables, disk lease records, the priv.conf keys for snapshots, and the
 * device-mapper names and table line.  These run everywhere, including
 * hosts whose kernel has no device-mapper.
 *
 * Then serve-disk.c's handlers themselves, over a real lease file and
 * fake loop and device-mapper calls (disk_ops): that disk.snapshot does
 * not hold the lease lock while they run, that a disk.release or
 * disk.list of another helper meanwhile leaves no device without its
 * lease and no lease gone before its device, and that failures roll
 * back.  What serve.c does around a handler is done by serve() below.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include <linux/dm-ioctl.h>

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

#include "disk.h"
#include "lease.h"
#include "policy.h"
#include "priv.h"
#include "proto_priv.h"
#include "valid.h"
#include "validate.h"

#define UID	1000
#define MIB	(1024 * 1024)

static struct lease_table	 T;

#define EXT4	0xef53ULL	/* statfs f_type */
#define BTRFS	0x9123683eULL
#define FUSE	0x65735546ULL
#define NFS	0x6969ULL
#define OVERLAY	0x794c7630ULL
#define XFS	0x58465342ULL
#define TMPFS	0x01021994ULL

#define DM_MAJOR	253	/* device-mapper's (dynamic) block major here */

/* A well-formed request: a 2 GiB image read-only, a 2 GiB cow rw. */
static void
good(struct fdfacts *base, struct fdfacts *cow)
{
	*base = (struct fdfacts){ 1, EXT4, O_RDONLY, 2048ULL * MIB, 0, 2049,
	    11 };
	*cow = (struct fdfacts){ 1, EXT4, O_RDWR, 2048ULL * MIB, UID, 2049,
	    12 };
}

static enum verdict
snap(const struct policy *pol, uint64_t vm_id, int dm, size_t nfds,
    const struct fdfacts *base, const struct fdfacts *cow, struct vres *r)
{
	struct priv	 p = { .uid = UID, .pol = *pol, .lt = &T,
	    .dmfd = dm ? 3 : -1, .loopfd = 3, .dm_major = DM_MAJOR };
	struct req	 rq = { .type = PRIV_DISK_SNAPSHOT, .nfd = nfds,
	    .facts = { *base, *cow } };

	rq.u.vm_id = vm_id;
	return validate_disk_snapshot(&p, &rq, r);
}

static enum verdict
release_check(uint32_t uid, uint64_t vm_id, struct vres *r)
{
	struct priv	 p = { .uid = uid, .lt = &T };
	struct req	 rq = { .type = PRIV_DISK_RELEASE };

	rq.u.vm_id = vm_id;
	return validate_release(&p, &rq, r);
}

/* The generic lease API, in these tests' terms. */
static int
add_disk(struct lease_table *t, uint32_t uid, uint32_t vm_id)
{
	return lease_add(t, LEASE_DISK, (uint32_t[LEASE_NF]){ uid, vm_id });
}

static void
test_snapshot_ok(void **state)
{
	struct policy	 p;
	struct fdfacts	 b, c;
	struct vres	 r;

	(void)state;
	policy_defaults(&p);
	memset(&T, 0, sizeof(T));
	good(&b, &c);
	assert_int_equal(snap(&p, 1, 1, 2, &b, &c, &r), VALID_OK);
	assert_int_equal(r.v, VALID_OK);
	/* The image may belong to anyone (it is only read). */
	b.owner = 4242;
	assert_int_equal(snap(&p, PRIV_VMID_MAX, 1, 2, &b, &c, &r),
	    VALID_OK);
	/* The smallest sizes allowed, and the largest cow for the image. */
	b.size = DISK_BASE_MIN;
	c.size = DISK_COW_MIN;
	assert_int_equal(snap(&p, 7, 1, 2, &b, &c, &r), VALID_OK);
	c.size = priv_cow_size(b.size);
	assert_int_equal(snap(&p, 7, 1, 2, &b, &c, &r), VALID_OK);
	/* Local file systems other than ext4 are fine. */
	c.fstype = BTRFS;
	assert_int_equal(snap(&p, 7, 1, 2, &b, &c, &r), VALID_OK);
	c.fstype = XFS;
	b.fstype = TMPFS;
	assert_int_equal(snap(&p, 7, 1, 2, &b, &c, &r), VALID_OK);
}

/* Each of these is bangerd being wrong or hostile: the helper exits. */
static void
test_snapshot_fault(void **state)
{
	struct policy	 p;
	struct fdfacts	 b, c;
	struct vres	 r;

	(void)state;
	policy_defaults(&p);
	memset(&T, 0, sizeof(T));

#define FAULT(setup, want) do {						\
	good(&b, &c);							\
	vm = 1;								\
	nfds = 2;							\
	setup;								\
	memset(&r, 0, sizeof(r));					\
	if (snap(&p, vm, 1, nfds, &b, &c, &r) != VALID_FAULT)		\
		fail_msg("accepted: %s", #setup);			\
	assert_int_equal(r.v, VALID_FAULT);				\
	if (strstr(r.why, want) == NULL)				\
		fail_msg("%s: \"%s\" lacks \"%s\"", #setup, r.why, want);\
} while (0)
	{
		uint64_t	 vm;
		size_t		 nfds;

		/* vm_id 0 or past PRIV_VMID_MAX: test-wire's "vm_id 0". */
		FAULT(nfds = 0, "0 descriptors");
		FAULT(nfds = 1, "1 descriptors");
		FAULT(b.isreg = 0, "image is not a regular file");
		FAULT(c.isreg = 0, "copy-on-write file is not a regular");
		FAULT(b.accmode = O_RDWR, "image must be open read-only");
		FAULT(b.accmode = O_WRONLY, "read-only");
		FAULT(c.accmode = O_RDONLY, "must be open read-write");
		FAULT(c.accmode = O_WRONLY, "read-write");
		FAULT(b.size = 0, "the image is 0 bytes");
		FAULT(b.size = DISK_BASE_MIN - DISK_SECTOR, "image is");
		FAULT(b.size = 2048ULL * MIB + 1, "multiple of 512");
		FAULT(b.size = (PRIV_IMAGE_MAX_MIB + 1) * MIB, "image is");
		FAULT(c.size = 4096, "copy-on-write file is 4096");
		FAULT(c.size = 2048ULL * MIB + 100, "multiple of 512");
		FAULT(c.size = (PRIV_IMAGE_MAX_MIB + 1) * MIB, "copy-on-write");
		FAULT(c.size = priv_cow_size(b.size) + DISK_SECTOR,
		    "copy-on-write file is");
		FAULT(c.owner = 0, "belongs to uid 0");
		FAULT(c.owner = UID + 1, "belongs to uid 1001");
		FAULT(c.ino = b.ino, "same file");
	}
	/* Another user's vm 5 is not ours: allowed. */
	good(&b, &c);
	memset(&T, 0, sizeof(T));
	assert_int_equal(add_disk(&T, UID + 1, 5), 0);
	assert_int_equal(snap(&p, 5, 1, 2, &b, &c, &r), VALID_OK);
	/* A broken request faults even where snapshots are impossible. */
	c.accmode = O_RDONLY;
	assert_int_equal(snap(&p, 5, 0, 2, &b, &c, &r), VALID_FAULT);
#undef FAULT
}

/* Legitimate refusals: answered, and the helper lives on. */
static void
test_snapshot_refuse(void **state)
{
	struct policy	 p;
	struct fdfacts	 b, c;
	struct vres	 r;
	uint32_t	 i;

	(void)state;
	policy_defaults(&p);
	memset(&T, 0, sizeof(T));
	good(&b, &c);

	assert_int_equal(snap(&p, 1, 0, 2, &b, &c, &r), VALID_REFUSE);
	assert_int_equal(r.code, BERR_UNSUPPORTED);
	assert_non_null(strstr(r.why, "no device-mapper"));

	/*
	 * Anything but a known local file system: refused (an NFS home is
	 * ordinary).  An overlay may sit on FUSE, and a type nobody listed
	 * is not trusted either: an allowlist, not a denylist.
	 */
	b.fstype = FUSE;
	assert_int_equal(snap(&p, 1, 1, 2, &b, &c, &r), VALID_REFUSE);
	assert_int_equal(r.code, BERR_UNSUPPORTED);
	assert_non_null(strstr(r.why, "the image is not on a known local"));
	good(&b, &c);
	c.fstype = NFS;
	assert_int_equal(snap(&p, 1, 1, 2, &b, &c, &r), VALID_REFUSE);
	assert_int_equal(r.code, BERR_UNSUPPORTED);
	assert_non_null(strstr(r.why, "copy-on-write file is not on a known"));
	good(&b, &c);
	c.fstype = OVERLAY;
	assert_int_equal(snap(&p, 1, 1, 2, &b, &c, &r), VALID_REFUSE);
	assert_int_equal(r.code, BERR_UNSUPPORTED);
	good(&b, &c);
	b.fstype = 0x12345678;
	assert_int_equal(snap(&p, 1, 1, 2, &b, &c, &r), VALID_REFUSE);
	assert_int_equal(r.code, BERR_UNSUPPORTED);
	good(&b, &c);
	c.fstype = 0;	/* fstatfs failed: all zero */
	assert_int_equal(snap(&p, 1, 1, 2, &b, &c, &r), VALID_REFUSE);
	/* Still a fault first when the request is wrong as well. */
	c.accmode = O_RDONLY;
	assert_int_equal(snap(&p, 1, 1, 2, &b, &c, &r), VALID_FAULT);
	good(&b, &c);

	/*
	 * A file system on a loop, nbd or device-mapper device: its I/O
	 * may end in a file on FUSE or in a user's nbd server, and the
	 * snapshot's loop setup would wait for it under the lease lock.
	 */
	c.dev = makedev(7, 3);		/* loop3 */
	assert_int_equal(snap(&p, 1, 1, 2, &b, &c, &r), VALID_REFUSE);
	assert_int_equal(r.code, BERR_UNSUPPORTED);
	assert_non_null(strstr(r.why, "copy-on-write file is on a loop"));
	good(&b, &c);
	b.dev = makedev(43, 0);		/* nbd0 */
	assert_int_equal(snap(&p, 1, 1, 2, &b, &c, &r), VALID_REFUSE);
	assert_int_equal(r.code, BERR_UNSUPPORTED);
	assert_non_null(strstr(r.why, "the image is on a loop"));
	good(&b, &c);
	c.dev = makedev(DM_MAJOR, 2);	/* dm-2 */
	assert_int_equal(snap(&p, 1, 1, 2, &b, &c, &r), VALID_REFUSE);
	assert_int_equal(r.code, BERR_UNSUPPORTED);
	/* No device-mapper in the kernel: major 0 refuses nothing more. */
	assert_int_equal(valid_backing_dev(makedev(DM_MAJOR, 2), 0), 1);
	assert_int_equal(valid_backing_dev(makedev(7, 0), 0), 0);
	assert_int_equal(valid_backing_dev(makedev(0, 44), DM_MAJOR), 1);
	good(&b, &c);
	/* A major that is none of the refused ones passes. */
	c.dev = makedev(DM_MAJOR + 1, 2);
	b.dev = makedev(259, 0);	/* blkext: NVMe, among others */
	assert_int_equal(snap(&p, 1, 1, 2, &b, &c, &r), VALID_OK);
	good(&b, &c);

	/* A second snapshot for one VM: busy, release it first. */
	assert_int_equal(add_disk(&T, UID, 5), 0);
	assert_int_equal(snap(&p, 5, 1, 2, &b, &c, &r), VALID_REFUSE);
	assert_int_equal(r.code, BERR_BUSY);
	assert_non_null(strstr(r.why, "already has a snapshot"));
	memset(&T, 0, sizeof(T));

	p.dm_snapshots = 0;
	assert_int_equal(snap(&p, 1, 1, 2, &b, &c, &r), VALID_REFUSE);
	assert_int_equal(r.code, BERR_UNSUPPORTED);
	assert_non_null(strstr(r.why, "switched off"));
	p.dm_snapshots = 1;

	p.max_disks = 3;
	for (i = 1; i <= 3; i++)
		assert_int_equal(add_disk(&T, UID, i), 0);
	/* Other users' snapshots do not count against ours. */
	assert_int_equal(add_disk(&T, UID + 1, 9), 0);
	assert_int_equal(snap(&p, 4, 1, 2, &b, &c, &r), VALID_REFUSE);
	assert_int_equal(r.code, BERR_QUOTA);
	assert_non_null(strstr(r.why, "quota of 3"));
	assert_int_equal(lease_del(&T, LEASE_DISK, UID, 2), 0);
	assert_int_equal(snap(&p, 4, 1, 2, &b, &c, &r), VALID_OK);

	/* The host-wide table is full. */
	memset(&T, 0, sizeof(T));
	p.max_disks = POLICY_DISKS_MAX;
	for (i = 0; i < LEASE_MAX_DISKS; i++)
		assert_int_equal(add_disk(&T, 2000 + i, 1), 0);
	assert_int_equal(add_disk(&T, UID, 1), -1);
	assert_int_equal(snap(&p, 1, 1, 2, &b, &c, &r), VALID_REFUSE);
	assert_int_equal(r.code, BERR_QUOTA);
}

static void
test_release(void **state)
{
	struct vres	 r;

	(void)state;
	memset(&T, 0, sizeof(T));
	assert_int_equal(add_disk(&T, UID, 3), 0);
	assert_int_equal(release_check(UID, 3, &r), VALID_OK);
	/* Not ours, not there (out of range: test-wire). */
	assert_int_equal(release_check(UID + 1, 3, &r),
	    VALID_FAULT);
	assert_non_null(strstr(r.why, "no snapshot of this user"));
	assert_int_equal(release_check(UID, 4, &r), VALID_FAULT);
}

static void
test_lease_disks(void **state)
{
	static struct lease_table	 u;
	static const char		*const bad[] = {
		"banger-leases 1\ndisk 1000\n",
		"banger-leases 1\ndisk 1000 0\n",		/* vm_id 0 */
		"banger-leases 1\ndisk 1000 2147483648\n",
		"banger-leases 1\ndisk 1000 1 1\n",
		"banger-leases 1\ndisk 01000 1\n",
		"banger-leases 1\ndisk 4294967295 1\n",	/* uid -1 */
		"banger-leases 1\ndisk 1000 1\ndisk 1000 1\n",
	};
	static char			 b[LEASE_FILE_MAX];
	const char			*want = "banger-leases 1\n"
	    "bridge 1000 3\ndisk 1000 7\ndisk 0 2147483647\n";
	char				 err[128];
	size_t				 i;
	int				 n;

	(void)state;
	memset(&T, 0, sizeof(T));
	assert_int_equal(lease_add(&T, LEASE_BRIDGE,
	    (uint32_t[LEASE_NF]){ 1000, 3 }), 0);
	assert_int_equal(add_disk(&T, 1000, 7), 0);
	assert_int_equal(add_disk(&T, 0, PRIV_VMID_MAX), 0);
	assert_int_equal(add_disk(&T, 1000, 7), -1);
	assert_int_equal(add_disk(&T, 1000, 0), -1);
	assert_int_equal(lease_count(&T, LEASE_DISK, 1000), 1);
	/* No room for the terminating NUL, then room. */
	assert_int_equal(lease_serialize(&T, b, strlen(want)), -1);
	n = lease_serialize(&T, b, sizeof(b));
	assert_int_equal(n, strlen(want));
	assert_memory_equal(b, want, n);
	assert_int_equal(lease_parse(&u, b, n, err, sizeof(err)), 0);
	assert_int_equal(u.ndisk, 2);
	assert_non_null(lease_find(&u, LEASE_DISK, LF_VMID, PRIV_VMID_MAX, 0));
	assert_null(lease_find(&u, LEASE_DISK, LF_VMID, PRIV_VMID_MAX,
	    1000));
	assert_int_equal(lease_del(&u, LEASE_DISK, 1000, 7), 0);
	assert_int_equal(lease_del(&u, LEASE_DISK, 1000, 7), -1);
	assert_int_equal(u.ndisk, 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (lease_parse(&u, bad[i], strlen(bad[i]), err,
		    sizeof(err)) != -1)
			fail_msg("accepted lease file #%zu", i);
}

static void
test_policy_keys(void **state)
{
	static const char	*const bad[] = {
		"max_disks_per_user 0\n",
		"max_disks_per_user 801\n",
		"max_disks_per_user \"4\"\n",
		"dm_snapshots 1\n",
		"dm_snapshots no\n",
		"dm_snapshots\n",
	};
	const char	*ok = "max_disks_per_user 4\ndm_snapshots false\n";
	struct policy	 p;
	char		 err[256];
	size_t		 i;

	(void)state;
	assert_int_equal(policy_parse(&p, "", 0, err, sizeof(err)), 0);
	assert_int_equal(p.max_disks, POLICY_DISKS_DEFAULT);
	assert_int_equal(p.dm_snapshots, 1);
	assert_int_equal(policy_parse(&p, ok, strlen(ok), err, sizeof(err)),
	    0);
	assert_int_equal(p.max_disks, 4);
	assert_int_equal(p.dm_snapshots, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (policy_parse(&p, bad[i], strlen(bad[i]), err,
		    sizeof(err)) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(strstr(err, "line 1"));
	}
}

static void
test_dm_strings(void **state)
{
	char	 s[160];

	(void)state;
	assert_int_equal(disk_dm_name(1000, 7, 0, s, sizeof(s)), 0);
	assert_string_equal(s, "banger-1000-7");
	assert_int_equal(disk_dm_name(4294967294u, PRIV_VMID_MAX, 0, s,
	    sizeof(s)), 0);
	assert_string_equal(s, "banger-4294967294-2147483647");
	assert_int_equal(disk_dm_name(1000, 7, 0, s, 8), -1);
	assert_int_equal(disk_dm_name(1000, 7, 1, s, sizeof(s)), 0);
	assert_string_equal(s, "BANGER-1000-7");
	/* Loops are block major 7; large minors use the split encoding. */
	assert_int_equal(disk_dm_params(makedev(7, 3), makedev(7, 300), s,
	    sizeof(s)), 0);
	assert_string_equal(s, "7:3 7:300 P 8");
	assert_int_equal(disk_dm_params(makedev(259, 1048575),
	    makedev(7, 0), s, sizeof(s)), 0);
	assert_string_equal(s, "259:1048575 7:0 P 8");
	assert_int_equal(disk_dm_params(makedev(7, 3), makedev(7, 4), s, 5),
	    -1);
}

/* The DM_TABLE_LOAD buffer, byte for byte where the kernel reads it. */
static void
test_dm_table(void **state)
{
	static uint64_t		 buf[DISK_DM_BUFSZ / 8];
	struct dm_ioctl		*io = (struct dm_ioctl *)buf;
	struct dm_target_spec	*ts;
	const char		*params;
	char			 big[DISK_DM_BUFSZ];

	(void)state;
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(dm_table_build(buf, sizeof(buf), "banger-1000-7",
	    4194304, "7:3 7:4 P 8"), 0);
	assert_int_equal(io->version[0], DM_VERSION_MAJOR);
	assert_int_equal(io->version[1], 0);
	assert_int_equal(io->data_size, sizeof(buf));
	assert_int_equal(io->data_start, sizeof(struct dm_ioctl));
	assert_int_equal(io->data_start % 8, 0);
	assert_int_equal(io->target_count, 1);
	assert_int_equal(io->flags, 0);
	assert_int_equal(io->event_nr, 0);
	assert_string_equal(io->name, "banger-1000-7");
	assert_string_equal(io->uuid, "");
	ts = (struct dm_target_spec *)((char *)buf + io->data_start);
	assert_int_equal(ts->sector_start, 0);
	assert_int_equal(ts->length, 4194304);
	assert_int_equal(ts->status, 0);
	assert_int_equal(ts->next, 0);
	assert_string_equal(ts->target_type, "snapshot");
	params = (const char *)(ts + 1);
	assert_string_equal(params, "7:3 7:4 P 8");
	assert_true(params + strlen(params) < (char *)buf + io->data_size);
	/* Too long a table or name, or the wrong buffer: refused. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(dm_table_build(buf, sizeof(buf), "n", 8, big), -1);
	memset(big, 'n', DM_NAME_LEN);
	big[DM_NAME_LEN] = '\0';
	assert_int_equal(dm_table_build(buf, sizeof(buf), big, 8, "p"), -1);
	assert_int_equal(dm_table_build(buf, sizeof(buf) - 8, "n", 8, "p"),
	    -1);
}


/* ---- the handlers, over fake loop and device-mapper calls ---- */

enum { F_NONE, F_LOOP, F_CREATE, F_NODE, F_LEFT };

static struct {
	struct priv		 maker, other;	/* two helpers of one user */
	struct lease_table	 t1, t2, check;
	char			 dir[64];
	int			 probe;		/* our own fd on the lock */
	int			 base, cow;
	int			 fail;		/* F_* */
	int			 stuck;		/* dm_remove fails */
	void			 (*meanwhile)(void);
	char			 dev[64];	/* the one device, or "" */
	int			 unlocked;	/* seen by the fake create */
	uint32_t		 type;		/* the last reply */
	unsigned		 code;
	size_t			 nids;
} H;

/*
 * What serve.c does around a handler (locked, checked), its reply noted;
 * an answer of its own, as a helper of its own would have.
 */
static void
serve(struct priv *p, struct req *rq, validator *check, handler *fn)
{
	struct ans		*a;
	struct vres		 r = { .v = VALID_OK };
	struct msg_hdr		 h;
	void			*ids;
	char			 err[MSG_ERRLEN];
	size_t			 i;
	int			 type = -1;

	for (i = 0; i < rq->nfd; i++)
		fd_facts(rq->fd[i], &rq->facts[i]);
	assert_non_null(a = malloc(sizeof(*a)));
	*a = (struct ans){ .code = BERR_PRIV, .fd = -1 };
	if (lease_file_lock(&p->lf, p->lt, a->err, sizeof(a->err)) == -1)
		fail_msg("%s", a->err);
	if (check != NULL && check(p, rq, &r) == VALID_FAULT)
		fail_msg("fault: %s", r.why);
	if (r.v == VALID_OK)
		type = fn(p, rq, a);
	lease_file_unlock(&p->lf);
	H.type = type == -1 ? PRIV_ERROR : (uint32_t)type;
	H.code = r.v == VALID_OK ? a->code : r.code;
	/* The list reply as bangerd decodes it. */
	if (type == PRIV_DISK_IDS) {
		if (msg_decode(&priv_proto, a->out.p + FRAME_HDR, a->out.len -
		    FRAME_HDR, &h, &ids, err, sizeof(err)) == -1)
			fail_msg("%s", err);
		H.nids = ((struct priv_disk_ids *)ids)->vm_ids.n;
		msg_free(&priv_proto, PRIV_DISK_IDS, ids);
	}
	if (a->fd != -1)
		close(a->fd);
	free(a);
}

void
sandbox_sysadmin(int on)
{
	(void)on;
}

static int
fake_loop(int ctl, int backing, dev_t *dev, char *err, size_t errlen)
{
	(void)ctl;
	if (H.fail == F_LOOP) {
		snprintf(err, errlen, "no loop");
		return -1;
	}
	*dev = makedev(7, backing);
	return dup(backing);
}

static int
fake_version(int ctl, char *err, size_t errlen)
{
	(void)ctl;
	(void)err;
	(void)errlen;
	return 0;
}

static int
fake_create(int ctl, const char *name, const char *uuid, uint64_t sectors,
    dev_t origin, dev_t cow, dev_t *dev, char *err, size_t errlen)
{
	(void)ctl;
	(void)uuid;
	(void)sectors;
	(void)origin;
	(void)cow;
	/* Could another user's helper take the lease lock now? */
	H.unlocked = flock(H.probe, LOCK_EX | LOCK_NB) == 0;
	(void)flock(H.probe, LOCK_UN);
	if (H.unlocked && H.meanwhile != NULL)
		H.meanwhile();
	if (H.fail == F_CREATE) {
		snprintf(err, errlen, "no device-mapper");
		return -1;
	}
	assert_string_equal(H.dev, "");
	snprintf(H.dev, sizeof(H.dev), "%s", name);
	*dev = makedev(253, 0);
	/* Made, its table refused, and not removed again. */
	if (H.fail == F_LEFT) {
		snprintf(err, errlen, "table load refused; left behind");
		return -2;
	}
	return 0;
}

static int
fake_remove(int ctl, const char *name, char *err, size_t errlen)
{
	(void)ctl;
	if (strcmp(name, H.dev) != 0) {
		snprintf(err, errlen, "no such device");
		errno = ENXIO;
		return -1;
	}
	if (H.stuck) {
		snprintf(err, errlen, "busy");
		errno = EBUSY;
		return -1;
	}
	H.dev[0] = '\0';
	return 0;
}

static int
fake_node(dev_t dev, char *err, size_t errlen)
{
	(void)dev;
	if (H.fail == F_NODE) {
		snprintf(err, errlen, "no node");
		return -1;
	}
	return open("/dev/null", O_RDWR | O_CLOEXEC);
}

static const struct disk_ops	 fake_ops = {
	fake_loop, fake_version, fake_create, fake_remove, fake_node,
};

/* A 4 MiB file on tmpfs, open as mode, owned by uid. */
static int
shm_file(const char *name, int mode, uid_t uid)
{
	char	 path[128];
	int	 fd;

	snprintf(path, sizeof(path), "/dev/shm/test-disk.%d.%s",
	    (int)getpid(), name);
	if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    ftruncate(fd, 4 * MIB) == -1 || fchown(fd, uid, uid) == -1)
		fail_msg("%s: %s", path, strerror(errno));
	close(fd);
	if ((fd = open(path, mode | O_CLOEXEC)) == -1)
		fail_msg("%s: %s", path, strerror(errno));
	unlink(path);
	return fd;
}

/* A lease file and two helpers' views of it; 4 MiB files on tmpfs. */
static int
handlers_setup(void **state)
{
	struct statfs	 sf;
	struct priv	*p[2] = { &H.maker, &H.other };
	char		 path[128], err[256];
	int		 i;

	(void)state;
	memset(&H, 0, sizeof(H));
	H.probe = -1;
	if (geteuid() != 0 || statfs("/dev/shm", &sf) == -1 ||
	    !valid_local_fs((uint64_t)sf.f_type)) {
		print_message("skip: the lease file must be root's, and the "
		    "disk files on /dev/shm (tmpfs)\n");
		return 0;
	}
	snprintf(H.dir, sizeof(H.dir), "/tmp/test-disk.XXXXXX");
	assert_non_null(mkdtemp(H.dir));
	for (i = 0; i < 2; i++) {
		p[i]->uid = UID;
		p[i]->lt = i == 0 ? &H.t1 : &H.t2;
		policy_defaults(&p[i]->pol);
		p[i]->dmfd = p[i]->loopfd = 99;	/* the fakes ignore them */
		if (lease_file_open(&p[i]->lf, H.dir, err, sizeof(err)) == -1)
			fail_msg("%s", err);
	}
	snprintf(path, sizeof(path), "%s/leases.lock", H.dir);
	assert_true((H.probe = open(path, O_RDWR | O_CLOEXEC)) != -1);
	H.base = shm_file("base", O_RDONLY, 0);
	H.cow = shm_file("cow", O_RDWR, UID);
	disk_ops = &fake_ops;
	return 0;
}

static int
handlers_teardown(void **state)
{
	char	 path[128];

	(void)state;
	if (H.probe == -1)
		return 0;
	close(H.probe);
	close(H.base);
	close(H.cow);
	snprintf(path, sizeof(path), "%s/leases", H.dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/leases.lock", H.dir);
	unlink(path);
	rmdir(H.dir);
	return 0;
}

/* Each test starts with no lease, no device, no fault. */
static void
fresh(void)
{
	char	 err[256];

	if (H.probe == -1)
		skip();
	memset(&H.check, 0, sizeof(H.check));
	assert_int_equal(lease_file_store(&H.maker.lf, &H.check, err,
	    sizeof(err)), 0);
	H.dev[0] = '\0';
	H.fail = F_NONE;
	H.stuck = 0;
	H.meanwhile = NULL;
	H.unlocked = -1;
}

static void
snapshot(struct priv *p, uint64_t vm_id)
{
	struct req	 rq = { .type = PRIV_DISK_SNAPSHOT, .id = 1,
	    .fd = { H.base, H.cow }, .nfd = 2 };

	rq.u.vm_id = vm_id;
	H.type = 0;
	serve(p, &rq, validate_disk_snapshot, priv_answer_disk_snapshot);
}

static void
release(struct priv *p, uint64_t vm_id)
{
	struct req	 rq = { .type = PRIV_DISK_RELEASE, .id = 1 };

	rq.u.vm_id = vm_id;
	H.type = 0;
	serve(p, &rq, validate_release, priv_answer_disk_release);
}

static void
list(struct priv *p)
{
	struct req	 rq = { .type = PRIV_DISK_LIST, .id = 1 };

	H.type = 0;
	H.nids = 0;
	serve(p, &rq, NULL, priv_answer_list);
}

/*
 * Whether any helper has vm 5 of UID marked as being made, seen through
 * an open file description of its own (OFD locks never conflict within
 * one, so asking through a helper's would miss that helper's mark).
 */
static int
marked(void)
{
	struct flock	 fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
	    .l_len = 1, .l_start = (off_t)((uint64_t)UID << 31 | 5) };

	assert_int_equal(fcntl(H.probe, F_OFD_GETLK, &fl), 0);
	return fl.l_type != F_UNLCK;
}

/* Whether the lease file names vm 5 of UID; and the lock is free. */
static int
leased(void)
{
	char	 err[256];

	assert_int_equal(flock(H.probe, LOCK_EX | LOCK_NB), 0);
	(void)flock(H.probe, LOCK_UN);
	if (lease_file_lock(&H.maker.lf, &H.check, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	lease_file_unlock(&H.maker.lf);
	return lease_find(&H.check, LEASE_DISK, LF_VMID, 5, UID) != NULL;
}

/* The loop and device-mapper calls run without the lease lock. */
static void
test_snapshot_unlocked(void **state)
{
	(void)state;
	fresh();
	snapshot(&H.maker, 5);
	assert_int_equal(H.unlocked, 1);
	assert_int_equal(H.type, PRIV_DISK);
	assert_string_equal(H.dev, "banger-1000-5");
	assert_true(leased());
	/* Done: not marked as being made any more. */
	assert_false(marked());
	/* Still open: refused after its tries, and kept. */
	H.stuck = 1;
	release(&H.other, 5);
	assert_int_equal(H.type, PRIV_ERROR);
	assert_int_equal(H.code, BERR_BUSY);
	assert_true(leased());
	assert_false(marked());
	H.stuck = 0;
	release(&H.other, 5);
	assert_int_equal(H.type, PRIV_OK);
	assert_string_equal(H.dev, "");
	assert_false(leased());
}

/* Another helper of the same user, while the snapshot is being made. */
static void
other_helper(void)
{
	/* The lease is there already, and marked. */
	assert_true(leased());
	assert_true(marked());
	list(&H.other);
	assert_int_equal(H.type, PRIV_DISK_IDS);
	assert_int_equal(H.nids, 1);
	release(&H.other, 5);
	assert_int_equal(H.type, PRIV_ERROR);
	assert_int_equal(H.code, BERR_BUSY);
	assert_true(leased());
}

static void
test_release_while_making(void **state)
{
	char	 err[256];

	(void)state;
	fresh();
	H.meanwhile = other_helper;
	snapshot(&H.maker, 5);
	assert_int_equal(H.unlocked, 1);
	/* The release was refused, so device and lease are both there. */
	assert_int_equal(H.type, PRIV_DISK);
	assert_string_equal(H.dev, "banger-1000-5");
	assert_true(leased());

	/* A maker killed mid-way leaves an unmarked lease: released. */
	fresh();
	H.meanwhile = NULL;
	assert_int_equal(add_disk(&H.check, UID, 5), 0);
	snprintf(H.dev, sizeof(H.dev), "banger-1000-5");
	assert_int_equal(lease_file_store(&H.maker.lf, &H.check, err,
	    sizeof(err)), 0);
	release(&H.other, 5);
	assert_int_equal(H.type, PRIV_OK);
	assert_string_equal(H.dev, "");
	assert_false(leased());
}

/* Should the lease go anyway (by hand, say), the device goes too. */
static void
drop_lease(void)
{
	char	 err[256];

	memset(&H.check, 0, sizeof(H.check));
	assert_int_equal(lease_file_store(&H.other.lf, &H.check, err,
	    sizeof(err)), 0);
}

static void
test_lease_gone(void **state)
{
	(void)state;
	fresh();
	H.meanwhile = drop_lease;
	snapshot(&H.maker, 5);
	assert_int_equal(H.type, PRIV_ERROR);
	assert_string_equal(H.dev, "");
	assert_false(leased());
	/* And a device that cannot be removed gets its lease back. */
	fresh();
	H.meanwhile = drop_lease;
	H.stuck = 1;
	snapshot(&H.maker, 5);
	assert_int_equal(H.type, PRIV_ERROR);
	assert_string_equal(H.dev, "banger-1000-5");
	assert_true(leased());
}

/* Every failure leaves no lease and no device, or both. */
static void
test_snapshot_rollback(void **state)
{
	static const int	 fails[] = { F_LOOP, F_CREATE, F_NODE };
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(fails) / sizeof(fails[0]); i++) {
		fresh();
		H.fail = fails[i];
		snapshot(&H.maker, 5);
		assert_int_equal(H.type, PRIV_ERROR);
		assert_int_equal(H.code, BERR_PRIV);
		assert_string_equal(H.dev, "");
		assert_false(leased());
		assert_false(marked());
	}
	/* Made, then its node fails, and it cannot be removed: kept. */
	fresh();
	H.fail = F_NODE;
	H.stuck = 1;
	snapshot(&H.maker, 5);
	assert_int_equal(H.type, PRIV_ERROR);
	assert_string_equal(H.dev, "banger-1000-5");
	assert_true(leased());
	/* Left behind by dm_snapshot_create itself (-2): kept too. */
	fresh();
	H.fail = F_LEFT;
	snapshot(&H.maker, 5);
	assert_int_equal(H.type, PRIV_ERROR);
	assert_string_equal(H.dev, "banger-1000-5");
	assert_true(leased());
	assert_false(marked());
}

/* disk.list replies with at most 800 ids, what one 4,096-byte reply holds. */
static void
test_list_cap(void **state)
{
	char		 err[256];
	uint32_t	 i;

	(void)state;
	fresh();
	for (i = 1; i <= 900; i++)
		assert_int_equal(add_disk(&H.check, UID, i), 0);
	assert_int_equal(lease_file_store(&H.maker.lf, &H.check, err,
	    sizeof(err)), 0);
	list(&H.maker);
	assert_int_equal(H.type, PRIV_DISK_IDS);
	assert_int_equal(H.nids, 800);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_ok),
		cmocka_unit_test(test_snapshot_fault),
		cmocka_unit_test(test_snapshot_refuse),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_lease_disks),
		cmocka_unit_test(test_policy_keys),
		cmocka_unit_test(test_dm_strings),
		cmocka_unit_test(test_dm_table),
	};
	const struct CMUnitTest handlers[] = {
		cmocka_unit_test(test_snapshot_unlocked),
		cmocka_unit_test(test_release_while_making),
		cmocka_unit_test(test_lease_gone),
		cmocka_unit_test(test_snapshot_rollback),
		cmocka_unit_test(test_list_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL) |
	    cmocka_run_group_tests(handlers, handlers_setup,
	    handlers_teardown);
}
