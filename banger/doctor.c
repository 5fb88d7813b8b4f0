/*
 * Local checks for `banger doctor`.  None of them talks to bangerd or
 * changes anything: doctor must work when nothing else does.
 */
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accel.h"
#include "banger.h"
#include "doctor.h"
#include "fdutil.h"
#include "paths.h"
#include "priv-wrap.h"

#define QEMU_BIN	"qemu-system-x86_64"
#define DISK_WARN	(2ULL * 1024 * 1024 * 1024)

static void	set(struct check *, enum check_status, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	hint(struct check *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
set(struct check *c, enum check_status st, const char *fmt, ...)
{
	va_list	 ap;

	c->status = st;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
}

static void
hint(struct check *c, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(c->hint, sizeof(c->hint), fmt, ap);
	va_end(ap);
}

const char *
check_label(enum check_status st)
{
	switch (st) {
	case CHK_OK:
		return "ok";
	case CHK_INFO:
		return "info";
	case CHK_WARN:
		return "warn";
	default:
		return "fail";
	}
}

void
check_arch(struct check *c)
{
	struct utsname	 u;

	c->name = "arch";
	if (uname(&u) == -1) {
		set(c, CHK_FAIL, "uname: %s", strerror(errno));
		return;
	}
	if (strcmp(u.machine, "x86_64") == 0)
		set(c, CHK_OK, "host is x86_64");
	else {
		set(c, CHK_FAIL, "host is %s; banger's guests are x86_64",
		    u.machine);
		hint(c, "run banger on an x86_64 host");
	}
}

void
check_kvm(struct check *c)
{
	char	 reason[512];

	c->name = "kvm";
	if (accel_choose(reason, sizeof(reason)) == ACCEL_KVM)
		set(c, CHK_OK, "%s", reason);
	else {
		set(c, CHK_WARN, "%s", reason);
		hint(c, "VMs still work, under TCG emulation (slower)");
	}
}

/* Find name in $PATH; returns 0 with the full path in out. */
static int
path_search(const char *name, char *out, size_t outlen)
{
	const char	*path = getenv("PATH"), *p, *colon;
	size_t		 len;
	int		 n;

	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; ; p = colon + 1) {
		colon = strchr(p, ':');
		len = colon != NULL ? (size_t)(colon - p) : strlen(p);
		n = snprintf(out, outlen, "%.*s/%s", (int)len,
		    len > 0 ? p : ".", name);
		if (len == 0)
			n = snprintf(out, outlen, "./%s", name);
		if (n > 0 && (size_t)n < outlen && access(out, X_OK) == 0)
			return 0;
		if (colon == NULL)
			return -1;
	}
}

/* First line of `path --version`, or -1. */
static int
qemu_version(const char *path, char *out, size_t outlen)
{
	char	 buf[512], *nl;
	int	 p[2], status, null;
	ssize_t	 n, off = 0;
	pid_t	 pid;

	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		if ((null = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(null, 0) == -1 || dup2(p[1], 1) == -1 ||
		    dup2(null, 2) == -1)
			_exit(127);
		execl(path, path, "--version", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while ((size_t)off < sizeof(buf) - 1 &&
	    ((n = read(p[0], buf + off, sizeof(buf) - 1 - off)) > 0 ||
	    (n == -1 && errno == EINTR)))
		if (n > 0)
			off += n;
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	buf[off] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || off == 0)
		return -1;
	if ((nl = strchr(buf, '\n')) != NULL)
		*nl = '\0';
	escape_ctl(buf, out, outlen);
	return 0;
}

void
check_qemu(struct check *c)
{
	const char	*env = getenv("BANGER_QEMU");
	char		 path[PATH_MAX], ver[512];

	c->name = "qemu";
	if (env != NULL && env[0] != '\0')
		snprintf(path, sizeof(path), "%s", env);
	else if (path_search(QEMU_BIN, path, sizeof(path)) == -1) {
		set(c, CHK_FAIL, "%s not found in PATH", QEMU_BIN);
		hint(c, "install it (Debian: apt install qemu-system-x86) "
		    "or set BANGER_QEMU");
		return;
	}
	if (qemu_version(path, ver, sizeof(ver)) == -1) {
		set(c, CHK_FAIL, "%s --version failed", path);
		hint(c, "check the QEMU installation");
		return;
	}
	set(c, CHK_OK, "%s: %s", path, ver);
}

void
check_priv(struct check *c)
{
	const char	*env = getenv("BANGER_PRIV");
	char		 path[PATH_MAX];
	struct stat	 st;

	c->name = "banger-priv";
	if (env != NULL && env[0] != '\0')
		snprintf(path, sizeof(path), "%s", env);
	else
		snprintf(path, sizeof(path), "%s/banger-priv",
		    BANGER_LIBEXECDIR);
	if (stat(path, &st) == -1) {
		set(c, CHK_FAIL, "%s: %s", path, strerror(errno));
		hint(c, "install banger: sudo make install");
		return;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & S_ISUID) == 0) {
		set(c, CHK_FAIL, "%s is not a setuid-root program", path);
		hint(c, "sudo chown root:root %s && sudo chmod 4755 %s", path,
		    path);
		return;
	}
	set(c, CHK_OK, "%s is installed setuid root", path);
}

/*
 * Ask the helper itself: start it exactly as bangerd would and close its
 * socket at once.  It checks the policy file, this user and its lease file
 * at start-up, then sees EOF and exits 0; a refusal is its message.
 */
void
check_permitted(struct check *c)
{
	const char	*env = getenv("BANGER_PRIV");
	char		 path[PATH_MAX], msg[512], *nl;
	size_t		 got = 0, i;
	ssize_t		 n;
	int		 sock, errfd, status;
	pid_t		 pid;

	c->name = "permitted";
	if (env != NULL && env[0] != '\0')
		snprintf(path, sizeof(path), "%s", env);
	else
		snprintf(path, sizeof(path), "%s/banger-priv",
		    BANGER_LIBEXECDIR);
	if (access(path, X_OK) == -1) {
		set(c, CHK_FAIL, "%s: %s", path, strerror(errno));
		hint(c, "install banger: sudo make install");
		return;
	}
	if (priv_spawn(path, &sock, &errfd, &pid) != 0) {
		set(c, CHK_FAIL, "cannot start %s: %s", path,
		    strerror(errno));
		return;
	}
	close(sock);
	while (got < sizeof(msg) - 1 &&
	    (n = read(errfd, msg + got, sizeof(msg) - 1 - got)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			break;
		got += n;
	}
	msg[got] = '\0';
	close(errfd);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		set(c, CHK_OK, "%s accepts uid %u", path, (unsigned)getuid());
		return;
	}
	/* First line of what the helper said, printable characters only. */
	if ((nl = strchr(msg, '\n')) != NULL)
		*nl = '\0';
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	set(c, CHK_FAIL, "%s refused to start: %s", path,
	    msg[0] ? msg : "no reason given");
	hint(c, "an administrator can allow you in %s/priv.conf "
	    "(allow_users or allow_groups)", BANGER_SYSCONFDIR);
}

static int
is_dir(const char *p)
{
	struct stat	 st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
has_file(const char *dir, const char *name)
{
	char		 p[PATH_MAX];
	struct stat	 st;

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, name) >= sizeof(p))
		return 0;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

void
check_image(struct check *c)
{
	const char	*env = getenv("BANGER_IMAGE_DIR");
	struct paths	 p;
	char		 dir[PATH_MAX], err[256];
	int		 kernel, initrd;

	c->name = "image";
	if (env != NULL && env[0] != '\0')
		snprintf(dir, sizeof(dir), "%s", env);
	else {
		if (paths_init(&p, err, sizeof(err)) == -1) {
			set(c, CHK_FAIL, "%s", err);
			return;
		}
		if ((size_t)snprintf(dir, sizeof(dir), "%s/default",
		    p.images_dir) >= sizeof(dir) || !is_dir(dir))
			snprintf(dir, sizeof(dir), "%s/images",
			    BANGER_DATADIR);
	}
	kernel = has_file(dir, "vmlinuz") || has_file(dir, "vmlinux");
	initrd = has_file(dir, "initrd.img");
	if (kernel && initrd) {
		set(c, CHK_OK, "guest kernel and initrd.img in %s", dir);
		return;
	}
	set(c, CHK_FAIL, "%s lacks %s%s%s", dir,
	    kernel ? "" : "a kernel (vmlinuz or vmlinux)",
	    !kernel && !initrd ? " and " : "", initrd ? "" : "initrd.img");
	hint(c, "build and install the image (make images && sudo make "
	    "install), or set BANGER_IMAGE_DIR");
}

void
check_disk(struct check *c)
{
	struct paths	 p;
	struct statvfs	 vfs;
	char		 dir[PATH_MAX], err[256], *slash;
	unsigned long long free_b;

	c->name = "disk";
	if (paths_init(&p, err, sizeof(err)) == -1) {
		set(c, CHK_FAIL, "%s", err);
		return;
	}
	/* The state dir may not exist yet: ask its nearest ancestor. */
	snprintf(dir, sizeof(dir), "%s", p.state_dir);
	while (statvfs(dir, &vfs) == -1) {
		if ((slash = strrchr(dir, '/')) == NULL || slash == dir) {
			snprintf(dir, sizeof(dir), "/");
			if (statvfs(dir, &vfs) == -1) {
				set(c, CHK_FAIL, "statvfs: %s",
				    strerror(errno));
				return;
			}
			break;
		}
		*slash = '\0';
	}
	free_b = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
	if (free_b < DISK_WARN) {
		set(c, CHK_WARN, "%.1f GiB free for %s", free_b / 1073741824.0,
		    p.state_dir);
		hint(c, "each VM needs room for its disks; free some space");
	} else
		set(c, CHK_OK, "%.1f GiB free for %s", free_b / 1073741824.0,
		    p.state_dir);
}

void
check_daemon(struct check *c)
{
	struct paths	 p;
	char		 err[256];

	c->name = "daemon";
	if (paths_init(&p, err, sizeof(err)) == -1) {
		set(c, CHK_INFO, "%s", err);
		return;
	}
	if (client_probe(p.sock))
		set(c, CHK_INFO, "bangerd is running (%s)", p.sock);
	else
		set(c, CHK_INFO, "bangerd is not running; banger starts it "
		    "when needed");
}
