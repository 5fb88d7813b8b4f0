/*
 * A kernel's modules.cpio read back (kernel_modules_check): the archive
 * kernel_modules_cpio writes at `banger kernel import`, but from a
 * catalog's kernel bundle, so less trusted bytes that banger appends to
 * its own initramfs and whose modules images/init insmods as root in the
 * guest.  Only the exact shape kernel_modules_cpio gives is taken: newc
 * cpio, uncompressed, the two directories, root-owned modules for this
 * kernel whose dependencies are all there, and a load list that names
 * each once, dependencies first.  Nothing here logs, so the fuzzer links
 * this file, kernel-modules.c and libarchive alone.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "kernel.h"

#define MC_NAME_MAX	KMOD_NAME_MAX
/* The load list: every module's name and a newline. */
#define MC_LOAD_MAX	(KERNEL_MODULES_MAX * (MC_NAME_MAX + 1))

struct mc_mod {
	char	 name[MC_NAME_MAX + 1];		/* '-' made '_' */
	char	 depends[KERNEL_DEPENDS_MAX + 1];
	int	 pos;				/* in load, -1 before */
};

struct mc_state {
	struct archive	*a;
	const char	*release;
	struct mc_mod	 mods[KERNEL_MODULES_MAX];
	size_t		 nmods;
	char		 load[MC_LOAD_MAX + 1];
	size_t		 loadlen;
	int		 have_lib, have_modules, have_load;
	char		*err;
	size_t		 errlen;
};

/* A member's name for a message: printable ASCII, at most 80 bytes. */
static void
mc_shown(const char *s, char *out, size_t outsz)
{
	size_t	 i;

	if (s == NULL)
		s = "(no name)";
	for (i = 0; s[i] != '\0' && i + 1 < outsz && i < 80; i++)
		out[i] = s[i] > ' ' && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
}

static struct mc_mod *
mc_find(struct mc_state *s, const char *name)
{
	size_t	 i;

	for (i = 0; i < s->nmods; i++)
		if (strcmp(s->mods[i].name, name) == 0)
			return &s->mods[i];
	return NULL;
}

/* The member's data, exactly its size, into buf (len bytes). */
static int
mc_read(struct mc_state *s, const char *path, void *buf, size_t len)
{
	la_ssize_t	 r;
	size_t		 got = 0;
	char		 extra;

	while (got < len && (r = archive_read_data(s->a, (char *)buf + got,
	    len - got)) > 0)
		got += (size_t)r;
	if (got < len || archive_read_data(s->a, &extra, 1) != 0)
		return kmod_fail(s->err, s->errlen, "%s: truncated or corrupt: "
		    "%s", path, kmod_la_error(s->a));
	return 0;
}

/* lib/modules/NAME.ko: a module for this kernel, once. */
static int
mc_module(struct mc_state *s, struct archive_entry *e, const char *base)
{
	struct kernel_modinfo	 mi;
	struct mc_mod		*m;
	unsigned char		*buf;
	char			 name[MC_NAME_MAX + 1], why[256], shown[96];
	size_t			 len;

	mc_shown(base, shown, sizeof(shown));
	if (kmod_name_norm(base, strlen(base) - 3, name) == -1 ||
	    strncmp(base, name, strlen(name)) != 0)
		return kmod_fail(s->err, s->errlen, "lib/modules/%s: not a "
		    "module name ([A-Za-z0-9_], at most %d bytes)", shown,
		    MC_NAME_MAX);
	if (mc_find(s, name) != NULL)
		return kmod_fail(s->err, s->errlen, "module %s is in the archive "
		    "twice", name);
	if (s->nmods == KERNEL_MODULES_MAX)
		return kmod_fail(s->err, s->errlen, "more than %d modules",
		    KERNEL_MODULES_MAX);
	if (archive_entry_size(e) < 1 ||
	    archive_entry_size(e) > KERNEL_MODULE_MAX)
		return kmod_fail(s->err, s->errlen, "module %s is not 1 byte to "
		    "%d MiB", name, KERNEL_MODULE_MAX >> 20);
	len = (size_t)archive_entry_size(e);
	if ((buf = malloc(len)) == NULL)
		return kmod_fail(s->err, s->errlen, "out of memory");
	if (mc_read(s, base, buf, len) == -1) {
		free(buf);
		return -1;
	}
	if (kernel_modinfo(buf, len, &mi, why, sizeof(why)) == -1) {
		free(buf);
		return kmod_fail(s->err, s->errlen, "module %s: %s", name, why);
	}
	free(buf);
	if (strcmp(mi.vermagic, s->release) != 0)
		return kmod_fail(s->err, s->errlen, "module %s is for kernel %s, "
		    "not %s", name, mi.vermagic, s->release);
	m = &s->mods[s->nmods++];
	snprintf(m->name, sizeof(m->name), "%s", name);
	snprintf(m->depends, sizeof(m->depends), "%s", mi.depends);
	m->pos = -1;
	return 0;
}

static int
mc_member(struct mc_state *s, struct archive_entry *e)
{
	const char	*path = archive_entry_pathname(e);
	mode_t		 type = archive_entry_filetype(e);
	mode_t		 perm = archive_entry_perm(e);
	char		 shown[96];
	size_t		 n;

	mc_shown(path, shown, sizeof(shown));
	if (archive_format(s->a) != ARCHIVE_FORMAT_CPIO_SVR4_NOCRC)
		return kmod_fail(s->err, s->errlen, "not a newc cpio archive");
	if (path == NULL)
		return kmod_fail(s->err, s->errlen, "a member without a name");
	if (archive_entry_hardlink(e) != NULL ||
	    archive_entry_symlink(e) != NULL ||
	    (type != AE_IFDIR && type != AE_IFREG) ||
	    (type == AE_IFREG && archive_entry_nlink(e) > 1))
		return kmod_fail(s->err, s->errlen, "%s: links and devices are "
		    "refused", shown);
	if (archive_entry_uid(e) != 0 || archive_entry_gid(e) != 0)
		return kmod_fail(s->err, s->errlen, "%s is not owned by root",
		    shown);
	if ((perm & (S_ISUID | S_ISGID | S_ISVTX | S_IWGRP | S_IWOTH)) != 0)
		return kmod_fail(s->err, s->errlen, "%s has mode %04o (setuid, "
		    "setgid, sticky or writable by others)", shown,
		    (unsigned)perm);
	if (!archive_entry_size_is_set(e) || archive_entry_size(e) < 0)
		return kmod_fail(s->err, s->errlen, "%s has no size", shown);
	if (strcmp(path, "lib") == 0 || strcmp(path, "lib/modules") == 0) {
		if (type != AE_IFDIR || archive_entry_size(e) != 0)
			return kmod_fail(s->err, s->errlen, "%s is not a "
			    "directory", shown);
		if (path[3] == '\0' ? s->have_lib++ : s->have_modules++)
			return kmod_fail(s->err, s->errlen, "%s is in the "
			    "archive twice", shown);
		if (path[3] != '\0' && !s->have_lib)
			return kmod_fail(s->err, s->errlen, "lib/modules comes "
			    "before lib");
		return 0;
	}
	if (type != AE_IFREG)
		return kmod_fail(s->err, s->errlen, "%s is not a regular file "
		    "(only lib and lib/modules are directories)", shown);
	if (strncmp(path, "lib/modules/", 12) != 0 || !s->have_modules)
		return kmod_fail(s->err, s->errlen, "%s: the archive holds only "
		    "lib/modules/NAME.ko and lib/modules/load, after lib and "
		    "lib/modules", shown);
	path += 12;
	if (strcmp(path, "load") == 0) {
		if (s->have_load++)
			return kmod_fail(s->err, s->errlen, "lib/modules/load is "
			    "in the archive twice");
		if (archive_entry_size(e) > MC_LOAD_MAX)
			return kmod_fail(s->err, s->errlen, "lib/modules/load is "
			    "larger than %d bytes", MC_LOAD_MAX);
		s->loadlen = (size_t)archive_entry_size(e);
		if (mc_read(s, "lib/modules/load", s->load, s->loadlen) == -1)
			return -1;
		s->load[s->loadlen] = '\0';
		return 0;
	}
	n = strlen(path);
	if (n < 4 || strcmp(path + n - 3, ".ko") != 0)
		return kmod_fail(s->err, s->errlen, "%s: the archive holds only "
		    "lib/modules/NAME.ko and lib/modules/load", shown);
	return mc_module(s, e, path);
}

/* An 8-digit hex field of a newc header; -1 if it is not one. */
static int64_t
mc_hex(const unsigned char *p)
{
	int64_t	 v = 0;
	int	 i;

	for (i = 0; i < 8; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			v = v * 16 + (p[i] - '0');
		else if (p[i] >= 'a' && p[i] <= 'f')
			v = v * 16 + (p[i] - 'a' + 10);
		else if (p[i] >= 'A' && p[i] <= 'F')
			v = v * 16 + (p[i] - 'A' + 10);
		else
			return -1;
	}
	return v;
}

/*
 * libarchive's cpio reader allocates a member's name, and a symlink's
 * target, at the size its header claims (up to 4 GiB) before it reads
 * them, and skips junk to find a header.  So the newc headers are
 * walked first, as kernel_modules_cpio lays them out: each where the
 * last one's data ends, all its fields hex, its name at most MC_PATH_MAX
 * bytes, no data but a regular file's, up to "TRAILER!!!" and then
 * nothing but NUL padding.  What the members are is libarchive's to
 * read after.
 */
#define MC_PATH_MAX	256
/* n (at most 3) bytes at off are zeros: 0, else -1. */
static int
mc_zeros(int fd, off_t off, int64_t n)
{
	unsigned char	 b[3] = { 0, 0, 0 };
	int64_t		 i;

	if (n == 0)
		return 0;
	if (pread(fd, b, (size_t)n, off) != n)
		return -1;
	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return -1;
	return 0;
}

static int
mc_prescan(int fd, off_t size, char *err, size_t errlen)
{
	unsigned char	 h[110 + MC_PATH_MAX], pad[512];
	int64_t		 mode, fsize, nsize;
	off_t		 off = 0;
	ssize_t		 n, i;

	for (;;) {
		if (size - off < 110 || pread(fd, h, 110, off) != 110)
			return kmod_fail(err, errlen, "modules.cpio is truncated "
			    "(no TRAILER!!! member)");
		/*
		 * Every field, not only the three used here: libarchive
		 * takes a header with one non-hex field for junk and
		 * searches on, into the member's data.
		 */
		for (i = 6; i < 110 && mc_hex(h + i) != -1; i += 8)
			;
		if (memcmp(h, "070701", 6) != 0 || i < 110)
			return kmod_fail(err, errlen, "modules.cpio is not an "
			    "uncompressed newc cpio archive (a bad header at "
			    "byte %lld)", (long long)off);
		mode = mc_hex(h + 14);
		fsize = mc_hex(h + 54);
		nsize = mc_hex(h + 94);
		if (nsize < 1 || nsize > MC_PATH_MAX)
			return kmod_fail(err, errlen, "a member's name is empty "
			    "or longer than %d bytes", MC_PATH_MAX);
		if ((mode & S_IFMT) != S_IFREG && fsize != 0)
			return kmod_fail(err, errlen, "a member that is not a "
			    "regular file has data: links and devices are "
			    "refused");
		if (size - off - 110 < nsize ||
		    pread(fd, h + 110, (size_t)nsize, off + 110) != nsize)
			return kmod_fail(err, errlen, "modules.cpio is "
			    "truncated");
		/*
		 * The kernel reads a name as a C string: it must end in its
		 * one NUL, and padding must be zeros, or the kernel and
		 * this check would read different names.
		 */
		if (h[110 + nsize - 1] != 0 || memchr(h + 110, 0,
		    (size_t)nsize - 1) != NULL)
			return kmod_fail(err, errlen, "a member's name is not "
			    "one NUL-terminated string");
		if (mc_zeros(fd, off + 110 + nsize, (4 - (110 + nsize) % 4) %
		    4) == -1)
			return kmod_fail(err, errlen, "a member's name is "
			    "padded with bytes that are not zeros");
		off += (110 + nsize + 3) & ~(off_t)3;
		if (size - off < fsize)
			return kmod_fail(err, errlen, "modules.cpio is "
			    "truncated");
		if (mc_zeros(fd, off + fsize, (4 - fsize % 4) % 4) == -1)
			return kmod_fail(err, errlen, "a member's data is "
			    "padded with bytes that are not zeros");
		off += (fsize + 3) & ~(off_t)3;
		if (nsize == 11 && memcmp(h + 110, "TRAILER!!!", 11) == 0)
			break;
	}
	/* A writer may pad the archive to its block size. */
	while ((n = pread(fd, pad, sizeof(pad), off)) > 0) {
		for (i = 0; i < n; i++)
			if (pad[i] != 0)
				return kmod_fail(err, errlen, "modules.cpio has "
				    "bytes after its TRAILER!!! member");
		off += n;
	}
	return 0;
}

/*
 * Every module's dependencies are in the archive, and load names every
 * module once, each after what it depends on.
 */
static int
mc_order(struct mc_state *s)
{
	struct mc_mod	*m, *d;
	char		 name[MC_NAME_MAX + 1];
	const char	*p, *nl, *c;
	size_t		 i, start;
	int		 pos = 0;

	if (s->loadlen > 0 && s->load[s->loadlen - 1] != '\n')
		return kmod_fail(s->err, s->errlen, "lib/modules/load does not "
		    "end in a newline");
	if (memchr(s->load, '\0', s->loadlen) != NULL)
		return kmod_fail(s->err, s->errlen, "lib/modules/load holds a "
		    "NUL byte");
	for (p = s->load; *p != '\0'; p = nl + 1, pos++) {
		nl = strchr(p, '\n');
		if (kmod_name_norm(p, (size_t)(nl - p), name) == -1 ||
		    strncmp(p, name, (size_t)(nl - p)) != 0)
			return kmod_fail(s->err, s->errlen, "lib/modules/load's "
			    "line %d is not a module name", pos + 1);
		if ((m = mc_find(s, name)) == NULL)
			return kmod_fail(s->err, s->errlen, "lib/modules/load "
			    "names %s, which the archive lacks", name);
		if (m->pos != -1)
			return kmod_fail(s->err, s->errlen, "lib/modules/load "
			    "names %s twice", name);
		m->pos = pos;
	}
	for (i = 0; i < s->nmods; i++) {
		m = &s->mods[i];
		if (m->pos == -1)
			return kmod_fail(s->err, s->errlen, "lib/modules/load "
			    "does not name %s", m->name);
		for (c = m->depends, start = 0; m->depends[0] != '\0'; c++) {
			if (*c != ',' && *c != '\0')
				continue;
			/* kernel_modinfo checked the names. */
			(void)kmod_name_norm(m->depends + start,
			    (size_t)(c - m->depends) - start, name);
			if ((d = mc_find(s, name)) == NULL)
				return kmod_fail(s->err, s->errlen, "module %s "
				    "depends on %s, which the archive lacks",
				    m->name, name);
			if (d->pos >= m->pos)
				return kmod_fail(s->err, s->errlen,
				    "lib/modules/load has %s before %s, which "
				    "it depends on", m->name, name);
			if (*c == '\0')
				break;
			start = (size_t)(c - m->depends) + 1;
		}
	}
	return 0;
}

int
kernel_modules_check(int fd, const char *release, unsigned *count, char *err,
    size_t errlen)
{
	struct archive_entry	*e;
	struct mc_state		*s;
	struct stat		 st;
	size_t			 i, rl;
	int			 r, rc = -1;

	*count = 0;
	rl = strlen(release);
	for (i = 0; i < rl; i++)
		if ((release[i] < 'a' || release[i] > 'z') &&
		    (release[i] < 'A' || release[i] > 'Z') &&
		    (release[i] < '0' || release[i] > '9') &&
		    strchr("._+-", release[i]) == NULL)
			break;
	if (rl == 0 || rl > KERNEL_RELEASE_MAX || i != rl)
		return kmod_fail(err, errlen, "bad kernel release");
	if (fstat(fd, &st) == -1)
		return kmod_fail(err, errlen, "modules.cpio: %s", strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_size > KERNEL_MODULES_CPIO_MAX)
		return kmod_fail(err, errlen, "modules.cpio is not a regular file "
		    "of at most %lld MiB", KERNEL_MODULES_CPIO_MAX >> 20);
	if (mc_prescan(fd, st.st_size, err, errlen) == -1)
		return -1;
	if (lseek(fd, 0, SEEK_SET) != 0)
		return kmod_fail(err, errlen, "modules.cpio: %s", strerror(errno));
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return kmod_fail(err, errlen, "out of memory");
	s->release = release;
	s->err = err;
	s->errlen = errlen;
	/* cpio alone and no filter: a compressed archive is not one. */
	if ((s->a = archive_read_new()) == NULL ||
	    archive_read_support_format_cpio(s->a) != ARCHIVE_OK) {
		kmod_fail(err, errlen, "libarchive lacks cpio");
		goto out;
	}
	if (archive_read_open_fd(s->a, fd, 1 << 16) != ARCHIVE_OK) {
		kmod_fail(err, errlen, "modules.cpio is not an uncompressed "
		    "newc cpio archive: %s", kmod_la_error(s->a));
		goto out;
	}
	while ((r = archive_read_next_header(s->a, &e)) == ARCHIVE_OK)
		if (mc_member(s, e) == -1)
			goto out;
	if (r != ARCHIVE_EOF) {
		kmod_fail(err, errlen, "modules.cpio is not an uncompressed newc "
		    "cpio archive, or is truncated: %s", kmod_la_error(s->a));
		goto out;
	}
	if (!s->have_lib || !s->have_modules || !s->have_load) {
		kmod_fail(err, errlen, "modules.cpio lacks %s", !s->have_lib ?
		    "lib" : !s->have_modules ? "lib/modules" :
		    "lib/modules/load");
		goto out;
	}
	if (mc_order(s) == -1)
		goto out;
	*count = (unsigned)s->nmods;
	rc = 0;
out:
	if (s->a != NULL)
		archive_read_free(s->a);
	free(s);
	return rc;
}
