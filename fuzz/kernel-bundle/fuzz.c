/*
 * A kernel bundle's bytes (tar + zstd) through kbundle_unpack_fd
 * (banger-fetch/kernel-bundle.c), into a directory of the fuzzer's own
 * (harness.c).  A bundle taken left vmlinux there and at most
 * modules.cpio besides, and its manifest named "k" with a valid release;
 * a refused one said why.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel.h"
#include "harness.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* 1 if the unpack left vmlinux and perhaps modules.cpio, nothing else. */
static int
clean(void)
{
	static const char *const names[] = { "vmlinux", "modules.cpio",
	    NULL };
	int	 c[2], n;

	n = fuzz_outdir_clean(names, c);
	return c[0] == 1 && n == 1 + c[1];
}

static int
release_ok(const char *r)
{
	size_t	 n = strlen(r);

	return n >= 1 && n <= KERNEL_RELEASE_MAX &&
	    strspn(r, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._+-") == n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kbundle_manifest	 m;
	char			 err[512];
	int			 fd;

	fd = fuzz_memfd(data, size);
	err[0] = '\0';
	if (kbundle_unpack_fd(fd, fuzz_outdir(), "k", &m, err,
	    sizeof(err)) == 0) {
		if (!clean() || strcmp(m.name, "k") != 0 ||
		    !release_ok(m.release) || m.created < 0)
			abort();
	} else {
		if (err[0] == '\0')
			abort();
		(void)clean();
	}
	close(fd);
	return 0;
}
