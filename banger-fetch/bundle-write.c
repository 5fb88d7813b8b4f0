/*
 * The writer image bundles (bundle-make.c) and kernel bundles
 * (kernel-bundle-make.c) share: tar (pax) + zstd, made unnamed in the
 * output's directory and linked to its name only when whole, so that a
 * job killed midway leaves no bundle that looks finished.  Its size and
 * sha256, what a catalog entry needs, are read back from the file that
 * is linked and end the job's progress.
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

#include "bundle.h"
#include "fetch.h"
#include "valid.h"

int
bundle_out_open(struct bundle_out *o, const char *path)
{
	struct stat	 st;
	char		 dir[PATH_MAX];

	memset(o, 0, sizeof(*o));
	o->path = path;
	o->fd = -1;
	if (lstat(path, &st) == 0) {
		status_error("%s: exists", path);
		return -1;
	}
	if (errno != ENOENT) {
		status_error("%s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((o->fd = open(dirname(dir), O_RDWR | O_TMPFILE | O_CLOEXEC,
	    0644)) == -1) {
		status_error("%s: %s", path, strerror(errno));
		return -1;
	}
	if ((o->buf = malloc(BUNDLE_CHUNK)) == NULL ||
	    (o->a = archive_write_new()) == NULL ||
	    (o->e = archive_entry_new()) == NULL) {
		status_error("out of memory");
		return -1;
	}
	if (archive_write_set_format_pax_restricted(o->a) != ARCHIVE_OK ||
	    archive_write_add_filter_zstd(o->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(o->a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(o->a, o->fd) != ARCHIVE_OK) {
		status_error("libarchive: %s", archive_error_string(o->a));
		return -1;
	}
	return 0;
}

static void
entry(struct bundle_out *o, const char *name, off_t size, time_t mtime)
{
	archive_entry_clear(o->e);
	archive_entry_set_pathname(o->e, name);
	archive_entry_set_filetype(o->e, AE_IFREG);
	archive_entry_set_perm(o->e, 0644);
	archive_entry_set_size(o->e, size);
	archive_entry_set_mtime(o->e, mtime, 0);
}

int
bundle_out_bytes(struct bundle_out *o, const char *name, const char *buf,
    size_t len)
{
	entry(o, name, (off_t)len, time(NULL));
	if (archive_write_header(o->a, o->e) != ARCHIVE_OK ||
	    archive_write_data(o->a, buf, len) != (la_ssize_t)len) {
		status_error("%s: %s", o->path, archive_error_string(o->a));
		return -1;
	}
	return 0;
}

/* Each data extent of fd (SEEK_DATA/SEEK_HOLE) as a sparse entry. */
static int
add_extents(int fd, off_t size, struct archive_entry *e)
{
	off_t	 data = 0, hole;
	int	 holes = 0;

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
			holes = 1;
		archive_entry_sparse_add_entry(e, data, hole - data);
		data = hole;
	}
	if (archive_entry_sparse_count(e) == 0)
		holes = 1;
	if (!holes)
		archive_entry_sparse_clear(e);
	return 0;
}

/*
 * The file's bytes, holes as zeros: libarchive's pax writer skips what a
 * sparse entry marks as a hole, so only data reaches the archive.
 * -1 (errno) when fd fails or changed, -2 when the archive does.
 */
static int
write_data(struct bundle_out *o, const char *name, int fd, off_t size,
    int progress)
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
		memset(o->buf, 0, BUNDLE_CHUNK);
		while (off < data) {
			want = data - off < BUNDLE_CHUNK ?
			    (size_t)(data - off) : BUNDLE_CHUNK;
			if (archive_write_data(o->a, o->buf, want) !=
			    (la_ssize_t)want)
				return -2;
			off += (off_t)want;
		}
		while (off < hole) {
			want = hole - off < BUNDLE_CHUNK ?
			    (size_t)(hole - off) : BUNDLE_CHUNK;
			if ((n = pread(fd, o->buf, want, off)) !=
			    (ssize_t)want) {
				errno = n == -1 ? errno : EIO;
				return -1;
			}
			if (archive_write_data(o->a, o->buf, want) !=
			    (la_ssize_t)want)
				return -2;
			off += (off_t)want;
		}
		if (progress && off * 10 / size > tenth) {
			tenth = (int)(off * 10 / size);
			status_progress("bundling %s: %d%%", name, tenth * 10);
		}
	}
	return 0;
}

int
bundle_out_file(struct bundle_out *o, const char *name, const char *label,
    int fd, off_t size, time_t mtime, int flags)
{
	int	 r;

	entry(o, name, size, mtime);
	if ((flags & BUNDLE_SPARSE) && add_extents(fd, size, o->e) == -1) {
		status_error("%s: %s", label, strerror(errno));
		return -1;
	}
	if (archive_write_header(o->a, o->e) != ARCHIVE_OK) {
		status_error("%s: %s", o->path, archive_error_string(o->a));
		return -1;
	}
	if ((r = write_data(o, name, fd, size, flags & BUNDLE_PROGRESS)) !=
	    0) {
		status_error("%s: %s", r == -1 ? label : o->path, r == -1 ?
		    strerror(errno) : archive_error_string(o->a));
		return -1;
	}
	return 0;
}

/* The file's sha256, read back from the start. */
static int
sha256(int fd, char *buf, char hex[65])
{
	EVP_MD_CTX	*md;
	unsigned char	 d[32];
	off_t		 off = 0;
	ssize_t		 n;
	int		 i;

	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		errno = ENOMEM;
		return -1;
	}
	while ((n = pread(fd, buf, BUNDLE_CHUNK, off)) > 0) {
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

int
bundle_out_close(struct bundle_out *o)
{
	struct stat	 st;
	char		 fdpath[64], hex[65];
	int		 r;

	if (archive_write_close(o->a) != ARCHIVE_OK) {
		status_error("%s: %s", o->path, archive_error_string(o->a));
		return -1;
	}
	if (fstat(o->fd, &st) == -1 || sha256(o->fd, o->buf, hex) == -1) {
		status_error("%s: %s", o->path, strerror(errno));
		return -1;
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", o->fd);
	if (fsync(o->fd) == -1 || linkat(AT_FDCWD, fdpath, AT_FDCWD, o->path,
	    AT_SYMLINK_FOLLOW) == -1) {
		status_error("%s: %s", o->path, strerror(errno));
		return -1;
	}
	o->linked = 1;
	r = close(o->fd);
	o->fd = -1;
	if (r == -1) {
		status_error("%s: %s", o->path, strerror(errno));
		return -1;
	}
	status_progress("bundle %s size %" PRIu64 " sha256 %s", o->path,
	    (uint64_t)st.st_size, hex);
	return 0;
}

void
bundle_out_free(struct bundle_out *o, int rc)
{
	/* Only a linked bundle has a name to remove. */
	if (rc == -1 && o->linked)
		(void)unlink(o->path);
	if (o->a != NULL)
		archive_write_free(o->a);
	archive_entry_free(o->e);
	free(o->buf);
	if (o->fd != -1)
		close(o->fd);
	memset(o, 0, sizeof(*o));
	o->fd = -1;
}

int
bundle_job_main(int argc, char **argv, const char *job, const char *dirarg,
    int (*make)(const char *, const char *, const char *))
{
	char	 dir[PATH_MAX], err[256];

	if (argc != 4) {
		status_error("%s: wrong arguments", job);
		fprintf(stderr, "usage: banger-fetch %s NAME %s OUT\n", job,
		    dirarg);
		return 2;
	}
	if (!valid_vm_name(argv[1]) ||
	    !valid_abs_path(argv[2], PATH_MAX) ||
	    !valid_abs_path(argv[3], PATH_MAX)) {
		status_error("%s: a bad name or a path that is not absolute "
		    "and normalised", job);
		return 2;
	}
	/* The job may write only in OUT's directory. */
	snprintf(dir, sizeof(dir), "%s", argv[3]);
	if (sandbox_fetch(dirname(dir), err, sizeof(err)) == -1) {
		status_error("sandbox: %s", err);
		return 1;
	}
	return make(argv[1], argv[2], argv[3]) == 0 ? 0 : 1;
}
