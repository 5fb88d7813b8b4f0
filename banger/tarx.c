/*
 * Extracting a guest's tar stream (vm cp VM:PATH DST).  The guest may be
 * compromised, so the stream is parsed with libarchive's reader only and
 * every file is made here, never by archive_write_disk:
 *
 * - names are relative; "." components and empty ones are dropped, ".."
 *   and absolute names are refused, as are names longer than
 *   TARX_MAX_PATH or deeper than TARX_MAX_DEPTH, and (with opts->top)
 *   names outside the one top entry the caller asked for;
 * - every directory on the way is opened beneath the extraction root
 *   with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 *   RESOLVE_NO_MAGICLINKS), one component at a time, and made (0755 less
 *   the umask) when missing; a name through a symlink or a file fails;
 * - only regular files, directories and symlinks are made; a symlink is
 *   created as it is and never followed; a hard link becomes a copy of
 *   the file it names (already extracted, opened beneath the root); a
 *   device, FIFO, socket or unknown type is refused;
 * - a file or symlink is never made over something already there (a
 *   duplicate entry is refused); a directory entry may repeat;
 * - permissions are mode & 0777 less the umask (as tar gives a user who
 *   is not root: a guest cannot plant world-writable files on a shared
 *   host): a file with setuid or setgid is refused, a directory's setgid
 *   and sticky bits are dropped and its owner always keeps rwx (so later
 *   entries can go in); owners, times, ACLs and extended attributes are
 *   never set;
 * - every entry in the stream and every directory made on the way to
 *   one counts against opts->max_entries; every file, directory and
 *   symlink made costs TARX_INODE_COST bytes against opts->max_bytes,
 *   plus a file's declared size (a hard link copy's real size) or a
 *   symlink's target length, counted before it is made: a stream of
 *   empty names cannot fill the disk's inodes or metadata for free.
 *
 * On failure the caller removes the extraction root: nothing outside it
 * was touched.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "esc.h"
#include "fdutil.h"
#include "tarx.h"

struct tarx {
	const struct tarx_opts	*o;
	struct archive		*a;
	int			 root;
	mode_t			 mask;		/* the umask */
	uint64_t		 declared;	/* bytes charged so far */
	uint64_t		 written;
	uint64_t		 entries;
	char			 shown[256];	/* the entry, escaped */
	char			*err;
	size_t			 errlen;
};

static int	tarx_refuse(struct tarx *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static int
tarx_refuse(struct tarx *x, const char *fmt, ...)
{
	char	 why[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(x->err, x->errlen, "refused entry '%s': %s", x->shown, why);
	return TARX_REFUSED;
}

/*
 * raw made relative and clean into out (components joined by '/');
 * returns 0 or TARX_REFUSED.
 */
static int
tarx_name(struct tarx *x, const char *raw, char *out, size_t outlen)
{
	const char	*p, *e;
	size_t		 n, off = 0, depth = 0;

	if (raw == NULL || raw[0] == '\0')
		return tarx_refuse(x, "an empty name");
	if (strlen(raw) >= TARX_MAX_PATH || strlen(raw) >= outlen)
		return tarx_refuse(x, "a name longer than %d bytes",
		    TARX_MAX_PATH - 1);
	if (raw[0] == '/')
		return tarx_refuse(x, "an absolute name");
	for (p = raw; *p != '\0'; p = e) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		e = strchrnul(p, '/');
		n = (size_t)(e - p);
		if (n == 1 && p[0] == '.')
			continue;
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return tarx_refuse(x, "'..' in the name");
		if (n > 255)
			return tarx_refuse(x, "a component longer than 255 "
			    "bytes");
		if (++depth > TARX_MAX_DEPTH)
			return tarx_refuse(x, "more than %d components",
			    TARX_MAX_DEPTH);
		if (off > 0)
			out[off++] = '/';
		memcpy(out + off, p, n);
		off += n;
	}
	out[off] = '\0';
	if (off == 0)
		return tarx_refuse(x, "it names the top directory");
	if (x->o->top != NULL && (strncmp(out, x->o->top,
	    strlen(x->o->top)) != 0 || (out[strlen(x->o->top)] != '\0' &&
	    out[strlen(x->o->top)] != '/')))
		return tarx_refuse(x, "it is outside '%s'", x->o->top);
	return 0;
}

/*
 * Charge size bytes, plus TARX_INODE_COST when something is made,
 * against --max-size before it is written.
 */
static int
tarx_budget(struct tarx *x, int64_t size, int inode)
{
	uint64_t	 need;
	char		 n[32];

	if (size < 0)
		return tarx_refuse(x, "a negative size");
	need = (uint64_t)size + (inode ? TARX_INODE_COST : 0);
	if (need > x->o->max_bytes - x->declared) {
		snprintf(n, sizeof(n), "%llu",
		    (unsigned long long)x->o->max_bytes);
		return tarx_refuse(x, "the entries add up to more than %s "
		    "bytes (--max-size; each file, directory and symlink "
		    "counts %d bytes besides its data)", n, TARX_INODE_COST);
	}
	x->declared += need;
	return 0;
}

/* One more entry: from the stream, or a directory made on the way. */
static int
tarx_count(struct tarx *x)
{
	if (++x->entries > x->o->max_entries)
		return tarx_refuse(x, "more than %llu entries, counting the "
		    "directories made on the way",
		    (unsigned long long)x->o->max_entries);
	return 0;
}

/*
 * Open the directory that holds path's last component (made when
 * missing), one component at a time beneath the root; *leaf points into
 * path.  Returns the descriptor or TARX_REFUSED.
 */
static int
tarx_parent(struct tarx *x, char *path, const char **leaf)
{
	char	*p, *slash;
	int	 fd, nfd, rc;

	if ((fd = fcntl(x->root, F_DUPFD_CLOEXEC, 0)) == -1)
		return tarx_refuse(x, "dup: %s", strerror(errno));
	for (p = path; (slash = strchr(p, '/')) != NULL; p = slash + 1) {
		*slash = '\0';
		nfd = open_beneath(fd, p, O_PATH | O_DIRECTORY);
		if (nfd == -1 && errno == ENOENT) {
			/* A directory made here counts like an entry. */
			if ((rc = tarx_count(x)) != 0 ||
			    (rc = tarx_budget(x, 0, 1)) != 0) {
				*slash = '/';
				close(fd);
				return rc;
			}
			if (mkdirat(fd, p, 0755) == 0 || errno == EEXIST)
				nfd = open_beneath(fd, p, O_PATH |
				    O_DIRECTORY);
			else
				nfd = -1;
		}
		*slash = '/';
		if (nfd == -1) {
			int	 e = errno;

			close(fd);
			if (e == ELOOP)
				return tarx_refuse(x, "its path goes "
				    "through a symlink");
			if (e == EXDEV)
				return tarx_refuse(x, "its path leaves the "
				    "directory");
			if (e == ENOTDIR)
				return tarx_refuse(x, "its path goes "
				    "through a file");
			return tarx_refuse(x, "%s", strerror(e));
		}
		close(fd);
		fd = nfd;
	}
	*leaf = p;
	return fd;
}

static const char *
tarx_kind(mode_t type)
{
	switch (type) {
	case AE_IFCHR:
		return "a character device";
	case AE_IFBLK:
		return "a block device";
	case AE_IFIFO:
		return "a FIFO";
	case AE_IFSOCK:
		return "a socket";
	default:
		return "an unknown file type";
	}
}

static void
tarx_progress(struct tarx *x, size_t n)
{
	x->written += n;
	if (x->o->progress != NULL)
		x->o->progress(x->written, x->o->arg);
}

/* The entry's data into fd, at the offsets the archive gives. */
static int
tarx_data(struct tarx *x, int fd, int64_t size)
{
	const void	*buf;
	size_t		 len;
	la_int64_t	 off;
	int		 r;

	for (;;) {
		r = archive_read_data_block(x->a, &buf, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			snprintf(x->err, x->errlen, "the stream is truncated "
			    "or corrupt in '%s': %s", x->shown,
			    archive_error_string(x->a));
			return TARX_STREAM;
		}
		if (off < 0 || off > size || len > (uint64_t)(size - off))
			return tarx_refuse(x, "data beyond its size");
		if (len > 0 && pwrite(fd, buf, len, off) != (ssize_t)len)
			return tarx_refuse(x, "write: %s", strerror(errno));
		tarx_progress(x, len);
	}
	/* A sparse file's hole at its end. */
	if (ftruncate(fd, size) == -1)
		return tarx_refuse(x, "truncate: %s", strerror(errno));
	return 0;
}

/* A hard link: a new file with the contents of the one it names. */
static int
tarx_copy(struct tarx *x, int fd, const char *target)
{
	char		 path[TARX_MAX_PATH], buf[65536], shown[256];
	struct stat	 st;
	ssize_t		 n;
	int		 in, rc;

	esc_string(shown, sizeof(shown), target, strlen(target), ESC_LOG);
	if ((rc = tarx_name(x, target, path, sizeof(path))) != 0)
		return rc;
	if ((in = open_beneath(x->root, path, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK)) == -1)
		return tarx_refuse(x, "a hard link to '%s', which is not an "
		    "earlier file", shown);
	if (fstat(in, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(in);
		return tarx_refuse(x, "a hard link to '%s', which is not a "
		    "regular file", shown);
	}
	if ((rc = tarx_budget(x, st.st_size, 0)) != 0) {
		close(in);
		return rc;
	}
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n == -1 || write_all(fd, buf, (size_t)n) == -1) {
			close(in);
			return tarx_refuse(x, "copying a hard link: %s",
			    strerror(errno));
		}
		tarx_progress(x, (size_t)n);
	}
	close(in);
	return 0;
}

static int
tarx_file(struct tarx *x, struct archive_entry *e, int pfd, const char *leaf)
{
	const char	*hl = archive_entry_hardlink(e);
	mode_t		 perm = archive_entry_perm(e);
	int		 fd, rc;

	if (perm & (S_ISUID | S_ISGID))
		return tarx_refuse(x, "a setuid or setgid file");
	if ((rc = tarx_budget(x, hl == NULL ? archive_entry_size(e) : 0,
	    1)) != 0)
		return rc;
	if ((fd = openat(pfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1)
		return errno == EEXIST ? tarx_refuse(x, "it is already there "
		    "(a duplicate entry)") : tarx_refuse(x, "%s",
		    strerror(errno));
	rc = hl != NULL ? tarx_copy(x, fd, hl) :
	    tarx_data(x, fd, archive_entry_size(e));
	if (rc == 0 && fchmod(fd, perm & 0777 & ~x->mask) == -1)
		rc = tarx_refuse(x, "chmod: %s", strerror(errno));
	close(fd);
	return rc;
}

static int
tarx_dir(struct tarx *x, struct archive_entry *e, int pfd, const char *leaf)
{
	struct stat	 st;
	int		 fd, rc;

	/* A repeated directory entry makes nothing new. */
	if (fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == -1 &&
	    errno == ENOENT && (rc = tarx_budget(x, 0, 1)) != 0)
		return rc;
	if (mkdirat(pfd, leaf, 0700) == -1 && errno != EEXIST)
		return tarx_refuse(x, "mkdir: %s", strerror(errno));
	if ((fd = open_beneath(pfd, leaf, O_RDONLY | O_DIRECTORY)) == -1)
		return tarx_refuse(x, "it is already there, not as a "
		    "directory");
	if (fchmod(fd, (archive_entry_perm(e) & 0777 & ~x->mask) | 0700) ==
	    -1) {
		close(fd);
		return tarx_refuse(x, "chmod: %s", strerror(errno));
	}
	close(fd);
	return 0;
}

static int
tarx_symlink(struct tarx *x, struct archive_entry *e, int pfd,
    const char *leaf)
{
	const char	*t = archive_entry_symlink(e);
	int		 rc;

	if (t == NULL || t[0] == '\0' || strlen(t) >= TARX_MAX_PATH)
		return tarx_refuse(x, "a symlink without a usable target");
	if ((rc = tarx_budget(x, (int64_t)strlen(t), 1)) != 0)
		return rc;
	if (symlinkat(t, pfd, leaf) == -1)
		return errno == EEXIST ? tarx_refuse(x, "it is already there "
		    "(a duplicate entry)") : tarx_refuse(x, "%s",
		    strerror(errno));
	return 0;
}

static int
tarx_entry(struct tarx *x, struct archive_entry *e)
{
	char		 path[TARX_MAX_PATH];
	const char	*raw = archive_entry_pathname(e), *leaf = NULL;
	mode_t		 type = archive_entry_filetype(e);
	int		 pfd, rc;

	esc_string(x->shown, sizeof(x->shown), raw != NULL ? raw : "",
	    raw != NULL ? strlen(raw) : 0, ESC_LOG);
	if ((rc = tarx_count(x)) != 0)
		return rc;
	if ((rc = tarx_name(x, raw, path, sizeof(path))) != 0)
		return rc;
	if (archive_entry_hardlink(e) != NULL)
		type = AE_IFREG;
	if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
		return tarx_refuse(x, "%s", tarx_kind(type));
	if ((pfd = tarx_parent(x, path, &leaf)) < 0)
		return pfd;
	if (type == AE_IFREG)
		rc = tarx_file(x, e, pfd, leaf);
	else if (type == AE_IFDIR)
		rc = tarx_dir(x, e, pfd, leaf);
	else
		rc = tarx_symlink(x, e, pfd, leaf);
	close(pfd);
	return rc;
}

int
tarx_extract(int dirfd, int infd, const struct tarx_opts *o, char *err,
    size_t errlen)
{
	struct tarx		 x;
	struct archive_entry	*e;
	int			 r, rc = 0;

	memset(&x, 0, sizeof(x));
	x.o = o;
	x.root = dirfd;
	x.err = err;
	x.errlen = errlen;
	/* Read once; set back at once (nothing else runs here meanwhile). */
	x.mask = umask(077);
	umask(x.mask);
	if ((x.a = archive_read_new()) == NULL ||
	    archive_read_support_format_tar(x.a) != ARCHIVE_OK ||
	    archive_read_open_fd(x.a, infd, 65536) != ARCHIVE_OK) {
		snprintf(err, errlen, "cannot read the stream: %s",
		    x.a != NULL ? archive_error_string(x.a) : "no memory");
		if (x.a != NULL)
			archive_read_free(x.a);
		return TARX_STREAM;
	}
	for (;;) {
		r = archive_read_next_header(x.a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			snprintf(err, errlen, "the stream is %s: %s",
			    x.entries > 0 ? "truncated or corrupt" :
			    "not a tar stream", archive_error_string(x.a) ?
			    archive_error_string(x.a) : "no reason given");
			rc = r == ARCHIVE_WARN ? TARX_REFUSED : TARX_STREAM;
			break;
		}
		if ((rc = tarx_entry(&x, e)) != 0)
			break;
	}
	if (rc == 0 && x.entries == 0) {
		snprintf(err, errlen, "the stream holds no files");
		rc = TARX_STREAM;
	}
	archive_read_free(x.a);
	return rc;
}

int
tarx_remove(int dirfd, const char *name)
{
	struct dirent	*de;
	DIR		*d;
	int		 fd, rc = 0;

	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		if (errno != ENOTDIR && errno != ELOOP)
			return -1;
		return unlinkat(dirfd, name, 0);
	}
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (tarx_remove(fd, de->d_name) == -1)
			rc = -1;
	}
	closedir(d);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) == -1)
		rc = -1;
	return rc;
}
