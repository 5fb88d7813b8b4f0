/*
 * Kernel bundles, the way a catalog shares a guest kernel (`banger
 * kernel bundle`, `banger kernel pull`): tar + zstd of manifest.json,
 * vmlinux and, when the kernel has modules, modules.cpio.  Made by
 * bundle_kernel_main (kernel-bundle-make.c) from a kernel directory
 * `banger kernel import` wrote; read back here by kbundle_unpack_fd as
 * less trusted bytes, as
 * bundle-unpack.c reads image bundles: exactly those members, regular
 * files once each, bounded, written to fixed names in a directory, so
 * that no member's name ever reaches the host's file system.  What the
 * files hold is checked by their own readers (kernel_elf_check,
 * kernel_modules_check), both before bundling and after unpacking.
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

/* [A-Za-z0-9._+-], 1..KERNEL_RELEASE_MAX bytes. */
int
kb_release_valid(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || n > KERNEL_RELEASE_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((s[i] < 'a' || s[i] > 'z') && (s[i] < 'A' || s[i] > 'Z') &&
		    (s[i] < '0' || s[i] > '9') && strchr("._+-", s[i]) == NULL)
			return 0;
	return 1;
}

int
kbundle_manifest_parse(const char *buf, size_t len, struct kbundle_manifest *m,
    char *err, size_t errsz)
{
	json_error_t	 je;
	json_t		*root, *v;
	const char	*k;
	json_int_t	 i;
	int		 rc = -1;

	memset(m, 0, sizeof(*m));
	if (len > KBUNDLE_MANIFEST_MAX) {
		snprintf(err, errsz, "manifest.json is larger than %d bytes",
		    KBUNDLE_MANIFEST_MAX);
		return -1;
	}
	if ((root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je)) ==
	    NULL || !json_is_object(root)) {
		snprintf(err, errsz, "manifest.json is not a JSON object (or "
		    "has a key twice)");
		json_decref(root);
		return -1;
	}
	json_object_foreach(root, k, v) {
		if (strcmp(k, "name") != 0 && strcmp(k, "release") != 0 &&
		    strcmp(k, "created") != 0) {
			snprintf(err, errsz, "manifest.json has an unknown key "
			    "(only name, release, created)");
			goto out;
		}
	}
	v = json_object_get(root, "name");
	if (!json_is_string(v) || json_string_length(v) >= sizeof(m->name) ||
	    strlen(json_string_value(v)) != json_string_length(v) ||
	    !valid_vm_name(json_string_value(v))) {
		snprintf(err, errsz, "manifest.json has no name or a bad one");
		goto out;
	}
	snprintf(m->name, sizeof(m->name), "%s", json_string_value(v));
	v = json_object_get(root, "release");
	if (!json_is_string(v) || !kb_release_valid(json_string_value(v),
	    json_string_length(v)) || strlen(json_string_value(v)) !=
	    json_string_length(v)) {
		snprintf(err, errsz, "manifest.json has no release or a bad one "
		    "([A-Za-z0-9._+-], at most %d bytes)", KERNEL_RELEASE_MAX);
		goto out;
	}
	snprintf(m->release, sizeof(m->release), "%s", json_string_value(v));
	v = json_object_get(root, "created");
	if (!json_is_integer(v) || (i = json_integer_value(v)) < 0 ||
	    (uint64_t)i > CAT_SERIAL_MAX) {
		snprintf(err, errsz, "manifest.json has no created time or a "
		    "bad one (unix seconds)");
		goto out;
	}
	m->created = i;
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* A member's name for a message: printable ASCII, at most 80 bytes. */
static void
kb_shown(const char *s, char *out, size_t outsz)
{
	size_t	 i;

	if (s == NULL)
		s = "(no name)";
	for (i = 0; s[i] != '\0' && i + 1 < outsz && i < 80; i++)
		out[i] = s[i] > ' ' && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
}

struct kb_unpack {
	struct archive		*a;
	int			 dfd;
	int			 have_manifest, have_vmlinux, have_modules;
	struct kbundle_manifest	*m;
	char			*err;
	size_t			 errsz;
};

static int
kb_read_manifest(struct kb_unpack *u, struct archive_entry *e)
{
	char		 buf[KBUNDLE_MANIFEST_MAX];
	la_ssize_t	 r = 0;
	size_t		 got = 0;

	if (archive_entry_size(e) > KBUNDLE_MANIFEST_MAX) {
		snprintf(u->err, u->errsz, "bad member: manifest.json is "
		    "larger than %d bytes", KBUNDLE_MANIFEST_MAX);
		return -1;
	}
	while (got < sizeof(buf) && (r = archive_read_data(u->a, buf + got,
	    sizeof(buf) - got)) > 0)
		got += (size_t)r;
	if (got == sizeof(buf) && (r = archive_read_data(u->a, buf, 1)) > 0) {
		snprintf(u->err, u->errsz, "bad member: manifest.json is "
		    "larger than %d bytes", KBUNDLE_MANIFEST_MAX);
		return -1;
	}
	if (r < 0) {
		snprintf(u->err, u->errsz, "the bundle is truncated or "
		    "corrupt: %s", archive_error_string(u->a));
		return -1;
	}
	return kbundle_manifest_parse(buf, got, u->m, u->err, u->errsz);
}

/* The member into outdir's new file fname, at most max bytes. */
static int
kb_write(struct kb_unpack *u, struct archive_entry *e, const char *fname,
    int64_t max)
{
	const void	*buf;
	size_t		 len;
	la_int64_t	 off;
	uint64_t	 size;
	int		 fd, r, rc = -1;

	if (!archive_entry_size_is_set(e) || archive_entry_size(e) < 1 ||
	    archive_entry_size(e) > max) {
		snprintf(u->err, u->errsz, "bad member: %s is not 1 byte to "
		    "%lld MiB", fname, (long long)(max >> 20));
		return -1;
	}
	size = (uint64_t)archive_entry_size(e);
	if ((fd = openat(u->dfd, fname, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0644)) == -1) {
		snprintf(u->err, u->errsz, "%s: %s", fname, strerror(errno));
		return -1;
	}
	if (ftruncate(fd, (off_t)size) == -1) {
		snprintf(u->err, u->errsz, "%s: %s", fname, strerror(errno));
		goto out;
	}
	/* Offsets as the archive gives them: a sparse member keeps holes. */
	while ((r = archive_read_data_block(u->a, &buf, &len, &off)) ==
	    ARCHIVE_OK) {
		if (off < 0 || (uint64_t)off > size ||
		    len > size - (uint64_t)off) {
			snprintf(u->err, u->errsz, "bad member: %s's data lies "
			    "beyond its size", fname);
			goto out;
		}
		if (len > 0 && pwrite(fd, buf, len, off) != (ssize_t)len) {
			snprintf(u->err, u->errsz, "%s: %s", fname,
			    errno != 0 ? strerror(errno) : "short write");
			goto out;
		}
	}
	if (r != ARCHIVE_EOF) {
		snprintf(u->err, u->errsz, "the bundle is truncated or "
		    "corrupt: %s", archive_error_string(u->a));
		goto out;
	}
	if (fsync(fd) == -1) {
		snprintf(u->err, u->errsz, "%s: %s", fname, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

static int
kb_member(struct kb_unpack *u, struct archive_entry *e)
{
	const char	*path = archive_entry_pathname(e);
	char		 shown[96];
	int		*seen;

	kb_shown(path, shown, sizeof(shown));
	if (archive_entry_filetype(e) != AE_IFREG ||
	    archive_entry_hardlink(e) != NULL ||
	    archive_entry_symlink(e) != NULL) {
		snprintf(u->err, u->errsz, "bad member: %s is not a regular "
		    "file (links, directories and devices are refused)",
		    shown);
		return -1;
	}
	if (path == NULL)
		seen = NULL;
	else if (strcmp(path, "manifest.json") == 0)
		seen = &u->have_manifest;
	else if (strcmp(path, "vmlinux") == 0)
		seen = &u->have_vmlinux;
	else if (strcmp(path, "modules.cpio") == 0)
		seen = &u->have_modules;
	else
		seen = NULL;
	if (seen == NULL) {
		snprintf(u->err, u->errsz, "bad member: %s (a kernel bundle "
		    "holds only manifest.json, vmlinux and modules.cpio)",
		    shown);
		return -1;
	}
	if ((*seen)++) {
		snprintf(u->err, u->errsz, "bad member: a second %s", shown);
		return -1;
	}
	if (seen == &u->have_manifest)
		return kb_read_manifest(u, e);
	if (seen == &u->have_vmlinux)
		return kb_write(u, e, "vmlinux", KERNEL_VMLINUX_MAX);
	return kb_write(u, e, "modules.cpio", KERNEL_MODULES_CPIO_MAX);
}

int
kbundle_unpack_fd(int fd, const char *outdir, const char *name,
    struct kbundle_manifest *m, char *err, size_t errsz)
{
	struct archive_entry	*e;
	struct kb_unpack	 u;
	int			 r, rc = -1;

	memset(&u, 0, sizeof(u));
	memset(m, 0, sizeof(*m));
	u.m = m;
	u.err = err;
	u.errsz = errsz;
	if ((u.dfd = open(outdir, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errsz, "%s: %s", outdir, strerror(errno));
		return -1;
	}
	if ((u.a = archive_read_new()) == NULL ||
	    archive_read_support_filter_zstd(u.a) != ARCHIVE_OK ||
	    archive_read_support_format_tar(u.a) != ARCHIVE_OK) {
		snprintf(err, errsz, "libarchive lacks zstd or tar");
		goto out;
	}
	if (archive_read_open_fd(u.a, fd, 1 << 16) != ARCHIVE_OK) {
		snprintf(err, errsz, "the bundle is truncated or not tar + "
		    "zstd: %s", archive_error_string(u.a));
		goto out;
	}
	while ((r = archive_read_next_header(u.a, &e)) == ARCHIVE_OK) {
		if (archive_filter_code(u.a, 0) != ARCHIVE_FILTER_ZSTD) {
			snprintf(err, errsz, "the bundle is not compressed "
			    "with zstd");
			goto out;
		}
		if (kb_member(&u, e) == -1)
			goto out;
	}
	if (r != ARCHIVE_EOF) {
		snprintf(err, errsz, "the bundle is truncated or corrupt: %s",
		    archive_error_string(u.a));
		goto out;
	}
	if (!u.have_manifest || !u.have_vmlinux) {
		snprintf(err, errsz, "bad member: the bundle lacks %s",
		    u.have_manifest ? "vmlinux" : "manifest.json");
		goto out;
	}
	if (strcmp(m->name, name) != 0) {
		snprintf(err, errsz, "the bundle's manifest names %s, not %s",
		    m->name, name);
		goto out;
	}
	rc = 0;
out:
	if (rc == -1)
		memset(m, 0, sizeof(*m));
	if (u.a != NULL)
		archive_read_free(u.a);
	close(u.dfd);
	return rc;
}
