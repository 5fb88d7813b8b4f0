/*
 * banger-fetch build-image: golden images (a Debian root file system on
 * top of banger's kernel and initramfs).
 */
#ifndef BANGER_FETCH_IMAGE_H
#define BANGER_FETCH_IMAGE_H

#include <stddef.h>

#define IMAGE_URI_MAX	512

int	build_image_main(int, char **);
int	register_image_main(int, char **);
int	pull_image_main(int, char **);
int	import_kernel_main(int, char **);
/* from_dir/name copied to to_dir/name (a new file); -1 after a status. */
int	image_copy_file(const char *, const char *, const char *);

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

/* mmdebstrap --verbose's output (mmprogress.c): how far it has got. */
#define MM_LINE_MAX	1024
#define MM_PACKAGES_MAX	100000
struct mm_progress {
	unsigned	 total;		/* packages apt said it would install */
	unsigned	 base;		/* of them, before this apt run */
	unsigned	 set_up;	/* "Setting up" lines so far */
	unsigned	 got_tenth;	/* the last tenth said, this apt run */
	unsigned	 set_tenth;	/* the last tenth of set_up said */
};
/* 1 with a progress line in out when line moves it on, else 0. */
int	mm_progress(struct mm_progress *, const char *, char *, size_t);

#endif
