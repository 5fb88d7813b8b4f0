/* The bundle fuzz targets' shared harness (harness.h). */
#include <sys/mman.h>
#include <sys/resource.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static char	 dir[] = "/tmp/fuzz-bundle.XXXXXX";
static int	 ready;

int
fuzz_memfd(const uint8_t *data, size_t size)
{
	int	 fd;

	if ((fd = memfd_create("bundle", MFD_CLOEXEC)) == -1 ||
	    write(fd, data, size) != (ssize_t)size ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}

static void
bye(void)
{
	(void)rmdir(dir);
}

const char *
fuzz_outdir(void)
{
	struct rlimit	 rl = { 128 << 20, 128 << 20 };

	if (ready)
		return dir;
	if (mkdtemp(dir) == NULL || setrlimit(RLIMIT_FSIZE, &rl) == -1)
		abort();
	signal(SIGXFSZ, SIG_IGN);
	atexit(bye);
	ready = 1;
	return dir;
}

int
fuzz_outdir_clean(const char *const *names, int *counts)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[128];
	int		 i, n = 0;

	for (i = 0; names[i] != NULL; i++)
		counts[i] = 0;
	if ((d = opendir(fuzz_outdir())) == NULL)
		abort();
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") ==
		    0)
			continue;
		n++;
		for (i = 0; names[i] != NULL; i++)
			counts[i] += strcmp(de->d_name, names[i]) == 0;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) == -1)
			abort();
	}
	closedir(d);
	return n;
}
