/*
 * device-mapper through /dev/mapper/control: create a device, load one
 * "snapshot" target, resume it; remove it.  Each ioctl carries a struct
 * dm_ioctl then its data, and the kernel replies in the same buffer.
 */
#include <sys/ioctl.h>
#include <sys/sysmacros.h>

#include <linux/dm-ioctl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "disk.h"

union dm_buf {
	struct dm_ioctl	 io;
	uint64_t	 align_;
	char		 b[DISK_DM_BUFSZ];
};

/* Its name, or with uuid its uuid: DM_NAME_LEN is the shorter limit. */
int
disk_dm_name(uint32_t uid, uint32_t vm_id, int uuid, char *out, size_t len)
{
	int	 n = snprintf(out, len, "%s-%u-%u", uuid ? "BANGER" : "banger",
	    uid, vm_id);

	return n < 0 || (size_t)n >= len || n >= DM_NAME_LEN ? -1 : 0;
}

/* "ORIGIN COW P CHUNK": a persistent snapshot, so stop/start keeps it. */
int
disk_dm_params(dev_t origin, dev_t cow, char *out, size_t len)
{
	int	 n = snprintf(out, len, "%u:%u %u:%u P %d", major(origin),
	    minor(origin), major(cow), minor(cow), DISK_CHUNK_SECTORS);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static union dm_buf *
dm_init(union dm_buf *d, const char *name, const char *uuid)
{
	memset(d, 0, sizeof(*d));
	d->io.version[0] = DM_VERSION_MAJOR;
	d->io.data_size = sizeof(*d);
	d->io.data_start = sizeof(d->io);
	snprintf(d->io.name, sizeof(d->io.name), "%s", name);
	snprintf(d->io.uuid, sizeof(d->io.uuid), "%s", uuid);
	return d;
}

static int
dm_call(int ctlfd, unsigned long req, const char *what, union dm_buf *d,
    char *err, size_t errlen)
{
	int	 e;

	if (ioctl(ctlfd, req, d) == 0)
		return 0;
	e = errno;
	snprintf(err, errlen, "device-mapper %s: %s%s", what, strerror(e),
	    e == EINVAL ? " (the kernel log says why)" : "");
	errno = e;
	return -1;
}

int
dm_check_version(int ctlfd, char *err, size_t errlen)
{
	union dm_buf	 d;

	if (dm_call(ctlfd, DM_VERSION, "version", dm_init(&d, "", ""), err,
	    errlen) == -1)
		return -1;
	if (d.io.version[0] != DM_VERSION_MAJOR) {
		snprintf(err, errlen, "device-mapper interface %u, need %u",
		    d.io.version[0], DM_VERSION_MAJOR);
		return -1;
	}
	return 0;
}

/* device-mapper's block major (the kernel picks it) or 0: see validate.c. */
unsigned
dm_block_major(void)
{
	FILE		*f;
	char		 line[128], name[64];
	unsigned	 maj, found = 0;
	int		 block = 0;

	if ((f = fopen("/proc/devices", "re")) == NULL)
		return 0;
	while (found == 0 && fgets(line, sizeof(line), f) != NULL) {
		if (strcmp(line, "Block devices:\n") == 0)
			block = 1;
		else if (block && sscanf(line, "%u %63s", &maj, name) == 2 &&
		    strcmp(name, "device-mapper") == 0)
			found = maj;
	}
	fclose(f);
	return found;
}

/* Remove NAME, once: disk.release retries EBUSY (udev's probe, say). */
int
dm_remove(int ctlfd, const char *name, char *err, size_t errlen)
{
	union dm_buf	 d;

	return dm_call(ctlfd, DM_DEV_REMOVE, "remove", dm_init(&d, name, ""),
	    err, errlen);
}

/*
 * The DM_TABLE_LOAD buffer for NAME: a struct dm_ioctl, one target spec
 * (sector 0, sectors long, "snapshot"), its NUL-terminated parameters.
 */
int
dm_table_build(void *buf, size_t len, const char *name, uint64_t sectors,
    const char *params)
{
	union dm_buf		*d = buf;
	struct dm_target_spec	*ts;
	size_t			 plen = strlen(params) + 1;

	if (len != sizeof(*d) || strlen(name) >= DM_NAME_LEN)
		return -1;
	dm_init(d, name, "");
	if (d->io.data_start + sizeof(*ts) + plen > sizeof(*d))
		return -1;
	d->io.target_count = 1;
	ts = (struct dm_target_spec *)(d->b + d->io.data_start);
	ts->sector_start = 0;
	ts->length = sectors;
	snprintf(ts->target_type, sizeof(ts->target_type), "snapshot");
	memcpy((char *)(ts + 1), params, plen);
	return 0;
}

/*
 * Create NAME as a snapshot of origin over cow, sectors long, and make it
 * live; *dev is the new block device.  -1: failed, nothing of it is left;
 * -2: failed, and NAME could not be removed again.
 */
int
dm_snapshot_create(int ctlfd, const char *name, const char *uuid,
    uint64_t sectors, dev_t origin, dev_t cow, dev_t *dev, char *err,
    size_t errlen)
{
	union dm_buf	 c, d;
	char		 params[64], why[256];

	if (disk_dm_params(origin, cow, params, sizeof(params)) == -1 ||
	    dm_table_build(&d, sizeof(d), name, sectors, params) == -1) {
		snprintf(err, errlen, "snapshot table too long");
		return -1;
	}
	if (dm_call(ctlfd, DM_DEV_CREATE, "create", dm_init(&c, name, uuid),
	    err, errlen) == -1)
		return -1;
	*dev = makedev(major(c.io.dev), minor(c.io.dev));
	/* DM_DEV_SUSPEND without DM_SUSPEND_FLAG resumes the device. */
	if (dm_call(ctlfd, DM_TABLE_LOAD, "table load", &d, err,
	    errlen) == 0 && dm_call(ctlfd, DM_DEV_SUSPEND, "resume",
	    dm_init(&d, name, ""), err, errlen) == 0)
		return 0;
	if (dm_remove(ctlfd, name, why, sizeof(why)) == -1) {
		snprintf(err + strlen(err), errlen - strlen(err),
		    "; and %s is left behind: %s", name, why);
		return -2;
	}
	return -1;
}
