/*
 * banger-sign: the publisher's side of banger's image catalog.  It makes
 * an ed25519 key pair, adds bundles (made by `banger image bundle` and
 * `banger kernel bundle`) to a catalog.json and removes them, signs the
 * catalog and checks a signature, in the formats
 * banger-fetch's catalog-pull reads (banger-fetch/catalog*.c, which it
 * shares).  It runs on a build server, never inside banger.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "catalog.h"
#include "kernel.h"
#include "valid.h"

static const char *const usage_text =
    "usage: banger-sign keygen SECRET PUBLIC\n"
    "       banger-sign add [--kernel KERNEL] CATALOG NAME URL BUNDLE\n"
    "       banger-sign add-kernel CATALOG NAME URL BUNDLE\n"
    "       banger-sign remove CATALOG NAME\n"
    "       banger-sign remove-kernel CATALOG NAME\n"
    "       banger-sign sign CATALOG SECRET\n"
    "       banger-sign verify CATALOG PUBLIC\n";

static void
die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list	 ap;

	fputs("banger-sign: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* path's bytes (at most max), NUL-terminated; NULL with errno. */
static char *
slurp(const char *path, size_t max, size_t *len)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 r;
	size_t		 got = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > max) {
		close(fd);
		errno = EFBIG;
		return NULL;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	while (got < (size_t)st.st_size &&
	    (r = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)r;
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
}

/* text to path through a temporary file and a rename. */
static void
replace_file(const char *path, const char *text, size_t len, mode_t mode)
{
	char	 tmp[PATH_MAX];
	FILE	*f;
	int	 fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path,
	    (long)getpid()) >= sizeof(tmp))
		die("%s: path too long", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) ==
	    -1 || (f = fdopen(fd, "w")) == NULL)
		die("%s: %s", tmp, strerror(errno));
	if (fwrite(text, 1, len, f) != len || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0 || fclose(f) != 0 || rename(tmp, path) == -1) {
		(void)unlink(tmp);
		die("%s: %s", path, strerror(errno));
	}
}

static int
keygen(const char *secret, const char *public)
{
	unsigned char	 raw[32];
	char		 b64[64], line[128];
	size_t		 n = sizeof(raw);
	EVP_PKEY	*k;
	FILE		*f;
	int		 fd, pfd;

	if ((k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL ||
	    EVP_PKEY_get_raw_public_key(k, raw, &n) != 1 || n != 32)
		die("cannot make an ed25519 key");
	/* Never over an existing key: a lost secret key is a lost catalog. */
	if ((pfd = open(public, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) == -1)
		die("%s: %s", public, strerror(errno));
	if ((fd = open(secret, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1 || (f = fdopen(fd, "w")) == NULL) {
		(void)unlink(public);
		die("%s: %s", secret, strerror(errno));
	}
	if (PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) != 1 ||
	    fflush(f) != 0 || fsync(fd) != 0 || fclose(f) != 0) {
		(void)unlink(secret);
		(void)unlink(public);
		die("%s: cannot write the key", secret);
	}
	catalog_b64_encode(raw, 32, b64);
	n = (size_t)snprintf(line, sizeof(line), "ed25519 %s\n", b64);
	if (write(pfd, line, n) != (ssize_t)n || close(pfd) == -1)
		die("%s: %s", public, strerror(errno));
	EVP_PKEY_free(k);
	printf("secret key %s, public key %s\n", secret, public);
	return 0;
}

/* BUNDLE's size and sha256 (hex). */
static uint64_t
bundle_sum(const char *path, char hex[65])
{
	static char	 buf[1 << 16];
	unsigned char	 md[32];
	EVP_MD_CTX	*ctx;
	uint64_t	 size = 0;
	ssize_t		 r;
	int		 fd, i;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		die("%s: %s", path, strerror(errno));
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		die("sha256 failed");
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		(void)EVP_DigestUpdate(ctx, buf, (size_t)r);
		size += (uint64_t)r;
	}
	if (r == -1)
		die("%s: %s", path, strerror(errno));
	close(fd);
	if (EVP_DigestFinal_ex(ctx, md, NULL) != 1)
		die("sha256 failed");
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return size;
}

static void
load_catalog(const char *path, struct catalog *c, char **text, size_t *len)
{
	char	 err[256];

	if ((*text = slurp(path, CAT_BYTES_MAX, len)) == NULL)
		die("%s: %s", path, errno == EFBIG ? "not a regular file of "
		    "at most 1 MiB" : strerror(errno));
	if (catalog_parse(*text, *len, c, err, sizeof(err)) == -1)
		die("%s: %s", path, err);
}

/* The catalog, one serial on, through a check that banger reads it. */
static void
write_catalog(const char *path, struct catalog *c)
{
	struct catalog	 check;
	char		*out, err[256];
	size_t		 len;

	if ((out = catalog_dump(c)) == NULL)
		die("out of memory");
	/* What is written must be what banger reads. */
	if (catalog_parse(out, strlen(out), &check, err, sizeof(err)) == -1)
		die("%s: %s", path, err);
	catalog_free(&check);
	len = strlen(out);
	out[len++] = '\n';
	replace_file(path, out, len, 0644);
	free(out);
}


/* The image (or kernel) name out of the catalog, the serial one on. */
static int
remove_entry(const char *path, const char *name, int kernel)
{
	struct catalog		 c;
	struct cat_entry	*v;
	char			*text;
	size_t			 len, i, *n;

	load_catalog(path, &c, &text, &len);
	free(text);
	v = kernel ? c.kernels : c.entries;
	n = kernel ? &c.nk : &c.n;
	for (i = 0; i < *n; i++)
		if (strcmp(v[i].name, name) == 0)
			break;
	if (i == *n)
		die("%s: no %s %s", path, kernel ? "kernel" : "image", name);
	if (c.serial >= CAT_SERIAL_MAX)
		die("%s: the serial cannot grow any more", path);
	c.serial++;
	memmove(&v[i], &v[i + 1], (*n - i - 1) * sizeof(v[0]));
	(*n)--;
	write_catalog(path, &c);
	printf("%s: serial %" PRIu64 ", %s removed, %zu images and %zu "
	    "kernels (sign it again)\n", path, c.serial, name, c.n, c.nk);
	catalog_free(&c);
	return 0;
}

static int
rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	(void)(flag == FTW_DP ? rmdir(p) : unlink(p));
	return 0;
}

/*
 * A kernel bundle read through as a client would take it, in a scratch
 * directory: its members and manifest, vmlinux an ELF the VMMs boot of
 * the manifest's release, modules.cpio that release's modules.
 */
static void
kernel_bundle_check(const char *bundle, const char *name)
{
	struct kbundle_manifest	 m;
	char			 tmp[] = "/tmp/banger-sign.XXXXXX";
	char			 p[PATH_MAX], rel[KERNEL_RELEASE_MAX + 1];
	char			 err[512];
	unsigned		 count = 0;
	int			 fd, rc;

	if (mkdtemp(tmp) == NULL)
		die("mkdtemp: %s", strerror(errno));
	if ((fd = open(bundle, O_RDONLY | O_CLOEXEC)) == -1)
		die("%s: %s", bundle, strerror(errno));
	rc = kbundle_unpack_fd(fd, tmp, name, &m, err, sizeof(err));
	close(fd);
	if (rc == 0) {
		snprintf(p, sizeof(p), "%s/vmlinux", tmp);
		rel[0] = '\0';
		if ((fd = open(p, O_RDONLY | O_CLOEXEC)) == -1) {
			snprintf(err, sizeof(err), "%s: %s", p,
			    strerror(errno));
			rc = -1;
		} else if (kernel_elf_check(fd, rel, err, sizeof(err)) == -1)
			rc = -1;
		else if (strcmp(rel, m.release) != 0) {
			snprintf(err, sizeof(err), "the manifest says release "
			    "%s, vmlinux is %s", m.release, rel);
			rc = -1;
		}
		if (fd != -1)
			close(fd);
	}
	if (rc == 0) {
		snprintf(p, sizeof(p), "%s/modules.cpio", tmp);
		if ((fd = open(p, O_RDONLY | O_CLOEXEC)) != -1) {
			rc = kernel_modules_check(fd, m.release, &count, err,
			    sizeof(err));
			close(fd);
		}
	}
	(void)nftw(tmp, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	if (rc == -1)
		die("%s: %s", bundle, err);
	printf("%s: kernel %s, release %s, %u modules\n", bundle, name,
	    m.release, count);
}

/* The image bundle at bundle read through as a client would unpack it. */
static void
image_bundle_check(const char *bundle, const char *name)
{
	char	 err[256];
	int	 fd;

	if ((fd = open(bundle, O_RDONLY | O_CLOEXEC)) == -1)
		die("%s: %s", bundle, strerror(errno));
	if (bundle_unpack_fd(fd, NULL, name, err, sizeof(err)) == -1)
		die("%s: %s", bundle, err);
	close(fd);
}

/*
 * An image bundle (banger image bundle) that boots kernel, or with kernel
 * NULL a kernel bundle (banger kernel bundle), into the catalog as name,
 * replacing an entry of that name; the serial one on.
 */
static int
add(const char *path, const char *name, const char *url, const char *bundle,
    const char *kernel)
{
	struct catalog		 c;
	struct cat_entry	*e, *ne, **v;
	const char		*what = kernel == NULL ? "kernel" : "image";
	char			*text;
	size_t			 len, i, *n;

	if (!valid_vm_name(name) || (kernel == NULL && (strcmp(name, "tiny") ==
	    0 || strcmp(name, "default") == 0)))
		die("%s: not %s name (a-z, 0-9 and '-', at most %d%s)", name,
		    kernel == NULL ? "a kernel" : "an image", CAT_NAME_MAX,
		    kernel == NULL ? "; not tiny or default" : "");
	if (kernel != NULL && (!valid_vm_name(kernel) || strcmp(kernel,
	    "default") == 0))
		die("%s: not a kernel name (tiny, or a name `banger kernel "
		    "import` takes)", kernel);
	if (strlen(url) > CAT_URL_MAX)
		die("%s: URL too long", url);
	if (access(path, F_OK) == 0) {
		load_catalog(path, &c, &text, &len);
		free(text);
	} else if (errno == ENOENT)
		memset(&c, 0, sizeof(c));
	else
		die("%s: %s", path, strerror(errno));
	if (c.serial >= CAT_SERIAL_MAX)
		die("%s: the serial cannot grow any more", path);
	c.serial++;
	v = kernel == NULL ? &c.kernels : &c.entries;
	n = kernel == NULL ? &c.nk : &c.n;
	for (i = 0; i < *n && strcmp((*v)[i].name, name) != 0; i++)
		;
	if (i == *n) {
		if (*n >= CAT_ENTRIES_MAX)
			die("%s: already %d %ss", path, CAT_ENTRIES_MAX, what);
		if ((ne = reallocarray(*v, *n + 1, sizeof(*ne))) == NULL)
			die("out of memory");
		*v = ne;
		memset(&ne[*n], 0, sizeof(*ne));
		(*n)++;
	}
	e = &(*v)[i];
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->url, sizeof(e->url), "%s", url);
	snprintf(e->kernel, sizeof(e->kernel), "%s", kernel != NULL ? kernel :
	    "");
	if ((e->size = bundle_sum(bundle, e->sha256)) == 0)
		die("%s is empty", bundle);
	/* What every client would refuse is not signed. */
	if (kernel == NULL)
		kernel_bundle_check(bundle, name);
	else
		image_bundle_check(bundle, name);
	write_catalog(path, &c);
	printf("%s: serial %" PRIu64 ", %s %s: %" PRIu64 " bytes, sha256 %s%s%s "
	    "(sign it again)\n", path, c.serial, what, name, e->size,
	    e->sha256, kernel != NULL ? ", kernel " : "", kernel != NULL ?
	    kernel : "");
	catalog_free(&c);
	return 0;
}

static int
sign(const char *path, const char *secret)
{
	struct catalog	 c;
	unsigned char	 sig[64];
	char		*text, b64[100], sigpath[PATH_MAX];
	size_t		 len, n = sizeof(sig);
	EVP_PKEY	*k;
	EVP_MD_CTX	*ctx;
	FILE		*f;

	load_catalog(path, &c, &text, &len);
	if ((f = fopen(secret, "r")) == NULL)
		die("%s: %s", secret, strerror(errno));
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k == NULL || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519)
		die("%s: not an ed25519 private key in PEM", secret);
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) != 1 ||
	    EVP_DigestSign(ctx, sig, &n, (unsigned char *)text, len) != 1 ||
	    n != 64)
		die("signing failed");
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	catalog_b64_encode(sig, 64, b64);
	strcat(b64, "\n");
	if ((size_t)snprintf(sigpath, sizeof(sigpath), "%s.sig", path) >=
	    sizeof(sigpath))
		die("%s: path too long", path);
	replace_file(sigpath, b64, strlen(b64), 0644);
	printf("%s: serial %" PRIu64 ", %zu entries, signed in %s\n", path,
	    c.serial, c.n, sigpath);
	free(text);
	catalog_free(&c);
	return 0;
}

static int
verify(const char *path, const char *public)
{
	struct catalog	 c;
	struct cat_key	 key;
	unsigned char	 sig[64];
	char		*text, *s, *kt, err[256], sigpath[PATH_MAX];
	size_t		 len, slen, klen;

	load_catalog(path, &c, &text, &len);
	snprintf(sigpath, sizeof(sigpath), "%s.sig", path);
	if ((s = slurp(sigpath, CAT_SIG_FILE_MAX, &slen)) == NULL)
		die("%s: %s", sigpath, strerror(errno));
	if (catalog_sig_parse(s, slen, sig, err, sizeof(err)) == -1)
		die("%s: %s", sigpath, err);
	if ((kt = slurp(public, CAT_KEY_FILE_MAX, &klen)) == NULL)
		die("%s: %s", public, strerror(errno));
	if (catalog_key_parse(kt, klen, key.raw, err, sizeof(err)) == -1)
		die("%s: %s", public, err);
	if (catalog_verify(text, len, sig, &key, 1) != 0)
		die("%s: the signature does not verify with %s", path, public);
	printf("%s: good signature, serial %" PRIu64 ", %zu entries\n", path,
	    c.serial, c.n);
	free(text);
	free(s);
	free(kt);
	catalog_free(&c);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "keygen") == 0)
		return keygen(argv[2], argv[3]);
	if (argc == 6 && strcmp(argv[1], "add") == 0)
		return add(argv[2], argv[3], argv[4], argv[5], "tiny");
	if (argc == 8 && strcmp(argv[1], "add") == 0 &&
	    strcmp(argv[2], "--kernel") == 0)
		return add(argv[4], argv[5], argv[6], argv[7], argv[3]);
	if (argc == 6 && strcmp(argv[1], "add-kernel") == 0)
		return add(argv[2], argv[3], argv[4], argv[5], NULL);
	if (argc == 4 && strcmp(argv[1], "remove") == 0)
		return remove_entry(argv[2], argv[3], 0);
	if (argc == 4 && strcmp(argv[1], "remove-kernel") == 0)
		return remove_entry(argv[2], argv[3], 1);
	if (argc == 4 && strcmp(argv[1], "sign") == 0)
		return sign(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "verify") == 0)
		return verify(argv[2], argv[3]);
	fputs(usage_text, stderr);
	return 2;
}
