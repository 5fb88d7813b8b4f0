/*
 * boot-ready: time a bare QEMU boot of the guest image to the agent's
 * AG_READY, with no banger process involved, for `make bench`.
 *
 *	boot-ready [-p] [-q QEMU] [-c CONSOLE] [-m MIB] [-s VCPUS] [-t SECS]
 *	    [-r FD] [-w WORKDISK] KERNEL INITRD
 *
 * The command line follows bangerd/qemu.c (microvm, TCG, the same kernel
 * arguments and devices, QEMU's sandbox) so the number is comparable with
 * `banger vm run`.  Every channel is a socketpair whose other end stays
 * here: the agent port on fd 3, QMP on fd 4 (never spoken to), and the
 * NIC on fd 5 as a datagram socket netdev, so the guest sees the same
 * virtio-net device while no host interface exists.  Prints the seconds
 * from fork to the first AG_READY frame, then kills QEMU.
 *
 * For the regress suite's root snapshot test: -r FD gives the guest the
 * block device open on descriptor FD as its root disk exactly as bangerd
 * passes a device-mapper snapshot (fd 6, fd set 1, banger.root=rw); -w
 * adds a work disk as bangerd does; -p powers the guest off through the
 * agent once it is ready and waits for QEMU to exit, so that what the
 * guest wrote is on its disks.
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
#include "msg.h"
#include "proto.h"
#include "tsc.h"

static void
usage(void)
{
	fprintf(stderr, "usage: boot-ready [-p] [-q qemu] [-c console] "
	    "[-m mib] [-s vcpus] [-t secs] [-r fd] [-w workdisk] kernel "
	    "initrd\n");
	exit(2);
}

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* fds[3] is the root disk's descriptor, or -1. */
static void
spawn(char *const argv[], const int fds[4])
{
	int	 i, null, n = fds[3] != -1 ? 4 : 3;

	/* fds[] may already sit on 3..6: lift them out of the way first. */
	for (i = 0; i < n; i++)
		if ((fd_move(fds[i], 30 + i)) == -1)
			_exit(127);
	for (i = 0; i < n; i++)
		if (fd_move(30 + i, 3 + i) == -1)
			_exit(127);
	if ((null = open("/dev/null", O_RDWR)) == -1 || dup2(null, 0) == -1 ||
	    dup2(null, 1) == -1)
		_exit(127);
	fd_closefrom(3 + n);
	execv(argv[0], argv);
	_exit(127);
}

int
main(int argc, char *argv[])
{
	const char	*qemu = "/usr/bin/qemu-system-x86_64";
	const char	*console = "/dev/null";
	char		 append[512], con[512], smp[16], mem[16], tsc[48] = "";
	char		 why[MSG_ERRLEN];
	struct buf	 in = { NULL, 0, 0 };
	struct msg_hdr	 hdr;
	struct pollfd	 pfd;
	double		 t0, left;
	void		*body;
	pid_t		 pid;
	char		 workdrive[600];
	const char	*work = NULL;
	int		 ag[2], qmp[2], net[2], fds[4], c, status;
	int		 mib = 256, vcpus = 1, secs = 120, ready = 0;
	int		 rootfd = -1, poweroff = 0, exited = 0;
	unsigned long	 khz;

	while ((c = getopt(argc, argv, "pq:c:m:s:t:r:w:")) != -1) {
		switch (c) {
		case 'p':
			poweroff = 1;
			break;
		case 'r':
			rootfd = atoi(optarg);
			if (rootfd < 0 || fcntl(rootfd, F_GETFD) == -1) {
				fprintf(stderr, "boot-ready: -r %s: not an "
				    "open descriptor\n", optarg);
				return 2;
			}
			break;
		case 'w':
			work = optarg;
			break;
		case 'q':
			qemu = optarg;
			break;
		case 'c':
			console = optarg;
			break;
		case 'm':
			mib = atoi(optarg);
			break;
		case 's':
			vcpus = atoi(optarg);
			break;
		case 't':
			secs = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2 || mib < 64 || vcpus < 1 || secs < 1)
		usage();

	if ((khz = host_tsc_khz()) > 0)
		snprintf(tsc, sizeof(tsc), " tsc_early_khz=%lu", khz);
	snprintf(append, sizeof(append), "console=ttyS0 quiet panic=-1%s "
	    "banger.name=bench banger.ip=10.213.0.2/24 banger.gw=10.213.0.1%s",
	    tsc, rootfd != -1 ? " banger.root=rw" : "");
	snprintf(workdrive, sizeof(workdrive), "file=%s,format=raw,if=none,"
	    "id=work,discard=unmap", work != NULL ? work : "");
	snprintf(con, sizeof(con), "file,id=con,path=%s", console);
	snprintf(smp, sizeof(smp), "%d", vcpus);
	snprintf(mem, sizeof(mem), "%d", mib);

	char	*qargv[64];
	size_t	 qn = 0;

#define A(x)	(qargv[qn++] = (char *)(x))
	A(qemu); A("-name"); A("banger-bench,process=banger-bench");
	A("-M"); A("microvm,acpi=on"); A("-accel"); A("tcg");
	A("-cpu"); A("max"); A("-smp"); A(smp); A("-m"); A(mem);
	A("-nodefaults"); A("-no-user-config"); A("-display"); A("none");
	A("-no-reboot"); A("-chardev"); A(con); A("-serial");
	A("chardev:con"); A("-kernel"); A(argv[0]); A("-initrd");
	A(argv[1]); A("-append"); A(append);
	A("-device"); A("virtio-serial-device");
	A("-chardev"); A("socket,id=agent,fd=3");
	A("-device"); A("virtserialport,chardev=agent,name=" AGENT_PORT_NAME);
	A("-chardev"); A("socket,id=qmp,fd=4");
	A("-mon"); A("chardev=qmp,mode=control");
	A("-netdev"); A("socket,id=net0,fd=5");
	A("-device"); A("virtio-net-device,netdev=net0,mac=02:42:0a:d5:00:02");
	A("-sandbox"); A("on,obsolete=deny,elevateprivileges=deny,"
	    "spawn=deny,resourcecontrol=deny");
	/* bangerd/qemu.c's root snapshot and work disk. */
	if (rootfd != -1) {
		A("-add-fd"); A("fd=6,set=1,opaque=root");
		A("-drive"); A("file.driver=host_device,"
		    "file.filename=/dev/fdset/1,file.auto-read-only=off,"
		    "driver=raw,if=none,id=root,discard=unmap");
		A("-device"); A("virtio-blk-device,drive=root");
	}
	if (work != NULL) {
		A("-drive"); A(workdrive);
		A("-device"); A("virtio-blk-device,drive=work");
	}
	A(NULL);
#undef A

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ag) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, qmp) == -1 ||
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, net) == -1) {
		perror("boot-ready: socketpair");
		return 1;
	}
	fds[0] = ag[1];
	fds[1] = qmp[1];
	fds[2] = net[1];
	fds[3] = rootfd;
	t0 = now();
	if ((pid = fork()) == -1) {
		perror("boot-ready: fork");
		return 1;
	}
	if (pid == 0)
		spawn(qargv, fds);
	close(ag[1]);
	close(qmp[1]);
	close(net[1]);

	pfd.fd = ag[0];
	pfd.events = POLLIN;
	while (!ready && (left = secs - (now() - t0)) > 0) {
		if (poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		buf_reset(&in);
		if (frame_recv(ag[0], FRAME_MAX_AGENT, &in, NULL) == -1) {
			fprintf(stderr, "boot-ready: agent channel: %s\n",
			    strerror(errno));
			break;
		}
		if (in.len == 0) {
			fprintf(stderr, "boot-ready: QEMU closed the agent "
			    "channel\n");
			break;
		}
		if (msg_decode(&agent_proto, in.p, in.len, &hdr, &body, why,
		    sizeof(why)) == -1) {
			fprintf(stderr, "boot-ready: bad frame: %s\n", why);
			break;
		}
		ready = hdr.type == AG_READY;
		msg_free(&agent_proto, hdr.type, body);
	}
	if (ready)
		printf("%.3f\n", now() - t0);
	else
		fprintf(stderr, "boot-ready: no AG_READY within %d s\n", secs);
	if (ready && poweroff) {
		struct ag_poweroff	 po = { 0 };

		buf_reset(&in);
		if (msg_frame(&agent_proto, AG_POWEROFF, 1, &po, &in) == -1 ||
		    frame_send(ag[0], &in, -1) == -1)
			fprintf(stderr, "boot-ready: cannot send poweroff\n");
		/* -no-reboot: the guest's poweroff ends QEMU. */
		while (!exited && now() - t0 < secs) {
			if (waitpid(pid, &status, WNOHANG) == pid)
				exited = 1;
			else
				usleep(100 * 1000);
		}
		if (!exited) {
			fprintf(stderr, "boot-ready: QEMU still runs %d s "
			    "after the start\n", secs);
			ready = 0;
		}
	}
	if (!exited) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	}
	buf_free(&in);
	return ready ? 0 : 1;
}
