/*
 * What the bundle fuzz targets (kernel-bundle, catalog-bundle) share:
 * the input as a file, unpacked into a directory of their own that is
 * emptied after each run.
 */
#ifndef FUZZ_BUNDLE_HARNESS_H
#define FUZZ_BUNDLE_HARNESS_H

#include <stddef.h>
#include <stdint.h>

struct fuzz_bundle {
	/* fd's bundle into dir: 0, or -1 with why in err. */
	int		(*unpack)(int, const char *, char *, size_t);
	/* The files a taken bundle may leave (NULL-ended). */
	const char *const *names;
	/*
	 * Whether a taken bundle is right: the number of files it left
	 * and how many of each of names.
	 */
	int		(*taken)(int, const int *);
};
/*
 * data through f->unpack; aborts when a taken bundle is not f->taken's
 * or a refused one did not say why.  Files are capped (RLIMIT_FSIZE,
 * 128 MiB) so that a decompression bomb is an error, not a full disk.
 */
void	fuzz_bundle_one(const struct fuzz_bundle *, const uint8_t *, size_t);

#endif
