/*
 * bangerd's seccomp filters.
 *
 * The master gets a static allowlist: it parses bytes from the CLI and
 * from guests, so after start-up it may only move bytes between the
 * descriptors it has, keep its database and log and create the socket
 * pairs a new VM needs.  No execve, fork, clone, kill, ptrace or io_uring:
 * new processes come from the launcher.  No socket(2) or connect(2)
 * either, whatever the VMM: seccomp cannot see a path, so a filter that
 * let bangerd connect to Firecracker's sockets would let it reach any
 * Unix socket the user can.  The launcher makes those connections for it
 * (fc-sock.c) and hands them over.
 *
 * The launcher execs the VMM, whose needs vary with its version and
 * accelerator; its filter (inherited by the VMM, which adds its own
 * `-sandbox on`, and by banger-fetch) refuses the system calls no VMM
 * needs, namespaces in any form and io_uring.
 *
 * Both set no_new_privs first.  A failure is fatal.
 */
#include <sys/prctl.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "bangerd.h"
#include "log.h"

static const int master_allow[] = {
	/* event loop and socket I/O */
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
	SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(recvfrom), SCMP_SYS(sendto),
	SCMP_SYS(recvmsg), SCMP_SYS(sendmsg),
	SCMP_SYS(accept4),		/* control connections */
	SCMP_SYS(getsockopt),		/* SO_PEERCRED, SO_TYPE */
	SCMP_SYS(setsockopt),		/* libevent: listener options */
	SCMP_SYS(getsockname), SCMP_SYS(getpeername),
	SCMP_SYS(shutdown),
	SCMP_SYS(close),
	SCMP_SYS(fcntl),		/* O_NONBLOCK, FD_CLOEXEC, locks */
	SCMP_SYS(ioctl),		/* FIONREAD from libevent */
	/* time */
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday), SCMP_SYS(time),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
	/* memory */
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(madvise), SCMP_SYS(mprotect),
	/* sqlite3 database, log, per-VM directories */
	SCMP_SYS(openat), SCMP_SYS(open),
	SCMP_SYS(openat2),		/* unix: ports, no link on the way */
	SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(stat),
	SCMP_SYS(lstat), SCMP_SYS(statx),
	SCMP_SYS(lseek), SCMP_SYS(pread64), SCMP_SYS(pwrite64),
	SCMP_SYS(fsync), SCMP_SYS(fdatasync), SCMP_SYS(ftruncate),
	SCMP_SYS(unlink), SCMP_SYS(unlinkat), SCMP_SYS(mkdir),
	SCMP_SYS(rename), SCMP_SYS(renameat), SCMP_SYS(renameat2),
	SCMP_SYS(mkdirat), SCMP_SYS(rmdir), SCMP_SYS(getdents64),
	SCMP_SYS(access), SCMP_SYS(faccessat), SCMP_SYS(faccessat2),
	SCMP_SYS(fchmod), SCMP_SYS(fchown), SCMP_SYS(readlink),
	SCMP_SYS(getcwd),
	/* vm fork: a child's disk copied, its saved state linked */
	SCMP_SYS(copy_file_range), SCMP_SYS(link), SCMP_SYS(linkat),
	/* whether a VM's files are local enough for a root snapshot */
	SCMP_SYS(statfs), SCMP_SYS(fstatfs),
	/* new VMs: the agent and QMP socket pairs; banger-fetch's status */
	SCMP_SYS(socketpair), SCMP_SYS(pipe2),
	/* identity and randomness (VM names) */
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(getuid),
	SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid),
	SCMP_SYS(getrandom),
	/* signals and exit */
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(wait4),	/* reap helpers */
	SCMP_SYS(futex), SCMP_SYS(exit), SCMP_SYS(exit_group),
	SCMP_SYS(restart_syscall),
};

/* Never needed by a VMM, the launcher or anything they run. */
static const int launcher_deny[] = {
	SCMP_SYS(ptrace), SCMP_SYS(process_vm_readv),
	SCMP_SYS(process_vm_writev), SCMP_SYS(kcmp),
	SCMP_SYS(mount), SCMP_SYS(umount2), SCMP_SYS(pivot_root),
	SCMP_SYS(chroot), SCMP_SYS(move_mount), SCMP_SYS(open_tree),
	SCMP_SYS(fsopen), SCMP_SYS(fsmount), SCMP_SYS(fsconfig),
	SCMP_SYS(unshare), SCMP_SYS(setns),
	/* a second way into the kernel that seccomp cannot inspect */
	SCMP_SYS(io_uring_setup), SCMP_SYS(io_uring_enter),
	SCMP_SYS(io_uring_register),
	SCMP_SYS(init_module), SCMP_SYS(finit_module),
	SCMP_SYS(delete_module), SCMP_SYS(kexec_load),
	SCMP_SYS(kexec_file_load), SCMP_SYS(reboot),
	SCMP_SYS(swapon), SCMP_SYS(swapoff), SCMP_SYS(acct),
	SCMP_SYS(bpf), SCMP_SYS(perf_event_open), SCMP_SYS(userfaultfd),
	SCMP_SYS(keyctl), SCMP_SYS(add_key), SCMP_SYS(request_key),
	SCMP_SYS(open_by_handle_at), SCMP_SYS(name_to_handle_at),
	SCMP_SYS(settimeofday), SCMP_SYS(clock_settime),
	SCMP_SYS(clock_adjtime), SCMP_SYS(adjtimex),
	SCMP_SYS(iopl), SCMP_SYS(ioperm), SCMP_SYS(syslog),
	SCMP_SYS(quotactl), SCMP_SYS(lookup_dcookie), SCMP_SYS(uselib),
	SCMP_SYS(vhangup), SCMP_SYS(personality),
};

static void
nnp(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_NO_NEW_PRIVS)");
}

static void
load(scmp_filter_ctx ctx, const char *who)
{
	int	 rc;

	/* Native architecture only: x32 and i386 entry points are refused. */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1)) < 0 ||
	    (rc = seccomp_load(ctx)) < 0) {
		errno = -rc;
		fatal("%s: loading the seccomp filter", who);
	}
	seccomp_release(ctx);
}

/* Name the culprit in the log before the kernel kills us. */
static void
sigsys(int sig, siginfo_t *si, void *uc)
{
	char	 msg[96];
	int	 n;

	(void)sig;
	(void)uc;
	n = snprintf(msg, sizeof(msg), "bangerd: fatal: seccomp: "
	    "forbidden system call %d\n", si->si_syscall);
	(void)!write(log_getfd(), msg, n);
	_exit(99);
}

/*
 * clone(2) flags that make a namespace.  CLONE_NEWTIME is absent: in
 * clone(2) its bit is part of the exit signal, and it can only be asked
 * for through unshare(2) and clone3(2), both refused.
 */
static const unsigned long clone_new[] = {
	CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
	CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
};

void
sandbox_master(void)
{
	scmp_filter_ctx		 ctx;
	struct sigaction	 sa;
	size_t			 i;

	nnp();
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sigsys;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGSYS, &sa, NULL) == -1)
		fatal("sigaction SIGSYS");
	if ((ctx = seccomp_init(SCMP_ACT_TRAP)) == NULL)
		fatalx("seccomp_init");
	for (i = 0; i < sizeof(master_allow) / sizeof(master_allow[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, master_allow[i],
		    0) < 0)
			fatalx("seccomp rule %d", master_allow[i]);
	load(ctx, "bangerd");
}

void
sandbox_launcher(void)
{
	scmp_filter_ctx	 ctx;
	size_t		 i;

	nnp();
	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		fatalx("seccomp_init");
	for (i = 0; i < sizeof(launcher_deny) / sizeof(launcher_deny[0]);
	    i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    launcher_deny[i], 0) < 0)
			fatalx("seccomp rule %d", launcher_deny[i]);
	/* Threads and processes, never in a new namespace. */
	for (i = 0; i < sizeof(clone_new) / sizeof(clone_new[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ,
		    clone_new[i], clone_new[i])) < 0)
			fatalx("seccomp rule clone");
	/*
	 * clone3(2) passes its flags in memory seccomp cannot read: say it
	 * does not exist, and glibc falls back to clone(2).
	 */
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3),
	    0) < 0)
		fatalx("seccomp rule clone3");
	load(ctx, "launcher");
}
