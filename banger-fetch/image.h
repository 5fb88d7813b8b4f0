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
 * Unless debian_host is set, only entries for exactly suite (and
 * suite-security) count.
 */
void	image_parse_sources(const char *, int, const char *, int,
	    char [IMAGE_URI_MAX], char [IMAGE_URI_MAX]);
/* Whether the text of /etc/os-release says ID=debian. */
int	image_os_is_debian(const char *);

#endif
