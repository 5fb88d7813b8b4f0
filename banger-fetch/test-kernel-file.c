/*
 * banger-fetch/kernel-file.c: synthetic bzImages (a setup header and a
 * small ELF compressed by libarchive's writers) and ELF kernels, good and
 * hostile, and the Debian kernel `make images` fetched (skipped, saying
 * so, when images/out is absent; BANGER_IMAGES_OUT names another place).
 * `test-kernel-file --corpus DIR` writes fuzz/kernel-file's seeds.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
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

#define ELF_SIZE	512
#define NOTE_OFF	(sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr))
#define BANNER_OFF	256
#define SETUP_SECTS	1
#define PAYLOAD_GAP	16	/* payload_offset */

struct blob {
	unsigned char	*p;
	size_t		 n;
};

/*
 * A minimal vmlinux: one PT_LOAD over the whole file, one PT_NOTE with
 * Xen's PVH entry (or, without pvh, a GNU build-id-like note instead),
 * and a "Linux version" banner.
 */
static struct blob
make_elf(int pvh)
{
	struct blob	 b;
	Elf64_Ehdr	*eh;
	Elf64_Phdr	*ph;
	Elf64_Nhdr	 nh;
	uint32_t	 entry = 0x1000000;

	b.n = ELF_SIZE;
	assert_non_null(b.p = calloc(1, b.n));
	eh = (Elf64_Ehdr *)b.p;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = 0x1000000;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 2;
	ph = (Elf64_Phdr *)(b.p + sizeof(*eh));
	ph[0].p_type = PT_LOAD;
	ph[0].p_offset = 0;
	ph[0].p_vaddr = 0xffffffff81000000ULL;
	ph[0].p_paddr = 0x1000000;
	ph[0].p_filesz = ELF_SIZE;
	ph[0].p_memsz = ELF_SIZE + 4096;
	ph[1].p_type = PT_NOTE;
	ph[1].p_offset = NOTE_OFF;
	ph[1].p_filesz = sizeof(nh) + 4 + 4;
	nh.n_namesz = 4;
	nh.n_descsz = 4;
	nh.n_type = pvh ? 18 : 3;
	memcpy(b.p + NOTE_OFF, &nh, sizeof(nh));
	memcpy(b.p + NOTE_OFF + sizeof(nh), pvh ? "Xen" : "GNU", 4);
	memcpy(b.p + NOTE_OFF + sizeof(nh) + 4, &entry, 4);
	memcpy(b.p + BANNER_OFF, "Linux version %s\0Linux version "
	    "9.9.9-test+ (t@t) #1 SMP", 48);
	return b;
}

/* data through libarchive's write filter (raw format), into a blob. */
static struct blob
compress(const struct blob *data, int filter)
{
	struct archive		*a;
	struct archive_entry	*e;
	struct blob		 b;
	size_t			 cap = data->n * 2 + (1 << 16), used = 0;

	assert_non_null(b.p = malloc(cap));
	assert_non_null(a = archive_write_new());
	assert_int_equal(archive_write_add_filter(a, filter), ARCHIVE_OK);
	assert_int_equal(archive_write_set_format_raw(a), ARCHIVE_OK);
	assert_int_equal(archive_write_set_bytes_in_last_block(a, 1),
	    ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, b.p, cap, &used),
	    ARCHIVE_OK);
	assert_non_null(e = archive_entry_new());
	archive_entry_set_pathname(e, "vmlinux");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, (la_int64_t)data->n);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, data->p, data->n),
	    (la_ssize_t)data->n);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_entry_free(e);
	archive_write_free(a);
	b.n = used;
	return b;
}

static void
put16(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8 & 0xff;
}

static void
put32(unsigned char *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

/*
 * A bzImage around a compressed payload: one setup sector after the
 * boot sector, boot protocol 2.15, kernel_version naming "9.9.9-bz",
 * the payload PAYLOAD_GAP bytes into the protected-mode part, followed
 * by the trailer vmlinux_len.
 */
static unsigned	 bz_sects = SETUP_SECTS;	/* setup_sects, 0 for 4 */

static struct blob
make_bz(const struct blob *z, uint32_t vmlinux_len)
{
	struct blob	 b;
	size_t		 start = ((bz_sects == 0 ? 4 : bz_sects) + 1) * 512 +
	    PAYLOAD_GAP;

	b.n = start + z->n + 4;
	assert_non_null(b.p = calloc(1, b.n));
	b.p[0x1f1] = bz_sects;
	put16(b.p + 0x1fe, 0xaa55);
	memcpy(b.p + 0x202, "HdrS", 4);
	put16(b.p + 0x206, 0x020f);
	put16(b.p + 0x20e, 0x300 - 0x200);
	b.p[0x211] = 1;
	put32(b.p + 0x248, PAYLOAD_GAP);
	put32(b.p + 0x24c, (uint32_t)z->n + 4);
	memcpy(b.p + 0x300, "9.9.9-bz (t@t) #1 SMP", 22);
	memcpy(b.p + start, z->p, z->n);
	put32(b.p + start + z->n, vmlinux_len);
	return b;
}

static int
memfd(const struct blob *b)
{
	int	 fd;

	assert_true((fd = memfd_create("kernel", 0)) != -1);
	if (b != NULL)
		assert_int_equal(write(fd, b->p, b->n), (ssize_t)b->n);
	return fd;
}

/* kernel_probe of b: its return, with kf and err filled. */
static int
probe(const struct blob *b, struct kernel_file *kf, char *err, size_t errsz)
{
	int	 fd, r;

	fd = memfd(b);
	err[0] = '\0';
	r = kernel_probe(fd, kf, err, errsz);
	close(fd);
	return r;
}

/* kernel_probe fails on b, saying what. */
static void
probe_fails(const struct blob *b, const char *what)
{
	struct kernel_file	 kf;
	char			 err[512];

	assert_int_equal(probe(b, &kf, err, sizeof(err)), -1);
	if (strstr(err, what) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err, what);
}

/*
 * b probed and extracted: its return; *outsz what was written.  The
 * output is compared with want when the extraction succeeds.
 */
static int
extract(const struct blob *b, const struct blob *want, char *err,
    size_t errsz, off_t *outsz)
{
	struct kernel_file	 kf;
	struct stat		 st;
	unsigned char		*got;
	int			 fd, out, r;

	fd = memfd(b);
	out = memfd(NULL);
	err[0] = '\0';
	assert_int_equal(kernel_probe(fd, &kf, err, errsz), 0);
	assert_int_equal(kf.form, KERNEL_BZIMAGE);
	r = kernel_extract(fd, &kf, out, err, errsz);
	assert_int_equal(fstat(out, &st), 0);
	*outsz = st.st_size;
	if (r == 0 && want != NULL) {
		assert_int_equal(st.st_size, want->n);
		assert_non_null(got = malloc(want->n));
		assert_int_equal(pread(out, got, want->n, 0), want->n);
		assert_memory_equal(got, want->p, want->n);
		free(got);
	}
	close(fd);
	close(out);
	return r;
}

static void
extract_fails(const struct blob *b, const char *what, off_t outmax)
{
	char	 err[512];
	off_t	 outsz;

	assert_int_equal(extract(b, NULL, err, sizeof(err), &outsz), -1);
	if (strstr(err, what) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err, what);
	assert_true(outsz <= outmax);
}

static void
test_elf_good(void **state)
{
	struct kernel_file	 kf;
	struct blob		 e = make_elf(1);
	char			 err[512], rel[KERNEL_RELEASE_MAX + 1];
	int			 fd;

	(void)state;
	assert_int_equal(probe(&e, &kf, err, sizeof(err)), 0);
	assert_int_equal(kf.form, KERNEL_ELF);
	/* The "%s" of a format string is passed over for the real one. */
	assert_string_equal(kf.release, "9.9.9-test+");
	/* A release given is kept. */
	fd = memfd(&e);
	strcpy(rel, "given");
	assert_int_equal(kernel_elf_check(fd, rel, err, sizeof(err)), 0);
	assert_string_equal(rel, "given");
	close(fd);
	/* No banner: release stays "". */
	memset(e.p + BANNER_OFF, 'x', 40);
	assert_int_equal(probe(&e, &kf, err, sizeof(err)), 0);
	assert_string_equal(kf.release, "");
	/* A release word longer than KERNEL_RELEASE_MAX is none. */
	memcpy(e.p + BANNER_OFF, "Linux version ", 14);
	memset(e.p + BANNER_OFF + 14, '1', KERNEL_RELEASE_MAX + 1);
	e.p[BANNER_OFF + 15 + KERNEL_RELEASE_MAX] = ' ';
	assert_int_equal(probe(&e, &kf, err, sizeof(err)), 0);
	assert_string_equal(kf.release, "");
	free(e.p);
}

static void
test_elf_no_pvh(void **state)
{
	struct blob	 e = make_elf(0);
	Elf64_Nhdr	*nh;

	(void)state;
	probe_fails(&e, "no PVH entry point");
	probe_fails(&e, "CONFIG_PVH=y");
	free(e.p);
	/* Xen's note of another type, or with a desc of another size. */
	e = make_elf(1);
	nh = (Elf64_Nhdr *)(e.p + NOTE_OFF);
	nh->n_type = 17;
	probe_fails(&e, "no PVH entry point");
	nh->n_type = 18;
	nh->n_descsz = 2;
	probe_fails(&e, "no PVH entry point");
	free(e.p);
}

/* One byte range of a fresh ELF set, then probed: it fails saying what. */
static void
elf_bad(size_t off, const void *v, size_t n, const char *what)
{
	struct blob	 e = make_elf(1);

	memcpy(e.p + off, v, n);
	probe_fails(&e, what);
	free(e.p);
}

static void
test_elf_hostile(void **state)
{
	const size_t	 ph0 = sizeof(Elf64_Ehdr);
	const size_t	 ph1 = ph0 + sizeof(Elf64_Phdr);
	uint16_t	 u16;
	uint32_t	 u32;
	uint64_t	 u64;
	unsigned char	 c;

	(void)state;
	u16 = EM_AARCH64;
	elf_bad(offsetof(Elf64_Ehdr, e_machine), &u16, 2, "x86-64");
	c = ELFCLASS32;
	elf_bad(EI_CLASS, &c, 1, "x86-64");
	c = ELFDATA2MSB;
	elf_bad(EI_DATA, &c, 1, "x86-64");
	u16 = ET_DYN;
	elf_bad(offsetof(Elf64_Ehdr, e_type), &u16, 2, "not an executable");
	u16 = sizeof(Elf64_Phdr) + 8;
	elf_bad(offsetof(Elf64_Ehdr, e_phentsize), &u16, 2,
	    "program headers");
	u16 = 65;
	elf_bad(offsetof(Elf64_Ehdr, e_phnum), &u16, 2, "program headers");
	u16 = 0;
	elf_bad(offsetof(Elf64_Ehdr, e_phnum), &u16, 2, "program headers");
	/* Program headers past the end, and at an offset that wraps. */
	u64 = ELF_SIZE - sizeof(Elf64_Phdr);
	elf_bad(offsetof(Elf64_Ehdr, e_phoff), &u64, 8, "outside the file");
	u64 = UINT64_MAX - 8;
	elf_bad(offsetof(Elf64_Ehdr, e_phoff), &u64, 8, "outside the file");
	/* PT_LOAD: past the end, wrapping, larger in the file than memory. */
	u64 = ELF_SIZE + 1;
	elf_bad(ph0 + offsetof(Elf64_Phdr, p_filesz), &u64, 8,
	    "outside the file");
	u64 = UINT64_MAX;
	elf_bad(ph0 + offsetof(Elf64_Phdr, p_offset), &u64, 8,
	    "outside the file");
	u64 = 16;
	elf_bad(ph0 + offsetof(Elf64_Phdr, p_memsz), &u64, 8,
	    "larger in the file");
	/* No PT_LOAD at all. */
	u32 = PT_NULL;
	elf_bad(ph0 + offsetof(Elf64_Phdr, p_type), &u32, 4,
	    "no loadable segment");
	/* PT_NOTE past the end. */
	u64 = ELF_SIZE;
	elf_bad(ph1 + offsetof(Elf64_Phdr, p_offset), &u64, 8,
	    "outside the file");
	/* Notes whose sizes overrun their segment, and a segment that ends
	 * inside a note header. */
	u32 = 5;
	elf_bad(NOTE_OFF + offsetof(Elf64_Nhdr, n_namesz), &u32, 4,
	    "overruns");
	u32 = UINT32_MAX;
	elf_bad(NOTE_OFF + offsetof(Elf64_Nhdr, n_descsz), &u32, 4,
	    "overruns");
	u32 = UINT32_MAX - 2;
	elf_bad(NOTE_OFF + offsetof(Elf64_Nhdr, n_namesz), &u32, 4,
	    "overruns");
	u64 = 30;
	elf_bad(ph1 + offsetof(Elf64_Phdr, p_filesz), &u64, 8, "overruns");
	u64 = 1 << 20;
	elf_bad(ph1 + offsetof(Elf64_Phdr, p_filesz), &u64, 8,
	    "outside the file");
}

static const struct {
	const char	*name;
	int		 filter;
} filters[] = {
	{ "gzip", ARCHIVE_FILTER_GZIP },
	{ "bzip2", ARCHIVE_FILTER_BZIP2 },
	{ "lzma", ARCHIVE_FILTER_LZMA },
	{ "xz", ARCHIVE_FILTER_XZ },
	{ "zstd", ARCHIVE_FILTER_ZSTD },
};

static void
test_bz_good(void **state)
{
	struct kernel_file	 kf;
	struct blob		 e = make_elf(1), z, b;
	char			 err[512];
	off_t			 outsz;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		z = compress(&e, filters[i].filter);
		b = make_bz(&z, ELF_SIZE);
		assert_int_equal(probe(&b, &kf, err, sizeof(err)), 0);
		assert_int_equal(kf.form, KERNEL_BZIMAGE);
		assert_string_equal(kf.release, "9.9.9-bz");
		assert_int_equal(kf.payload_off, 2 * 512 + PAYLOAD_GAP);
		assert_int_equal(kf.payload_len, z.n);
		assert_int_equal(kf.vmlinux_len, ELF_SIZE);
		if (extract(&b, &e, err, sizeof(err), &outsz) != 0)
			fail_msg("%s: %s", filters[i].name, err);
		assert_int_equal(outsz, ELF_SIZE);
		free(b.p);
		free(z.p);
	}
	/* setup_sects 0 means 4; no kernel_version means no release. */
	z = compress(&e, ARCHIVE_FILTER_GZIP);
	bz_sects = 0;
	b = make_bz(&z, ELF_SIZE);
	bz_sects = SETUP_SECTS;
	put16(b.p + 0x20e, 0);
	assert_int_equal(probe(&b, &kf, err, sizeof(err)), 0);
	assert_int_equal(kf.payload_off, 5 * 512 + PAYLOAD_GAP);
	assert_string_equal(kf.release, "");
	if (extract(&b, &e, err, sizeof(err), &outsz) != 0)
		fail_msg("setup_sects 0: %s", err);
	free(b.p);
	free(z.p);
	free(e.p);
}

static void
test_bz_hostile(void **state)
{
	struct blob	 e = make_elf(1), z, b, t, g = make_elf(0), zg;

	(void)state;
	z = compress(&e, ARCHIVE_FILTER_GZIP);
	b = make_bz(&z, ELF_SIZE);
	t = b;
	assert_non_null(t.p = malloc(b.n));
#define RESET()	memcpy(t.p, b.p, b.n)
	RESET();
	put16(t.p + 0x206, 0x0207);
	probe_fails(&t, "older than 2.08");
	RESET();
	t.p[0x211] = 0;
	probe_fails(&t, "not loaded high");
	RESET();
	put32(t.p + 0x248, UINT32_MAX);
	probe_fails(&t, "outside the file");
	RESET();
	put32(t.p + 0x24c, (uint32_t)z.n + 5);
	probe_fails(&t, "outside the file");
	RESET();
	put32(t.p + 0x24c, 4);
	probe_fails(&t, "too short");
	RESET();
	put32(t.p + t.n - 4, 0);
	probe_fails(&t, "decompresses to 0 bytes");
	RESET();
	put32(t.p + t.n - 4, (uint32_t)KERNEL_VMLINUX_MAX + 1);
	probe_fails(&t, "decompresses to");
	RESET();
	put16(t.p + 0x20e, 0xff00);
	probe_fails(&t, "kernel_version points outside");
	RESET();
	memcpy(t.p + 0x300, "9.9/9 x", 8);
	{
		struct kernel_file	 kf;
		char			 err[512];

		assert_int_equal(probe(&t, &kf, err, sizeof(err)), 0);
		assert_string_equal(kf.release, "");
	}
	/* Trailers that disagree with the payload, either way. */
	RESET();
	put32(t.p + t.n - 4, ELF_SIZE - 1);
	extract_fails(&t, "more than the 511 bytes", ELF_SIZE - 1);
	RESET();
	put32(t.p + t.n - 4, ELF_SIZE + 1);
	extract_fails(&t, "not the 513 it says", ELF_SIZE + 1);
	/* A payload cut short (the trailer after what is left). */
	RESET();
	memcpy(t.p + t.n - 4 - z.n / 2, t.p + t.n - 4, 4);
	t.n -= z.n / 2;
	put32(t.p + 0x24c, (uint32_t)(z.n - z.n / 2) + 4);
	extract_fails(&t, "does not decompress", ELF_SIZE);
	t.n = b.n;
	/* A payload of no compression a kernel uses, or corrupt. */
	RESET();
	memset(t.p + 2 * 512 + PAYLOAD_GAP, 'A', 4);
	extract_fails(&t, "none a kernel uses", 0);
	/* lz4's frame format (a kernel's is legacy lz4). */
	RESET();
	memcpy(t.p + 2 * 512 + PAYLOAD_GAP, "\x04\x22\x4d\x18", 4);
	extract_fails(&t, "none a kernel uses", 0);
	/* lzo: refused where libarchive would run lzop for it, corrupt
	 * where it has liblzo2. */
	RESET();
	memcpy(t.p + 2 * 512 + PAYLOAD_GAP, "\x89LZO\0\r\n\x1a\n", 9);
	{
		char	 err[512];
		off_t	 outsz;

		assert_int_equal(extract(&t, NULL, err, sizeof(err), &outsz),
		    -1);
		if (strstr(err, "lzo, which this libarchive cannot") == NULL &&
		    strstr(err, "does not decompress") == NULL)
			fail_msg("lzo: %s", err);
		assert_int_equal(outsz, 0);
	}
	RESET();
	memset(t.p + 2 * 512 + PAYLOAD_GAP + 10, 0x55, z.n - 20);
	extract_fails(&t, "does not decompress", ELF_SIZE);
	free(t.p);
	/* A payload that is an ELF without PVH. */
	zg = compress(&g, ARCHIVE_FILTER_XZ);
	free(b.p);
	b = make_bz(&zg, ELF_SIZE);
	extract_fails(&b, "no PVH entry point", ELF_SIZE);
	free(b.p);
	free(zg.p);
	free(g.p);
	free(z.p);
	free(e.p);
#undef RESET
}

/*
 * A payload that claims a small size but inflates far beyond it (16 MiB
 * of zeros): stopped at the first chunk past the claim, nothing of that
 * chunk written.  One that claims more than KERNEL_VMLINUX_MAX is
 * refused before anything is decompressed.
 */
static void
test_bomb(void **state)
{
	struct kernel_file	 kf;
	struct blob		 zeros, z, b;
	char			 err[512];
	int			 fd, out;

	(void)state;
	zeros.n = 16 << 20;
	assert_non_null(zeros.p = calloc(1, zeros.n));
	memcpy(zeros.p, ELFMAG, SELFMAG);
	z = compress(&zeros, ARCHIVE_FILTER_GZIP);
	assert_true(z.n < 1 << 20);
	b = make_bz(&z, 4096);
	extract_fails(&b, "more than the 4096 bytes", 4096);
	free(b.p);
	b = make_bz(&z, 16 << 20);
	fd = memfd(&b);
	out = memfd(NULL);
	assert_int_equal(kernel_probe(fd, &kf, err, sizeof(err)), 0);
	/* A kernel_file that was not probed as such is refused. */
	kf.vmlinux_len = (uint32_t)KERNEL_VMLINUX_MAX + 1;
	assert_int_equal(kernel_extract(fd, &kf, out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a bzImage that was probed"));
	/* The output must be an empty regular file. */
	assert_int_equal(kernel_probe(fd, &kf, err, sizeof(err)), 0);
	assert_int_equal(write(out, "x", 1), 1);
	assert_int_equal(kernel_extract(fd, &kf, out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not empty"));
	close(fd);
	close(out);
	free(b.p);
	free(z.p);
	free(zeros.p);
}

static void
test_not_kernel(void **state)
{
	struct kernel_file	 kf;
	struct blob		 b;
	char			 dir[] = "/tmp/test-kernel-file.XXXXXX";
	char			 path[64], err[512];
	int			 fd;

	(void)state;
	b.n = 4096;
	assert_non_null(b.p = calloc(1, b.n));
	probe_fails(&b, "not a Linux kernel (neither a bzImage nor an ELF");
	b.n = 0;
	probe_fails(&b, "not a Linux kernel");
	b.n = 3;
	memcpy(b.p, ELFMAG, 3);
	probe_fails(&b, "not a Linux kernel");
	b.n = 20;
	memcpy(b.p, ELFMAG, 4);
	probe_fails(&b, "not an ELF file");
	free(b.p);
	/* A FIFO (opened without blocking) and a directory. */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_true((fd = open(path, O_RDONLY | O_NONBLOCK)) != -1);
	assert_int_equal(kernel_probe(fd, &kf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
	close(fd);
	assert_int_equal(unlink(path), 0);
	assert_true((fd = open(dir, O_RDONLY | O_DIRECTORY)) != -1);
	assert_int_equal(kernel_probe(fd, &kf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
	close(fd);
	assert_int_equal(rmdir(dir), 0);
	/* Larger than KERNEL_FILE_MAX (sparse). */
	fd = memfd(NULL);
	assert_int_equal(ftruncate(fd, KERNEL_FILE_MAX + 1), 0);
	assert_int_equal(kernel_probe(fd, &kf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "larger than 128 MiB"));
	close(fd);
}

/* path read whole into b, or 0 (a skip) when absent. */
static int
slurp(const char *path, struct blob *b)
{
	struct stat	 st;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return 0;
	assert_int_equal(fstat(fd, &st), 0);
	b->n = st.st_size;
	assert_non_null(b->p = malloc(b->n + 1));
	assert_int_equal(read(fd, b->p, b->n), (ssize_t)b->n);
	b->p[b->n] = '\0';
	close(fd);
	return 1;
}

/*
 * The Debian kernel images/Makefile fetched: the bzImage's payload
 * (lz4, legacy frames) decompresses to what images/extract-vmlinux.sh
 * made of it, byte for byte, and its release is the package's.
 */
static void
test_real_kernel(void **state)
{
	struct kernel_file	 kf;
	struct blob		 want, name;
	const char		*dir, *p, *q;
	char			 path[4096], err[512];
	char			 rel[KERNEL_RELEASE_MAX + 1];
	char			 release[KERNEL_RELEASE_MAX + 1];
	int			 fd, out;

	(void)state;
	if ((dir = getenv("BANGER_IMAGES_OUT")) == NULL)
		dir = "images/out";
	snprintf(path, sizeof(path), "%s/.kernel", dir);
	if (!slurp(path, &name)) {
		fprintf(stderr, "%s absent (run make images): the real "
		    "kernel is not tried\n", path);
		skip();
	}
	/* "cache/linux-image-RELEASE_VERSION_amd64" */
	assert_non_null(p = strstr((char *)name.p, "linux-image-"));
	p += strlen("linux-image-");
	assert_non_null(q = strchr(p, '_'));
	assert_true(q - p <= KERNEL_RELEASE_MAX);
	memcpy(release, p, q - p);
	release[q - p] = '\0';
	free(name.p);
	snprintf(path, sizeof(path), "%s/vmlinux", dir);
	assert_true(slurp(path, &want));
	snprintf(path, sizeof(path), "%s/vmlinuz", dir);
	assert_true((fd = open(path, O_RDONLY)) != -1);
	if (kernel_probe(fd, &kf, err, sizeof(err)) != 0)
		fail_msg("%s: %s", path, err);
	assert_int_equal(kf.form, KERNEL_BZIMAGE);
	assert_string_equal(kf.release, release);
	assert_int_equal(kf.vmlinux_len, want.n);
	out = memfd(NULL);
	if (kernel_extract(fd, &kf, out, err, sizeof(err)) != 0)
		fail_msg("%s: %s", path, err);
	close(fd);
	{
		unsigned char	*got;

		assert_non_null(got = malloc(want.n));
		assert_int_equal(pread(out, got, want.n, 0), want.n);
		assert_memory_equal(got, want.p, want.n);
		assert_int_equal(pread(out, got, 1, want.n), 0);
		free(got);
	}
	/* The vmlinux's banner names the same release. */
	rel[0] = '\0';
	assert_int_equal(kernel_elf_check(out, rel, err, sizeof(err)), 0);
	assert_string_equal(rel, release);
	close(out);
	free(want.p);
}

/* fuzz/kernel-file/corpus: small seeds, written by --corpus DIR. */
static int
write_corpus(const char *dir)
{
	struct blob	 e = make_elf(1), g = make_elf(0), z, b;
	char		 path[4096];
	size_t		 i;
	FILE		*f;

	for (i = 0; i < 4; i++) {
		if (i < 3) {
			z = compress(&e, i == 0 ? ARCHIVE_FILTER_GZIP :
			    i == 1 ? ARCHIVE_FILTER_XZ : ARCHIVE_FILTER_ZSTD);
			b = make_bz(&z, ELF_SIZE);
			free(z.p);
		} else
			b = g;
		snprintf(path, sizeof(path), "%s/%s", dir,
		    i == 0 ? "bz-gzip" : i == 1 ? "bz-xz" : i == 2 ?
		    "bz-zstd" : "elf-no-pvh");
		if ((f = fopen(path, "w")) == NULL ||
		    fwrite(b.p, 1, b.n, f) != b.n || fclose(f) != 0) {
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			return 1;
		}
		if (i < 3)
			free(b.p);
	}
	snprintf(path, sizeof(path), "%s/elf-pvh", dir);
	if ((f = fopen(path, "w")) == NULL ||
	    fwrite(e.p, 1, e.n, f) != e.n || fclose(f) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	free(e.p);
	free(g.p);
	return 0;
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_good),
		cmocka_unit_test(test_elf_no_pvh),
		cmocka_unit_test(test_elf_hostile),
		cmocka_unit_test(test_bz_good),
		cmocka_unit_test(test_bz_hostile),
		cmocka_unit_test(test_bomb),
		cmocka_unit_test(test_not_kernel),
		cmocka_unit_test(test_real_kernel),
	};

	if (argc == 3 && strcmp(argv[1], "--corpus") == 0)
		return write_corpus(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
