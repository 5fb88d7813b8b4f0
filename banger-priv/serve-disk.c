/*
 * The disk requests: disk.snapshot makes a VM's copy-on-write view of an
 * image (see disk.h), disk.release removes it, disk.list names the
 * caller's.  bangerd opens both files itself, as the user, and passes the
 * descriptors: the helper never resolves a path the user chose, and the
 * files' access modes and owner are checked before anything is made.
 * CAP_SYS_ADMIN, which device-mapper needs, is effective only around the
 * device-mapper calls.  Nothing here sleeps under the lease lock.
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

void
priv_answer_disk_snapshot(struct priv *p, const struct msg_hdr *hdr,
    void *body, const struct reqfds *fds)
{
	const struct priv_disk_snapshot	*req = body;
	struct fdfacts			 base, cow;
	struct priv_disk		 out;
	struct vres			 r;
	char				 err[256], why[256] = "";
	char				 name[PRIV_DM_NAME_MAX + 1], uuid[160];
	dev_t				 bdev = 0, cdev = 0, sdev = 0;
	int				 lb = -1, lc = -1, fd = -1, made = 0;
	int				 left = 0, rc;

	memset(&base, 0, sizeof(base));
	memset(&cow, 0, sizeof(cow));
	if (fds->n == 2) {
		fd_facts(fds->fd[0], &base);
		fd_facts(fds->fd[1], &cow);
	}
	if (leases_begin(p, hdr->id) == -1)
		return;
	validate_disk_snapshot(&p->pol, p->lt, p->uid, req->vm_id,
	    p->dmfd != -1 && p->loopfd != -1, p->dm_major, fds->n, &base,
	    &cow, &r);
	if (judge(p, hdr->id, &r) == -1)
		return;
	if (disk_dm_name(p->uid, (uint32_t)req->vm_id, name,
	    sizeof(name)) == -1 || disk_dm_uuid(p->uid, (uint32_t)req->vm_id,
	    uuid, sizeof(uuid)) == -1)
		fatalx("device-mapper name too long");

	/*
	 * The lease first: a snapshot that outlives a failure below is
	 * never unrecorded, so disk.release can still remove it.
	 */
	if (lease_add_disk(p->lt, p->uid, (uint32_t)req->vm_id) == -1)
		fatalx("disk lease disagrees with validation");
	if (lease_file_store(&p->lf, p->lt, err, sizeof(err)) == -1) {
		lease_file_unlock(&p->lf);
		reply_error(p, hdr->id, BERR_PRIV, "%s", err);
		return;
	}

	/* Act: two loops, then the snapshot over them. */
	if ((lb = loop_attach(p->loopfd, fds->fd[0], &bdev, err,
	    sizeof(err))) == -1 ||
	    (lc = loop_attach(p->loopfd, fds->fd[1], &cdev, err,
	    sizeof(err))) == -1)
		goto fail;
	log_info("uid %u vm %llu: image on loop %u:%u, copy-on-write on "
	    "loop %u:%u", (unsigned)p->uid, (unsigned long long)req->vm_id,
	    major(bdev), minor(bdev), major(cdev), minor(cdev));
	sandbox_sysadmin(1);
	if (dm_check_version(p->dmfd, err, sizeof(err)) == 0) {
		rc = dm_snapshot_create(p->dmfd, name, uuid,
		    base.size / DISK_SECTOR, bdev, cdev, &sdev, err,
		    sizeof(err));
		if (rc == 0) {
			made = 1;
			fd = open_dm_node(sdev, err, sizeof(err));
		} else if (rc == -2)
			left = 1;	/* leased still: release retries */
	}
	sandbox_sysadmin(0);
	if (fd == -1)
		goto fail;
	lease_file_unlock(&p->lf);
	/* device-mapper holds the loops now; autoclear frees them with it. */
	close(lb);
	close(lc);
	log_info("uid %u vm %llu: snapshot %s (%u:%u)", (unsigned)p->uid,
	    (unsigned long long)req->vm_id, name, major(sdev), minor(sdev));
	out.vm_id = req->vm_id;
	out.name = name;
	out.sectors = base.size / DISK_SECTOR;
	reply(p, PRIV_DISK, hdr->id, &out, fd);
	close(fd);
	return;
fail:
	if (fd != -1)
		close(fd);
	if (made) {
		sandbox_sysadmin(1);
		if (dm_remove(p->dmfd, name, why, sizeof(why)) == -1) {
			/* Leased still: disk.release tries again. */
			log_warnx("%s is left behind: %s", name, why);
			left = 1;
		}
		sandbox_sysadmin(0);
	}
	/* Unused loops detach as their last descriptor closes. */
	if (lb != -1)
		close(lb);
	if (lc != -1)
		close(lc);
	if (!left && (lease_del_disk(p->lt, p->uid,
	    (uint32_t)req->vm_id) == -1 || lease_file_store(&p->lf, p->lt,
	    why, sizeof(why)) == -1))
		log_warnx("vm %llu keeps a lease without a snapshot: %s",
		    (unsigned long long)req->vm_id, why);
	lease_file_unlock(&p->lf);
	reply_error(p, hdr->id, BERR_PRIV, "%s", err);
}

void
priv_answer_disk_release(struct priv *p, const struct msg_hdr *hdr,
    void *body, const struct reqfds *fds)
{
	const struct priv_disk_release	*req = body;
	struct timespec			 pause = { 0, 100 * 1000 * 1000 };
	struct vres			 r;
	char				 err[256], name[PRIV_DM_NAME_MAX + 1];
	int				 rc, e = 0, try;

	(void)fds;
	for (try = 1;; try++) {
		if (leases_begin(p, hdr->id) == -1)
			return;
		validate_disk_release(p->lt, p->uid, req->vm_id, try > 1, &r);
		if (r.v == VALID_DONE) {
			lease_file_unlock(&p->lf);
			log_debug("uid %u: %s", (unsigned)p->uid, r.why);
			reply(p, PRIV_OK, hdr->id, &(struct priv_ok){ 0 }, -1);
			return;
		}
		if (judge(p, hdr->id, &r) == -1)
			return;
		if (disk_dm_name(p->uid, (uint32_t)req->vm_id, name,
		    sizeof(name)) == -1)
			fatalx("device-mapper name too long");
		if (p->dmfd == -1) {
			lease_file_unlock(&p->lf);
			reply_error(p, hdr->id, BERR_UNSUPPORTED, "cannot "
			    "remove %s: device-mapper is not available to "
			    "banger-priv", name);
			return;
		}
		sandbox_sysadmin(1);
		rc = dm_remove(p->dmfd, name, err, sizeof(err));
		e = errno;
		sandbox_sysadmin(0);
		if (rc == 0 || e != EBUSY || try == RELEASE_TRIES)
			break;
		/* Busy for a moment, perhaps: wait without the lock. */
		lease_file_unlock(&p->lf);
		(void)nanosleep(&pause, NULL);
	}
	/* ENXIO: gone already (a reboot, or removed by hand). */
	if (rc == -1 && e != ENXIO) {
		lease_file_unlock(&p->lf);
		reply_error(p, hdr->id, e == EBUSY ? BERR_BUSY : BERR_PRIV,
		    "%s: %s", name, e == EBUSY ? "still in use by its VM" :
		    err);
		return;
	}
	if (lease_del_disk(p->lt, p->uid, (uint32_t)req->vm_id) == -1)
		fatalx("disk lease vanished under the lock");
	if (lease_file_store(&p->lf, p->lt, err, sizeof(err)) == -1) {
		lease_file_unlock(&p->lf);
		reply_error(p, hdr->id, BERR_PRIV, "%s", err);
		return;
	}
	lease_file_unlock(&p->lf);
	log_info("uid %u vm %llu: released %s", (unsigned)p->uid,
	    (unsigned long long)req->vm_id, name);
	reply(p, PRIV_OK, hdr->id, &(struct priv_ok){ 0 }, -1);
}

void
priv_answer_disk_list(struct priv *p, const struct msg_hdr *hdr, void *body,
    const struct reqfds *fds)
{
	struct priv_disk_ids	 out;
	uint64_t		 ids[1024];	/* the schema's bound */
	size_t			 i, n = 0;

	(void)body;
	(void)fds;
	if (leases_begin(p, hdr->id) == -1)
		return;
	for (i = 0; i < p->lt->ndisk && n < sizeof(ids) / sizeof(ids[0]);
	    i++)
		if (p->lt->disk[i].uid == p->uid)
			ids[n++] = p->lt->disk[i].vm_id;
	lease_file_unlock(&p->lf);
	out.vm_ids.v = ids;
	out.vm_ids.n = n;
	reply(p, PRIV_DISK_IDS, hdr->id, &out, -1);
}
