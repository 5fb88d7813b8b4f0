/*
 * banger-fetch catalog-pull NAME OUTDIR KERNELDIR CACHEDIR CATALOG_URL
 * [--kernels DIR] [--keys DIR] (`banger image pull NAME`): the catalog
 * and its signature,
 * verified against the trusted keys; its serial against the highest seen
 * for that URL; the entry's bundle downloaded (resumed) into the cache by
 * its sha256; then that file, opened once, checked for size and sha256
 * and unpacked from the same descriptor, so what was checked is what is
 * installed.  The kernel and initramfs are the tiny image's (KERNELDIR),
 * or those of the kernel the entry names: the catalog's (pulled into the
 * image, catalog-kernel.c), else the user's (DIR/K).
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "catalog.h"
#include "catalog-pull.h"
#include "fdutil.h"
#include "fetch.h"
#include "image.h"
#include "oci-http.h"
#include "valid.h"


/* The catalog URL: https, or http to loopback; no credentials or query. */
static int
catalog_url_parse(struct cpull *p, char *err, size_t errsz)
{
	CURLU	*u;
	char	*scheme = NULL, *host = NULL, *port = NULL, *x = NULL;
	int	 rc = -1;

	if (strlen(p->url) > CAT_URL_MAX || (u = curl_url()) == NULL) {
		snprintf(err, errsz, "the catalog URL is too long");
		return -1;
	}
	if (curl_url_set(u, CURLUPART_URL, p->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK) {
		snprintf(err, errsz, "the catalog URL is not a URL");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &x, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_QUERY, &x, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &x, 0) == CURLUE_OK) {
		snprintf(err, errsz, "the catalog URL may not have a user, a "
		    "query or a fragment");
		goto out;
	}
	snprintf(p->ref.host, sizeof(p->ref.host), "%s:%s", host, port);
	p->port = (uint16_t)strtoul(port, NULL, 10);
	if (strcmp(scheme, "http") == 0 && oci_host_loopback(p->ref.host))
		p->ref.plain_http = 1;
	else if (strcmp(scheme, "https") != 0) {
		snprintf(err, errsz, "the catalog URL must be https (http "
		    "only to this host's loopback)");
		goto out;
	}
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(x);
	curl_url_cleanup(u);
	return rc;
}

/*
 * The entry's URL made absolute against the catalog's: https (http only
 * when the catalog is on loopback, and then to loopback), to a port the
 * sandbox lets this job reach.
 */
int
bundle_url_resolve(struct cpull *p, char *err, size_t errsz)
{
	CURLU		*u;
	char		*scheme = NULL, *host = NULL, *port = NULL, *abs = NULL;
	char		 hp[OCI_HOST_MAX + 8];
	unsigned long	 pn;
	int		 rc = -1;

	if ((u = curl_url()) == NULL ||
	    curl_url_set(u, CURLUPART_URL, p->url, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, p->e->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &abs, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK) {
		snprintf(err, errsz, "entry %s: its url is not a URL",
		    p->e->name);
		goto out;
	}
	snprintf(hp, sizeof(hp), "%s:%s", host, port);
	pn = strtoul(port, NULL, 10);
	if (strcmp(scheme, "https") != 0 && !(strcmp(scheme, "http") == 0 &&
	    p->ref.plain_http && oci_host_loopback(hp))) {
		snprintf(err, errsz, "entry %s: its url must be https (http "
		    "only from a catalog on loopback)", p->e->name);
		goto out;
	}
	if (pn != p->port && pn != 443) {
		snprintf(err, errsz, "entry %s: its url's port %lu is neither "
		    "the catalog's (%u) nor 443", p->e->name, pn,
		    (unsigned)p->port);
		goto out;
	}
	if (strlen(abs) > CAT_URL_MAX) {
		snprintf(err, errsz, "entry %s: its url is too long",
		    p->e->name);
		goto out;
	}
	snprintf(p->bundle_url, sizeof(p->bundle_url), "%s", abs);
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(abs);
	curl_url_cleanup(u);
	return rc;
}

static int
get_small(struct cpull *p, const char *url, size_t max, struct oci_mem *m,
    char *err, size_t errsz)
{
	struct oci_req	 req;

	memset(&req, 0, sizeof(req));
	memset(m, 0, sizeof(*m));
	req.url = url;
	req.max = max;
	req.sink = oci_mem_sink;
	req.arg = m;
	if (oci_http_once(p->reg, &req, err, errsz) == -1)
		goto fail;
	if (req.status != 200) {
		snprintf(err, errsz, "%s: HTTP %ld", url, req.status);
		goto fail;
	}
	if (m->p == NULL) {
		snprintf(err, errsz, "%s is empty", url);
		goto fail;
	}
	return 0;
fail:
	free(m->p);
	m->p = NULL;
	return -1;
}

/* The signed catalog, its serial checked: 0, or -1 after a status. */
int
catalog_get(struct cpull *p)
{
	struct oci_mem	 body, sigf;
	struct cat_key	*keys;
	unsigned char	 sig[64];
	size_t		 nkeys;
	char		 err[512], sigurl[CAT_URL_MAX + 8], old[PATH_MAX];
	int		 k, rc = -1;

	if (catalog_keys_load(p->keydir, &keys, &nkeys, err, sizeof(err)) ==
	    -1) {
		status_error("%s", err);
		return -1;
	}
	if (nkeys == 0) {
		status_error("no catalog key is trusted: banger has no "
		    "built-in key yet; install the publisher's key as %s/"
		    "NAME.pub", p->keydir);
		free(keys);
		return -1;
	}
	status_progress("fetching the catalog %s", p->url);
	snprintf(sigurl, sizeof(sigurl), "%s.sig", p->url);
	memset(&sigf, 0, sizeof(sigf));
	if (get_small(p, p->url, CAT_BYTES_MAX, &body, err, sizeof(err)) ==
	    -1) {
		status_error("catalog: %s", err);
		free(keys);
		return -1;
	}
	if (get_small(p, sigurl, CAT_SIG_FILE_MAX, &sigf, err, sizeof(err)) ==
	    -1) {
		status_error("catalog signature: %s", err);
		goto out;
	}
	if (catalog_sig_parse(sigf.p, sigf.len, sig, err, sizeof(err)) ==
	    -1) {
		status_error("wrong signature: %s", err);
		goto out;
	}
	if ((k = catalog_verify_for(body.p, body.len, sig, keys, nkeys,
	    p->url)) == -1) {
		if ((k = catalog_verify(body.p, body.len, sig, keys, nkeys)) !=
		    -1)
			status_error("wrong signature: the catalog is signed by "
			    "key %s, which is trusted only for other catalogs "
			    "(its \"catalog URL\" lines do not name %s)",
			    keys[k].origin, p->url);
		else
			status_error("wrong signature: the catalog's signature "
			    "does not verify with any trusted key (%zu; signed "
			    "with an unknown key, or the catalog was changed)",
			    nkeys);
		goto out;
	}
	status_progress("catalog signed by key %s", keys[k].origin);
	if (catalog_parse(body.p, body.len, &p->cat, err, sizeof(err)) ==
	    -1) {
		status_error("%s", err);
		goto out;
	}
	if (catalog_serial_check(p->serials, p->url, p->cat.serial, err,
	    sizeof(err)) == -1) {
		status_error("%s", err);
		goto out;
	}
	/* Where an older banger kept the serials: they still count. */
	snprintf(old, sizeof(old), "%s/catalog", p->cache);
	if (strcmp(old, p->serials) != 0 && catalog_serial_check(old, p->url,
	    p->cat.serial, err, sizeof(err)) == -1) {
		status_error("%s", err);
		goto out;
	}
	/*
	 * Recorded as soon as it verifies, not once a bundle is installed:
	 * a newer catalog whose download an attacker breaks must still
	 * shut out the older one.
	 */
	if (catalog_serial_record(p->serials, p->url, p->cat.serial, err,
	    sizeof(err)) == -1) {
		status_error("recording the catalog's serial: %s", err);
		goto out;
	}
	rc = 0;
out:
	free(keys);
	free(body.p);
	free(sigf.p);
	return rc;
}

struct dl {
	int		 fd;
	uint64_t	 from;		/* bytes there before this GET */
	uint64_t	 got;		/* bytes of this answer */
	uint64_t	 size;		/* the whole bundle */
	int		 checked, tenth;
	const char	*name;
};

static int
dl_sink(struct oci_req *req, const char *p, size_t n)
{
	struct dl	*d = req->arg;
	uint64_t	 at;
	char		 want[64];

	if (!d->checked) {
		d->checked = 1;
		if (req->status == 200 && d->from > 0) {
			/* The server ignored the range: start over. */
			if (ftruncate(d->fd, 0) == -1) {
				snprintf(req->why, sizeof(req->why), "%s",
				    strerror(errno));
				return -1;
			}
			d->from = 0;
		} else if (req->status == 206) {
			snprintf(want, sizeof(want), "bytes %" PRIu64 "-",
			    d->from);
			if (strncmp(req->crange, want, strlen(want)) != 0) {
				snprintf(req->why, sizeof(req->why), "the "
				    "server resumed at another offset (%.60s)",
				    req->crange);
				return -1;
			}
		}
	}
	at = d->from + d->got;
	if (n > d->size - at) {
		snprintf(req->why, sizeof(req->why), "wrong size: the bundle "
		    "is larger than the %" PRIu64 " bytes its entry says",
		    d->size);
		return -1;
	}
	if (pwrite(d->fd, p, n, (off_t)at) != (ssize_t)n) {
		snprintf(req->why, sizeof(req->why), "writing the bundle: %s",
		    strerror(errno));
		return -1;
	}
	d->got += n;
	at += n;
	if ((int)(at * 10 / d->size) > d->tenth) {
		d->tenth = (int)(at * 10 / d->size);
		status_progress("downloading %s: %" PRIu64 " of %" PRIu64
		    " MiB", d->name, at >> 20, d->size >> 20);
	}
	return 0;
}

/* fd's sha256 from offset 0, in hex; it reads to the end. */
static int
fd_sha256(int fd, char hex[65])
{
	static char	 buf[1 << 16];
	unsigned char	 md[32];
	EVP_MD_CTX	*ctx;
	ssize_t		 n;
	off_t		 off = 0;
	int		 i, rc = -1;

	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		(void)EVP_DigestUpdate(ctx, buf, (size_t)n);
		off += n;
	}
	if (n == -1 || EVP_DigestFinal_ex(ctx, md, NULL) != 1)
		goto out;
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/*
 * CACHEDIR/bundles/SHA256 from the entry's URL, through SHA256.partial
 * (resumed where an earlier pull stopped): renamed only once its size
 * and sha256 are the entry's.
 */
int
download(struct cpull *p, const char *final)
{
	struct oci_req	 req;
	struct dl	 d;
	struct stat	 st, cur;
	char		 partial[PATH_MAX], err[512], hex[65];
	int		 rc = -1;

	snprintf(partial, sizeof(partial), "%s.partial", final);
	memset(&d, 0, sizeof(d));
	d.size = p->e->size;
	d.name = p->e->name;
	if ((d.fd = open(partial, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1 || fstat(d.fd, &st) == -1) {
		status_error("%s: %s", partial, strerror(errno));
		goto out;
	}
	/* Two pulls of one user must not write one file at once. */
	if (flock(d.fd, LOCK_EX | LOCK_NB) == -1) {
		status_error("another pull is downloading bundle %s; try "
		    "again when it is done", p->e->sha256);
		goto out;
	}
	/* Still the file at that name (not one a sweep just removed). */
	if (stat(partial, &cur) == -1 || cur.st_ino != st.st_ino ||
	    cur.st_dev != st.st_dev) {
		status_error("%s changed while it was opened; try again",
		    partial);
		goto out;
	}
	if (access(final, F_OK) == 0) {
		/* Another pull renamed its own while this one opened anew. */
		(void)unlink(partial);
		rc = 0;
		goto out;
	}
	if ((uint64_t)st.st_size > d.size) {
		if (ftruncate(d.fd, 0) == -1) {
			status_error("%s: %s", partial, strerror(errno));
			goto out;
		}
		st.st_size = 0;
	}
	d.from = (uint64_t)st.st_size;
	if (d.from > 0)
		status_progress("resuming %s at %" PRIu64 " of %" PRIu64
		    " bytes", p->e->name, d.from, d.size);
	else
		status_progress("downloading %s (%" PRIu64 " MiB) from %s",
		    p->e->name, d.size >> 20, p->bundle_url);
	if (d.from < d.size) {
		memset(&req, 0, sizeof(req));
		req.url = p->bundle_url;
		req.from = d.from;
		/*
		 * A server that ignores the range answers with the whole
		 * bundle (dl_sink starts over and bounds what is written):
		 * curl's limit is the whole size, not what is left.
		 */
		req.max = d.size;
		req.sink = dl_sink;
		req.arg = &d;
		if (oci_http_once(p->reg, &req, err, sizeof(err)) == -1) {
			/* More than the entry says: curl's limit or ours. */
			if (strstr(err, "larger than") != NULL ||
			    strncmp(err, "the server resumed", 18) == 0) {
				status_error("%s%s (the download is removed)",
				    strncmp(err, "wrong size", 10) == 0 ||
				    strncmp(err, "the server", 10) == 0 ? "" :
				    "wrong size: ", err);
				(void)unlink(partial);
			} else
				status_error("%s%s", err, d.got > 0 ||
				    d.from > 0 ? " (what came is kept for the "
				    "next pull to resume)" : "");
			goto out;
		}
		if (req.status == 416) {
			status_error("wrong size: the server has no bytes "
			    "after %" PRIu64 " of the %" PRIu64 " the entry "
			    "says (the partial download is removed)", d.from,
			    d.size);
			(void)unlink(partial);
			goto out;
		}
		if (req.status != 200 && req.status != 206) {
			status_error("%s: HTTP %ld", p->bundle_url, req.status);
			goto out;
		}
		if (d.from + d.got < d.size) {
			status_error("truncated: the bundle ended after %"
			    PRIu64 " of %" PRIu64 " bytes (kept for the next "
			    "pull to resume)", d.from + d.got, d.size);
			goto out;
		}
	}
	if (fsync(d.fd) == -1 || fd_sha256(d.fd, hex) == -1) {
		status_error("%s: %s", partial, strerror(errno));
		goto out;
	}
	if (strcmp(hex, p->e->sha256) != 0) {
		status_error("wrong sha256: the bundle is %s, its entry says "
		    "%s (the download is removed)", hex, p->e->sha256);
		(void)unlink(partial);
		goto out;
	}
	if (rename(partial, final) == -1) {
		status_error("%s: %s", final, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (d.fd != -1)
		close(d.fd);
	return rc;
}

/*
 * p->e's bundle in the cache, CACHEDIR/bundles/SHA256 (final), downloaded
 * unless it is there: 0, or -1 after a status.
 */
int
bundle_fetch(struct cpull *p, char *final, size_t len)
{
	char	 dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/bundles", p->cache);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		status_error("%s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(final, len, "%s/%s", dir, p->e->sha256);
	if (access(final, F_OK) == 0) {
		status_progress("bundle %s is in the cache", p->e->sha256);
		return 0;
	}
	return download(p, final);
}

/*
 * The cached bundle of p->e opened once, its size and sha256 checked on
 * that descriptor, which is returned at offset 0; -1 after a status (a
 * bundle that fails is removed from the cache).
 */
int
bundle_open_checked(struct cpull *p, const char *final)
{
	struct stat	 st;
	char		 hex[65];
	int		 fd;

	if ((fd = open(final, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		status_error("%s: %s", final, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != p->e->size) {
		status_error("wrong size: the cached bundle %s is %lld bytes, "
		    "its entry says %" PRIu64 " (removed)", final,
		    (long long)st.st_size, p->e->size);
		(void)unlink(final);
		goto out;
	}
	if (fd_sha256(fd, hex) == -1) {
		status_error("%s: %s", final, strerror(errno));
		goto out;
	}
	if (strcmp(hex, p->e->sha256) != 0) {
		status_error("wrong sha256: the cached bundle %s is %s, its "
		    "entry says %s (removed)", final, hex, p->e->sha256);
		(void)unlink(final);
		goto out;
	}
	if (lseek(fd, 0, SEEK_SET) != 0) {
		status_error("%s: %s", final, strerror(errno));
		goto out;
	}
	return fd;
out:
	if (fd != -1)
		close(fd);
	return -1;
}

/* The image bundle, opened once: size, sha256, then unpacked. */
static int
install(struct cpull *p, const char *final)
{
	char	 err[512];
	int	 fd, rc = -1;

	if ((fd = bundle_open_checked(p, final)) == -1)
		return -1;
	status_progress("unpacking %s", p->e->name);
	if (bundle_unpack_fd(fd, p->out, p->name, err, sizeof(err)) == -1) {
		/*
		 * Signed and whole, but no use: not kept in the cache (a
		 * write error here, "rootfs.ext4: ...", is not the bundle's).
		 */
		status_error("%s", err);
		if (strncmp(err, "rootfs.ext4: ", 13) != 0 &&
		    strncmp(err, p->out, strlen(p->out)) != 0)
			(void)unlink(final);
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	return rc;
}

/* out/name, a new file holding text: 0, or -1 after a status. */
int
write_small(const char *out, const char *name, const char *text)
{
	char	 path[PATH_MAX];
	size_t	 n = strlen(text);
	int	 fd, ok;

	snprintf(path, sizeof(path), "%s/%s", out, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1) {
		status_error("%s: %s", path, strerror(errno));
		return -1;
	}
	ok = write_all(fd, text, n) == (ssize_t)n && fsync(fd) == 0;
	if (close(fd) == -1 || !ok) {
		status_error("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The image's "source" (shown by `image show`) and, when it is not tiny,
 * its "kernel".
 */
static int
write_source(struct cpull *p)
{
	char	 text[CAT_NAME_MAX + 128];

	snprintf(text, sizeof(text), "ref catalog:%s\ndigest sha256:%s\n",
	    p->name, p->e->sha256);
	if (write_small(p->out, "source", text) == -1)
		return -1;
	if (strcmp(p->e->kernel, "tiny") == 0)
		return 0;
	snprintf(text, sizeof(text), "%s\n", p->e->kernel);
	return write_small(p->out, "kernel", text);
}

static int
cpull(struct cpull *p)
{
	const struct cat_entry	*ke = NULL, *ie;
	char			 final[PATH_MAX], kdir[PATH_MAX];
	char			 err[512], rel[80];
	unsigned		 count;

	if ((p->reg = oci_reg_open(&p->ref, NULL, err, sizeof(err))) ==
	    NULL) {
		status_error("%s", err);
		return -1;
	}
	if (catalog_get(p) == -1)
		return -1;
	if ((p->e = catalog_find(&p->cat, p->name)) == NULL) {
		status_error("the catalog %s has no image %s", p->url,
		    p->name);
		return -1;
	}
	/*
	 * The kernel: tiny's; else the catalog's of that name, pulled into
	 * the image below; else the user's (`banger kernel import`).
	 */
	if (strcmp(p->e->kernel, "tiny") != 0 && (ke = catalog_find_kernel(
	    &p->cat, p->e->kernel)) == NULL) {
		snprintf(kdir, sizeof(kdir), "%s/%s", p->kernels != NULL ?
		    p->kernels : "/nonexistent", p->e->kernel);
		snprintf(final, sizeof(final), "%s/vmlinux", kdir);
		if (access(final, R_OK) != 0) {
			status_error("image %s boots kernel %s, which is not "
			    "installed and which the catalog does not offer: "
			    "import it first (`banger kernel import %s ...`)",
			    p->name, p->e->kernel, p->e->kernel);
			return -1;
		}
		p->kdir = kdir;
	}
	if (bundle_url_resolve(p, err, sizeof(err)) == -1) {
		status_error("%s", err);
		return -1;
	}
	if (bundle_fetch(p, final, sizeof(final)) == -1 ||
	    install(p, final) == -1)
		return -1;
	if (ke != NULL) {
		ie = p->e;
		if (cpull_kernel(p, ke, p->out, rel, sizeof(rel), &count) ==
		    -1)
			return -1;
		p->e = ie;
		/* Appended to initrd.img; the image needs no copy. */
		snprintf(final, sizeof(final), "%s/modules.cpio", p->out);
		(void)unlink(final);
	} else {
		status_progress("copying the kernel and initramfs");
		if (image_copy_file(p->kdir, p->out, "vmlinux") == -1 ||
		    image_copy_file(p->kdir, p->out, "initrd.img") == -1)
			return -1;
	}
	if (write_source(p) == -1)
		return -1;
	return 0;
}

/*
 * Both jobs' arguments, NAME OUTDIR KERNELDIR CACHEDIR CATALOG_URL
 * [--kernels DIR] [--keys DIR] [--state DIR], checked into *p, and the
 * sandbox: 0, 2 for bad arguments, 1 when the sandbox fails.
 */
int
cpull_setup(struct cpull *p, int argc, char **argv)
{
	struct fetch_confine fc;
	const char	*dirs[4], *reads[4], *state = NULL;
	uint16_t	 ports[2];
	char		 err[512], dir[PATH_MAX];
	int		 i;

	memset(p, 0, sizeof(*p));
	p->keydir = CAT_KEY_DIR;
	for (i = 6; i + 1 < argc; i += 2)
		if (strcmp(argv[i], "--keys") == 0)
			p->keydir = argv[i + 1];
		else if (strcmp(argv[i], "--kernels") == 0)
			p->kernels = argv[i + 1];
		else if (strcmp(argv[i], "--state") == 0)
			state = argv[i + 1];
		else
			break;
	if (argc < 6 || i != argc || (p->kernels != NULL &&
	    !valid_abs_path(p->kernels, PATH_MAX)) || (state != NULL &&
	    !valid_abs_path(state, PATH_MAX))) {
		status_error("%s: wrong arguments", argv[0]);
		fprintf(stderr, "usage: banger-fetch %s NAME OUTDIR "
		    "KERNELDIR CACHEDIR CATALOG_URL [--kernels DIR] "
		    "[--keys DIR] [--state DIR]\n", argv[0]);
		return 2;
	}
	p->name = argv[1];
	p->out = argv[2];
	p->kdir = argv[3];
	p->cache = argv[4];
	p->url = argv[5];
	if (!valid_vm_name(p->name) || !valid_abs_path(p->out, PATH_MAX) ||
	    !valid_abs_path(p->kdir, PATH_MAX) ||
	    !valid_abs_path(p->cache, PATH_MAX) ||
	    !valid_abs_path(p->keydir, PATH_MAX)) {
		status_error("%s: a bad name or a path that is not absolute "
		    "and normalised", argv[0]);
		return 2;
	}
	if (catalog_url_parse(p, err, sizeof(err)) == -1) {
		status_error("%s", err);
		return 2;
	}
	/* The serials seen: --state's, else in the cache (a test's job). */
	if (state != NULL)
		snprintf(p->serials, sizeof(p->serials), "%s", state);
	else
		snprintf(p->serials, sizeof(p->serials), "%s/catalog",
		    p->cache);
	dirs[0] = p->out;
	dirs[1] = p->cache;
	dirs[2] = state;
	dirs[3] = NULL;
	ports[0] = p->port;
	ports[1] = 443;
	/*
	 * Reads: the system's, its directories, the tiny kernel, the keys
	 * and the user's kernels.
	 */
	i = 0;
	reads[i++] = p->kdir;
	if (access(p->keydir, F_OK) == 0)
		reads[i++] = p->keydir;
	if (p->kernels != NULL && access(p->kernels, F_OK) == 0)
		reads[i++] = p->kernels;
	reads[i] = NULL;
	fc.dirs = dirs;
	fc.reads = reads;
	fc.ports = ports;
	fc.nports = p->port == 443 ? 1 : 2;
	if (sandbox_fetch_confine(&fc, err, sizeof(err)) == -1) {
		status_error("sandbox: %s", err);
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/bundles", p->cache);
	if ((i = (int)cache_sweep_partials(dir, time(NULL),
	    CACHE_PARTIAL_DAYS * 86400)) > 0)
		status_progress("removed %d download(s) left unfinished for "
		    "%d days", i, CACHE_PARTIAL_DAYS);
	return 0;
}

int
catalog_pull_main(int argc, char **argv)
{
	struct cpull	 p;
	int		 rc;

	if ((rc = cpull_setup(&p, argc, argv)) != 0)
		return rc;
	rc = cpull(&p) == 0 ? 0 : 1;
	if (rc == 0)
		status_progress("image %s pulled from the catalog (sha256:%s)",
		    p.name, p.e->sha256);
	oci_reg_close(p.reg);
	catalog_free(&p.cat);
	return rc;
}
