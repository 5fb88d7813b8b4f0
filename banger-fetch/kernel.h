/*
 * Guest kernels as banger-fetch reads them (`banger kernel import`):
 * kernel-file.c takes a bzImage or an ELF vmlinux apart, kernel-modules.c
 * gathers the modules a guest needs into an initramfs archive that is
 * appended to banger's own.  Both read bytes the user handed over (or a
 * catalog did): strict, bounded, fuzzed.
 */
#ifndef BANGER_FETCH_KERNEL_H
#define BANGER_FETCH_KERNEL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#define KERNEL_FILE_MAX		(128LL << 20)	/* a bzImage or vmlinux read */
#define KERNEL_VMLINUX_MAX	(512LL << 20)	/* a decompressed vmlinux */
#define KERNEL_RELEASE_MAX	64		/* "6.1.0-57-cloud-amd64" */

enum kernel_form {
	KERNEL_BZIMAGE = 1,	/* x86 boot protocol >= 2.08 */
	KERNEL_ELF,		/* an x86-64 ELF vmlinux */
};

struct kernel_file {
	enum kernel_form	 form;
	/* The release the file names ("" if none): [A-Za-z0-9._+-]. */
	char			 release[KERNEL_RELEASE_MAX + 1];
	off_t			 payload_off;	/* bzImage: compressed vmlinux */
	off_t			 payload_len;	/* without the size trailer */
	uint32_t		 vmlinux_len;	/* bzImage: the size trailer */
};

/*
 * fd, a regular file of at most KERNEL_FILE_MAX bytes, read as a bzImage
 * (setup header, payload in range) or as an ELF vmlinux (checked as by
 * kernel_elf_check).  0, or -1 with why in err.
 */
int	kernel_probe(int, struct kernel_file *, char *, size_t);
/*
 * A bzImage's payload decompressed into out (an empty regular file),
 * at most KERNEL_VMLINUX_MAX bytes and exactly vmlinux_len, then checked
 * with kernel_elf_check.  0, or -1 with why in err.
 */
int	kernel_extract(int, const struct kernel_file *, int, char *, size_t);
/*
 * fd as an x86-64 ELF executable QEMU and Firecracker can boot: header
 * and program headers in range, loadable segments inside the file, and
 * a PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY; QEMU boots an ELF kernel
 * only through it).  When release is "" it is filled from the file's
 * "Linux version " banner, if there is one.  0, or -1 with why in err.
 */
int	kernel_elf_check(int, char [KERNEL_RELEASE_MAX + 1], char *, size_t);

#define KERNEL_MODULE_MAX	(32 << 20)	/* one .ko, decompressed */
#define KERNEL_MODULES_MAX	64	/* in one archive, with dependencies */
#define KERNEL_DEPENDS_MAX	1024	/* a "depends=" value */

/* What a module's .modinfo section says that banger uses. */
struct kernel_modinfo {
	char	 depends[KERNEL_DEPENDS_MAX + 1];	/* "a,b" or "" */
	char	 vermagic[KERNEL_RELEASE_MAX + 1];	/* its first word */
};

/*
 * A module's bytes (a relocatable ELF, decompressed): the "depends=" and
 * "vermagic=" strings of its .modinfo section.  0, or -1 with why in err.
 */
int	kernel_modinfo(const unsigned char *, size_t, struct kernel_modinfo *,
	    char *, size_t);
/*
 * The modules named, with what they depend on, from the modules tree
 * dirfd (a lib/modules/RELEASE directory: NAME.ko, .ko.xz, .ko.zst or
 * .ko.gz anywhere below it, '-' and '_' alike, and modules.builtin),
 * each one's vermagic equal to release, written to out as a newc cpio
 * archive: lib/modules/NAME.ko (decompressed) and lib/modules/load (one
 * name a line, dependencies first), owned by root.  A module that
 * modules.builtin lists is left out; one found nowhere is an error.
 * With dirfd -1: only an empty lib/modules/load.  *count is the number
 * of modules written.  0, or -1 with why in err.
 */
int	kernel_modules_cpio(int, const char *, const char *const *, size_t,
	    int, unsigned *, char *, size_t);

/* kernel-modules.c's helpers, shared with kernel-modcheck.c. */
#define KMOD_NAME_MAX	55	/* MODULE_NAME_LEN - 1 on 64-bit */
/*
 * A module name as the kernel knows it, [A-Za-z0-9_-] ("xt_RATEEST" is
 * one), 1..KMOD_NAME_MAX bytes, '-' read as '_', into out: 0 or -1.
 */
int	kmod_name_norm(const char *, size_t, char [KMOD_NAME_MAX + 1]);
struct archive;
int	kmod_fail(char *, size_t, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/* libarchive's reason, or "empty or unreadable" when it gave none. */
const char *kmod_la_error(struct archive *);

/*
 * kernel-import.c, also for kernels from a catalog: outdir/initrd.img as
 * tinydir's (an uncompressed newc archive) with outdir/modules.cpio, if
 * there is one, appended; outdir/info.  -1 after a status_error.
 */
int	kernel_install_initrd(const char *, const char *);
int	kernel_write_info(const char *, const char *, const char *, unsigned);

/* Bytes of a modules.cpio (kernel_modules_cpio's output) read back. */
#define KERNEL_MODULES_CPIO_MAX	(256LL << 20)
/*
 * fd (a regular file, read from offset 0) checked to be an archive as
 * kernel_modules_cpio writes one, so that one from a catalog's kernel
 * bundle can be appended to banger's initramfs: a newc cpio (no other
 * format, no compression) of at most KERNEL_MODULES_CPIO_MAX bytes
 * holding only the directories "lib" and "lib/modules", regular files
 * "lib/modules/NAME.ko" (NAME as a module name may be; each a module
 * kernel_modinfo reads, its vermagic equal to release, each of its
 * depends present in the archive) and "lib/modules/load" naming every
 * .ko exactly once, each after what it depends on; all owned by root,
 * no setuid, setgid or sticky bit; no member twice.  *count is the
 * number of modules.  0, or -1 with why in err.
 */
int	kernel_modules_check(int, const char *, unsigned *, char *, size_t);

/*
 * A kernel bundle (`banger kernel bundle`, pulled by `banger kernel
 * pull` from a catalog's "kernels"): tar + zstd holding exactly
 * manifest.json, vmlinux and, when the kernel has modules, modules.cpio,
 * regular files once each.  The manifest: {"name": NAME, "release": R,
 * "created": UNIX_SECONDS}, every key known and present.
 */
#define KBUNDLE_MANIFEST_MAX	4096
struct kbundle_manifest {
	char		 name[64];			/* valid_vm_name() */
	char		 release[KERNEL_RELEASE_MAX + 1];	/* as above */
	int64_t		 created;			/* >= 0 */
};
/* A release string: [A-Za-z0-9._+-], 1..KERNEL_RELEASE_MAX bytes. */
int	kb_release_valid(const char *, size_t);
int	kbundle_manifest_parse(const char *, size_t,
	    struct kbundle_manifest *, char *, size_t);
/*
 * The bundle read from fd (at its current offset) into outdir's new
 * files vmlinux (at most KERNEL_VMLINUX_MAX bytes) and modules.cpio (at
 * most KERNEL_MODULES_CPIO_MAX; absent when the bundle has none), its
 * manifest naming name, which is returned in *m.  Nothing here checks
 * the files' contents (the caller does: kernel_elf_check,
 * kernel_modules_check).  0, or -1 with why in err (files it made may
 * remain in outdir, which the caller removes).
 */
int	kbundle_unpack_fd(int, const char *, const char *,
	    struct kbundle_manifest *, char *, size_t);
/*
 * banger-fetch bundle-kernel NAME KERNELDIR OUT: KERNELDIR's vmlinux,
 * modules.cpio (if any) and info's release as a kernel bundle in the
 * new file OUT, its size and sha256 said as "bundle OUT size N sha256
 * HEX" progress, as bundle-image does.
 */
int	bundle_kernel_main(int, char **);

#endif
