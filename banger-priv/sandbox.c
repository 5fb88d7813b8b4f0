/*
 * banger-priv's confinement, applied after start-up and before the first
 * request: every rlimit set to the helper's own value (none inherited),
 * then capabilities cut to CAP_NET_ADMIN (the uids stay 0
 * only so the root-owned lease file stays writable), then one static
 * seccomp allowlist.  Where snapshots are possible CAP_SYS_ADMIN stays
 * permitted but not effective, and only the device-mapper calls raise it;
 * elsewhere it is gone and the loop and device-mapper ioctls are not
 * allowed at all.  Every step is fatal on failure: a helper that runs
 * unconfined because a call failed is worse than no helper.
 */
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include <linux/dm-ioctl.h>
#include <linux/if_tun.h>
#include <linux/loop.h>
#include <linux/netlink.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <cap-ng.h>
#include <seccomp.h>

#include "log.h"
#include "priv.h"

/*
 * Every limit, hard and soft alike, so that nothing the caller set (a CPU
 * time that ends us with SIGXCPU mid-request, a tiny stack or address
 * space) is inherited.  Unlimited where the helper needs no bound.
 */
static const struct {
	int		 res;
	rlim_t		 v;
} limits[] = {
	{ RLIMIT_CPU,		RLIM_INFINITY },
	/* Only the lease file is written; it is bounded well below this. */
	{ RLIMIT_FSIZE,		1024 * 1024 },
	{ RLIMIT_DATA,		RLIM_INFINITY },
	{ RLIMIT_STACK,		8 * 1024 * 1024 },
	{ RLIMIT_CORE,		0 },
	{ RLIMIT_RSS,		RLIM_INFINITY },
	/*
	 * No new processes or threads.  The limit is ours alone (the count
	 * it is checked against is per real uid, now root's, which the kernel
	 * exempts), so this is belt and braces: seccomp refuses clone, fork
	 * and execve outright.
	 */
	{ RLIMIT_NPROC,		0 },
	/* 0-3, the run dir, lock, ip_forward, two netlink sockets, two
	 * controls, and per request the lease file, its replacement and a tun
	 * fd, or two passed fds, two loops and the snapshot. */
	{ RLIMIT_NOFILE,	32 },
	{ RLIMIT_MEMLOCK,	0 },
	{ RLIMIT_AS,		RLIM_INFINITY },
	{ RLIMIT_LOCKS,		RLIM_INFINITY },
	{ RLIMIT_SIGPENDING,	64 },
	{ RLIMIT_MSGQUEUE,	0 },
	{ RLIMIT_NICE,		0 },
	{ RLIMIT_RTPRIO,	0 },
	{ RLIMIT_RTTIME,	RLIM_INFINITY },
};

void
sandbox_rlimits(void)
{
	struct rlimit	 rl;
	size_t		 i;

	/* A limit the kernel added since this table was written: refuse. */
	if (sizeof(limits) / sizeof(limits[0]) != RLIM_NLIMITS)
		fatalx("%d rlimits, %zu known", RLIM_NLIMITS,
		    sizeof(limits) / sizeof(limits[0]));
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		rl.rlim_cur = rl.rlim_max = limits[i].v;
		if (setrlimit(limits[i].res, &rl) == 0)
			continue;
		/*
		 * Raising a hard limit the caller lowered needs
		 * CAP_SYS_RESOURCE, which some containers' root lacks.  Then
		 * the soft limit goes up to that hard one: a limit can only
		 * end this helper (it never waits with the lock held, and
		 * every lease is recorded before what it covers), which hurts
		 * no one but the caller.
		 */
		if (errno != EPERM || getrlimit(limits[i].res, &rl) == -1)
			fatal("setrlimit %d", limits[i].res);
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(limits[i].res, &rl) == -1)
			fatal("setrlimit %d", limits[i].res);
		log_warnx("cannot raise the caller's hard limit %d without "
		    "CAP_SYS_RESOURCE", limits[i].res);
	}
}

/*
 * The rest of what a process inherits across execve that its caller can
 * set: nice value, scheduling policy (SCHED_IDLE would starve us while we
 * hold the lease lock), CPU affinity, I/O priority, timer slack and
 * interval timers (an ITIMER_REAL's SIGALRM would end us mid-request).
 * Run as root, before capabilities are dropped, after cgroup_leave() so
 * the affinity is not narrowed by the caller's cpuset.
 */
void
sandbox_reset(void)
{
	static const struct itimerval	 zero;
	struct sched_param		 sp = { 0 };
	cpu_set_t			 all;
	int				 i;

	errno = 0;
	if (setpriority(PRIO_PROCESS, 0, 0) == -1)
		fatal("setpriority");
	if (sched_setscheduler(0, SCHED_OTHER, &sp) == -1)
		fatal("sched_setscheduler");
	CPU_ZERO(&all);
	for (i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &all);
	if (sched_setaffinity(0, sizeof(all), &all) == -1)
		fatal("sched_setaffinity");
	/* IOPRIO_WHO_PROCESS, this process, the default class. */
	if (syscall(SYS_ioprio_set, 1, 0, 0) == -1)
		fatal("ioprio_set");
	if (prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0) == -1)
		fatal("PR_SET_TIMERSLACK");
	if (setitimer(ITIMER_REAL, &zero, NULL) == -1 ||
	    setitimer(ITIMER_VIRTUAL, &zero, NULL) == -1 ||
	    setitimer(ITIMER_PROF, &zero, NULL) == -1)
		fatal("setitimer");
}

void
sandbox_caps(int dm)
{
	int	 cap;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_NO_NEW_PRIVS");
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
	    CAP_NET_ADMIN) != 0 || (dm && capng_update(CAPNG_ADD,
	    CAPNG_PERMITTED, CAP_SYS_ADMIN) != 0))
		fatalx("capng_update failed");
	/* SELECT_ALL: capabilities, bounding and ambient sets. */
	if (capng_apply(CAPNG_SELECT_ALL) != 0)
		fatalx("cannot drop capabilities");

	/* Trust but verify: re-read what the kernel now says. */
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_get_caps_process() != 0)
		fatalx("cannot read capabilities back");
	for (cap = 0; cap <= CAP_LAST_CAP; cap++) {
		int	 want = cap == CAP_NET_ADMIN;
		int	 prm = want || (dm && cap == CAP_SYS_ADMIN);

		if (capng_have_capability(CAPNG_EFFECTIVE, cap) != want ||
		    capng_have_capability(CAPNG_PERMITTED, cap) != prm ||
		    capng_have_capability(CAPNG_INHERITABLE, cap) != 0)
			fatalx("capability %d not dropped", cap);
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 0)
			fatalx("bounding set still holds capability %d", cap);
	}
}

/* CAP_SYS_ADMIN in or out of the effective set, around device-mapper. */
void
sandbox_sysadmin(int on)
{
	if (capng_update(on ? CAPNG_ADD : CAPNG_DROP, CAPNG_EFFECTIVE,
	    CAP_SYS_ADMIN) != 0 || capng_apply(CAPNG_SELECT_CAPS) != 0)
		fatalx("cannot %s CAP_SYS_ADMIN", on ? "raise" : "drop");
}

/* Allow syscall only when argument arg equals one of the values. */
static void
allow_arg(scmp_filter_ctx ctx, int nr, unsigned arg, const uint64_t *vals,
    size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_CMP(arg, SCMP_CMP_EQ, vals[i], 0)) != 0)
			fatalx("seccomp: cannot add rule for %d", nr);
}

static void
allow(scmp_filter_ctx ctx, int nr)
{
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) != 0)
		fatalx("seccomp: cannot allow %d", nr);
}

void
sandbox_seccomp(int dm)
{
	scmp_filter_ctx	 ctx;
	/* The only three ways the helper opens files after start-up. */
	static const uint64_t open_flags[] = {
		O_RDWR | O_CLOEXEC,				/* /dev/net/tun */
		O_RDONLY | O_NOFOLLOW | O_CLOEXEC,		/* leases */
		O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
								/* leases.tmp */
	};
	/* tap set-up; nothing else is ever ioctl'd ... */
	static const uint64_t ioctls[] = {
		TUNSETIFF, TUNSETOWNER, TUNSETGROUP, TUNSETPERSIST,
	};
	/* ... but a snapshot's loops and device-mapper calls. */
	static const uint64_t dm_ioctls[] = {
		LOOP_CTL_GET_FREE, LOOP_CONFIGURE, DM_VERSION, DM_DEV_CREATE,
		DM_TABLE_LOAD, DM_DEV_SUSPEND, DM_DEV_REMOVE,
	};
	static const uint64_t fcntl_cmds[] = { F_GETFL, F_OFD_SETLK };

	/* Anything not listed kills the whole process, not one thread. */
	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		fatalx("seccomp_init failed");
	/* A syscall made through another ABI (i386, x32) is an attack. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS) != 0)
		fatalx("seccomp: cannot set bad-arch action");
	/* no_new_privs is already set by sandbox_caps(); keep it required. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) != 0)
		fatalx("seccomp: cannot require no_new_privs");

	/* Requests and replies on fd 3, SCM_RIGHTS for the tap fd. */
	allow(ctx, SCMP_SYS(recvmsg));
	allow(ctx, SCMP_SYS(sendmsg));
	/* frame_recv() asks fd 3 for its socket type; libnl and libmnl
	 * tune their netlink sockets' buffers. */
	allow(ctx, SCMP_SYS(getsockopt));
	allow(ctx, SCMP_SYS(setsockopt));
	/* Log records to the stderr pipe; reading the lease file. */
	allow(ctx, SCMP_SYS(write));
	allow(ctx, SCMP_SYS(read));
	/* "1" into the already-open /proc/sys/net/ipv4/ip_forward. */
	allow(ctx, SCMP_SYS(pwrite64));
	allow(ctx, SCMP_SYS(close));
	/* fstat() (glibc uses newfstatat) on lease files and passed
	 * descriptors; fstatfs() on the latter. */
	allow(ctx, SCMP_SYS(fstat));
	allow(ctx, SCMP_SYS(newfstatat));
	allow(ctx, SCMP_SYS(fstatfs));
	/* Lease file: lock, write the replacement, rename it into place. */
	allow(ctx, SCMP_SYS(flock));
	allow(ctx, SCMP_SYS(fdatasync));
	allow(ctx, SCMP_SYS(renameat));
	allow(ctx, SCMP_SYS(renameat2));
	allow_arg(ctx, SCMP_SYS(openat), 2, open_flags,
	    sizeof(open_flags) / sizeof(open_flags[0]));
	/*
	 * libnftables looks each uid of a ruleset (the bridge owners) up
	 * by name with getpwnam() before it takes the number.  Let glibc's
	 * lookup fail at once (no nsswitch.conf, passwd file or nscd) and
	 * not kill the helper; nothing is opened or connected either way.
	 */
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 1,
	    SCMP_CMP(2, SCMP_CMP_EQ, O_RDONLY | O_CLOEXEC, 0)) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
	    SCMP_CMP(0, SCMP_CMP_EQ, AF_UNIX, 0)) != 0)
		fatalx("seccomp: cannot add the name lookup rules");
	allow_arg(ctx, SCMP_SYS(ioctl), 1, ioctls,
	    sizeof(ioctls) / sizeof(ioctls[0]));
	/* The access mode of a descriptor passed with disk.snapshot; the
	 * mark of a disk being made (leasefile.c). */
	allow_arg(ctx, SCMP_SYS(fcntl), 1, fcntl_cmds, 2);
	if (dm) {
		allow_arg(ctx, SCMP_SYS(ioctl), 1, dm_ioctls,
		    sizeof(dm_ioctls) / sizeof(dm_ioctls[0]));
		/* Raising and dropping CAP_SYS_ADMIN. */
		allow(ctx, SCMP_SYS(capset));
		allow(ctx, SCMP_SYS(capget));
		/* The pause between tries to remove a busy snapshot. */
		allow(ctx, SCMP_SYS(nanosleep));
		allow(ctx, SCMP_SYS(clock_nanosleep));
	}
	/* Netlink only: rtnetlink (libnl) and nfnetlink (libnftables). */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2,
	    SCMP_A0(SCMP_CMP_EQ, AF_NETLINK, 0),
	    SCMP_A2(SCMP_CMP_EQ, NETLINK_ROUTE, 0)) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2,
	    SCMP_A0(SCMP_CMP_EQ, AF_NETLINK, 0),
	    SCMP_A2(SCMP_CMP_EQ, NETLINK_NETFILTER, 0)) != 0)
		fatalx("seccomp: cannot add socket rules");
	/* Netlink conversations. */
	allow(ctx, SCMP_SYS(bind));
	allow(ctx, SCMP_SYS(getsockname));
	allow(ctx, SCMP_SYS(sendto));
	allow(ctx, SCMP_SYS(recvfrom));
	/* libmnl polls its socket (timeout 0) for errors after a batch. */
	allow(ctx, SCMP_SYS(pselect6));
	allow(ctx, SCMP_SYS(select));
	/* libnl derives its netlink port id from the pid. */
	allow(ctx, SCMP_SYS(getpid));
	/* malloc. */
	allow(ctx, SCMP_SYS(brk));
	allow(ctx, SCMP_SYS(mmap));
	allow(ctx, SCMP_SYS(munmap));
	allow(ctx, SCMP_SYS(mremap));
	/* Leaving, and returning from a signal handler. */
	allow(ctx, SCMP_SYS(exit_group));
	allow(ctx, SCMP_SYS(exit));
	allow(ctx, SCMP_SYS(rt_sigreturn));
	allow(ctx, SCMP_SYS(restart_syscall));
	/* Time, should the vDSO be unavailable. */
	allow(ctx, SCMP_SYS(clock_gettime));

	if (seccomp_load(ctx) != 0)
		fatalx("cannot install the seccomp filter");
	seccomp_release(ctx);
}
