/*
 * banger-priv's confinement before the first request, each step fatal: a
 * helper left unconfined by a failed call is worse than none.
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
#include <string.h>
#include <unistd.h>

#include <cap-ng.h>
#include <seccomp.h>

#include "log.h"
#include "priv.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Hard and soft, none as the caller set it (a CPU time, a tiny stack);
 * unlisted: 0 (no core dumps, locked memory, raised priority, processes).
 */
static const rlim_t limits[RLIM_NLIMITS] = {
	[RLIMIT_CPU] = RLIM_INFINITY,
	[RLIMIT_FSIZE] = 1024 * 1024,	/* the lease file is far smaller */
	[RLIMIT_DATA] = RLIM_INFINITY,
	[RLIMIT_STACK] = 8 * 1024 * 1024,
	[RLIMIT_RSS] = RLIM_INFINITY,
	[RLIMIT_NOFILE] = 32,	/* 0-3, start-up's and a request's files */
	[RLIMIT_AS] = RLIM_INFINITY,
	[RLIMIT_LOCKS] = RLIM_INFINITY,
	[RLIMIT_SIGPENDING] = 64,
	[RLIMIT_RTTIME] = RLIM_INFINITY,
};
/* A limit added since this table was written would silently be 0. */
_Static_assert(RLIM_NLIMITS == 16, "a new rlimit: add it to limits[]");

/*
 * Then all else a caller's execve passes on: SCHED_IDLE would starve us
 * with the lock held, SIGALRM end us (affinity after cgroup_leave()).
 */
void
sandbox_reset(void)
{
	static const struct itimerval	 zero;
	struct sched_param		 sp = { 0 };
	struct rlimit			 rl;
	cpu_set_t			 all;
	int				 r;

	for (r = 0; r < RLIM_NLIMITS; r++) {
		rl.rlim_cur = rl.rlim_max = limits[r];
		if (setrlimit(r, &rl) == 0)
			continue;
		/*
		 * Without CAP_SYS_RESOURCE (containers), soft up to hard: a
		 * limit can end us, never stall us with the lock held.
		 */
		if (errno != EPERM || getrlimit(r, &rl) == -1)
			fatal("setrlimit %d", r);
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(r, &rl) == -1)
			fatal("setrlimit %d", r);
		log_warnx("cannot raise the caller's hard limit %d without "
		    "CAP_SYS_RESOURCE", r);
	}
	memset(&all, 0xff, sizeof(all));
	if (setpriority(PRIO_PROCESS, 0, 0) == -1 ||
	    sched_setscheduler(0, SCHED_OTHER, &sp) == -1 ||
	    sched_setaffinity(0, sizeof(all), &all) == -1 ||
	    syscall(SYS_ioprio_set, 1, 0, 0) == -1 ||	/* this process */
	    prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0) == -1)
		fatal("cannot reset priority, scheduling or timer slack");
	for (r = ITIMER_REAL; r <= ITIMER_PROF; r++)
		if (setitimer(r, &zero, NULL) == -1)
			fatal("setitimer");
}

/* CAP_NET_ADMIN; with dm, CAP_SYS_ADMIN permitted, raised when needed. */
void
sandbox_caps(int dm)
{
	int	 cap;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_NO_NEW_PRIVS");
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
	    CAP_NET_ADMIN, CAP_NET_BIND_SERVICE, -1) != 0 ||
	    (dm && capng_update(CAPNG_ADD,
	    CAPNG_PERMITTED, CAP_SYS_ADMIN) != 0))
		fatalx("capng_update failed");
	/* SELECT_ALL: capabilities, bounding and ambient sets; then verify
	 * with what the kernel now says. */
	if (capng_apply(CAPNG_SELECT_ALL) != 0)
		fatalx("cannot drop capabilities");
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_get_caps_process() != 0)
		fatalx("cannot read capabilities back");
	for (cap = 0; cap <= CAP_LAST_CAP; cap++) {
		int	 want = cap == CAP_NET_ADMIN ||
		    cap == CAP_NET_BIND_SERVICE;
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

/* Allowed with any arguments. */
static const int calls[] = {
	/* fd 3's requests with SCM_RIGHTS; its SO_TYPE; netlink buffers */
	SCMP_SYS(recvmsg), SCMP_SYS(sendmsg), SCMP_SYS(getsockopt),
	SCMP_SYS(setsockopt),
	/* log records, the lease file, "1" into the open ip_forward */
	SCMP_SYS(write), SCMP_SYS(read), SCMP_SYS(pwrite64), SCMP_SYS(close),
	/* fstat (as newfstatat) on lease files, fstatfs on passed fds */
	SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(fstatfs),
	/* the lease file: lock, write the replacement, rename it */
	SCMP_SYS(flock), SCMP_SYS(fdatasync), SCMP_SYS(renameat),
	SCMP_SYS(renameat2),
	/* netlink; libmnl polls for errors; libnl's port id is the pid */
	SCMP_SYS(bind), SCMP_SYS(getsockname), SCMP_SYS(sendto),
	SCMP_SYS(recvfrom), SCMP_SYS(pselect6), SCMP_SYS(select),
	SCMP_SYS(getpid),
	/* dns.listen: banger-net's TCP socket on the gateway */
	SCMP_SYS(listen),
	/* sd-bus waiting for systemd-resolved's reply (resolved.c) */
	SCMP_SYS(ppoll),
	/* malloc, leaving, signal returns, time without the vDSO */
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(exit_group), SCMP_SYS(exit), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(restart_syscall), SCMP_SYS(clock_gettime),
};

/* Allowed only with argument arg equal to val; dm: where snapshots are. */
static const struct {
	int		 nr;
	unsigned	 arg;
	uint64_t	 val;
	int		 dm;
} cmp[] = {
	/* The only opens after start-up: the tun, leases, leases.tmp. */
	{ SCMP_SYS(openat), 2, O_RDWR | O_CLOEXEC, 0 },
	{ SCMP_SYS(openat), 2, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0 },
	{ SCMP_SYS(openat), 2,
	    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0 },
	/* Tap set-up; a passed descriptor's access mode. */
	{ SCMP_SYS(ioctl), 1, TUNSETIFF, 0 },
	{ SCMP_SYS(ioctl), 1, TUNSETOWNER, 0 },
	{ SCMP_SYS(ioctl), 1, TUNSETGROUP, 0 },
	{ SCMP_SYS(ioctl), 1, TUNSETPERSIST, 0 },
	{ SCMP_SYS(fcntl), 1, F_GETFL, 0 },
	/* The mark of a disk being made (leasefile.c). */
	{ SCMP_SYS(fcntl), 1, F_OFD_SETLK, 0 },
	/* A snapshot's loops and device-mapper calls. */
	{ SCMP_SYS(ioctl), 1, LOOP_CTL_GET_FREE, 1 },
	{ SCMP_SYS(ioctl), 1, LOOP_CONFIGURE, 1 },
	{ SCMP_SYS(ioctl), 1, DM_VERSION, 1 },
	{ SCMP_SYS(ioctl), 1, DM_DEV_CREATE, 1 },
	{ SCMP_SYS(ioctl), 1, DM_TABLE_LOAD, 1 },
	{ SCMP_SYS(ioctl), 1, DM_DEV_SUSPEND, 1 },
	{ SCMP_SYS(ioctl), 1, DM_DEV_REMOVE, 1 },
	/* Netlink only: rtnetlink (libnl) and nfnetlink (libnftables). */
	{ SCMP_SYS(socket), 2, NETLINK_ROUTE, 0 },
	{ SCMP_SYS(socket), 2, NETLINK_NETFILTER, 0 },
};

/* Where snapshots are: CAP_SYS_ADMIN up and down, dm_remove's pause. */
static const int dm_calls[] = {
	SCMP_SYS(capset), SCMP_SYS(capget), SCMP_SYS(nanosleep),
	SCMP_SYS(clock_nanosleep),
};

void
sandbox_seccomp(int dm)
{
	scmp_filter_ctx	 ctx;
	size_t		 i;
	int		 bad = 0;

	/* Anything not listed, or from another ABI, ends the process. */
	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS) != 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) != 0)
		fatalx("cannot set up the seccomp filter");
	for (i = 0; i < NITEMS(calls); i++)
		bad |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 0);
	for (i = 0; dm && i < NITEMS(dm_calls); i++)
		bad |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, dm_calls[i], 0);
	for (i = 0; i < NITEMS(cmp); i++) {
		if (cmp[i].dm && !dm)
			continue;
		/* socket(): the family is AF_NETLINK, arg 2 the protocol. */
		bad |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, cmp[i].nr,
		    cmp[i].nr == SCMP_SYS(socket) ? 2 : 1,
		    SCMP_CMP(cmp[i].arg, SCMP_CMP_EQ, cmp[i].val, 0),
		    SCMP_A0(SCMP_CMP_EQ, AF_NETLINK, 0));
	}
	/* libnftables' getpwnam() of bridge owners fails, uids stay numbers. */
	bad |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat),
	    1, SCMP_A2(SCMP_CMP_EQ, O_RDONLY | O_CLOEXEC, 0));
	bad |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket),
	    1, SCMP_A0(SCMP_CMP_EQ, AF_UNIX, 0));
	/* dns.listen: one IPv4 UDP or TCP socket, exactly as net.c asks. */
	for (i = 0; i < 2; i++)
		bad |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket),
		    3, SCMP_A0(SCMP_CMP_EQ, AF_INET, 0), SCMP_A1(SCMP_CMP_EQ,
		    (i ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0),
		    SCMP_A2(SCMP_CMP_EQ, 0, 0));
	if (bad != 0 || seccomp_load(ctx) != 0)
		fatalx("cannot install the seccomp filter");
	seccomp_release(ctx);
}
