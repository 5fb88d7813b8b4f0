/*
 * banger-fetch bundle-image NAME IMAGEDIR OUT (`banger image bundle`): a
 * local image's root file system as a catalog bundle, tar (pax) + zstd
 * of manifest.json and rootfs.ext4, the file's holes kept as a sparse
 * member.  OUT is a new file; its size and sha256, what a catalog entry
 * needs, end the job's progress.
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
#include <openssl/evp.h>

#include "catalog.h"
#include "fdutil.h"
#include "fetch.h"
#include "valid.h"

#define CHUNK	(1 << 20)

struct out {
	int		 fd;
	uint64_t	 bytes;
	EVP_MD_CTX	*md;
};

static la_ssize_t
out_write(struct archive *a, void *arg, const void *buf, size_t len)
{
	struct out	*o = arg;

	if (write_all(o->fd, buf, len) != (ssize_t)len) {
		archive_set_error(a, errno, "%s", strerror(errno));
		return -1;
	}
	(void)EVP_DigestUpdate(o->md, buf, len);
	o->bytes += len;
	return (la_ssize_t)len;
}

/* Each data extent of fd (SEEK_DATA/SEEK_HOLE) as a sparse entry. */
static int
add_extents(int fd, off_t size, struct archive_entry *e, int *holes)
{
	off_t	 data = 0, hole;

	*holes = 0;
	while (data < size) {
		if ((data = lseek(fd, data, SEEK_DATA)) == -1) {
			if (errno != ENXIO)
				return -1;
			break;
		}
		if ((hole = lseek(fd, data, SEEK_HOLE)) == -1)
			return -1;
		if (hole > size)
			hole = size;
		if (data > 0 || hole < size)
			*holes = 1;
		archive_entry_sparse_add_entry(e, data, hole - data);
		data = hole;
	}
	if (archive_entry_sparse_count(e) == 0)
		*holes = 1;
	if (!*holes)
		archive_entry_sparse_clear(e);
	return 0;
}

/*
 * The file's bytes, holes as zeros: libarchive's pax writer skips what a
 * sparse entry marks as a hole, so only data reaches the archive.
 */
static int
write_data(struct archive *a, int fd, off_t size, char *buf)
{
	off_t	 off = 0, data, hole;
	ssize_t	 n;
	size_t	 want;
	int	 tenth = 0;

	while (off < size) {
		if ((data = lseek(fd, off, SEEK_DATA)) == -1) {
			if (errno != ENXIO)
				return -1;
			data = size;
		}
		if (data > size)
			data = size;
		if ((hole = data < size ? lseek(fd, data, SEEK_HOLE) : size) ==
		    -1)
			return -1;
		if (hole > size)
			hole = size;
		memset(buf, 0, CHUNK);
		while (off < data) {
			want = data - off < CHUNK ? (size_t)(data - off) :
			    CHUNK;
			if (archive_write_data(a, buf, want) != (la_ssize_t)want)
				return -2;
			off += want;
		}
		while (off < hole) {
			want = hole - off < CHUNK ? (size_t)(hole - off) :
			    CHUNK;
			if ((n = pread(fd, buf, want, off)) != (ssize_t)want) {
				errno = n == -1 ? errno : EIO;
				return -1;
			}
			if (archive_write_data(a, buf, want) != (la_ssize_t)want)
				return -2;
			off += want;
		}
		if (off * 10 / size > tenth) {
			tenth = (int)(off * 10 / size);
			status_progress("bundling rootfs.ext4: %d%%", tenth * 10);
		}
	}
	return 0;
}

static int
bundle(const char *name, const char *imagedir, const char *outpath)
{
	struct archive		*a = NULL;
	struct archive_entry	*e = NULL;
	struct stat		 st;
	struct out		 o;
	unsigned char		 md[32];
	char			 path[PATH_MAX], man[256], hex[65], *buf = NULL;
	char			 dir[PATH_MAX], fdpath[64];
	int			 in, holes, r, rc = -1, i;

	memset(&o, 0, sizeof(o));
	o.fd = -1;
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
	/*
	 * Written unnamed in OUT's directory and linked to OUT only when
	 * whole: a job killed midway leaves no bundle that looks finished.
	 */
	snprintf(dir, sizeof(dir), "%s", outpath);
	if (access(outpath, F_OK) == 0 || errno != ENOENT) {
		status_error("%s: %s", outpath, access(outpath, F_OK) == 0 ?
		    "exists" : strerror(errno));
		goto out;
	}
	if ((o.fd = open(dirname(dir), O_WRONLY | O_TMPFILE | O_CLOEXEC,
	    0644)) == -1) {
		status_error("%s: %s", outpath, strerror(errno));
		goto out;
	}
	if ((buf = malloc(CHUNK)) == NULL || (o.md = EVP_MD_CTX_new()) ==
	    NULL || EVP_DigestInit_ex(o.md, EVP_sha256(), NULL) != 1 ||
	    (a = archive_write_new()) == NULL || (e = archive_entry_new()) ==
	    NULL) {
		status_error("out of memory");
		goto fail;
	}
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_zstd(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open2(a, &o, NULL, out_write, NULL, NULL) !=
	    ARCHIVE_OK) {
		status_error("libarchive: %s", archive_error_string(a));
		goto fail;
	}
	r = snprintf(man, sizeof(man), "{\"name\": \"%s\", \"created\": %lld, "
	    "\"rootfs_size\": %lld}\n", name, (long long)time(NULL),
	    (long long)st.st_size);
	archive_entry_set_pathname(e, "manifest.json");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, r);
	archive_entry_set_mtime(e, time(NULL), 0);
	if (archive_write_header(a, e) != ARCHIVE_OK ||
	    archive_write_data(a, man, (size_t)r) != r) {
		status_error("%s: %s", outpath, archive_error_string(a));
		goto fail;
	}
	archive_entry_clear(e);
	archive_entry_set_pathname(e, "rootfs.ext4");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, st.st_size);
	archive_entry_set_mtime(e, st.st_mtime, 0);
	if (add_extents(in, st.st_size, e, &holes) == -1) {
		status_error("%s: %s", path, strerror(errno));
		goto fail;
	}
	status_progress("bundling %s (%lld MiB)", path,
	    (long long)(st.st_size >> 20));
	if (archive_write_header(a, e) != ARCHIVE_OK) {
		status_error("%s: %s", outpath, archive_error_string(a));
		goto fail;
	}
	if ((r = write_data(a, in, st.st_size, buf)) != 0) {
		status_error("%s: %s", r == -1 ? path : outpath, r == -1 ?
		    strerror(errno) : archive_error_string(a));
		goto fail;
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		status_error("%s: %s", outpath, archive_error_string(a));
		goto fail;
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", o.fd);
	if (fsync(o.fd) == -1 || linkat(AT_FDCWD, fdpath, AT_FDCWD, outpath,
	    AT_SYMLINK_FOLLOW) == -1) {
		status_error("%s: %s", outpath, strerror(errno));
		goto out;
	}
	if (close(o.fd) == -1) {
		o.fd = -1;
		status_error("%s: %s", outpath, strerror(errno));
		goto fail;
	}
	o.fd = -1;
	(void)EVP_DigestFinal_ex(o.md, md, NULL);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	status_progress("bundle %s size %" PRIu64 " sha256 %s", outpath,
	    o.bytes, hex);
	rc = 0;
	goto out;
fail:
	/* Only a linked bundle has a name to remove. */
	if (o.fd == -1)
		(void)unlink(outpath);
out:
	if (a != NULL)
		archive_write_free(a);
	archive_entry_free(e);
	EVP_MD_CTX_free(o.md);
	free(buf);
	if (o.fd != -1)
		close(o.fd);
	if (in != -1)
		close(in);
	return rc;
}

int
bundle_image_main(int argc, char **argv)
{
	char	 dir[PATH_MAX], err[256];

	if (argc != 4) {
		status_error("bundle-image: wrong arguments");
		fprintf(stderr, "usage: banger-fetch bundle-image NAME IMAGEDIR "
		    "OUT\n");
		return 2;
	}
	if (!valid_vm_name(argv[1]) ||
	    !valid_abs_path(argv[2], PATH_MAX) ||
	    !valid_abs_path(argv[3], PATH_MAX)) {
		status_error("bundle-image: a bad name or a path that is not "
		    "absolute and normalised");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s", argv[3]);
	if (sandbox_fetch(dirname(dir), err, sizeof(err)) == -1) {
		status_error("sandbox: %s", err);
		return 1;
	}
	return bundle(argv[1], argv[2], argv[3]) == 0 ? 0 : 1;
}
