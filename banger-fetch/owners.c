/*
 * Make every file on a freshly made ext4 image belong to root.  mkfs.ext4
 * -d copies the owners of the staged files, which are the user's; the
 * guest's /root and overlay layer must be root's.  One pass over the inode
 * table with libext2fs: no mount, no privilege, and far cheaper than
 * running mkfs under fakeroot (every stat a round trip to faked).
 */
#include <stdio.h>

#include <ext2fs/ext2fs.h>

#include "fetch.h"

int
ext4_chown_root(const char *img, char *err, size_t errlen)
{
	ext2_filsys		 fs;
	ext2_inode_scan		 scan;
	ext2_ino_t		 ino;
	struct ext2_inode	 inode;
	errcode_t		 e;
	int			 rc = -1;

	if ((e = ext2fs_open(img, EXT2_FLAG_RW | EXT2_FLAG_64BITS, 0, 0,
	    unix_io_manager, &fs)) != 0) {
		snprintf(err, errlen, "%s: %s", img, error_message(e));
		return -1;
	}
	if ((e = ext2fs_open_inode_scan(fs, 0, &scan)) != 0) {
		snprintf(err, errlen, "inode scan: %s", error_message(e));
		goto out;
	}
	for (;;) {
		if ((e = ext2fs_get_next_inode(scan, &ino, &inode)) != 0) {
			snprintf(err, errlen, "inode scan: %s",
			    error_message(e));
			goto done;
		}
		if (ino == 0)
			break;
		if (inode.i_links_count == 0 ||
		    (inode_uid(inode) == 0 && inode_gid(inode) == 0))
			continue;
		inode.i_uid = 0;
		inode.i_gid = 0;
		ext2fs_set_i_uid_high(inode, 0);
		ext2fs_set_i_gid_high(inode, 0);
		if ((e = ext2fs_write_inode(fs, ino, &inode)) != 0) {
			snprintf(err, errlen, "inode %u: %s", ino,
			    error_message(e));
			goto done;
		}
	}
	rc = 0;
done:
	ext2fs_close_inode_scan(scan);
out:
	if ((e = ext2fs_close_free(&fs)) != 0 && rc == 0) {
		snprintf(err, errlen, "%s: %s", img, error_message(e));
		rc = -1;
	}
	return rc;
}
