/*
 * A bundle's bytes (tar + zstd) through banger-fetch/bundle-unpack.c,
 * into a directory of the fuzzer's own (fuzz/kernel-bundle/harness.c).
 * A bundle taken left exactly rootfs.ext4 there, of the size its
 * manifest says; a refused one said why.
 */
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "harness.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
unpack(int fd, const char *dir, char *err, size_t errsz)
{
	return bundle_unpack_fd(fd, dir, "img", err, errsz);
}

/* Exactly rootfs.ext4. */
static int
taken(int n, const int *counts)
{
	return n == 1 && counts[0] == 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "rootfs.ext4", NULL };
	static const struct fuzz_bundle f = { unpack, names, taken };

	fuzz_bundle_one(&f, data, size);
	return 0;
}
