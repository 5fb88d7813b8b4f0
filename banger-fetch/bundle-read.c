/*
 * The strict reader image bundles (bundle-unpack.c) and kernel bundles
 * (kernel-bundle.c) share: tar + zstd holding manifest.json and the
 * members a bundle_spec allows, regular files once each, bounded.  No
 * member's name reaches the host: each is written to the fixed name the
 * spec gives, created new (O_EXCL, O_NOFOLLOW) in the output directory,
 * at the offsets the archive gives so that a sparse member keeps holes.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "bundle.h"
#include "catalog.h"
#include "fetch.h"
#include "valid.h"

#define MAX_MEMBERS	4

struct rd {
	const struct bundle_spec *s;
	struct archive	*a;
	int		 dfd;		/* -1: checking only */
	int		 have_manifest;
	int		 have[MAX_MEMBERS];
	uint64_t	 size[MAX_MEMBERS];
	char		*err;
	size_t		 errsz;
};

void
bundle_range(int64_t max, char *buf, size_t bufsz)
{
	if (max >= (1LL << 30) && max % (1LL << 30) == 0)
		snprintf(buf, bufsz, "1 byte to %lld GiB", (long long)(max >>
		    30));
	else
		snprintf(buf, bufsz, "1 byte to %lld MiB", (long long)(max >>
		    20));
}

struct json_t *
bundle_manifest_load(const char *buf, size_t len, size_t max,
    const char *const *keys, char *name, int64_t *created, char *err,
    size_t errsz)
{
	json_error_t	 je;
	json_t		*root, *v;
	const char	*k;
	char		 list[128];
	json_int_t	 i;
	size_t		 j, n;

	if (len > max) {
		snprintf(err, errsz, "manifest.json is larger than %zu bytes",
		    max);
		return NULL;
	}
	if ((root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je)) ==
	    NULL || !json_is_object(root)) {
		snprintf(err, errsz, "manifest.json is not a JSON object (or "
		    "has a key twice)");
		json_decref(root);
		return NULL;
	}
	json_object_foreach(root, k, v) {
		for (j = 0; keys[j] != NULL && strcmp(k, keys[j]) != 0; j++)
			;
		if (keys[j] != NULL)
			continue;
		for (j = 0, n = 0; keys[j] != NULL && n < sizeof(list); j++)
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
			    j > 0 ? ", " : "", keys[j]);
		snprintf(err, errsz, "manifest.json has an unknown key (only "
		    "%s)", list);
		goto bad;
	}
	v = json_object_get(root, "name");
	if (!json_is_string(v) || json_string_length(v) > CAT_NAME_MAX ||
	    strlen(json_string_value(v)) != json_string_length(v) ||
	    !valid_vm_name(json_string_value(v))) {
		snprintf(err, errsz, "manifest.json has no name or a bad one");
		goto bad;
	}
	snprintf(name, CAT_NAME_MAX + 1, "%s", json_string_value(v));
	v = json_object_get(root, "created");
	if (!json_is_integer(v) || (i = json_integer_value(v)) < 0 ||
	    (uint64_t)i > CAT_SERIAL_MAX) {
		snprintf(err, errsz, "manifest.json has no created time or a "
		    "bad one (unix seconds)");
		goto bad;
	}
	*created = i;
	return root;
bad:
	json_decref(root);
	return NULL;
}

/* A member's name for a message: printable ASCII, at most 80 bytes. */
static void
shown_name(const char *s, char *out, size_t outsz)
{
	size_t	 i;

	if (s == NULL)
		s = "(no name)";
	for (i = 0; s[i] != '\0' && i + 1 < outsz && i < 80; i++)
		out[i] = s[i] > ' ' && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
}

static int
read_manifest(struct rd *r)
{
	char		 buf[BUNDLE_MANIFEST_MAX];
	size_t		 max = r->s->manifest_max, got = 0;
	la_ssize_t	 n = 0;

	while (got < max && (n = archive_read_data(r->a, buf + got,
	    max - got)) > 0)
		got += (size_t)n;
	if (got == max && (n = archive_read_data(r->a, buf, 1)) > 0) {
		snprintf(r->err, r->errsz, "bad member: manifest.json is "
		    "larger than %zu bytes", max);
		return -1;
	}
	if (n < 0) {
		snprintf(r->err, r->errsz, "the bundle is truncated or "
		    "corrupt: %s", archive_error_string(r->a));
		return -1;
	}
	if (r->s->manifest(r->s->arg, buf, got, r->err, r->errsz) == -1)
		return -1;
	return r->s->sizes == NULL ? 0 : r->s->sizes(r->s->arg, r->size,
	    r->err, r->errsz);
}

/* Member k's data into the new file named for it (read only, dfd -1). */
static int
write_member(struct rd *r, size_t k, struct archive_entry *e)
{
	const struct bundle_member *m = &r->s->members[k];
	const void	*buf;
	size_t		 len;
	la_int64_t	 off;
	uint64_t	 size;
	char		 range[64];
	int		 fd = -1, n, tenth = 0, rc = -1;

	if (!archive_entry_size_is_set(e) || archive_entry_size(e) < 1 ||
	    archive_entry_size(e) > m->max) {
		bundle_range(m->max, range, sizeof(range));
		snprintf(r->err, r->errsz, "bad member: %s is not %s",
		    m->name, range);
		return -1;
	}
	size = r->size[k] = (uint64_t)archive_entry_size(e);
	if (r->have_manifest && r->s->sizes != NULL &&
	    r->s->sizes(r->s->arg, r->size, r->err, r->errsz) == -1)
		return -1;
	if (r->dfd != -1 && (fd = openat(r->dfd, m->name, O_WRONLY | O_CREAT |
	    O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644)) == -1) {
		snprintf(r->err, r->errsz, "%s: %s", m->name, strerror(errno));
		return -1;
	}
	if (fd != -1 && ftruncate(fd, (off_t)size) == -1) {
		snprintf(r->err, r->errsz, "%s: %s", m->name, strerror(errno));
		goto out;
	}
	/* Offsets as the archive gives them: a sparse member keeps holes. */
	while ((n = archive_read_data_block(r->a, &buf, &len, &off)) ==
	    ARCHIVE_OK) {
		if (off < 0 || (uint64_t)off > size ||
		    len > size - (uint64_t)off) {
			snprintf(r->err, r->errsz, "bad member: %s's data lies "
			    "beyond its size", m->name);
			goto out;
		}
		if (fd == -1)
			continue;
		if (len > 0 && pwrite(fd, buf, len, off) != (ssize_t)len) {
			snprintf(r->err, r->errsz, "%s: %s", m->name,
			    errno != 0 ? strerror(errno) : "short write");
			goto out;
		}
		if (m->progress &&
		    (int)(((uint64_t)off + len) * 10 / size) > tenth) {
			tenth = (int)(((uint64_t)off + len) * 10 / size);
			status_progress("unpacking %s: %d%%", m->name,
			    tenth * 10);
		}
	}
	if (n != ARCHIVE_EOF) {
		snprintf(r->err, r->errsz, "the bundle is truncated or "
		    "corrupt: %s", archive_error_string(r->a));
		goto out;
	}
	if (fd != -1 && fsync(fd) == -1) {
		snprintf(r->err, r->errsz, "%s: %s", m->name, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	return rc;
}

static int
member(struct rd *r, struct archive_entry *e)
{
	const char	*path = archive_entry_pathname(e);
	char		 shown[96];
	size_t		 k;

	shown_name(path, shown, sizeof(shown));
	if (archive_entry_filetype(e) != AE_IFREG ||
	    archive_entry_hardlink(e) != NULL ||
	    archive_entry_symlink(e) != NULL) {
		snprintf(r->err, r->errsz, "bad member: %s is not a regular "
		    "file (links, directories and devices are refused)",
		    shown);
		return -1;
	}
	if (path != NULL && strcmp(path, "manifest.json") == 0) {
		if (r->have_manifest++) {
			snprintf(r->err, r->errsz, "bad member: a second "
			    "manifest.json");
			return -1;
		}
		if (archive_entry_size(e) > (la_int64_t)r->s->manifest_max) {
			snprintf(r->err, r->errsz, "bad member: manifest.json "
			    "is larger than %zu bytes", r->s->manifest_max);
			return -1;
		}
		return read_manifest(r);
	}
	for (k = 0; path != NULL && k < r->s->n; k++)
		if (strcmp(path, r->s->members[k].name) == 0)
			break;
	if (path == NULL || k == r->s->n) {
		snprintf(r->err, r->errsz, "bad member: %s (%s)", shown,
		    r->s->holds);
		return -1;
	}
	if (r->have[k]++) {
		snprintf(r->err, r->errsz, "bad member: a second %s", shown);
		return -1;
	}
	return write_member(r, k, e);
}

int
bundle_read_fd(int fd, int dfd, const struct bundle_spec *s, char *err,
    size_t errsz)
{
	struct archive_entry	*e;
	struct rd		 r;
	size_t			 k;
	int			 n, rc = -1;

	memset(&r, 0, sizeof(r));
	r.s = s;
	r.dfd = dfd;
	r.err = err;
	r.errsz = errsz;
	if (s->n > MAX_MEMBERS || s->manifest_max > BUNDLE_MANIFEST_MAX) {
		snprintf(err, errsz, "bundle_read_fd: a spec it cannot hold");
		return -1;
	}
	if ((r.a = archive_read_new()) == NULL ||
	    archive_read_support_filter_zstd(r.a) != ARCHIVE_OK ||
	    archive_read_support_format_tar(r.a) != ARCHIVE_OK) {
		snprintf(err, errsz, "libarchive lacks zstd or tar");
		goto out;
	}
	if (archive_read_open_fd(r.a, fd, 1 << 16) != ARCHIVE_OK) {
		snprintf(err, errsz, "the bundle is truncated or not tar + "
		    "zstd: %s", archive_error_string(r.a));
		goto out;
	}
	while ((n = archive_read_next_header(r.a, &e)) == ARCHIVE_OK) {
		if (archive_filter_code(r.a, 0) != ARCHIVE_FILTER_ZSTD) {
			snprintf(err, errsz, "the bundle is not compressed "
			    "with zstd");
			goto out;
		}
		if (member(&r, e) == -1)
			goto out;
	}
	if (n != ARCHIVE_EOF) {
		snprintf(err, errsz, "the bundle is truncated or corrupt: %s",
		    archive_error_string(r.a));
		goto out;
	}
	if (!r.have_manifest) {
		snprintf(err, errsz, "bad member: the bundle lacks "
		    "manifest.json");
		goto out;
	}
	for (k = 0; k < s->n; k++)
		if (s->members[k].required && !r.have[k]) {
			snprintf(err, errsz, "bad member: the bundle lacks %s",
			    s->members[k].name);
			goto out;
		}
	if (strcmp(s->got, s->want) != 0) {
		snprintf(err, errsz, "the bundle's manifest names %s, not %s",
		    s->got, s->want);
		goto out;
	}
	rc = 0;
out:
	if (r.a != NULL)
		archive_read_free(r.a);
	return rc;
}
