/* valid_local_fs, apart from valid.c, so banger-priv links only this. */
#include <stddef.h>
#include <stdint.h>

#include "valid.h"

/*
 * An allowlist of local disk- or memory-backed file systems (statfs
 * f_type): any other (NFS, SMB, FUSE, 9P, overlay or other stacking) can
 * have its I/O stalled by a user or a server, hanging what uses it.
 */
int
valid_local_fs(uint64_t f_type)
{
	static const uint64_t	 allow[] = {
		0xef53,		/* ext2, ext3, ext4 */
		0x58465342,	/* XFS */
		0x9123683e,	/* Btrfs */
		0x01021994,	/* tmpfs */
		0x858458f6,	/* ramfs */
		0xf2f52010,	/* F2FS */
		0xca451a4e,	/* bcachefs */
		0x2fc12fc1,	/* ZFS */
	};
	size_t			 i;

	for (i = 0; i < sizeof(allow) / sizeof(allow[0]); i++)
		if (f_type == allow[i])
			return 1;
	return 0;
}
