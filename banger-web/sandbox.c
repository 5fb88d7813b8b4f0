/*
 * banger-web's confinement, installed once its listener is bound and
 * its token read: no_new_privs; Landlock handling every file access
 * right and granting only reading files beneath the VMs' directory (the
 * console logs); a seccomp allowlist for the event loop, accepting
 * connections on the listener it has, reading those files and talking
 * to bangerd on the channel it was given.  No socket(2), connect(2),
 * bind(2) or execve(2).  The launcher's filter below it still applies.
 * Every step is required: a kernel without Landlock is an error.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/landlock.h>

#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "log.h"
#include "web.h"

/* Every right of Landlock ABI 1, plus REFER (2) and TRUNCATE (3). */
#define FS_ALL_V1	((1ULL << 13) - 1)
#define FS_REFER	(1ULL << 13)
#define FS_TRUNCATE	(1ULL << 14)

static const int allow[] = {
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
	SCMP_SYS(poll),				/* waiting for bangerd */
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(recvfrom), SCMP_SYS(sendto), SCMP_SYS(recvmsg),
	SCMP_SYS(sendmsg), SCMP_SYS(accept4), SCMP_SYS(accept),
	SCMP_SYS(getsockopt), SCMP_SYS(setsockopt), SCMP_SYS(getsockname),
	SCMP_SYS(getpeername), SCMP_SYS(shutdown), SCMP_SYS(close),
	SCMP_SYS(fcntl), SCMP_SYS(ioctl),	/* libevent: FIONREAD */
	/* console logs, beneath the VMs' directory (Landlock) */
	SCMP_SYS(openat), SCMP_SYS(lseek), SCMP_SYS(pread64),
	SCMP_SYS(fstat), SCMP_SYS(newfstatat),	/* stdio on stderr */
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(madvise), SCMP_SYS(mprotect),
	SCMP_SYS(getrandom),			/* libevent's hash seeds */
	SCMP_SYS(getpid), SCMP_SYS(gettid),
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(futex), SCMP_SYS(restart_syscall),
	SCMP_SYS(sigaltstack),			/* ASan builds, at exit */
	SCMP_SYS(exit), SCMP_SYS(exit_group),
};

static void
landlock_vms(const char *vms_dir)
{
	struct landlock_ruleset_attr	 ra;
	struct landlock_path_beneath_attr pb;
	long				 abi;
	int				 fd, dir;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1)
		fatal("landlock (the kernel needs CONFIG_SECURITY_LANDLOCK "
		    "and lsm=landlock)");
	memset(&ra, 0, sizeof(ra));
	ra.handled_access_fs = FS_ALL_V1 | (abi >= 2 ? FS_REFER : 0) |
	    (abi >= 3 ? FS_TRUNCATE : 0);
	if ((fd = syscall(SYS_landlock_create_ruleset, &ra, sizeof(ra), 0))
	    == -1)
		fatal("landlock");
	if ((dir = open(vms_dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		fatal("%s", vms_dir);
	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = LANDLOCK_ACCESS_FS_READ_FILE;
	pb.parent_fd = dir;
	if (syscall(SYS_landlock_add_rule, fd, LANDLOCK_RULE_PATH_BENEATH,
	    &pb, 0) == -1 || syscall(SYS_landlock_restrict_self, fd, 0) == -1)
		fatal("landlock");
	close(dir);
	close(fd);
}

void
sandbox_web(const char *vms_dir)
{
	scmp_filter_ctx	 ctx;
	size_t		 i;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("no_new_privs");
	landlock_vms(vms_dir);
	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		fatalx("seccomp_init");
	for (i = 0; i < sizeof(allow) / sizeof(allow[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allow[i], 0) < 0)
			fatalx("seccomp rule %d", allow[i]);
	if (seccomp_load(ctx) < 0)
		fatalx("seccomp_load");
	seccomp_release(ctx);
}
