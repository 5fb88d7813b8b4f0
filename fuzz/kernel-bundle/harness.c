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

#define NAMES_MAX	4

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

/* Remove what an unpack left; the number of files, counts[i] of names[i]. */
static int
clean(const char *const *names, int *counts)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[128];
	int		 i, n = 0;

	for (i = 0; names[i] != NULL; i++) {
		if (i == NAMES_MAX)
			abort();
		counts[i] = 0;
	}
	if ((d = opendir(dir)) == NULL)
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

void
fuzz_bundle_one(const struct fuzz_bundle *f, const uint8_t *data,
    size_t size)
{
	char	 err[512];
	int	 counts[NAMES_MAX], fd, n;

	if (!ready)
		setup();
	if ((fd = memfd_create("bundle", MFD_CLOEXEC)) == -1 ||
	    write(fd, data, size) != (ssize_t)size ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
	err[0] = '\0';
	if (f->unpack(fd, dir, err, sizeof(err)) == 0) {
		n = clean(f->names, counts);
		if (!f->taken(n, counts))
			abort();
	} else {
		if (err[0] == '\0')
			abort();
		(void)clean(f->names, counts);
	}
	close(fd);
}
