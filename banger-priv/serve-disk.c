/*
 * The disk requests (see disk.h), over descriptors bangerd opened as the
 * user: the helper never resolves a path the user chose.  CAP_SYS_ADMIN
 * is effective only around device-mapper calls.  They let go of the lease
 * lock for loop and device-mapper calls, as a slow one would stall every
 * user's helper: a lease exists before the device and goes after it, and
 * the disk is marked meanwhile (lease_file_making, dropped by the kernel
 * with its helper), busy to the other request.
 */
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "disk.h"
#include "log.h"
#include "priv.h"

#define RELEASE_TRIES	10	/* a busy snapshot: about a second */

void
fd_facts(int fd, struct fdfacts *f)
{
	struct stat	 st;
	struct statfs	 sf;
	int		 fl;

	memset(f, 0, sizeof(*f));
	if (fstat(fd, &st) == -1 || fstatfs(fd, &sf) == -1 ||
	    (fl = fcntl(fd, F_GETFL)) == -1)
		return;		/* all zero: not a regular file */
	f->isreg = S_ISREG(st.st_mode);
	f->fstype = (uint64_t)sf.f_type;
	f->accmode = fl & O_ACCMODE;
	f->size = st.st_size < 0 ? 0 : (uint64_t)st.st_size;
	f->owner = st.st_uid;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
}

/* The snapshot's node, checked to be the device device-mapper made. */
static int
open_dm_node(dev_t dev, char *err, size_t errlen)
{
	struct stat	 st;
	char		 path[32];
	int		 fd;

	snprintf(path, sizeof(path), "/dev/dm-%u", minor(dev));
	if ((fd = open(path, O_RDWR | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISBLK(st.st_mode) ||
	    st.st_rdev != dev) {
		snprintf(err, errlen, "%s is not the snapshot's device", path);
		close(fd);
		return -1;
	}
	return fd;
}

static const struct disk_ops	 kernel_ops = {
	loop_attach, dm_check_version, dm_snapshot_create, dm_remove,
	open_dm_node,
};
const struct disk_ops		*disk_ops = &kernel_ops;

/* Remove a snapshot made for nothing; whether it is left behind. */
static int
unmake(struct priv *p, const char *name)
{
	char	 why[256];
	int	 left;

	sandbox_sysadmin(1);
	if ((left = disk_ops->dm_remove(p->dmfd, name, why,
	    sizeof(why)) == -1))
		log_warnx("%s is left behind: %s", name, why);
	sandbox_sysadmin(0);
	return left;
}

int
priv_answer_disk_snapshot(struct priv *p, const struct req *rq,
    struct ans *a)
{
	const struct disk_ops	*op = disk_ops;
	uint32_t		 vm_id = (uint32_t)rq->u.vm_id;
	uint32_t		 rec[LEASE_NF] = { p->uid, vm_id };
	uint64_t		 sectors = rq->facts[0].size / DISK_SECTOR;
	char			*name = a->s[0], uuid[160];
	char			 why[256] = "the table is full";
	dev_t			 bdev, cdev, sdev;
	int			 lb = -1, lc = -1, dev = 0, rc = -1, have;

	if (disk_dm_name(p->uid, vm_id, 0, name, sizeof(a->s[0])) == -1 ||
	    disk_dm_name(p->uid, vm_id, 1, uuid, sizeof(uuid)) == -1)
		fatalx("device-mapper name too long");
	/* Locked: the lease and the mark. */
	if (lease_add(p->lt, LEASE_DISK, rec) == -1)
		fatalx("disk lease disagrees with validation");
	if (lease_file_making(&p->lf, p->uid, vm_id, 1) == -1) {
		snprintf(a->err, sizeof(a->err), "mark vm_id %u: %s", vm_id,
		    strerror(errno));
		return -1;
	}
	if (lease_file_store(&p->lf, p->lt, a->err, sizeof(a->err)) == -1) {
		(void)lease_file_making(&p->lf, p->uid, vm_id, 0);
		return -1;
	}
	lease_file_unlock(&p->lf);

	/* Unlocked: two loops, then the snapshot over them. */
	if ((lb = op->loop_attach(p->loopfd, rq->fd[0], &bdev, a->err,
	    sizeof(a->err))) != -1 && (lc = op->loop_attach(p->loopfd,
	    rq->fd[1], &cdev, a->err, sizeof(a->err))) != -1) {
		log_info("uid %u vm %u: image on loop %u:%u, copy-on-write "
		    "on loop %u:%u", (unsigned)p->uid, vm_id, major(bdev),
		    minor(bdev), major(cdev), minor(cdev));
		sandbox_sysadmin(1);
		if ((rc = op->dm_check_version(p->dmfd, a->err,
		    sizeof(a->err))) == 0)
			rc = op->dm_snapshot_create(p->dmfd, name, uuid,
			    sectors, bdev, cdev, &sdev, a->err, sizeof(a->err));
		sandbox_sysadmin(0);
		/* -2: failed, and left behind: it keeps its lease. */
		dev = rc == 0 || rc == -2;
	}
	if (rc == 0 && (a->fd = op->open_node(sdev, a->err,
	    sizeof(a->err))) == -1)
		dev = unmake(p, name);
	/* device-mapper holds the loops now, or they detach as we close. */
	if (lb != -1)
		close(lb);
	if (lc != -1)
		close(lc);

	/* Locked again: a lease exactly where a device may exist. */
	if (lease_file_lock(&p->lf, p->lt, a->err, sizeof(a->err)) == -1) {
		/* Then the lease stays, for disk.release. */
		(void)lease_file_making(&p->lf, p->uid, vm_id, 0);
		a->code = BERR_INTERNAL;
		return -1;
	}
	have = lease_find(p->lt, LEASE_DISK, LF_VMID, vm_id, p->uid) != NULL;
	if (!have && a->fd != -1) {
		snprintf(a->err, sizeof(a->err), "the lease of vm_id %u went "
		    "while its snapshot was made", vm_id);
		close(a->fd);
		a->fd = -1;
		/* The one dm call under the lock: root edited the leases. */
		dev = unmake(p, name);
	}
	if (a->fd == -1 && have != dev && ((dev ? lease_add(p->lt, LEASE_DISK,
	    rec) : lease_del(p->lt, LEASE_DISK, p->uid, vm_id)) == -1 ||
	    lease_file_store(&p->lf, p->lt, why, sizeof(why)) == -1))
		log_warnx("vm_id %u: its lease is wrong: %s", vm_id, why);
	(void)lease_file_making(&p->lf, p->uid, vm_id, 0);
	if (a->fd == -1)
		return -1;
	log_info("uid %u vm %u: snapshot %s (%u:%u)", (unsigned)p->uid, vm_id,
	    name, major(sdev), minor(sdev));
	return wire_reply(&a->out, PRIV_DISK, rq->id, "usu", "vm_id",
	    (uint64_t)vm_id, "name", name, "sectors", sectors);
}

int
priv_answer_disk_release(struct priv *p, const struct req *rq,
    struct ans *a)
{
	uint32_t	 vm_id = (uint32_t)rq->u.vm_id;
	struct timespec	 pause = { 0, 100 * 1000 * 1000 };
	char		 err[256], name[PRIV_DM_NAME_MAX + 1];
	int		 rc, e, try;

	if (disk_dm_name(p->uid, vm_id, 0, name, sizeof(name)) == -1)
		fatalx("device-mapper name too long");
	a->code = p->dmfd == -1 ? BERR_UNSUPPORTED : BERR_BUSY;
	if (p->dmfd == -1 ||
	    lease_file_making(&p->lf, p->uid, vm_id, 1) == -1) {
		snprintf(a->err, sizeof(a->err), "%s: %s", name, p->dmfd == -1 ?
		    "device-mapper is not available to banger-priv" :
		    "being made or released by another request");
		return -1;
	}
	lease_file_unlock(&p->lf);

	/* Unlocked, marked: a device still open gets about a second. */
	for (try = 1;; try++) {
		sandbox_sysadmin(1);
		rc = disk_ops->dm_remove(p->dmfd, name, err, sizeof(err));
		e = rc == 0 ? 0 : errno;
		sandbox_sysadmin(0);
		if (rc == 0 || e != EBUSY || try == RELEASE_TRIES)
			break;
		(void)nanosleep(&pause, NULL);
	}
	if (rc == -1 && e != ENXIO) {
		(void)lease_file_making(&p->lf, p->uid, vm_id, 0);
		a->code = e == EBUSY ? BERR_BUSY : BERR_PRIV;
		snprintf(a->err, sizeof(a->err), "%s: %s", name, e == EBUSY ?
		    "still in use by its VM" : err);
		return -1;
	}
	/* Gone (ENXIO: already, after a reboot or by hand): drop its lease. */
	a->code = BERR_INTERNAL;
	if ((rc = lease_file_lock(&p->lf, p->lt, a->err,
	    sizeof(a->err))) == 0) {
		a->code = BERR_PRIV;
		(void)lease_del(p->lt, LEASE_DISK, p->uid, vm_id);
		rc = lease_file_store(&p->lf, p->lt, a->err, sizeof(a->err));
	}
	(void)lease_file_making(&p->lf, p->uid, vm_id, 0);
	if (rc == -1)
		return -1;
	log_info("uid %u vm %u: released %s", (unsigned)p->uid, vm_id, name);
	return wire_reply(&a->out, PRIV_OK, rq->id, "");
}

/* disk.list, and tap.list after its sweep: the caller's vm_ids. */
int
priv_answer_list(struct priv *p, const struct req *rq, struct ans *a)
{
	int	 k = rq->type == PRIV_TAP_LIST ? LEASE_TAP : LEASE_DISK;
	size_t	 i, n = 0;

	/* Per user at most 253 taps and 800 disks: the cap bounds the array. */
	for (i = 0; i < p->lt->n[k] && n < ANS_IDS; i++)
		if (p->lt->rec[k][i].uid == p->uid)
			a->ids[n++] = p->lt->rec[k][i].vm_id;
	return wire_reply(&a->out, k == LEASE_TAP ? PRIV_TAP_IDS :
	    PRIV_DISK_IDS, rq->id, "a", "vm_ids", &(struct msg_u64v){ a->ids,
	    n });
}
