/*
 * A kernel file's bytes through banger-fetch/kernel-file.c as `banger
 * kernel import` reads them: kernel_probe, and for a bzImage
 * kernel_extract into a second memfd.  What is taken is in range: the
 * payload inside the input, a release of its character set, and an
 * extracted kernel exactly the size the trailer said, an ELF.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel.h"

/* Claims above this are not decompressed here, to keep runs short: the
 * check that stops a bomb is the same at any size. */
#define FUZZ_VMLINUX_MAX	(4 << 20)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
release_check(const char *r)
{
	size_t	 i, n = strnlen(r, KERNEL_RELEASE_MAX + 1);

	if (n > KERNEL_RELEASE_MAX)
		abort();
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)r[i]) && r[i] != '.' &&
		    r[i] != '_' && r[i] != '+' && r[i] != '-')
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 in = -1, out = -1;
	struct kernel_file	 kf;
	struct stat		 st;
	unsigned char		 magic[4];
	char			 err[512];

	if (in == -1 && ((in = memfd_create("in", 0)) == -1 ||
	    (out = memfd_create("out", 0)) == -1))
		abort();
	if (ftruncate(in, 0) == -1 || ftruncate(out, 0) == -1 ||
	    (size > 0 && pwrite(in, data, size, 0) != (ssize_t)size))
		abort();
	if (kernel_probe(in, &kf, err, sizeof(err)) != 0)
		return 0;
	release_check(kf.release);
	if (kf.form == KERNEL_ELF)
		return 0;
	if (kf.form != KERNEL_BZIMAGE || kf.payload_off < 0x400 ||
	    kf.payload_len < 1 ||
	    (size_t)kf.payload_off + kf.payload_len + 4 > size ||
	    kf.vmlinux_len == 0 || kf.vmlinux_len > KERNEL_VMLINUX_MAX)
		abort();
	if (kf.vmlinux_len > FUZZ_VMLINUX_MAX)
		return 0;
	if (kernel_extract(in, &kf, out, err, sizeof(err)) != 0) {
		if (fstat(out, &st) == -1 || st.st_size > kf.vmlinux_len)
			abort();
		return 0;
	}
	if (fstat(out, &st) == -1 || st.st_size != kf.vmlinux_len ||
	    pread(out, magic, 4, 0) != 4 || memcmp(magic, "\177ELF", 4) != 0)
		abort();
	return 0;
}
