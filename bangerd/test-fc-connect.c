/*
 * Unit tests for the connections the launcher makes for bangerd to a
 * Firecracker VM's sockets (fc-sock.c, launch.c's LAUNCH_CONNECT): bangerd
 * may ask only for "VM id, API or vsock", and gets a connection only to a
 * socket whose listener is the VMM the launcher started for that VM.
 *
 * No Firecracker runs here: a fake VMM (this binary, run as "fake-vmm
 * DIR ID") listens on the two paths of its VM and answers every
 * connection with the socket's name.  The end-to-end test runs the real
 * launcher (launcher_main) in a child with that fake VMM as its VMM.  A
 * fake QEMU ("fake-qemu banger-vm-ID") answers on the listening agent,
 * monitor and console sockets the launcher made for it (fds 3, 4, 6):
 * the adoption test lets it outlive one launcher and adopts it with the
 * next.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <msgpack.h>

#include "bangerd.h"
#include "firecracker.h"
#include "fdutil.h"
#include "frame.h"
#include "log.h"

static char	 tmpdir[64];
static char	 self[PATH_MAX];

/* ---- a listener and a fake VMM --------------------------------------- */

static int
listen_at(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, path, strlen(path));
	(void)unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, 8) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The fake VMM: listen on VM id's API and vsock paths under dir, say so
 * on fd `ready` (closing it), then answer each connection with "api" or
 * "vsock" until killed.
 */
static int
fake_vmm(const char *dir, uint64_t id, int ready)
{
	char		 path[FC_SUN_PATH_MAX];
	struct pollfd	 p[2];
	int		 i, c;

	for (i = 0; i < 2; i++) {
		if (fc_sock_path(dir, id, i, path, sizeof(path)) == -1 ||
		    (p[i].fd = listen_at(path)) == -1)
			return 1;
		p[i].events = POLLIN;
	}
	if (write(ready, "r", 1) != 1)
		return 1;
	close(ready);
	for (;;) {
		if (poll(p, 2, -1) == -1)
			return 1;
		for (i = 0; i < 2; i++) {
			if ((p[i].revents & POLLIN) == 0 ||
			    (c = accept(p[i].fd, NULL, NULL)) == -1)
				continue;
			(void)!write(c, i == LAUNCH_SOCK_API ? "api" : "vsock",
			    i == LAUNCH_SOCK_API ? 3 : 5);
			close(c);
		}
	}
}

/* QEMU as the launcher starts it: the channels listen on 3, 4 and 6. */
static int
fake_qemu(void)
{
	static const char *const name[] = { "agent", "qmp", "con" };
	struct pollfd	 p[3];
	int		 i, c;

	p[0].fd = 3;
	p[1].fd = 4;
	p[2].fd = 6;
	for (i = 0; i < 3; i++)
		p[i].events = POLLIN;
	for (;;) {
		if (poll(p, 3, -1) == -1)
			return 1;
		for (i = 0; i < 3; i++) {
			if ((p[i].revents & POLLIN) == 0 ||
			    (c = accept(p[i].fd, NULL, NULL)) == -1)
				continue;
			(void)!write(c, name[i], strlen(name[i]));
			close(c);
		}
	}
}

/* A fake VMM as a child of the test; returns its pid once it listens. */
static pid_t
fake_vmm_fork(uint64_t id)
{
	char	 c;
	int	 p[2];
	pid_t	 pid;

	assert_int_equal(pipe(p), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		/* A failed assertion leaves no listener behind. */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[0]);
		_exit(fake_vmm(tmpdir, id, p[1]));
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

static void
reap(pid_t pid)
{
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, NULL, 0);
}

/* What the other end says first: "api", "vsock" or "" (nothing). */
static void
says(int fd, const char *want)
{
	char	 got[16];
	ssize_t	 n;

	assert_true(fd != -1);
	(void)fcntl(fd, F_SETFL, 0);
	n = read(fd, got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = '\0';
	assert_string_equal(got, want);
}

static void
sock_path(uint64_t id, unsigned which, char *out)
{
	assert_int_equal(fc_sock_path(tmpdir, id, which, out,
	    FC_SUN_PATH_MAX), 0);
}

/* ---- (1) the launcher's connect (fc_sock_dial) -------------------------- */

static void
test_dial_own_vmm(void **state)
{
	pid_t	 vmm;
	int	 fd;

	(void)state;
	vmm = fake_vmm_fork(5);
	fd = fc_sock_dial(tmpdir, 5, LAUNCH_SOCK_API, vmm);
	says(fd, "api");
	close(fd);
	fd = fc_sock_dial(tmpdir, 5, LAUNCH_SOCK_VSOCK, vmm);
	says(fd, "vsock");
	close(fd);
	reap(vmm);
}

/* A listener that is not that VM's VMM is never handed over. */
static void
test_dial_other_listener(void **state)
{
	char	 path[FC_SUN_PATH_MAX];
	pid_t	 vmm5, vmm6;
	int	 lfd;

	(void)state;
	vmm5 = fake_vmm_fork(5);
	vmm6 = fake_vmm_fork(6);
	/* VM 5's socket, asked for as if VM 6's VMM listened there. */
	assert_int_equal(fc_sock_dial(tmpdir, 5, LAUNCH_SOCK_API, vmm6), -1);
	assert_int_equal(errno, EPERM);
	/*
	 * Someone else's socket (the session bus, an ssh-agent: here the
	 * test's own) moved to where VM 7's would be.
	 */
	sock_path(7, LAUNCH_SOCK_API, path);
	assert_true((lfd = listen_at(path)) != -1);
	assert_int_equal(fc_sock_dial(tmpdir, 7, LAUNCH_SOCK_API, vmm5), -1);
	assert_int_equal(errno, EPERM);
	close(lfd);
	unlink(path);
	/* No VMM at all. */
	assert_int_equal(fc_sock_dial(tmpdir, 5, LAUNCH_SOCK_API, 0), -1);
	assert_int_equal(errno, ESRCH);
	reap(vmm5);
	reap(vmm6);
}

static void
test_dial_not_a_socket(void **state)
{
	char	 path[FC_SUN_PATH_MAX], target[FC_SUN_PATH_MAX];
	pid_t	 vmm;
	int	 fd;

	(void)state;
	vmm = fake_vmm_fork(5);
	/* A link is not followed, even to that VMM's own socket. */
	sock_path(8, LAUNCH_SOCK_API, path);
	sock_path(5, LAUNCH_SOCK_API, target);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(fc_sock_dial(tmpdir, 8, LAUNCH_SOCK_API, vmm), -1);
	assert_int_equal(errno, EPERM);
	unlink(path);
	/* A regular file, a missing path. */
	assert_true((fd = open(path, O_CREAT | O_WRONLY, 0600)) != -1);
	close(fd);
	assert_int_equal(fc_sock_dial(tmpdir, 8, LAUNCH_SOCK_API, vmm), -1);
	assert_int_equal(errno, EPERM);
	unlink(path);
	assert_int_equal(fc_sock_dial(tmpdir, 8, LAUNCH_SOCK_API, vmm), -1);
	assert_int_equal(errno, ENOENT);
	/* Only the five sockets exist; ids stay in range. */
	assert_int_equal(fc_sock_dial(tmpdir, 5, LAUNCH_SOCK_MAX + 1, vmm),
	    -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(fc_sock_dial(tmpdir, PRIV_VMID_MAX + 1,
	    LAUNCH_SOCK_API, vmm), -1);
	assert_int_equal(errno, EINVAL);
	reap(vmm);
}

/* ---- (2) the request carries no path ------------------------------------ */

static void
pk_kv(msgpack_packer *pk, const char *k, uint64_t v)
{
	msgpack_pack_str(pk, strlen(k));
	msgpack_pack_str_body(pk, k, strlen(k));
	msgpack_pack_uint64(pk, v);
}

/* A LAUNCH_CONNECT map; with_path adds a "path" key. */
static int
decode_connect(uint64_t vm_id, uint64_t sock, int with_path)
{
	static const char	 bus[] = "/run/user/1000/bus";
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	struct msg_hdr		 hdr;
	void			*body;
	char			 err[MSG_ERRLEN];
	int			 rc;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, with_path ? 6 : 5);
	pk_kv(&pk, "v", LAUNCH_VERSION);
	pk_kv(&pk, "t", LAUNCH_CONNECT);
	pk_kv(&pk, "id", 1);
	pk_kv(&pk, "vm_id", vm_id);
	pk_kv(&pk, "sock", sock);
	if (with_path) {
		msgpack_pack_str(&pk, 4);
		msgpack_pack_str_body(&pk, "path", 4);
		msgpack_pack_str(&pk, sizeof(bus) - 1);
		msgpack_pack_str_body(&pk, bus, sizeof(bus) - 1);
	}
	rc = msg_decode(&launch_proto, (const uint8_t *)sb.data, sb.size,
	    &hdr, &body, err, sizeof(err));
	if (rc == 0)
		msg_free(&launch_proto, hdr.type, body);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

static void
test_request_has_no_path(void **state)
{
	(void)state;
	assert_int_equal(decode_connect(5, LAUNCH_SOCK_API, 0), 0);
	assert_int_equal(decode_connect(5, LAUNCH_SOCK_VSOCK, 0), 0);
	assert_int_equal(decode_connect(5, LAUNCH_SOCK_API, 1), -1);
	assert_int_equal(decode_connect(5, LAUNCH_SOCK_CON, 0), 0);
	assert_int_equal(decode_connect(5, LAUNCH_SOCK_MAX + 1, 0), -1);
	assert_int_equal(decode_connect(PRIV_VMID_MAX + 1, 0, 0), -1);
}

/* ---- (3) the real launcher, and bangerd's launch_connect ---------------- */

struct run {
	struct bangerd	 d;
	pid_t		 launcher;
};

static void
launcher_start_in(struct run *r, char *rundir)
{
	char	*argv[] = { "bangerd", "--launcher", self, "-", rundir, "-",
	    "-", NULL };
	int	 sv[2], cv[2];

	memset(&r->d, 0, sizeof(r->d));
	snprintf(r->d.paths.runtime_dir, sizeof(r->d.paths.runtime_dir),
	    "%s", tmpdir);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
	    sv), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
	    cv), 0);
	assert_true((r->launcher = fork()) != -1);
	if (r->launcher == 0) {
		/* Only the launcher's ends, where bangerd puts them. */
		close(sv[0]);
		close(cv[0]);
		if (dup2(sv[1], 3) == -1 || dup2(cv[1], 4) == -1)
			_exit(126);
		/* bangerd's layout: nothing else open (launch_spawn). */
		fd_closefrom(5);
		_exit(launcher_main(7, argv));
	}
	close(sv[1]);
	close(cv[1]);
	r->d.launch_fd = sv[0];
	r->d.launch_conn_fd = cv[0];
}

static void
launcher_start(struct run *r)
{
	launcher_start_in(r, tmpdir);
}

static void
launcher_stop(struct run *r)
{
	int	 st;

	/* Its VMMs die with it. */
	close(r->d.launch_fd);
	close(r->d.launch_conn_fd);
	assert_int_equal(waitpid(r->launcher, &st, 0), r->launcher);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/*
 * The fake VMM for VM id, started by the launcher: wait for its report
 * (the launcher knows the pid from then on) and until it listens.
 */
static void
launcher_vmm(struct run *r, uint64_t id)
{
	char		 ids[24], c, err[MSG_ERRLEN];
	char		*argv[] = { "x", "fake-vmm", tmpdir, ids, NULL };
	struct buf	 in = { 0 };
	struct msg_hdr	 hdr;
	void		*body;
	int		 p[2];

	snprintf(ids, sizeof(ids), "%llu", (unsigned long long)id);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	/* Slot 2: its stderr, on which it says it listens. */
	assert_int_equal(launch_tool(&r->d, LAUNCH_TOOL_VMM, id, &p[1], 1,
	    argv, 4), 0);
	close(p[1]);
	assert_int_equal(frame_recv(r->d.launch_fd, 65536, &in, NULL), 0);
	assert_int_equal(msg_decode(&launch_proto, in.p, in.len, &hdr, &body,
	    err, sizeof(err)), 0);
	assert_int_equal(hdr.type, LAUNCH_STARTED);
	msg_free(&launch_proto, hdr.type, body);
	buf_free(&in);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
}

static const char *
fake_bin(const struct bangerd *d)
{
	(void)d;
	return self;
}

static const struct vmm_ops fake_qemu_ops = { .name = "qemu",
    .bin = fake_bin };

/* The next report on the launcher's main socket: its type, and pid. */
static uint32_t
report(struct run *r, uint64_t *pid)
{
	struct buf	 in = { 0 };
	struct msg_hdr	 hdr;
	void		*body;
	char		 err[MSG_ERRLEN];

	assert_int_equal(frame_recv(r->d.launch_fd, 65536, &in, NULL), 0);
	assert_int_equal(msg_decode(&launch_proto, in.p, in.len, &hdr, &body,
	    err, sizeof(err)), 0);
	buf_free(&in);
	if (hdr.type == LAUNCH_STARTED)
		*pid = ((struct launch_started *)body)->pid;
	else if (hdr.type == LAUNCH_EXITED)
		*pid = ((struct launch_exited *)body)->pid;
	msg_free(&launch_proto, hdr.type, body);
	return hdr.type;
}

/*
 * A QEMU with listening channels: connected through the launcher that
 * started it; alive after that launcher ends (bangerd crashed); adopted
 * by the next one, which connects to it again, refuses what is not that
 * VM's QEMU, signals it and reports its end; its socket names go.
 */
static void
test_launcher_adopts(void **state)
{
	char		*argv[] = { "x", "fake-qemu", "banger-vm-7", NULL };
	struct vm	 vm, other;
	struct run	 r;
	struct stat	 st;
	char		 path[FC_SUN_PATH_MAX];
	uint64_t	 pid = 0;
	int		 fd, fds[7];

	(void)state;
	launcher_start(&r);
	r.d.vmm = &fake_qemu_ops;
	memset(&vm, 0, sizeof(vm));
	vm.id = 7;
	/*
	 * Staged as bangerd stages them, 3, 4 and 6 never: stderr and tap
	 * (a boot), then also the root snapshot and the saved state (a
	 * resume), so that the sync pipe and the staged fds meet fd 9.
	 */
	assert_true((fds[0] = open("/dev/null", O_WRONLY | O_CLOEXEC)) != -1);
	fds[1] = fds[2] = fds[4] = -1;
	fds[3] = fds[5] = fds[6] = fds[0];
	argv[2] = "banger-vm-17";
	vm.id = 17;
	assert_int_equal(launch_vmm(&r.d, &vm, 1, fds, 5, argv, 3), 0);
	assert_int_equal(report(&r, &pid), LAUNCH_STARTED);
	says(fd = launch_connect(&r.d, 17, LAUNCH_SOCK_CON), "con");
	close(fd);
	assert_int_equal(launch_kill(&r.d, &vm, SIGKILL), 0);
	assert_int_equal(report(&r, &pid), LAUNCH_EXITED);
	argv[2] = "banger-vm-7";
	vm.id = 7;
	assert_int_equal(launch_vmm(&r.d, &vm, 1, fds, 7, argv, 3), 0);
	close(fds[0]);
	assert_int_equal(report(&r, &pid), LAUNCH_STARTED);
	vm.pid = (pid_t)pid;
	/* Started means listening: no wait, no retry. */
	says(fd = launch_connect(&r.d, 7, LAUNCH_SOCK_AGENT), "agent");
	close(fd);
	says(fd = launch_connect(&r.d, 7, LAUNCH_SOCK_QMP), "qmp");
	close(fd);
	says(fd = launch_connect(&r.d, 7, LAUNCH_SOCK_CON), "con");
	close(fd);
	/* In a session of its own, out of the launcher's group. */
	assert_int_equal(getsid(vm.pid), vm.pid);

	/* bangerd gone: the launcher ends, the QEMU does not. */
	launcher_stop(&r);
	assert_int_equal(kill(vm.pid, 0), 0);

	launcher_start(&r);
	r.d.vmm = &fake_qemu_ops;
	/* Not yet adopted: the new launcher connects to nothing of it. */
	assert_int_equal(launch_connect(&r.d, 7, LAUNCH_SOCK_AGENT), -1);
	assert_int_equal(errno, ESRCH);
	/* Another VM id for that process, or a process not a VMM: no. */
	memset(&other, 0, sizeof(other));
	other.id = 8;
	other.pid = vm.pid;
	assert_int_equal(launch_adopt(&r.d, &other), -1);
	assert_int_equal(errno, EPERM);
	other.pid = getpid();
	assert_int_equal(launch_adopt(&r.d, &other), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(launch_adopt(&r.d, &vm), 0);
	assert_int_equal(launch_adopt(&r.d, &vm), -1);
	assert_int_equal(errno, EEXIST);
	says(fd = launch_connect(&r.d, 7, LAUNCH_SOCK_AGENT), "agent");
	close(fd);
	says(fd = launch_connect(&r.d, 7, LAUNCH_SOCK_CON), "con");
	close(fd);

	/* Killed through the launcher: its end is reported, names go. */
	assert_int_equal(launch_kill(&r.d, &vm, SIGKILL), 0);
	assert_int_equal(report(&r, &pid), LAUNCH_EXITED);
	assert_int_equal(pid, (uint64_t)vm.pid);
	sock_path(7, LAUNCH_SOCK_AGENT, path);
	assert_int_equal(lstat(path, &st), -1);
	sock_path(7, LAUNCH_SOCK_CON, path);
	assert_int_equal(lstat(path, &st), -1);
	/* Gone (or a zombie not yet reaped by init): nothing to adopt. */
	assert_int_equal(launch_adopt(&r.d, &vm), -1);
	assert_true(errno == ESRCH || errno == EPERM);
	launcher_stop(&r);
}

static void
test_launcher_connects(void **state)
{
	struct run	 r;
	char		 path[FC_SUN_PATH_MAX];
	int		 fd, lfd;

	(void)state;
	launcher_start(&r);
	launcher_vmm(&r, 5);
	says(fd = launch_connect(&r.d, 5, LAUNCH_SOCK_API), "api");
	close(fd);
	says(fd = launch_connect(&r.d, 5, LAUNCH_SOCK_VSOCK), "vsock");
	close(fd);

	/* A VM the launcher runs no VMM for: whatever listens there. */
	sock_path(9, LAUNCH_SOCK_API, path);
	assert_true((lfd = listen_at(path)) != -1);
	assert_int_equal(launch_connect(&r.d, 9, LAUNCH_SOCK_API), -1);
	assert_int_equal(errno, ESRCH);
	close(lfd);
	unlink(path);

	/* VM 5's vsock path replaced by another listener: refused. */
	sock_path(5, LAUNCH_SOCK_VSOCK, path);
	assert_true((lfd = listen_at(path)) != -1);
	assert_int_equal(launch_connect(&r.d, 5, LAUNCH_SOCK_VSOCK), -1);
	assert_int_equal(errno, EPERM);
	close(lfd);
	unlink(path);
	/* Gone: what Firecracker's start looks like, bangerd retries. */
	assert_int_equal(launch_connect(&r.d, 5, LAUNCH_SOCK_VSOCK), -1);
	assert_int_equal(errno, ENOENT);

	/* The channel still serves VM 5's own API socket. */
	says(fd = launch_connect(&r.d, 5, LAUNCH_SOCK_API), "api");
	close(fd);
	launcher_stop(&r);
}

/*
 * A launcher started without a run directory (bangerd does so for a VMM
 * that needs no connections: QEMU) refuses even its own VMM's sockets.
 */
static void
test_launcher_no_rundir(void **state)
{
	struct run	 r;

	(void)state;
	launcher_start_in(&r, "-");
	launcher_vmm(&r, 5);
	assert_int_equal(launch_connect(&r.d, 5, LAUNCH_SOCK_API), -1);
	assert_int_equal(errno, ESRCH);
	launcher_stop(&r);
}

/*
 * LAUNCH_CONNECT belongs on the connect socket only: on the main one it
 * is a protocol error, which ends the launcher (and its VMMs) without a
 * connection handed anywhere.
 */
static void
test_launcher_wrong_socket(void **state)
{
	struct launch_connect	 lc = { 5, LAUNCH_SOCK_API };
	struct run		 r;
	struct buf		 b = { 0 }, in = { 0 };
	int			 st, rc, fd = -1;

	(void)state;
	launcher_start(&r);
	launcher_vmm(&r, 5);
	assert_int_equal(msg_frame(&launch_proto, LAUNCH_CONNECT, 1, &lc, &b),
	    0);
	assert_int_equal(frame_send(r.d.launch_fd, &b, -1), 0);
	/*
	 * Then a proper one on the connect socket, which a launcher still
	 * running would answer (it reads fd 3 first): here it finds none.
	 */
	(void)frame_send(r.d.launch_conn_fd, &b, -1);
	buf_free(&b);
	/*
	 * Nothing came back on either socket, no descriptor: end of file,
	 * or a reset where the launcher left our request unread.
	 */
	rc = frame_recv(r.d.launch_conn_fd, 65536, &in, &fd);
	assert_true((rc == 0 && in.len == 0) || (rc == -1 &&
	    errno == ECONNRESET));
	assert_int_equal(fd, -1);
	rc = frame_recv(r.d.launch_fd, 65536, &in, &fd);
	assert_true((rc == 0 && in.len == 0) || (rc == -1 &&
	    errno == ECONNRESET));
	assert_int_equal(fd, -1);
	buf_free(&in);
	assert_int_equal(waitpid(r.launcher, &st, 0), r.launcher);
	close(r.d.launch_fd);
	close(r.d.launch_conn_fd);
}

static int
group_setup(void **state)
{
	ssize_t	 n;

	(void)state;
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		return -1;
	self[n] = '\0';
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/fc-conn-XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	char	 cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dial_own_vmm),
		cmocka_unit_test(test_dial_other_listener),
		cmocka_unit_test(test_dial_not_a_socket),
		cmocka_unit_test(test_request_has_no_path),
		cmocka_unit_test(test_launcher_connects),
		cmocka_unit_test(test_launcher_no_rundir),
		cmocka_unit_test(test_launcher_wrong_socket),
		cmocka_unit_test(test_launcher_adopts),
	};

	/* Run by the launcher as its VMM (argv[0] is the launcher's). */
	if (argc == 4 && strcmp(argv[1], "fake-vmm") == 0)
		return fake_vmm(argv[2], strtoull(argv[3], NULL, 10), 2);
	if (argc == 3 && strcmp(argv[1], "fake-qemu") == 0)
		return fake_qemu();
	log_init("test-fc-connect", 2, 0);
	/* A launcher gone before a send is what one test checks. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
