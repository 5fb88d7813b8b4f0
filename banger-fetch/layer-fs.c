/*
 * The ext4 image layers are applied to: made empty by mkfs.ext4 (which
 * never sees a layer's bytes), then opened with libext2fs for the rest.
 * Errors name the entry being applied and say what the user can do when
 * the image is too small.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ext2fs/ext2fs.h>

#include "layer.h"
#include "layer-int.h"

/* mkfs.ext4's own limit on a volume label. */
#define LABEL_MAX	16
#define MKFS_MIN_BYTES	(1024 * 1024)

static int
label_ok(const char *label)
{
	size_t	 i, n = strlen(label);

	if (n == 0 || n > LABEL_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((label[i] >= 'a' && label[i] <= 'z') ||
		    (label[i] >= 'A' && label[i] <= 'Z') ||
		    (label[i] >= '0' && label[i] <= '9') ||
		    label[i] == '-' || label[i] == '_' || label[i] == '.'))
			return 0;
	return 1;
}

int
layer_mkfs(const char *path, uint64_t bytes, const char *label, char *err,
    size_t errlen)
{
	pid_t	 pid;
	int	 fd, status;

	if (!label_ok(label)) {
		snprintf(err, errlen, "bad file system label");
		return -1;
	}
	if (bytes < MKFS_MIN_BYTES || bytes % 1024 != 0 ||
	    bytes > (uint64_t)INT64_MAX) {
		snprintf(err, errlen, "bad image size: %llu bytes",
		    (unsigned long long)bytes);
		return -1;
	}
	/* Sparse: the image costs what its contents cost. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) == -1 || ftruncate(fd, (off_t)bytes) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* A cancelled pull (banger-fetch killed) ends mkfs too. */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(127);
		execlp("mkfs.ext4", "mkfs.ext4", "-q", "-F", "-L", label,
		    "-m", "0", "-E", "root_owner=0:0", path, (char *)NULL);
		fprintf(stderr, "banger-fetch: mkfs.ext4: %s\n",
		    strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			snprintf(err, errlen, "waitpid: %s", strerror(errno));
			return -1;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "mkfs.ext4 failed (exit %d)",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	return 0;
}

struct layer_fs *
layer_fs_open(const char *path, char *err, size_t errlen)
{
	struct layer_fs	*l;
	errcode_t	 e;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->datafd = -1;
	l->names.scan_max = LAYER_SCAN_MAX;
	l->what = "the image";
	l->advice = "pull again with a larger --size";
	if ((e = ext2fs_open(path, EXT2_FLAG_RW | EXT2_FLAG_64BITS, 0, 0,
	    unix_io_manager, &l->fs)) != 0) {
		snprintf(err, errlen, "%s: %s", path, error_message(e));
		free(l);
		return NULL;
	}
	/*
	 * Symbolic links are read here, not by libext2fs (whose inline
	 * data links were unsafe); an image made by layer_mkfs has none.
	 */
	if (ext2fs_has_feature_inline_data(l->fs->super)) {
		snprintf(err, errlen, "%s: inline_data is not supported",
		    path);
		goto fail;
	}
	if ((e = ext2fs_read_bitmaps(l->fs)) != 0) {
		snprintf(err, errlen, "%s: bitmaps: %s", path,
		    error_message(e));
		goto fail;
	}
	if ((e = ext2fs_get_mem(l->fs->blocksize, &l->dirbuf)) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/*
	 * layer_data_fill's writes bypass the channel (see there).  The
	 * name is the one ext2fs_open() just opened, and resolved the same
	 * way (the fuzzer's is a /proc/self/fd link).
	 */
	if ((l->datafd = open(path, O_WRONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	l->fs->umask = 022;
	l->bytes = ext2fs_blocks_count(l->fs->super) * l->fs->blocksize;
	return l;
fail:
	ext2fs_free_mem(&l->dirbuf);
	ext2fs_free(l->fs);
	free(l);
	return NULL;
}

int
layer_fs_close(struct layer_fs *l, char *err, size_t errlen)
{
	errcode_t	 e;
	int		 rc = 0;

	if (l == NULL)
		return 0;
	if ((e = ext2fs_close2(l->fs, l->nosync ?
	    EXT2_FLAG_FLUSH_NO_SYNC : 0)) != 0) {
		snprintf(err, errlen, "closing the image: %s",
		    error_message(e));
		rc = -1;
		ext2fs_free(l->fs);
	}
	l->fs = NULL;
	if (l->datafd != -1)
		close(l->datafd);
	layer_set_free(&l->set);
	layer_names_free(&l->names);
	ext2fs_free_mem(&l->dirbuf);
	free(l);
	return rc;
}

void
layer_fs_discard(struct layer_fs *l)
{
	if (l == NULL)
		return;
	ext2fs_free(l->fs);
	if (l->datafd != -1)
		close(l->datafd);
	layer_set_free(&l->set);
	layer_names_free(&l->names);
	ext2fs_free_mem(&l->dirbuf);
	free(l);
}

/*
 * Formats "ENTRY: WHAT: WHY" into the caller's err; returns -1.  Entry
 * names are the layer's bytes: control characters become '?'.
 */
int
layer_fail(struct layer_fs *l, errcode_t e, const char *fmt, ...)
{
	char		 what[512], *p;
	const char	*entry = l->entry != NULL ? l->entry : "layer";
	unsigned long long mib = l->bytes / (1024 * 1024);
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (e == EXT2_ET_BLOCK_ALLOC_FAIL || e == ENOSPC)
		snprintf(l->err, l->errlen, "%s: %s is full (%llu MiB): %s",
		    entry, l->what, mib, l->advice);
	else if (e == EXT2_ET_INODE_ALLOC_FAIL)
		snprintf(l->err, l->errlen, "%s: %s has no inode left "
		    "(%llu MiB): %s", entry, l->what, mib, l->advice);
	else if (e != 0)
		snprintf(l->err, l->errlen, "%s: %s: %s", entry, what,
		    error_message(e));
	else
		snprintf(l->err, l->errlen, "%s: %s", entry, what);
	for (p = l->err; l->errlen > 0 && *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return -1;
}

int
layer_read_inode(struct layer_fs *l, ext2_ino_t ino,
    struct ext2_inode_large *in)
{
	errcode_t	 e;

	memset(in, 0, sizeof(*in));
	if ((e = ext2fs_read_inode_full(l->fs, ino, (struct ext2_inode *)in,
	    sizeof(*in))) != 0)
		return layer_fail(l, e, "inode %u", ino);
	return 0;
}

int
layer_write_inode(struct layer_fs *l, ext2_ino_t ino,
    struct ext2_inode_large *in)
{
	errcode_t	 e;

	l->writes++;
	if ((e = ext2fs_write_inode_full(l->fs, ino, (struct ext2_inode *)in,
	    sizeof(*in))) != 0)
		return layer_fail(l, e, "inode %u", ino);
	return 0;
}

void
layer_fs_full_advice(struct layer_fs *l, const char *what,
    const char *advice)
{
	l->what = what;
	l->advice = advice;
}

void
layer_fs_no_sync(struct layer_fs *l)
{
	l->nosync = 1;
}

void
layer_fs_scan_limit(struct layer_fs *l, uint64_t max)
{
	l->names.scan_max = max;
}
