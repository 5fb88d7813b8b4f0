/*
 * tarx.c: arbitrary bytes as a guest's tar stream, extracted into a
 * fresh directory each run.  Whatever the stream, nothing may appear
 * beside that directory, and the removal walk must leave none of it.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tarx.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	 base[64];
static int	 basefd = -1;

/* base holds nothing: not a file the stream made, not its root. */
static void
check_empty(void)
{
	struct dirent	*de;
	DIR		*d = opendir(base);

	if (d == NULL)
		abort();
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			fprintf(stderr, "left or escaped: %s\n", de->d_name);
			abort();
		}
	closedir(d);
}

static void
cleanup(void)
{
	rmdir(base);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tarx_opts	 o = {
		.max_bytes = 1 << 20, .max_entries = 256, .top = NULL };
	char			 err[1024];
	int			 fd, root;

	if (basefd == -1) {
		snprintf(base, sizeof(base), "/tmp/fuzz-tarx-XXXXXX");
		if (mkdtemp(base) == NULL ||
		    (basefd = open(base, O_RDONLY | O_DIRECTORY)) == -1)
			abort();
		atexit(cleanup);
	}
	if (size > 0 && data[0] & 1)
		o.top = "t";
	if ((fd = memfd_create("tar", MFD_CLOEXEC)) == -1 ||
	    (size > 0 && write(fd, data, size) != (ssize_t)size) ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
	if (mkdirat(basefd, "root", 0700) == -1 ||
	    (root = openat(basefd, "root", O_RDONLY | O_DIRECTORY)) == -1)
		abort();
	(void)tarx_extract(root, fd, &o, err, sizeof(err));
	close(root);
	close(fd);
	if (tarx_remove(basefd, "root") == -1)
		abort();
	check_empty();
	return 0;
}
