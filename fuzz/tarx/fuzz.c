/*
 * tarx.c: arbitrary bytes as a guest's tar stream, extracted into a
 * fresh directory each run, base/a/b/root.  Whatever the stream, nothing
 * may appear beside root nor at the two levels above it (a write that
 * climbs out with ".." or a symlink lands there), the file keep in
 * base/a must stay (the removal walk follows no link out), and the
 * removal walk must leave none of root.
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

/* dir holds exactly the names w1 and w2 (each may be NULL). */
static void
check_only(const char *dir, const char *w1, const char *w2)
{
	struct dirent	*de;
	DIR		*d = opendir(dir);
	int		 seen = 0;

	if (d == NULL)
		abort();
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((w1 != NULL && strcmp(de->d_name, w1) == 0) ||
		    (w2 != NULL && strcmp(de->d_name, w2) == 0)) {
			seen++;
			continue;
		}
		fprintf(stderr, "left or escaped: %s/%s\n", dir, de->d_name);
		abort();
	}
	closedir(d);
	if (seen != (w1 != NULL) + (w2 != NULL)) {
		fprintf(stderr, "removed from %s: %s or %s\n", dir,
		    w1 != NULL ? w1 : "-", w2 != NULL ? w2 : "-");
		abort();
	}
}

/* Nothing beside root or above it; the removal walk took only root. */
static void
check_clean(void)
{
	char	 p[128];

	check_only(base, "a", NULL);
	snprintf(p, sizeof(p), "%s/a", base);
	check_only(p, "b", "keep");
	snprintf(p, sizeof(p), "%s/a/b", base);
	check_only(p, NULL, NULL);
}

static void
cleanup(void)
{
	char	 p[128];

	snprintf(p, sizeof(p), "%s/a/b", base);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/a/keep", base);
	unlink(p);
	snprintf(p, sizeof(p), "%s/a", base);
	rmdir(p);
	rmdir(base);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tarx_opts	 o = {
		.max_bytes = 1 << 20, .max_entries = 256, .top = NULL };
	char			 err[1024], p[128];
	int			 fd, root;

	if (basefd == -1) {
		snprintf(base, sizeof(base), "/tmp/fuzz-tarx-XXXXXX");
		if (mkdtemp(base) == NULL)
			abort();
		atexit(cleanup);
		snprintf(p, sizeof(p), "%s/a", base);
		if (mkdir(p, 0700) == -1)
			abort();
		snprintf(p, sizeof(p), "%s/a/keep", base);
		if ((fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)) == -1)
			abort();
		close(fd);
		snprintf(p, sizeof(p), "%s/a/b", base);
		if (mkdir(p, 0700) == -1 ||
		    (basefd = open(p, O_RDONLY | O_DIRECTORY)) == -1)
			abort();
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
	check_clean();
	return 0;
}
