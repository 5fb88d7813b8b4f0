/*
 * banger-fetch bundle-kernel NAME KERNELDIR OUT (`banger kernel
 * bundle`): a kernel directory as a kernel bundle (kernel-bundle.c reads
 * them back), written by bundle-write.c.  Nothing a puller would refuse
 * is published: vmlinux and modules.cpio pass the same checks first.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "fetch.h"
#include "kernel.h"

#define KB_INFO_MAX	256	/* a kernel directory's info file */

/* KERNELDIR/info's "release R" line, checked. */
static int
kb_info_release(int dfd, char release[KERNEL_RELEASE_MAX + 1])
{
	char		 buf[KB_INFO_MAX + 1], *nl;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd;

	if ((fd = openat(dfd, "info", O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		status_error("info: %s", strerror(errno));
		return -1;
	}
	while (got < sizeof(buf) && (n = read(fd, buf + got,
	    sizeof(buf) - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (got > KB_INFO_MAX || got < 8 || memcmp(buf, "release ", 8) != 0 ||
	    (nl = memchr(buf, '\n', got)) == NULL ||
	    !kb_release_valid(buf + 8, (size_t)(nl - buf) - 8)) {
		status_error("info: not a kernel's (its first line is not "
		    "\"release R\", R of [A-Za-z0-9._+-])");
		return -1;
	}
	memcpy(release, buf + 8, (size_t)(nl - buf) - 8);
	release[nl - buf - 8] = '\0';
	return 0;
}

/* A kernel directory's file, a regular one of at most max bytes. */
static int
kb_open(int dfd, const char *name, int64_t max, int optional, off_t *size)
{
	struct stat	 st;
	int		 fd;

	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		if (optional && errno == ENOENT)
			return -2;
		status_error("%s: %s", name, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size < 1 ||
	    st.st_size > max) {
		status_error("%s is not a regular file of 1 byte to %lld MiB",
		    name, (long long)(max >> 20));
		close(fd);
		return -1;
	}
	*size = st.st_size;
	return fd;
}

static int
kb_bundle(const char *name, const char *kdir, const char *outpath)
{
	struct bundle_out	 o = { .fd = -1 };
	char			 release[KERNEL_RELEASE_MAX + 1];
	char			 elfrel[KERNEL_RELEASE_MAX + 1];
	char			 man[256], why[512];
	off_t			 vsize = 0, msize = 0;
	unsigned		 count = 0;
	int			 dfd, vfd = -1, mfd = -1, r, rc = -1;

	if ((dfd = open(kdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		status_error("%s: %s", kdir, strerror(errno));
		return -1;
	}
	if (kb_info_release(dfd, release) == -1 ||
	    (vfd = kb_open(dfd, "vmlinux", KERNEL_VMLINUX_MAX, 0, &vsize)) ==
	    -1 || (mfd = kb_open(dfd, "modules.cpio", KERNEL_MODULES_CPIO_MAX,
	    1, &msize)) == -1)
		goto out;
	if (mfd == -2)
		mfd = -1;
	/* What a puller will refuse is not published. */
	elfrel[0] = '\0';
	if (kernel_elf_check(vfd, elfrel, why, sizeof(why)) == -1) {
		status_error("vmlinux: %s", why);
		goto out;
	}
	if (elfrel[0] != '\0' && strcmp(elfrel, release) != 0) {
		status_error("vmlinux is release %s, info says %s", elfrel,
		    release);
		goto out;
	}
	if (mfd != -1 && kernel_modules_check(mfd, release, &count, why,
	    sizeof(why)) == -1) {
		status_error("modules.cpio: %s", why);
		goto out;
	}
	if (bundle_out_open(&o, outpath) == -1)
		goto out;
	status_progress("bundling kernel %s (release %s, %u modules)", name,
	    release, count);
	r = snprintf(man, sizeof(man), "{\"name\": \"%s\", \"release\": "
	    "\"%s\", \"created\": %lld}\n", name, release,
	    (long long)time(NULL));
	if (bundle_out_bytes(&o, "manifest.json", man, (size_t)r) == -1 ||
	    bundle_out_file(&o, "vmlinux", "vmlinux", vfd, vsize, time(NULL),
	    0) == -1 || (mfd != -1 && bundle_out_file(&o, "modules.cpio",
	    "modules.cpio", mfd, msize, time(NULL), 0) == -1) ||
	    bundle_out_close(&o) == -1)
		goto out;
	rc = 0;
out:
	bundle_out_free(&o, rc);
	if (mfd != -1)
		close(mfd);
	if (vfd != -1)
		close(vfd);
	close(dfd);
	return rc;
}

int
bundle_kernel_main(int argc, char **argv)
{
	return bundle_job_main(argc, argv, "bundle-kernel", "KERNELDIR",
	    kb_bundle);
}
