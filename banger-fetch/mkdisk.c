/*
 * banger-fetch mkdisk OUT SIZE_MIB STAGE [--workspace REPO LIST NAME
 *     [--bundle]] [--sync LIST] [--hostkey]
 *
 * Build a VM's work disk: an empty ext4 file system of SIZE_MIB MiB made
 * by mkfs.ext4, then written with libext2fs (layer-put.c), with no copy
 * of the workspace on the host's file system: first what bangerd staged
 * in STAGE (root/.ssh/authorized_keys, overlay/upper and overlay/work)
 * with the ssh host key (--hostkey) and the repository's history
 * (--bundle) added there, then the workspace (REPO's files named in
 * LIST, NUL-separated) read straight into /root/NAME, then config.toml's
 * [[file_sync]] entries (sync.c).  Everything on the disk is root's (the
 * guest's /root is root's).  The file is sparse: the disk costs what its
 * contents cost.  STAGE is removed afterwards.  Nothing is mounted; no
 * privilege is used.
 *
 * Once mkfs.ext4 made the file system, a "disk-ready" status line lets
 * bangerd start the VM while the rest is written; the guest reads
 * nothing of the disk until its first bytes say WORK_DONE_MARK, written
 * last (workdisk.h).
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdutil.h"
#include "fetch.h"
#include "layer.h"
#include "log.h"
#include "proto.h"
#include "valid.h"
#include "workdisk.h"

#define LIST_MAX_BYTES	(64 * 1024 * 1024)
#define LIST_MAX_FILES	1000000

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if (flag == FTW_DP)
		return rmdir(path) == -1 ? -1 : 0;
	return unlink(path) == -1 ? -1 : 0;
}

static void
rm_tree(const char *path)
{
	(void)nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
}

/* Both inside dir: OUT and STAGE are the job directory's children. */
static int
child_of(const char *path, const char *dir)
{
	size_t	 n = strlen(dir);

	return strncmp(path, dir, n) == 0 && path[n] == '/' &&
	    valid_path_component(path + n + 1);
}

static int
copy_workspace(struct layer_fs *l, const char *repo, const char *list,
    const char *name, int dirmode)
{
	char		 err[PATH_MAX + 256], top[PATH_MAX], *buf, *p, *end;
	struct ws_repo	 wr;
	struct stat	 st;
	uint32_t	 rino, wino;
	int		 rfd, lfd, r, rc = -1;
	size_t		 nfiles = 0, done = 0, skipped = 0;
	ssize_t		 n;

	if (!valid_path_component(name) || repo[0] != '/') {
		status_error("bad workspace name or repository path");
		return -1;
	}
	if ((lfd = open(list, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1 ||
	    fstat(lfd, &st) == -1 || st.st_size > LIST_MAX_BYTES) {
		status_error("workspace list: %s", strerror(errno ? errno :
		    EFBIG));
		return -1;
	}
	if ((buf = malloc(st.st_size + 1)) == NULL ||
	    (n = read_all(lfd, buf, st.st_size)) != st.st_size) {
		status_error("workspace list: cannot read");
		return -1;
	}
	close(lfd);
	buf[n] = '\0';
	end = buf + n;
	for (p = buf; p < end; p += strlen(p) + 1)
		nfiles++;
	if (nfiles > LIST_MAX_FILES) {
		status_error("workspace has more than %d files",
		    LIST_MAX_FILES);
		free(buf);
		return -1;
	}
	if ((rfd = open(repo, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		status_error("%s: %s", repo, strerror(errno));
		free(buf);
		return -1;
	}
	ws_repo_init(&wr, rfd);
	layer_put_begin(l, err, sizeof(err));
	snprintf(top, sizeof(top), "root/%s", name);
	layer_put_entry(l, "/root");
	if (layer_put_dirs(l, "root", dirmode, &rino) == -1) {
		status_error("workspace: %s", err);
		goto out;
	}
	/* As mkdir(2) refused it: the workspace is a directory of its own. */
	layer_put_entry(l, top);
	if ((r = layer_put_exists(l, rino, name)) != 0) {
		if (r == 1)
			status_error("workspace: /root/%s is already on the "
			    "disk (a [[file_sync]] or staged file?); rename "
			    "the repository's directory", name);
		else
			status_error("workspace: %s", err);
		goto out;
	}
	if (layer_put_mkdir(l, rino, name, dirmode, &wino) == -1) {
		status_error("workspace: %s", err);
		goto out;
	}
	status_progress("copying %zu workspace files", nfiles);
	for (p = buf; p < end; p += strlen(p) + 1) {
		if ((r = ws_copy_one(&wr, l, top, p, dirmode, err,
		    sizeof(err))) == -1) {
			status_error("workspace: %s", err);
			goto out;
		}
		if (r == 0) {
			log_warnx("%s", err);
			skipped++;
		}
		if (++done % 5000 == 0)
			status_progress("copied %zu of %zu files", done,
			    nfiles);
	}
	if (skipped > 0)
		status_progress("skipped %zu entries that are neither files "
		    "nor symlinks (e.g. submodules)", skipped);
	rc = 0;
out:
	ws_repo_done(&wr);
	free(buf);
	close(rfd);
	return rc;
}

/*
 * The VM's own ssh host key, in the root overlay's upper layer so that
 * sshd finds it at /etc/ssh; its public half goes beside the disk for
 * bangerd's known_hosts.
 */
static int
make_hostkey(const char *stage, const char *jobdir)
{
	char	 dir[PATH_MAX], key[PATH_MAX + 32], pub[PATH_MAX + 32];
	char	 out[PATH_MAX + 32], buf[8192];
	pid_t	 pid;
	int	 status, in, fd;
	ssize_t	 n;

	snprintf(dir, sizeof(dir), "%s/overlay/upper/etc", stage);
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		goto fail;
	snprintf(dir, sizeof(dir), "%s/overlay/upper/etc/ssh", stage);
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		goto fail;
	snprintf(key, sizeof(key), "%s/ssh_host_ed25519_key", dir);
	if ((pid = fork()) == -1)
		goto fail;
	if (pid == 0) {
		execlp("ssh-keygen", "ssh-keygen", "-q", "-t", "ed25519", "-N",
		    "", "-C", "banger-vm", "-f", key, (char *)NULL);
		fprintf(stderr, "banger-fetch: ssh-keygen: %s\n",
		    strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			goto fail;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		status_error("ssh-keygen failed (is openssh-client installed?)");
		return -1;
	}
	snprintf(pub, sizeof(pub), "%s.pub", key);
	snprintf(out, sizeof(out), "%s/host_key.pub", jobdir);
	if ((in = open(pub, O_RDONLY | O_CLOEXEC)) == -1 ||
	    (n = read(in, buf, sizeof(buf))) <= 0 ||
	    (fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) == -1 || write_all(fd, buf, n) == -1)
		goto fail;
	close(in);
	close(fd);
	return 0;
fail:
	status_error("host key: %s", strerror(errno));
	return -1;
}

/*
 * The repository's history for --branch: `git bundle create --all` into
 * /root/.cache/banger/NAME.bundle, unpacked in the guest by bangerd's
 * checkout step.
 */
static int
make_bundle(const char *stage, const char *repo, const char *name)
{
	char	 dir[PATH_MAX], out[PATH_MAX + 300];
	pid_t	 pid;
	int	 status;

	snprintf(dir, sizeof(dir), "%s/root/.cache", stage);
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		goto fail;
	snprintf(dir, sizeof(dir), "%s/root/.cache/banger", stage);
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		goto fail;
	snprintf(out, sizeof(out), "%s/%s.bundle", dir, name);
	status_progress("bundling the repository's history for --branch");
	if ((pid = fork()) == -1)
		goto fail;
	if (pid == 0) {
		execlp("git", "git", "-C", repo, "bundle", "create", "-q", out,
		    "--all", (char *)NULL);
		fprintf(stderr, "banger-fetch: git: %s\n", strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			goto fail;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		status_error("git bundle create failed (see the job log)");
		return -1;
	}
	return 0;
fail:
	status_error("bundle: %s", strerror(errno));
	return -1;
}

/* The empty file system: as mkfs.ext4 -d made it, without the -d. */
static int
run_mkfs(const char *out)
{
	pid_t	 pid;
	int	 status;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		execlp("mkfs.ext4", "mkfs.ext4", "-q", "-F", "-L",
		    "banger-work", "-E", "root_owner=0:0", out, (char *)NULL);
		fprintf(stderr, "banger-fetch: mkfs.ext4: %s\n",
		    strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return 0;
}

/*
 * The disk is whole: its first bytes say so to a guest that may already
 * be waiting for them (bangerd starts the VM at "disk-ready").  Written
 * after every other byte of the disk; ext4 never uses them.
 */
static int
mark_done(const char *out)
{
	int	 fd, rc;

	if ((fd = open(out, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	rc = pwrite(fd, WORK_DONE_MARK, WORK_DONE_MARK_LEN, 0) ==
	    WORK_DONE_MARK_LEN ? 0 : -1;
	if (close(fd) == -1)
		rc = -1;
	return rc;
}

/*
 * The disk's contents, in the order the staging copy had them: STAGE
 * (bangerd's files, the host key, the bundle), the workspace, then
 * [[file_sync]] over both.  Directories made on the way get what
 * mkdir(2) gave them in the staging directory: 0755 less our umask.
 */
static int
fill(const char *out, const char *stage, const char *repo, const char *list,
    const char *name, const char *sync)
{
	struct layer_fs	*l;
	char		 err[PATH_MAX + 256];
	mode_t		 um;
	int		 sfd, dirmode;

	um = umask(022);
	umask(um);
	dirmode = 0755 & ~(int)um;
	if ((l = layer_fs_open(out, err, sizeof(err))) == NULL) {
		status_error("work disk: %s", err);
		return -1;
	}
	layer_fs_full_advice(l, "the work disk",
	    "give the VM a larger --disk-size");
	/*
	 * No fsync of 350 MB before the VM may start: the kernel writes
	 * the file back as any other, and QEMU's fdatasync at the guest's
	 * first flush (its journal's) makes it durable.
	 */
	layer_fs_no_sync(l);
	layer_put_begin(l, err, sizeof(err));
	if ((sfd = open(stage, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		status_error("%s: %s", stage, strerror(errno));
		goto fail;
	}
	if (sync_tree(l, sfd, LAYER_ROOT, stage, err, sizeof(err)) == -1) {
		status_error("work disk: %s", err);
		close(sfd);
		goto fail;
	}
	close(sfd);
	if (repo != NULL && copy_workspace(l, repo, list, name, dirmode) == -1)
		goto fail;
	layer_put_begin(l, err, sizeof(err));
	if (sync != NULL && sync_apply(l, sync, dirmode, err,
	    sizeof(err)) == -1)
		goto fail;
	if (layer_fs_close(l, err, sizeof(err)) == -1) {
		status_error("work disk: %s", err);
		return -1;
	}
	return 0;
fail:
	layer_fs_discard(l);
	return -1;
}

int
mkdisk_main(int argc, char **argv)
{
	const char	*out, *stage;
	char		 jobdir[PATH_MAX], err[256], *slash;
	unsigned long long size;
	char		*end;
	int		 fd;

	const char	*repo = NULL, *list = NULL, *name = NULL, *sync = NULL;
	int		 i, hostkey = 0, bundle = 0;

	if (argc < 4) {
		status_error("mkdisk: wrong arguments");
		return 2;
	}
	for (i = 4; i < argc; i++) {
		if (strcmp(argv[i], "--workspace") == 0 && i + 3 < argc &&
		    repo == NULL) {
			repo = argv[++i];
			list = argv[++i];
			name = argv[++i];
		} else if (strcmp(argv[i], "--sync") == 0 && i + 1 < argc &&
		    sync == NULL)
			sync = argv[++i];
		else if (strcmp(argv[i], "--hostkey") == 0)
			hostkey = 1;
		else if (strcmp(argv[i], "--bundle") == 0)
			bundle = 1;
		else {
			status_error("mkdisk: unknown argument");
			return 2;
		}
	}
	out = argv[1];
	stage = argv[3];
	size = strtoull(argv[2], &end, 10);
	if (*end != '\0' || size < 256 || size > VM_DISK_MAX) {
		status_error("mkdisk: size must be 256..%llu MiB",
		    (unsigned long long)VM_DISK_MAX);
		return 2;
	}
	if (!valid_abs_path(out, PATH_MAX) ||
	    !valid_abs_path(stage, PATH_MAX)) {
		status_error("mkdisk: paths must be absolute and normalised");
		return 2;
	}
	snprintf(jobdir, sizeof(jobdir), "%s", out);
	if ((slash = strrchr(jobdir, '/')) == NULL || slash == jobdir) {
		status_error("mkdisk: bad output path");
		return 2;
	}
	*slash = '\0';
	if (!child_of(out, jobdir) || !child_of(stage, jobdir)) {
		status_error("mkdisk: output and stage must share a directory");
		return 2;
	}
	if (sandbox_fetch(jobdir, err, sizeof(err)) == -1) {
		status_error("sandbox: %s", err);
		return 1;
	}
	if (bundle && (repo == NULL || make_bundle(stage, repo, name) == -1)) {
		if (repo == NULL)
			status_error("mkdisk: --bundle needs --workspace");
		rm_tree(stage);
		return 1;
	}
	if (hostkey && make_hostkey(stage, jobdir) == -1) {
		rm_tree(stage);
		return 1;
	}
	if ((fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1 ||
	    ftruncate(fd, (off_t)size * 1024 * 1024) == -1) {
		status_error("%s: %s", out, strerror(errno));
		rm_tree(stage);
		return 1;
	}
	close(fd);
	status_progress("making the %llu MiB work disk", size);
	if (run_mkfs(out) == -1) {
		status_error("mkfs.ext4 failed (see the job log)");
		(void)unlink(out);
		rm_tree(stage);
		return 1;
	}
	/* The file has its size: a VMM may open it while it is filled. */
	status_disk_ready();
	if (fill(out, stage, repo, list, name, sync) == -1) {
		(void)unlink(out);
		rm_tree(stage);
		return 1;
	}
	rm_tree(stage);
	/* Last: nothing may fail after the guest may use the disk. */
	if (mark_done(out) == -1) {
		status_error("work disk: %s: %s", out, strerror(errno));
		(void)unlink(out);
		return 1;
	}
	return 0;
}
