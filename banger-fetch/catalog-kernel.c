/*
 * Kernels from a signed catalog: banger-fetch catalog-kernel NAME OUTDIR
 * KERNELDIR CACHEDIR CATALOG_URL [--keys DIR] (`banger kernel pull
 * NAME`), and the kernel an image entry names when the catalog offers
 * it (catalog-pull.c).  The kernel bundle is fetched and checked like an
 * image bundle (signature, serial, size, sha256, one open file), then
 * what it holds is checked as `banger kernel import` checks a kernel
 * the user has: vmlinux an x86-64 ELF with a PVH entry of the bundle's
 * release, modules.cpio an archive of that release's modules as
 * kernel_modules_cpio() writes one.  The initramfs is made here from
 * KERNELDIR's (tiny's), never taken from the bundle: banger's agent and
 * init are this banger's.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "catalog-pull.h"
#include "fetch.h"
#include "kernel.h"

/* outdir/vmlinux: an ELF the VMMs boot, of release. */
static int
check_vmlinux(const char *out, const char *release)
{
	char	 path[PATH_MAX], rel[KERNEL_RELEASE_MAX + 1], err[512];
	int	 fd, rc;

	snprintf(path, sizeof(path), "%s/vmlinux", out);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		status_error("%s: %s", path, strerror(errno));
		return -1;
	}
	rel[0] = '\0';
	rc = kernel_elf_check(fd, rel, err, sizeof(err));
	close(fd);
	if (rc == -1) {
		status_error("the kernel bundle's vmlinux: %s", err);
		return -1;
	}
	if (strcmp(rel, release) != 0) {
		status_error("the kernel bundle says release %s, its vmlinux "
		    "is %s", release, rel[0] != '\0' ? rel : "of no release");
		return -1;
	}
	return 0;
}

/* outdir/modules.cpio, if the bundle had one: release's modules. */
static int
check_modules(const char *out, const char *release, unsigned *count)
{
	char	 path[PATH_MAX], err[512];
	int	 fd, rc;

	*count = 0;
	snprintf(path, sizeof(path), "%s/modules.cpio", out);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		status_error("%s: %s", path, strerror(errno));
		return -1;
	}
	rc = kernel_modules_check(fd, release, count, err, sizeof(err));
	close(fd);
	if (rc == -1)
		status_error("the kernel bundle's modules.cpio: %s", err);
	return rc;
}

int
cpull_kernel(struct cpull *p, const struct cat_entry *ke, const char *out,
    char *release, size_t rlen, unsigned *count)
{
	struct kbundle_manifest	 m;
	char			 final[PATH_MAX], err[512];
	int			 fd, rc;

	p->e = ke;
	if (bundle_url_resolve(p, err, sizeof(err)) == -1) {
		status_error("%s", err);
		return -1;
	}
	if (bundle_fetch(p, final, sizeof(final)) == -1 ||
	    (fd = bundle_open_checked(p, final)) == -1)
		return -1;
	status_progress("unpacking kernel %s", ke->name);
	rc = kbundle_unpack_fd(fd, out, ke->name, &m, err, sizeof(err));
	close(fd);
	if (rc == -1)
		status_error("kernel %s: %s", ke->name, err);
	else if (check_vmlinux(out, m.release) == -1 ||
	    check_modules(out, m.release, count) == -1)
		rc = -1;
	if (rc == -1) {
		/*
		 * Signed and whole, but no use: not kept in the cache, where
		 * every later pull would find it again (a write error in out
		 * is not the bundle's, but it is only a download again).
		 */
		(void)unlink(final);
		return -1;
	}
	status_progress("kernel %s: %s, %u modules", ke->name, m.release,
	    *count);
	if (kernel_install_initrd(out, p->kdir) == -1)
		return -1;
	snprintf(release, rlen, "%s", m.release);
	return 0;
}

int
catalog_kernel_main(int argc, char **argv)
{
	struct cpull		 p;
	const struct cat_entry	*ke;
	char			 err[512], rel[KERNEL_RELEASE_MAX + 1];
	char			 src[CAT_NAME_MAX + 128];
	unsigned		 count;
	int			 rc;

	if ((rc = cpull_setup(&p, argc, argv)) != 0)
		return rc;
	rc = 1;
	if ((p.reg = oci_reg_open(&p.ref, NULL, err, sizeof(err))) == NULL) {
		status_error("%s", err);
		goto out;
	}
	if (catalog_get(&p) == -1)
		goto out;
	if ((ke = catalog_find_kernel(&p.cat, p.name)) == NULL) {
		status_error("the catalog %s has no kernel %s", p.url, p.name);
		goto out;
	}
	snprintf(src, sizeof(src), "ref catalog:%s\ndigest sha256:%s\n",
	    p.name, ke->sha256);
	if (cpull_kernel(&p, ke, p.out, rel, sizeof(rel), &count) == -1 ||
	    write_small(p.out, "source", src) == -1 ||
	    kernel_write_info(p.out, rel, "vmlinux", count) == -1)
		goto out;
	status_progress("kernel %s pulled from the catalog (sha256:%s)",
	    p.name, ke->sha256);
	rc = 0;
out:
	oci_reg_close(p.reg);
	catalog_free(&p.cat);
	return rc;
}
