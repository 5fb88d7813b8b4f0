/*
 * banger-fetch build-image NAME OUTDIR KERNELDIR [--recipe DIR]
 *
 * Build a golden image in OUTDIR: rootfs.ext4 (label banger-root, mounted
 * read-only as the lower layer of the guest's root overlay), vmlinux and
 * initrd.img copied from KERNELDIR (an image directory from `make images`,
 * which also holds modules.tar.gz) and a key=value manifest.
 *
 * No privilege: mmdebstrap in fakechroot mode writes a tarball, then one
 * fakeroot session unpacks it and runs mkfs.ext4 -d, so every file keeps
 * the owner the packages gave it.  Everything in between lives in
 * OUTDIR/tmp (also TMPDIR), removed at the end; on failure nothing this
 * job made is left in OUTDIR.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fdutil.h"
#include "fetch.h"
#include "image.h"
#include "log.h"
#include "valid.h"

#define IMAGE_NAME	"debian-bookworm"
#define IMAGE_SUITE	"bookworm"
#define DEFAULT_MIRROR	"http://deb.debian.org/debian"
#define DEFAULT_SEC	"http://deb.debian.org/debian-security"
#define DEBIAN_KEYRING	"/usr/share/keyrings/debian-archive-keyring.gpg"
#define PKGLIST_MAX	(64 * 1024)

/* Names this job creates in OUTDIR (and removes on failure). */
static const char *const outputs[] = {
	"rootfs.ext4", "vmlinux", "initrd.img", "manifest", "manifest.tmp",
};

struct build {
	const char	*out, *kdir;
	char		 recipe[PATH_MAX];
	char		 tmp[PATH_MAX];
	char		 mirror[IMAGE_URI_MAX], security[IMAGE_URI_MAX];
	char		 include[PKGLIST_MAX];
	unsigned	 npkgs;
};

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if (flag == FTW_DP)
		return rmdir(path) == -1 ? -1 : 0;
	return unlink(path) == -1 ? -1 : 0;
}

/* Unpacked packages have read-only directories; we own them all. */
static int
open_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)f;
	if (flag == FTW_D && (st->st_mode & 0700) != 0700)
		(void)chmod(path, (st->st_mode & 07777) | 0700);
	return 0;
}

static void
rm_tree(const char *path)
{
	(void)nftw(path, open_entry, 32, FTW_PHYS);
	(void)nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
}

static void
cleanup(struct build *b, int failed)
{
	char	 p[PATH_MAX];
	size_t	 i;

	rm_tree(b->tmp);
	if (!failed)
		return;
	for (i = 0; i < sizeof(outputs) / sizeof(outputs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", b->out, outputs[i]);
		(void)unlink(p);
	}
}

/* Run argv with its stdout on our stderr (the job log). */
static int
run(char *const argv[])
{
	pid_t	 pid;
	int	 status;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if (dup2(2, 1) == -1)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "banger-fetch: %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		log_warnx("%s exited with %d", argv[0], WEXITSTATUS(status));
	else
		log_warnx("%s killed by signal %d", argv[0],
		    WTERMSIG(status));
	return -1;
}

#define MM_TAIL_MAX	(1024 * 1024)	/* read after it exited */

struct mm_reader {
	struct mm_progress	 mp;
	char			 buf[MM_LINE_MAX + 2];
	size_t			 have;
	int			 skip;	/* inside a line too long to read */
};

/* One read: on to the job log, and its whole lines to progress. */
static ssize_t
mm_feed(struct mm_reader *r, int fd)
{
	char	 msg[128], *nl;
	ssize_t	 n;

	if ((n = read(fd, r->buf + r->have, sizeof(r->buf) - 1 - r->have)) <=
	    0)
		return n;
	(void)write_all(2, r->buf + r->have, (size_t)n);
	r->have += (size_t)n;
	r->buf[r->have] = '\0';
	while ((nl = strchr(r->buf, '\n')) != NULL) {
		*nl = '\0';
		if (!r->skip && mm_progress(&r->mp, r->buf, msg, sizeof(msg)))
			status_progress("%s", msg);
		r->skip = 0;
		r->have -= (size_t)(nl + 1 - r->buf);
		memmove(r->buf, nl + 1, r->have + 1);
	}
	/* A line longer than any worth reading: drop it to its end. */
	if (r->have == sizeof(r->buf) - 1) {
		r->have = 0;
		r->skip = 1;
	}
	return n;
}

/*
 * run() for mmdebstrap --verbose: its output (stdout and stderr) comes
 * through a pipe, goes on to ours (the job log) and becomes progress
 * (mmprogress.c).  The pipe is polled beside waitpid, not read to its
 * end: a daemon some package starts could keep it open for ever.  What
 * is left in it when mmdebstrap has exited (often the error) is read
 * without waiting, up to MM_TAIL_MAX.
 */
static int
run_mm(char *const argv[])
{
	static struct mm_reader	 r;
	struct pollfd		 pf;
	size_t			 tail = 0;
	ssize_t			 n;
	pid_t			 pid, w;
	int			 pfd[2], status, open = 1;

	memset(&r, 0, sizeof(r));
	if (pipe2(pfd, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		if (dup2(pfd[1], 1) == -1 || dup2(pfd[1], 2) == -1)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "banger-fetch: %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	pf.fd = pfd[0];
	pf.events = POLLIN;
	while ((w = waitpid(pid, &status, open ? WNOHANG : 0)) != pid) {
		if (w == -1 && errno != EINTR) {
			close(pfd[0]);
			return -1;
		}
		if (open && poll(&pf, 1, 1000) > 0 && mm_feed(&r, pfd[0]) == 0)
			open = 0;
	}
	if (open && fcntl(pfd[0], F_SETFL, O_NONBLOCK) == 0)
		while (tail < MM_TAIL_MAX && (n = mm_feed(&r, pfd[0])) > 0)
			tail += (size_t)n;
	close(pfd[0]);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		log_warnx("%s exited with %d", argv[0], WEXITSTATUS(status));
	else
		log_warnx("%s killed by signal %d", argv[0], WTERMSIG(status));
	return -1;
}

static int
read_small(const char *path, char *buf, size_t len)
{
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read_all(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	if ((size_t)n == len - 1) {
		errno = EFBIG;
		return -1;
	}
	buf[n] = '\0';
	return 0;
}

/*
 * The recipe: --recipe, else installed data, else the source tree next to
 * the build tree (obj/banger-fetch/banger-fetch -> images/NAME).
 */
static int
find_recipe(struct build *b, const char *given)
{
	char	 self[PATH_MAX], *slash;
	ssize_t	 n;

	if (given != NULL) {
		snprintf(b->recipe, sizeof(b->recipe), "%s", given);
		return access(b->recipe, R_OK | X_OK);
	}
	snprintf(b->recipe, sizeof(b->recipe), "%s/recipes/%s",
	    BANGER_DATADIR, IMAGE_NAME);
	if (access(b->recipe, R_OK | X_OK) == 0)
		return 0;
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) == -1)
		return -1;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) != NULL)
		*slash = '\0';
	snprintf(b->recipe, sizeof(b->recipe), "%s/../../images/%s", self,
	    IMAGE_NAME);
	if (realpath(b->recipe, self) == NULL)
		return -1;
	snprintf(b->recipe, sizeof(b->recipe), "%s", self);
	return access(b->recipe, R_OK | X_OK);
}

/* The recipe's package list as mmdebstrap's comma-separated --include. */
static int
read_packages(struct build *b)
{
	char	 path[PATH_MAX], text[PKGLIST_MAX], *line, *save = NULL;
	size_t	 off;
	int	 n;

	snprintf(path, sizeof(path), "%s/packages", b->recipe);
	if (read_small(path, text, sizeof(text)) == -1) {
		status_error("%s: %s", path, strerror(errno));
		return -1;
	}
	off = (size_t)snprintf(b->include, sizeof(b->include), "--include=");
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (line[strspn(line, "abcdefghijklmnopqrstuvwxyz"
		    "0123456789.+-")] != '\0') {
			status_error("%s: bad package name '%s'", path, line);
			return -1;
		}
		n = snprintf(b->include + off, sizeof(b->include) - off,
		    "%s%s", b->npkgs > 0 ? "," : "", line);
		if (n < 0 || (size_t)n >= sizeof(b->include) - off) {
			status_error("%s: too long", path);
			return -1;
		}
		off += n;
		b->npkgs++;
	}
	if (b->npkgs == 0) {
		status_error("%s: no packages", path);
		return -1;
	}
	return 0;
}

static void
find_mirrors(struct build *b)
{
	static char	 text[256 * 1024];
	int		 debian;

	b->mirror[0] = b->security[0] = '\0';
	debian = read_small("/etc/os-release", text, sizeof(text)) == 0 &&
	    image_os_is_debian(text);
	if (read_small("/etc/apt/sources.list.d/debian.sources", text,
	    sizeof(text)) == 0)
		image_parse_sources(text, 1, IMAGE_SUITE, debian, b->mirror,
		    b->security);
	if (b->mirror[0] == '\0' && read_small("/etc/apt/sources.list", text,
	    sizeof(text)) == 0)
		image_parse_sources(text, 0, IMAGE_SUITE, debian, b->mirror,
		    b->security);
	if (b->mirror[0] == '\0')
		snprintf(b->mirror, sizeof(b->mirror), "%s", DEFAULT_MIRROR);
	if (b->security[0] == '\0')
		snprintf(b->security, sizeof(b->security), "%s", DEFAULT_SEC);
}

/* Paths that end up inside a shell command: no quoting surprises. */
static int
plain_path(const char *p)
{
	return valid_abs_path(p, PATH_MAX) && strpbrk(p, "'\"\\$`\n") == NULL;
}

static int
bootstrap(struct build *b)
{
	char	 hook[3 * PATH_MAX + 64], tar[PATH_MAX];
	char	 l1[IMAGE_URI_MAX + 192], l2[IMAGE_URI_MAX + 192];
	char	 l3[IMAGE_URI_MAX + 192], opt[128] = "";

	snprintf(hook, sizeof(hook), "--customize-hook='%s/customize.sh' "
	    "\"$1\" '%s' '%s'", b->recipe, b->recipe, b->kdir);
	snprintf(tar, sizeof(tar), "%s/rootfs.tar", b->tmp);
	/*
	 * Debian's archive keys from debian-archive-keyring, named on each
	 * line: a host that is not Debian trusts other keys by default.
	 */
	if (access(DEBIAN_KEYRING, R_OK) == 0)
		snprintf(opt, sizeof(opt), "[signed-by=%s] ", DEBIAN_KEYRING);
	snprintf(l1, sizeof(l1), "deb %s%s %s main", opt, b->mirror,
	    IMAGE_SUITE);
	snprintf(l2, sizeof(l2), "deb %s%s %s-updates main", opt, b->mirror,
	    IMAGE_SUITE);
	snprintf(l3, sizeof(l3), "deb %s%s %s-security main", opt,
	    b->security, IMAGE_SUITE);
	char *const argv[] = {
		"mmdebstrap", "--mode=fakechroot", "--variant=apt",
		"--format=tar", b->include,
		"--verbose",		/* progress for the user (run_mm) */
		/* Lean: no manuals or translations (copyrights stay). */
		"--dpkgopt=path-exclude=/usr/share/man/*",
		"--dpkgopt=path-exclude=/usr/share/info/*",
		"--dpkgopt=path-exclude=/usr/share/locale/*",
		"--dpkgopt=path-exclude=/usr/share/doc/*",
		"--dpkgopt=path-include=/usr/share/doc/*/copyright",
		hook, IMAGE_SUITE, tar, l1, l2, l3, NULL,
	};

	return run_mm(argv);
}

/*
 * One fakeroot session: the owners recorded while unpacking are the ones
 * mkfs.ext4 -d copies.  Size: what the files use plus 1 GiB, rounded up
 * to a GiB; the file is sparse.  A 32 MiB journal, left unwritten
 * (lazy_journal_init) so the file stays sparse: a VM whose root is a
 * snapshot mounts it read-write, and a killed VM must not leave it
 * inconsistent; the overlay mounts it read-only without replaying it.
 */
static const char mkfs_script[] =
    "set -eu\n"
    "tar=$1 dir=$2 out=$3\n"
    "mkdir \"$dir\"\n"
    "tar -xf \"$tar\" -C \"$dir\" --numeric-owner\n"
    "rm -f \"$tar\"\n"
    "used=$(du -sm \"$dir\" | cut -f1)\n"
    "size=$(( (used + 1024 + 1023) / 1024 * 1024 ))\n"
    "truncate -s \"${size}M\" \"$out\"\n"
    "mkfs.ext4 -q -F -L banger-root -J size=32 -m 0 "
    "-E root_owner=0:0,lazy_journal_init=1 -d \"$dir\" \"$out\"\n"
    "echo \"rootfs: ${used} MiB of files in a ${size} MiB file system\"\n";

static int
make_rootfs(struct build *b)
{
	char	 tar[PATH_MAX], dir[PATH_MAX], out[PATH_MAX];

	snprintf(tar, sizeof(tar), "%s/rootfs.tar", b->tmp);
	snprintf(dir, sizeof(dir), "%s/root", b->tmp);
	snprintf(out, sizeof(out), "%s/rootfs.ext4", b->out);
	char *const argv[] = {
		"fakeroot", "sh", "-c", (char *)mkfs_script, "mkfs", tar, dir,
		out, NULL,
	};

	return run(argv);
}

/* Installed packages, from the unpacked tree's dpkg status. */
static unsigned
count_installed(struct build *b)
{
	char	 path[PATH_MAX], *line = NULL;
	size_t	 cap = 0;
	unsigned n = 0;
	FILE	*f;

	snprintf(path, sizeof(path), "%s/root/var/lib/dpkg/status", b->tmp);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (getline(&line, &cap, f) != -1)
		if (strncmp(line, "Status: install ok installed", 28) == 0)
			n++;
	free(line);
	fclose(f);
	return n;
}

int
image_copy_file(const char *from_dir, const char *to_dir, const char *name)
{
	struct stat	 st;
	char		 a[PATH_MAX], z[PATH_MAX], why[256];
	int		 in, out, rc = -1;

	snprintf(a, sizeof(a), "%s/%s", from_dir, name);
	snprintf(z, sizeof(z), "%s/%s", to_dir, name);
	if ((in = ws_open_file(AT_FDCWD, a, 1, &st, why, sizeof(why))) ==
	    -1) {
		status_error("%s: %s", a, why);
		return -1;
	}
	if ((out = open(z, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) == -1) {
		status_error("%s: %s", z, strerror(errno));
		close(in);
		return -1;
	}
	if (ws_copy_data(in, out, st.st_size) == 0 && fsync(out) == 0)
		rc = 0;
	else
		status_error("copying %s: %s", a, strerror(errno));
	close(in);
	close(out);
	return rc;
}

static int
write_manifest(struct build *b, unsigned installed, time_t start)
{
	char		 tmp[PATH_MAX], path[PATH_MAX], date[32];
	struct stat	 st;
	struct tm	 tm;
	time_t		 now = time(NULL);
	FILE		*f;

	snprintf(path, sizeof(path), "%s/rootfs.ext4", b->out);
	if (stat(path, &st) == -1)
		return -1;
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ",
	    gmtime_r(&now, &tm));
	snprintf(tmp, sizeof(tmp), "%s/manifest.tmp", b->out);
	snprintf(path, sizeof(path), "%s/manifest", b->out);
	if ((f = fopen(tmp, "wxe")) == NULL)
		return -1;
	fprintf(f, "name=%s\nbuilt=%s\nsuite=%s\nmirror=%s\n"
	    "packages=%u\nrecipe_packages=%u\nrootfs_size_mib=%lld\n"
	    "rootfs_used_mib=%lld\nbuild_seconds=%lld\n", IMAGE_NAME, date,
	    IMAGE_SUITE, b->mirror, installed, b->npkgs,
	    (long long)(st.st_size >> 20),
	    (long long)(st.st_blocks * 512 >> 20), (long long)(now - start));
	if (fflush(f) != 0 || fsync(fileno(f)) == -1) {
		fclose(f);
		return -1;
	}
	if (fclose(f) != 0 || rename(tmp, path) == -1)
		return -1;
	return 0;
}

static int
check_inputs(struct build *b)
{
	static const char *const need[] = {
		"vmlinux", "initrd.img", "modules.tar.gz",
	};
	char	 p[PATH_MAX];
	size_t	 i;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", b->kdir, need[i]);
		if (access(p, R_OK) == -1) {
			status_error("%s: %s%s", p, strerror(errno),
			    i == 2 ? " (rerun `make images`)" : "");
			return -1;
		}
	}
	snprintf(p, sizeof(p), "%s/customize.sh", b->recipe);
	if (access(p, X_OK) == -1) {
		status_error("%s: %s", p, strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(outputs) / sizeof(outputs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", b->out, outputs[i]);
		if (access(p, F_OK) == 0) {
			status_error("%s already exists", p);
			return -1;
		}
	}
	return 0;
}

static int
build(struct build *b)
{
	time_t		 start = time(NULL);
	unsigned	 installed;

	if (read_packages(b) == -1)
		return -1;
	find_mirrors(b);
	status_progress("bootstrapping Debian %s from %s (%u packages "
	    "and their dependencies)", IMAGE_SUITE, b->mirror, b->npkgs);
	if (bootstrap(b) == -1) {
		status_error("mmdebstrap failed (see the job log)");
		return -1;
	}
	status_progress("making the root file system");
	if (make_rootfs(b) == -1) {
		status_error("making rootfs.ext4 failed (see the job log)");
		return -1;
	}
	installed = count_installed(b);
	status_progress("copying the kernel and initramfs");
	if (image_copy_file(b->kdir, b->out, "vmlinux") == -1 ||
	    image_copy_file(b->kdir, b->out, "initrd.img") == -1)
		return -1;
	if (write_manifest(b, installed, start) == -1) {
		status_error("%s/manifest: %s", b->out, strerror(errno));
		return -1;
	}
	status_progress("image %s built: %u packages in %lld s", IMAGE_NAME,
	    installed, (long long)(time(NULL) - start));
	return 0;
}

int
build_image_main(int argc, char **argv)
{
	static struct build	 b;
	const char		*recipe = NULL;
	char			 err[256];
	struct stat		 st;

	if (argc == 6 && strcmp(argv[4], "--recipe") == 0)
		recipe = argv[5];
	else if (argc != 4) {
		status_error("build-image: wrong arguments");
		fprintf(stderr, "usage: banger-fetch build-image NAME OUTDIR "
		    "KERNELDIR [--recipe DIR]\n");
		return 2;
	}
	if (strcmp(argv[1], IMAGE_NAME) != 0) {
		status_error("build-image: no recipe for image '%s' (there is "
		    "only %s)", argv[1], IMAGE_NAME);
		return 2;
	}
	b.out = argv[2];
	b.kdir = argv[3];
	if (!valid_abs_path(b.out, PATH_MAX) || !plain_path(b.kdir) ||
	    (recipe != NULL && !plain_path(recipe))) {
		status_error("build-image: paths must be absolute, normalised "
		    "and free of quotes");
		return 2;
	}
	if (stat(b.out, &st) == -1 || !S_ISDIR(st.st_mode)) {
		status_error("%s: not a directory", b.out);
		return 2;
	}
	if (find_recipe(&b, recipe) == -1 || !plain_path(b.recipe)) {
		status_error("build-image: recipe %s not found", IMAGE_NAME);
		return 2;
	}
	if (check_inputs(&b) == -1)
		return 1;
	/* Children get no status channel: their output is the job log. */
	(void)fcntl(STATUS_FD, F_SETFD, FD_CLOEXEC);
	if (sandbox_fetch(b.out, err, sizeof(err)) == -1) {
		status_error("sandbox: %s", err);
		return 1;
	}
	snprintf(b.tmp, sizeof(b.tmp), "%s/tmp", b.out);
	if (mkdir(b.tmp, 0700) == -1) {
		status_error("%s: %s", b.tmp, strerror(errno));
		return 1;
	}
	if (setenv("TMPDIR", b.tmp, 1) == -1) {
		status_error("setenv: %s", strerror(errno));
		cleanup(&b, 1);
		return 1;
	}
	if (build(&b) == -1) {
		cleanup(&b, 1);
		return 1;
	}
	cleanup(&b, 0);
	return 0;
}
