/*
 * A suspended VM's record of its saved state (SNAP_DIR/SNAP_INFO): what
 * the state was made with, so that it is loaded only into the same VMM,
 * accelerator, shape, TSC rate and image files, and the size and SHA-256
 * of each saved file, checked as the file is read back.  bangerd writes
 * it and reads it; it is read strictly all the same (a truncated or
 * edited record is refused, not half-used).
 */
#ifndef BANGERD_SNAP_INFO_H
#define BANGERD_SNAP_INFO_H

#include <stddef.h>
#include <stdint.h>

#define SNAP_INFO_MAX		1024	/* bytes of an info file */
#define SNAP_INFO_VERSION	1
#define SNAP_SIZE_MAX		(1ull << 40)	/* bytes of one saved file */

/* Which file a path is, without trusting its name: stat's numbers. */
struct snap_fid {
	uint64_t	 dev, ino, size, mtime_ns;
};

struct snap_info {
	char		 vmm[16];	/* "qemu", "firecracker" */
	char		 accel[8];	/* "kvm", "tcg" */
	uint64_t	 vcpus;
	uint64_t	 memory_mib;
	uint64_t	 tsc_khz;	/* the host's when saved, 0 unknown */
	char		 version[32];	/* banger's */
	struct snap_fid	 kernel, initrd, rootfs;	/* rootfs 0s: none */
	char		 address[16];	/* the guest's when saved */
	char		 name[64];	/* the VM it was saved from */
	uint64_t	 state_size;
	uint8_t		 state_sha[32];
	uint64_t	 mem_size;	/* 0: no separate memory file */
	uint8_t		 mem_sha[32];
};

/* The record's text into buf; its length, or -1 if it does not fit. */
int	snap_info_format(const struct snap_info *, char *, size_t);
/* 0 if buf is exactly a record snap_info_format() could have written. */
int	snap_info_parse(const char *, size_t, struct snap_info *);

#endif
