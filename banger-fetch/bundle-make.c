/*
 * banger-fetch bundle-image NAME IMAGEDIR OUT (`banger image bundle`): a
 * local image's root file system as a catalog bundle, tar (pax) + zstd
 * of manifest.json and rootfs.ext4, the file's holes kept as a sparse
 * member, written by bundle-write.c.  OUT is a new file; its size and
 * sha256, what a catalog entry needs, end the job's progress.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "catalog.h"
#include "fetch.h"

static int
bundle(const char *name, const char *imagedir, const char *outpath)
{
	struct bundle_out	 o = { .fd = -1 };
	struct stat		 st;
	char			 path[PATH_MAX], man[256];
	int			 in, r, rc = -1;

	snprintf(path, sizeof(path), "%s/rootfs.ext4", imagedir);
	if ((in = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) ==
	    -1 || fstat(in, &st) == -1) {
		status_error("%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 1 ||
	    (uint64_t)st.st_size > BUNDLE_ROOTFS_MAX) {
		status_error("%s is not a regular file of 1 byte to 256 GiB",
		    path);
		goto out;
	}
	if (bundle_out_open(&o, outpath) == -1)
		goto out;
	r = snprintf(man, sizeof(man), "{\"name\": \"%s\", \"created\": %lld, "
	    "\"rootfs_size\": %lld}\n", name, (long long)time(NULL),
	    (long long)st.st_size);
	if (bundle_out_bytes(&o, "manifest.json", man, (size_t)r) == -1)
		goto out;
	status_progress("bundling %s (%lld MiB)", path,
	    (long long)(st.st_size >> 20));
	if (bundle_out_file(&o, "rootfs.ext4", path, in, st.st_size,
	    st.st_mtime, BUNDLE_SPARSE | BUNDLE_PROGRESS) == -1 ||
	    bundle_out_close(&o) == -1)
		goto out;
	rc = 0;
out:
	bundle_out_free(&o, rc);
	if (in != -1)
		close(in);
	return rc;
}

int
bundle_image_main(int argc, char **argv)
{
	return bundle_job_main(argc, argv, "bundle-image", "IMAGEDIR", bundle);
}
