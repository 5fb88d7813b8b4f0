/*
 * agent-probe: boot the guest image under QEMU (TCG, microvm) and drive
 * banger-agent over its virtio-serial port, the way bangerd does.  A quick
 * end-to-end check of the image and the agent, not the regress suite:
 *
 *	agent-probe [-c console.log] [-n boots] KERNEL INITRD
 *
 * With -n it only times boot-to-AG_READY over that many boots.  No QEMU
 * network backend is used.  Exit status 0 when every check passes.
 */
#include <sys/socket.h>
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

#include "buf.h"
#include "fdutil.h"
#include "frame.h"
#include "log.h"
#include "msg.h"
#include "proto.h"

#define TIMEOUT_MS	30000

struct vm {
	pid_t	 pid;
	int	 fd;
};

/* What one session produced. */
struct result {
	struct buf	 out, err;
	int64_t		 status;
	uint64_t	 signo;
	int		 exited;
	char		 error[1100];
};

static const char	*console = "/dev/null";
static int		 failures;

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long
host_khz(void)
{
	FILE	*f;
	char	 line[256];
	double	 mhz = 0;

	if ((f = fopen("/proc/cpuinfo", "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "cpu MHz : %lf", &mhz) == 1)
			break;
	fclose(f);
	return (long)(mhz * 1000);
}

static void
vm_start(struct vm *vm, const char *kernel, const char *initrd)
{
	char	 append[256], chr[64], con[4200];
	int	 sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		fatal("socketpair");
	snprintf(append, sizeof(append), "console=ttyS0 tsc_early_khz=%ld "
	    "quiet panic=-1 banger.name=probe banger.gw=10.0.2.1", host_khz());
	snprintf(con, sizeof(con), "file,id=con,path=%s", console);
	if ((vm->pid = fork()) == -1)
		fatal("fork");
	if (vm->pid == 0) {
		if (fd_move(sv[1], 3) == -1)
			_exit(127);
		snprintf(chr, sizeof(chr), "socket,id=ag,fd=3");
		execlp("qemu-system-x86_64", "qemu-system-x86_64",
		    "-M", "microvm,acpi=on", "-accel", "tcg", "-cpu", "max",
		    "-m", "256", "-nodefaults", "-no-user-config",
		    "-display", "none", "-chardev", con,
		    "-serial", "chardev:con", "-kernel", kernel,
		    "-initrd", initrd, "-append", append,
		    "-device", "virtio-serial-device", "-chardev", chr,
		    "-device", "virtserialport,chardev=ag,name="
		    AGENT_PORT_NAME, "-no-reboot", (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	vm->fd = sv[0];
}

static void
vm_stop(struct vm *vm)
{
	kill(vm->pid, SIGKILL);
	waitpid(vm->pid, NULL, 0);
	close(vm->fd);
}

/* Next message from the agent, or -1 on timeout/EOF/garbage. */
static int
recv_msg(struct vm *vm, struct msg_hdr *h, void **body, int ms)
{
	struct pollfd	 pfd = { vm->fd, POLLIN, 0 };
	struct buf	 b = { 0 };
	char		 err[MSG_ERRLEN];
	int		 r;

	if (poll(&pfd, 1, ms) != 1) {
		log_warnx("timed out waiting for the agent");
		return -1;
	}
	if (frame_recv(vm->fd, FRAME_MAX_AGENT, &b, NULL) == -1 ||
	    b.len == 0) {
		log_warnx("channel closed or broken");
		buf_free(&b);
		return -1;
	}
	r = msg_decode(&agent_proto, b.p, b.len, h, body, err, sizeof(err));
	if (r == -1)
		log_warnx("bad message from agent: %s", err);
	buf_free(&b);
	return r;
}

static void
send_msg(struct vm *vm, uint32_t type, uint64_t id, const void *body)
{
	struct buf	 b = { 0 };

	if (msg_frame(&agent_proto, type, id, body, &b) == -1 ||
	    frame_send(vm->fd, &b, -1) == -1)
		fatal("send");
	buf_free(&b);
}

static int
wait_ready(struct vm *vm)
{
	struct msg_hdr	 h;
	void		*body;
	struct ag_ready	*r;

	if (recv_msg(vm, &h, &body, TIMEOUT_MS) == -1)
		return -1;
	if (h.type != AG_READY) {
		log_warnx("first message is %s, not ready",
		    msg_typename(&agent_proto, h.type));
		msg_free(&agent_proto, h.type, body);
		return -1;
	}
	r = body;
	printf("ready: version %s kernel %s\n", r->version, r->kernel);
	msg_free(&agent_proto, h.type, body);
	return 0;
}

static void
exec_start(struct vm *vm, uint64_t id, int tty, const char *cwd,
    char **env, char **argv)
{
	struct ag_exec	 x;

	memset(&x, 0, sizeof(x));
	x.argv.v = argv;
	while (argv[x.argv.n] != NULL)
		x.argv.n++;
	x.env.v = env;
	while (env[x.env.n] != NULL)
		x.env.n++;
	x.cwd = (char *)cwd;
	x.tty = tty;
	x.cols = tty ? 100 : 0;
	x.rows = tty ? 30 : 0;
	send_msg(vm, AG_EXEC, id, &x);
}

/* Collect messages for session id until AG_EXIT or AG_ERROR. */
static int
collect(struct vm *vm, uint64_t id, struct result *res)
{
	struct msg_hdr		 h;
	void			*body;
	struct ag_output	*o;
	struct ag_exit		*e;

	memset(res, 0, sizeof(*res));
	for (;;) {
		if (recv_msg(vm, &h, &body, TIMEOUT_MS) == -1)
			return -1;
		if (h.id != id) {
			log_warnx("message %s for session %llu, expected %llu",
			    msg_typename(&agent_proto, h.type),
			    (unsigned long long)h.id, (unsigned long long)id);
			msg_free(&agent_proto, h.type, body);
			return -1;
		}
		switch (h.type) {
		case AG_OUTPUT:
			o = body;
			buf_append(o->stream == 1 ? &res->out : &res->err,
			    o->data.p, o->data.len);
			break;
		case AG_EXIT:
			e = body;
			res->status = e->status;
			res->signo = e->signo;
			res->exited = 1;
			break;
		case AG_ERROR:
			snprintf(res->error, sizeof(res->error), "%s",
			    ((struct ag_error *)body)->message);
			break;
		case AG_INPUT_ACK:
			/* Flow control; the probe sends well under the window. */
			break;
		default:
			log_warnx("unexpected %s",
			    msg_typename(&agent_proto, h.type));
			msg_free(&agent_proto, h.type, body);
			return -1;
		}
		msg_free(&agent_proto, h.type, body);
		if (res->exited || res->error[0] != '\0')
			break;
	}
	/* NUL-terminate for printing and strstr. */
	buf_append(&res->out, "", 1);
	buf_append(&res->err, "", 1);
	return 0;
}

static void
check(int ok, const char *what, const struct result *r)
{
	printf("%s: %s", ok ? "ok  " : "FAIL", what);
	if (!ok && r != NULL)
		printf(" [out=\"%s\" err=\"%s\" status=%lld signo=%llu "
		    "error=\"%s\"]", r->out.p ? (char *)r->out.p : "",
		    r->err.p ? (char *)r->err.p : "", (long long)r->status,
		    (unsigned long long)r->signo, r->error);
	printf("\n");
	if (!ok)
		failures++;
}

static void
result_free(struct result *r)
{
	buf_free(&r->out);
	buf_free(&r->err);
}

static void
run_checks(struct vm *vm)
{
	char		*noenv[] = { NULL };
	char		*a1[] = { "sh", "-c", "echo hello; echo err >&2; exit 7",
			    NULL };
	char		*a2[] = { "sh", "-c", "kill -TERM $$", NULL };
	char		*a3[] = { "no-such-command", NULL };
	char		*a4[] = { "sh", "-c", "tty; stty size; echo $TERM",
			    NULL };
	char		*a5[] = { "cat", NULL };
	char		*a6[] = { "sh", "-c", "echo $FOO $HOME; pwd", NULL };
	char		*e6[] = { "FOO=bar", NULL };
	char		*a7[] = { "sleep", "30", NULL };
	char		*a8[] = { "sh", "-c", "hostname; cat /etc/resolv.conf",
			    NULL };
	char		*a9[] = { "dd", "if=/dev/zero", "bs=65536",
			    "count=64", NULL };
	char		*a10[] = { "wc", "-c", NULL };
	static uint8_t	 big[IO_CHUNK];
	size_t		 i;
	struct result	 r;
	struct ag_input	 in;
	struct ag_signal sg;
	uint8_t		 junk[] = { 0, 0, 0, 3, 0xc1, 0xc1, 0xc1 };

	exec_start(vm, 1, 0, "", noenv, a1);
	if (collect(vm, 1, &r) == 0)
		check(r.exited && r.status == 7 && r.signo == 0 &&
		    strcmp((char *)r.out.p, "hello\n") == 0 &&
		    strcmp((char *)r.err.p, "err\n") == 0,
		    "stdout, stderr and exit status 7", &r);
	else
		check(0, "exit status 7", NULL);
	result_free(&r);

	exec_start(vm, 2, 0, "", noenv, a2);
	if (collect(vm, 2, &r) == 0)
		check(r.exited && r.status == -1 && r.signo == SIGTERM,
		    "killed by SIGTERM", &r);
	else
		check(0, "killed by SIGTERM", NULL);
	result_free(&r);

	exec_start(vm, 3, 0, "", noenv, a3);
	if (collect(vm, 3, &r) == 0)
		check(r.exited && r.status == 127 && strstr((char *)r.err.p,
		    "banger-agent: no-such-command: No such file") != NULL,
		    "missing command gives 127 and a message", &r);
	else
		check(0, "missing command", NULL);
	result_free(&r);

	exec_start(vm, 4, 1, "", noenv, a4);
	if (collect(vm, 4, &r) == 0)
		check(r.exited && r.status == 0 &&
		    strstr((char *)r.out.p, "/dev/pts/") != NULL &&
		    strstr((char *)r.out.p, "30 100") != NULL &&
		    strstr((char *)r.out.p, "xterm-256color") != NULL,
		    "pty with window size and TERM", &r);
	else
		check(0, "pty", NULL);
	result_free(&r);

	exec_start(vm, 5, 0, "", noenv, a5);
	in.data.p = (uint8_t *)"abc\n";
	in.data.len = 4;
	send_msg(vm, AG_INPUT, 5, &in);
	in.data.len = 0;
	send_msg(vm, AG_INPUT, 5, &in);
	if (collect(vm, 5, &r) == 0)
		check(r.exited && r.status == 0 &&
		    strcmp((char *)r.out.p, "abc\n") == 0,
		    "stdin and EOF", &r);
	else
		check(0, "stdin", NULL);
	result_free(&r);

	exec_start(vm, 6, 0, "/tmp", e6, a6);
	if (collect(vm, 6, &r) == 0)
		check(r.exited && r.status == 0 &&
		    strcmp((char *)r.out.p, "bar /root\n/tmp\n") == 0,
		    "env and cwd", &r);
	else
		check(0, "env and cwd", NULL);
	result_free(&r);

	exec_start(vm, 7, 0, "", noenv, a7);
	exec_start(vm, 8, 0, "", noenv, a7);
	if (collect(vm, 8, &r) == 0)
		check(!r.exited && strstr(r.error, "busy") != NULL,
		    "second concurrent session refused", &r);
	else
		check(0, "second session", NULL);
	result_free(&r);
	sg.signo = SIGKILL;
	send_msg(vm, AG_SIGNAL, 7, &sg);
	if (collect(vm, 7, &r) == 0)
		check(r.exited && r.status == -1 && r.signo == SIGKILL,
		    "AG_SIGNAL kills the session", &r);
	else
		check(0, "AG_SIGNAL", NULL);
	result_free(&r);

	exec_start(vm, 10, 0, "", noenv, a8);
	if (collect(vm, 10, &r) == 0)
		check(r.exited && r.status == 0 && strcmp((char *)r.out.p,
		    "probe\nnameserver 10.0.2.1\n") == 0,
		    "hostname and resolv.conf from the command line", &r);
	else
		check(0, "hostname", NULL);
	result_free(&r);

	exec_start(vm, 11, 0, "", noenv, a9);
	if (collect(vm, 11, &r) == 0)
		check(r.exited && r.status == 0 &&
		    r.out.len == 64 * 65536 + 1, "4 MiB of output", &r);
	else
		check(0, "4 MiB of output", NULL);
	result_free(&r);

	exec_start(vm, 12, 0, "", noenv, a10);
	in.data.p = big;
	in.data.len = sizeof(big);
	for (i = 0; i < 8; i++)
		send_msg(vm, AG_INPUT, 12, &in);
	in.data.len = 0;
	send_msg(vm, AG_INPUT, 12, &in);
	if (collect(vm, 12, &r) == 0)
		check(r.exited && r.status == 0 &&
		    atoi((char *)r.out.p) == 8 * IO_CHUNK, "512 KiB of input",
		    &r);
	else
		check(0, "512 KiB of input", NULL);
	result_free(&r);

	/* Garbage: the agent drops the conversation and starts afresh. */
	if (write_all(vm->fd, junk, sizeof(junk)) == -1)
		fatal("write");
	check(wait_ready(vm) == 0, "bad frame: agent reopens and is ready",
	    NULL);
	exec_start(vm, 9, 0, "", noenv, a1);
	if (collect(vm, 9, &r) == 0)
		check(r.exited && r.status == 7, "works after reopening", &r);
	else
		check(0, "after reopening", NULL);
	result_free(&r);
}

static void
usage(void)
{
	fprintf(stderr, "usage: agent-probe [-c console] [-n boots] "
	    "kernel initrd\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct vm	 vm;
	double		 t0, t, sum = 0;
	int		 ch, i, boots = 0;

	log_init("agent-probe", 2, 0);
	while ((ch = getopt(argc, argv, "c:n:")) != -1)
		switch (ch) {
		case 'c':
			console = optarg;
			break;
		case 'n':
			boots = atoi(optarg);
			break;
		default:
			usage();
		}
	if (argc - optind != 2)
		usage();
	signal(SIGPIPE, SIG_IGN);

	if (boots > 0) {
		for (i = 0; i < boots; i++) {
			t0 = now();
			vm_start(&vm, argv[optind], argv[optind + 1]);
			if (wait_ready(&vm) == -1)
				failures++;
			t = now() - t0;
			sum += t;
			printf("boot %d: ready after %.3f s\n", i + 1, t);
			vm_stop(&vm);
		}
		printf("mean %.3f s over %d boots\n", sum / boots, boots);
		return failures ? 1 : 0;
	}
	t0 = now();
	vm_start(&vm, argv[optind], argv[optind + 1]);
	if (wait_ready(&vm) == -1) {
		vm_stop(&vm);
		printf("FAIL: no AG_READY (see console log)\n");
		return 1;
	}
	printf("ready after %.3f s\n", now() - t0);
	run_checks(&vm);
	vm_stop(&vm);
	printf("%s\n", failures ? "FAILED" : "all checks passed");
	return failures ? 1 : 0;
}
