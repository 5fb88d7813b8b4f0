/*
 * The modules a user's kernel needs in banger's guest initramfs
 * (`banger kernel import`): each module's .modinfo read from its ELF
 * bytes (kernel_modinfo), and the modules asked for, with what they
 * depend on, gathered from a lib/modules/RELEASE tree into a newc cpio
 * archive that is appended to banger's own initrd (kernel_modules_cpio).
 * images/init insmods lib/modules/NAME.ko in the order lib/modules/load
 * gives, and the kernel's unpacker lets a later archive's load replace
 * the first one's.  The tree and the modules are the user's (or a
 * catalog's) bytes: the walk follows no symlink and is bounded in depth
 * and entries, the ELF reader checks every offset, a compressed module
 * stops at KERNEL_MODULE_MAX, and nothing here logs, so the fuzzer
 * links this file and libarchive alone.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "kernel.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "kernel-modules.c reads x86-64 ELF fields in host byte order"
#endif

#define KMOD_DEPTH_MAX		16	/* directories below the tree's top */
#define KMOD_ENTRIES_MAX	200000	/* directory entries in the tree */
#define KMOD_BUILTIN_MAX	(4 << 20)	/* modules.builtin */
#define KMOD_TOTAL_MAX		(256 << 20)	/* all modules, decompressed */

enum kmod_comp {
	KMOD_PLAIN,
	KMOD_XZ,
	KMOD_ZST,
	KMOD_GZ,
};

static const struct {
	const char	*suffix;
	enum kmod_comp	 comp;
} kmod_suffixes[] = {
	{ ".ko", KMOD_PLAIN },
	{ ".ko.xz", KMOD_XZ },
	{ ".ko.zst", KMOD_ZST },
	{ ".ko.gz", KMOD_GZ },
};

/* A module file found in the tree. */
struct kmod_file {
	char		 name[KMOD_NAME_MAX + 1];	/* '-' made '_' */
	char		*path;				/* relative to dirfd */
	enum kmod_comp	 comp;
};

/* A module taken into the archive (or being taken: on the DFS stack). */
struct kmod {
	char		 name[KMOD_NAME_MAX + 1];
	unsigned char	*buf;
	size_t		 len;
	int		 done;		/* 0 while its dependencies are added */
};

struct kmod_state {
	int			 dirfd;
	const char		*release;
	struct kmod_file	*files;
	size_t			 nfiles, cap;
	size_t			 entries;	/* directory entries walked */
	char			*builtin;	/* modules.builtin, names only */
	size_t			 nbuiltin;
	struct kmod		 mods[KERNEL_MODULES_MAX];
	size_t			 nmods;
	size_t			 order[KERNEL_MODULES_MAX];
	size_t			 norder;
	size_t			 total;		/* bytes of all modules */
	char			*err;
	size_t			 errlen;
};

int
kmod_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* libarchive's reason, which is NULL when it gave none (an empty file). */
const char *
kmod_la_error(struct archive *a)
{
	const char	*s = archive_error_string(a);

	return s != NULL ? s : "empty or unreadable";
}

/*
 * A module name as the kernel knows it: [A-Za-z0-9_-] ("xt_RATEEST" is
 * one), '-' read as '_'.
 */
int
kmod_name_norm(const char *s, size_t n, char out[KMOD_NAME_MAX + 1])
{
	size_t	 i;

	if (n == 0 || n > KMOD_NAME_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		if ((s[i] < 'a' || s[i] > 'z') && (s[i] < 'A' || s[i] > 'Z') &&
		    (s[i] < '0' || s[i] > '9') && s[i] != '_' && s[i] != '-')
			return -1;
		out[i] = s[i] == '-' ? '_' : s[i];
	}
	out[n] = '\0';
	return 0;
}

static int
release_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '+' ||
	    c == '-';
}

/* "a,b-c": names of at most KMOD_NAME_MAX, no empty one. */
static int
depends_valid(const char *s, size_t n)
{
	size_t	 i, start = 0;
	char	 name[KMOD_NAME_MAX + 1];

	if (n == 0)
		return 1;
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != ',')
			continue;
		if (kmod_name_norm(s + start, i - start, name) == -1)
			return 0;
		start = i + 1;
	}
	return 1;
}

/* Section header i, whose table kernel_modinfo has checked is in buf. */
static void
shdr_get(const unsigned char *buf, const Elf64_Ehdr *eh, size_t i,
    Elf64_Shdr *sh)
{
	memcpy(sh, buf + eh->e_shoff + i * sizeof(*sh), sizeof(*sh));
}

/* A section's bytes lie inside the file (SHT_NOBITS has none). */
static int
section_in(const Elf64_Shdr *sh, size_t len)
{
	uint64_t	 end;

	if (sh->sh_type == SHT_NOBITS)
		return 0;
	return !__builtin_add_overflow(sh->sh_offset, sh->sh_size, &end) &&
	    end <= len;
}

/* One "key=value" of .modinfo that banger uses, taken once. */
static int
modinfo_entry(const char *s, size_t n, struct kernel_modinfo *mi,
    int *seen, char *err, size_t errlen)
{
	size_t	 i;

	if (n >= 8 && memcmp(s, "depends=", 8) == 0) {
		if (seen[0]++)
			return kmod_fail(err, errlen, "two depends= in .modinfo");
		s += 8;
		n -= 8;
		if (n > KERNEL_DEPENDS_MAX)
			return kmod_fail(err, errlen, "depends= longer than %d bytes",
			    KERNEL_DEPENDS_MAX);
		if (!depends_valid(s, n))
			return kmod_fail(err, errlen, "depends= is not a list of "
			    "module names ([A-Za-z0-9_-], comma separated)");
		memcpy(mi->depends, s, n);
		mi->depends[n] = '\0';
	} else if (n >= 9 && memcmp(s, "vermagic=", 9) == 0) {
		if (seen[1]++)
			return kmod_fail(err, errlen, "two vermagic= in .modinfo");
		s += 9;
		n -= 9;
		for (i = 0; i < n && s[i] != ' '; i++)
			if (!release_char(s[i]))
				return kmod_fail(err, errlen, "vermagic= has a "
				    "release with a character outside "
				    "[A-Za-z0-9._+-]");
		if (i == 0 || i > KERNEL_RELEASE_MAX)
			return kmod_fail(err, errlen, "vermagic= has no release or "
			    "one longer than %d bytes", KERNEL_RELEASE_MAX);
		memcpy(mi->vermagic, s, i);
		mi->vermagic[i] = '\0';
	}
	return 0;
}

int
kernel_modinfo(const unsigned char *buf, size_t len,
    struct kernel_modinfo *mi, char *err, size_t errlen)
{
	Elf64_Ehdr	 eh;
	Elf64_Shdr	 sh, strsh, mish;
	const char	*strtab, *name, *p, *end, *nul;
	uint64_t	 tabsz, tabend;
	size_t		 i, found = 0;
	int		 seen[2] = { 0, 0 };

	memset(mi, 0, sizeof(*mi));
	memset(&mish, 0, sizeof(mish));
	if (len < sizeof(eh))
		return kmod_fail(err, errlen, "shorter than an ELF header");
	memcpy(&eh, buf, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		return kmod_fail(err, errlen, "not an ELF file");
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_ident[EI_VERSION] != EV_CURRENT || eh.e_version != EV_CURRENT)
		return kmod_fail(err, errlen, "not a 64-bit little-endian ELF file");
	if (eh.e_type != ET_REL || eh.e_machine != EM_X86_64)
		return kmod_fail(err, errlen, "not an x86-64 relocatable ELF file "
		    "(a kernel module)");
	if (eh.e_shentsize != sizeof(Elf64_Shdr))
		return kmod_fail(err, errlen, "section header size %u, not %zu",
		    eh.e_shentsize, sizeof(Elf64_Shdr));
	/* 0 and SHN_XINDEX mean extended numbering, which no module needs. */
	if (eh.e_shnum == 0 || eh.e_shnum >= SHN_LORESERVE)
		return kmod_fail(err, errlen, "section count %u out of range",
		    eh.e_shnum);
	if (__builtin_mul_overflow((uint64_t)eh.e_shnum, sizeof(Elf64_Shdr),
	    &tabsz) || __builtin_add_overflow(eh.e_shoff, tabsz, &tabend) ||
	    tabend > len)
		return kmod_fail(err, errlen, "section headers outside the file");
	if (eh.e_shstrndx == SHN_UNDEF || eh.e_shstrndx >= eh.e_shnum)
		return kmod_fail(err, errlen, "section name table index %u out of "
		    "range", eh.e_shstrndx);
	shdr_get(buf, &eh, eh.e_shstrndx, &strsh);
	if (strsh.sh_type != SHT_STRTAB || !section_in(&strsh, len))
		return kmod_fail(err, errlen, "section name table outside the file");
	strtab = (const char *)buf + strsh.sh_offset;
	for (i = 1; i < eh.e_shnum; i++) {
		shdr_get(buf, &eh, i, &sh);
		if (sh.sh_name >= strsh.sh_size)
			return kmod_fail(err, errlen, "section %zu's name outside "
			    "the name table", i);
		name = strtab + sh.sh_name;
		if (memchr(name, '\0', strsh.sh_size - sh.sh_name) == NULL)
			return kmod_fail(err, errlen, "section %zu's name is not "
			    "terminated in the name table", i);
		if (strcmp(name, ".modinfo") != 0)
			continue;
		if (found++)
			return kmod_fail(err, errlen, "two .modinfo sections");
		mish = sh;
	}
	if (!found)
		return kmod_fail(err, errlen, "no .modinfo section");
	if (!section_in(&mish, len))
		return kmod_fail(err, errlen, ".modinfo outside the file");
	p = (const char *)buf + mish.sh_offset;
	end = p + mish.sh_size;
	/* NUL-separated strings; runs of NULs are alignment padding. */
	while (p < end) {
		if ((nul = memchr(p, '\0', (size_t)(end - p))) == NULL)
			return kmod_fail(err, errlen, ".modinfo ends in an "
			    "unterminated string");
		if (modinfo_entry(p, (size_t)(nul - p), mi, seen, err,
		    errlen) == -1)
			return -1;
		p = nul + 1;
	}
	if (!seen[1])
		return kmod_fail(err, errlen, "no vermagic= in .modinfo");
	return 0;
}

/* The tree's file at path, every component opened without following. */
static int
open_beneath(int dirfd, const char *path)
{
	char		 buf[PATH_MAX], *comp, *slash;
	int		 fd, nfd;

	if (strlen(path) >= sizeof(buf))
		return errno = ENAMETOOLONG, -1;
	strcpy(buf, path);
	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return -1;
	for (comp = buf; (slash = strchr(comp, '/')) != NULL;
	    comp = slash + 1) {
		*slash = '\0';
		nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		close(fd);
		if ((fd = nfd) == -1)
			return -1;
	}
	nfd = openat(fd, comp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	close(fd);
	return nfd;
}

/* A regular file of at most max bytes, whole. */
static int
read_whole(int fd, size_t max, unsigned char **out, size_t *len)
{
	struct stat	 st;
	unsigned char	*buf;
	size_t		 n = 0;
	ssize_t		 r;

	if (fstat(fd, &st) == -1)
		return -1;
	if (!S_ISREG(st.st_mode))
		return errno = EINVAL, -1;
	if ((uint64_t)st.st_size > max)
		return errno = EFBIG, -1;
	/* One byte more than its size shows a file that grew. */
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		return -1;
	while (n <= (size_t)st.st_size) {
		if ((r = read(fd, buf + n, (size_t)st.st_size + 1 - n)) == -1) {
			if (errno == EINTR)
				continue;
			free(buf);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n != (size_t)st.st_size) {
		free(buf);
		return errno = EIO, -1;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* A compressed module's bytes, through libarchive's raw reader. */
static int
read_compressed(struct kmod_state *s, int fd, const struct kmod_file *f,
    unsigned char **out, size_t *len)
{
	struct archive		*a;
	struct archive_entry	*ae;
	unsigned char		*buf = NULL, *nbuf;
	size_t			 n = 0, cap = 0;
	la_ssize_t		 r;
	int			 want, rc, ret = -1;

	if ((a = archive_read_new()) == NULL)
		return kmod_fail(s->err, s->errlen, "out of memory");
	switch (f->comp) {
	case KMOD_XZ:
		want = ARCHIVE_FILTER_XZ;
		rc = archive_read_support_filter_xz(a);
		break;
	case KMOD_ZST:
		want = ARCHIVE_FILTER_ZSTD;
		rc = archive_read_support_filter_zstd(a);
		break;
	default:
		want = ARCHIVE_FILTER_GZIP;
		rc = archive_read_support_filter_gzip(a);
		break;
	}
	/* ARCHIVE_WARN: an external program, which banger-fetch never runs. */
	if (rc != ARCHIVE_OK) {
		kmod_fail(s->err, s->errlen, "%s: this libarchive cannot "
		    "decompress it itself", f->path);
		goto out;
	}
	if (archive_read_support_format_raw(a) != ARCHIVE_OK ||
	    archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK ||
	    archive_read_next_header(a, &ae) != ARCHIVE_OK) {
		kmod_fail(s->err, s->errlen, "%s: %s", f->path,
		    kmod_la_error(a));
		goto out;
	}
	if (archive_filter_count(a) != 2 || archive_filter_code(a, 0) !=
	    want) {
		kmod_fail(s->err, s->errlen, "%s is not compressed as its name "
		    "says", f->path);
		goto out;
	}
	for (;;) {
		if (n == cap) {
			cap = cap == 0 ? 1 << 16 : cap * 2;
			if (cap > (size_t)KERNEL_MODULE_MAX + 1)
				cap = (size_t)KERNEL_MODULE_MAX + 1;
			if (n == cap) {
				kmod_fail(s->err, s->errlen, "%s decompresses to "
				    "more than %d MiB", f->path,
				    KERNEL_MODULE_MAX >> 20);
				goto out;
			}
			if ((nbuf = realloc(buf, cap)) == NULL) {
				kmod_fail(s->err, s->errlen, "out of memory");
				goto out;
			}
			buf = nbuf;
		}
		if ((r = archive_read_data(a, buf + n, cap - n)) < 0) {
			kmod_fail(s->err, s->errlen, "%s: %s", f->path,
			    kmod_la_error(a));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > (size_t)KERNEL_MODULE_MAX) {
		kmod_fail(s->err, s->errlen, "%s decompresses to more than %d MiB",
		    f->path, KERNEL_MODULE_MAX >> 20);
		goto out;
	}
	*out = buf;
	*len = n;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	archive_read_free(a);
	return ret;
}

static int
module_read(struct kmod_state *s, const struct kmod_file *f,
    unsigned char **out, size_t *len)
{
	int	 fd, rc;

	if ((fd = open_beneath(s->dirfd, f->path)) == -1)
		return kmod_fail(s->err, s->errlen, "%s: %s", f->path,
		    strerror(errno));
	if (f->comp == KMOD_PLAIN) {
		if ((rc = read_whole(fd, KERNEL_MODULE_MAX, out, len)) == -1)
			kmod_fail(s->err, s->errlen, "%s: %s", f->path,
			    errno == EFBIG ? "larger than 32 MiB" :
			    errno == EINVAL ? "not a regular file" :
			    strerror(errno));
	} else {
		struct stat	 st;

		if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
			rc = kmod_fail(s->err, s->errlen, "%s: not a regular file",
			    f->path);
		else
			rc = read_compressed(s, fd, f, out, len);
	}
	close(fd);
	return rc;
}

/* A directory entry: X.ko, X.ko.xz, X.ko.zst or X.ko.gz is indexed. */
static int
index_add(struct kmod_state *s, const char *name, const char *path)
{
	struct kmod_file	*nf;
	size_t			 i, n = strlen(name), sl;

	for (i = 0; i < sizeof(kmod_suffixes) / sizeof(kmod_suffixes[0]);
	    i++) {
		sl = strlen(kmod_suffixes[i].suffix);
		if (n > sl && strcmp(name + n - sl, kmod_suffixes[i].suffix) ==
		    0)
			break;
	}
	if (i == sizeof(kmod_suffixes) / sizeof(kmod_suffixes[0]))
		return 0;
	if (s->nfiles == s->cap) {
		s->cap = s->cap == 0 ? 256 : s->cap * 2;
		if ((nf = reallocarray(s->files, s->cap, sizeof(*nf))) == NULL)
			return kmod_fail(s->err, s->errlen, "out of memory");
		s->files = nf;
	}
	nf = &s->files[s->nfiles];
	/* A name no module can have is left out: nothing can ask for it. */
	if (kmod_name_norm(name, n - sl, nf->name) == -1)
		return 0;
	if ((nf->path = strdup(path)) == NULL)
		return kmod_fail(s->err, s->errlen, "out of memory");
	nf->comp = kmod_suffixes[i].comp;
	s->nfiles++;
	return 0;
}

/* The directory fd (closed here), rel below the tree's top. */
static int
tree_walk(struct kmod_state *s, int fd, const char *rel, int depth)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		 path[PATH_MAX];
	unsigned char	 type;
	int		 sub, rc = -1;

	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return kmod_fail(s->err, s->errlen, "%s: %s", *rel ? rel : ".",
		    strerror(errno));
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0) {
				kmod_fail(s->err, s->errlen, "%s: %s",
				    *rel ? rel : ".", strerror(errno));
				goto out;
			}
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (++s->entries > KMOD_ENTRIES_MAX) {
			kmod_fail(s->err, s->errlen, "the modules tree has more "
			    "than %d entries", KMOD_ENTRIES_MAX);
			goto out;
		}
		if ((size_t)snprintf(path, sizeof(path), "%s%s%s", rel,
		    *rel ? "/" : "", de->d_name) >= sizeof(path)) {
			kmod_fail(s->err, s->errlen, "%s/%s: path too long", rel,
			    de->d_name);
			goto out;
		}
		type = de->d_type;
		if (type == DT_UNKNOWN) {
			if (fstatat(dirfd(d), de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) == -1) {
				kmod_fail(s->err, s->errlen, "%s: %s", path,
				    strerror(errno));
				goto out;
			}
			type = S_ISDIR(st.st_mode) ? DT_DIR :
			    S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
		}
		/* Symlinks and anything else are not modules. */
		if (type == DT_REG) {
			if (index_add(s, de->d_name, path) == -1)
				goto out;
		} else if (type == DT_DIR) {
			if (depth + 1 > KMOD_DEPTH_MAX) {
				kmod_fail(s->err, s->errlen, "%s: the modules tree "
				    "is deeper than %d directories", path,
				    KMOD_DEPTH_MAX);
				goto out;
			}
			if ((sub = openat(dirfd(d), de->d_name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
				kmod_fail(s->err, s->errlen, "%s: %s", path,
				    strerror(errno));
				goto out;
			}
			if (tree_walk(s, sub, path, depth + 1) == -1)
				goto out;
		}
	}
	rc = 0;
out:
	closedir(d);
	return rc;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * modules.builtin, if there is one: "kernel/DIR/NAME.ko" a line, kept
 * as sorted names of KMOD_NAME_MAX + 1 bytes.
 */
static int
builtin_read(struct kmod_state *s)
{
	unsigned char	*buf;
	char		*line, *end, *base, *nl;
	size_t		 len, n, lineno = 0;
	int		 fd;

	if ((fd = openat(s->dirfd, "modules.builtin", O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		return kmod_fail(s->err, s->errlen, "modules.builtin: %s",
		    strerror(errno));
	}
	if (read_whole(fd, KMOD_BUILTIN_MAX, &buf, &len) == -1) {
		close(fd);
		return kmod_fail(s->err, s->errlen, "modules.builtin: %s",
		    errno == EFBIG ? "larger than 4 MiB" : errno == EINVAL ?
		    "not a regular file" : strerror(errno));
	}
	close(fd);
	/* At most one name per two bytes ("a\n"). */
	if ((s->builtin = calloc(len / 2 + 1, KMOD_NAME_MAX + 1)) == NULL) {
		free(buf);
		return kmod_fail(s->err, s->errlen, "out of memory");
	}
	line = (char *)buf;
	end = line + len;
	while (line < end) {
		lineno++;
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		n = (size_t)(nl - line);
		if (n == 0) {
			line = nl + 1;
			continue;
		}
		if (memchr(line, '\0', n) != NULL || n < 4 ||
		    memcmp(nl - 3, ".ko", 3) != 0)
			goto bad;
		*nl = '\0';
		base = strrchr(line, '/');
		base = base == NULL ? line : base + 1;
		if (kmod_name_norm(base, (size_t)(nl - 3 - base), s->builtin +
		    s->nbuiltin * (KMOD_NAME_MAX + 1)) == -1)
			goto bad;
		s->nbuiltin++;
		line = nl + 1;
	}
	free(buf);
	qsort(s->builtin, s->nbuiltin, KMOD_NAME_MAX + 1, name_cmp);
	return 0;
bad:
	free(buf);
	return kmod_fail(s->err, s->errlen, "modules.builtin line %zu is not a "
	    "module's path (DIR/NAME.ko)", lineno);
}

static int
file_cmp(const void *a, const void *b)
{
	const struct kmod_file	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return strcmp(x->path, y->path);
}

/* name, its dependencies before it, into s->order. */
static int
module_add(struct kmod_state *s, const char *want, size_t wantlen,
    const char *for_name)
{
	struct kernel_modinfo	 mi;
	struct kmod_file	*f;
	struct kmod		*m;
	char			 name[KMOD_NAME_MAX + 1], why[256];
	const char		*p, *comma;
	size_t			 i, mi_idx;

	/* Only a caller's name can fail: kernel_modinfo checked depends=. */
	if (kmod_name_norm(want, wantlen, name) == -1)
		return kmod_fail(s->err, s->errlen, "\"%.*s\" is not a module name "
		    "([A-Za-z0-9_-], at most %d bytes)", (int)(wantlen > 64 ?
		    64 : wantlen), want, KMOD_NAME_MAX);
	for (i = 0; i < s->nmods; i++) {
		if (strcmp(s->mods[i].name, name) != 0)
			continue;
		if (!s->mods[i].done)
			return kmod_fail(s->err, s->errlen, "modules depend on "
			    "each other through %s (a cycle): they cannot be "
			    "loaded", name);
		return 0;
	}
	if (s->nbuiltin > 0 && bsearch(name, s->builtin, s->nbuiltin,
	    KMOD_NAME_MAX + 1, name_cmp) != NULL)
		return 0;
	f = NULL;
	for (i = 0; i < s->nfiles; i++) {
		if (strcmp(s->files[i].name, name) != 0)
			continue;
		if (f != NULL)
			return kmod_fail(s->err, s->errlen, "module %s is in the "
			    "modules tree twice (%s and %s)", name, f->path,
			    s->files[i].path);
		f = &s->files[i];
	}
	if (f == NULL && for_name != NULL)
		return kmod_fail(s->err, s->errlen, "module %s, which %s needs, is "
		    "neither in the modules tree nor built into the kernel "
		    "(modules.builtin)", name, for_name);
	if (f == NULL)
		return kmod_fail(s->err, s->errlen, "module %s is neither in the "
		    "modules tree nor built into the kernel (modules.builtin)",
		    name);
	if (s->nmods == KERNEL_MODULES_MAX)
		return kmod_fail(s->err, s->errlen, "more than %d modules with "
		    "their dependencies", KERNEL_MODULES_MAX);
	mi_idx = s->nmods++;
	m = &s->mods[mi_idx];
	memcpy(m->name, name, sizeof(name));
	m->done = 0;
	if (module_read(s, f, &m->buf, &m->len) == -1)
		return -1;
	if ((s->total += m->len) > KMOD_TOTAL_MAX)
		return kmod_fail(s->err, s->errlen, "the modules come to more than "
		    "%d MiB", KMOD_TOTAL_MAX >> 20);
	if (kernel_modinfo(m->buf, m->len, &mi, why, sizeof(why)) == -1)
		return kmod_fail(s->err, s->errlen, "%s: %s", f->path, why);
	if (strcmp(mi.vermagic, s->release) != 0)
		return kmod_fail(s->err, s->errlen, "%s is built for kernel %s, not "
		    "%s", f->path, mi.vermagic, s->release);
	for (p = mi.depends; *p != '\0'; p = *comma ? comma + 1 : comma) {
		if ((comma = strchr(p, ',')) == NULL)
			comma = p + strlen(p);
		if (module_add(s, p, (size_t)(comma - p), s->mods[mi_idx].name)
		    == -1)
			return -1;
	}
	/* After its dependencies: the order is the load order. */
	s->mods[mi_idx].done = 1;
	s->order[s->norder++] = mi_idx;
	return 0;
}

static int
write_entry(struct kmod_state *s, struct archive *a, const char *path,
    mode_t mode, const void *data, size_t len, unsigned ino)
{
	struct archive_entry	*ae;
	int			 rc = 0;

	if ((ae = archive_entry_new()) == NULL)
		return kmod_fail(s->err, s->errlen, "out of memory");
	archive_entry_set_pathname(ae, path);
	archive_entry_set_mode(ae, mode);
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	archive_entry_set_nlink(ae, S_ISDIR(mode) ? 2 : 1);
	archive_entry_set_ino(ae, ino);
	archive_entry_set_mtime(ae, 0, 0);
	archive_entry_set_size(ae, S_ISREG(mode) ? (la_int64_t)len : 0);
	if (archive_write_header(a, ae) != ARCHIVE_OK ||
	    (len > 0 && archive_write_data(a, data, len) != (la_ssize_t)len))
		rc = kmod_fail(s->err, s->errlen, "writing %s: %s", path,
		    kmod_la_error(a));
	archive_entry_free(ae);
	return rc;
}

/* The archive: lib, lib/modules, each module, then load. */
static int
archive_out(struct kmod_state *s, int out)
{
	struct archive	*a;
	struct kmod	*m;
	char		*load, path[sizeof("lib/modules/.ko") + KMOD_NAME_MAX];
	size_t		 i, n = 0;
	int		 rc = -1;

	if ((load = malloc(s->norder * (KMOD_NAME_MAX + 1) + 1)) == NULL)
		return kmod_fail(s->err, s->errlen, "out of memory");
	for (i = 0; i < s->norder; i++)
		n += (size_t)sprintf(load + n, "%s\n", s->mods[s->order[i]].name);
	if ((a = archive_write_new()) == NULL) {
		free(load);
		return kmod_fail(s->err, s->errlen, "out of memory");
	}
	/*
	 * newc pads every entry to 4 bytes and a regular file's last block
	 * is not padded, so the archive's length stays a multiple of 4.
	 */
	if (archive_write_set_format_cpio_newc(a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(a, out) != ARCHIVE_OK) {
		kmod_fail(s->err, s->errlen, "cpio: %s", kmod_la_error(a));
		goto out;
	}
	if (write_entry(s, a, "lib", S_IFDIR | 0755, NULL, 0, 1) == -1 ||
	    write_entry(s, a, "lib/modules", S_IFDIR | 0755, NULL, 0, 2) ==
	    -1)
		goto out;
	for (i = 0; i < s->norder; i++) {
		m = &s->mods[s->order[i]];
		snprintf(path, sizeof(path), "lib/modules/%s.ko", m->name);
		if (write_entry(s, a, path, S_IFREG | 0644, m->buf, m->len,
		    (unsigned)i + 3) == -1)
			goto out;
	}
	if (write_entry(s, a, "lib/modules/load", S_IFREG | 0644, load, n,
	    (unsigned)s->norder + 3) == -1)
		goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		kmod_fail(s->err, s->errlen, "cpio: %s", kmod_la_error(a));
		goto out;
	}
	rc = 0;
out:
	archive_write_free(a);
	free(load);
	return rc;
}

int
kernel_modules_cpio(int dirfd, const char *release, const char *const *names,
    size_t n, int out, unsigned *count, char *err, size_t errlen)
{
	struct kmod_state	*s;
	size_t			 i, rl;
	int			 fd, rc = -1;

	*count = 0;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return kmod_fail(err, errlen, "out of memory");
	s->dirfd = dirfd;
	s->release = release;
	s->err = err;
	s->errlen = errlen;
	if (dirfd != -1) {
		rl = strlen(release);
		for (i = 0; i < rl && release_char(release[i]); i++)
			;
		if (rl == 0 || rl > KERNEL_RELEASE_MAX || i != rl) {
			kmod_fail(err, errlen, "bad kernel release \"%.*s\"",
			    KERNEL_RELEASE_MAX, release);
			goto out;
		}
		if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1) {
			kmod_fail(err, errlen, "modules tree: %s", strerror(errno));
			goto out;
		}
		if (tree_walk(s, fd, "", 0) == -1 || builtin_read(s) == -1)
			goto out;
		/* Sorted, so that "twice" names the same two files each time. */
		if (s->nfiles > 0)
			qsort(s->files, s->nfiles, sizeof(*s->files),
			    file_cmp);
		for (i = 0; i < n; i++)
			if (module_add(s, names[i], strlen(names[i]), NULL) ==
			    -1)
				goto out;
	}
	if (archive_out(s, out) == -1)
		goto out;
	*count = (unsigned)s->norder;
	rc = 0;
out:
	for (i = 0; i < s->nfiles; i++)
		free(s->files[i].path);
	free(s->files);
	for (i = 0; i < s->nmods; i++)
		free(s->mods[i].buf);
	free(s->builtin);
	free(s);
	return rc;
}
