/*
 * Who may sign a catalog: ed25519 public keys built into banger plus the
 * *.pub files an administrator installs (CAT_KEY_DIR), each a line
 * "ed25519 BASE64 [comment]" of the raw 32-byte key, then optionally
 * "catalog URL" lines that bind the key to those catalogs only (a key
 * with none may sign any).  Signatures are the base64 of the 64-byte
 * ed25519 signature over catalog.json's bytes, verified with libcrypto.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "catalog.h"

/*
 * banger's own publishing keys.  banger has no official catalog key yet:
 * the list is empty, and only keys an administrator installs are trusted.
 */
static const unsigned char builtin_keys[][32] = {
	{ 0 }	/* placeholder; builtin_nkeys says how many are real */
};
static const size_t builtin_nkeys = 0;

static int
b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Exactly the canonical encoding of want bytes: its length, its padding
 * and no bits set in the unused tail of the last group (so one key or
 * signature has one spelling).
 */
int
catalog_b64_decode(const char *s, size_t len, unsigned char *out,
    size_t want)
{
	size_t		 i, o = 0, pad = (3 - want % 3) % 3;
	uint32_t	 acc = 0;
	int		 v, bits = 0;

	if (len != 4 * ((want + 2) / 3))
		return -1;
	for (i = 0; i < len; i++) {
		if (i >= len - pad) {
			if (s[i] != '=')
				return -1;
			continue;
		}
		if ((v = b64_val((unsigned char)s[i])) == -1)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= want)
				return -1;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return o == want && acc == 0 ? 0 : -1;
}

void
catalog_b64_encode(const unsigned char *in, size_t n, char *out)
{
	(void)EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

/* One line: text up to an optional final "\n", no other controls. */
static int
one_line(const char *buf, size_t len, size_t *linelen)
{
	size_t	 i;

	if (len > 0 && buf[len - 1] == '\n')
		len--;
	for (i = 0; i < len; i++)
		if ((unsigned char)buf[i] < ' ' || buf[i] == 0x7f)
			return -1;
	*linelen = len;
	return 0;
}

int
catalog_key_parse(const char *buf, size_t len, unsigned char key[32],
    char *err, size_t errsz)
{
	size_t	 n, b;

	if (len > CAT_KEY_FILE_MAX || one_line(buf, len, &n) == -1) {
		snprintf(err, errsz, "not one line of at most %d bytes",
		    CAT_KEY_FILE_MAX);
		return -1;
	}
	if (n < 8 || memcmp(buf, "ed25519 ", 8) != 0) {
		snprintf(err, errsz, "not \"ed25519 BASE64 [comment]\"");
		return -1;
	}
	for (b = 8; b < n && buf[b] != ' '; b++)
		;
	if (catalog_b64_decode(buf + 8, b - 8, key, 32) == -1) {
		snprintf(err, errsz, "the key is not the base64 of 32 bytes");
		return -1;
	}
	return 0;
}

/* sha256 of a catalog URL, as scopes are kept and compared. */
static int
url_hash(const char *url, size_t n, unsigned char out[32])
{
	return EVP_Digest(url, n, out, NULL, EVP_sha256(), NULL) == 1 ? 0 :
	    -1;
}

int
catalog_key_file_parse(const char *buf, size_t len, struct cat_key *k,
    char *err, size_t errsz)
{
	const char	*p, *end = buf + len, *nl, *u;
	size_t		 n, i;

	k->nscope = 0;
	if (len > CAT_KEY_FILE_MAX) {
		snprintf(err, errsz, "larger than %d bytes", CAT_KEY_FILE_MAX);
		return -1;
	}
	nl = memchr(buf, '\n', len);
	n = nl != NULL ? (size_t)(nl - buf) + 1 : len;
	if (catalog_key_parse(buf, n, k->raw, err, errsz) == -1)
		return -1;
	for (p = buf + n; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			snprintf(err, errsz, "the last line has no newline");
			return -1;
		}
		n = (size_t)(nl - p);
		if (n < 9 || memcmp(p, "catalog ", 8) != 0) {
			snprintf(err, errsz, "a line after the key is not "
			    "\"catalog URL\"");
			return -1;
		}
		u = p + 8;
		n -= 8;
		for (i = 0; i < n; i++)
			if ((unsigned char)u[i] <= ' ' || u[i] == 0x7f)
				break;
		if (i != n || n > CAT_URL_MAX) {
			snprintf(err, errsz, "a catalog URL with a space or a "
			    "control character, or longer than %d bytes",
			    CAT_URL_MAX);
			return -1;
		}
		if (k->nscope >= CAT_KEY_SCOPES_MAX) {
			snprintf(err, errsz, "more than %d catalog lines",
			    CAT_KEY_SCOPES_MAX);
			return -1;
		}
		if (url_hash(u, n, k->scope[k->nscope]) == -1) {
			snprintf(err, errsz, "sha256 failed");
			return -1;
		}
		k->nscope++;
	}
	return 0;
}

int
catalog_sig_parse(const char *buf, size_t len, unsigned char sig[64],
    char *err, size_t errsz)
{
	size_t	 n;

	if (len > CAT_SIG_FILE_MAX || one_line(buf, len, &n) == -1 ||
	    catalog_b64_decode(buf, n, sig, 64) == -1) {
		snprintf(err, errsz, "the signature is not the base64 of 64 "
		    "bytes on one line");
		return -1;
	}
	return 0;
}

static int
add_key(struct cat_key **keys, size_t *n, const struct cat_key *from,
    const char *origin)
{
	struct cat_key	*k;

	if ((k = reallocarray(*keys, *n + 1, sizeof(**keys))) == NULL)
		return -1;
	*keys = k;
	k[*n] = *from;
	snprintf(k[*n].origin, sizeof(k[*n].origin), "%s", origin);
	(*n)++;
	return 0;
}

/* dir/name's bytes, a regular file of at most CAT_KEY_FILE_MAX. */
static ssize_t
read_small(int dfd, const char *name, char *buf, size_t bufsz)
{
	struct stat	 st;
	ssize_t		 r;
	size_t		 got = 0;
	int		 fd;

	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > (off_t)bufsz) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	/* As sshd: a key anyone else could have written is no key. */
	if ((st.st_uid != 0 && st.st_uid != getuid()) ||
	    (st.st_mode & 022) != 0) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	while (got < bufsz && (r = read(fd, buf + got, bufsz - got)) > 0)
		got += (size_t)r;
	close(fd);
	return (ssize_t)got;
}

int
catalog_keys_load(const char *dir, struct cat_key **keys, size_t *n,
    char *err, size_t errsz)
{
	static char	 buf[CAT_KEY_FILE_MAX + 1];
	struct cat_key	 k;
	struct dirent	*de;
	DIR		*d;
	size_t		 i, len, files = 0;
	ssize_t		 r;
	char		 why[128];

	*keys = NULL;
	*n = 0;
	for (i = 0; i < builtin_nkeys; i++) {
		memset(&k, 0, sizeof(k));
		memcpy(k.raw, builtin_keys[i], 32);
		if (add_key(keys, n, &k, "built-in") == -1)
			goto oom;
	}
	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 5 || de->d_name[0] == '.' ||
		    strcmp(de->d_name + len - 4, ".pub") != 0)
			continue;
		if (++files > CAT_KEYS_MAX) {
			snprintf(err, errsz, "%s: more than %d key files", dir,
			    CAT_KEYS_MAX);
			closedir(d);
			goto fail;
		}
		if ((r = read_small(dirfd(d), de->d_name, buf,
		    CAT_KEY_FILE_MAX)) == -1) {
			snprintf(err, errsz, "%s/%.64s: %s", dir, de->d_name,
			    errno == EINVAL ? "not a regular file of at most "
			    "4096 bytes" : errno == EPERM ? "owned by another "
			    "user than root or you, or writable by group or "
			    "others: not trusted" : strerror(errno));
			closedir(d);
			goto fail;
		}
		memset(&k, 0, sizeof(k));
		if (catalog_key_file_parse(buf, (size_t)r, &k, why,
		    sizeof(why)) == -1) {
			snprintf(err, errsz, "key file %s/%.64s: %s", dir,
			    de->d_name, why);
			closedir(d);
			goto fail;
		}
		if (add_key(keys, n, &k, de->d_name) == -1) {
			closedir(d);
			goto oom;
		}
	}
	closedir(d);
	return 0;
oom:
	snprintf(err, errsz, "out of memory");
fail:
	free(*keys);
	*keys = NULL;
	*n = 0;
	return -1;
}

int
catalog_verify(const char *msg, size_t len, const unsigned char sig[64],
    const struct cat_key *keys, size_t n)
{
	return catalog_verify_for(msg, len, sig, keys, n, NULL);
}

/* Whether key k may sign the catalog at url (NULL: any catalog). */
static int
in_scope(const struct cat_key *k, const char *url)
{
	unsigned char	 h[32];
	size_t		 i;

	if (url == NULL || k->nscope == 0)
		return 1;
	if (url_hash(url, strlen(url), h) == -1)
		return 0;
	for (i = 0; i < k->nscope; i++)
		if (memcmp(k->scope[i], h, 32) == 0)
			return 1;
	return 0;
}

int
catalog_verify_for(const char *msg, size_t len, const unsigned char sig[64],
    const struct cat_key *keys, size_t n, const char *url)
{
	EVP_PKEY	*pk;
	EVP_MD_CTX	*ctx;
	size_t		 i;
	int		 ok;

	for (i = 0; i < n; i++) {
		if (!in_scope(&keys[i], url))
			continue;
		if ((pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
		    keys[i].raw, 32)) == NULL)
			continue;
		ok = 0;
		if ((ctx = EVP_MD_CTX_new()) != NULL &&
		    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) == 1 &&
		    EVP_DigestVerify(ctx, sig, 64, (const unsigned char *)msg,
		    len) == 1)
			ok = 1;
		EVP_MD_CTX_free(ctx);
		EVP_PKEY_free(pk);
		if (ok)
			return (int)i;
	}
	return -1;
}
