/*
 * The module gatherer of `banger kernel import` (kernel-modules.c):
 * .modinfo read from synthetic modules good and hostile (section headers,
 * name table and .modinfo out of range, unterminated strings, bad or long
 * depends= and vermagic=), and archives made from trees built here with
 * xz, zstd and gzip modules, chains, diamonds, cycles, built-in modules,
 * missing ones, another kernel's, too many, symlinks, a decompression
 * bomb and trees too deep or too wide; each archive is read back.  Last,
 * Debian's kernel from `make images` against the initrd mkinitrd.sh made.
 */
#include <sys/stat.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>

#include "kernel.h"

#define REL	"6.1.0-test-amd64"
/* 55 bytes: MODULE_NAME_LEN - 1. */
#define LONGEST	"a234567890123456789012345678901234567890123456789012345"

static char	 tmpdir[64];
static int	 tree_n;

/* Offsets of the synthetic module's parts (make_ko). */
#define KO_STRTAB	64	/* "\0.shstrtab\0.modinfo\0" */
#define KO_MODINFO	84
#define KO_SHDR(shoff, i, field) \
	((shoff) + (i) * sizeof(Elf64_Shdr) + offsetof(Elf64_Shdr, field))

/*
 * A minimal relocatable x86-64 ELF: sections null, .shstrtab and
 * .modinfo (mi, milen bytes).  Its length; *shoff where the headers are.
 */
static size_t
make_ko(unsigned char *buf, const void *mi, size_t milen, size_t *shoff)
{
	static const char	 strtab[] = "\0.shstrtab\0.modinfo";
	Elf64_Ehdr		 eh;
	Elf64_Shdr		 sh[3];
	size_t			 off;

	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_REL;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_ehsize = sizeof(eh);
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = 3;
	eh.e_shstrndx = 1;
	off = (KO_MODINFO + milen + 7) & ~(size_t)7;
	eh.e_shoff = off;
	memset(sh, 0, sizeof(sh));
	sh[1].sh_name = 1;
	sh[1].sh_type = SHT_STRTAB;
	sh[1].sh_offset = KO_STRTAB;
	sh[1].sh_size = sizeof(strtab);
	sh[2].sh_name = 11;
	sh[2].sh_type = SHT_PROGBITS;
	sh[2].sh_offset = KO_MODINFO;
	sh[2].sh_size = milen;
	memset(buf, 0, off);
	memcpy(buf, &eh, sizeof(eh));
	memcpy(buf + KO_STRTAB, strtab, sizeof(strtab));
	memcpy(buf + KO_MODINFO, mi, milen);
	memcpy(buf + off, sh, sizeof(sh));
	if (shoff != NULL)
		*shoff = off;
	return off + sizeof(sh);
}

/* A .modinfo: NULL depends leaves the key out. */
static size_t
modinfo(char *buf, size_t cap, const char *depends, const char *vermagic)
{
	size_t	 n = 0;

	n += (size_t)snprintf(buf + n, cap - n, "license=GPL") + 1;
	if (depends != NULL)
		n += (size_t)snprintf(buf + n, cap - n, "depends=%s",
		    depends) + 1;
	n += (size_t)snprintf(buf + n, cap - n, "intree=Y") + 1;
	if (vermagic != NULL)
		n += (size_t)snprintf(buf + n, cap - n, "vermagic=%s",
		    vermagic) + 1;
	return n;
}

static unsigned char	 kobuf[1 << 16];

/* A module whose .modinfo says depends and vermagic. */
static size_t
ko(const char *depends, const char *vermagic)
{
	char	 mi[8192];

	return make_ko(kobuf, mi, modinfo(mi, sizeof(mi), depends, vermagic),
	    NULL);
}

static int
mi_parse(const unsigned char *buf, size_t len, struct kernel_modinfo *m,
    char *err)
{
	err[0] = '\0';
	return kernel_modinfo(buf, len, m, err, 256);
}

static void
test_modinfo_good(void **state)
{
	struct kernel_modinfo	 m;
	char			 err[256], dep[KERNEL_DEPENDS_MAX + 2];
	size_t			 len;

	(void)state;
	/* Debian's xt_rateest.ko needs xt_RATEEST. */
	len = ko("virtio,xt_RATEEST,vsock-x", REL " SMP mod_unload ");
	assert_int_equal(mi_parse(kobuf, len, &m, err), 0);
	assert_string_equal(m.depends, "virtio,xt_RATEEST,vsock-x");
	assert_string_equal(m.vermagic, REL);
	len = ko("", REL);
	assert_int_equal(mi_parse(kobuf, len, &m, err), 0);
	assert_string_equal(m.depends, "");
	assert_string_equal(m.vermagic, REL);
	len = ko(NULL, REL " SMP");
	assert_int_equal(mi_parse(kobuf, len, &m, err), 0);
	assert_string_equal(m.depends, "");
	/* Exactly KERNEL_DEPENDS_MAX bytes: "aa" then ",a" 511 times. */
	strcpy(dep, "aa");
	for (len = 2; len < KERNEL_DEPENDS_MAX; len += 2)
		strcat(dep, ",a");
	assert_int_equal(strlen(dep), KERNEL_DEPENDS_MAX);
	len = ko(dep, REL);
	assert_int_equal(mi_parse(kobuf, len, &m, err), 0);
	assert_string_equal(m.depends, dep);
}

/* The module of test_modinfo_good with one field set, then parsed. */
static int
mutated(size_t at, const void *val, size_t vlen, char *err)
{
	struct kernel_modinfo	 m;
	char			 mi[256];
	size_t			 len, shoff;

	len = make_ko(kobuf, mi, modinfo(mi, sizeof(mi), "a", REL), &shoff);
	memcpy(kobuf + at, val, vlen);
	return mi_parse(kobuf, len, &m, err);
}

#define SET16(at, v)	mutated(at, &(uint16_t){ v }, 2, err)
#define SET32(at, v)	mutated(at, &(uint32_t){ v }, 4, err)
#define SET64(at, v)	mutated(at, &(uint64_t){ v }, 8, err)

static void
test_modinfo_hostile_elf(void **state)
{
	struct kernel_modinfo	 m;
	char			 err[256], mi[256];
	size_t			 len, shoff;

	(void)state;
	len = make_ko(kobuf, mi, modinfo(mi, sizeof(mi), "a", REL), &shoff);
	assert_int_equal(mi_parse(kobuf, len, &m, err), 0);
	assert_int_equal(mi_parse(kobuf, 63, &m, err), -1);
	assert_int_equal(mi_parse(kobuf, len - 1, &m, err), -1);
	assert_non_null(strstr(err, "section headers outside"));
	assert_int_equal(mutated(0, "\177ELG", 4, err), -1);
	assert_int_equal(mutated(EI_CLASS, "\1", 1, err), -1);
	assert_int_equal(mutated(EI_DATA, "\2", 1, err), -1);
	assert_int_equal(SET16(offsetof(Elf64_Ehdr, e_type), ET_EXEC), -1);
	assert_int_equal(SET16(offsetof(Elf64_Ehdr, e_machine), EM_AARCH64),
	    -1);
	assert_int_equal(SET16(offsetof(Elf64_Ehdr, e_shentsize), 40), -1);
	assert_non_null(strstr(err, "section header size"));
	assert_int_equal(SET16(offsetof(Elf64_Ehdr, e_shnum), 0), -1);
	assert_int_equal(SET16(offsetof(Elf64_Ehdr, e_shnum), 4), -1);
	assert_int_equal(SET16(offsetof(Elf64_Ehdr, e_shnum), 0xffff), -1);
	assert_int_equal(SET64(offsetof(Elf64_Ehdr, e_shoff), len), -1);
	/* e_shoff + the table wraps around. */
	assert_int_equal(SET64(offsetof(Elf64_Ehdr, e_shoff),
	    UINT64_MAX - 64), -1);
	assert_non_null(strstr(err, "section headers outside"));
	assert_int_equal(SET16(offsetof(Elf64_Ehdr, e_shstrndx), 0), -1);
	assert_int_equal(SET16(offsetof(Elf64_Ehdr, e_shstrndx), 3), -1);
	assert_non_null(strstr(err, "name table index"));
	assert_int_equal(SET16(offsetof(Elf64_Ehdr, e_shstrndx), 0xffff), -1);
	/* The name table: not a string table, out of range, wrapping. */
	assert_int_equal(SET16(offsetof(Elf64_Ehdr, e_shstrndx), 2), -1);
	assert_int_equal(SET64(KO_SHDR(shoff, 1, sh_offset), len), -1);
	assert_int_equal(SET64(KO_SHDR(shoff, 1, sh_size), len), -1);
	assert_int_equal(SET64(KO_SHDR(shoff, 1, sh_offset), UINT64_MAX - 4),
	    -1);
	assert_non_null(strstr(err, "name table outside"));
	/* Names outside the table, or running off its end. */
	assert_int_equal(SET32(KO_SHDR(shoff, 2, sh_name), 20), -1);
	assert_non_null(strstr(err, "name outside"));
	assert_int_equal(SET32(KO_SHDR(shoff, 2, sh_name), 0xffffffff), -1);
	assert_int_equal(SET64(KO_SHDR(shoff, 1, sh_size), 15), -1);
	assert_non_null(strstr(err, "not terminated"));
	/* .modinfo: none, two, out of range, wrapping, NOBITS. */
	assert_int_equal(SET32(KO_SHDR(shoff, 2, sh_name), 1), -1);
	assert_non_null(strstr(err, "no .modinfo"));
	assert_int_equal(SET32(KO_SHDR(shoff, 1, sh_name), 11), -1);
	assert_non_null(strstr(err, "two .modinfo"));
	assert_int_equal(SET64(KO_SHDR(shoff, 2, sh_offset), len), -1);
	assert_non_null(strstr(err, ".modinfo outside"));
	assert_int_equal(SET64(KO_SHDR(shoff, 2, sh_size), len), -1);
	assert_int_equal(SET64(KO_SHDR(shoff, 2, sh_offset), UINT64_MAX - 1),
	    -1);
	assert_int_equal(SET32(KO_SHDR(shoff, 2, sh_type), SHT_NOBITS), -1);
	assert_non_null(strstr(err, ".modinfo outside"));
}

static void
test_modinfo_hostile_strings(void **state)
{
	struct kernel_modinfo	 m;
	char			 err[256], mi[4096], dep[KERNEL_DEPENDS_MAX + 8];
	const char		*bad[] = { "a,\xc3\x89", "a;b", "a,,b", ",a", "a,",
	    "a b", "a/b", "a.ko",
	    "a2345678901234567890123456789012345678901234567890123456" };
	size_t			 i, len, n;

	(void)state;
	/* The last string runs to the end of the section. */
	n = modinfo(mi, sizeof(mi), "a", REL);
	len = make_ko(kobuf, mi, n - 1, NULL);
	assert_int_equal(mi_parse(kobuf, len, &m, err), -1);
	assert_non_null(strstr(err, "unterminated"));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = ko(bad[i], REL);
		assert_int_equal(mi_parse(kobuf, len, &m, err), -1);
		assert_non_null(strstr(err, "depends="));
	}
	/* 55 bytes is the longest module name. */
	len = ko(LONGEST, REL);
	assert_int_equal(mi_parse(kobuf, len, &m, err), 0);
	memset(dep, 'a', KERNEL_DEPENDS_MAX + 1);
	for (i = 40; i < KERNEL_DEPENDS_MAX; i += 41)
		dep[i] = ',';
	dep[KERNEL_DEPENDS_MAX + 1] = '\0';
	len = ko(dep, REL);
	assert_int_equal(mi_parse(kobuf, len, &m, err), -1);
	assert_non_null(strstr(err, "longer than"));
	len = ko("a", NULL);
	assert_int_equal(mi_parse(kobuf, len, &m, err), -1);
	assert_non_null(strstr(err, "no vermagic"));
	len = ko("a", " SMP");
	assert_int_equal(mi_parse(kobuf, len, &m, err), -1);
	len = ko("a", "6.1/x");
	assert_int_equal(mi_parse(kobuf, len, &m, err), -1);
	len = ko("a", "12345678901234567890123456789012345678901234567890"
	    "123456789012345 SMP");
	assert_int_equal(mi_parse(kobuf, len, &m, err), -1);
	/* Two of a key. */
	n = modinfo(mi, sizeof(mi), "a", REL);
	memcpy(mi + n, "depends=b", 10);
	len = make_ko(kobuf, mi, n + 10, NULL);
	assert_int_equal(mi_parse(kobuf, len, &m, err), -1);
	assert_non_null(strstr(err, "two depends"));
}

/* mkdir -p of path's parent. */
static void
mkparents(const char *path)
{
	char	 buf[4096], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(buf, 0755) == -1 && errno != EEXIST)
			fail_msg("mkdir %s: %s", buf, strerror(errno));
		*p = '/';
	}
}

/*
 * rel in the tree dir, plain (filter ARCHIVE_FILTER_NONE) or compressed;
 * data NULL is len zero bytes.
 */
static void
put(const char *dir, const char *rel, const void *data, size_t len,
    int filter)
{
	static const unsigned char	 zero[1 << 20];
	struct archive			*a;
	struct archive_entry		*ae;
	char				 path[4096];
	size_t				 n;
	int				 fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	mkparents(path);
	if (filter == ARCHIVE_FILTER_NONE) {
		assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC,
		    0644)) != -1);
		if (data == NULL)
			assert_int_equal(ftruncate(fd, (off_t)len), 0);
		else
			assert_int_equal(write(fd, data, len), (ssize_t)len);
		close(fd);
		return;
	}
	assert_non_null(a = archive_write_new());
	assert_int_equal(archive_write_add_filter(a, filter), ARCHIVE_OK);
	if (filter == ARCHIVE_FILTER_XZ)
		assert_int_equal(archive_write_set_filter_option(a, "xz",
		    "compression-level", "0"), ARCHIVE_OK);
	assert_int_equal(archive_write_set_format_raw(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	assert_non_null(ae = archive_entry_new());
	archive_entry_set_pathname(ae, "m");
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_size(ae, (la_int64_t)len);
	assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
	for (n = 0; n < len; ) {
		size_t	 k = len - n < sizeof(zero) ? len - n : sizeof(zero);

		assert_int_equal(archive_write_data(a, data == NULL ? (const void *)zero :
		    (const void *)((const char *)data + n), k), (la_ssize_t)k);
		n += k;
	}
	archive_entry_free(ae);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

/* A module file whose .modinfo says depends, for release REL. */
static void
putko(const char *dir, const char *rel, const char *depends, int filter)
{
	size_t	 len = ko(depends, REL " SMP mod_unload ");

	put(dir, rel, kobuf, len, filter);
}

/* A fresh empty tree directory under tmpdir. */
static char *
newtree(void)
{
	static char	 dir[4096];

	snprintf(dir, sizeof(dir), "%s/tree%d", tmpdir, ++tree_n);
	assert_int_equal(mkdir(dir, 0755), 0);
	return dir;
}

struct ent {
	char		 name[256];
	mode_t		 mode;
	la_int64_t	 uid, gid;
	unsigned char	*data;
	size_t		 len;
};

/* The cpio archive in fd from off: its entries, in order. */
static size_t
readback(int fd, off_t off, struct ent *e, size_t max)
{
	struct archive		*a;
	struct archive_entry	*ae;
	const char		*p;
	size_t			 n = 0;
	la_ssize_t		 r;
	int			 rc;

	assert_int_equal(lseek(fd, off, SEEK_SET), off);
	assert_non_null(a = archive_read_new());
	assert_int_equal(archive_read_support_format_cpio(a), ARCHIVE_OK);
	assert_int_equal(archive_read_open_fd(a, fd, 10240), ARCHIVE_OK);
	while ((rc = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		assert_true(n < max);
		assert_int_equal(archive_format(a), ARCHIVE_FORMAT_CPIO_SVR4_NOCRC);
		p = archive_entry_pathname(ae);
		if (strncmp(p, "./", 2) == 0)
			p += 2;
		snprintf(e[n].name, sizeof(e[n].name), "%s", p);
		e[n].mode = archive_entry_mode(ae);
		e[n].uid = archive_entry_uid(ae);
		e[n].gid = archive_entry_gid(ae);
		/* A symlink's size is its target's length, not data. */
		e[n].len = S_ISREG(e[n].mode) ?
		    (size_t)archive_entry_size(ae) : 0;
		assert_non_null(e[n].data = malloc(e[n].len + 1));
		r = archive_read_data(a, e[n].data, e[n].len + 1);
		assert_int_equal(r, (la_ssize_t)e[n].len);
		e[n].data[e[n].len] = '\0';
		n++;
	}
	assert_int_equal(rc, ARCHIVE_EOF);
	archive_read_free(a);
	return n;
}

static void
ents_free(struct ent *e, size_t n)
{
	while (n-- > 0)
		free(e[n].data);
}

/* An empty output file in tmpdir, its fd. */
static int
outfile(void)
{
	char	 path[4096];
	int	 fd;

	snprintf(path, sizeof(path), "%s/out%d", tmpdir, ++tree_n);
	assert_true((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644)) !=
	    -1);
	return fd;
}

/* kernel_modules_cpio on dir; on failure the output is left empty. */
static int
gather(const char *dir, const char *const *names, size_t n, int out,
    unsigned *count, char *err)
{
	struct stat	 st;
	int		 dfd, rc;

	if (dir == NULL)
		dfd = -1;
	else
		assert_true((dfd = open(dir, O_RDONLY | O_DIRECTORY)) != -1);
	err[0] = '\0';
	rc = kernel_modules_cpio(dfd, REL, names, n, out, count, err, 256);
	if (dfd != -1)
		close(dfd);
	if (rc == -1) {
		assert_int_equal(fstat(out, &st), 0);
		assert_int_equal(st.st_size, 0);
		assert_int_equal(*count, 0);
		assert_true(err[0] != '\0');
	}
	return rc;
}

static void
test_cpio_good(void **state)
{
	const char	*names[] = { "top", "other", "mid-a" };
	const char	*order[] = { "base", "mid_a", "mid_b", "top", "other" };
	const char	*deps[] = { "", "base", "base,builtin-one",
	    "mid_a,mid-b", "" };
	struct ent	 e[16];
	struct stat	 st;
	char		*dir, err[256], path[64];
	unsigned	 count;
	size_t		 i, n, len;
	int		 out;

	(void)state;
	dir = newtree();
	putko(dir, "kernel/z/base.ko.gz", "", ARCHIVE_FILTER_GZIP);
	putko(dir, "kernel/x/mid-a.ko.xz", "base", ARCHIVE_FILTER_XZ);
	putko(dir, "kernel/y/y/mid_b.ko.zst", "base,builtin-one",
	    ARCHIVE_FILTER_ZSTD);
	putko(dir, "kernel/drivers/top.ko", "mid_a,mid-b",
	    ARCHIVE_FILTER_NONE);
	putko(dir, "other.ko", "", ARCHIVE_FILTER_NONE);
	putko(dir, "kernel/unwanted.ko", "nothing_here", ARCHIVE_FILTER_NONE);
	put(dir, "kernel/notes.txt", "x", 1, ARCHIVE_FILTER_NONE);
	put(dir, "modules.builtin", "kernel/fs/ext4.ko\n\n"
	    "kernel/drivers/builtin-one.ko\n", 49, ARCHIVE_FILTER_NONE);
	out = outfile();
	/* Appended at the file's offset, as to banger's initrd. */
	assert_int_equal(write(out, "initrd..", 8), 8);
	assert_int_equal(gather(dir, names, 3, out, &count, err), 0);
	assert_int_equal(count, 5);
	assert_int_equal(fstat(out, &st), 0);
	assert_int_equal((st.st_size - 8) % 4, 0);
	n = readback(out, 8, e, 16);
	assert_int_equal(n, 2 + 5 + 1);
	assert_string_equal(e[0].name, "lib");
	assert_int_equal(e[0].mode, S_IFDIR | 0755);
	assert_string_equal(e[1].name, "lib/modules");
	assert_int_equal(e[1].mode, S_IFDIR | 0755);
	for (i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "lib/modules/%s.ko", order[i]);
		assert_string_equal(e[2 + i].name, path);
		assert_int_equal(e[2 + i].mode, S_IFREG | 0644);
		len = ko(deps[i], REL " SMP mod_unload ");
		assert_int_equal(e[2 + i].len, len);
		assert_memory_equal(e[2 + i].data, kobuf, len);
	}
	assert_string_equal(e[7].name, "lib/modules/load");
	assert_int_equal(e[7].mode, S_IFREG | 0644);
	assert_string_equal((char *)e[7].data,
	    "base\nmid_a\nmid_b\ntop\nother\n");
	for (i = 0; i < n; i++) {
		assert_int_equal(e[i].uid, 0);
		assert_int_equal(e[i].gid, 0);
	}
	ents_free(e, n);
	close(out);

	/* The longest name a module can have. */
	putko(dir, "k/" LONGEST ".ko.xz", "", ARCHIVE_FILTER_XZ);
	out = outfile();
	assert_int_equal(gather(dir, (const char *[]){ LONGEST }, 1, out,
	    &count, err), 0);
	n = readback(out, 0, e, 16);
	assert_int_equal(n, 4);
	assert_string_equal(e[2].name, "lib/modules/" LONGEST ".ko");
	assert_string_equal((char *)e[3].data, LONGEST "\n");
	ents_free(e, n);
	close(out);

	/* Only a built-in module: nothing but an empty load. */
	out = outfile();
	assert_int_equal(gather(dir, (const char *[]){ "builtin_one" }, 1, out,
	    &count, err), 0);
	assert_int_equal(count, 0);
	n = readback(out, 0, e, 16);
	assert_int_equal(n, 3);
	assert_string_equal(e[2].name, "lib/modules/load");
	assert_int_equal(e[2].len, 0);
	ents_free(e, n);
	close(out);
}

static void
test_cpio_none(void **state)
{
	struct ent	 e[8];
	struct stat	 st;
	char		 err[256];
	unsigned	 count = 9;
	size_t		 n;
	int		 out;

	(void)state;
	out = outfile();
	assert_int_equal(gather(NULL, (const char *[]){ "x" }, 1, out, &count,
	    err), 0);
	assert_int_equal(count, 0);
	assert_int_equal(fstat(out, &st), 0);
	assert_true(st.st_size > 0);
	assert_int_equal(st.st_size % 4, 0);
	n = readback(out, 0, e, 8);
	assert_int_equal(n, 3);
	assert_string_equal(e[0].name, "lib");
	assert_string_equal(e[1].name, "lib/modules");
	assert_string_equal(e[2].name, "lib/modules/load");
	assert_int_equal(e[2].mode, S_IFREG | 0644);
	assert_int_equal(e[2].len, 0);
	ents_free(e, n);
	close(out);
}

/* gather of one name in dir fails with an error containing what. */
static void
refused(const char *dir, const char *name, const char *what)
{
	char		 err[256];
	unsigned	 count;
	int		 out;

	out = outfile();
	assert_int_equal(gather(dir, &name, 1, out, &count, err), -1);
	if (strstr(err, what) == NULL)
		fail_msg("%s: \"%s\" has no \"%s\"", name, err, what);
	close(out);
}

static void
test_cpio_refused(void **state)
{
	char		*dir, err[256];
	unsigned	 count;
	size_t		 len;
	int		 out, dfd;

	(void)state;
	dir = newtree();
	putko(dir, "a.ko", "b", ARCHIVE_FILTER_NONE);
	putko(dir, "b.ko", "c", ARCHIVE_FILTER_NONE);
	putko(dir, "c.ko", "a", ARCHIVE_FILTER_NONE);
	putko(dir, "self.ko", "self", ARCHIVE_FILTER_NONE);
	putko(dir, "needs.ko", "absent", ARCHIVE_FILTER_NONE);
	putko(dir, "sub/dup.ko", "", ARCHIVE_FILTER_NONE);
	putko(dir, "dup.ko.xz", "", ARCHIVE_FILTER_XZ);
	len = ko("", "6.1.0-other SMP");
	put(dir, "kernel/other.ko", kobuf, len, ARCHIVE_FILTER_NONE);
	put(dir, "notelf.ko", "hello", 5, ARCHIVE_FILTER_NONE);
	putko(dir, "liar.ko.xz", "", ARCHIVE_FILTER_GZIP);
	put(dir, "modules.builtin", "kernel/x/\n", 10, ARCHIVE_FILTER_NONE);
	refused(dir, "a", "modules.builtin line 1");
	put(dir, "modules.builtin", "kernel/x/y.ko\n", 14,
	    ARCHIVE_FILTER_NONE);
	refused(dir, "a", "cycle");
	refused(dir, "self", "cycle");
	refused(dir, "absent", "module absent is neither in the modules tree "
	    "nor built into the kernel (modules.builtin)");
	refused(dir, "needs", "module absent, which needs needs, is neither");
	refused(dir, "dup", "twice");
	refused(dir, "other", "is built for kernel 6.1.0-other, not " REL);
	refused(dir, "notelf", "notelf.ko: shorter than an ELF header");
	refused(dir, "liar", "not compressed as its name says");
	put(dir, "empty.ko.zst", "", 0, ARCHIVE_FILTER_NONE);
	refused(dir, "empty", "empty.ko.zst");
	refused(dir, "B.d", "not a module name");
	refused(dir, "a/b", "not a module name");
	refused(dir, "", "not a module name");
	out = outfile();
	err[0] = '\0';
	assert_true((dfd = open(newtree(), O_RDONLY | O_DIRECTORY)) != -1);
	assert_int_equal(kernel_modules_cpio(dfd, "6.1/x", NULL, 0, out,
	    &count, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad kernel release"));
	assert_int_equal(kernel_modules_cpio(dfd, "", NULL, 0, out,
	    &count, err, sizeof(err)), -1);
	close(dfd);
	close(out);
}

static void
test_cpio_too_many(void **state)
{
	const char	*names[KERNEL_MODULES_MAX + 1];
	char		*dir, rel[32], err[256], nb[KERNEL_MODULES_MAX + 1][16];
	unsigned	 count;
	size_t		 i;
	int		 out;

	(void)state;
	dir = newtree();
	for (i = 0; i <= KERNEL_MODULES_MAX; i++) {
		snprintf(nb[i], sizeof(nb[i]), "m%zu", i);
		snprintf(rel, sizeof(rel), "k/m%zu.ko", i);
		putko(dir, rel, "", ARCHIVE_FILTER_NONE);
		names[i] = nb[i];
	}
	out = outfile();
	assert_int_equal(gather(dir, names, KERNEL_MODULES_MAX, out, &count,
	    err), 0);
	assert_int_equal(count, KERNEL_MODULES_MAX);
	close(out);
	out = outfile();
	assert_int_equal(gather(dir, names, KERNEL_MODULES_MAX + 1, out,
	    &count, err), -1);
	assert_non_null(strstr(err, "more than 64 modules"));
	close(out);
}

static void
test_cpio_symlinks(void **state)
{
	char	*dir, outside[4096], path[4096], target[4096];

	(void)state;
	dir = newtree();
	snprintf(outside, sizeof(outside), "%s", dir);
	putko(outside, "d/s.ko", "", ARCHIVE_FILTER_NONE);
	putko(outside, "real.ko", "", ARCHIVE_FILTER_NONE);
	dir = newtree();
	putko(dir, "kernel/a.ko", "real", ARCHIVE_FILTER_NONE);
	snprintf(target, sizeof(target), "%s/d", outside);
	snprintf(path, sizeof(path), "%s/kernel/link", dir);
	assert_int_equal(symlink(target, path), 0);
	snprintf(target, sizeof(target), "%s/real.ko", outside);
	snprintf(path, sizeof(path), "%s/kernel/real.ko", dir);
	assert_int_equal(symlink(target, path), 0);
	snprintf(path, sizeof(path), "%s/modules.builtin", dir);
	snprintf(target, sizeof(target), "%s/d/s.ko", outside);
	assert_int_equal(symlink(target, path), 0);
	/* modules.builtin a symlink: refused, not read through. */
	refused(dir, "s", "modules.builtin");
	assert_int_equal(unlink(path), 0);
	refused(dir, "s", "module s is neither");
	refused(dir, "real", "module real is neither");
	refused(dir, "a", "module real, which a needs, is neither");
}

static void
test_cpio_bomb(void **state)
{
	char	*dir;

	(void)state;
	dir = newtree();
	/* 33 MiB of zeros: a few kilobytes of xz. */
	put(dir, "bomb.ko.xz", NULL, (size_t)KERNEL_MODULE_MAX + (1 << 20),
	    ARCHIVE_FILTER_XZ);
	refused(dir, "bomb", "decompresses to more than 32 MiB");
	put(dir, "big.ko", NULL, (size_t)KERNEL_MODULE_MAX + 1,
	    ARCHIVE_FILTER_NONE);
	refused(dir, "big", "larger than 32 MiB");
}

static void
test_cpio_tree_bounds(void **state)
{
	char	*dir, path[8192];
	size_t	 i, n;
	int	 fd;

	(void)state;
	/* 16 directories below the top are walked, 17 are not. */
	dir = newtree();
	n = (size_t)snprintf(path, sizeof(path), "%s", dir);
	for (i = 0; i < 16; i++)
		n += (size_t)snprintf(path + n, sizeof(path) - n, "/d");
	snprintf(path + n, sizeof(path) - n, "/deep.ko");
	putko("", path + 1, "", ARCHIVE_FILTER_NONE);
	refused(dir, "absent", "neither");
	snprintf(path + n, sizeof(path) - n, "/d/deeper.ko");
	putko("", path + 1, "", ARCHIVE_FILTER_NONE);
	refused(dir, "absent", "deeper than 16 directories");

	/* 200,000 entries are walked, one more is not. */
	dir = newtree();
	for (i = 0; i < 200001; i++) {
		snprintf(path, sizeof(path), "%s/%zu", dir, i);
		assert_true((fd = open(path, O_WRONLY | O_CREAT, 0644)) != -1);
		close(fd);
		if (i == 199999)
			refused(dir, "absent", "neither");
	}
	refused(dir, "absent", "more than 200000 entries");
}

/* A module's dependencies as kernel_modinfo reads them. */
static void
depends_of(const struct ent *e, char *out)
{
	struct kernel_modinfo	 m;
	char			 err[256];

	if (kernel_modinfo(e->data, e->len, &m, err, sizeof(err)) == -1)
		fail_msg("%s: %s", e->name, err);
	strcpy(out, m.depends);
}

static const struct ent *
find_ent(const struct ent *e, size_t n, const char *name)
{
	char	 path[128];
	size_t	 i;

	snprintf(path, sizeof(path), "lib/modules/%s.ko", name);
	for (i = 0; i < n; i++)
		if (strcmp(e[i].name, path) == 0)
			return &e[i];
	return NULL;
}

/*
 * Debian's cloud kernel tree (make images) with banger's list of modules
 * (images/GNUmakefile's MODULES) against the initrd mkinitrd.sh built
 * from it: the same modules, byte for byte, in a valid load order.
 */
static void
test_cpio_debian(void **state)
{
	const char	*names[] = { "virtio_mmio", "virtio_console",
	    "virtio_net", "virtio_blk", "overlay",
	    "vmw_vsock_virtio_transport" };
	static struct ent	 ours[KERNEL_MODULES_MAX + 8];
	static struct ent	 theirs[4096];
	const struct ent	*t, *o;
	glob_t		 g;
	char		 rel[256], err[256], dep[KERNEL_DEPENDS_MAX + 1];
	char		*load, *line, *p, *save, *d, *dsave;
	unsigned	 count;
	size_t		 no, nt, i, j, lines = 0;
	int		 dfd, out, initrd = -1;

	(void)state;
	if (glob("images/cache/linux-image-*/lib/modules/*/", 0, NULL, &g) !=
	    0 || (initrd = open("images/out/initrd.img", O_RDONLY)) == -1) {
		globfree(&g);
		print_message("skipped: no images/cache/linux-image-*/lib/"
		    "modules/*/ or images/out/initrd.img here (run `make "
		    "images` in the top directory)\n");
		skip();
	}
	snprintf(rel, sizeof(rel), "%s", g.gl_pathv[0]);
	rel[strlen(rel) - 1] = '\0';
	assert_true((dfd = open(rel, O_RDONLY | O_DIRECTORY)) != -1);
	snprintf(rel, sizeof(rel), "%s", basename(rel));
	globfree(&g);
	out = outfile();
	err[0] = '\0';
	if (kernel_modules_cpio(dfd, rel, names, 6, out, &count, err,
	    sizeof(err)) == -1)
		fail_msg("%s", err);
	close(dfd);
	no = readback(out, 0, ours, KERNEL_MODULES_MAX + 8);
	nt = readback(initrd, 0, theirs, 4096);
	close(out);
	close(initrd);
	assert_int_equal(no, count + 3);
	assert_string_equal(ours[no - 1].name, "lib/modules/load");
	/* A copy: strtok_r cuts it up. */
	assert_non_null(load = strdup((char *)ours[no - 1].data));
	/* Each of ours is theirs, byte for byte, after its dependencies. */
	for (line = strtok_r(load, "\n", &save), i = 2; line != NULL;
	    line = strtok_r(NULL, "\n", &save), i++) {
		lines++;
		o = &ours[i];
		assert_ptr_equal(find_ent(ours, no, line), o);
		if ((t = find_ent(theirs, nt, line)) == NULL)
			fail_msg("%s is not in images/out/initrd.img", line);
		assert_int_equal(o->len, t->len);
		assert_memory_equal(o->data, t->data, o->len);
		depends_of(o, dep);
		for (d = strtok_r(dep, ",", &dsave); d != NULL;
		    d = strtok_r(NULL, ",", &dsave)) {
			for (p = d; *p != '\0'; p++)
				if (*p == '-')
					*p = '_';
			for (j = 2; j < i; j++)
				if (find_ent(ours, no, d) == &ours[j])
					break;
			if (j == i)
				fail_msg("%s loads before %s, which it needs",
				    line, d);
		}
	}
	assert_int_equal(lines, count);
	/* Theirs has no module ours lacks. */
	for (i = 0, j = 0; i < nt; i++)
		if (strncmp(theirs[i].name, "lib/modules/", 12) == 0 &&
		    strstr(theirs[i].name, ".ko") != NULL)
			j++;
	assert_int_equal(j, count);
	t = NULL;
	for (i = 0; i < nt; i++)
		if (strcmp(theirs[i].name, "lib/modules/load") == 0)
			t = &theirs[i];
	assert_non_null(t);
	print_message("debian: %u modules, the same as mkinitrd.sh's, in %s\n",
	    count, t->len == ours[no - 1].len && memcmp(t->data, ours[no - 1].data,
	    t->len) == 0 ? "the same order" : "another valid order");
	free(load);
	ents_free(ours, no);
	ents_free(theirs, nt);
}

static int
setup(void **state)
{
	(void)state;
	/* tmpfs where there is one: the wide tree is 200,001 files. */
	snprintf(tmpdir, sizeof(tmpdir), "%s/test-kmod.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char	 cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_modinfo_good),
		cmocka_unit_test(test_modinfo_hostile_elf),
		cmocka_unit_test(test_modinfo_hostile_strings),
		cmocka_unit_test(test_cpio_good),
		cmocka_unit_test(test_cpio_none),
		cmocka_unit_test(test_cpio_refused),
		cmocka_unit_test(test_cpio_too_many),
		cmocka_unit_test(test_cpio_symlinks),
		cmocka_unit_test(test_cpio_bomb),
		cmocka_unit_test(test_cpio_tree_bounds),
		cmocka_unit_test(test_cpio_debian),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
