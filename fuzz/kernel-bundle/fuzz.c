/*
 * A kernel bundle's bytes (tar + zstd) through kbundle_unpack_fd
 * (banger-fetch/kernel-bundle.c), into a directory of the fuzzer's own.
 * A bundle taken left vmlinux there and at most modules.cpio besides,
 * and its manifest named "k" with a valid release; a refused one said
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

#include "kernel.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	 dir[] = "/tmp/fuzz-kbundle.XXXXXX";
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

/*
 * Remove what an unpack left; 1 if it was vmlinux and perhaps
 * modules.cpio, nothing else.
 */
static int
clean(void)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[128];
	int		 n = 0, vmlinux = 0, modules = 0;

	if ((d = opendir(dir)) == NULL)
		abort();
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") ==
		    0)
			continue;
		n++;
		vmlinux += strcmp(de->d_name, "vmlinux") == 0;
		modules += strcmp(de->d_name, "modules.cpio") == 0;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) == -1)
			abort();
	}
	closedir(d);
	return vmlinux == 1 && n == 1 + modules;
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

	if (!ready)
		setup();
	if ((fd = memfd_create("kbundle", MFD_CLOEXEC)) == -1 ||
	    write(fd, data, size) != (ssize_t)size ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
	err[0] = '\0';
	if (kbundle_unpack_fd(fd, dir, "k", &m, err, sizeof(err)) == 0) {
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
