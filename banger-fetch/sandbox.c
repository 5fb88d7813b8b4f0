/*
 * banger-fetch's confinement: no_new_privs, and a Landlock ruleset that
 * lets it write only below its job directories.  Jobs that read the
 * user's files (a workspace, a registered root) may read anywhere; a
 * pull, which handles a registry's bytes, also reads only the system's
 * files, its own directories and what it is given, and connects only to
 * the ports it needs.  The launcher's seccomp filter is inherited.  A
 * kernel without Landlock is an error, not a silent pass.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/landlock.h>

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fetch.h"

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)	/* Linux 6.2, ABI 3 */
#endif

/*
 * Landlock's network rights (Linux 6.7, ABI 4) postdate Debian 12's
 * kernel headers: the kernel's ABI, spelt out.  A bigger ruleset
 * attribute with the new field zero is accepted by older kernels.
 */
struct ruleset_attr {
	uint64_t	 handled_access_fs;
	uint64_t	 handled_access_net;
};
struct net_port_attr {
	uint64_t	 allowed_access;
	uint64_t	 port;
};
#define RULE_NET_PORT		2
#define ACCESS_NET_BIND_TCP	(1ULL << 0)
#define ACCESS_NET_CONNECT_TCP	(1ULL << 1)

/* The rights a rule on a file (not a directory) may carry. */
#define FILE_ACCESS	(LANDLOCK_ACCESS_FS_EXECUTE | \
	LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE | \
	LANDLOCK_ACCESS_FS_TRUNCATE)

#define WRITE_ACCESS	(LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE | \
	LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | \
	LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | \
	LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK | \
	LANDLOCK_ACCESS_FS_MAKE_SYM)

int
sandbox_fetch(const char *writable, char *err, size_t errlen)
{
	const char		*dirs[] = { writable, NULL };
	struct fetch_confine	 fc = { dirs, NULL, NULL, 0 };

	return sandbox_fetch_confine(&fc, err, errlen);
}

/*
 * Landlock's network rights (ABI 4, Linux 6.7): with ports, TCP connect
 * only to those and no TCP bind at all.  A kernel without them cannot
 * limit the job's network: said in its log, not fatal (the seccomp
 * filter and the unprivileged user still hold).
 */
static int
net_rules(int rfd, const uint16_t *ports, size_t nports, char *err,
    size_t errlen)
{
	struct net_port_attr		 np;
	size_t				 i;

	for (i = 0; i < nports; i++) {
		memset(&np, 0, sizeof(np));
		np.allowed_access = ACCESS_NET_CONNECT_TCP;
		np.port = ports[i];
		if (syscall(SYS_landlock_add_rule, rfd, RULE_NET_PORT,
		    &np, 0) == -1) {
			snprintf(err, errlen, "landlock port rule: %s",
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * access beneath path (its target, if a link); a file gets only the
 * rights a file can have.  0 also when path is absent and optional.
 */
static int
path_rule(int rfd, const char *path, uint64_t access, int optional,
    char *err, size_t errlen)
{
	struct landlock_path_beneath_attr pb;
	struct stat			 st;
	int				 fd;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		if (fd != -1)
			close(fd);
		if (optional)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		access &= FILE_ACCESS;
	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = access;
	pb.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH,
	    &pb, 0) == -1) {
		snprintf(err, errlen, "landlock rule for %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * What every program reads when reads are confined: libraries, the
 * resolver's and TLS's configuration, mkfs.ext4's, devices opened by
 * name, and this process's own /proc directory (/proc/self resolves to
 * it now), not the user's other processes' (their environment).
 */
static const char *const system_reads[] = {
	"/etc", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/proc/self",
	"/dev/null", "/dev/zero", "/dev/urandom", "/dev/random", NULL,
};
static const char *const resolver_files[] = {
	"/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", NULL,
};

int
sandbox_fetch_confine(const struct fetch_confine *fc, char *err,
    size_t errlen)
{
	struct ruleset_attr	 ra;
	char			 real[PATH_MAX];
	uint64_t		 rd;
	long			 abi;
	int			 rfd, i;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1) {
		snprintf(err, errlen, "landlock: %s (the kernel needs "
		    "CONFIG_SECURITY_LANDLOCK and lsm=landlock)",
		    strerror(errno));
		return -1;
	}
	memset(&ra, 0, sizeof(ra));
	ra.handled_access_fs = WRITE_ACCESS;
	/*
	 * ABI 2: renames and links across directories need REFER, or they
	 * fail with EXDEV (apt and dpkg move every file they unpack); it is
	 * granted below the writable directory only.  ABI 3: truncate(2) by
	 * path is a write too.
	 */
	if (abi >= 2)
		ra.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		ra.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	rd = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
	if (fc->reads != NULL)
		ra.handled_access_fs |= rd;
	if (fc->ports != NULL && abi >= 4)
		ra.handled_access_net = ACCESS_NET_BIND_TCP |
		    ACCESS_NET_CONNECT_TCP;
	else if (fc->ports != NULL)
		fprintf(stderr, "banger-fetch: this kernel's Landlock (ABI "
		    "%ld) cannot limit network ports; Linux 6.7 can\n", abi);
	if ((rfd = syscall(SYS_landlock_create_ruleset, &ra, sizeof(ra), 0))
	    == -1) {
		snprintf(err, errlen, "landlock: %s (the kernel needs "
		    "CONFIG_SECURITY_LANDLOCK and lsm=landlock)",
		    strerror(errno));
		return -1;
	}
	for (i = 0; fc->dirs[i] != NULL; i++)
		if (path_rule(rfd, fc->dirs[i], ra.handled_access_fs, 0, err,
		    errlen) == -1)
			goto fail;
	if (fc->reads != NULL) {
		for (i = 0; system_reads[i] != NULL; i++)
			if (path_rule(rfd, system_reads[i], rd, 1, err,
			    errlen) == -1)
				goto fail;
		for (i = 0; fc->reads[i] != NULL; i++)
			if (path_rule(rfd, fc->reads[i], rd, 0, err,
			    errlen) == -1)
				goto fail;
		/*
		 * Landlock checks what a link names: the resolver's files
		 * may be links out of /etc (systemd-resolved's
		 * /etc/resolv.conf -> /run/systemd/resolve/...).
		 */
		for (i = 0; resolver_files[i] != NULL; i++)
			if (realpath(resolver_files[i], real) != NULL &&
			    path_rule(rfd, real, rd, 1, err, errlen) == -1)
				goto fail;
	}
	if (ra.handled_access_net != 0 && net_rules(rfd, fc->ports,
	    fc->nports, err, errlen) == -1)
		goto fail;
	/* /dev/null is written to by the tools we run. */
	if (path_rule(rfd, "/dev/null", LANDLOCK_ACCESS_FS_WRITE_FILE, 1, err,
	    errlen) == -1)
		goto fail;
	if (syscall(SYS_landlock_restrict_self, rfd, 0) == -1) {
		snprintf(err, errlen, "landlock restrict: %s",
		    strerror(errno));
		goto fail;
	}
	close(rfd);
	return 0;
fail:
	close(rfd);
	return -1;
}
