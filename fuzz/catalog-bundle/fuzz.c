/*
 * A bundle's bytes (tar + zstd) through banger-fetch/bundle-unpack.c,
 * into a directory of the fuzzer's own (fuzz/kernel-bundle/harness.c).
 * A bundle taken left exactly rootfs.ext4 there, of the size its
 * manifest says; a refused one said why.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "catalog.h"
#include "harness.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* 1 if the unpack left exactly rootfs.ext4. */
static int
clean(void)
{
	static const char *const names[] = { "rootfs.ext4", NULL };
	int	 c[1];

	return fuzz_outdir_clean(names, c) == 1 && c[0] == 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 err[512];
	int	 fd;

	fd = fuzz_memfd(data, size);
	err[0] = '\0';
	if (bundle_unpack_fd(fd, fuzz_outdir(), "img", err,
	    sizeof(err)) == 0) {
		if (!clean())
			abort();
	} else {
		if (err[0] == '\0')
			abort();
		(void)clean();
	}
	close(fd);
	return 0;
}
