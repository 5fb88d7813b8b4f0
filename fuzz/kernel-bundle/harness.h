/*
 * What the bundle fuzz targets (kernel-bundle, catalog-bundle) share:
 * the input as a file, and a directory of their own to unpack into,
 * emptied after each run.
 */
#ifndef FUZZ_BUNDLE_HARNESS_H
#define FUZZ_BUNDLE_HARNESS_H

#include <stddef.h>
#include <stdint.h>

/* A new memfd holding data, at offset 0 (the caller closes it). */
int	fuzz_memfd(const uint8_t *, size_t);

/*
 * The directory, made on first use and removed at exit.  Files are
 * capped (RLIMIT_FSIZE, 128 MiB) so that a decompression bomb is an
 * error, not a full disk.
 */
const char	*fuzz_outdir(void);
/*
 * Remove what an unpack left there; the number of files, and in
 * counts[i] how many were named names[i] (NULL-ended).
 */
int	fuzz_outdir_clean(const char *const *, int *);

#endif
