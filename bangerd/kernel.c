/*
 * Guest kernels: `banger kernel list|import|delete`.  A kernel is a
 * directory holding vmlinux (an ELF with a PVH entry), initrd.img
 * (banger's initramfs with that kernel's modules), vmlinuz when it came
 * as a bzImage, and "info" (release, forms, module count):
 *
 *   tiny	the tiny image's kernel (`make images`)
 *   NAME	~/.local/state/banger/kernels/NAME (`banger kernel import`,
 *		made by banger-fetch import-kernel through image_job())
 *
 * An image job copies the kernel it is given into the image, so an
 * image boots the same kernel whatever later happens to the kernel
 * store; the image's "kernel" file only says which one it was.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bangerd.h"
#include "kernel-info.h"
#include "fdutil.h"
#include "log.h"
#include "valid.h"

static void
kinfo_read(const char *dir, struct kinfo *ki)
{
	char	 path[PATH_MAX + 8], buf[KERNEL_INFO_MAX];
	ssize_t	 n;
	int	 fd;

	memset(ki, 0, sizeof(*ki));
	snprintf(path, sizeof(path), "%s/info", dir);
	if ((fd = open_regular(path)) == -1)
		return;
	n = read_all(fd, buf, sizeof(buf));
	close(fd);
	if (n > 0 && (size_t)n < sizeof(buf))
		(void)kernel_info_parse(buf, (size_t)n, ki);
}

/* A kernel's directory, if name (not tiny) is a valid, complete one. */
static int
kernel_in(const struct bangerd *d, const char *name, char *dir,
    size_t len)
{
	char	 p[PATH_MAX + 16];

	snprintf(dir, len, "%s/%s", d->paths.kernels_dir, name);
	snprintf(p, sizeof(p), "%s/vmlinux", dir);
	if (access(p, R_OK) != 0)
		return -1;
	snprintf(p, sizeof(p), "%s/initrd.img", dir);
	return access(p, R_OK) == 0 ? 0 : -1;
}

int
kernel_dir(struct bangerd *d, const char *name, char *dir, size_t len,
    char *err, size_t errlen)
{
	struct image	 tiny;

	if (name[0] == '\0' || strcmp(name, "tiny") == 0) {
		if (image_lookup(d, "tiny", "", &tiny, err, errlen) == -1)
			return -1;
		snprintf(dir, len, "%s", tiny.dir);
		return 0;
	}
	if (!valid_vm_name(name) || strcmp(name, "default") == 0) {
		snprintf(err, errlen, "invalid kernel name \"%s\"", name);
		return -1;
	}
	if (kernel_in(d, name, dir, len) == -1) {
		snprintf(err, errlen, "no kernel named %s; `banger kernel "
		    "list` shows what there is, `banger kernel import` adds "
		    "one", name);
		return -1;
	}
	return 0;
}

/* An image job's out directory: which kernel the image boots. */
int
kernel_record(const char *out, const char *name)
{
	char	 path[PATH_MAX + 8], line[80];
	int	 fd, n;

	snprintf(path, sizeof(path), "%s/kernel", out);
	n = snprintf(line, sizeof(line), "%s\n", name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) == -1)
		return -1;
	if (write_all(fd, line, (size_t)n) == -1) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* The kernel an image boots: its "kernel" file's name, else tiny. */
void
kernel_of_image(const char *imgdir, char *out, size_t len)
{
	char	 path[PATH_MAX + 8], buf[80];
	ssize_t	 n;
	int	 fd;

	snprintf(out, len, "tiny");
	snprintf(path, sizeof(path), "%s/kernel", imgdir);
	if ((fd = open_regular(path)) == -1)
		return;
	n = read_all(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 2 || buf[n - 1] != '\n')
		return;
	buf[n - 1] = '\0';
	if (valid_vm_name(buf))
		snprintf(out, len, "%s", buf);
}

static void
kernel_send(struct client *c, const char *name, const char *dir,
    const char *source)
{
	static const char *const files[] = { "vmlinux", "vmlinuz",
	    "initrd.img" };
	struct ctl_kernel_info	 ki;
	struct kinfo		 in;
	struct stat		 st;
	char			 p[PATH_MAX + 16], src[1024];
	uint64_t		 bytes = 0;
	size_t			 i;

	memset(&ki, 0, sizeof(ki));
	kinfo_read(dir, &in);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		if (lstat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			bytes += (uint64_t)st.st_blocks * 512;
			if ((uint64_t)st.st_mtime > ki.imported)
				ki.imported = st.st_mtime;
		}
	}
	ki.name = (char *)name;
	ki.dir = (char *)dir;
	ki.release = in.release;
	ki.forms = in.forms;
	ki.modules = in.modules;
	ki.size_mib = (bytes + (1 << 20) - 1) >> 20;
	store_source(dir, source, src, sizeof(src));
	ki.source = src;
	client_send(c, CTL_KERNEL_INFO, &ki);
}

void
kernel_list_cmd(struct client *c)
{
	struct bangerd	*d = c->d;
	struct dirent	*de;
	DIR		*dp;
	char		 dir[PATH_MAX], err[512];

	if (kernel_dir(d, "tiny", dir, sizeof(dir), err, sizeof(err)) == 0)
		kernel_send(c, "tiny", dir, "make images");
	if ((dp = opendir(d->paths.kernels_dir)) != NULL) {
		while ((de = readdir(dp)) != NULL) {
			if (!valid_vm_name(de->d_name) ||
			    strcmp(de->d_name, "tiny") == 0 ||
			    strcmp(de->d_name, "default") == 0 ||
			    kernel_in(d, de->d_name, dir, sizeof(dir)) == -1)
				continue;
			kernel_send(c, de->d_name, dir, "imported");
		}
		closedir(dp);
	}
	client_send(c, CTL_OK, &(struct ctl_ok){ 0 });
	client_finish(c);
}

/*
 * banger kernel import NAME PATH [--modules DIR]: banger-fetch
 * import-kernel NAME OUT TINYDIR PATH [DIR], in the image job's slot.
 */
void
kernel_import_cmd(struct client *c, const struct ctl_kernel_import *req)
{
	char	 dir[PATH_MAX];
	char	*extra[3] = { req->path, NULL, NULL };

	if (strcmp(req->name, "tiny") == 0 || strcmp(req->name, "default") ==
	    0) {
		client_error(c, BERR_INVALID, "%s is a name banger gives its "
		    "own kernel: choose another", req->name);
		return;
	}
	if (!valid_abs_path(req->path, PATH_MAX) || (req->modules[0] != '\0'
	    && !valid_abs_path(req->modules, PATH_MAX))) {
		client_error(c, BERR_INVALID, "the kernel's and the modules' "
		    "paths must be absolute and normalised");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/%s", c->d->paths.kernels_dir,
	    req->name);
	if (access(dir, F_OK) == 0) {
		client_error(c, BERR_EXISTS, "kernel %s exists: delete it "
		    "first, or choose another name", req->name);
		return;
	}
	if (req->modules[0] != '\0')
		extra[1] = req->modules;
	image_job(c, KERNEL_IMPORT, req->name, "", extra, "");
}

/*
 * banger kernel delete NAME: images keep their own copy of the kernel
 * they boot, so nothing depends on the store's.
 */
void
kernel_delete_cmd(struct client *c, const char *name)
{
	struct bangerd	*d = c->d;
	struct stat	 st;
	char		 dir[PATH_MAX];

	if (strcmp(name, "tiny") == 0 || strcmp(name, "default") == 0) {
		client_error(c, BERR_INVALID, "tiny is banger's built-in kernel "
		    "(`make images` makes it); it cannot be deleted");
		return;
	}
	if (KIND_IS_KERNEL(d->image_kind) && strcmp(d->image_building,
	    name) == 0) {
		client_error(c, BERR_BUSY, "kernel %s is being imported, pulled "
		    "or bundled; delete it once that has ended", name);
		return;
	}
	snprintf(dir, sizeof(dir), "%s/%s", d->paths.kernels_dir, name);
	if (lstat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		client_error(c, BERR_NOTFOUND, "no kernel named %s; `banger "
		    "kernel list` shows what there is", name);
		return;
	}
	store_delete(c, "kernel", name, dir);
}
