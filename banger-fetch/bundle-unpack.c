/*
 * A catalog bundle: tar + zstd holding exactly manifest.json and
 * rootfs.ext4, both regular files, once each.  Nothing in it names a
 * path on the host: the two members are written to fixed names in the
 * output directory, so a member with another name (a "..", an absolute
 * path, a link, a directory, a second copy) is simply refused.  The
 * root file system keeps its holes; its size is bounded and must be what
 * the manifest says.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "catalog.h"
#include "valid.h"
#include "fetch.h"

int
bundle_manifest_parse(const char *buf, size_t len, struct bundle_manifest *m,
    char *err, size_t errsz)
{
	json_error_t	 je;
	json_t		*root, *v;
	const char	*k;
	json_int_t	 i;
	int		 rc = -1;

	memset(m, 0, sizeof(*m));
	if (len > BUNDLE_MANIFEST_MAX) {
		snprintf(err, errsz, "manifest.json is larger than %d bytes",
		    BUNDLE_MANIFEST_MAX);
		return -1;
	}
	if ((root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je)) ==
	    NULL || !json_is_object(root)) {
		snprintf(err, errsz, "manifest.json is not a JSON object (or "
		    "has a key twice)");
		json_decref(root);
		return -1;
	}
	json_object_foreach(root, k, v) {
		if (strcmp(k, "name") != 0 && strcmp(k, "created") != 0 &&
		    strcmp(k, "rootfs_size") != 0) {
			snprintf(err, errsz, "manifest.json has an unknown key "
			    "(only name, created, rootfs_size)");
			goto out;
		}
	}
	v = json_object_get(root, "name");
	if (!json_is_string(v) || json_string_length(v) > CAT_NAME_MAX ||
	    strlen(json_string_value(v)) != json_string_length(v) ||
	    !valid_vm_name(json_string_value(v))) {
		snprintf(err, errsz, "manifest.json has no name or a bad one");
		goto out;
	}
	snprintf(m->name, sizeof(m->name), "%s", json_string_value(v));
	v = json_object_get(root, "created");
	if (!json_is_integer(v) || (i = json_integer_value(v)) < 0 ||
	    (uint64_t)i > CAT_SERIAL_MAX) {
		snprintf(err, errsz, "manifest.json has no created time or a "
		    "bad one (unix seconds)");
		goto out;
	}
	m->created = i;
	v = json_object_get(root, "rootfs_size");
	if (!json_is_integer(v) || (i = json_integer_value(v)) < 1 ||
	    (uint64_t)i > BUNDLE_ROOTFS_MAX) {
		snprintf(err, errsz, "manifest.json has no rootfs_size or a "
		    "bad one (1 byte to 256 GiB)");
		goto out;
	}
	m->rootfs_size = (uint64_t)i;
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* A member's name for a message: printable ASCII, at most 80 bytes. */
static void
safe_name(const char *s, char *out, size_t outsz)
{
	size_t	 i;

	if (s == NULL)
		s = "(no name)";
	for (i = 0; s[i] != '\0' && i + 1 < outsz && i < 80; i++)
		out[i] = s[i] > ' ' && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
}

struct unpack {
	struct archive	*a;
	int		 rootfs;	/* descriptor, -1 before */
	int		 dfd;		/* the output directory */
	uint64_t	 rsize;		/* rootfs.ext4's size, as tar says */
	int		 have_manifest, have_rootfs;
	struct bundle_manifest m;
	char		*err;
	size_t		 errsz;
};

static int
read_manifest(struct unpack *u, struct archive_entry *e)
{
	char		 buf[BUNDLE_MANIFEST_MAX];
	la_ssize_t	 r;
	size_t		 got = 0;

	if (archive_entry_size(e) > BUNDLE_MANIFEST_MAX) {
		snprintf(u->err, u->errsz, "bad member: manifest.json is "
		    "larger than %d bytes", BUNDLE_MANIFEST_MAX);
		return -1;
	}
	while ((r = archive_read_data(u->a, buf + got, sizeof(buf) - got)) >
	    0)
		got += (size_t)r;
	if (r < 0) {
		snprintf(u->err, u->errsz, "the bundle is truncated or "
		    "corrupt: %s", archive_error_string(u->a));
		return -1;
	}
	return bundle_manifest_parse(buf, got, &u->m, u->err, u->errsz);
}

static int
write_rootfs(struct unpack *u, struct archive_entry *e)
{
	const void	*buf;
	size_t		 len;
	la_int64_t	 off;
	int		 r, tenth = 0;

	if (!archive_entry_size_is_set(e) || archive_entry_size(e) < 1 ||
	    (uint64_t)archive_entry_size(e) > BUNDLE_ROOTFS_MAX) {
		snprintf(u->err, u->errsz, "bad member: rootfs.ext4 is not "
		    "1 byte to 256 GiB");
		return -1;
	}
	u->rsize = (uint64_t)archive_entry_size(e);
	if (u->have_manifest && u->rsize != u->m.rootfs_size) {
		snprintf(u->err, u->errsz, "bad member: rootfs.ext4 is %"
		    PRIu64 " bytes, its manifest says %" PRIu64, u->rsize,
		    u->m.rootfs_size);
		return -1;
	}
	/* Checking only (dfd -1): the data is read, bounded, not kept. */
	if (u->dfd != -1 && (u->rootfs = openat(u->dfd, "rootfs.ext4",
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644)) ==
	    -1) {
		snprintf(u->err, u->errsz, "rootfs.ext4: %s", strerror(errno));
		return -1;
	}
	if (u->dfd != -1 && ftruncate(u->rootfs, (off_t)u->rsize) == -1) {
		snprintf(u->err, u->errsz, "rootfs.ext4: %s", strerror(errno));
		return -1;
	}
	while ((r = archive_read_data_block(u->a, &buf, &len, &off)) ==
	    ARCHIVE_OK) {
		if (off < 0 || (uint64_t)off > u->rsize ||
		    len > u->rsize - (uint64_t)off) {
			snprintf(u->err, u->errsz, "bad member: rootfs.ext4's "
			    "data lies beyond its size");
			return -1;
		}
		if (u->dfd == -1)
			continue;
		if (len > 0 && pwrite(u->rootfs, buf, len, off) !=
		    (ssize_t)len) {
			snprintf(u->err, u->errsz, "rootfs.ext4: %s",
			    errno != 0 ? strerror(errno) : "short write");
			return -1;
		}
		if (u->dfd != -1 &&
		    (int)(((uint64_t)off + len) * 10 / u->rsize) > tenth) {
			tenth = (int)(((uint64_t)off + len) * 10 / u->rsize);
			status_progress("unpacking rootfs.ext4: %d%%",
			    tenth * 10);
		}
	}
	if (r != ARCHIVE_EOF) {
		snprintf(u->err, u->errsz, "the bundle is truncated or "
		    "corrupt: %s", archive_error_string(u->a));
		return -1;
	}
	if (u->dfd != -1 && fsync(u->rootfs) == -1) {
		snprintf(u->err, u->errsz, "rootfs.ext4: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
member(struct unpack *u, struct archive_entry *e)
{
	const char	*path = archive_entry_pathname(e);
	char		 shown[96];

	safe_name(path, shown, sizeof(shown));
	if (archive_entry_filetype(e) != AE_IFREG ||
	    archive_entry_hardlink(e) != NULL ||
	    archive_entry_symlink(e) != NULL) {
		snprintf(u->err, u->errsz, "bad member: %s is not a regular "
		    "file (links, directories and devices are refused)",
		    shown);
		return -1;
	}
	if (path != NULL && strcmp(path, "manifest.json") == 0) {
		if (u->have_manifest++) {
			snprintf(u->err, u->errsz, "bad member: a second "
			    "manifest.json");
			return -1;
		}
		if (read_manifest(u, e) == -1)
			return -1;
		if (u->have_rootfs && u->rsize != u->m.rootfs_size) {
			snprintf(u->err, u->errsz, "bad member: rootfs.ext4 "
			    "is %" PRIu64 " bytes, its manifest says %" PRIu64,
			    u->rsize, u->m.rootfs_size);
			return -1;
		}
		return 0;
	}
	if (path != NULL && strcmp(path, "rootfs.ext4") == 0) {
		if (u->have_rootfs++) {
			snprintf(u->err, u->errsz, "bad member: a second "
			    "rootfs.ext4");
			return -1;
		}
		return write_rootfs(u, e);
	}
	snprintf(u->err, u->errsz, "bad member: %s (a bundle holds only "
	    "manifest.json and rootfs.ext4)", shown);
	return -1;
}

int
bundle_unpack_fd(int fd, const char *outdir, const char *name, char *err,
    size_t errsz)
{
	struct archive_entry	*e;
	struct unpack		 u;
	int			 r, rc = -1;

	memset(&u, 0, sizeof(u));
	u.rootfs = -1;
	u.err = err;
	u.errsz = errsz;
	u.dfd = -1;
	if (outdir != NULL && (u.dfd = open(outdir, O_PATH | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		snprintf(err, errsz, "%s: %s", outdir, strerror(errno));
		return -1;
	}
	if ((u.a = archive_read_new()) == NULL ||
	    archive_read_support_filter_zstd(u.a) != ARCHIVE_OK ||
	    archive_read_support_format_tar(u.a) != ARCHIVE_OK) {
		snprintf(err, errsz, "libarchive lacks zstd or tar");
		goto out;
	}
	if (archive_read_open_fd(u.a, fd, 1 << 16) != ARCHIVE_OK) {
		snprintf(err, errsz, "the bundle is truncated or not tar + "
		    "zstd: %s", archive_error_string(u.a));
		goto out;
	}
	while ((r = archive_read_next_header(u.a, &e)) == ARCHIVE_OK) {
		if (archive_filter_code(u.a, 0) != ARCHIVE_FILTER_ZSTD) {
			snprintf(err, errsz, "the bundle is not compressed "
			    "with zstd");
			goto out;
		}
		if (member(&u, e) == -1)
			goto out;
	}
	if (r != ARCHIVE_EOF) {
		snprintf(err, errsz, "the bundle is truncated or corrupt: %s",
		    archive_error_string(u.a));
		goto out;
	}
	if (!u.have_manifest || !u.have_rootfs) {
		snprintf(err, errsz, "bad member: the bundle lacks %s",
		    u.have_manifest ? "rootfs.ext4" : "manifest.json");
		goto out;
	}
	if (strcmp(u.m.name, name) != 0) {
		snprintf(err, errsz, "the bundle's manifest names %s, not %s",
		    u.m.name, name);
		goto out;
	}
	rc = 0;
out:
	if (u.rootfs != -1)
		close(u.rootfs);
	if (u.a != NULL)
		archive_read_free(u.a);
	if (u.dfd != -1)
		close(u.dfd);
	return rc;
}
