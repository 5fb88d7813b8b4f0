/*
 * banger-fetch build-image: golden images (a Debian root file system on
 * top of banger's kernel and initramfs).
 */
#ifndef BANGER_FETCH_IMAGE_H
#define BANGER_FETCH_IMAGE_H

#include <stddef.h>

#define IMAGE_URI_MAX	512

int	build_image_main(int, char **);

/*
 * Find the archive and security mirrors for suite in the text of an apt
 * sources file (deb822 if deb822 is set, else one-line style).  Fills what
 * it finds and leaves the rest untouched; only http(s) URIs are taken.
 */
void	image_parse_sources(const char *, int, const char *,
	    char [IMAGE_URI_MAX], char [IMAGE_URI_MAX]);

#endif
