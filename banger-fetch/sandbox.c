/*
 * banger-fetch's confinement: no_new_privs, and a Landlock ruleset that
 * lets it write only below its job directory (it may read the system's
 * tools and the user's repository).  The launcher's seccomp filter is
 * inherited.  A kernel without Landlock is an error, not a silent pass.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/landlock.h>

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
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

#define WRITE_ACCESS	(LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE | \
	LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | \
	LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | \
	LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK | \
	LANDLOCK_ACCESS_FS_MAKE_SYM)

int
sandbox_fetch(const char *writable, char *err, size_t errlen)
{
	const char	*dirs[] = { writable, NULL };

	return sandbox_fetch_net(dirs, NULL, 0, err, errlen);
}

/*
 * Landlock's network rights (ABI 4, Linux 6.7): with ports, TCP connect
 * only to those and no TCP bind at all.  A kernel without them cannot
 * limit the job's network: said once in its log, not fatal (the seccomp
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

int
sandbox_fetch_net(const char *const dirs[], const uint16_t *ports,
    size_t nports, char *err, size_t errlen)
{
	struct ruleset_attr		 ra;
	struct landlock_path_beneath_attr pb;
	int				 rfd, dfd, i;
	long				 abi;

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
	if (ports != NULL && abi >= 4)
		ra.handled_access_net = ACCESS_NET_BIND_TCP |
		    ACCESS_NET_CONNECT_TCP;
	else if (ports != NULL)
		fprintf(stderr, "banger-fetch: this kernel's Landlock (ABI "
		    "%ld) cannot limit network ports; Linux 6.7 can\n", abi);
	if ((rfd = syscall(SYS_landlock_create_ruleset, &ra, sizeof(ra), 0))
	    == -1) {
		snprintf(err, errlen, "landlock: %s (the kernel needs "
		    "CONFIG_SECURITY_LANDLOCK and lsm=landlock)",
		    strerror(errno));
		return -1;
	}
	for (i = 0; dirs[i] != NULL; i++) {
		if ((dfd = open(dirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC)) ==
		    -1) {
			snprintf(err, errlen, "%s: %s", dirs[i],
			    strerror(errno));
			close(rfd);
			return -1;
		}
		memset(&pb, 0, sizeof(pb));
		pb.allowed_access = ra.handled_access_fs;
		pb.parent_fd = dfd;
		if (syscall(SYS_landlock_add_rule, rfd,
		    LANDLOCK_RULE_PATH_BENEATH, &pb, 0) == -1) {
			snprintf(err, errlen, "landlock rule: %s",
			    strerror(errno));
			close(dfd);
			close(rfd);
			return -1;
		}
		close(dfd);
	}
	if (ra.handled_access_net != 0 && net_rules(rfd, ports, nports, err,
	    errlen) == -1) {
		close(rfd);
		return -1;
	}
	/* /dev/null is written to by the tools we run. */
	if ((dfd = open("/dev/null", O_PATH | O_CLOEXEC)) != -1) {
		pb.allowed_access = LANDLOCK_ACCESS_FS_WRITE_FILE;
		pb.parent_fd = dfd;
		(void)syscall(SYS_landlock_add_rule, rfd,
		    LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
		close(dfd);
	}
	if (syscall(SYS_landlock_restrict_self, rfd, 0) == -1) {
		snprintf(err, errlen, "landlock restrict: %s",
		    strerror(errno));
		close(rfd);
		return -1;
	}
	close(rfd);
	return 0;
}
