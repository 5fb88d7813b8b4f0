/*
 * What a layer says about an entry besides its contents: owner (all 32
 * bits), permission bits with setuid, setgid and sticky, times (ext4's
 * extra epoch bits past 2038, nanoseconds), and xattrs.  Xattrs are
 * bounded in count and bytes; those in the user, security (so file
 * capabilities) and trusted namespaces and POSIX ACLs are kept, others
 * skipped, and trusted.overlay.* too: the guest's overlayfs would take
 * them for its own.
 */
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <ext2fs/ext2fs.h>

#include "layer-int.h"

/* i_extra_isize up to i_atime_extra: room for the time extra fields. */
#define EXTRA_TIMES	16

static void
set_time(struct ext2_inode_large *in, __u32 *lo, __u32 *extra, int64_t t,
    long nsec)
{
	const int64_t	 min = INT32_MIN;
	const int64_t	 max = (3LL << 32) + INT32_MAX;
	int		 has = in->i_extra_isize >= EXTRA_TIMES;

	if (!has && t > INT32_MAX)
		t = INT32_MAX;
	t = t < min ? min : t > max ? max : t;
	if (nsec < 0 || nsec > 999999999)
		nsec = 0;
	*lo = (__u32)(int32_t)(uint32_t)t;
	if (has)
		*extra = (__u32)((uint64_t)nsec << 2) |
		    (__u32)((t - (int32_t)(uint32_t)t) >> 32);
}

static int
name_ok(const char *name)
{
	size_t	 n = strlen(name);

	if (n == 0 || n > LAYER_NAME_MAX)
		return 0;
	if (strncmp(name, "trusted.overlay.", 16) == 0)
		return 0;
	return (strncmp(name, "user.", 5) == 0 && n > 5) ||
	    (strncmp(name, "security.", 9) == 0 && n > 9) ||
	    (strncmp(name, "trusted.", 8) == 0 && n > 8) ||
	    strcmp(name, "system.posix_acl_access") == 0 ||
	    strcmp(name, "system.posix_acl_default") == 0;
}

struct names {
	char	*v[LAYER_XATTRS_MAX * 4];
	size_t	 n;
	int	 over;
};

static int
name_proc(char *name, char *value, size_t len, void *arg)
{
	struct names	*s = arg;

	(void)value;
	(void)len;
	if (s->n == sizeof(s->v) / sizeof(s->v[0]) ||
	    (s->v[s->n] = strdup(name)) == NULL) {
		s->over = 1;
		return XATTR_ABORT;
	}
	s->n++;
	return 0;
}

/* The xattrs an older directory had go: its new entry says them all. */
static int
clear_xattrs(struct layer_fs *l, struct ext2_xattr_handle *h)
{
	struct names	 s;
	errcode_t	 e;
	size_t		 i;
	int		 rc = 0;

	memset(&s, 0, sizeof(s));
	e = ext2fs_xattrs_iterate(h, name_proc, &s);
	if (e != 0 || s.over)
		rc = layer_fail(l, e, "reading xattrs");
	for (i = 0; i < s.n; i++) {
		if (rc == 0 && (e = ext2fs_xattr_remove(h, s.v[i])) != 0)
			rc = layer_fail(l, e, "removing xattr %s", s.v[i]);
		free(s.v[i]);
	}
	return rc;
}

static int
xattrs(struct layer_fs *l, ext2_ino_t ino, struct archive_entry *ae,
    int replace)
{
	struct ext2_xattr_handle *h;
	const char		*name;
	const void		*value;
	size_t			 size, total = 0;
	errcode_t		 e;
	int			 n, rc = -1;

	n = archive_entry_xattr_reset(ae);
	if (n == 0 && !replace)
		return 0;
	if (n > LAYER_XATTRS_MAX)
		return layer_fail(l, 0, "more than %d xattrs",
		    LAYER_XATTRS_MAX);
	if ((e = ext2fs_xattrs_open(l->fs, ino, &h)) != 0)
		return layer_fail(l, e, "xattrs");
	if ((e = ext2fs_xattrs_read(h)) != 0) {
		layer_fail(l, e, "reading xattrs");
		goto out;
	}
	if (replace && clear_xattrs(l, h) == -1)
		goto out;
	while (archive_entry_xattr_next(ae, &name, &value, &size) ==
	    ARCHIVE_OK) {
		if (name == NULL || !name_ok(name))
			continue;
		total += strlen(name) + size;
		if (total > LAYER_XATTR_BYTES_MAX) {
			layer_fail(l, 0, "xattrs larger than %d bytes",
			    LAYER_XATTR_BYTES_MAX);
			goto out;
		}
		l->writes++;
		if ((e = ext2fs_xattr_set(h, name, value, size)) != 0) {
			layer_fail(l, e, "xattr %s", name);
			goto out;
		}
	}
	rc = 0;
out:
	if ((e = ext2fs_xattrs_close(&h)) != 0 && rc == 0)
		rc = layer_fail(l, e, "writing xattrs");
	return rc;
}

/*
 * ae's owner, mode bits and times onto ino, then its xattrs (replacing
 * the old ones when replace is set: an older directory named again).
 */
int
layer_meta(struct layer_fs *l, ext2_ino_t ino, struct archive_entry *ae,
    int replace)
{
	struct ext2_inode_large	 in;
	int64_t			 uid, gid, mt, at, ct;
	long			 mn, an, cn;

	uid = archive_entry_uid(ae);
	gid = archive_entry_gid(ae);
	if (uid < 0 || uid > UINT32_MAX || gid < 0 || gid > UINT32_MAX)
		return layer_fail(l, 0, "owner %lld:%lld out of range",
		    (long long)uid, (long long)gid);
	if (layer_read_inode(l, ino, &in) == -1)
		return -1;
	if (!LINUX_S_ISLNK(in.i_mode))
		in.i_mode = (__u16)((in.i_mode & LINUX_S_IFMT) |
		    (archive_entry_perm(ae) & 07777));
	in.i_uid = (__u16)(uid & 0xffff);
	ext2fs_set_i_uid_high(in, (__u16)(uid >> 16));
	in.i_gid = (__u16)(gid & 0xffff);
	ext2fs_set_i_gid_high(in, (__u16)(gid >> 16));
	mt = archive_entry_mtime(ae);
	mn = archive_entry_mtime_nsec(ae);
	at = archive_entry_atime_is_set(ae) ? archive_entry_atime(ae) : mt;
	an = archive_entry_atime_is_set(ae) ? archive_entry_atime_nsec(ae) :
	    mn;
	ct = archive_entry_ctime_is_set(ae) ? archive_entry_ctime(ae) : mt;
	cn = archive_entry_ctime_is_set(ae) ? archive_entry_ctime_nsec(ae) :
	    mn;
	set_time(&in, &in.i_mtime, &in.i_mtime_extra, mt, mn);
	set_time(&in, &in.i_atime, &in.i_atime_extra, at, an);
	set_time(&in, &in.i_ctime, &in.i_ctime_extra, ct, cn);
	if (layer_write_inode(l, ino, &in) == -1)
		return -1;
	return xattrs(l, ino, ae, replace);
}
