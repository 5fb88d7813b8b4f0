/*
 * Local checks for `banger doctor`.  None of them talks to bangerd or
 * changes anything: doctor must work when nothing else does.
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <linux/landlock.h>

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
#include "findexec.h"
#include "config.h"
#include "cred.h"
#include "doctor.h"
#include "fdutil.h"
#include "paths.h"
#include "priv-wrap.h"

#define QEMU_BIN	"qemu-system-x86_64"
#define DISK_WARN	(2ULL * 1024 * 1024 * 1024)

void
set_check(struct check *c, enum check_status st, const char *fmt, ...)
{
	va_list	 ap;

	c->status = st;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
}

void
hint_check(struct check *c, const char *fmt, ...)
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
		set_check(c, CHK_FAIL, "uname: %s", strerror(errno));
		return;
	}
	if (strcmp(u.machine, "x86_64") == 0)
		set_check(c, CHK_OK, "host is x86_64");
	else {
		set_check(c, CHK_FAIL, "host is %s; banger's guests are x86_64",
		    u.machine);
		hint_check(c, "run banger on an x86_64 host");
	}
}

/* banger-fetch confines its writes with Landlock and refuses to run without. */
void
check_landlock(struct check *c)
{
	long	 abi;

	c->name = "landlock";
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi >= 1)
		set_check(c, CHK_OK, "available (ABI %ld): banger-fetch can sandbox "
		    "itself", abi);
	else {
		set_check(c, CHK_FAIL, "not available (%s): banger-fetch refuses to "
		    "build disks without it", strerror(errno));
		hint_check(c, "use a kernel with CONFIG_SECURITY_LANDLOCK=y and "
		    "landlock in lsm= (Linux 5.13 or later)");
	}
}

void
check_kvm(struct check *c)
{
	char	 reason[512];

	c->name = "kvm";
	if (accel_choose(reason, sizeof(reason)) == ACCEL_KVM)
		set_check(c, CHK_OK, "%s", reason);
	else {
		set_check(c, CHK_WARN, "%s", reason);
		hint_check(c, "VMs still work, under TCG emulation (slower)");
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

	const struct doctor_config *dc = doctor_config();

	c->name = "qemu";
	if (env != NULL && env[0] != '\0')
		snprintf(path, sizeof(path), "%s", env);
	else if (dc->cfg.qemu_bin[0] != '\0') {
		snprintf(path, sizeof(path), "%s", dc->cfg.qemu_bin);
		if (access(path, X_OK) == -1) {
			set_check(c, CHK_FAIL, "qemu_bin %s (config.toml:%u): %s",
			    path, dc->cfg.line[CONFIG_K_QEMU_BIN],
			    strerror(errno));
			hint_check(c, "fix qemu_bin in %s or remove it to search "
			    "PATH", dc->file);
			return;
		}
	} else if (find_exec(NULL, QEMU_BIN, path, sizeof(path)) == -1) {
		set_check(c, CHK_FAIL, "%s not found in PATH", QEMU_BIN);
		hint_check(c, "install it (Debian: apt install qemu-system-x86) "
		    "or set BANGER_QEMU");
		return;
	}
	if (qemu_version(path, ver, sizeof(ver)) == -1) {
		set_check(c, CHK_FAIL, "%s --version failed", path);
		hint_check(c, "check the QEMU installation");
		return;
	}
	set_check(c, CHK_OK, "%s: %s", path, ver);
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
		set_check(c, CHK_FAIL, "%s: %s", path, strerror(errno));
		hint_check(c, "install banger: sudo make install");
		return;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & S_ISUID) == 0) {
		set_check(c, CHK_FAIL, "%s is not a setuid-root program", path);
		hint_check(c, "sudo chown root:root %s && sudo chmod 4755 %s", path,
		    path);
		return;
	}
	set_check(c, CHK_OK, "%s is installed setuid root", path);
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
		set_check(c, CHK_FAIL, "%s: %s", path, strerror(errno));
		hint_check(c, "install banger: sudo make install");
		return;
	}
	if (priv_spawn(path, &sock, &errfd, &pid) != 0) {
		set_check(c, CHK_FAIL, "cannot start %s: %s", path,
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
		set_check(c, CHK_OK, "%s accepts uid %u", path, (unsigned)getuid());
		return;
	}
	/* First line of what the helper said, printable characters only. */
	if ((nl = strchr(msg, '\n')) != NULL)
		*nl = '\0';
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	set_check(c, CHK_FAIL, "%s refused to start: %s", path,
	    msg[0] ? msg : "no reason given");
	hint_check(c, "an administrator can allow you in %s/priv.conf "
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
			set_check(c, CHK_FAIL, "%s", err);
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
		set_check(c, CHK_OK, "guest kernel and initrd.img in %s", dir);
		return;
	}
	set_check(c, CHK_FAIL, "%s lacks %s%s%s", dir,
	    kernel ? "" : "a kernel (vmlinuz or vmlinux)",
	    !kernel && !initrd ? " and " : "", initrd ? "" : "initrd.img");
	hint_check(c, "build and install the image (make images && sudo make "
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
		set_check(c, CHK_FAIL, "%s", err);
		return;
	}
	/* The state dir may not exist yet: ask its nearest ancestor. */
	snprintf(dir, sizeof(dir), "%s", p.state_dir);
	while (statvfs(dir, &vfs) == -1) {
		if ((slash = strrchr(dir, '/')) == NULL || slash == dir) {
			snprintf(dir, sizeof(dir), "/");
			if (statvfs(dir, &vfs) == -1) {
				set_check(c, CHK_FAIL, "statvfs: %s",
				    strerror(errno));
				return;
			}
			break;
		}
		*slash = '\0';
	}
	free_b = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
	if (free_b < DISK_WARN) {
		set_check(c, CHK_WARN, "%.1f GiB free for %s", free_b / 1073741824.0,
		    p.state_dir);
		hint_check(c, "each VM needs room for its disks; free some space");
	} else
		set_check(c, CHK_OK, "%.1f GiB free for %s", free_b / 1073741824.0,
		    p.state_dir);
}

void
check_daemon(struct check *c)
{
	struct paths	 p;
	char		 err[512];

	c->name = "daemon";
	if (paths_init(&p, err, sizeof(err)) == -1) {
		set_check(c, CHK_INFO, "%s", err);
		return;
	}
	if (paths_check_private(p.runtime_dir, getuid(), err,
	    sizeof(err)) == -1)
		set_check(c, CHK_FAIL, "%s", err);
	else if (client_probe(p.sock))
		set_check(c, CHK_INFO, "bangerd is running (%s)", p.sock);
	else
		set_check(c, CHK_INFO, "bangerd is not running; banger starts it "
		    "when needed");
}

const struct doctor_config *
doctor_config(void)
{
	static struct doctor_config	 dc;
	struct paths			 p;

	if (dc.loaded)
		return &dc;
	dc.loaded = 1;
	config_init(&dc.cfg);
	if (paths_init(&p, dc.err, sizeof(dc.err)) == 0) {
		snprintf(dc.file, sizeof(dc.file), "%s", p.config_file);
		dc.valid = config_load(p.config_file, getenv("HOME"), &dc.cfg,
		    dc.err, sizeof(dc.err)) == 0;
	}
	config_effective_host(&dc.cfg, &dc.eff);
	return &dc;
}

void
check_config(struct check *c)
{
	const struct doctor_config	*dc = doctor_config();
	size_t				 i, n = 0;
	char				 shown[1024];

	c->name = "config";
	if (!dc->valid) {
		escape_ctl(dc->err, shown, sizeof(shown));
		set_check(c, CHK_FAIL, "%s", shown);
		hint_check(c, "fix the file; until then none of its settings are "
		    "used");
		return;
	}
	if (!dc->cfg.present) {
		set_check(c, CHK_INFO, "no %s; using defaults", dc->file);
		return;
	}
	for (i = 0; i < CONFIG_NKEYS; i++)
		n += dc->cfg.line[i] != 0;
	/* Loading never looks at the disk; a sync source may be gone. */
	for (i = 0; i < dc->cfg.nsync; i++)
		if (access(dc->cfg.sync[i].host, R_OK) == -1) {
			set_check(c, CHK_WARN, "%s:%u: file_sync host %s: %s",
			    dc->file, dc->cfg.sync[i].line,
			    dc->cfg.sync[i].host, strerror(errno));
			hint_check(c, "create it or remove the entry");
			return;
		}
	set_check(c, CHK_OK, "%s: %zu setting%s, %zu file_sync entr%s", dc->file,
	    n, n == 1 ? "" : "s", dc->cfg.nsync, dc->cfg.nsync == 1 ? "y" :
	    "ies");
}

/* " (config.toml:7)" or " (built-in)" after a value. */
static const char *
from(const struct doctor_config *dc, enum config_source src,
    enum config_key k, char *buf, size_t len)
{
	if (src == CONFIG_SRC_CONFIG)
		snprintf(buf, len, "config.toml:%u", dc->cfg.line[k]);
	else
		snprintf(buf, len, "%s", config_source_name(src));
	return buf;
}

/*
 * Which VMM bangerd will use, by the same rule it applies at start:
 * vmm = "auto" takes Firecracker when its binary is found and KVM can run
 * the guest, else QEMU.
 */
/* Where the firecracker binary is ("" if nowhere) and whether it runs. */
static int
firecracker_found(const struct doctor_config *dc, char *fc, size_t len)
{
	const char	*env = getenv("BANGER_FIRECRACKER");

	if (env != NULL && env[0] != '\0')
		snprintf(fc, len, "%s", env);
	else if (dc->cfg.firecracker_bin[0] != '\0')
		snprintf(fc, len, "%s", dc->cfg.firecracker_bin);
	else if (find_exec(NULL, "firecracker", fc, len) == -1)
		fc[0] = '\0';
	return fc[0] != '\0' && access(fc, X_OK) == 0;
}

void
check_vmm(struct check *c)
{
	const struct doctor_config	*dc = doctor_config();
	enum config_source		 src;
	char				 f[64], fc[PATH_MAX], why[512];
	int				 have_fc, kvm;

	c->name = "vmm";
	src = dc->cfg.line[CONFIG_K_VMM] ? CONFIG_SRC_CONFIG :
	    CONFIG_SRC_BUILTIN;
	from(dc, src, CONFIG_K_VMM, f, sizeof(f));
	have_fc = firecracker_found(dc, fc, sizeof(fc));
	kvm = accel_choose(why, sizeof(why)) == ACCEL_KVM;
	if (dc->cfg.vmm == CONFIG_VMM_QEMU) {
		set_check(c, CHK_OK, "qemu (%s)", f);
		return;
	}
	if (dc->cfg.vmm == CONFIG_VMM_FIRECRACKER && !have_fc) {
		set_check(c, CHK_FAIL, "firecracker (%s), but no firecracker binary "
		    "was found", f);
		hint_check(c, "install Firecracker and set firecracker_bin, or set "
		    "vmm = \"auto\"");
		return;
	}
	if (dc->cfg.vmm == CONFIG_VMM_FIRECRACKER && !kvm) {
		set_check(c, CHK_FAIL, "firecracker (%s) needs KVM: %s", f, why);
		hint_check(c, "set vmm = \"qemu\" or \"auto\" on this host");
		return;
	}
	if (have_fc && kvm) {
		/* Said plainly: see docs/firecracker.md. */
		set_check(c, CHK_WARN, "%s (%s): firecracker at %s; banger's "
		    "Firecracker driver is verified against Firecracker's API "
		    "spec and a fake API server in its tests, not yet against "
		    "a real Firecracker", dc->cfg.vmm == CONFIG_VMM_AUTO ?
		    "auto" : "firecracker", f, fc);
		hint_check(c, "set vmm = \"qemu\" to use QEMU instead");
		return;
	}
	set_check(c, CHK_OK, "auto (%s): qemu (firecracker: %s)", f, !have_fc ?
	    "no binary found" : "KVM cannot run the guest here");
}

/* Which copy-on-write root full-image VMs get; bangerd/rootdisk.c. */
void
check_rootdisk(struct check *c)
{
	const struct doctor_config	*dc = doctor_config();
	char				 fc[PATH_MAX], why[512];
	int				 fcvm;

	c->name = "root disks";
	fcvm = dc->cfg.vmm == CONFIG_VMM_FIRECRACKER ||
	    (dc->cfg.vmm == CONFIG_VMM_AUTO && firecracker_found(dc, fc,
	    sizeof(fc)) && accel_choose(why, sizeof(why)) == ACCEL_KVM);
	if (fcvm)
		set_check(c, CHK_INFO, "overlay in the guest (Firecracker VMs always "
		    "get it)");
	else if (access("/dev/mapper/control", F_OK) == 0) {
		set_check(c, CHK_WARN, "device-mapper snapshots made by banger-priv; "
		    "this path is unit-tested and run up to the device-mapper "
		    "call in banger's tests, not yet end to end");
		hint_check(c, "set dm_snapshots false in %s to use the overlay "
		    "instead", BANGER_SYSCONFDIR "/priv.conf");
	} else
		set_check(c, CHK_INFO, "overlay in the guest: this kernel has no "
		    "device-mapper (/dev/mapper/control)");
}

void
check_vm_defaults(struct check *c)
{
	const struct doctor_config	*dc = doctor_config();
	const struct vm_defaults_eff	*e = &dc->eff;
	char				 f1[64], f2[64], f3[64];

	c->name = "vm defaults";
	set_check(c, CHK_INFO, "%s%d vCPU (%s), %u MiB memory (%s), %llu MiB disk "
	    "(%s)", dc->valid ? "" : "config.toml ignored: ", e->vcpu,
	    from(dc, e->vcpu_src, CONFIG_K_VCPU, f1, sizeof(f1)),
	    e->memory_mib, from(dc, e->memory_src, CONFIG_K_MEMORY_MIB, f2,
	    sizeof(f2)), e->disk_mib, from(dc, e->disk_src,
	    CONFIG_K_DISK_SIZE, f3, sizeof(f3)));
}

/* What a new VM's egress policy is when the command does not say. */
void
check_egress(struct check *c)
{
	const struct doctor_config	*dc = doctor_config();
	char				 list[EGRESS_ALLOW_MAX *
					    (EGRESS_PATTERN_MAX + 2)] = "";
	char				 f[64];
	size_t				 i, off = 0;

	c->name = "egress default";
	for (i = 0; i < dc->cfg.nallow; i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
		    i == 0 ? ": " : ", ", dc->cfg.allow[i]);
	set_check(c, CHK_INFO, "%s%s%s (%s); per VM: --egress, --allow, banger vm "
	    "egress", dc->valid ? "" : "config.toml ignored: ",
	    egress_mode_name(dc->cfg.egress), dc->cfg.egress ==
	    EGRESS_ALLOWLIST ? (list[0] != '\0' ? list : " (.vm names "
	    "only)") : "", from(dc, dc->cfg.line[CONFIG_K_EGRESS] != 0 ?
	    CONFIG_SRC_CONFIG : CONFIG_SRC_BUILTIN, CONFIG_K_EGRESS, f,
	    sizeof(f)));
}

void
check_ssh_key(struct check *c)
{
	const struct doctor_config	*dc = doctor_config();
	const char			*k = dc->cfg.ssh_key_path;
	struct stat			 st;
	unsigned			 line = dc->cfg.line[CONFIG_K_SSH_KEY_PATH];

	c->name = "ssh key";
	if (k[0] == '\0') {
		set_check(c, CHK_INFO, "ssh_key_path not set (built-in default)");
		return;
	}
	if (stat(k, &st) == -1 || access(k, R_OK) == -1) {
		set_check(c, CHK_WARN, "%s (config.toml:%u): %s", k, line,
		    strerror(errno));
		hint_check(c, "create it (ssh-keygen -t ed25519 -f %s) or fix "
		    "ssh_key_path", k);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		set_check(c, CHK_WARN, "%s (config.toml:%u): not a regular file", k,
		    line);
		return;
	}
	/* ssh itself refuses private keys others can read. */
	if ((st.st_mode & 077) != 0) {
		set_check(c, CHK_WARN, "%s (config.toml:%u): mode %04o; ssh refuses "
		    "keys others can read", k, line, st.st_mode & 07777);
		hint_check(c, "chmod 600 %s", k);
		return;
	}
	set_check(c, CHK_OK, "%s (config.toml:%u)", k, line);
}

/*
 * config.toml's credentials: for each one listed, whether bangerd will
 * be able to copy it at the next start (cred.c's checks) and its size.
 * A missing or refused file is a warning: the start goes on without it.
 */
void
check_credentials(struct check *c)
{
	const struct doctor_config	*dc = doctor_config();
	const char			*home = getenv("HOME");
	char				 why[PATH_MAX + 128], shown[1024];
	uint64_t			 size;
	size_t				 i, off = 0;
	int				 fd, r, bad = 0;

	c->name = "credentials";
	if (dc->cfg.creds == 0) {
		set_check(c, CHK_INFO, "none copied into VMs%s (config.toml "
		    "credentials lists them)", dc->valid ? "" :
		    ": config.toml ignored");
		return;
	}
	shown[0] = '\0';
	for (i = 0; i < CRED_COUNT; i++) {
		if (!(dc->cfg.creds & (1u << i)))
			continue;
		r = cred_open(home, i, &fd, &size, why, sizeof(why));
		if (r == CRED_OK) {
			close(fd);
			snprintf(why, sizeof(why), "~/%s, %llu bytes",
			    cred_table[i].path, (unsigned long long)size);
		} else
			bad = 1;
		off += (size_t)snprintf(shown + off, sizeof(shown) - off,
		    "%s%s (%s%s)", off == 0 ? "" : "; ", cred_table[i].name,
		    r == CRED_REFUSED ? "refused: " : r == CRED_MISSING ?
		    "missing: " : "", why);
		if (off >= sizeof(shown))
			off = sizeof(shown) - 1;
	}
	set_check(c, bad ? CHK_WARN : CHK_OK, "%s (config.toml:%u)", shown,
	    dc->cfg.line[CONFIG_K_CREDENTIALS]);
	if (bad)
		hint_check(c, "a VM start copies the others and warns; log in "
		    "with the tool on this host, or fix or unlist the file");
}
