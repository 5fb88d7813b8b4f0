/*
 * The per-VM copy-on-write view of an image: two loop devices (the image
 * read-only, the VM's copy-on-write file) under one device-mapper
 * "snapshot" target.  Raw kernel interfaces (linux/loop.h and
 * linux/dm-ioctl.h), small enough to read whole and to allowlist in
 * seccomp call by call; see banger-priv(8) for why not libdevmapper.
 */
#ifndef BANGER_PRIV_DISK_H
#define BANGER_PRIV_DISK_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#define DISK_CHUNK_SECTORS	8	/* 4 KiB copy-on-write chunks */
#define DISK_DM_BUFSZ		16384	/* one device-mapper ioctl's buffer */

/* Pure: the names and the table line, for the unit tests too. */
int	disk_dm_name(uint32_t, uint32_t, int, char *, size_t);
int	disk_dm_params(dev_t, dev_t, char *, size_t);
int	dm_table_build(void *, size_t, const char *, uint64_t, const char *);

/* loop.c: attach the file behind fd; returns the loop's fd, or -1. */
int	loop_attach(int, int, dev_t *, char *, size_t);

/* dm.c: ctlfd is /dev/mapper/control; see dm.c for return values. */
int	dm_check_version(int, char *, size_t);
unsigned dm_block_major(void);
int	dm_snapshot_create(int, const char *, const char *, uint64_t, dev_t,
	    dev_t, dev_t *, char *, size_t);
int	dm_remove(int, const char *, char *, size_t);

/*
 * What disk.snapshot and disk.release call on the kernel (serve-disk.c
 * points it at the functions above); test-disk.c puts in fakes.
 */
struct disk_ops {
	int	(*loop_attach)(int, int, dev_t *, char *, size_t);
	int	(*dm_check_version)(int, char *, size_t);
	int	(*dm_snapshot_create)(int, const char *, const char *,
		    uint64_t, dev_t, dev_t, dev_t *, char *, size_t);
	int	(*dm_remove)(int, const char *, char *, size_t);
	int	(*open_node)(dev_t, char *, size_t);
};
extern const struct disk_ops *disk_ops;

#endif
