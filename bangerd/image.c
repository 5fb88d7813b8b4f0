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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bangerd.h"
#include "valid.h"

static int
image_in(struct image *img, const char *dir)
{
	snprintf(img->dir, sizeof(img->dir), "%s", dir);
	snprintf(img->initrd, sizeof(img->initrd), "%s/initrd.img", dir);
	if (access(img->initrd, R_OK) != 0)
		return -1;
	snprintf(img->rootfs, sizeof(img->rootfs), "%s/rootfs.ext4", dir);
	if (access(img->rootfs, R_OK) != 0)
		img->rootfs[0] = '\0';
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
	char	 dir[PATH_MAX];

	memset(img, 0, sizeof(*img));
	if (name[0] == '\0')
		name = dflt;
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
