/*
 * `banger vm pull` on the host.  What arrives is a bundle from a guest
 * that may be hostile, so git runs here with an environment the guest
 * cannot steer: no GIT_* variables, hooks off (core.hooksPath=/dev/null,
 * which also silences the reference-transaction hook), objects checked
 * (index-pack --strict: fetch from a bundle does not fsck in the git of
 * Debian 12), and only commands that touch neither the work tree nor
 * the index, so no filter, attribute or checkout hook is ever involved.
 * The guest's repository configuration never travels: a bundle holds
 * objects and refs only.
 *
 * Its objects never reach the repository unchecked: index-pack writes
 * the pack into a private quarantine directory (GIT_OBJECT_DIRECTORY,
 * with the repository's objects as its alternate), every check runs
 * there, and only then are the objects the new commit needs and the
 * repository lacks copied in, as one new pack; the quarantine, and
 * whatever else the guest sent, is removed on every path.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "banger.h"
#include "bundle-hdr.h"
#include "pull-host.h"

extern char **environ;

#define GIT_ARGS_MAX	32
#define GIT_ERR_MAX	8192

static const char zero_oid[] = "0000000000000000000000000000000000000000";

/* The quarantine (GIT_OBJECT_DIRECTORY of every git run) while set. */
static const char *git_objdir;

/* Before every command: what no configuration of the user turns back on
 * for our purposes, and nothing the guest sent can reach. */
static const char *const git_safe[] = {
	"-c", "core.hooksPath=/dev/null",
	"-c", "core.fsmonitor=false",
	"-c", "core.quotePath=true",
	"-c", "transfer.fsckObjects=true",
	"-c", "fetch.fsckObjects=true",
	NULL
};

void
pull_env_clean(void)
{
	char	 name[256], *eq;
	size_t	 i;

	for (i = 0; environ[i] != NULL;) {
		if (strncmp(environ[i], "GIT_", 4) != 0 ||
		    (eq = strchr(environ[i], '=')) == NULL ||
		    (size_t)(eq - environ[i]) >= sizeof(name)) {
			i++;
			continue;
		}
		memcpy(name, environ[i], (size_t)(eq - environ[i]));
		name[eq - environ[i]] = '\0';
		if (unsetenv(name) == -1)
			i++;
	}
}

/* git's stderr, line by line, escaped (it may quote the guest). */
static void
relay_err(int efd)
{
	char	 buf[GIT_ERR_MAX + 1], *p, *nl;
	ssize_t	 n;

	if (lseek(efd, 0, SEEK_SET) == -1 ||
	    (n = read(efd, buf, GIT_ERR_MAX)) <= 0)
		return;
	buf[n] = '\0';
	for (p = buf; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl = '\0';
		if (*p != '\0')
			cli_relay(p);
		if (nl == NULL)
			break;
	}
}

/*
 * pull_git(), and stdout into outfd instead when outfd >= 0 (out is
 * then NULL).
 */
static int
git_run(const char *top, char *const argv[], int in, int outfd, char **out,
    size_t max, int quiet, char *err, size_t errlen)
{
	char	*av[GIT_ARGS_MAX], *buf = NULL;
	int	 p[2] = { -1, -1 }, efd, null, status;
	size_t	 i, n = 0, len = 0;
	ssize_t	 r;
	pid_t	 pid;

	av[n++] = "git";
	av[n++] = "-C";
	av[n++] = (char *)top;
	for (i = 0; git_safe[i] != NULL; i++)
		av[n++] = (char *)git_safe[i];
	for (i = 0; argv[i] != NULL; i++) {
		if (n + 1 >= GIT_ARGS_MAX) {
			snprintf(err, errlen, "git %s: more than %d arguments",
			    argv[0], GIT_ARGS_MAX);
			return -1;
		}
		av[n++] = argv[i];
	}
	av[n] = NULL;
	if ((efd = memfd_create("banger-git-err", MFD_CLOEXEC)) == -1) {
		snprintf(err, errlen, "memfd_create: %s", strerror(errno));
		return -1;
	}
	if (out != NULL && (pipe2(p, O_CLOEXEC) == -1 ||
	    (buf = malloc(max + 1)) == NULL)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		if ((null = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(in >= 0 ? in : null, 0) == -1 ||
		    (out != NULL && dup2(p[1], 1) == -1) ||
		    (outfd >= 0 && dup2(outfd, 1) == -1) ||
		    dup2(efd, 2) == -1 ||
		    (git_objdir != NULL &&
		    setenv("GIT_OBJECT_DIRECTORY", git_objdir, 1) == -1))
			_exit(127);
		execvp("git", av);
		dprintf(2, "cannot run git: %s\n", strerror(errno));
		_exit(127);
	}
	if (out != NULL) {
		close(p[1]);
		p[1] = -1;
		while ((r = read(p[0], buf + len, max + 1 - len)) != 0) {
			if (r == -1 && errno == EINTR)
				continue;
			if (r == -1)
				break;
			if ((len += (size_t)r) > max) {
				kill(pid, SIGTERM);
				break;
			}
		}
		close(p[0]);
		p[0] = -1;
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (out != NULL && len > max) {
		snprintf(err, errlen, "git %s said more than %zu bytes",
		    argv[0], max);
		goto fail;
	}
	if (!WIFEXITED(status)) {
		snprintf(err, errlen, "git %s was killed", argv[0]);
		goto fail;
	}
	if (WEXITSTATUS(status) != 0 && !quiet)
		relay_err(efd);
	close(efd);
	if (out != NULL) {
		buf[len] = '\0';
		*out = buf;
	}
	return WEXITSTATUS(status);
fail:
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	close(efd);
	free(buf);
	return -1;
}

int
pull_git(const char *top, char *const argv[], int in, char **out,
    size_t max, int quiet, char *err, size_t errlen)
{
	return git_run(top, argv, in, -1, out, max, quiet, err, errlen);
}

/* git prints one object id (and a newline): copy it; 0 or -1. */
static int
git_oid(const char *top, char *const argv[], char oid[BUNDLE_OID_HEX + 1])
{
	char	*out, err[256];
	size_t	 i;
	int	 rc;

	if ((rc = pull_git(top, argv, -1, &out, 256, 1, err,
	    sizeof(err))) != 0) {
		if (rc == -1)
			cli_warnx("%s", err);
		return -1;
	}
	for (i = 0; i < BUNDLE_OID_HEX; i++)
		if (!((out[i] >= '0' && out[i] <= '9') ||
		    (out[i] >= 'a' && out[i] <= 'f')))
			break;
	rc = i == BUNDLE_OID_HEX && out[i] == '\n' ? 0 : -1;
	if (rc == 0) {
		memcpy(oid, out, BUNDLE_OID_HEX);
		oid[BUNDLE_OID_HEX] = '\0';
	}
	free(out);
	return rc;
}

int
pull_haves(const char *top, const char *branch, char *err, size_t errlen)
{
	char	 oid[BUNDLE_OID_HEX + 1], ref[512];
	char	*head[] = { "rev-parse", "-q", "--verify", "HEAD^{commit}",
		    NULL };
	char	*tip[] = { "rev-parse", "-q", "--verify", ref, NULL };
	int	 fd;

	if ((fd = memfd_create("banger-pull-haves", MFD_CLOEXEC)) == -1) {
		snprintf(err, errlen, "memfd_create: %s", strerror(errno));
		return -1;
	}
	snprintf(ref, sizeof(ref), "refs/heads/%s^{commit}", branch);
	if (git_oid(top, head, oid) == 0)
		dprintf(fd, "%s\n", oid);
	if (git_oid(top, tip, oid) == 0)
		dprintf(fd, "%s\n", oid);
	if (lseek(fd, 0, SEEK_SET) == -1) {
		snprintf(err, errlen, "lseek: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Is refs/heads/<branch> checked out here or in another work tree? */
static int
branch_checked_out(const char *top, const char *branch)
{
	char	 line[600], err[256], *out;
	char	*wt[] = { "worktree", "list", "--porcelain", NULL };
	int	 busy;

	if (pull_git(top, wt, -1, &out, 1 << 20, 1, err, sizeof(err)) != 0)
		return 1;	/* cannot tell: as if it were */
	snprintf(line, sizeof(line), "\nbranch refs/heads/%s\n", branch);
	busy = strstr(out, line) != NULL ||
	    strncmp(out, line + 1, strlen(line + 1)) == 0;
	free(out);
	return busy;
}

/*
 * A branch whose tip is the snapshot of uncommitted changes an earlier
 * pull made (one parent, our subject) may move to oid when that parent
 * is in oid's history: only that snapshot is dropped (the reflog keeps
 * it), so pulling again from the same VM works.  A commit made on the
 * branch on the host is never such a tip.
 */
static int
snapshot_replaces(const char *top, const char *old, const char *oid)
{
	char	 spec[BUNDLE_OID_HEX + 4], parent[BUNDLE_OID_HEX + 1];
	char	 err[256], *out;
	char	*subj[] = { "show", "-s", "--no-show-signature",
		    "--format=%P%n%s", (char *)old, NULL };
	char	*par[] = { "rev-parse", "-q", "--verify", spec, NULL };
	char	*anc[] = { "merge-base", "--is-ancestor", parent, (char *)oid,
		    NULL };
	int	 ok;

	if (pull_git(top, subj, -1, &out, 4096, 1, err, sizeof(err)) != 0)
		return 0;
	ok = strlen(out) == BUNDLE_OID_HEX + 1 +
	    sizeof(PULL_SNAPSHOT_MSG) && out[BUNDLE_OID_HEX] == '\n' &&
	    strcmp(out + BUNDLE_OID_HEX + 1, PULL_SNAPSHOT_MSG "\n") == 0;
	free(out);
	snprintf(spec, sizeof(spec), "%s^1", old);
	return ok && git_oid(top, par, parent) == 0 &&
	    pull_git(top, anc, -1, NULL, 0, 1, err, sizeof(err)) == 0;
}

/*
 * May refs/heads/<branch> become oid: created, fast-forwarded, or a
 * snapshot replaced (snapshot_replaces()); never anything else.  Fills
 * old (zero_oid when the branch is new) and *what; 0 or -1.
 */
static int
branch_check(const char *top, const char *branch, const char *oid,
    char old[BUNDLE_OID_HEX + 1], const char **what, char *err,
    size_t errlen)
{
	char	 ref[512];
	char	*sym[] = { "symbolic-ref", "-q", "HEAD", NULL }, *out;
	char	*bsym[] = { "symbolic-ref", "-q", ref, NULL };
	char	*cur[] = { "rev-parse", "-q", "--verify", ref, NULL };
	char	*anc[] = { "merge-base", "--is-ancestor", old, (char *)oid,
		    NULL };
	int	 rc;

	snprintf(ref, sizeof(ref), "refs/heads/%s", branch);
	/* A symbolic ref would move the branch it names, unchecked. */
	if ((rc = pull_git(top, bsym, -1, &out, 1024, 1, err, errlen)) != -1)
		free(out);
	if (rc != 1) {
		if (rc != -1)
			snprintf(err, errlen, "%s is a symbolic ref; pull into "
			    "another branch (--branch)", branch);
		return -1;
	}
	/* Even an unborn HEAD: creating its branch would move it. */
	if (pull_git(top, sym, -1, &out, 1024, 1, err, errlen) == 0) {
		rc = strlen(out) == strlen(ref) + 1 &&
		    strncmp(out, ref, strlen(ref)) == 0;
		free(out);
		if (rc) {
			snprintf(err, errlen, "%s is the checked-out branch; "
			    "pull into another (--branch)", branch);
			return -1;
		}
	}
	if (branch_checked_out(top, branch)) {
		snprintf(err, errlen, "%s is checked out in a work tree; "
		    "pull into another branch (--branch)", branch);
		return -1;
	}
	if (git_oid(top, cur, old) == -1) {
		snprintf(old, BUNDLE_OID_HEX + 1, "%s", zero_oid);
		*what = "created";
	} else if (strcmp(old, oid) == 0)
		*what = "unchanged";
	else if (pull_git(top, anc, -1, NULL, 0, 1, err, errlen) == 0)
		*what = "updated";
	else if (snapshot_replaces(top, old, oid))
		*what = "updated (the previous snapshot of uncommitted changes "
		    "replaced)";
	else {
		snprintf(err, errlen, "%s exists and %.12s is not a "
		    "fast-forward of it; delete it (git branch -D %s) or pull "
		    "into another branch (--branch)", branch, oid, branch);
		return -1;
	}
	return 0;
}

/* rm -rf of the quarantine: it holds only what we and git made. */
static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void
quarantine_end(char *q)
{
	git_objdir = NULL;
	if (q[0] != '\0')
		nftw(q, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	q[0] = '\0';
}

/*
 * A private directory for the guest's objects, whose alternate is the
 * repository's object directory (C-quoted: any byte is fine).  Fills q
 * (PATH_MAX); 0 or -1.
 */
static int
quarantine_make(const char *top, char *q, size_t qlen, char *err,
    size_t errlen)
{
	char		 path[PATH_MAX + 32], *objs, *p;
	char		*gp[] = { "rev-parse", "--path-format=absolute",
			    "--git-path", "objects", NULL };
	const char	*tmp;
	FILE		*f;
	int		 rc;

	q[0] = '\0';
	if ((rc = pull_git(top, gp, -1, &objs, PATH_MAX, 0, err,
	    errlen)) != 0) {
		if (rc != -1)
			snprintf(err, errlen, "git rev-parse --git-path "
			    "objects failed");
		return -1;
	}
	if ((p = strchr(objs, '\n')) == NULL || p[1] != '\0' ||
	    objs[0] != '/') {
		snprintf(err, errlen, "git names no object directory");
		free(objs);
		return -1;
	}
	*p = '\0';
	tmp = getenv("TMPDIR") != NULL && getenv("TMPDIR")[0] == '/' ?
	    getenv("TMPDIR") : "/tmp";
	if ((size_t)snprintf(q, qlen, "%s/banger-pull-objects.XXXXXX", tmp) >=
	    qlen || mkdtemp(q) == NULL) {
		snprintf(err, errlen, "%s: %s", q, strerror(errno));
		q[0] = '\0';
		free(objs);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/info", q);
	rc = mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/pack", q);
	if (rc == -1 || mkdir(path, 0700) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(objs);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/info/alternates", q);
	if ((f = fopen(path, "wx")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(objs);
		return -1;
	}
	fputc('"', f);
	for (p = objs; *p != '\0'; p++)
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\%03o", (unsigned char)*p);
		else
			fputc(*p, f);
	fputs("\"\n", f);
	free(objs);
	if (fclose(f) == EOF) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	git_objdir = q;
	return 0;
}

/*
 * Out of the quarantine into the repository: the objects oid needs and
 * no ref reaches already, packed anew (so nothing else the guest sent
 * comes along) and indexed (checked again) into the repository.
 */
static int
quarantine_take(const char *top, const char *q, const char *oid, char *err,
    size_t errlen)
{
	char	 path[PATH_MAX + 32], *out;
	char	*list[] = { "rev-list", "--objects", "--no-object-names",
		    (char *)oid, "--not", "--all", NULL };
	char	*pack[] = { "pack-objects", "--stdout", "-q", NULL };
	char	*ipack[] = { "index-pack", "--strict", "--stdin", NULL };
	int	 lfd = -1, pfd = -1, rc = -1;
	off_t	 len;

	snprintf(path, sizeof(path), "%s/list", q);
	if ((lfd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (git_run(top, list, -1, lfd, NULL, 0, 0, err, errlen) != 0) {
		snprintf(err, errlen, "git rev-list of the new objects "
		    "failed");
		goto out;
	}
	if ((len = lseek(lfd, 0, SEEK_END)) == -1 ||
	    lseek(lfd, 0, SEEK_SET) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (len == 0) {		/* the repository has them all */
		rc = 0;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/new.pack", q);
	if ((pfd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (git_run(top, pack, lfd, pfd, NULL, 0, 0, err, errlen) != 0) {
		snprintf(err, errlen, "git pack-objects of the new objects "
		    "failed");
		goto out;
	}
	if (lseek(pfd, 0, SEEK_SET) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	/* The repository's own object directory from here on. */
	git_objdir = NULL;
	if ((rc = pull_git(top, ipack, pfd, &out, 4096, 0, err,
	    errlen)) != 0) {
		if (rc != -1)
			snprintf(err, errlen, "git index-pack of the new "
			    "objects failed");
		rc = -1;
		goto out;
	}
	free(out);
out:
	if (lfd != -1)
		close(lfd);
	if (pfd != -1)
		close(pfd);
	return rc;
}

/* The checks of the bundle at fd (run in the quarantine); fills oid. */
static int
bundle_check(const char *top, int fd, char oid[BUNDLE_OID_HEX + 1],
    char *err, size_t errlen)
{
	struct bundle_hdr h;
	char		 path[64], why[512], *out;
	char		*hdr;
	char		*verify[] = { "bundle", "verify", "-q", path, NULL };
	char		*heads[] = { "bundle", "list-heads", path, NULL };
	char		*ipack[] = { "index-pack", "--strict", "--fix-thin",
			    "--stdin", NULL };
	char		*type[] = { "cat-file", "-t", oid, NULL };
	char		*conn[] = { "rev-list", "--objects", "--quiet", oid,
			    "--not", "--all", NULL };
	ssize_t		 n;
	int		 pfd, rc;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	/* Our own reading first: one format, exactly our ref. */
	if ((hdr = malloc(BUNDLE_HDR_MAX)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((n = pread(fd, hdr, BUNDLE_HDR_MAX, 0)) < 0)
		n = 0;
	rc = bundle_hdr_parse(hdr, (size_t)n, PULL_REF, &h, why,
	    sizeof(why));
	free(hdr);
	if (rc == -1) {
		snprintf(err, errlen, "refused the guest's bundle: %s", why);
		return -1;
	}
	if ((rc = pull_git(top, verify, -1, &out, 1 << 16, 0, err,
	    errlen)) != 0) {
		if (rc != -1)
			snprintf(err, errlen, "refused the guest's bundle: "
			    "git bundle verify failed");
		return -1;
	}
	free(out);
	if ((rc = pull_git(top, heads, -1, &out, BUNDLE_HEADS_MAX, 0, err,
	    errlen)) != 0) {
		if (rc != -1)
			snprintf(err, errlen, "refused the guest's bundle: "
			    "git bundle list-heads failed");
		return -1;
	}
	rc = bundle_heads_parse(out, strlen(out), PULL_REF, oid, why,
	    sizeof(why));
	free(out);
	if (rc == -1 || strcmp(oid, h.oid) != 0) {
		snprintf(err, errlen, "refused the guest's bundle: %s",
		    rc == -1 ? why : "git and banger read different refs");
		return -1;
	}
	/* Its own offset: index-pack reads the pack alone. */
	if ((pfd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    lseek(pfd, (off_t)h.pack_off, SEEK_SET) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (pfd != -1)
			close(pfd);
		return -1;
	}
	rc = pull_git(top, ipack, pfd, &out, 4096, 0, err, errlen);
	close(pfd);
	if (rc != 0) {
		if (rc != -1)
			snprintf(err, errlen, "refused the guest's bundle: "
			    "its objects do not pass git index-pack --strict");
		return -1;
	}
	free(out);
	if ((rc = pull_git(top, type, -1, &out, 64, 1, err, errlen)) != 0 ||
	    strcmp(out, "commit\n") != 0) {
		if (rc == 0)
			free(out);
		snprintf(err, errlen, "refused the guest's bundle: its ref "
		    "does not name a commit");
		return -1;
	}
	free(out);
	if (pull_git(top, conn, -1, NULL, 0, 0, err, errlen) != 0) {
		snprintf(err, errlen, "refused the guest's bundle: the "
		    "history of %.12s is incomplete", oid);
		return -1;
	}
	return 0;
}

int
pull_import(const char *top, int fd, const char *branch, const char **what,
    char *err, size_t errlen)
{
	char	 q[PATH_MAX], ref[512], msg[64];
	char	 oid[BUNDLE_OID_HEX + 1], old[BUNDLE_OID_HEX + 1];
	char	*upd[] = { "update-ref", "--no-deref", "-m", msg, ref, oid,
		    old, NULL };

	if (quarantine_make(top, q, sizeof(q), err, errlen) == -1) {
		quarantine_end(q);
		return -1;
	}
	if (bundle_check(top, fd, oid, err, errlen) == -1 ||
	    branch_check(top, branch, oid, old, what, err, errlen) == -1) {
		quarantine_end(q);
		return -1;
	}
	if (strcmp(old, oid) == 0) {
		quarantine_end(q);
		return 0;
	}
	if (quarantine_take(top, q, oid, err, errlen) == -1) {
		quarantine_end(q);
		return -1;
	}
	quarantine_end(q);
	snprintf(ref, sizeof(ref), "refs/heads/%s", branch);
	snprintf(msg, sizeof(msg), "banger vm pull");
	/* update-ref checks old atomically: a race loses, never clobbers. */
	if (pull_git(top, upd, -1, NULL, 0, 0, err, errlen) != 0) {
		snprintf(err, errlen, "git update-ref %s failed", ref);
		return -1;
	}
	return 0;
}

int
pull_diffstat(const char *top, const char *branch)
{
	char	 range[600], err[256];
	char	*head[] = { "rev-parse", "-q", "--verify", "HEAD^{commit}",
		    NULL };
	char	*diff[] = { "diff", "--stat", "--no-ext-diff", "--no-textconv",
		    "--no-renames", range, "--", NULL };
	char	 oid[BUNDLE_OID_HEX + 1];

	if (git_oid(top, head, oid) == -1) {
		printf("(no diffstat: the repository has no HEAD commit)\n");
		return 0;
	}
	snprintf(range, sizeof(range), "HEAD...refs/heads/%s", branch);
	fflush(stdout);
	if (pull_git(top, diff, -1, NULL, 0, 0, err, sizeof(err)) != 0) {
		cli_warnx("git diff --stat %s failed", range);
		return -1;
	}
	return 0;
}
