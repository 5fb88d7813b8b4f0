/*
 * A kernel's "info" file (bangerd/kernel-info.c): "release R", "forms
 * F" and "modules N" lines, written by banger-fetch import-kernel from
 * bytes the user handed over, so read as untrusted.
 */
#ifndef BANGERD_KERNEL_INFO_H
#define BANGERD_KERNEL_INFO_H

#include <stddef.h>
#include <stdint.h>

#define KERNEL_INFO_MAX		256	/* bytes of an info file */
#define KERNEL_INFO_MODULES	1024	/* at most, as banger-fetch's 64 */

struct kinfo {
	char		 release[65];	/* [A-Za-z0-9._+-]+ */
	char		 forms[32];	/* "vmlinux" or "vmlinux vmlinuz" */
	uint64_t	 modules;
};

/* 0 when the whole file is well-formed, else -1 with *ki zeroed. */
int	kernel_info_parse(const char *, size_t, struct kinfo *);

#endif
