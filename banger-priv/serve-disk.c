/*
 * The disk requests (see disk.h).  bangerd opens both files itself, as the
 * user, and passes the descriptors: the helper never resolves a path the
 * user chose.  CAP_SYS_ADMIN is effective only around device-mapper calls.
 *
 * Called under the lease lock (serve.c), they let go of it for loop and
 * device-mapper calls (a slow one would stall every user's helper).
 * disk.snapshot stores the lease before the device exists, disk.release
 * drops it after the device is gone, and each marks the disk
 * (lease_file_making, dropped by the kernel with its helper) before it
 * unlocks; a marked disk is busy to the other.  Relocked, disk.snapshot
 * removes its device if its lease went meanwhile: the one device-mapper
 * call made under the lock, reached only if root edited the lease file.
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
#include "proto_priv.h"

#define RELEASE_TRIES	10	/* a busy snapshot: about a second */

static void
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

/* Remove a snapshot made for nothing; 0, or -1 if it is left behind. */
static int
unmake(struct priv *p, const char *name)
{
	char	 why[256];
	int	 rc;

	sandbox_sysadmin(1);
	if ((rc = disk_ops->dm_remove(p->dmfd, name, why, sizeof(why))) == -1)
		log_warnx("%s is left behind: %s", name, why);
	sandbox_sysadmin(0);
	return rc;
}

void
priv_answer_disk_snapshot(struct priv *p, const struct req *rq)
{
	const struct priv_disk_snapshot	*req = &rq->u.disk_snapshot;
	const struct disk_ops		*op = disk_ops;
	uint32_t			 vm_id = (uint32_t)req->vm_id;
	struct fdfacts			 base = { 0 }, cow = { 0 };
	struct priv_disk		 out;
	struct vres			 r;
	char				 err[256] = "";
	char				 why[256] = "the table is full";
	char				 name[PRIV_DM_NAME_MAX + 1], uuid[160];
	dev_t				 bdev = 0, cdev = 0, sdev = 0;
	int				 lb = -1, lc = -1, fd = -1, rc = -1;
	int				 have, left;

	if (rq->nfd == 2) {
		fd_facts(rq->fd[0], &base);
		fd_facts(rq->fd[1], &cow);
	}
	validate_disk_snapshot(&p->pol, p->lt, p->uid, req->vm_id,
	    p->dmfd != -1 && p->loopfd != -1, p->dm_major, rq->nfd, &base,
	    &cow, &r);
	if (judge(p, rq->id, &r) == -1)
		return;
	if (disk_dm_name(p->uid, vm_id, name, sizeof(name)) == -1 ||
	    disk_dm_uuid(p->uid, vm_id, uuid, sizeof(uuid)) == -1)
		fatalx("device-mapper name too long");

	/* Locked: the lease and the mark. */
	if (lease_add_disk(p->lt, p->uid, vm_id) == -1)
		fatalx("disk lease disagrees with validation");
	if (lease_file_making(&p->lf, p->uid, vm_id, 1) == -1)
		snprintf(err, sizeof(err), "mark vm_id %u: %s", vm_id,
		    strerror(errno));
	else if (lease_file_store(&p->lf, p->lt, err, sizeof(err)) == -1)
		(void)lease_file_making(&p->lf, p->uid, vm_id, 0);
	lease_file_unlock(&p->lf);
	if (*err != '\0') {
		reply_error(p, rq->id, BERR_PRIV, "%s", err);
		return;
	}

	/* Unlocked: two loops, then the snapshot over them. */
	if ((lb = op->loop_attach(p->loopfd, rq->fd[0], &bdev, err,
	    sizeof(err))) != -1 && (lc = op->loop_attach(p->loopfd,
	    rq->fd[1], &cdev, err, sizeof(err))) != -1) {
		log_info("uid %u vm %u: image on loop %u:%u, copy-on-write "
		    "on loop %u:%u", (unsigned)p->uid, vm_id, major(bdev),
		    minor(bdev), major(cdev), minor(cdev));
		sandbox_sysadmin(1);
		if (op->dm_check_version(p->dmfd, err, sizeof(err)) == 0)
			rc = op->dm_snapshot_create(p->dmfd, name, uuid,
			    base.size / DISK_SECTOR, bdev, cdev, &sdev, err,
			    sizeof(err));
		sandbox_sysadmin(0);
	}
	if (rc == 0 && (fd = op->open_node(sdev, err, sizeof(err))) == -1)
		rc = unmake(p, name) == -1 ? -2 : -1;
	/* device-mapper holds the loops now, or they detach as we close. */
	if (lb != -1)
		close(lb);
	if (lc != -1)
		close(lc);

	/* Locked again: keep a lease exactly if a device may exist. */
	if (leases_begin(p, rq->id) == -1) {
		/* Then the lease stays, for disk.release. */
		(void)lease_file_making(&p->lf, p->uid, vm_id, 0);
		if (fd != -1)
			close(fd);
		return;
	}
	have = lease_find_disk(p->lt, p->uid, vm_id) != NULL;
	if (!have && fd != -1) {
		snprintf(err, sizeof(err), "the lease of vm_id %u went while "
		    "its snapshot was made", vm_id);
		close(fd);
		fd = -1;
		rc = unmake(p, name) == -1 ? -2 : -1;
	}
	left = rc == -2;
	if (fd == -1 && have != left && ((left ? lease_add_disk(p->lt,
	    p->uid, vm_id) : lease_del_disk(p->lt, p->uid, vm_id)) == -1 ||
	    lease_file_store(&p->lf, p->lt, why, sizeof(why)) == -1))
		log_warnx("vm_id %u: its lease is wrong: %s", vm_id, why);
	(void)lease_file_making(&p->lf, p->uid, vm_id, 0);
	lease_file_unlock(&p->lf);
	if (fd == -1) {
		reply_error(p, rq->id, BERR_PRIV, "%s", err);
		return;
	}
	log_info("uid %u vm %u: snapshot %s (%u:%u)", (unsigned)p->uid, vm_id,
	    name, major(sdev), minor(sdev));
	out.vm_id = req->vm_id;
	out.name = name;
	out.sectors = base.size / DISK_SECTOR;
	reply(p, PRIV_DISK, rq->id, &out, fd);
	close(fd);
}

void
priv_answer_disk_release(struct priv *p, const struct req *rq)
{
	const struct priv_disk_release	*req = &rq->u.disk_release;
	uint32_t			 vm_id = (uint32_t)req->vm_id;
	struct timespec			 pause = { 0, 100 * 1000 * 1000 };
	struct vres			 r;
	char				 err[256], name[PRIV_DM_NAME_MAX + 1];
	unsigned			 code = 0;
	int				 rc, e, try;

	validate_disk_release(p->lt, p->uid, req->vm_id, &r);
	if (judge(p, rq->id, &r) == -1)
		return;
	if (disk_dm_name(p->uid, vm_id, name, sizeof(name)) == -1)
		fatalx("device-mapper name too long");
	if (p->dmfd == -1 ||
	    lease_file_making(&p->lf, p->uid, vm_id, 1) == -1) {
		lease_file_unlock(&p->lf);
		reply_error(p, rq->id, p->dmfd == -1 ? BERR_UNSUPPORTED :
		    BERR_BUSY, "%s: %s", name, p->dmfd == -1 ? "device-mapper "
		    "is not available to banger-priv" : "being made or "
		    "released by another request");
		return;
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
	/* ENXIO: gone already (a reboot, or removed by hand). */
	if (rc == 0 || e == ENXIO) {
		if (leases_begin(p, rq->id) == -1) {
			(void)lease_file_making(&p->lf, p->uid, vm_id, 0);
			return;
		}
		(void)lease_del_disk(p->lt, p->uid, vm_id);
		rc = lease_file_store(&p->lf, p->lt, err, sizeof(err));
		(void)lease_file_making(&p->lf, p->uid, vm_id, 0);
		lease_file_unlock(&p->lf);
	} else {
		(void)lease_file_making(&p->lf, p->uid, vm_id, 0);
		code = e == EBUSY ? BERR_BUSY : BERR_PRIV;
	}
	if (rc == -1) {
		reply_error(p, rq->id, code ? code : BERR_PRIV, "%s: %s", name,
		    e == EBUSY ? "still in use by its VM" : err);
		return;
	}
	log_info("uid %u vm %u: released %s", (unsigned)p->uid, vm_id, name);
	reply(p, PRIV_OK, rq->id, &(struct priv_ok){ 0 }, -1);
}

void
priv_answer_disk_list(struct priv *p, const struct req *rq)
{
	struct priv_disk_ids	 out;
	uint64_t		 ids[800];	/* what one reply holds */
	size_t			 i, n = 0;

	for (i = 0; i < p->lt->ndisk && n < sizeof(ids) / sizeof(ids[0]);
	    i++)
		if (p->lt->disk[i].uid == p->uid)
			ids[n++] = p->lt->disk[i].vm_id;
	lease_file_unlock(&p->lf);
	out.vm_ids.v = ids;
	out.vm_ids.n = n;
	reply(p, PRIV_DISK_IDS, rq->id, &out, -1);
}
