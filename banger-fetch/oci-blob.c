/*
 * Blobs cached by digest: CACHE/blobs/sha256/HEX.  A blob streams into
 * HEX.partial (locked, so two pulls of one blob take turns), hashed as it
 * comes; an interrupted download resumes with a Range request when the
 * registry honours it, and starts over cleanly when it answers 200.  Only
 * bytes of the right size and sha256 are renamed to HEX, and a cached HEX
 * is hashed again before it is used.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fdutil.h"
#include "fetch.h"
#include "oci-http.h"

#define PROGRESS_SECS	3

struct blob {
	const struct oci_desc	*d;
	int			 fd;
	uint64_t		 off;	/* bytes in the file and the hash */
	uint64_t		 resumed;	/* where this request began */
	EVP_MD_CTX		*md;
	int			 started;
	unsigned		 step;	/* tenths reported */
	struct timespec		 last;
};

static int
mkdirs(const char *path, char *err, size_t errsz)
{
	char	 p[PATH_MAX];
	char	*s;
	int	 end;

	if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p)) {
		snprintf(err, errsz, "%s: path too long", path);
		return -1;
	}
	for (s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		end = *s == '\0';
		*s = '\0';
		if (mkdir(p, 0700) == -1 && errno != EEXIST) {
			snprintf(err, errsz, "%s: %s", p, strerror(errno));
			return -1;
		}
		if (end)
			return 0;
		*s = '/';
	}
}

static int
pwrite_all(int fd, const char *p, size_t n, off_t off)
{
	ssize_t	 w;

	while (n > 0) {
		w = pwrite(fd, p, n, off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

/* Hash fd's first n bytes into md. */
static int
hash_fd(int fd, uint64_t n, EVP_MD_CTX *md)
{
	char		 buf[65536];
	uint64_t	 off = 0;
	ssize_t		 r;

	while (off < n) {
		r = pread(fd, buf, n - off < sizeof(buf) ? n - off :
		    sizeof(buf), (off_t)off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (EVP_DigestUpdate(md, buf, (size_t)r) != 1)
			return -1;
		off += (uint64_t)r;
	}
	return 0;
}

static int
digest_end(EVP_MD_CTX *md, char *out)
{
	unsigned char	 v[EVP_MAX_MD_SIZE];
	unsigned	 n;

	if (EVP_DigestFinal_ex(md, v, &n) != 1 || n != 32)
		return -1;
	oci_digest_fmt(v, out);
	return 0;
}

/*
 * 1 when path holds exactly d's bytes, its descriptor (at offset 0) in
 * *fdp when fdp is not NULL: what was hashed is what the caller reads,
 * whatever happens to the name meanwhile.  Else 0 (-1 on an I/O error).
 */
static int
cached(const char *path, const struct oci_desc *d, int *fdp)
{
	struct stat	 st;
	EVP_MD_CTX	*md;
	char		 got[OCI_DIGEST_MAX];
	int		 fd, ok = 0;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size == d->size && (md = EVP_MD_CTX_new()) !=
	    NULL) {
		if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
		    hash_fd(fd, d->size, md) == 0 && digest_end(md, got) == 0)
			ok = strcmp(got, d->digest) == 0;
		EVP_MD_CTX_free(md);
	}
	if (ok && fdp != NULL && lseek(fd, 0, SEEK_SET) == 0) {
		*fdp = fd;
		return 1;
	}
	close(fd);
	return ok;
}

static void
progress(struct blob *b, int force)
{
	struct timespec	 now;
	unsigned	 step;

	clock_gettime(CLOCK_MONOTONIC, &now);
	step = b->d->size > 0 ? (unsigned)(b->off * 10 / b->d->size) : 10;
	if (!force && step == b->step && now.tv_sec - b->last.tv_sec <
	    PROGRESS_SECS)
		return;
	b->step = step;
	b->last = now;
	status_progress("fetching %.19s: %.1f of %.1f MB (%u%%)",
	    b->d->digest, b->off / 1e6, b->d->size / 1e6,
	    b->d->size > 0 ? (unsigned)(b->off * 100 / b->d->size) : 100);
}

static int
blob_sink(struct oci_req *req, const char *p, size_t n)
{
	struct blob	*b = req->arg;
	unsigned long long start;

	if (!b->started) {
		b->started = 1;
		if (req->status == 206) {
			if (sscanf(req->crange, "bytes %llu-", &start) != 1 ||
			    start != b->off) {
				snprintf(req->why, sizeof(req->why), "the "
				    "registry resumed %s at the wrong place "
				    "(%.60s)", b->d->digest, req->crange);
				return -1;
			}
		} else if (b->off > 0) {
			/* The whole blob again: start over. */
			if (ftruncate(b->fd, 0) == -1 ||
			    EVP_DigestInit_ex(b->md, EVP_sha256(), NULL) != 1) {
				snprintf(req->why, sizeof(req->why), "cannot "
				    "restart %s: %s", b->d->digest,
				    strerror(errno));
				return -1;
			}
			b->off = 0;
		}
	}
	if (n > b->d->size - b->off) {
		snprintf(req->why, sizeof(req->why), "the registry sent more "
		    "of %s than its %llu bytes", b->d->digest,
		    (unsigned long long)b->d->size);
		return -1;
	}
	if (pwrite_all(b->fd, p, n, (off_t)b->off) == -1 ||
	    EVP_DigestUpdate(b->md, p, n) != 1) {
		snprintf(req->why, sizeof(req->why), "writing %s: %s",
		    b->d->digest, strerror(errno));
		return -1;
	}
	b->off += n;
	progress(b, 0);
	return 0;
}

/* The locked partial file, the one at its path. */
static int
open_partial(const char *path, char *err, size_t errsz)
{
	struct stat	 a, b;
	int		 fd, i;

	for (i = 0; i < 8; i++) {
		fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		    0600);
		if (fd == -1)
			break;
		if (flock(fd, LOCK_EX) == -1 || fstat(fd, &a) == -1) {
			close(fd);
			break;
		}
		/* Another pull may have renamed or removed it meanwhile. */
		if (stat(path, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino && S_ISREG(a.st_mode))
			return fd;
		close(fd);
	}
	snprintf(err, errsz, "%s: %s", path, strerror(errno));
	return -1;
}

static int
download(struct oci_reg *reg, struct blob *b, char *err, size_t errsz)
{
	struct oci_req	 req;
	char		*url;
	int		 rc = -1, again = 0;

	if (asprintf(&url, "%s/v2/%s/blobs/%s", reg->base, reg->ref.repo,
	    b->d->digest) == -1) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
retry:
	memset(&req, 0, sizeof(req));
	req.url = url;
	req.from = b->off;
	req.max = b->d->size;
	req.sink = blob_sink;
	req.arg = b;
	b->started = 0;
	b->resumed = b->off;
	if (oci_http_get(reg, &req, err, errsz) == -1)
		goto out;
	if (req.status == 416 && b->off > 0 && !again++) {
		/* What we kept is no prefix the registry knows: restart. */
		if (ftruncate(b->fd, 0) == -1 ||
		    EVP_DigestInit_ex(b->md, EVP_sha256(), NULL) != 1) {
			snprintf(err, errsz, "%s", strerror(errno));
			goto out;
		}
		b->off = 0;
		goto retry;
	}
	if (req.status != 200 && req.status != 206) {
		snprintf(err, errsz, "%s answered HTTP %ld for the blob %s",
		    reg->ref.host, req.status, b->d->digest);
		goto out;
	}
	rc = 0;
out:
	free(url);
	return rc;
}

int
oci_reg_blob(struct oci_reg *reg, const struct oci_desc *d,
    const char *cachedir, char *path, size_t pathsz, int *fdp, char *err,
    size_t errsz)
{
	struct blob	 b;
	struct stat	 st;
	char		 dir[PATH_MAX], part[PATH_MAX], got[OCI_DIGEST_MAX];
	int		 r, rc = -1;

	memset(&b, 0, sizeof(b));
	got[0] = '\0';
	b.fd = -1;
	b.d = d;
	if (!oci_digest_valid(d->digest)) {
		snprintf(err, errsz, "not a sha256 digest");
		return -1;
	}
	if (snprintf(dir, sizeof(dir), "%s/blobs/sha256", cachedir) >=
	    (int)sizeof(dir) || snprintf(path, pathsz, "%s/%s", dir,
	    d->digest + 7) >= (int)pathsz || snprintf(part, sizeof(part),
	    "%s.partial", path) >= (int)sizeof(part)) {
		snprintf(err, errsz, "%s: path too long", cachedir);
		return -1;
	}
	if (mkdirs(dir, err, errsz) == -1)
		return -1;
	if (fdp != NULL)
		*fdp = -1;
	if ((r = cached(path, d, fdp)) == 1)
		return 0;
	if (r == -1 || access(path, F_OK) == 0) {
		status_progress("cached %.19s is damaged: fetching it again",
		    d->digest);
		if (unlink(path) == -1 && errno != ENOENT) {
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
			return -1;
		}
	}
	if ((b.fd = open_partial(part, err, errsz)) == -1)
		return -1;
	/* Another pull may have finished it while we waited for the lock. */
	if (cached(path, d, fdp) == 1) {
		(void)unlink(part);
		close(b.fd);
		return 0;
	}
	if ((b.md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(b.md, EVP_sha256(), NULL) != 1 ||
	    fstat(b.fd, &st) == -1) {
		snprintf(err, errsz, "cannot hash %s", d->digest);
		goto out;
	}
	b.off = (uint64_t)st.st_size;
	if (b.off > d->size || hash_fd(b.fd, b.off, b.md) == -1) {
		if (ftruncate(b.fd, 0) == -1 ||
		    EVP_DigestInit_ex(b.md, EVP_sha256(), NULL) != 1) {
			snprintf(err, errsz, "%s: %s", part, strerror(errno));
			goto out;
		}
		b.off = 0;
	}
	if (b.off > 0)
		status_progress("resuming %.19s at %.1f of %.1f MB",
		    d->digest, b.off / 1e6, d->size / 1e6);
	if (b.off < d->size && download(reg, &b, err, errsz) == -1) {
		if (b.off > 0 && strlen(err) + 64 < errsz)
			snprintf(err + strlen(err), errsz - strlen(err), " (the "
			    "%llu bytes received are kept to resume)",
			    (unsigned long long)b.off);
		goto out;
	}
	if (b.off != d->size) {
		snprintf(err, errsz, "the registry sent %llu of the %llu bytes "
		    "of %s (kept to resume)", (unsigned long long)b.off,
		    (unsigned long long)d->size, d->digest);
		goto out;
	}
	progress(&b, 0);
	if (digest_end(b.md, got) == -1 || strcmp(got, d->digest) != 0) {
		snprintf(err, errsz, "the blob the registry sent as %s is %s",
		    d->digest, got[0] != '\0' ? got : "not hashable");
		(void)unlink(part);
		goto out;
	}
	if (fsync(b.fd) == -1 || rename(part, path) == -1 ||
	    lseek(b.fd, 0, SEEK_SET) != 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto out;
	}
	/* The file just hashed, renamed: the caller reads this one. */
	if (fdp != NULL) {
		*fdp = b.fd;
		b.fd = -1;
	}
	rc = 0;
out:
	EVP_MD_CTX_free(b.md);
	if (b.fd != -1)
		close(b.fd);
	return rc;
}
