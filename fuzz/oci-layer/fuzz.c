/*
 * One container image layer, arbitrary bytes, applied to a small fresh
 * ext4 image (banger-fetch/layer-*.c).  The image is made once with
 * mkfs.ext4, kept in memory, and copied back into a memfd whenever a
 * run wrote to it; a run that wrote nothing leaves it as it was.
 */
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "layer.h"
#include "layer-int.h"

#define IMAGE_BYTES	(8 * 1024 * 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct run {
	off_t	 off;
	size_t	 len;
	char	*data;
};

static struct run	*runs;
static size_t		 nruns;
static int		 img = -1, in = -1;
static char		 path[64];
static struct layer_fs	*l;

/* The template's data runs (the rest of it is holes). */
static void
template(void)
{
	char	 tmp[] = "/dev/shm/oci-layer-fuzz.XXXXXX", err[256];
	off_t	 data, hole = 0;
	int	 fd;

	if ((fd = mkstemp(tmp)) == -1) {
		memcpy(tmp, "/tmp/", 5);
		memmove(tmp + 5, tmp + 9, sizeof(tmp) - 9);
		if ((fd = mkstemp(tmp)) == -1)
			abort();
	}
	close(fd);
	if (layer_mkfs(tmp, IMAGE_BYTES, "fuzz", err, sizeof(err)) == -1) {
		fprintf(stderr, "layer_mkfs: %s\n", err);
		abort();
	}
	if ((fd = open(tmp, O_RDONLY)) == -1)
		abort();
	unlink(tmp);
	while ((data = lseek(fd, hole, SEEK_DATA)) != -1) {
		if ((hole = lseek(fd, data, SEEK_HOLE)) == -1)
			abort();
		if ((runs = realloc(runs, (nruns + 1) * sizeof(*runs))) ==
		    NULL || (runs[nruns].data = malloc(hole - data)) == NULL ||
		    pread(fd, runs[nruns].data, hole - data, data) !=
		    hole - data)
			abort();
		runs[nruns].off = data;
		runs[nruns++].len = hole - data;
	}
	close(fd);
	if ((img = memfd_create("oci-layer-image", MFD_CLOEXEC)) == -1 ||
	    (in = memfd_create("oci-layer-input", MFD_CLOEXEC)) == -1)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", img);
}

static void
fresh(void)
{
	char	 err[256];
	size_t	 i;

	layer_fs_discard(l);
	if (ftruncate(img, 0) == -1 || ftruncate(img, IMAGE_BYTES) == -1)
		abort();
	for (i = 0; i < nruns; i++)
		if (pwrite(img, runs[i].data, runs[i].len, runs[i].off) !=
		    (ssize_t)runs[i].len)
			abort();
	if ((l = layer_fs_open(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "layer_fs_open: %s\n", err);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 err[1024];
	int	 rc;

	if (img == -1)
		template();
	if (l == NULL || l->writes != 0)
		fresh();
	if (ftruncate(in, 0) == -1 || pwrite(in, data, size, 0) !=
	    (ssize_t)size || lseek(in, 0, SEEK_SET) != 0)
		abort();
	err[0] = '\0';
	rc = layer_apply(l, in, err, sizeof(err));
	/* Every failure says why. */
	if (rc == -1 && err[0] == '\0')
		abort();
	/* A layer that applied is flushed like the real ones. */
	if (rc == 0 && l->writes != 0) {
		if (layer_fs_close(l, err, sizeof(err)) == -1) {
			fprintf(stderr, "layer_fs_close: %s\n", err);
			abort();
		}
		l = NULL;
	}
	return 0;
}
