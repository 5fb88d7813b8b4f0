/*
 * Kernel bundles (kernel-bundle.c) and the modules.cpio checker
 * (kernel-modcheck.c).  A kernel directory is built here from a
 * synthetic ELF vmlinux and modules.cpio that kernel_modules_cpio makes
 * from a synthetic modules tree; `bundle-kernel` runs in a child (it
 * sandboxes itself), its bundle is unpacked and compared byte for byte.
 * Hand-made bundles and archives are refused for each way they can be
 * wrong.  Last, Debian's modules from `make images` are archived and
 * checked (skipped, saying so, when absent).
 * `test-kernel-bundle --corpus KBDIR MCDIR` writes the fuzzers' seeds.
 */
#include <sys/stat.h>
#include <sys/wait.h>

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
#include <openssl/evp.h>

#include "fetch.h"
#include "kernel.h"

#define REL	"9.9.9-test+"	/* the synthetic vmlinux's banner */
#define ELF_LEN	512

static char	 tmpdir[64];
static int	 seq;

/* A new path under tmpdir, valid for 15 more calls. */
static const char *
tpath(const char *what)
{
	static char	 p[16][256];
	static int	 k;

	k = (k + 1) % 16;
	snprintf(p[k], sizeof(p[k]), "%s/%s%d", tmpdir, what, ++seq);
	return p[k];
}

static void
putfile(const char *path, const void *data, size_t len)
{
	int	 fd;

	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) !=
	    -1);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	struct stat	 st;
	unsigned char	*b;
	int		 fd;

	assert_true((fd = open(path, O_RDONLY)) != -1);
	assert_int_equal(fstat(fd, &st), 0);
	assert_non_null(b = malloc((size_t)st.st_size + 1));
	assert_int_equal(read(fd, b, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return b;
}

/* An x86-64 ELF vmlinux: one PT_LOAD, a PVH note, a banner for REL. */
static void
make_vmlinux(unsigned char buf[ELF_LEN])
{
	Elf64_Ehdr	 eh;
	Elf64_Phdr	 ph[2];
	Elf64_Nhdr	 nh;
	size_t		 note = sizeof(eh) + sizeof(ph);
	uint32_t	 entry = 0x1000000;

	memset(buf, 0, ELF_LEN);
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_entry = entry;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 2;
	memset(ph, 0, sizeof(ph));
	ph[0].p_type = PT_LOAD;
	ph[0].p_vaddr = 0xffffffff81000000ULL;
	ph[0].p_paddr = entry;
	ph[0].p_filesz = ELF_LEN;
	ph[0].p_memsz = ELF_LEN + 4096;
	ph[1].p_type = PT_NOTE;
	ph[1].p_offset = note;
	ph[1].p_filesz = sizeof(nh) + 8;
	nh.n_namesz = 4;
	nh.n_descsz = 4;
	nh.n_type = 18;		/* XEN_ELFNOTE_PHYS32_ENTRY */
	memcpy(buf, &eh, sizeof(eh));
	memcpy(buf + sizeof(eh), ph, sizeof(ph));
	memcpy(buf + note, &nh, sizeof(nh));
	memcpy(buf + note + sizeof(nh), "Xen", 4);
	memcpy(buf + note + sizeof(nh) + 4, &entry, 4);
	memcpy(buf + 256, "Linux version " REL " (t@t) #1 SMP", 35);
}

/* A relocatable ELF whose .modinfo says depends and vermagic. */
static size_t
make_ko(unsigned char *buf, const char *depends, const char *vermagic)
{
	static const char	 strtab[] = "\0.shstrtab\0.modinfo";
	Elf64_Ehdr		 eh;
	Elf64_Shdr		 sh[3];
	char			 mi[512];
	size_t			 milen, off;

	milen = (size_t)snprintf(mi, sizeof(mi), "license=GPL%cdepends=%s%c"
	    "vermagic=%s SMP mod_unload ", 0, depends, 0, vermagic) + 1;
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
	off = (64 + sizeof(strtab) + milen + 7) & ~(size_t)7;
	eh.e_shoff = off;
	memset(sh, 0, sizeof(sh));
	sh[1].sh_name = 1;
	sh[1].sh_type = SHT_STRTAB;
	sh[1].sh_offset = 64;
	sh[1].sh_size = sizeof(strtab);
	sh[2].sh_name = 11;
	sh[2].sh_type = SHT_PROGBITS;
	sh[2].sh_offset = 64 + sizeof(strtab);
	sh[2].sh_size = milen;
	memset(buf, 0, off);
	memcpy(buf, &eh, sizeof(eh));
	memcpy(buf + 64, strtab, sizeof(strtab));
	memcpy(buf + 64 + sizeof(strtab), mi, milen);
	memcpy(buf + off, sh, sizeof(sh));
	return off + sizeof(sh);
}

/*
 * A modules tree (base; mid depends on base; top on mid and base) and
 * kernel_modules_cpio's archive of "top" from it, in a new file; with
 * none, the archive of no modules.  Its path.
 */
static const char *
make_cpio(int none, unsigned *count)
{
	static const char *const names[] = { "top" };
	static const char *const mods[][2] = {
		{ "kernel/base.ko", "" }, { "kernel/a/mid.ko", "base" },
		{ "kernel/top.ko", "mid,base" },
	};
	unsigned char	 ko[4096];
	char		 p[512];
	const char	*tree = tpath("tree"), *out = tpath("cpio");
	size_t		 i, n;
	char		 err[256];
	int		 dfd, fd;

	assert_int_equal(mkdir(tree, 0755), 0);
	snprintf(p, sizeof(p), "%s/kernel", tree);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/kernel/a", tree);
	assert_int_equal(mkdir(p, 0755), 0);
	for (i = 0; i < 3; i++) {
		n = make_ko(ko, mods[i][1], REL);
		snprintf(p, sizeof(p), "%s/%s", tree, mods[i][0]);
		putfile(p, ko, n);
	}
	assert_true((dfd = open(tree, O_RDONLY | O_DIRECTORY)) != -1);
	assert_true((fd = open(out, O_RDWR | O_CREAT | O_EXCL, 0644)) != -1);
	if (kernel_modules_cpio(none ? -1 : dfd, REL, names, none ? 0 : 1, fd,
	    count, err, sizeof(err)) == -1)
		fail_msg("kernel_modules_cpio: %s", err);
	close(fd);
	close(dfd);
	return out;
}

/*
 * A kernel directory: vmlinux, info for release and, with modules 1, a
 * modules.cpio of three modules, with 2 one of none.
 */
static const char *
make_kdir(const char *release, int modules)
{
	static char	 dir[256];
	unsigned char	 elf[ELF_LEN], *b;
	char		 p[512], info[256];
	const char	*cpio;
	unsigned	 count = 0;
	size_t		 n;

	snprintf(dir, sizeof(dir), "%s", tpath("kdir"));
	assert_int_equal(mkdir(dir, 0755), 0);
	make_vmlinux(elf);
	snprintf(p, sizeof(p), "%s/vmlinux", dir);
	putfile(p, elf, sizeof(elf));
	if (modules) {
		cpio = make_cpio(modules == 2, &count);
		b = slurp(cpio, &n);
		snprintf(p, sizeof(p), "%s/modules.cpio", dir);
		putfile(p, b, n);
		free(b);
	}
	n = (size_t)snprintf(info, sizeof(info), "release %s\nforms vmlinux\n"
	    "modules %u\n", release, count);
	snprintf(p, sizeof(p), "%s/info", dir);
	putfile(p, info, n);
	return dir;
}

/*
 * banger-fetch bundle-kernel NAME KDIR OUT in a child (it sandboxes
 * itself); its exit status, its status lines and stderr in out.
 */
static int
run_bundle(const char *name, const char *kdir, const char *outpath,
    char *out, size_t outsz)
{
	const char	*log = tpath("log");
	char		*argv[5];
	size_t		 n;
	pid_t		 pid;
	int		 status, fd;

	argv[0] = "bundle-kernel";
	argv[1] = (char *)name;
	argv[2] = (char *)kdir;
	argv[3] = (char *)outpath;
	argv[4] = NULL;
	assert_true((fd = open(log, O_RDWR | O_CREAT | O_EXCL, 0644)) != -1);
	fflush(stdout);
	fflush(stderr);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		dup2(fd, STATUS_FD);
		_exit(bundle_kernel_main(4, argv));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	n = (size_t)pread(fd, out, outsz - 1, 0);
	out[n < outsz ? n : 0] = '\0';
	close(fd);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void
sha256_hex(const unsigned char *b, size_t n, char hex[65])
{
	unsigned char	 d[32];
	unsigned	 dl;
	int		 i;

	assert_int_equal(EVP_Digest(b, n, d, &dl, EVP_sha256(), NULL), 1);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* The bundle at path into a new directory; its path, or NULL (err). */
static const char *
unpack(const char *path, const char *name, struct kbundle_manifest *m,
    char *err, size_t errsz)
{
	static char	 dir[256];
	int		 fd, rc;

	snprintf(dir, sizeof(dir), "%s", tpath("un"));
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_true((fd = open(path, O_RDONLY)) != -1);
	err[0] = '\0';
	rc = kbundle_unpack_fd(fd, dir, name, m, err, errsz);
	close(fd);
	if (rc == -1)
		assert_true(err[0] != '\0');
	return rc == 0 ? dir : NULL;
}

static void
same_file(const char *a, const char *b)
{
	unsigned char	*x, *y;
	size_t		 xn, yn;

	x = slurp(a, &xn);
	y = slurp(b, &yn);
	assert_int_equal(xn, yn);
	assert_memory_equal(x, y, xn);
	free(x);
	free(y);
}

static void
roundtrip(int modules)
{
	struct kbundle_manifest	 m;
	const char		*kdir, *out, *dir;
	unsigned char		*b;
	char			 log[2048], want[512], hex[65], err[512];
	char			 a[512], c[512];
	size_t			 n;

	kdir = make_kdir(REL, modules);
	out = tpath("bundle");
	if (run_bundle("k1", kdir, out, log, sizeof(log)) != 0)
		fail_msg("bundle-kernel: %s", log);
	b = slurp(out, &n);
	sha256_hex(b, n, hex);
	free(b);
	snprintf(want, sizeof(want), "progress bundle %s size %zu sha256 %s\n",
	    out, n, hex);
	if (strstr(log, want) == NULL)
		fail_msg("no \"%s\" in \"%s\"", want, log);
	if ((dir = unpack(out, "k1", &m, err, sizeof(err))) == NULL)
		fail_msg("unpack: %s", err);
	assert_string_equal(m.name, "k1");
	assert_string_equal(m.release, REL);
	assert_true(m.created > 0);
	snprintf(a, sizeof(a), "%s/vmlinux", kdir);
	snprintf(c, sizeof(c), "%s/vmlinux", dir);
	same_file(a, c);
	snprintf(a, sizeof(a), "%s/modules.cpio", kdir);
	snprintf(c, sizeof(c), "%s/modules.cpio", dir);
	if (modules)
		same_file(a, c);
	else
		assert_int_equal(access(c, F_OK), -1);
	/* Another name is not this bundle. */
	assert_null(unpack(out, "k2", &m, err, sizeof(err)));
	assert_non_null(strstr(err, "names k1, not k2"));
}

static void
test_bundle_roundtrip(void **state)
{
	(void)state;
	roundtrip(1);
	roundtrip(2);
	roundtrip(0);
}

static void
test_bundle_make_refused(void **state)
{
	const char	*kdir, *out;
	char		 log[2048], p[512];

	(void)state;
	/* info's release is not the vmlinux's. */
	kdir = make_kdir("1.2.3", 0);
	out = tpath("bundle");
	assert_int_equal(run_bundle("k1", kdir, out, log, sizeof(log)), 1);
	assert_non_null(strstr(log, "vmlinux is release " REL));
	assert_int_equal(access(out, F_OK), -1);
	/* A modules.cpio kernel_modules_check refuses is not published. */
	kdir = make_kdir(REL, 1);
	snprintf(p, sizeof(p), "%s/modules.cpio", kdir);
	putfile(p, "070701garbage", 13);
	out = tpath("bundle");
	assert_int_equal(run_bundle("k1", kdir, out, log, sizeof(log)), 1);
	assert_non_null(strstr(log, "modules.cpio: "));
	assert_int_equal(access(out, F_OK), -1);
	/* info without a release line. */
	snprintf(p, sizeof(p), "%s/info", kdir);
	putfile(p, "forms vmlinux\n", 14);
	assert_int_equal(run_bundle("k1", kdir, out, log, sizeof(log)), 1);
	assert_non_null(strstr(log, "info: not a kernel's"));
	putfile(p, "release " REL "\n", 9 + strlen(REL));
	snprintf(p, sizeof(p), "%s/modules.cpio", kdir);
	assert_int_equal(unlink(p), 0);
	/* OUT exists: left alone. */
	putfile(out, "x", 1);
	assert_int_equal(run_bundle("k1", kdir, out, log, sizeof(log)), 1);
	assert_non_null(strstr(log, "exists"));
	/* Bad arguments. */
	assert_int_equal(run_bundle("../k", kdir, tpath("b"), log,
	    sizeof(log)), 2);
	assert_int_equal(run_bundle("k", "rel/dir", tpath("b"), log,
	    sizeof(log)), 2);
	/* A vmlinux that is a symlink is not read. */
	snprintf(p, sizeof(p), "%s/vmlinux", kdir);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	out = tpath("bundle");
	assert_int_equal(run_bundle("k1", kdir, out, log, sizeof(log)), 1);
	assert_int_equal(access(out, F_OK), -1);
}

/* A member of a hand-made bundle or archive. */
struct mem {
	const char	*name;
	mode_t		 type;		/* AE_IFREG when 0 */
	const void	*data;
	size_t		 len;
	const char	*link;		/* symlink target, or hardlink */
	int		 hard;
	int64_t		 size;		/* sparse: this size, len of data */
	mode_t		 perm;		/* 0644 when 0 */
	int		 uid;
};

static void
write_members(struct archive *a, const struct mem *m, size_t n)
{
	struct archive_entry	*e;
	size_t			 i;

	for (i = 0; i < n; i++) {
		assert_non_null(e = archive_entry_new());
		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_filetype(e, m[i].type != 0 ? m[i].type :
		    AE_IFREG);
		archive_entry_set_perm(e, m[i].perm != 0 ? m[i].perm : 0644);
		archive_entry_set_uid(e, m[i].uid);
		archive_entry_set_gid(e, 0);
		archive_entry_set_nlink(e, 1);
		archive_entry_set_ino(e, i + 1);
		if (m[i].link != NULL && m[i].hard)
			archive_entry_set_hardlink(e, m[i].link);
		else if (m[i].link != NULL)
			archive_entry_set_symlink(e, m[i].link);
		if (m[i].size != 0) {
			archive_entry_set_size(e, m[i].size);
			archive_entry_sparse_add_entry(e, 0, (la_int64_t)m[i].len);
		} else
			archive_entry_set_size(e, m[i].type == AE_IFDIR ||
			    m[i].link != NULL ? 0 : (la_int64_t)m[i].len);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (m[i].len > 0 && m[i].type != AE_IFDIR && m[i].link == NULL)
			assert_int_equal(archive_write_data(a, m[i].data,
			    m[i].len), (la_ssize_t)m[i].len);
		archive_entry_free(e);
	}
}

/* A tar + filter bundle of the members in a new file; its path. */
static const char *
make_bundle(const struct mem *m, size_t n, int filter)
{
	struct archive	*a;
	const char	*path = tpath("kb");

	assert_non_null(a = archive_write_new());
	assert_int_equal(archive_write_set_format_pax_restricted(a),
	    ARCHIVE_OK);
	assert_int_equal(archive_write_add_filter(a, filter), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	write_members(a, m, n);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return path;
}

#define MAN	"{\"name\": \"k\", \"release\": \"" REL "\", \"created\": 1}"

static void
refused(const struct mem *m, size_t n, int filter, const char *why)
{
	struct kbundle_manifest	 km;
	char			 err[512];

	if (unpack(make_bundle(m, n, filter), "k", &km, err, sizeof(err)) !=
	    NULL)
		fail_msg("taken, but should fail with \"%s\"", why);
	if (strstr(err, why) == NULL)
		fail_msg("\"%s\", not \"%s\"", err, why);
	assert_string_equal(km.name, "");
}

static void
test_bundle_unpack_refused(void **state)
{
	static unsigned char	 elf[ELF_LEN], one = 1;
	struct kbundle_manifest	 km;
	const char		*p;
	char			 err[512], big[KBUNDLE_MANIFEST_MAX + 2];
	struct mem		 m[4];
	size_t			 len;
	int			 fd;

	(void)state;
	make_vmlinux(elf);
	memset(m, 0, sizeof(m));
	m[0] = (struct mem){ .name = "manifest.json", .data = MAN,
	    .len = strlen(MAN) };
	m[1] = (struct mem){ .name = "vmlinux", .data = elf, .len = ELF_LEN };
	/* Good, manifest after vmlinux too. */
	assert_non_null(unpack(make_bundle(m, 2, ARCHIVE_FILTER_ZSTD), "k",
	    &km, err, sizeof(err)));
	m[2] = m[0];
	assert_non_null(unpack(make_bundle(m + 1, 2, ARCHIVE_FILTER_ZSTD), "k",
	    &km, err, sizeof(err)));
	/* An extra member, and one twice. */
	m[2] = (struct mem){ .name = "initrd.img", .data = elf, .len = 8 };
	refused(m, 3, ARCHIVE_FILTER_ZSTD, "bad member: initrd.img");
	m[2] = (struct mem){ .name = "../vmlinux", .data = elf, .len = 8 };
	refused(m, 3, ARCHIVE_FILTER_ZSTD, "bad member: ../vmlinux");
	m[2] = m[1];
	refused(m, 3, ARCHIVE_FILTER_ZSTD, "a second vmlinux");
	m[2] = m[0];
	refused(m, 3, ARCHIVE_FILTER_ZSTD, "a second manifest.json");
	m[2] = (struct mem){ .name = "modules.cpio", .data = elf, .len = 8 };
	m[3] = m[2];
	refused(m, 4, ARCHIVE_FILTER_ZSTD, "a second modules.cpio");
	/* Links and a directory where a file belongs. */
	m[2] = (struct mem){ .name = "modules.cpio", .type = AE_IFLNK,
	    .link = "/etc/shadow" };
	refused(m, 3, ARCHIVE_FILTER_ZSTD, "not a regular file");
	m[2] = (struct mem){ .name = "modules.cpio", .link = "vmlinux",
	    .hard = 1 };
	refused(m, 3, ARCHIVE_FILTER_ZSTD, "not a regular file");
	m[2] = (struct mem){ .name = "modules.cpio", .type = AE_IFDIR,
	    .perm = 0755 };
	refused(m, 3, ARCHIVE_FILTER_ZSTD, "not a regular file");
	/* Missing members, empty ones. */
	refused(m, 1, ARCHIVE_FILTER_ZSTD, "lacks vmlinux");
	refused(m + 1, 1, ARCHIVE_FILTER_ZSTD, "lacks manifest.json");
	m[2] = (struct mem){ .name = "modules.cpio" };
	refused(m, 3, ARCHIVE_FILTER_ZSTD, "modules.cpio is not 1 byte");
	/* Not zstd. */
	refused(m, 2, ARCHIVE_FILTER_GZIP, "not tar + zstd");
	refused(m, 2, ARCHIVE_FILTER_NONE, "not compressed with zstd");
	/* vmlinux too large: a sparse member, one byte of data. */
	m[2] = (struct mem){ .name = "vmlinux", .data = &one, .len = 1,
	    .size = KERNEL_VMLINUX_MAX + 1 };
	m[1] = m[0];
	refused(m + 1, 2, ARCHIVE_FILTER_ZSTD, "vmlinux is not 1 byte to 512");
	m[1] = (struct mem){ .name = "vmlinux", .data = elf, .len = ELF_LEN };
	/* Manifests. */
	m[0].data = "{\"name\": \"k2\", \"release\": \"1\", \"created\": 1}";
	m[0].len = strlen(m[0].data);
	refused(m, 2, ARCHIVE_FILTER_ZSTD, "names k2, not k");
	m[0].data = "{\"name\": \"k\", \"release\": \"1/2\", \"created\": 1}";
	m[0].len = strlen(m[0].data);
	refused(m, 2, ARCHIVE_FILTER_ZSTD, "no release or a bad one");
	m[0].data = "{\"name\": \"k\", \"release\": \"1\", \"created\": 1, "
	    "\"url\": \"x\"}";
	m[0].len = strlen(m[0].data);
	refused(m, 2, ARCHIVE_FILTER_ZSTD, "unknown key");
	memset(big, ' ', sizeof(big));
	memcpy(big, MAN, strlen(MAN));
	m[0].data = big;
	m[0].len = KBUNDLE_MANIFEST_MAX + 1;
	refused(m, 2, ARCHIVE_FILTER_ZSTD, "larger than 4096");
	/* Truncated: half of a good bundle. */
	m[0].data = MAN;
	m[0].len = strlen(MAN);
	p = make_bundle(m, 2, ARCHIVE_FILTER_ZSTD);
	assert_true((fd = open(p, O_RDWR)) != -1);
	len = (size_t)lseek(fd, 0, SEEK_END);
	assert_int_equal(ftruncate(fd, (off_t)len / 2), 0);
	close(fd);
	assert_null(unpack(p, "k", &km, err, sizeof(err)));
	assert_non_null(strstr(err, "truncated"));
	/* Empty file. */
	putfile(p, "", 0);
	assert_null(unpack(p, "k", &km, err, sizeof(err)));
}

static void
manifest_bad(const char *json, const char *why)
{
	struct kbundle_manifest	 m;
	char			 err[256];

	err[0] = '\0';
	if (kbundle_manifest_parse(json, strlen(json), &m, err, sizeof(err)) !=
	    -1)
		fail_msg("%s taken", json);
	if (strstr(err, why) == NULL)
		fail_msg("%s: \"%s\", not \"%s\"", json, err, why);
}

static void
test_manifest(void **state)
{
	struct kbundle_manifest	 m;
	char			 err[256], j[256];
	const char		*r64 = "a23456789012345678901234567890123456789"
	    "0123456789012345678901234";

	(void)state;
	snprintf(j, sizeof(j), "{\"created\": 0, \"release\": \"%s\", "
	    "\"name\": \"deb-61\"}", r64);
	assert_int_equal(kbundle_manifest_parse(j, strlen(j), &m, err,
	    sizeof(err)), 0);
	assert_string_equal(m.name, "deb-61");
	assert_string_equal(m.release, r64);
	assert_int_equal(m.created, 0);
	snprintf(j, sizeof(j), "{\"created\": 0, \"release\": \"%s5\", "
	    "\"name\": \"k\"}", r64);
	manifest_bad(j, "no release or a bad one");
	manifest_bad("{\"name\": \"k\", \"release\": \"\", \"created\": 1}",
	    "no release or a bad one");
	manifest_bad("{\"name\": \"k\", \"release\": \"a b\", \"created\": 1}",
	    "no release or a bad one");
	manifest_bad("{\"name\": \"k\", \"release\": 1, \"created\": 1}",
	    "no release or a bad one");
	/* jansson takes no NUL in a string (JSON_ALLOW_NUL is not given). */
	manifest_bad("{\"name\": \"k\", \"release\": \"1\\u0000\", "
	    "\"created\": 1}", "not a JSON object");
	manifest_bad("{\"name\": \"k\", \"created\": 1}", "no release");
	manifest_bad("{\"release\": \"1\", \"created\": 1}", "no name");
	manifest_bad("{\"name\": \"-k\", \"release\": \"1\", \"created\": 1}",
	    "bad one");
	manifest_bad("{\"name\": \"k\", \"release\": \"1\", \"created\": -1}",
	    "created");
	manifest_bad("{\"name\": \"k\", \"release\": \"1\", \"created\": 1.5}",
	    "created");
	manifest_bad("{\"name\": \"k\", \"release\": \"1\"}", "created");
	manifest_bad("{\"name\": \"k\", \"name\": \"k\", \"release\": \"1\", "
	    "\"created\": 1}", "twice");
	manifest_bad("[]", "not a JSON object");
	manifest_bad("{\"name\": \"k\", \"release\": \"1\", \"created\": 1, "
	    "\"Name\": 1}", "unknown key");
}

/* kernel_modules_check on the file at path. */
static int
check(const char *path, const char *release, unsigned *count, char *err,
    size_t errsz)
{
	int	 fd, rc;

	assert_true((fd = open(path, O_RDONLY)) != -1);
	err[0] = '\0';
	*count = 99;
	rc = kernel_modules_check(fd, release, count, err, errsz);
	close(fd);
	if (rc == -1) {
		assert_true(err[0] != '\0');
		assert_int_equal(*count, 0);
	}
	return rc;
}

static void
test_modcheck_good(void **state)
{
	const char	*p;
	unsigned	 made, count;
	char		 err[256];

	(void)state;
	p = make_cpio(0, &made);
	assert_int_equal(made, 3);
	if (check(p, REL, &count, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	assert_int_equal(count, 3);
	/* Another kernel's. */
	assert_int_equal(check(p, "9.9.9", &count, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is for kernel " REL ", not 9.9.9"));
	assert_int_equal(check(p, "", &count, err, sizeof(err)), -1);
	p = make_cpio(1, &made);
	assert_int_equal(made, 0);
	if (check(p, REL, &count, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	assert_int_equal(count, 0);
}

static unsigned char	 ko_base[4096], ko_mid[4096], ko_top[4096];
static size_t		 ko_base_n, ko_mid_n, ko_top_n;

/* An archive as kernel_modules_cpio writes one, to be spoilt. */
static size_t
good_members(struct mem *m)
{
	ko_base_n = make_ko(ko_base, "", REL);
	ko_mid_n = make_ko(ko_mid, "base", REL);
	ko_top_n = make_ko(ko_top, "mid,base", REL);
	m[0] = (struct mem){ .name = "lib", .type = AE_IFDIR, .perm = 0755 };
	m[1] = (struct mem){ .name = "lib/modules", .type = AE_IFDIR,
	    .perm = 0755 };
	m[2] = (struct mem){ .name = "lib/modules/base.ko", .data = ko_base,
	    .len = ko_base_n };
	m[3] = (struct mem){ .name = "lib/modules/mid.ko", .data = ko_mid,
	    .len = ko_mid_n };
	m[4] = (struct mem){ .name = "lib/modules/top.ko", .data = ko_top,
	    .len = ko_top_n };
	m[5] = (struct mem){ .name = "lib/modules/load",
	    .data = "base\nmid\ntop\n", .len = 13 };
	return 6;
}

/* The members as a cpio archive (format, filter) in a new file. */
static const char *
make_archive(const struct mem *m, size_t n, int format, int filter)
{
	struct archive	*a;
	const char	*path = tpath("ar");

	assert_non_null(a = archive_write_new());
	assert_int_equal(archive_write_set_format(a, format), ARCHIVE_OK);
	assert_int_equal(archive_write_add_filter(a, filter), ARCHIVE_OK);
	assert_int_equal(archive_write_set_bytes_in_last_block(a, 1),
	    ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	write_members(a, m, n);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return path;
}

static void
mc_refused(const struct mem *m, size_t n, int format, int filter,
    const char *why)
{
	const char	*p = make_archive(m, n, format, filter);
	unsigned	 count;
	char		 err[512];

	if (check(p, REL, &count, err, sizeof(err)) != -1)
		fail_msg("taken, but should fail with \"%s\"", why);
	if (strstr(err, why) == NULL)
		fail_msg("\"%s\", not \"%s\"", err, why);
}

#define NEWC	ARCHIVE_FORMAT_CPIO_SVR4_NOCRC
#define PLAIN	ARCHIVE_FILTER_NONE

static void
test_modcheck_refused(void **state)
{
	static unsigned char	 bad[4096];
	struct mem		 m[8], g[8];
	const char		*p;
	unsigned		 count;
	char			 err[512];
	size_t			 n;
	int			 fd;

	(void)state;
	n = good_members(g);
	memcpy(m, g, sizeof(g));
	/* The hand-made good one passes: the refusals are for their cause. */
	p = make_archive(m, n, NEWC, PLAIN);
	if (check(p, REL, &count, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	assert_int_equal(count, 3);
	/* Formats and filters. */
	mc_refused(m, n, NEWC, ARCHIVE_FILTER_GZIP, "not an uncompressed");
	mc_refused(m, n, NEWC, ARCHIVE_FILTER_ZSTD, "not an uncompressed");
	mc_refused(m, n, ARCHIVE_FORMAT_CPIO_POSIX, PLAIN, "not an uncompressed newc");
	mc_refused(m, n, ARCHIVE_FORMAT_CPIO_BIN_LE, PLAIN, "not an uncompressed newc");
	mc_refused(m, n, ARCHIVE_FORMAT_TAR_USTAR, PLAIN,
	    "not an uncompressed");
	/* Modules: another kernel's, a dependency missing. */
	m[3].data = bad;
	m[3].len = make_ko(bad, "base", "6.1.0");
	mc_refused(m, n, NEWC, PLAIN, "module mid is for kernel 6.1.0");
	m[3].data = "not an ELF file at all, but long enough for a header "
	    "to be read from it.......";
	m[3].len = strlen(m[3].data);
	mc_refused(m, n, NEWC, PLAIN, "module mid: not an ELF");
	memcpy(m, g, sizeof(g));
	m[3].data = bad;
	m[3].len = make_ko(bad, "base,absent", REL);
	mc_refused(m, n, NEWC, PLAIN, "depends on absent, which the archive");
	memcpy(m, g, sizeof(g));
	/* The load list. */
	m[5].data = "base\nmid\n";
	m[5].len = 9;
	mc_refused(m, n, NEWC, PLAIN, "does not name top");
	m[5].data = "base\nmid\ntop\nmid\n";
	m[5].len = 17;
	mc_refused(m, n, NEWC, PLAIN, "names mid twice");
	m[5].data = "base\ntop\nmid\n";
	m[5].len = 13;
	mc_refused(m, n, NEWC, PLAIN, "has top before mid");
	m[5].data = "base\nmid\ntop\nother\n";
	m[5].len = 19;
	mc_refused(m, n, NEWC, PLAIN, "names other, which the archive lacks");
	m[5].data = "base\nmid\ntop";
	m[5].len = 12;
	mc_refused(m, n, NEWC, PLAIN, "newline");
	m[5].data = "base\nmid\n../top\n";
	m[5].len = 16;
	mc_refused(m, n, NEWC, PLAIN, "line 3 is not a module name");
	mc_refused(m, n - 1, NEWC, PLAIN, "lacks lib/modules/load");
	memcpy(m, g, sizeof(g));
	/* Modes and owners. */
	m[4].perm = 04755;
	mc_refused(m, n, NEWC, PLAIN, "top.ko has mode 4755");
	m[4].perm = 0666;
	mc_refused(m, n, NEWC, PLAIN, "top.ko has mode 0666");
	m[1].perm = 01777;
	m[4].perm = 0;
	mc_refused(m, n, NEWC, PLAIN, "lib/modules has mode 1777");
	memcpy(m, g, sizeof(g));
	m[2].uid = 1000;
	mc_refused(m, n, NEWC, PLAIN, "base.ko is not owned by root");
	memcpy(m, g, sizeof(g));
	/* Members: extra, twice, out of place, links, wrong types. */
	m[6] = (struct mem){ .name = "etc/passwd", .data = "x", .len = 1 };
	mc_refused(m, n + 1, NEWC, PLAIN, "etc/passwd: the archive holds only");
	m[6] = (struct mem){ .name = "lib/modules/../../x.ko",
	    .data = ko_base, .len = ko_base_n };
	mc_refused(m, n + 1, NEWC, PLAIN, "not a module name");
	m[6] = (struct mem){ .name = "/abs", .data = "x", .len = 1 };
	mc_refused(m, n + 1, NEWC, PLAIN, "/abs: the archive holds only");
	m[6] = (struct mem){ .name = "lib/modules/x", .data = "x", .len = 1 };
	mc_refused(m, n + 1, NEWC, PLAIN, "lib/modules/x: the archive holds");
	m[6] = (struct mem){ .name = "lib/modules/a-b.ko", .data = ko_base,
	    .len = ko_base_n };
	mc_refused(m, n + 1, NEWC, PLAIN, "not a module name");
	m[6] = m[2];
	mc_refused(m, n + 1, NEWC, PLAIN, "module base is in the archive "
	    "twice");
	m[6] = m[5];
	mc_refused(m, n + 1, NEWC, PLAIN, "load is in the archive twice");
	m[6] = m[1];
	mc_refused(m, n + 1, NEWC, PLAIN, "lib/modules is in the archive "
	    "twice");
	m[6] = (struct mem){ .name = "lib/modules/evil.ko", .type = AE_IFLNK,
	    .link = "/etc/shadow" };
	mc_refused(m, n + 1, NEWC, PLAIN, "links and devices are refused");
	m[6] = (struct mem){ .name = "lib/modules/dir.ko", .type = AE_IFDIR,
	    .perm = 0755 };
	mc_refused(m, n + 1, NEWC, PLAIN, "is not a regular file");
	m[0].type = 0;
	mc_refused(m, n, NEWC, PLAIN, "lib is not a directory");
	memcpy(m, g, sizeof(g));
	/* Files before their directories. */
	mc_refused(m + 1, n - 1, NEWC, PLAIN, "lib/modules comes before lib");
	m[1] = m[2];
	m[2] = g[1];
	mc_refused(m, n, NEWC, PLAIN, "after lib and lib/modules");
	memcpy(m, g, sizeof(g));
	/* Headers libarchive would read past: a huge name, junk, a tail. */
	p = make_archive(m, n, NEWC, PLAIN);
	assert_true((fd = open(p, O_RDWR)) != -1);
	assert_int_equal(pwrite(fd, "FFFFFFFF", 8, 94), 8);
	close(fd);
	assert_int_equal(check(p, REL, &count, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "name is empty or longer than 256"));
	p = make_archive(m, n, NEWC, PLAIN);
	assert_true((fd = open(p, O_RDWR)) != -1);
	assert_int_equal(pwrite(fd, "junk", 4, 116), 4);
	close(fd);
	assert_int_equal(check(p, REL, &count, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "a bad header at byte 116"));
	p = make_archive(m, n, NEWC, PLAIN);
	assert_true((fd = open(p, O_RDWR | O_APPEND)) != -1);
	assert_int_equal(write(fd, "\0\0\0\0", 4), 4);
	close(fd);
	if (check(p, REL, &count, err, sizeof(err)) == -1)
		fail_msg("NUL padding refused: %s", err);
	assert_true((fd = open(p, O_RDWR | O_APPEND)) != -1);
	assert_int_equal(write(fd, "070701", 6), 6);
	close(fd);
	assert_int_equal(check(p, REL, &count, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bytes after its TRAILER!!!"));
	/* Truncated: the load list cut short. */
	p = make_archive(m, n, NEWC, PLAIN);
	assert_int_equal(truncate(p, 300), 0);
	assert_int_equal(check(p, REL, &count, err, sizeof(err)), -1);
	putfile(p, "", 0);
	assert_int_equal(check(p, REL, &count, err, sizeof(err)), -1);
}

/* Debian's modules, as `banger kernel import` gathers them, read back. */
static void
test_modcheck_debian(void **state)
{
	const char	*names[] = { "virtio_mmio", "virtio_console",
	    "virtio_net", "virtio_blk", "overlay",
	    "vmw_vsock_virtio_transport", "ext4" };
	const char	*out;
	glob_t		 g;
	char		 rel[256], err[256];
	unsigned	 made, count;
	int		 dfd, fd;

	(void)state;
	if (glob("images/cache/linux-image-*/lib/modules/*/", 0, NULL, &g) !=
	    0) {
		globfree(&g);
		print_message("skipped: no images/cache/linux-image-*/lib/"
		    "modules/*/ here (run `make images` in the top "
		    "directory)\n");
		skip();
	}
	snprintf(rel, sizeof(rel), "%s", g.gl_pathv[0]);
	rel[strlen(rel) - 1] = '\0';
	globfree(&g);
	assert_true((dfd = open(rel, O_RDONLY | O_DIRECTORY)) != -1);
	snprintf(rel, sizeof(rel), "%s", basename(rel));
	out = tpath("debian");
	assert_true((fd = open(out, O_RDWR | O_CREAT | O_EXCL, 0644)) != -1);
	if (kernel_modules_cpio(dfd, rel, names, 7, fd, &made, err,
	    sizeof(err)) == -1)
		fail_msg("kernel_modules_cpio: %s", err);
	close(fd);
	close(dfd);
	if (check(out, rel, &count, err, sizeof(err)) == -1)
		fail_msg("kernel_modules_check: %s", err);
	assert_int_equal(count, made);
	assert_true(count > 0);
	print_message("debian %s: %u modules checked\n", rel, count);
}

/* The fuzzers' seeds: good and spoilt bundles and archives. */
static int
write_corpus(const char *kbdir, const char *mcdir)
{
	static unsigned char	 elf[ELF_LEN];
	struct mem		 m[8];
	const char		*src[6];
	unsigned char		*cpio;
	char			 dst[512], cmd[1200];
	size_t			 n, cpiolen;
	int			 i;

	if (mkdtemp(tmpdir) == NULL)
		return 1;
	make_vmlinux(elf);
	n = good_members(m);
	src[0] = make_archive(m, n, NEWC, PLAIN);
	src[1] = make_archive(m, n - 1, NEWC, PLAIN);
	src[2] = make_archive(m, 2, NEWC, PLAIN);
	m[0] = (struct mem){ .name = "manifest.json", .data = MAN,
	    .len = strlen(MAN) };
	m[1] = (struct mem){ .name = "vmlinux", .data = elf, .len = ELF_LEN };
	cpio = slurp(src[0], &cpiolen);
	m[2] = (struct mem){ .name = "modules.cpio", .data = cpio,
	    .len = cpiolen };
	src[3] = make_bundle(m, 3, ARCHIVE_FILTER_ZSTD);
	src[4] = make_bundle(m, 2, ARCHIVE_FILTER_ZSTD);
	src[5] = make_bundle(m + 1, 2, ARCHIVE_FILTER_ZSTD);
	for (i = 0; i < 6; i++) {
		snprintf(dst, sizeof(dst), "%s/%s", i < 3 ? mcdir : kbdir,
		    (const char *[]){ "good", "no-load", "dirs-only",
		    "good", "no-modules", "no-manifest" }[i]);
		snprintf(cmd, sizeof(cmd), "cp %s %s", src[i], dst);
		if (system(cmd) != 0)
			return 1;
	}
	free(cpio);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : 1;
}

static int
setup(void **state)
{
	(void)state;
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
main(int argc, char *argv[])
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_bundle_roundtrip),
		cmocka_unit_test(test_bundle_make_refused),
		cmocka_unit_test(test_bundle_unpack_refused),
		cmocka_unit_test(test_modcheck_good),
		cmocka_unit_test(test_modcheck_refused),
		cmocka_unit_test(test_modcheck_debian),
	};

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-kbundle.XXXXXX");
	if (argc == 4 && strcmp(argv[1], "--corpus") == 0)
		return write_corpus(argv[2], argv[3]);
	return cmocka_run_group_tests(tests, setup, teardown);
}
