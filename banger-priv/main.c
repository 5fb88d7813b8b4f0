/*
 * banger-priv: the setuid root helper of one bangerd.  Start-up order
 * matters and follows the jailer's: record who called, refuse unless
 * really root-installed, close inherited fds, clear the environment, read
 * the root-owned policy and refuse callers it does not allow, take
 * root's real and saved ids too, put /dev/null on every standard fd that
 * could block (a non-blocking stderr pipe stays), leave the caller's
 * cgroups and reset every rlimit, priority and timer it could have set,
 * open everything that needs more than CAP_NET_ADMIN (the run dir, the
 * lease and lock files, ip_forward, the netlink sockets, device-mapper
 * and loop control), then capabilities and seccomp, and only then read
 * the first request.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disk.h"
#include "fdutil.h"
#include "log.h"
#include "net.h"
#include "nft.h"
#include "priv-paths.h"
#include "priv.h"

#define MAX_GROUPS	256

/* stdin/stdout/stderr must exist so no later open() lands on them. */
static void
std_fds(void)
{
	int	 fd;

	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF &&
		    open("/dev/null", O_RDWR) != fd)
			_exit(1);
}

/*
 * The caller's fds 0, 1 and 2 could block any write (a full pipe or
 * socket, a tty stopped with ^S), and libraries write to 1 and 2 with
 * stdio.  Keep only a stderr log_init() made non-blocking; /dev/null
 * replaces the rest before any request is read.
 */
static void
std_fds_detach(void)
{
	int	 null;

	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		fatal("/dev/null");
	if (dup2(null, 0) == -1 || dup2(null, 1) == -1 ||
	    (!log_nonblocking() && dup2(null, 2) == -1))
		fatal("dup2 /dev/null");
	close(null);
}

static void
check_channel(void)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(int);
	int			 type = 0;

	if (getsockopt(PRIV_FD, SOL_SOCKET, SO_TYPE, &type, &sl) == -1 ||
	    type != SOCK_SEQPACKET)
		fatalx("fd %d is not a SOCK_SEQPACKET socket: banger-priv is "
		    "started by bangerd", PRIV_FD);
	sl = sizeof(ss);
	if (getsockname(PRIV_FD, (struct sockaddr *)&ss, &sl) == -1 ||
	    ss.ss_family != AF_UNIX)
		fatalx("fd %d is not a unix socket", PRIV_FD);
}

/* A root-owned file in a root-owned directory, neither writable by others. */
static void
read_policy(struct policy *pol)
{
	struct stat	 st;
	char		*text, err[256];
	ssize_t		 n;
	int		 fd;

	if (stat(PRIV_SYSCONFDIR, &st) == -1)
		fatal("%s", PRIV_SYSCONFDIR);
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022))
		fatalx("%s must be a directory owned by root and not group "
		    "or other writable", PRIV_SYSCONFDIR);
	if ((fd = open(PRIV_CONF, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		fatal("cannot read the policy %s", PRIV_CONF);
	if (fstat(fd, &st) == -1)
		fatal("%s", PRIV_CONF);
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022))
		fatalx("%s must be a regular file owned by root and not group "
		    "or other writable", PRIV_CONF);
	if (st.st_size > POLICY_FILE_MAX)
		fatalx("%s is too large", PRIV_CONF);
	if ((text = malloc((size_t)st.st_size + 1)) == NULL)
		fatal("malloc");
	n = read_all(fd, text, (size_t)st.st_size + 1);
	if (n != st.st_size)
		fatalx("%s: short or changing read", PRIV_CONF);
	close(fd);
	if (policy_parse(pol, text, (size_t)n, err, sizeof(err)) == -1)
		fatalx("%s: %s", PRIV_CONF, err);
	free(text);
}

static int	regress_stand_in(int);

/*
 * device-mapper and loop control, if the policy allows snapshots and the
 * kernel has them; otherwise the helper never holds CAP_SYS_ADMIN at all.
 * The kernel is asked (DM_VERSION, while we are still fully root): a node
 * at the control's path proves nothing, dmsetup leaves one even where the
 * kernel has no device-mapper.
 */
static void
open_disk_control(struct priv *p)
{
	char	 err[256];

	p->dmfd = p->loopfd = -1;
	if (!p->pol.dm_snapshots)
		return;
	if ((p->dmfd = open(PRIV_DM_CONTROL, O_RDWR | O_CLOEXEC)) == -1) {
		if (errno != ENOENT && errno != ENODEV && errno != ENXIO)
			log_warnx("%s: %s", PRIV_DM_CONTROL, strerror(errno));
		return;
	}
	if (dm_check_version(p->dmfd, err, sizeof(err)) == -1 &&
	    !regress_stand_in(p->dmfd)) {
		log_debug("%s: %s: no snapshots", PRIV_DM_CONTROL, err);
		close(p->dmfd);
		p->dmfd = -1;
		return;
	}
	/* Files on a device-mapper device are refused (validate.c). */
	p->dm_major = dm_block_major();
	if ((p->loopfd = open(PRIV_LOOP_CONTROL, O_RDWR | O_CLOEXEC)) == -1) {
		log_warnx("%s: %s: no snapshots", PRIV_LOOP_CONTROL,
		    strerror(errno));
		close(p->dmfd);
		p->dmfd = -1;
	}
}

/*
 * The regress build only: a plain file at its control path is the suite's
 * stand-in, which lets it drive everything up to the device-mapper calls
 * themselves (they then fail) on a kernel without device-mapper.
 */
static int
regress_stand_in(int fd)
{
#ifdef BANGER_PRIV_REGRESS
	struct stat	 st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
#else
	(void)fd;
	return 0;
#endif
}

/* Refuse a caller the policy does not name, by user or by group. */
static void
check_caller(const struct policy *pol, uid_t uid, gid_t gid,
    const gid_t *groups, int ngroups)
{
	static char	 names[MAX_GROUPS + 1][POLICY_NAME_MAX + 1];
	const char	*gnames[MAX_GROUPS + 1];
	char		 user[POLICY_NAME_MAX + 1] = "";
	struct passwd	*pw;
	struct group	*gr;
	size_t		 n = 0;
	int		 i;

	if ((pw = getpwuid(uid)) != NULL && pw->pw_name != NULL &&
	    strlen(pw->pw_name) <= POLICY_NAME_MAX)
		strcpy(user, pw->pw_name);
	for (i = -1; i < ngroups; i++) {
		gid_t	 g = i == -1 ? gid : groups[i];

		if ((gr = getgrgid(g)) == NULL || gr->gr_name == NULL ||
		    strlen(gr->gr_name) > POLICY_NAME_MAX)
			continue;
		strcpy(names[n], gr->gr_name);
		gnames[n] = names[n];
		n++;
	}
	if (!policy_allows(pol, *user ? user : NULL, gnames, n))
		fatalx("uid %u (%s) is not allowed to use banger-priv: add "
		    "the user to allow_users or one of its groups to "
		    "allow_groups in %s", (unsigned)uid,
		    *user ? user : "no name", PRIV_CONF);
}

int
main(int argc, char *argv[])
{
	static struct lease_table	 table;
	static struct priv		 priv;
	struct priv			*p = &priv;
	gid_t				 groups[MAX_GROUPS];
	char				 err[256];
	int				 ngroups, verbose = 0;

	std_fds();
	p->uid = getuid();
	p->gid = getgid();
	ngroups = getgroups(MAX_GROUPS, groups);
	if (argc == 2 && strcmp(argv[1], "-v") == 0)
		verbose = 1;
	log_init("priv", 2, verbose);
	if (ngroups == -1)
		fatal("getgroups");
	if (argc > 2 || (argc == 2 && !verbose))
		fatalx("usage: banger-priv [-v] (started by bangerd)");
	if (geteuid() != 0)
		fatalx("not installed setuid root");
	check_channel();
	closefrom(PRIV_FD + 1);
	if (clearenv() != 0)
		fatalx("clearenv failed");
	umask(022);
	/* frame_send() uses MSG_NOSIGNAL; this covers the stderr pipe. */
	signal(SIGPIPE, SIG_IGN);
	/*
	 * A terminal sends these to its foreground group with no
	 * permission check; none may stop us with the lease lock held.
	 */
	signal(SIGTSTP, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);

	read_policy(&p->pol);
	check_caller(&p->pol, p->uid, p->gid, groups, ngroups);

	/*
	 * The caller is recorded and allowed; from here on its ids only
	 * name what it owns.  Become root in full (real and saved ids too,
	 * no supplementary groups) and leave the caller's session:
	 * otherwise the caller could SIGSTOP its helper while it holds the
	 * host-wide lease lock and stall every other user's helper.  (It
	 * also keeps libxtables, loaded by libnftables, from refusing to
	 * run with _exit(111) when the real and effective uids differ.)
	 * The caller still ends us by closing the socket.
	 */
	if (setgroups(0, NULL) == -1 || setresgid(0, 0, 0) == -1 ||
	    setresuid(0, 0, 0) == -1)
		fatal("cannot take root ids");
	/*
	 * setsid() fails if the caller made us a process-group leader
	 * before the exec; we would then stay in its session, where a
	 * terminal it controls could stop us.  Refusing harms only that
	 * caller.
	 */
	if (setsid() == -1)
		fatal("setsid: cannot leave the caller's session (do not make "
		    "banger-priv a process-group leader)");
	std_fds_detach();
	/* Non-dumpable: nobody may ptrace us or read a core dump. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("PR_SET_DUMPABLE");
	/*
	 * Nor shape us: out of any cgroup the caller controls (it could
	 * freeze us with the lock held), and back to default limits,
	 * priority, scheduling and timers.
	 */
	cgroup_leave();
	sandbox_rlimits();
	sandbox_reset();

	if (lease_file_open(&p->lf, PRIV_RUNDIR, err, sizeof(err)) == -1)
		fatalx("%s", err);
	p->lt = &table;
	if ((p->fwdfd = open("/proc/sys/net/ipv4/ip_forward",
	    O_WRONLY | O_CLOEXEC)) == -1)
		fatal("/proc/sys/net/ipv4/ip_forward");
	if ((p->nl = net_open(err, sizeof(err))) == NULL)
		fatalx("%s", err);
	if ((p->nft = nftb_open(err, sizeof(err))) == NULL)
		fatalx("%s", err);
	open_disk_control(p);

	sandbox_caps(p->dmfd != -1);
	sandbox_seccomp(p->dmfd != -1);
	log_debug("serving uid %u", (unsigned)p->uid);
	priv_serve(p);
}
