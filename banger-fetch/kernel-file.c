/*
 * A guest kernel file as `banger kernel import` hands it over: an x86
 * bzImage (what distributions ship as vmlinuz) or an ELF vmlinux.  QEMU's
 * microvm and Firecracker boot only the ELF, and QEMU only through its
 * PVH entry note, so a bzImage's compressed payload is decompressed here
 * and the result checked as any ELF would be.  The bytes are the user's
 * (or a catalog's): every offset is bounded by the file and every sum
 * overflow-checked; reads are pread, never mmap.  Nothing here reports
 * status or touches anything but the descriptors given, so a fuzzer can
 * link this file alone (with libarchive).
 */
#include <sys/stat.h>

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "kernel.h"

/* The ELF structures are read as they lie in the file. */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "kernel-file.c reads little-endian ELF structures in place"
#endif

#define SETUP_HDR_END	0x250		/* through payload_length */
#define PHDRS_MAX	64
#define NOTES_MAX	(64 * 1024)	/* one PT_NOTE segment, bytes */
#define CHUNK		(1 << 16)
/* Xen's public elfnote.h: the 32-bit PVH entry point. */
#define XEN_ELFNOTE_PHYS32_ENTRY	18

#define BANNER		"Linux version "
#define BANNER_LEN	(sizeof(BANNER) - 1)
#define SCAN_CHUNK	(1 << 20)

static uint32_t
le16(const unsigned char *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t
le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static int
release_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '+' ||
	    c == '-';
}

/*
 * The release word at the start of p (n bytes): its length when it is
 * 1..KERNEL_RELEASE_MAX characters of [A-Za-z0-9._+-] ended by a space
 * or a NUL inside p, else 0.
 */
static size_t
release_word(const unsigned char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n && i <= KERNEL_RELEASE_MAX; i++) {
		if (p[i] == ' ' || p[i] == '\0')
			return i;
		if (!release_char(p[i]))
			return 0;
	}
	return 0;
}

/* Exactly n bytes at off, or -1 (a short read is an error). */
static int
read_at(int fd, void *buf, size_t n, off_t off)
{
	ssize_t	 r;
	size_t	 got = 0;

	while (got < n) {
		r = pread(fd, (char *)buf + got, n - got, off + (off_t)got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

static int
write_at(int fd, const void *buf, size_t n, off_t off)
{
	ssize_t	 r;
	size_t	 put = 0;

	while (put < n) {
		r = pwrite(fd, (const char *)buf + put, n - put,
		    off + (off_t)put);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return -1;
		}
		put += (size_t)r;
	}
	return 0;
}

/* A regular file of at most max bytes: its size, or -1 with why. */
static off_t
file_size(int fd, off_t max, const char *what, char *err, size_t errsz)
{
	struct stat	 st;

	if (fstat(fd, &st) == -1) {
		snprintf(err, errsz, "%s: fstat: %s", what, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s is not a regular file", what);
		return -1;
	}
	if (st.st_size > max) {
		snprintf(err, errsz, "%s is larger than %lld MiB", what,
		    (long long)(max >> 20));
		return -1;
	}
	return st.st_size;
}

/*
 * The first "Linux version RELEASE" in the file whose RELEASE is a valid
 * word, into release (left "" when there is none).  Read in chunks that
 * overlap by a banner and a word, so one split across two is seen.
 */
static int
banner_scan(int fd, off_t size, char *release, char *err, size_t errsz)
{
	const size_t	 overlap = BANNER_LEN + KERNEL_RELEASE_MAX + 1;
	unsigned char	*buf, *p;
	off_t		 off;
	size_t		 n, w;

	if ((buf = malloc(SCAN_CHUNK)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	for (off = 0; off < size; off += SCAN_CHUNK - overlap) {
		n = size - off < SCAN_CHUNK ? (size_t)(size - off) :
		    SCAN_CHUNK;
		if (read_at(fd, buf, n, off) == -1) {
			snprintf(err, errsz, "the kernel file: read: %s",
			    strerror(errno));
			free(buf);
			return -1;
		}
		p = buf;
		while ((p = memmem(p, n - (size_t)(p - buf), BANNER,
		    BANNER_LEN)) != NULL) {
			p += BANNER_LEN;
			if ((w = release_word(p, n - (size_t)(p - buf))) > 0) {
				memcpy(release, p, w);
				release[w] = '\0';
				free(buf);
				return 0;
			}
		}
		if ((off_t)n < SCAN_CHUNK)
			break;
	}
	free(buf);
	return 0;
}

/*
 * A PT_NOTE segment's notes (namesz, descsz, type, then name and desc,
 * each padded to 4 bytes), walked to the last byte: 1 when one of them
 * is Xen's PVH entry point, 0 when none is, -1 when one overruns.
 */
static int
notes_pvh(const unsigned char *p, size_t n)
{
	Elf64_Nhdr	 nh;
	size_t		 off = 0, name, desc;
	int		 found = 0;

	while (off < n) {
		if (n - off < sizeof(nh))
			return -1;
		memcpy(&nh, p + off, sizeof(nh));
		off += sizeof(nh);
		/* Rounded up to 4 without overflow: both are 32-bit. */
		name = ((size_t)nh.n_namesz + 3) & ~(size_t)3;
		desc = ((size_t)nh.n_descsz + 3) & ~(size_t)3;
		if (name > n - off || desc > n - off - name)
			return -1;
		if (nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY &&
		    nh.n_namesz == 4 && memcmp(p + off, "Xen", 4) == 0 &&
		    (nh.n_descsz == 4 || nh.n_descsz == 8))
			found = 1;
		off += name + desc;
	}
	return found;
}

int
kernel_elf_check(int fd, char release[KERNEL_RELEASE_MAX + 1], char *err,
    size_t errsz)
{
	Elf64_Ehdr	 eh;
	Elf64_Phdr	 ph[PHDRS_MAX];
	unsigned char	*notes;
	off_t		 size;
	uint64_t	 end;
	size_t		 i;
	int		 loads = 0, pvh = 0, r;

	if ((size = file_size(fd, KERNEL_VMLINUX_MAX, "the ELF kernel", err,
	    errsz)) == -1)
		return -1;
	if ((size_t)size < sizeof(eh) ||
	    read_at(fd, &eh, sizeof(eh), 0) == -1 ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
		snprintf(err, errsz, "not an ELF file");
		return -1;
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_ident[EI_VERSION] != EV_CURRENT ||
	    eh.e_machine != EM_X86_64) {
		snprintf(err, errsz, "the ELF kernel is not a 64-bit "
		    "little-endian x86-64 one");
		return -1;
	}
	if (eh.e_type != ET_EXEC) {
		snprintf(err, errsz, "the ELF file is not an executable (a "
		    "vmlinux is)");
		return -1;
	}
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
	    eh.e_phnum > PHDRS_MAX) {
		snprintf(err, errsz, "the ELF kernel has no program headers "
		    "or more than %d, or of an unknown size", PHDRS_MAX);
		return -1;
	}
	if (__builtin_add_overflow(eh.e_phoff,
	    (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr), &end) ||
	    end > (uint64_t)size ||
	    read_at(fd, ph, eh.e_phnum * sizeof(Elf64_Phdr),
	    (off_t)eh.e_phoff) == -1) {
		snprintf(err, errsz, "the ELF kernel's program headers lie "
		    "outside the file");
		return -1;
	}
	for (i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD && ph[i].p_type != PT_NOTE)
			continue;
		if (__builtin_add_overflow(ph[i].p_offset, ph[i].p_filesz,
		    &end) || end > (uint64_t)size) {
			snprintf(err, errsz, "the ELF kernel's segment %zu "
			    "lies outside the file", i);
			return -1;
		}
		if (ph[i].p_type == PT_LOAD) {
			if (ph[i].p_filesz > ph[i].p_memsz) {
				snprintf(err, errsz, "the ELF kernel's "
				    "segment %zu is larger in the file than "
				    "in memory", i);
				return -1;
			}
			loads++;
			continue;
		}
		if (ph[i].p_filesz == 0)
			continue;
		if (ph[i].p_filesz > NOTES_MAX) {
			snprintf(err, errsz, "the ELF kernel's note segment "
			    "%zu is larger than %d KiB", i, NOTES_MAX >> 10);
			return -1;
		}
		if ((notes = malloc(ph[i].p_filesz)) == NULL) {
			snprintf(err, errsz, "out of memory");
			return -1;
		}
		if (read_at(fd, notes, ph[i].p_filesz,
		    (off_t)ph[i].p_offset) == -1) {
			snprintf(err, errsz, "the ELF kernel: read: %s",
			    strerror(errno));
			free(notes);
			return -1;
		}
		r = notes_pvh(notes, ph[i].p_filesz);
		free(notes);
		if (r == -1) {
			snprintf(err, errsz, "the ELF kernel's note segment "
			    "%zu holds a note that overruns it", i);
			return -1;
		}
		pvh |= r;
	}
	if (loads == 0) {
		snprintf(err, errsz, "the ELF kernel has no loadable segment");
		return -1;
	}
	if (!pvh) {
		snprintf(err, errsz, "the ELF kernel has no PVH entry point "
		    "(it was built without CONFIG_PVH), so QEMU cannot boot "
		    "it as an ELF: import its bzImage instead, or build it "
		    "with CONFIG_PVH=y");
		return -1;
	}
	if (release[0] == '\0')
		return banner_scan(fd, size, release, err, errsz);
	return 0;
}

/*
 * The release a bzImage's setup code names: kernel_version (0x20e) is
 * the offset less 0x200 of a string inside the setup sectors, "RELEASE
 * (builder) #1 SMP ...".  A pointer of 0 names none.
 */
static int
bz_release(int fd, const unsigned char *hdr, off_t setup_end,
    struct kernel_file *kf, char *err, size_t errsz)
{
	unsigned char	 s[KERNEL_RELEASE_MAX + 1];
	off_t		 at;
	size_t		 n, w;

	kf->release[0] = '\0';
	if (le16(hdr + 0x20e) == 0)
		return 0;
	at = (off_t)le16(hdr + 0x20e) + 0x200;
	if (at >= setup_end) {
		snprintf(err, errsz, "the bzImage's kernel_version points "
		    "outside its setup code");
		return -1;
	}
	n = setup_end - at < (off_t)sizeof(s) ? (size_t)(setup_end - at) :
	    sizeof(s);
	if (read_at(fd, s, n, at) == -1) {
		snprintf(err, errsz, "the bzImage: read: %s", strerror(errno));
		return -1;
	}
	if ((w = release_word(s, n)) > 0) {
		memcpy(kf->release, s, w);
		kf->release[w] = '\0';
	}
	return 0;
}

int
kernel_probe(int fd, struct kernel_file *kf, char *err, size_t errsz)
{
	unsigned char	 hdr[SETUP_HDR_END], trailer[4];
	off_t		 size, setup_end, start, len, end;
	unsigned	 sects;

	memset(kf, 0, sizeof(*kf));
	if ((size = file_size(fd, KERNEL_FILE_MAX, "the kernel file", err,
	    errsz)) == -1)
		return -1;
	memset(hdr, 0, sizeof(hdr));
	if (read_at(fd, hdr, size < (off_t)sizeof(hdr) ? (size_t)size :
	    sizeof(hdr), 0) == -1) {
		snprintf(err, errsz, "the kernel file: read: %s",
		    strerror(errno));
		return -1;
	}
	if (size >= SELFMAG && memcmp(hdr, ELFMAG, SELFMAG) == 0) {
		kf->form = KERNEL_ELF;
		return kernel_elf_check(fd, kf->release, err, errsz);
	}
	if (size < (off_t)sizeof(hdr) || memcmp(hdr + 0x202, "HdrS", 4) != 0) {
		snprintf(err, errsz, "not a Linux kernel (neither a bzImage "
		    "nor an ELF vmlinux)");
		return -1;
	}
	kf->form = KERNEL_BZIMAGE;
	if (le16(hdr + 0x206) < 0x208) {
		snprintf(err, errsz, "the bzImage's boot protocol %u.%02u is "
		    "older than 2.08, which first says where the kernel is",
		    le16(hdr + 0x206) >> 8, le16(hdr + 0x206) & 0xff);
		return -1;
	}
	if ((hdr[0x211] & 1) == 0) {
		snprintf(err, errsz, "the bzImage is not loaded high (a "
		    "zImage, not a bzImage)");
		return -1;
	}
	sects = hdr[0x1f1] == 0 ? 4 : hdr[0x1f1];
	setup_end = ((off_t)sects + 1) * 512;
	len = le32(hdr + 0x24c);
	if (__builtin_add_overflow(setup_end, (off_t)le32(hdr + 0x248),
	    &start) || __builtin_add_overflow(start, len, &end) ||
	    end > size || len < 5) {
		snprintf(err, errsz, "the bzImage's payload lies outside the "
		    "file or is too short");
		return -1;
	}
	if (read_at(fd, trailer, sizeof(trailer), end - 4) == -1) {
		snprintf(err, errsz, "the bzImage: read: %s", strerror(errno));
		return -1;
	}
	kf->payload_off = start;
	kf->payload_len = len - 4;
	kf->vmlinux_len = le32(trailer);
	if (kf->vmlinux_len == 0 || kf->vmlinux_len > KERNEL_VMLINUX_MAX) {
		snprintf(err, errsz, "the bzImage's payload says it "
		    "decompresses to %u bytes (1 to %lld MiB are allowed)",
		    kf->vmlinux_len, (long long)(KERNEL_VMLINUX_MAX >> 20));
		return -1;
	}
	/* setup_end <= start < end <= size */
	return bz_release(fd, hdr, setup_end, kf, err, errsz);
}

/*
 * The compressors a kernel build may use (arch/x86/boot/compressed), by
 * their first bytes.  Each is asked of libarchive by name, rather than
 * all its filters, so that no other format's bidder sees the bytes and
 * none is run as an external program (lrzip, grzip, or lzop where
 * libarchive lacks liblzo2): banger-fetch runs no programs for this.
 */
static const struct compressor {
	const char	*name;
	const char	*magic;
	size_t		 len;
	int		 code;
	int		 (*support)(struct archive *);
} compressors[] = {
	{ "gzip", "\x1f\x8b", 2, ARCHIVE_FILTER_GZIP,
	    archive_read_support_filter_gzip },
	{ "bzip2", "BZh", 3, ARCHIVE_FILTER_BZIP2,
	    archive_read_support_filter_bzip2 },
	{ "lzma", "\x5d\x00\x00", 3, ARCHIVE_FILTER_LZMA,
	    archive_read_support_filter_lzma },
	{ "xz", "\xfd" "7zXZ\0", 6, ARCHIVE_FILTER_XZ,
	    archive_read_support_filter_xz },
	{ "lzo", "\x89LZO\0", 5, ARCHIVE_FILTER_LZOP,
	    archive_read_support_filter_lzop },
	{ "lz4", "\x02\x21\x4c\x18", 4, ARCHIVE_FILTER_LZ4,
	    archive_read_support_filter_lz4 },
	{ "zstd", "\x28\xb5\x2f\xfd", 4, ARCHIVE_FILTER_ZSTD,
	    archive_read_support_filter_zstd },
};

/* The payload (without its size trailer) as libarchive's input. */
struct payload {
	int		 fd;
	off_t		 off;
	off_t		 end;
	unsigned char	 buf[CHUNK];	/* read from the file */
	unsigned char	 obuf[CHUNK];	/* decompressed */
};

static la_ssize_t
payload_read(struct archive *a, void *arg, const void **out)
{
	struct payload	*p = arg;
	ssize_t		 r;
	size_t		 n;

	if (p->off >= p->end)
		return 0;
	n = p->end - p->off < CHUNK ? (size_t)(p->end - p->off) : CHUNK;
	do
		r = pread(p->fd, p->buf, n, p->off);
	while (r == -1 && errno == EINTR);
	if (r <= 0) {
		archive_set_error(a, r == 0 ? EIO : errno, "read: %s",
		    r == 0 ? "the file shrank" : strerror(errno));
		return -1;
	}
	p->off += r;
	*out = p->buf;
	return r;
}

/*
 * The payload decompressed into out, never more than the trailer says:
 * a payload that inflates further is stopped at the first chunk past it.
 */
static int
inflate_payload(struct archive *a, struct payload *p,
    const struct compressor *c, const struct kernel_file *kf, int out,
    char *err, size_t errsz)
{
	struct archive_entry	*e;
	unsigned char		*buf = p->obuf;
	la_ssize_t		 n;
	off_t			 total = 0;

	if (archive_read_next_header(a, &e) != ARCHIVE_OK) {
		snprintf(err, errsz, "the bzImage's payload does not "
		    "decompress: %s", archive_error_string(a) != NULL ?
		    archive_error_string(a) : "no data");
		return -1;
	}
	if (archive_filter_code(a, 0) != c->code) {
		snprintf(err, errsz, "the bzImage's payload does not "
		    "decompress: not %s after all", c->name);
		return -1;
	}
	while ((n = archive_read_data(a, buf, CHUNK)) > 0) {
		/* Stopped before writing what would pass the trailer. */
		if (n > kf->vmlinux_len - total) {
			snprintf(err, errsz, "the bzImage's payload "
			    "decompresses to more than the %u bytes it says",
			    kf->vmlinux_len);
			return -1;
		}
		if (write_at(out, buf, (size_t)n, total) == -1) {
			snprintf(err, errsz, "the decompressed kernel: write: "
			    "%s", strerror(errno));
			return -1;
		}
		total += n;
	}
	if (n < 0) {
		snprintf(err, errsz, "the bzImage's payload does not "
		    "decompress: %s", archive_error_string(a) != NULL ?
		    archive_error_string(a) : "unknown error");
		return -1;
	}
	if (total != kf->vmlinux_len) {
		snprintf(err, errsz, "the bzImage's payload decompresses to "
		    "%lld bytes, not the %u it says", (long long)total,
		    kf->vmlinux_len);
		return -1;
	}
	return 0;
}

int
kernel_extract(int fd, const struct kernel_file *kf, int out, char *err,
    size_t errsz)
{
	const struct compressor	*c = NULL;
	struct payload		*p;
	struct archive		*a;
	unsigned char		 magic[6];
	char			 release[KERNEL_RELEASE_MAX + 1];
	off_t			 osize;
	size_t			 i;
	int			 r;

	if (kf->form != KERNEL_BZIMAGE || kf->payload_off < 0 ||
	    kf->payload_len < 1 || kf->vmlinux_len == 0 ||
	    kf->vmlinux_len > KERNEL_VMLINUX_MAX) {
		snprintf(err, errsz, "not a bzImage that was probed");
		return -1;
	}
	if ((osize = file_size(out, KERNEL_VMLINUX_MAX, "the decompressed "
	    "kernel's file", err, errsz)) == -1)
		return -1;
	if (osize != 0) {
		snprintf(err, errsz, "the decompressed kernel's file is not "
		    "empty");
		return -1;
	}
	memset(magic, 0, sizeof(magic));
	if (read_at(fd, magic, kf->payload_len < (off_t)sizeof(magic) ?
	    (size_t)kf->payload_len : sizeof(magic), kf->payload_off) == -1) {
		snprintf(err, errsz, "the bzImage: read: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(compressors) / sizeof(compressors[0]); i++)
		if ((off_t)compressors[i].len <= kf->payload_len &&
		    memcmp(magic, compressors[i].magic,
		    compressors[i].len) == 0) {
			c = &compressors[i];
			break;
		}
	if (c == NULL) {
		snprintf(err, errsz, "the bzImage's payload does not "
		    "decompress: its compression is none a kernel uses");
		return -1;
	}
	if ((p = malloc(sizeof(*p))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	p->fd = fd;
	p->off = kf->payload_off;
	p->end = kf->payload_off + kf->payload_len;
	if ((a = archive_read_new()) == NULL) {
		snprintf(err, errsz, "out of memory");
		free(p);
		return -1;
	}
	/* ARCHIVE_WARN: this libarchive has it only as an external program. */
	if ((r = c->support(a)) != ARCHIVE_OK ||
	    archive_read_support_format_raw(a) != ARCHIVE_OK) {
		snprintf(err, errsz, "the bzImage's payload is %s, which "
		    "this libarchive cannot decompress itself%s", c->name,
		    r == ARCHIVE_WARN ? " (only with an external program)" :
		    "");
		archive_read_free(a);
		free(p);
		return -1;
	}
	if (archive_read_open(a, p, NULL, payload_read, NULL) !=
	    ARCHIVE_OK) {
		snprintf(err, errsz, "the bzImage's payload does not "
		    "decompress: %s", archive_error_string(a) != NULL ?
		    archive_error_string(a) : "unknown error");
		archive_read_free(a);
		free(p);
		return -1;
	}
	r = inflate_payload(a, p, c, kf, out, err, errsz);
	archive_read_free(a);
	free(p);
	if (r == -1)
		return -1;
	/* kf is the caller's: what the banner says is not kept. */
	memcpy(release, kf->release, sizeof(release));
	release[KERNEL_RELEASE_MAX] = '\0';
	return kernel_elf_check(out, release, err, errsz);
}
