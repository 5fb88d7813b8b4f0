/*
 * banger-priv: the setuid root helper of one bangerd.  The order of
 * start-up is the security design; banger-priv(8) lists it step by step.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disk.h"
#include "log.h"
#include "net.h"
#include "nft.h"
#include "priv-paths.h"
#include "priv.h"
#include "resolved.h"

#define MAX_GROUPS	256

/*
 * The caller's fds 0-2 could block a write: /dev/null replaces them, but
 * for a stderr pipe the caller can write (our log's way to bangerd), which
 * is reopened non-blocking as a description of our own.  Only a pipe: root
 * reopening anything else could write where the caller may not.
 */
static void
std_fds_detach(void)
{
	struct stat	 st;
	int		 null, nb = -1, fl;

	if (fstat(2, &st) == 0 && S_ISFIFO(st.st_mode) &&
	    (fl = fcntl(2, F_GETFL)) != -1 && (fl & O_ACCMODE) != O_RDONLY)
		nb = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_NOCTTY |
		    O_CLOEXEC);
	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1 ||
	    dup2(null, 0) == -1 || dup2(null, 1) == -1 ||
	    dup2(nb != -1 ? nb : null, 2) == -1)
		fatal("/dev/null");
	close(null);
	if (nb != -1)
		close(nb);
}

/* A root-owned file in a root-owned directory, neither writable by others. */
static void
read_policy(struct policy *pol)
{
	static char	 text[POLICY_FILE_MAX + 1];
	struct stat	 st;
	char		 err[256];
	ssize_t		 n;
	int		 fd;

	if (stat(PRIV_SYSCONFDIR, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != 0 || (st.st_mode & 022))
		fatalx("%s must be a directory owned by root and not group "
		    "or other writable", PRIV_SYSCONFDIR);
	if ((fd = open(PRIV_CONF, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1)
		fatal("cannot read the policy %s", PRIV_CONF);
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022))
		fatalx("%s must be a regular file owned by root and not group "
		    "or other writable", PRIV_CONF);
	/*
	 * One read of one byte more than policy_parse() takes, so it sees
	 * "too long"; short of that, the file's whole length.
	 */
	if ((n = read(fd, text, sizeof(text))) == -1)
		fatal("%s", PRIV_CONF);
	if (n < (ssize_t)sizeof(text) && n != st.st_size)
		fatalx("%s changed while it was read", PRIV_CONF);
	close(fd);
	if (policy_parse(pol, text, (size_t)n, err, sizeof(err)) == -1)
		fatalx("%s: %s", PRIV_CONF, err);
}

/*
 * device-mapper and loop control, if the policy allows snapshots and the
 * kernel has them (asked with DM_VERSION: dmsetup leaves a node even where
 * it has none); otherwise the helper never holds CAP_SYS_ADMIN at all.
 */
static void
open_disk_control(struct priv *p)
{
	struct stat	 st;
	char		 err[256];

	p->dmfd = p->loopfd = -1;
	if (!p->pol.dm_snapshots)
		return;
	if ((p->dmfd = open(PRIV_DM_CONTROL, O_RDWR | O_CLOEXEC)) == -1) {
		if (errno != ENOENT && errno != ENODEV && errno != ENXIO)
			log_warn("%s", PRIV_DM_CONTROL);
		return;
	}
	/* The regress build's stand-in for a control is a plain file. */
	if (dm_check_version(p->dmfd, err, sizeof(err)) == -1 &&
	    !(PRIV_REGRESS && fstat(p->dmfd, &st) == 0 && S_ISREG(st.st_mode)))
		log_debug("%s: %s: no snapshots", PRIV_DM_CONTROL, err);
	else if ((p->loopfd = open(PRIV_LOOP_CONTROL, O_RDWR | O_CLOEXEC)) ==
	    -1)
		log_warn("%s: no snapshots", PRIV_LOOP_CONTROL);
	else {
		/* Files on a device-mapper device are refused (validate.c). */
		p->dm_major = dm_block_major();
		return;
	}
	close(p->dmfd);
	p->dmfd = -1;
}

/* Refuse a caller the policy does not name, by user or by group. */
static void
check_caller(const struct policy *pol, uid_t uid, const gid_t *groups,
    int ngroups)
{
	struct passwd	*pw = getpwuid(uid);
	struct group	*gr;
	const char	*user = pw != NULL ? pw->pw_name : NULL;
	int		 i, ok;

	ok = user != NULL && policy_allows(pol, user, NULL);
	for (i = 0; !ok && i < ngroups; i++)
		if ((gr = getgrgid(groups[i])) != NULL)
			ok = policy_allows(pol, NULL, gr->gr_name);
	if (!ok)
		fatalx("uid %u (%s) is not allowed to use banger-priv: add "
		    "the user to allow_users or one of its groups to "
		    "allow_groups in %s", (unsigned)uid,
		    user != NULL ? user : "no name", PRIV_CONF);
}

int
main(int argc, char *argv[])
{
	static struct lease_table	 table;
	static struct priv		 priv;
	struct priv			*p = &priv;
	gid_t				 groups[MAX_GROUPS + 1];
	char				 err[256];
	int				 fd, ngroups, type = 0, dom = 0;
	socklen_t			 sl = sizeof(int);

	/* fds 0-2 exist, so that no later open() lands on one of them. */
	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF &&
		    open("/dev/null", O_RDWR) != fd)
			_exit(1);
	p->uid = getuid();
	p->gid = groups[0] = getgid();
	ngroups = getgroups(MAX_GROUPS, groups + 1);
	log_init("priv", 2, argc == 2 && strcmp(argv[1], "-v") == 0);
	if (ngroups == -1)
		fatal("getgroups");
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "-v") != 0))
		fatalx("usage: banger-priv [-v] (started by bangerd)");
	if (geteuid() != 0)
		fatalx("not installed setuid root");
	if (getsockopt(PRIV_FD, SOL_SOCKET, SO_TYPE, &type, &sl) == -1 ||
	    getsockopt(PRIV_FD, SOL_SOCKET, SO_DOMAIN, &dom, &sl) == -1 ||
	    type != SOCK_SEQPACKET || dom != AF_UNIX)
		fatalx("fd %d is not a unix SOCK_SEQPACKET socket: "
		    "banger-priv is started by bangerd", PRIV_FD);
	closefrom(PRIV_FD + 1);
	if (clearenv() != 0)
		fatalx("clearenv failed");
	umask(022);
	/* Replies use MSG_NOSIGNAL; this covers the stderr pipe. */
	signal(SIGPIPE, SIG_IGN);
	/* Sent by a terminal unchecked: none may stop us holding the lock. */
	signal(SIGTSTP, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);

	read_policy(&p->pol);
	check_caller(&p->pol, p->uid, groups, ngroups + 1);

	/*
	 * Root in full and a session of our own, so the caller cannot
	 * SIGSTOP us with the lease lock held (and libxtables does not
	 * _exit(111) on mixed uids); it ends us by closing fd 3.  setsid()
	 * fails for a process-group leader, which its terminal could stop.
	 */
	if (setgroups(0, NULL) == -1 || setresgid(0, 0, 0) == -1 ||
	    setresuid(0, 0, 0) == -1)
		fatal("cannot take root ids");
	if (setsid() == -1)
		fatal("setsid: cannot leave the caller's session (do not make "
		    "banger-priv a process-group leader)");
	std_fds_detach();
	/* Nobody may ptrace us or read a core dump. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("PR_SET_DUMPABLE");
	/* Nor freeze us in its cgroup, or shape our limits and priority. */
	cgroup_leave();
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
	p->bus = p->pol.resolved ? resolved_open() : NULL;

	sandbox_caps(p->dmfd != -1);
	sandbox_seccomp(p->dmfd != -1);
	log_debug("serving uid %u", (unsigned)p->uid);
	priv_serve(p);
}
