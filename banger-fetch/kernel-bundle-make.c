/*
 * banger-fetch bundle-kernel NAME KERNELDIR OUT (`banger kernel
 * bundle`): a kernel directory as a kernel bundle (kernel-bundle.c reads
 * them back).  Nothing a puller would refuse is published: vmlinux and
 * modules.cpio pass the same checks first.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "catalog.h"
#include "fetch.h"
#include "kernel.h"
#include "valid.h"

#define KB_CHUNK	(1 << 20)
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

/* The new member name: fd's size bytes, which must still be there. */
static int
kb_add(struct archive *a, struct archive_entry *e, const char *name, int fd,
    off_t size, char *buf)
{
	off_t	 off = 0;
	ssize_t	 n;
	size_t	 want;

	archive_entry_clear(e);
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, size);
	archive_entry_set_mtime(e, time(NULL), 0);
	if (archive_write_header(a, e) != ARCHIVE_OK) {
		status_error("%s: %s", name, archive_error_string(a));
		return -1;
	}
	while (off < size) {
		want = size - off < KB_CHUNK ? (size_t)(size - off) : KB_CHUNK;
		if ((n = pread(fd, buf, want, off)) != (ssize_t)want) {
			status_error("%s: %s", name, n == -1 ? strerror(errno) :
			    "changed while being read");
			return -1;
		}
		if (archive_write_data(a, buf, want) != (la_ssize_t)want) {
			status_error("%s: %s", name, archive_error_string(a));
			return -1;
		}
		off += (off_t)want;
	}
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

/* OUT's sha256, read back from the file that is linked. */
static int
kb_sha256(int fd, char *buf, char hex[65])
{
	EVP_MD_CTX	*md;
	unsigned char	 d[32];
	off_t		 off = 0;
	ssize_t		 n;
	int		 i;

	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return -1;
	}
	while ((n = pread(fd, buf, KB_CHUNK, off)) > 0) {
		(void)EVP_DigestUpdate(md, buf, (size_t)n);
		off += n;
	}
	(void)EVP_DigestFinal_ex(md, d, NULL);
	EVP_MD_CTX_free(md);
	if (n == -1)
		return -1;
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return 0;
}

static int
kb_bundle(const char *name, const char *kdir, const char *outpath)
{
	struct archive		*a = NULL;
	struct archive_entry	*e = NULL;
	struct stat		 st;
	char			 release[KERNEL_RELEASE_MAX + 1];
	char			 elfrel[KERNEL_RELEASE_MAX + 1];
	char			 dir[PATH_MAX], fdpath[64], man[256], hex[65];
	char			 why[512], *buf = NULL;
	off_t			 vsize = 0, msize = 0;
	unsigned		 count = 0;
	int			 dfd, vfd = -1, mfd = -1, out = -1, linked = 0;
	int			 r, rc = -1;

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
	/* Made unnamed in OUT's directory, linked to OUT only when whole. */
	if (lstat(outpath, &st) == 0) {
		status_error("%s: exists", outpath);
		goto out;
	}
	if (errno != ENOENT) {
		status_error("%s: %s", outpath, strerror(errno));
		goto out;
	}
	snprintf(dir, sizeof(dir), "%s", outpath);
	if ((out = open(dirname(dir), O_RDWR | O_TMPFILE | O_CLOEXEC, 0644)) ==
	    -1) {
		status_error("%s: %s", outpath, strerror(errno));
		goto out;
	}
	if ((buf = malloc(KB_CHUNK)) == NULL || (a = archive_write_new()) ==
	    NULL || (e = archive_entry_new()) == NULL) {
		status_error("out of memory");
		goto out;
	}
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_zstd(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(a, out) != ARCHIVE_OK) {
		status_error("libarchive: %s", archive_error_string(a));
		goto out;
	}
	status_progress("bundling kernel %s (release %s, %u modules)", name,
	    release, count);
	r = snprintf(man, sizeof(man), "{\"name\": \"%s\", \"release\": "
	    "\"%s\", \"created\": %lld}\n", name, release,
	    (long long)time(NULL));
	archive_entry_set_pathname(e, "manifest.json");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, r);
	archive_entry_set_mtime(e, time(NULL), 0);
	if (archive_write_header(a, e) != ARCHIVE_OK ||
	    archive_write_data(a, man, (size_t)r) != r) {
		status_error("%s: %s", outpath, archive_error_string(a));
		goto out;
	}
	if (kb_add(a, e, "vmlinux", vfd, vsize, buf) == -1 ||
	    (mfd != -1 && kb_add(a, e, "modules.cpio", mfd, msize, buf) ==
	    -1))
		goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		status_error("%s: %s", outpath, archive_error_string(a));
		goto out;
	}
	if (fstat(out, &st) == -1 || kb_sha256(out, buf, hex) == -1) {
		status_error("%s: %s", outpath, strerror(errno));
		goto out;
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", out);
	if (fsync(out) == -1 || linkat(AT_FDCWD, fdpath, AT_FDCWD, outpath,
	    AT_SYMLINK_FOLLOW) == -1) {
		status_error("%s: %s", outpath, strerror(errno));
		goto out;
	}
	linked = 1;
	r = close(out);
	out = -1;
	if (r == -1) {
		status_error("%s: %s", outpath, strerror(errno));
		goto out;
	}
	status_progress("bundle %s size %" PRIu64 " sha256 %s", outpath,
	    (uint64_t)st.st_size, hex);
	rc = 0;
out:
	/* Only a linked bundle has a name to remove. */
	if (rc == -1 && linked)
		(void)unlink(outpath);
	if (a != NULL)
		archive_write_free(a);
	archive_entry_free(e);
	free(buf);
	if (out != -1)
		close(out);
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
	char	 dir[PATH_MAX], err[256];

	if (argc != 4) {
		status_error("bundle-kernel: wrong arguments");
		fprintf(stderr, "usage: banger-fetch bundle-kernel NAME "
		    "KERNELDIR OUT\n");
		return 2;
	}
	if (!valid_vm_name(argv[1]) ||
	    !valid_abs_path(argv[2], PATH_MAX) ||
	    !valid_abs_path(argv[3], PATH_MAX)) {
		status_error("bundle-kernel: a bad name or a path that is not "
		    "absolute and normalised");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s", argv[3]);
	if (sandbox_fetch(dirname(dir), err, sizeof(err)) == -1) {
		status_error("sandbox: %s", err);
		return 1;
	}
	return kb_bundle(argv[1], argv[2], argv[3]) == 0 ? 0 : 1;
}
