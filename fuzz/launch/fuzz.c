/*
 * The launcher's side of its protocol: frames from bangerd, as the
 * launcher reads them from its socket (fd 3), through msg_decode() and
 * the launcher's own request handling in bangerd/launch.c, included here
 * so its static functions are reachable.  fork(), kill(), waitpid() and
 * execve() are replaced by stubs: a "started" process is a made-up pid
 * that never runs.
 *
 * Input: records of one control byte (bit 0: attach a descriptor; bit 1:
 * the payload carries its own 4-byte length prefix, so bad prefixes are
 * tried too; bit 2: send it on the connect socket, fd 4, instead of
 * fd 3), a 16-bit little-endian length, then the payload.
 *
 * Checked after every request: every reply the launcher sends decodes
 * as a launcher reply of the kind that socket carries (a connection comes
 * with exactly one descriptor, and here, where the run directory does not
 * exist, never comes; a unix: listener comes with one, only for a path
 * in normal form, and unixlisten.c's maker is a stub here that never
 * touches the file system); an adoption is always refused (the
 * launcher's VMM here is a path no process runs, so no real process is
 * ever adopted or signalled); it signals only processes it started; its
 * table stays in bounds; and, once the input ends and staged descriptors
 * are dropped, no descriptor has leaked.
 */
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAKE_PID_BASE	4000000	/* above any pid_max: never a real process */

static pid_t	 fake_next = FAKE_PID_BASE;
static int	 fuzz_forks;

static pid_t
fuzz_fork(void)
{
	fuzz_forks++;
	return fake_next++;
}

static int
fuzz_kill(pid_t pid, int sig)
{
	/* The launcher may signal only what it started. */
	if (pid < FAKE_PID_BASE || pid >= fake_next || sig < 0 || sig > 64)
		abort();
	return 0;
}

static pid_t
fuzz_waitpid(pid_t pid, int *status, int options)
{
	(void)pid;
	(void)status;
	(void)options;
	errno = ECHILD;
	return -1;
}

static int
fuzz_execve(const char *path, char *const argv[], char *const envp[])
{
	(void)path;
	(void)argv;
	(void)envp;
	abort();	/* only ever in a child, which never exists here */
}

/* The system headers are in: only launch.c's own calls are renamed. */
#define fork		fuzz_fork
#define kill		fuzz_kill
#define waitpid		fuzz_waitpid
#define execve		fuzz_execve

#include "../../bangerd/launch.c"

#undef fork
#undef kill
#undef waitpid
#undef execve

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* What launch.c needs from the rest of bangerd, never reached here. */
const struct vmm_ops firecracker_ops = { .name = "firecracker" };

void
vm_vmm_started(struct bangerd *d, struct launch_started *s)
{
	(void)d;
	(void)s;
	abort();
}

void
vm_vmm_exited(struct bangerd *d, struct launch_exited *e)
{
	(void)d;
	(void)e;
	abort();
}

void
job_exited(struct bangerd *d, struct launch_exited *e)
{
	(void)d;
	(void)e;
	abort();
}

void
net_started(struct bangerd *d, struct launch_started *s)
{
	(void)d;
	(void)s;
	abort();
}

void
net_exited(struct bangerd *d, struct launch_exited *e)
{
	(void)d;
	(void)e;
	abort();
}

void
web_started(struct bangerd *d, struct launch_started *s)
{
	(void)d;
	(void)s;
	abort();
}

void
web_exited(struct bangerd *d, struct launch_exited *e)
{
	(void)d;
	(void)e;
	abort();
}

void
sandbox_launcher(void)
{
	abort();
}

/* bangerd's side (launch_kill_all), never reached here. */
struct vm *
vm_find_id(struct bangerd *d, int64_t id)
{
	(void)d;
	(void)id;
	abort();
}

int
vm_keepable(const struct vm *vm)
{
	(void)vm;
	abort();
}

static int	 devnull = -1;

/*
 * The launcher's unix: listener maker (unixlisten.c): a descriptor for
 * a path in normal form of even length, a refusal for one of odd
 * length, and never a file.  It must only ever see checked paths.
 */
int
unix_listen_make(const char *path)
{
	if (!port_unix_path_ok(path)) {
		errno = EINVAL;
		return -1;
	}
	if (strlen(path) % 2 == 1) {
		errno = ENOTSOCK;
		return -1;
	}
	return fcntl(devnull, F_DUPFD_CLOEXEC, 0);
}

static int	 peer = -1;	/* bangerd's end */
static int	 cpeer = -1;	/* bangerd's end of the connect socket */

/* A socket pair: bangerd's end returned, the launcher's put at `at`. */
static int
pair_at(int at)
{
	int	 sv[2], mine;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		abort();
	/* bangerd's end well clear of fds 3 and 4, the launcher's. */
	if ((mine = fcntl(sv[0], F_DUPFD_CLOEXEC, 64)) == -1)
		abort();
	close(sv[0]);
	if (sv[1] != at) {
		if (fcntl(at, F_GETFD) != -1 ||
		    dup3(sv[1], at, O_CLOEXEC) == -1)
			abort();
		close(sv[1]);
	}
	return mine;
}

static void
setup(void)
{
	if (peer != -1)
		return;
	log_init("fuzz-launch", -1, 0);
	/* fd 3 first: the second pair must not land on 4 before it's ours. */
	if (fcntl(LAUNCHER_CONN_SOCK, F_GETFD) != -1)
		abort();
	peer = pair_at(LAUNCHER_SOCK);
	cpeer = pair_at(LAUNCHER_CONN_SOCK);
	if ((devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		abort();
}

static int
open_fds(void)
{
	int	 fd, n = 0;

	for (fd = 0; fd < 256; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

/*
 * Every reply must decode as the launcher's own, of a kind its socket
 * carries; only CONNECTED may carry a descriptor, and here (no run
 * directory) the launcher has nothing to connect to.
 */
static void
drain_one(int fd, int conn)
{
	uint8_t			 p[LAUNCH_FRAMEMAX + FRAME_HDR];
	union {
		char		 b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	 align;
	}			 cm;
	struct msghdr		 mh;
	struct iovec		 iov;
	struct msg_hdr		 h;
	void			*body;
	char			 err[MSG_ERRLEN];
	size_t			 plen;
	ssize_t			 n;

	for (;;) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = p;
		iov.iov_len = sizeof(p);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cm.b;
		mh.msg_controllen = sizeof(cm.b);
		n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n <= 0)
			break;
		if (frame_peek(p, n, LAUNCH_FRAMEMAX, &plen) != FRAME_OK ||
		    plen != (size_t)n - FRAME_HDR ||
		    msg_decode(&launch_proto, p + FRAME_HDR, plen, &h, &body,
		    err, sizeof(err)) == -1)
			abort();
		if (conn ? h.type != LAUNCH_CONNECT_FAILED &&
		    h.type != LAUNCH_UNIX_LISTENING &&
		    h.type != LAUNCH_UNIX_FAILED &&
		    h.type != LAUNCH_ADOPT_FAILED :
		    h.type != LAUNCH_STARTED && h.type != LAUNCH_ERROR)
			abort();
		/* Only a listener comes with a descriptor, and always. */
		if ((CMSG_FIRSTHDR(&mh) != NULL) !=
		    (h.type == LAUNCH_UNIX_LISTENING))
			abort();
		if (h.type == LAUNCH_UNIX_LISTENING) {
			struct cmsghdr	*c = CMSG_FIRSTHDR(&mh);
			int		 fd;

			if (c->cmsg_level != SOL_SOCKET ||
			    c->cmsg_type != SCM_RIGHTS ||
			    c->cmsg_len != CMSG_LEN(sizeof(int)) ||
			    !port_unix_path_ok(((struct launch_unix_listening *)
			    body)->path))
				abort();
			memcpy(&fd, CMSG_DATA(c), sizeof(fd));
			close(fd);
		}
		msg_free(&launch_proto, h.type, body);
	}
}

static void
drain(void)
{
	drain_one(peer, 0);
	drain_one(cpeer, 1);
}

static void
send_rec(int to, uint8_t ctl, const uint8_t *p, size_t len)
{
	uint8_t		 pkt[FRAME_HDR + 65536];
	union {
		char		 b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	 align;
	}		 cm;
	struct msghdr	 mh;
	struct iovec	 iov;
	struct cmsghdr	*c;
	size_t		 n = 0;

	if ((ctl & 2) == 0) {
		pkt[0] = len >> 24;
		pkt[1] = len >> 16;
		pkt[2] = len >> 8;
		pkt[3] = len;
		n = FRAME_HDR;
	}
	memcpy(pkt + n, p, len);
	n += len;
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = pkt;
	iov.iov_len = n;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (ctl & 1) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.b;
		mh.msg_controllen = sizeof(cm.b);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &devnull, sizeof(int));
	}
	if (sendmsg(to, &mh, 0) == -1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char	 vmm[] = "/nonexistent/vmm", fetch[] = "/nonexistent/f";
	static char	 net[] = "/nonexistent/n";
	static char	 rundir[] = "/nonexistent/run";
	struct launcher	 l;
	struct buf	 in = { 0 };
	size_t		 len, i;
	uint8_t		 ctl;
	int		 before, slot;

	setup();
	before = open_fds();
	memset(&l, 0, sizeof(l));
	l.tools[LAUNCH_TOOL_VMM] = vmm;
	/* Half the inputs run with no banger-fetch, as a daemon may. */
	l.tools[LAUNCH_TOOL_FETCH] = size > 0 && (data[0] & 0x80) ? NULL :
	    fetch;
	l.tools[LAUNCH_TOOL_NET] = size > 0 && (data[0] & 0x40) ? NULL : net;
	l.rundir = rundir;
	l.env = (char *[]){ NULL };
	for (slot = 0; slot <= LAUNCH_SLOT_MAX; slot++)
		l.staged[slot] = -1;
	while (size >= 3) {
		ctl = data[0];
		len = data[1] | (size_t)data[2] << 8;
		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		/* An empty packet is EOF to the launcher: it stops. */
		if (len == 0 && (ctl & 2) == 0)
			break;
		send_rec(ctl & 4 ? cpeer : peer, ctl, data, len);
		data += len;
		size -= len;
		if (l_request(&l, ctl & 4 ? LAUNCHER_CONN_SOCK : LAUNCHER_SOCK,
		    &in) == -1)
			break;
		drain();
		if (l.nkids > LAUNCH_MAXVMM)
			abort();
		for (i = 0; i < l.nkids; i++)
			if (l.kids[i].tool > LAUNCH_TOOL_MAX ||
			    l.tools[l.kids[i].tool] == NULL ||
			    l.kids[i].pidfd != -1)
				abort();
		for (slot = 0; slot < LAUNCH_SLOT_MIN; slot++)
			if (l.staged[slot] != -1)
				abort();
	}
	drain();
	/* Whatever bangerd sent that l_request did not read. */
	while (recv(LAUNCHER_SOCK, in.p != NULL ? in.p : (void *)&ctl, 1,
	    MSG_DONTWAIT) > 0)
		;
	while (recv(LAUNCHER_CONN_SOCK, in.p != NULL ? in.p : (void *)&ctl, 1,
	    MSG_DONTWAIT) > 0)
		;
	l_unstage(&l);
	buf_free(&in);
	if (open_fds() != before)
		abort();
	return 0;
}
