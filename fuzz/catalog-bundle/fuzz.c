/*
 * A bundle's bytes (tar + zstd) through banger-fetch/bundle-unpack.c,
 * into a directory of the fuzzer's own.  A bundle taken left exactly
 * rootfs.ext4 there, of the size its manifest says; a refused one said
 * why.  Files are capped (RLIMIT_FSIZE) so that a decompression bomb is
 * an error, not a full disk.
 */
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	 dir[] = "/tmp/fuzz-bundle.XXXXXX";
static int	 ready;

static void
bye(void)
{
	(void)rmdir(dir);
}

static void
setup(void)
{
	struct rlimit	 rl = { 128 << 20, 128 << 20 };

	if (mkdtemp(dir) == NULL || setrlimit(RLIMIT_FSIZE, &rl) == -1)
		abort();
	signal(SIGXFSZ, SIG_IGN);
	atexit(bye);
	ready = 1;
}

/* Remove what an unpack left; 1 if it was exactly rootfs.ext4. */
static int
clean(void)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[128];
	int		 n = 0, root = 0;

	if ((d = opendir(dir)) == NULL)
		abort();
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") ==
		    0)
			continue;
		n++;
		root += strcmp(de->d_name, "rootfs.ext4") == 0;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) == -1)
			abort();
	}
	closedir(d);
	return n == 1 && root == 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 err[512];
	int	 fd;

	if (!ready)
		setup();
	if ((fd = memfd_create("bundle", MFD_CLOEXEC)) == -1 ||
	    write(fd, data, size) != (ssize_t)size ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
	err[0] = '\0';
	if (bundle_unpack_fd(fd, dir, "img", err, sizeof(err)) == 0) {
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
