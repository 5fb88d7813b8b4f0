/*
 * The VMM launcher.  bangerd's own seccomp filter has no execve, fork,
 * kill, socket or connect, so before sandboxing itself bangerd fork+execs
 * "bangerd --launcher VMM FETCH RUNDIR NET WEB" with a SOCK_SEQPACKET
 * socket on fd 3.  The launcher execs only those binaries, with descriptors bangerd
 * sends it, reaps what it started and reports exits.  On a second socket
 * (fd 4), one request at a time, it connects bangerd to a Firecracker
 * VM's API or vsock socket: the path is its own (fc-sock.c, from RUNDIR
 * and the VM id), and the connection is handed over only if the VMM it
 * started for that VM is the listener.  On that socket too it makes the
 * listener of a published unix:PATH port (unixlisten.c).  It dies with bangerd
 * (PR_SET_PDEATHSIG), and so do the tools it ran.  A QEMU VM does not:
 * its agent, monitor and console are sockets the QEMU process itself
 * listens on (made in the child before the exec, so SO_PEERCRED names
 * it), it has a session of its own, and after a crash the next bangerd
 * adopts it (LAUNCH_ADOPT): the launcher watches it through a pidfd and
 * bangerd connects to its sockets again.  A bangerd that stops in order
 * kills its VMMs first (launch_kill_all).
 */
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bangerd.h"
#include "firecracker.h"
#include "fdutil.h"
#include "frame.h"
#include "log.h"
#include "msg.h"

extern char **environ;

#define LAUNCHER_SOCK	3	/* the launcher's end, fixed */
#define LAUNCHER_CONN_SOCK 4	/* its end of the LAUNCH_CONNECT channel */
#define LAUNCH_MAXVMM	256
#define LAUNCH_FRAMEMAX	(64 * 1024)
#define LAUNCH_CONNECT_WAIT_MS 2000	/* for the launcher's answer */
#define LAUNCH_STOP_WAIT_MS 5000	/* for the VMMs' ends at a stop */
#define L_SYNC_FD	(LAUNCH_SLOT_MAX + 1)	/* a child's sync pipe */

struct launcher {
	const char	*tools[LAUNCH_TOOL_MAX + 1];	/* fixed at start */
	const char	*rundir;	/* where VMs' sockets are, fixed too */
	int		 staged[LAUNCH_SLOT_MAX + 1];
	struct {
		uint64_t vm_id;
		uint64_t tool;
		pid_t	 pid;
		int	 pidfd;		/* an adopted VMM's, else -1 */
		int	 keep;		/* a QEMU that outlives us */
	}		 kids[LAUNCH_MAXVMM];
	size_t		 nkids;
	char		**env;
};

/* PATH and HOME pass through (banger-fetch runs mkfs, fakeroot, ...). */
static char **
launcher_env(void)
{
	static char	*env[3];
	static char	 path[1024], home[1024];
	const char	*v;
	size_t		 n = 0;

	if ((v = getenv("PATH")) != NULL && strlen(v) < sizeof(path) - 6) {
		snprintf(path, sizeof(path), "PATH=%s", v);
		env[n++] = path;
	}
	if ((v = getenv("HOME")) != NULL && strlen(v) < sizeof(home) - 6) {
		snprintf(home, sizeof(home), "HOME=%s", v);
		env[n++] = home;
	}
	env[n] = NULL;
	return env;
}

static int
l_reply(int sock, uint32_t type, uint64_t id, const void *body, int fd)
{
	struct buf	 b = { 0 };
	int		 rc;

	if (msg_frame(&launch_proto, type, id, body, &b) == -1)
		return -1;
	rc = frame_send(sock, &b, fd);
	buf_free(&b);
	return rc;
}

static int
l_send(uint32_t type, const void *body)
{
	return l_reply(LAUNCHER_SOCK, type, 0, body, -1);
}

static void
l_unstage(struct launcher *l)
{
	int	 i;

	for (i = 0; i <= LAUNCH_SLOT_MAX; i++)
		if (l->staged[i] != -1) {
			close(l->staged[i]);
			l->staged[i] = -1;
		}
}

/*
 * bangerd is gone: what would die with us anyway goes now; a QEMU with
 * listening channels stays for the next bangerd to adopt (a bangerd
 * that stopped in order has killed its VMMs already).
 */
static void
l_killall(struct launcher *l)
{
	size_t	 i;

	for (i = 0; i < l->nkids; i++)
		if (!l->kids[i].keep)
			(void)kill(l->kids[i].pid, SIGKILL);
}

static void
l_signal(struct launcher *l, size_t i, int signo)
{
	if (l->kids[i].pidfd != -1)
		(void)syscall(SYS_pidfd_send_signal, l->kids[i].pidfd, signo,
		    NULL, 0);
	else
		(void)kill(l->kids[i].pid, signo);
}

/* The kid that is this VM's VMM, or -1. */
static ssize_t
l_vmm_of(const struct launcher *l, uint64_t vm_id)
{
	size_t	 i;

	for (i = 0; i < l->nkids; i++)
		if (l->kids[i].vm_id == vm_id &&
		    l->kids[i].tool == LAUNCH_TOOL_VMM)
			return (ssize_t)i;
	return -1;
}

/*
 * A child that cannot exec: with a sync pipe (a QEMU with listening
 * channels), its errno goes there, so that the launcher reports an
 * error, not a start.
 */
static void __attribute__((noreturn))
l_child_fail(int syncfd, int code)
{
	int	 e = errno;

	if (syncfd != -1)
		(void)!write(syncfd, &e, sizeof(e));
	_exit(code);
}

/* The slots of a QEMU VM's listening channels (qemu.c names them). */
static const struct {
	int		 slot;
	unsigned	 sock;
} l_chans[] = {
	{ 3, LAUNCH_SOCK_AGENT },
	{ 4, LAUNCH_SOCK_QMP },
	{ 6, LAUNCH_SOCK_CON },
};

/* In the child, before the exec: listen, so that the pid is QEMU's. */
static int
l_listen_chans(const struct launcher *l, uint64_t vm_id)
{
	struct sockaddr_un	 sun;
	size_t			 i;
	int			 s;

	for (i = 0; i < sizeof(l_chans) / sizeof(l_chans[0]); i++) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (fc_sock_path(l->rundir, vm_id, l_chans[i].sock,
		    sun.sun_path, sizeof(sun.sun_path)) == -1)
			return -1;
		/* A socket a VMM of this id left: nothing listens there. */
		if (unlink(sun.sun_path) == -1 && errno != ENOENT)
			return -1;
		if ((s = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
			return -1;
		if (bind(s, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
		    listen(s, 4) == -1 || (s != l_chans[i].slot &&
		    dup2(s, l_chans[i].slot) == -1)) {
			close(s);
			return -1;
		}
		if (s != l_chans[i].slot)
			close(s);
	}
	return 0;
}

/* A QEMU with listening channels ended: its socket names go too. */
static void
l_unlink_chans(const struct launcher *l, size_t k)
{
	char	 path[FC_SUN_PATH_MAX];
	size_t	 i;

	if (!l->kids[k].keep || l->rundir == NULL)
		return;
	for (i = 0; i < sizeof(l_chans) / sizeof(l_chans[0]); i++)
		if (fc_sock_path(l->rundir, l->kids[k].vm_id,
		    l_chans[i].sock, path, sizeof(path)) == 0)
			(void)unlink(path);
}

static void
l_exec(struct launcher *l, struct launch_exec *ex)
{
	struct launch_started	 st;
	struct launch_error	 le;
	pid_t			 pid;
	ssize_t			 n;
	int			 i, devnull, e, cfd, sync[2] = { -1, -1 };

	le.tool = ex->tool;
	le.vm_id = ex->vm_id;
	if (l->nkids == LAUNCH_MAXVMM || ex->argv.n == 0 ||
	    l->tools[ex->tool] == NULL || (ex->listen &&
	    (ex->tool != LAUNCH_TOOL_VMM || l->rundir == NULL ||
	    l_vmm_of(l, ex->vm_id) != -1))) {
		le.message = l->tools[ex->tool] == NULL ? "tool not available" :
		    ex->listen ? "listening channels need the VMM, a run "
		    "directory and no VMM running for that VM" :
		    "too many processes or empty command";
		l_unstage(l);
		(void)l_send(LAUNCH_ERROR, &le);
		return;
	}
	/* Closed by the exec; an error before it comes through it. */
	if (ex->listen && pipe2(sync, O_CLOEXEC) == -1) {
		le.message = strerror(errno);
		l_unstage(l);
		(void)l_send(LAUNCH_ERROR, &le);
		return;
	}
	if ((pid = fork()) == -1) {
		le.message = strerror(errno);
		l_unstage(l);
		if (sync[0] != -1) {
			close(sync[0]);
			close(sync[1]);
		}
		(void)l_send(LAUNCH_ERROR, &le);
		return;
	}
	if (pid == 0) {
		cfd = -1;
		if (!ex->listen)
			(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		else {
			/*
			 * The sync pipe's end is parked above the slots
			 * with the staged fds, and placed just above them
			 * last, so that neither lands on the other.
			 */
			if ((cfd = fcntl(sync[1], F_DUPFD_CLOEXEC, 64)) == -1)
				l_child_fail(sync[1], 126);
			if (setsid() == -1)
				l_child_fail(cfd, 126);
		}
		if ((devnull = open("/dev/null", O_RDWR)) == -1)
			l_child_fail(cfd, 126);
		/* Park staged fds above the slots before placing them. */
		for (i = 0; i <= LAUNCH_SLOT_MAX; i++)
			if (l->staged[i] != -1 && (l->staged[i] =
			    fcntl(l->staged[i], F_DUPFD_CLOEXEC, 64)) == -1)
				l_child_fail(cfd, 126);
		if (dup2(devnull, 0) == -1 || dup2(devnull, 1) == -1 ||
		    dup2(devnull, 2) == -1)
			l_child_fail(cfd, 126);
		for (i = LAUNCH_SLOT_MIN; i <= LAUNCH_SLOT_MAX; i++)
			if (l->staged[i] != -1 && dup2(l->staged[i], i) == -1)
				l_child_fail(cfd, 126);
		if (ex->listen) {
			if (dup3(cfd, L_SYNC_FD, O_CLOEXEC) == -1)
				l_child_fail(cfd, 126);
			cfd = L_SYNC_FD;
			if (l_listen_chans(l, ex->vm_id) == -1)
				l_child_fail(cfd, 126);
		}
		fd_closefrom(ex->listen ? L_SYNC_FD + 1 : LAUNCH_SLOT_MAX + 1);
		ex->argv.v[0] = (char *)l->tools[ex->tool];
		execve(l->tools[ex->tool], ex->argv.v, l->env);
		l_child_fail(cfd, 127);
	}
	l_unstage(l);
	if (ex->listen) {
		/* Until the exec: short, and the channels exist after it. */
		close(sync[1]);
		while ((n = read(sync[0], &e, sizeof(e))) == -1 &&
		    errno == EINTR)
			;
		close(sync[0]);
		/*
		 * Every failure before the exec writes; a child gone with
		 * nothing written (killed) did not start either.
		 */
		if (n == 0 && waitpid(pid, NULL, WNOHANG) == pid)
			n = -1;
		if (n != 0) {
			le.message = n == sizeof(e) ? strerror(e) :
			    "the VMM did not start";
			(void)l_send(LAUNCH_ERROR, &le);
			return;		/* l_reap() ignores the child */
		}
	}
	l->kids[l->nkids].vm_id = ex->vm_id;
	l->kids[l->nkids].tool = ex->tool;
	l->kids[l->nkids].pid = pid;
	l->kids[l->nkids].pidfd = -1;
	l->kids[l->nkids].keep = ex->listen != 0;
	l->nkids++;
	st.vm_id = ex->vm_id;
	st.tool = ex->tool;
	st.pid = pid;
	(void)l_send(LAUNCH_STARTED, &st);
}

static void
l_reap(struct launcher *l)
{
	struct launch_exited	 ex;
	pid_t			 pid;
	int			 status;
	size_t			 i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < l->nkids; i++)
			if (l->kids[i].pid == pid)
				break;
		if (i == l->nkids)
			continue;
		ex.vm_id = l->kids[i].vm_id;
		ex.tool = l->kids[i].tool;
		ex.pid = pid;
		ex.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		ex.signo = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		l_unlink_chans(l, i);
		l->kids[i] = l->kids[--l->nkids];
		(void)l_send(LAUNCH_EXITED, &ex);
	}
}

/* An adopted VMM ended (not our child: how, we cannot know). */
static void
l_adopted_gone(struct launcher *l, size_t i)
{
	struct launch_exited	 ex;

	ex.vm_id = l->kids[i].vm_id;
	ex.tool = l->kids[i].tool;
	ex.pid = l->kids[i].pid;
	ex.status = -1;
	ex.signo = 0;
	close(l->kids[i].pidfd);
	l_unlink_chans(l, i);
	l->kids[i] = l->kids[--l->nkids];
	(void)l_send(LAUNCH_EXITED, &ex);
}

/*
 * The launcher's requests, one table: L_FD marks the one that must carry
 * a descriptor, every other must carry none; L_CONN the one allowed on
 * the connect socket, which carries nothing else.  A handler returns -1
 * for a request it refuses.
 */
#define L_FD	0x01
#define L_CONN	0x02

static int	l_fd(struct launcher *, uint64_t, void *, int *);
static int	l_exec_req(struct launcher *, uint64_t, void *, int *);
static int	l_kill(struct launcher *, uint64_t, void *, int *);
static int	l_connect(struct launcher *, uint64_t, void *, int *);
static int	l_unix_listen(struct launcher *, uint64_t, void *, int *);
static int	l_adopt(struct launcher *, uint64_t, void *, int *);

static const struct l_dispatch {
	uint32_t	 type;
	unsigned	 flags;
	int		(*fn)(struct launcher *, uint64_t, void *, int *);
} l_dispatch[] = {
	{ LAUNCH_FD,		L_FD,	l_fd },
	{ LAUNCH_EXEC,		0,	l_exec_req },
	{ LAUNCH_KILL,		0,	l_kill },
	{ LAUNCH_CONNECT,	L_CONN,	l_connect },
	{ LAUNCH_UNIX_LISTEN,	L_CONN,	l_unix_listen },
	{ LAUNCH_ADOPT,		L_CONN,	l_adopt },
};

static int
l_fd(struct launcher *l, uint64_t id, void *body, int *fd)
{
	uint64_t	 slot = ((struct launch_fd *)body)->slot;

	(void)id;
	if (slot < LAUNCH_SLOT_MIN || l->staged[slot] != -1)
		return -1;
	l->staged[slot] = *fd;
	*fd = -1;
	return 0;
}

static int
l_exec_req(struct launcher *l, uint64_t id, void *body, int *fd)
{
	(void)id;
	(void)fd;
	l_exec(l, body);
	return 0;
}

static int
l_kill(struct launcher *l, uint64_t id, void *body, int *fd)
{
	struct launch_kill	*lk = body;
	size_t			 i;

	(void)id;
	(void)fd;
	for (i = 0; i < l->nkids; i++)
		if (l->kids[i].vm_id == lk->vm_id &&
		    l->kids[i].tool == lk->tool)
			l_signal(l, i, (int)lk->signo);
	return 0;
}

/*
 * A connection to a VM's own socket: the path comes from our run
 * directory and the id (fc-sock.c), and the listener must be the VMM we
 * started for that VM, so no request can reach any other socket.  A
 * refusal is an answer, not a protocol error.
 */
static int
l_connect(struct launcher *l, uint64_t id, void *body, int *fd)
{
	struct launch_connect		*lc = body;
	struct launch_connected		 ok = { lc->vm_id, lc->sock };
	struct launch_connect_failed	 no = { lc->vm_id, lc->sock, ESRCH };
	pid_t				 pid = 0;
	size_t				 i;
	int				 s, rc;

	(void)fd;
	for (i = 0; i < l->nkids; i++)
		if (l->kids[i].vm_id == lc->vm_id &&
		    l->kids[i].tool == LAUNCH_TOOL_VMM)
			pid = l->kids[i].pid;
	if (pid == 0 || l->rundir == NULL)
		return l_reply(LAUNCHER_CONN_SOCK, LAUNCH_CONNECT_FAILED, id,
		    &no, -1);
	if ((s = fc_sock_dial(l->rundir, lc->vm_id, lc->sock, pid)) == -1) {
		no.error = errno > 0 && errno <= LAUNCH_ERRNO_MAX ? errno :
		    EIO;
		return l_reply(LAUNCHER_CONN_SOCK, LAUNCH_CONNECT_FAILED, id,
		    &no, -1);
	}
	rc = l_reply(LAUNCHER_CONN_SOCK, LAUNCH_CONNECTED, id, &ok, s);
	close(s);
	return rc;
}

/*
 * The listener of a published unix:PATH port, made as the user (the
 * path is checked again there).  A refusal is an answer.
 */
static int
l_unix_listen(struct launcher *l, uint64_t id, void *body, int *fd)
{
	struct launch_unix_listen	*lu = body;
	struct launch_unix_listening	 ok = { lu->path };
	struct launch_unix_failed	 no = { lu->path, EIO };
	int				 s, rc;

	(void)l;
	(void)fd;
	if ((s = unix_listen_make(lu->path)) == -1) {
		if (errno > 0 && errno <= LAUNCH_ERRNO_MAX)
			no.error = errno;
		return l_reply(LAUNCHER_CONN_SOCK, LAUNCH_UNIX_FAILED, id,
		    &no, -1);
	}
	rc = l_reply(LAUNCHER_CONN_SOCK, LAUNCH_UNIX_LISTENING, id, &ok, s);
	close(s);
	return rc;
}

/* Is pid running our VMM binary (the same file, not only the name)? */
static int
l_is_vmm(const struct launcher *l, pid_t pid)
{
	struct stat	 a, b;
	char		 path[64];

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	return l->tools[LAUNCH_TOOL_VMM] != NULL &&
	    stat(l->tools[LAUNCH_TOOL_VMM], &a) == 0 && stat(path, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * A QEMU a crashed bangerd left: checked through a pidfd taken first (a
 * pid reused after the check cannot be signalled), then watched like our
 * own, its end reported when the pidfd says so.  A refusal is an answer.
 */
static int
l_adopt(struct launcher *l, uint64_t id, void *body, int *fd)
{
	struct launch_adopt		*la = body;
	struct launch_adopted		 ok = { la->vm_id, la->pid };
	struct launch_adopt_failed	 no = { la->vm_id, EPERM };
	pid_t				 pid = (pid_t)la->pid;
	size_t				 i;
	int				 pfd;

	(void)fd;
	for (i = 0; i < l->nkids; i++)
		if ((l->kids[i].vm_id == la->vm_id &&
		    l->kids[i].tool == LAUNCH_TOOL_VMM) ||
		    l->kids[i].pid == pid)
			no.error = EEXIST;
	if (l->nkids == LAUNCH_MAXVMM)
		no.error = EMFILE;
	if (no.error != EPERM || pid <= 1)
		return l_reply(LAUNCHER_CONN_SOCK, LAUNCH_ADOPT_FAILED, id,
		    &no, -1);
	if ((pfd = (int)syscall(SYS_pidfd_open, pid, 0)) == -1) {
		no.error = ESRCH;
		return l_reply(LAUNCHER_CONN_SOCK, LAUNCH_ADOPT_FAILED, id,
		    &no, -1);
	}
	/* Checked, then still the process the pidfd holds (no reuse). */
	if (!vmm_is_ours(pid, (int64_t)la->vm_id) || !l_is_vmm(l, pid) ||
	    fd_cloexec(pfd, 1) == -1 ||
	    syscall(SYS_pidfd_send_signal, pfd, 0, NULL, 0) == -1) {
		close(pfd);
		return l_reply(LAUNCHER_CONN_SOCK, LAUNCH_ADOPT_FAILED, id,
		    &no, -1);
	}
	l->kids[l->nkids].vm_id = la->vm_id;
	l->kids[l->nkids].tool = LAUNCH_TOOL_VMM;
	l->kids[l->nkids].pid = pid;
	l->kids[l->nkids].pidfd = pfd;
	l->kids[l->nkids].keep = 1;
	l->nkids++;
	return l_reply(LAUNCHER_CONN_SOCK, LAUNCH_ADOPTED, id, &ok, -1);
}

/* Returns -1 when bangerd went away or misbehaved. */
static int
l_request(struct launcher *l, int sock, struct buf *in)
{
	const struct l_dispatch	*ld = NULL;
	struct msg_hdr		 hdr;
	void			*body;
	char			 err[MSG_ERRLEN];
	int			 fd = -1;
	size_t			 i;

	if (frame_recv(sock, LAUNCH_FRAMEMAX, in, &fd) == -1) {
		log_warn("launcher: receive");
		return -1;
	}
	if (in->len == 0)
		return -1;
	if (msg_decode(&launch_proto, in->p, in->len, &hdr, &body, err,
	    sizeof(err)) == -1) {
		log_warnx("launcher: %s", err);
		if (fd != -1)
			close(fd);
		return -1;
	}
	for (i = 0; i < sizeof(l_dispatch) / sizeof(l_dispatch[0]); i++)
		if (l_dispatch[i].type == hdr.type)
			ld = &l_dispatch[i];
	if (ld == NULL || ((ld->flags & L_FD) != 0) != (fd != -1) ||
	    ((ld->flags & L_CONN) != 0) != (sock == LAUNCHER_CONN_SOCK) ||
	    ld->fn(l, hdr.id, body, &fd) == -1) {
		log_warnx("launcher: unexpected %s request",
		    msg_typename(&launch_proto, hdr.type));
		if (fd != -1)
			close(fd);
		msg_free(&launch_proto, hdr.type, body);
		return -1;
	}
	msg_free(&launch_proto, hdr.type, body);
	return 0;
}

int
launcher_main(int argc, char **argv)
{
	struct launcher	 l;
	struct pollfd	 pfd[3 + LAUNCH_MAXVMM];
	size_t		 at[LAUNCH_MAXVMM], np, k;
	struct buf	 in = { 0 };
	sigset_t	 mask;
	int		 sfd, i;

	log_init("bangerd-launcher", 2, 0);
	if (argc != 7)
		fatalx("usage: bangerd --launcher /path/to/vmm|- "
		    "/path/to/banger-fetch|- /run/dir|- /path/to/banger-net|- "
		    "/path/to/banger-web|-");
	for (i = 2; i < argc; i++)
		if (argv[i][0] != '/' && strcmp(argv[i], "-") != 0)
			fatalx("launcher: %s is neither a path nor -", argv[i]);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		fatal("prctl PDEATHSIG");
	if (getppid() == 1)
		fatalx("parent already gone");
	/* Same uid as bangerd: keep it from reading our memory. */
	if (prctl(PR_SET_DUMPABLE, 0) == -1)
		fatal("prctl DUMPABLE");
	memset(&l, 0, sizeof(l));
	l.tools[LAUNCH_TOOL_VMM] = strcmp(argv[2], "-") == 0 ? NULL : argv[2];
	l.tools[LAUNCH_TOOL_FETCH] = strcmp(argv[3], "-") == 0 ? NULL :
	    argv[3];
	/* "-": the VMM needs no connections from us (l_connect refuses). */
	l.rundir = strcmp(argv[4], "-") == 0 ? NULL : argv[4];
	l.tools[LAUNCH_TOOL_NET] = strcmp(argv[5], "-") == 0 ? NULL : argv[5];
	l.tools[LAUNCH_TOOL_WEB] = strcmp(argv[6], "-") == 0 ? NULL : argv[6];
	/* Tools get only what they need from our (bangerd's) environment. */
	l.env = launcher_env();
	for (i = 0; i <= LAUNCH_SLOT_MAX; i++)
		l.staged[i] = -1;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	if (fd_cloexec(LAUNCHER_SOCK, 1) == -1 ||
	    fd_cloexec(LAUNCHER_CONN_SOCK, 1) == -1)
		fatal("launcher fd");
	sandbox_launcher();
	pfd[0].fd = LAUNCHER_SOCK;
	pfd[0].events = POLLIN;
	pfd[1].fd = sfd;
	pfd[1].events = POLLIN;
	pfd[2].fd = LAUNCHER_CONN_SOCK;
	pfd[2].events = POLLIN;
	for (;;) {
		/* Then each adopted VMM's pidfd. */
		for (np = 0, k = 0; k < l.nkids; k++)
			if (l.kids[k].pidfd != -1) {
				at[np] = k;
				pfd[3 + np].fd = l.kids[k].pidfd;
				pfd[3 + np].events = POLLIN;
				pfd[3 + np].revents = 0;
				np++;
			}
		if (poll(pfd, 3 + np, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		/*
		 * Adopted ones first, while at[] still holds; from the last,
		 * so that removing one moves none still due.
		 */
		for (k = np; k-- > 0;)
			if (pfd[3 + k].revents != 0)
				l_adopted_gone(&l, at[k]);
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo	 si;

			(void)!read(sfd, &si, sizeof(si));
			l_reap(&l);
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR) &&
		    l_request(&l, LAUNCHER_SOCK, &in) == -1)
			break;
		if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR) &&
		    l_request(&l, LAUNCHER_CONN_SOCK, &in) == -1)
			break;
	}
	/* bangerd is gone or broke the protocol: take the guests down. */
	l_killall(&l);
	return 0;
}

/* ---- bangerd's side ------------------------------------------------- */

/* The binary the launcher runs as the VMM. */
static const char *
vmm_bin(const struct bangerd *d)
{
	return d->vmm->bin(d);
}

/* The launcher's reports, one table; any may come at any time. */
static void
launch_started(struct bangerd *d, void *body)
{
	if (((struct launch_started *)body)->tool == LAUNCH_TOOL_VMM)
		vm_vmm_started(d, body);
	else if (((struct launch_started *)body)->tool == LAUNCH_TOOL_NET)
		net_started(d, body);
	else if (((struct launch_started *)body)->tool == LAUNCH_TOOL_WEB)
		web_started(d, body);
}

static void
launch_exited(struct bangerd *d, void *body)
{
	if (((struct launch_exited *)body)->tool == LAUNCH_TOOL_VMM)
		vm_vmm_exited(d, body);
	else if (((struct launch_exited *)body)->tool == LAUNCH_TOOL_NET)
		net_exited(d, body);
	else if (((struct launch_exited *)body)->tool == LAUNCH_TOOL_WEB)
		web_exited(d, body);
	else
		job_exited(d, body);
}

static void
launch_error(struct bangerd *d, void *body)
{
	struct launch_error	*le = body;
	struct launch_exited	 ex = { le->vm_id, le->tool, 0, -1, 0 };

	log_warnx("launcher: %s", le->message);
	launch_exited(d, &ex);
}

static const struct launch_dispatch {
	uint32_t	 type;
	void		(*fn)(struct bangerd *, void *);
} launch_dispatch[] = {
	{ LAUNCH_STARTED,	launch_started },
	{ LAUNCH_EXITED,	launch_exited },
	{ LAUNCH_ERROR,		launch_error },
};

static void
launch_read(evutil_socket_t fd, short what, void *arg)
{
	const struct launch_dispatch	*ld = NULL;
	struct bangerd			*d = arg;
	struct buf			 in = { 0 };
	struct msg_hdr			 hdr;
	void				*body;
	char				 err[MSG_ERRLEN];
	size_t				 i;

	(void)what;
	if (frame_recv(fd, LAUNCH_FRAMEMAX, &in, NULL) == -1 || in.len == 0) {
		log_warnx("launcher went away; shutting down");
		buf_free(&in);
		d->stopping = 1;
		event_base_loopexit(d->base, NULL);
		return;
	}
	if (msg_decode(&launch_proto, in.p, in.len, &hdr, &body, err,
	    sizeof(err)) == -1) {
		buf_free(&in);
		log_warnx("launcher: %s; shutting down", err);
		d->stopping = 1;
		event_base_loopexit(d->base, NULL);
		return;
	}
	buf_free(&in);
	for (i = 0; i < sizeof(launch_dispatch) / sizeof(launch_dispatch[0]);
	    i++)
		if (launch_dispatch[i].type == hdr.type)
			ld = &launch_dispatch[i];
	if (ld != NULL)
		ld->fn(d, body);
	else
		log_warnx("launcher sent %s", msg_typename(&launch_proto,
		    hdr.type));
	msg_free(&launch_proto, hdr.type, body);
}

int
launch_spawn(struct bangerd *d, const char *self)
{
	int		 sv[2], cv[2], ep[2], devnull;
	pid_t		 pid;
	struct event	*ev;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, cv) == -1) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	/*
	 * Its stderr is a pipe bangerd logs from, not bangerd's log file:
	 * a descriptor of that file would keep writing to it after bangerd
	 * rotates it.
	 */
	if (pipe2(ep, O_CLOEXEC) == -1) {
		close(sv[0]);
		close(sv[1]);
		close(cv[0]);
		close(cv[1]);
		return -1;
	}
	if ((pid = fork()) == -1) {
		close(sv[0]);
		close(sv[1]);
		close(cv[0]);
		close(cv[1]);
		close(ep[0]);
		close(ep[1]);
		return -1;
	}
	if (pid == 0) {
		/* Placing one end at 3 must not close the other. */
		if (cv[1] == LAUNCHER_SOCK && (cv[1] = fcntl(cv[1], F_DUPFD,
		    LAUNCHER_CONN_SOCK + 1)) == -1)
			_exit(126);
		if ((devnull = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(devnull, 0) == -1 || dup2(devnull, 1) == -1 ||
		    dup2(ep[1], 2) == -1 ||
		    fd_move(sv[1], LAUNCHER_SOCK) == -1 ||
		    fd_move(cv[1], LAUNCHER_CONN_SOCK) == -1)
			_exit(126);
		fd_closefrom(LAUNCHER_CONN_SOCK + 1);
		execve(self, (char *[]){ "bangerd", "--launcher",
		    vmm_bin(d)[0] ? (char *)vmm_bin(d) : "-",
		    d->fetch_bin[0] ? d->fetch_bin : "-",
		    d->vmm->launcher_connects ? d->paths.runtime_dir : "-",
		    d->net_bin[0] ? d->net_bin : "-",
		    d->web_bin[0] ? d->web_bin : "-", NULL }, environ);
		_exit(127);
	}
	close(sv[1]);
	close(cv[1]);
	close(ep[1]);
	d->launch_log = helper_log_open(d, ep[0]);
	d->launch_fd = sv[0];
	d->launch_conn_fd = cv[0];
	d->launch_pid = pid;
	ev = event_new(d->base, sv[0], EV_READ | EV_PERSIST, launch_read, d);
	if (ev == NULL || event_add(ev, NULL) == -1)
		return -1;
	return 0;
}

static int
launch_send(struct bangerd *d, uint32_t type, const void *body, int fd)
{
	struct buf	 b = { 0 };
	int		 rc;

	if (msg_frame(&launch_proto, type, 0, body, &b) == -1) {
		log_warn("launcher: encode %s (%u)", msg_typename(&launch_proto,
		    type), type);
		return -1;
	}
	if ((rc = frame_send(d->launch_fd, &b, fd)) == -1)
		log_warn("launcher: send %s", msg_typename(&launch_proto,
		    type));
	buf_free(&b);
	return rc;
}

/*
 * Stage fds at slots 2.. (-1: none at that slot) and exec a tool for vm;
 * async result.
 */
static int
launch_exec(struct bangerd *d, uint64_t tool, int64_t vm_id, int listen,
    int *fds, size_t nfds, char **argv, size_t argc)
{
	struct launch_fd	 lf;
	struct launch_exec	 le;
	size_t			 i;

	if (d->launch_fd == -1 || nfds > LAUNCH_SLOT_MAX - LAUNCH_SLOT_MIN + 1)
		return -1;
	for (i = 0; i < nfds; i++) {
		lf.slot = LAUNCH_SLOT_MIN + i;
		if (fds[i] != -1 &&
		    launch_send(d, LAUNCH_FD, &lf, fds[i]) == -1)
			return -1;
	}
	le.vm_id = vm_id;
	le.tool = tool;
	le.listen = listen;
	le.argv.v = argv;
	le.argv.n = argc;
	return launch_send(d, LAUNCH_EXEC, &le, -1);
}

int
launch_tool(struct bangerd *d, uint64_t tool, int64_t vm_id, int *fds,
    size_t nfds, char **argv, size_t argc)
{
	return launch_exec(d, tool, vm_id, 0, fds, nfds, argv, argc);
}

/* listen: the launcher makes QEMU's channels (launch_exec's listen). */
int
launch_vmm(struct bangerd *d, struct vm *vm, int listen, int *fds,
    size_t nfds, char **argv, size_t argc)
{
	if (vmm_bin(d)[0] == '\0' || launch_exec(d, LAUNCH_TOOL_VMM, vm->id,
	    listen, fds, nfds, argv, argc) == -1)
		return -1;
	vm->vmm_alive = 1;
	return 0;
}

/*
 * Stopping in order: every VMM is killed and its end waited for, a
 * bounded wait, since a QEMU does not die with the launcher (l_killall)
 * and the launcher may be gone before it read our requests.  The exits
 * are only counted here; vm_stop_all() does the rest.
 */
void
launch_kill_all(struct bangerd *d)
{
	struct vm		*vm;
	struct pollfd		 p;
	struct buf		 in = { 0 };
	struct msg_hdr		 hdr;
	struct launch_exited	*ex;
	struct launch_error	*le;
	struct timespec		 t0, t;
	uint64_t		 id;
	void			*body;
	char			 err[MSG_ERRLEN];
	int			 left, rc, n = 0;

	TAILQ_FOREACH(vm, &d->vms, entry) {
		/* daemon stop --keep-vms: what the next bangerd can adopt. */
		if (d->keep_vms && vm->vmm_alive && vm_keepable(vm)) {
			log_info("vm %s: left running for the next bangerd",
			    vm->name);
			continue;
		}
		if (vm->vmm_alive && launch_kill(d, vm, SIGKILL) == 0)
			n++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (n > 0) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		left = LAUNCH_STOP_WAIT_MS - (int)((t.tv_sec - t0.tv_sec) *
		    1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		p.fd = d->launch_fd;
		p.events = POLLIN;
		if (left <= 0 || (rc = poll(&p, 1, left)) == 0)
			break;
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc == -1 || frame_recv(d->launch_fd, LAUNCH_FRAMEMAX, &in,
		    NULL) == -1 || in.len == 0 || msg_decode(&launch_proto,
		    in.p, in.len, &hdr, &body, err, sizeof(err)) == -1)
			break;
		ex = body;
		le = body;
		/* An exit, or a start that failed: that VMM is not there. */
		if (hdr.type == LAUNCH_EXITED && ex->tool == LAUNCH_TOOL_VMM)
			id = ex->vm_id;
		else if (hdr.type == LAUNCH_ERROR &&
		    le->tool == LAUNCH_TOOL_VMM)
			id = le->vm_id;
		else
			id = UINT64_MAX;
		if (id <= INT64_MAX && (vm = vm_find_id(d, (int64_t)id)) !=
		    NULL && vm->vmm_alive) {
			vm->vmm_alive = 0;
			vm->pid = 0;
			n--;
		}
		msg_free(&launch_proto, hdr.type, body);
	}
	buf_free(&in);
	if (n > 0)
		log_warnx("%d VMM%s did not end within %d ms", n, n == 1 ? "" :
		    "s", LAUNCH_STOP_WAIT_MS);
}

int
launch_kill(struct bangerd *d, struct vm *vm, int signo)
{
	return launch_kill_tool(d, LAUNCH_TOOL_VMM, vm->id, signo);
}

int
launch_kill_tool(struct bangerd *d, uint64_t tool, int64_t id, int signo)
{
	struct launch_kill	 lk;

	lk.vm_id = id;
	lk.tool = tool;
	lk.signo = signo;
	return launch_send(d, LAUNCH_KILL, &lk, -1);
}

/*
 * One request on the connect socket and its answer (same id), waited
 * for: the launcher answers each at once, so the wait is bounded.
 * Returns 0 with the answer (and any descriptor in *fd), or -1 with
 * errno ESRCH (no launcher), ETIMEDOUT or EPROTO.
 */
static int
conn_ask(struct bangerd *d, uint32_t type, const void *req,
    struct msg_hdr *hdr, void **ans, int *fd)
{
	struct pollfd	 p;
	struct buf	 b = { 0 }, in = { 0 };
	struct timespec	 t0, t;
	char		 err[MSG_ERRLEN];
	int		 rc, left;

	if (d->launch_conn_fd == -1) {
		errno = ESRCH;
		return -1;
	}
	if (msg_frame(&launch_proto, type, ++d->launch_conn_id, req,
	    &b) == -1 || frame_send(d->launch_conn_fd, &b, -1) == -1) {
		buf_free(&b);
		errno = EPROTO;
		return -1;
	}
	buf_free(&b);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		left = LAUNCH_CONNECT_WAIT_MS - (int)((t.tv_sec - t0.tv_sec) *
		    1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		p.fd = d->launch_conn_fd;
		p.events = POLLIN;
		if (left <= 0 || (rc = poll(&p, 1, left)) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (rc == -1 && errno == EINTR)
			continue;
		*fd = -1;
		if (rc == -1 || frame_recv(d->launch_conn_fd, LAUNCH_FRAMEMAX,
		    &in, fd) == -1 || in.len == 0 ||
		    msg_decode(&launch_proto, in.p, in.len, hdr, ans, err,
		    sizeof(err)) == -1) {
			if (*fd != -1)
				close(*fd);
			*fd = -1;
			buf_free(&in);
			log_warnx("launcher: no proper answer to %s",
			    msg_typename(&launch_proto, type));
			errno = EPROTO;
			return -1;
		}
		buf_free(&in);
		/* An answer to an earlier request we gave up on. */
		if (hdr->id != d->launch_conn_id) {
			if (*fd != -1)
				close(*fd);
			*fd = -1;
			msg_free(&launch_proto, hdr->type, *ans);
			continue;
		}
		return 0;
	}
}

/* A conn_ask() reply read: fd if it was the right one, else -1 with e. */
static int
conn_done(struct msg_hdr *hdr, void *body, int fd, int ok, int e)
{
	msg_free(&launch_proto, hdr->type, body);
	if (ok)
		return fd;
	if (fd != -1)
		close(fd);
	errno = e;
	return -1;
}

/*
 * A connection to one of a VM's own sockets (LAUNCH_SOCK_*), made by the
 * launcher: bangerd's filter has no socket(2) or connect(2).  Blocking,
 * bounded: the launcher answers each request at once.  Returns the
 * descriptor, or -1 with errno as the launcher's connect(2) set it
 * (ENOENT, ECONNREFUSED while Firecracker starts), EPERM when the
 * listener is not that VM's VMM, ESRCH for a VM with no VMM, ETIMEDOUT or
 * EPROTO when the launcher does not answer properly.
 */
int
launch_connect(struct bangerd *d, uint64_t vm_id, unsigned which)
{
	struct launch_connect		 lc = { vm_id, which };
	struct launch_connect_failed	*no;
	struct launch_connected		*ok;
	struct msg_hdr			 hdr;
	void				*body;
	int				 fd, e;

	if (conn_ask(d, LAUNCH_CONNECT, &lc, &hdr, &body, &fd) == -1)
		return -1;
	ok = body;
	no = body;
	e = hdr.type == LAUNCH_CONNECT_FAILED && fd == -1 && no->vm_id ==
	    vm_id && no->sock == which && no->error > 0 ? no->error : EPROTO;
	return conn_done(&hdr, body, fd, hdr.type == LAUNCH_CONNECTED &&
	    fd != -1 && ok->vm_id == vm_id && ok->sock == which, e);
}

/*
 * The listener of a published unix:PATH port, made by the launcher as
 * the user (unixlisten.c).  Returns it, or -1 with errno as proto.h's
 * struct launch_unix_failed lists, ETIMEDOUT or EPROTO.
 */
int
launch_unix_listen(struct bangerd *d, const char *path)
{
	struct launch_unix_listen	 lu = { (char *)path };
	struct launch_unix_failed	*no;
	struct launch_unix_listening	*ok;
	struct msg_hdr			 hdr;
	void				*body;
	int				 fd, e;

	if (conn_ask(d, LAUNCH_UNIX_LISTEN, &lu, &hdr, &body, &fd) == -1)
		return -1;
	ok = body;
	no = body;
	e = hdr.type == LAUNCH_UNIX_FAILED && fd == -1 &&
	    strcmp(no->path, path) == 0 && no->error > 0 ? no->error : EPROTO;
	return conn_done(&hdr, body, fd, hdr.type == LAUNCH_UNIX_LISTENING &&
	    fd != -1 && strcmp(ok->path, path) == 0, e);
}

/*
 * Take back the VMM a crashed bangerd left running for vm (vm->pid):
 * the launcher checks it and watches it from now on.  Returns 0, or -1
 * with errno as proto.h's struct launch_adopt lists, ETIMEDOUT or
 * EPROTO.
 */
int
launch_adopt(struct bangerd *d, struct vm *vm)
{
	struct launch_adopt		 la = { (uint64_t)vm->id,
					    (uint64_t)vm->pid };
	struct launch_adopt_failed	*no;
	struct launch_adopted		*ok;
	struct msg_hdr			 hdr;
	void				*body;
	int				 fd, good, e;

	if (vm->pid <= 1) {
		errno = ESRCH;
		return -1;
	}
	if (conn_ask(d, LAUNCH_ADOPT, &la, &hdr, &body, &fd) == -1)
		return -1;
	ok = body;
	no = body;
	good = hdr.type == LAUNCH_ADOPTED && fd == -1 &&
	    ok->vm_id == la.vm_id && ok->pid == la.pid;
	e = hdr.type == LAUNCH_ADOPT_FAILED && fd == -1 &&
	    no->vm_id == la.vm_id && no->error > 0 ? (int)no->error : EPROTO;
	(void)conn_done(&hdr, body, fd, good, e);
	if (!good)
		return -1;
	vm->vmm_alive = 1;
	return 0;
}
