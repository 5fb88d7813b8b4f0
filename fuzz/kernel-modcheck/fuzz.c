/*
 * A modules.cpio's bytes, as a catalog's kernel bundle carries one,
 * through kernel_modules_check (banger-fetch/kernel-modcheck.c) from a
 * memfd.  An archive taken has at most KERNEL_MODULES_MAX modules; a
 * refused one said why and counted none.
 */
#include <sys/mman.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "kernel.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 err[512];
	unsigned	 count = 99;
	int		 fd;

	if ((fd = memfd_create("modules", MFD_CLOEXEC)) == -1 ||
	    write(fd, data, size) != (ssize_t)size)
		abort();
	err[0] = '\0';
	if (kernel_modules_check(fd, "9.9.9-test+", &count, err,
	    sizeof(err)) == 0) {
		if (count > KERNEL_MODULES_MAX)
			abort();
	} else if (err[0] == '\0' || count != 0)
		abort();
	close(fd);
	return 0;
}
