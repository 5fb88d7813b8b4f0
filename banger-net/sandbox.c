/*
 * banger-net's confinement: no_new_privs, a Landlock ruleset that handles
 * every file access right and grants none (it opens no file, ever), and
 * a seccomp allowlist: the event loop, the sockets it was given, new
 * Internet sockets for the upstream resolvers (a fresh source port per
 * query) and published ports, and a sock_diag socket to learn whose a
 * connection is; nothing else.  The launcher's filter below it still applies.
 * Every step is required: a kernel without Landlock is an error.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <linux/landlock.h>
#include <linux/netlink.h>

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "log.h"
#include "net.h"

/* Every right of Landlock ABI 1, plus REFER (2) and TRUNCATE (3). */
#define FS_ALL_V1	((1ULL << 13) - 1)
#define FS_REFER	(1ULL << 13)
#define FS_TRUNCATE	(1ULL << 14)

static const int allow[] = {
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(recvfrom), SCMP_SYS(sendto), SCMP_SYS(recvmsg),
	SCMP_SYS(sendmsg), SCMP_SYS(accept4), SCMP_SYS(connect),
	SCMP_SYS(getsockopt), SCMP_SYS(setsockopt), SCMP_SYS(getsockname),
	SCMP_SYS(getpeername), SCMP_SYS(shutdown), SCMP_SYS(close),
	SCMP_SYS(fcntl), SCMP_SYS(ioctl),	/* libevent: FIONREAD */
	SCMP_SYS(fstat), SCMP_SYS(newfstatat),	/* stdio on stderr */
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(madvise), SCMP_SYS(mprotect),
	SCMP_SYS(getrandom),			/* IDs: arc4random */
	SCMP_SYS(getpid), SCMP_SYS(gettid),
	SCMP_SYS(getuid),			/* published ports' owner */
	SCMP_SYS(bind), SCMP_SYS(listen),	/* published ports */
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(futex), SCMP_SYS(restart_syscall),
	SCMP_SYS(sigaltstack),			/* ASan builds, at exit */
	SCMP_SYS(exit), SCMP_SYS(exit_group),
};

static void
landlock_nothing(void)
{
	struct landlock_ruleset_attr	 ra;
	long				 abi;
	int				 fd;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1)
		fatal("landlock (the kernel needs CONFIG_SECURITY_LANDLOCK "
		    "and lsm=landlock)");
	memset(&ra, 0, sizeof(ra));
	ra.handled_access_fs = FS_ALL_V1 | (abi >= 2 ? FS_REFER : 0) |
	    (abi >= 3 ? FS_TRUNCATE : 0);
	if ((fd = syscall(SYS_landlock_create_ruleset, &ra, sizeof(ra), 0))
	    == -1 || syscall(SYS_landlock_restrict_self, fd, 0) == -1)
		fatal("landlock");
	close(fd);
}

void
sandbox_net(void)
{
	static const int	 fam[] = { AF_INET, AF_INET6 };
	static const int	 typ[] = { SOCK_DGRAM, SOCK_STREAM };
	scmp_filter_ctx		 ctx;
	size_t			 i, j;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("no_new_privs");
	landlock_nothing();
	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		fatalx("seccomp_init");
	for (i = 0; i < sizeof(allow) / sizeof(allow[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allow[i], 0) < 0)
			fatalx("seccomp rule %d", allow[i]);
	/* socket(2): Internet datagram and stream sockets only. */
	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++)
			if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
			    SCMP_SYS(socket), 2, SCMP_A0(SCMP_CMP_EQ, fam[i],
			    0), SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, typ[j])) < 0)
				fatalx("seccomp rule socket");
	/* sock_diag: whose is a connection to a published port. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 3,
	    SCMP_A0(SCMP_CMP_EQ, AF_NETLINK, 0), SCMP_A1(SCMP_CMP_EQ,
	    SOCK_DGRAM | SOCK_CLOEXEC, 0), SCMP_A2(SCMP_CMP_EQ,
	    NETLINK_SOCK_DIAG, 0)) < 0)
		fatalx("seccomp rule socket");
	if (seccomp_load(ctx) < 0)
		fatalx("seccomp_load");
	seccomp_release(ctx);
}
