/*
 * A kernel bundle's bytes (tar + zstd) through kbundle_unpack_fd
 * (banger-fetch/kernel-bundle.c), into a directory of the fuzzer's own
 * (harness.c).  A bundle taken left vmlinux there and at most
 * modules.cpio besides, and its manifest named "k" with a valid release;
 * a refused one said why.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "kernel.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct kbundle_manifest	 m;

static int
unpack(int fd, const char *dir, char *err, size_t errsz)
{
	return kbundle_unpack_fd(fd, dir, "k", &m, err, errsz);
}

static int
release_ok(const char *r)
{
	size_t	 n = strlen(r);

	return n >= 1 && n <= KERNEL_RELEASE_MAX &&
	    strspn(r, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._+-") == n;
}

/* vmlinux and perhaps modules.cpio, nothing else; the manifest's "k". */
static int
taken(int n, const int *counts)
{
	return counts[0] == 1 && n == 1 + counts[1] &&
	    strcmp(m.name, "k") == 0 && release_ok(m.release) &&
	    m.created >= 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "vmlinux", "modules.cpio",
	    NULL };
	static const struct fuzz_bundle f = { unpack, names, taken };

	fuzz_bundle_one(&f, data, size);
	return 0;
}
