/*
 * Guest images.  An image is a directory holding a kernel (vmlinux, or
 * vmlinuz), initrd.img and, for a full image, rootfs.ext4:
 *
 *   tiny             the initramfs image `make images` builds: found in
 *                    $BANGER_IMAGE_DIR, ~/.local/state/banger/images/default
 *                    or PREFIX/share/banger/images
 *   NAME             ~/.local/state/banger/images/NAME (`banger image build`)
 *
 * With no name: config.toml's default_image_name, else debian-bookworm if
 * it has been built, else tiny.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bangerd.h"
#include "fdutil.h"
#include "log.h"
#include "valid.h"

static int
image_in(struct image *img, const char *dir)
{
	char	 marker[PATH_MAX + 16];

	snprintf(img->dir, sizeof(img->dir), "%s", dir);
	snprintf(img->initrd, sizeof(img->initrd), "%s/initrd.img", dir);
	if (access(img->initrd, R_OK) != 0)
		return -1;
	snprintf(img->rootfs, sizeof(img->rootfs), "%s/rootfs.ext4", dir);
	if (access(img->rootfs, R_OK) != 0)
		img->rootfs[0] = '\0';
	/* `image register`: a root with no banger agent of its own. */
	snprintf(marker, sizeof(marker), "%s/agent-init", dir);
	img->agent_init = img->rootfs[0] != '\0' && access(marker, F_OK) ==
	    0;
	/* The ELF vmlinux boots faster (PVH) than the bzImage. */
	snprintf(img->kernel, sizeof(img->kernel), "%s/vmlinux", dir);
	if (access(img->kernel, R_OK) == 0)
		return 0;
	snprintf(img->kernel, sizeof(img->kernel), "%s/vmlinuz", dir);
	if (access(img->kernel, R_OK) == 0)
		return 0;
	return -1;
}

static int
image_tiny(struct bangerd *d, struct image *img, char *err, size_t errlen)
{
	const char	*env = getenv("BANGER_IMAGE_DIR");
	char		 dir[PATH_MAX];

	snprintf(img->name, sizeof(img->name), "tiny");
	if (env != NULL && env[0] == '/') {
		if (image_in(img, env) == 0)
			return 0;
		goto none;
	}
	snprintf(dir, sizeof(dir), "%s/default", d->paths.images_dir);
	if (image_in(img, dir) == 0 || image_in(img, BANGER_DATADIR "/images")
	    == 0)
		return 0;
none:
	snprintf(err, errlen, "the tiny image is missing (need vmlinux or "
	    "vmlinuz and initrd.img in %s, %s/default or %s/images); build it "
	    "with `make images` and `make install`", env ? env :
	    "$BANGER_IMAGE_DIR", d->paths.images_dir, BANGER_DATADIR);
	return -1;
}

int
image_lookup(struct bangerd *d, const char *name, const char *dflt,
    struct image *img, char *err, size_t errlen)
{
	char	 dir[PATH_MAX], want[sizeof(img->name)];

	/*
	 * The boot path refreshes a VM's image by its own name, which lives
	 * in *img: copy the name before clearing *img, or it reads as empty
	 * and the default image boots instead of the VM's.
	 */
	if (name[0] == '\0')
		name = dflt;
	if (strlen(name) >= sizeof(want)) {
		snprintf(err, errlen, "invalid image name (too long)");
		return -1;
	}
	snprintf(want, sizeof(want), "%s", name);
	name = want;
	memset(img, 0, sizeof(*img));
	if (name[0] == '\0') {
		snprintf(dir, sizeof(dir), "%s/%s", d->paths.images_dir,
		    IMAGE_GOLDEN);
		if (image_in(img, dir) == 0 && img->rootfs[0] != '\0') {
			snprintf(img->name, sizeof(img->name), "%s",
			    IMAGE_GOLDEN);
			return 0;
		}
		memset(img, 0, sizeof(*img));
		return image_tiny(d, img, err, errlen);
	}
	if (strcmp(name, "tiny") == 0)
		return image_tiny(d, img, err, errlen);
	if (!valid_vm_name(name) || strcmp(name, "default") == 0) {
		snprintf(err, errlen, "invalid image name \"%s\"", name);
		return -1;
	}
	snprintf(img->name, sizeof(img->name), "%s", name);
	snprintf(dir, sizeof(dir), "%s/%s", d->paths.images_dir, name);
	if (image_in(img, dir) == -1) {
		snprintf(err, errlen, "no image named %s (in %s); %s", name,
		    dir, strcmp(name, IMAGE_GOLDEN) == 0 ? "build it with "
		    "`banger image build " IMAGE_GOLDEN "`" : "`banger image "
		    "list` shows what there is");
		return -1;
	}
	return 0;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	(void)(flag == FTW_DP ? rmdir(path) : unlink(path));
	return 0;
}

void
image_rm_tree(const char *path)
{
	(void)nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/*
 * Where an image or a kernel came from: a pulled one's "source" file
 * (written by banger-fetch: "ref REF" and "digest DIGEST" lines, read as
 * untrusted bytes), else dflt.
 */
void
store_source(const char *dir, const char *dflt, char *out, size_t len)
{
	char	 path[PATH_MAX + 8], buf[1024], *ref, *dig, *nl;
	ssize_t	 n;
	size_t	 i;
	int	 fd;

	snprintf(out, len, "%s", dflt);
	snprintf(path, sizeof(path), "%s/source", dir);
	if ((fd = open_regular(path)) == -1)
		return;
	n = read_all(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (i = 0; i < (size_t)n; i++)
		if (buf[i] != '\n' && ((unsigned char)buf[i] < ' ' ||
		    buf[i] == 0x7f))
			return;
	if (strncmp(buf, "ref ", 4) != 0 || (nl = strchr(buf, '\n')) ==
	    NULL)
		return;
	*nl = '\0';
	ref = buf + 4;
	if (strchr(ref, ' ') != NULL)
		return;
	if (strncmp(nl + 1, "digest ", 7) != 0 || (dig = nl + 8,
	    (nl = strchr(dig, '\n')) == NULL))
		return;
	*nl = '\0';
	snprintf(out, len, "%s@%s", ref, dig);
}

static void
image_send(struct client *c, const struct image *img)
{
	char			 source[1024], kernel[64];
	char			 shapes[IMAGE_WARM_MAX][48];
	char			*sv[IMAGE_WARM_MAX + 1];
	struct ctl_image_info	 ii;
	struct stat		 st;
	const char		*files[] = { img->kernel, img->initrd,
				    img->rootfs };
	uint64_t		 bytes = 0;
	size_t			 i;

	memset(&ii, 0, sizeof(ii));
	for (i = 0; i < 3; i++)
		if (files[i][0] != '\0' && stat(files[i], &st) == 0) {
			bytes += (uint64_t)st.st_blocks * 512;
			if ((uint64_t)st.st_mtime > ii.built)
				ii.built = st.st_mtime;
		}
	ii.name = (char *)img->name;
	ii.dir = (char *)img->dir;
	ii.rootfs = img->rootfs[0] != '\0';
	ii.size_mib = (bytes + (1 << 20) - 1) >> 20;
	if (strcmp(img->name, "tiny") == 0)
		snprintf(source, sizeof(source), "make images");
	else
		store_source(img->dir, img->agent_init ? "registered" :
		    "built", source, sizeof(source));
	ii.source = source;
	kernel_of_image(img->dir, kernel, sizeof(kernel));
	ii.kernel = kernel;
	ii.warm.n = tmpl_shapes(c->d, img->name, shapes, IMAGE_WARM_MAX);
	for (i = 0; i < ii.warm.n; i++)
		sv[i] = shapes[i];
	sv[ii.warm.n] = NULL;
	ii.warm.v = sv;
	client_send(c, CTL_IMAGE_INFO, &ii);
}

void
image_list_cmd(struct client *c)
{
	struct bangerd	*d = c->d;
	struct image	 img;
	DIR		*dir;
	struct dirent	*de;
	char		 err[256];

	if (image_lookup(d, "tiny", "", &img, err, sizeof(err)) == 0)
		image_send(c, &img);
	if ((dir = opendir(d->paths.images_dir)) != NULL) {
		while ((de = readdir(dir)) != NULL) {
			if (!valid_vm_name(de->d_name) ||
			    strcmp(de->d_name, "default") == 0 ||
			    strcmp(de->d_name, "tiny") == 0)
				continue;
			if (image_lookup(d, de->d_name, "", &img, err,
			    sizeof(err)) == 0)
				image_send(c, &img);
		}
		closedir(dir);
	}
	client_send(c, CTL_OK, &(struct ctl_ok){ 0 });
	client_finish(c);
}

/*
 * banger image delete NAME: an image some VM was made from stays (a
 * stopped full-image VM's root is an overlay on it); the rest goes
 * (store_delete()).
 */
void
image_delete_cmd(struct client *c, const char *name)
{
	struct bangerd	*d = c->d;
	struct vm	*vm;
	struct stat	 st;
	char		 dir[PATH_MAX], users[256];
	size_t		 n = 0, ul = 0;

	if (strcmp(name, "tiny") == 0 || strcmp(name, "default") == 0) {
		client_error(c, BERR_INVALID, "tiny is banger's built-in image "
		    "(`make images` makes it); it cannot be deleted");
		return;
	}
	if (!KIND_IS_KERNEL(d->image_kind) && strcmp(d->image_building,
	    name) == 0) {
		client_error(c, BERR_BUSY, "image %s is being built; delete it "
		    "once the build has ended", name);
		return;
	}
	snprintf(dir, sizeof(dir), "%s/%s", d->paths.images_dir, name);
	if (lstat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		client_error(c, BERR_NOTFOUND, "no image named %s; `banger "
		    "image list` shows what there is", name);
		return;
	}
	users[0] = '\0';
	TAILQ_FOREACH(vm, &d->vms, entry) {
		if (strcmp(vm->img.name, name) != 0 || vm->tmpl)
			continue;
		if (n++ < 8 && ul < sizeof(users))
			ul += snprintf(users + ul, sizeof(users) - ul, "%s%s",
			    ul > 0 ? ", " : "", vm->name);
	}
	if (n > 0) {
		client_error(c, BERR_BUSY, "image %s is used by %zu VM%s (%s%s); "
		    "delete %s first", name, n, n > 1 ? "s" : "", users,
		    n > 8 ? ", ..." : "", n > 1 ? "them" : "it");
		return;
	}
	tmpl_remove_image(d, name);
	store_delete(c, "image", name, dir);
}

/*
 * An image's or kernel's directory removed by a rename first, so a crash
 * in the middle leaves NAME.delete (image_sweep() removes it at the next
 * start), never half of one; then OK to the client.
 */
void
store_delete(struct client *c, const char *what, const char *name,
    const char *dir)
{
	char	 gone[PATH_MAX + 16];

	snprintf(gone, sizeof(gone), "%s.delete", dir);
	image_rm_tree(gone);
	if (rename(dir, gone) == -1) {
		client_error(c, BERR_INTERNAL, "cannot delete %s: %s", dir,
		    strerror(errno));
		return;
	}
	image_rm_tree(gone);
	log_info("%s %s deleted", what, name);
	client_send(c, CTL_OK, &(struct ctl_ok){ 0 });
	client_finish(c);
}

/*
 * At start-up: what a crash left of a delete, a build or a replacement,
 * of an image or of a kernel.
 */
static void
sweep_dir(const char *dir)
{
	static const char *const tails[] = { ".delete", ".build", ".old" };
	struct dirent	*de;
	struct stat	 st;
	DIR		*dp;
	char		 p[PATH_MAX];
	size_t		 i, l, tl;

	if ((dp = opendir(dir)) == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		l = strlen(de->d_name);
		for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
			tl = strlen(tails[i]);
			if (l <= tl || strcmp(de->d_name + l - tl, tails[i]) !=
			    0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			/* Some file systems leave d_type unknown. */
			if (de->d_type != DT_DIR && (de->d_type != DT_UNKNOWN ||
			    lstat(p, &st) == -1 || !S_ISDIR(st.st_mode)))
				continue;
			log_info("removing %s, left by an earlier bangerd", p);
			image_rm_tree(p);
		}
	}
	closedir(dp);
}

void
image_sweep(struct bangerd *d)
{
	sweep_dir(d->paths.images_dir);
	sweep_dir(d->paths.kernels_dir);
}
