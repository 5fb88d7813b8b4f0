/*
 * A catalog bundle: tar + zstd holding exactly manifest.json and
 * rootfs.ext4, both regular files, once each, read by bundle-read.c.
 * Nothing in it names a path on the host: the two members are written to
 * fixed names in the output directory, so a member with another name (a
 * "..", an absolute path, a link, a directory, a second copy) is simply
 * refused.  The root file system keeps its holes; its size is bounded
 * and must be what the manifest says.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bundle.h"
#include "catalog.h"

int
bundle_manifest_parse(const char *buf, size_t len, struct bundle_manifest *m,
    char *err, size_t errsz)
{
	static const char *const keys[] = { "name", "created", "rootfs_size",
	    NULL };
	json_t		*root, *v;
	json_int_t	 i;
	int		 rc = -1;

	memset(m, 0, sizeof(*m));
	if ((root = bundle_manifest_load(buf, len, BUNDLE_MANIFEST_MAX, keys,
	    m->name, &m->created, err, errsz)) == NULL)
		return -1;
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

static int
manifest(void *arg, const char *buf, size_t len, char *err, size_t errsz)
{
	return bundle_manifest_parse(buf, len, arg, err, errsz);
}

/* rootfs.ext4 (sizes[0]), once seen, is as large as the manifest says. */
static int
sizes(void *arg, const uint64_t *size, char *err, size_t errsz)
{
	struct bundle_manifest	*m = arg;

	if (size[0] != 0 && size[0] != m->rootfs_size) {
		snprintf(err, errsz, "bad member: rootfs.ext4 is %" PRIu64
		    " bytes, its manifest says %" PRIu64, size[0],
		    m->rootfs_size);
		return -1;
	}
	return 0;
}

int
bundle_unpack_fd(int fd, const char *outdir, const char *name, char *err,
    size_t errsz)
{
	static const struct bundle_member members[] = {
		{ "rootfs.ext4", (int64_t)BUNDLE_ROOTFS_MAX, 1, 1 },
	};
	struct bundle_manifest	 m;
	struct bundle_spec	 s = {
		.members = members,
		.n = 1,
		.holds = "a bundle holds only manifest.json and rootfs.ext4",
		.manifest_max = BUNDLE_MANIFEST_MAX,
		.manifest = manifest,
		.sizes = sizes,
		.arg = &m,
		.got = m.name,
		.want = name,
	};
	int			 dfd = -1, rc;

	memset(&m, 0, sizeof(m));
	if (outdir != NULL && (dfd = open(outdir, O_PATH | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		snprintf(err, errsz, "%s: %s", outdir, strerror(errno));
		return -1;
	}
	rc = bundle_read_fd(fd, dfd, &s, err, errsz);
	if (dfd != -1)
		close(dfd);
	return rc;
}
