/*
 * boot-ready: time a bare QEMU boot of the guest image to the agent's
 * AG_READY, with no banger process involved, for `make bench`.
 *
 *	boot-ready [-q QEMU] [-c CONSOLE] [-m MIB] [-s VCPUS] [-t SECS]
 *	    KERNEL INITRD
 *
 * The command line follows bangerd/qemu.c (microvm, TCG, the same kernel
 * arguments and devices, QEMU's sandbox) so the number is comparable with
 * `banger vm run`.  Every channel is a socketpair whose other end stays
 * here: the agent port on fd 3, QMP on fd 4 (never spoken to), and the
 * NIC on fd 5 as a datagram socket netdev, so the guest sees the same
 * virtio-net device while no host interface exists.  Prints the seconds
 * from fork to the first AG_READY frame, then kills QEMU.
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
	fprintf(stderr, "usage: boot-ready [-q qemu] [-c console] [-m mib] "
	    "[-s vcpus] [-t secs] kernel initrd\n");
	exit(2);
}

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
spawn(char *const argv[], const int fds[3])
{
	int	 i, null;

	/* fds[] may already sit on 3..5: lift them out of the way first. */
	for (i = 0; i < 3; i++)
		if ((fd_move(fds[i], 10 + i)) == -1)
			_exit(127);
	for (i = 0; i < 3; i++)
		if (fd_move(10 + i, 3 + i) == -1)
			_exit(127);
	if ((null = open("/dev/null", O_RDWR)) == -1 || dup2(null, 0) == -1 ||
	    dup2(null, 1) == -1)
		_exit(127);
	fd_closefrom(6);
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
	int		 ag[2], qmp[2], net[2], fds[3], c, status;
	int		 mib = 256, vcpus = 1, secs = 120, ready = 0;
	unsigned long	 khz;

	while ((c = getopt(argc, argv, "q:c:m:s:t:")) != -1) {
		switch (c) {
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
	    "banger.name=bench banger.ip=10.213.0.2/24 banger.gw=10.213.0.1",
	    tsc);
	snprintf(con, sizeof(con), "file,id=con,path=%s", console);
	snprintf(smp, sizeof(smp), "%d", vcpus);
	snprintf(mem, sizeof(mem), "%d", mib);

	char *const qargv[] = {
		(char *)qemu, "-name", "banger-bench,process=banger-bench",
		"-M", "microvm,acpi=on", "-accel", "tcg", "-cpu", "max",
		"-smp", smp, "-m", mem, "-nodefaults", "-no-user-config",
		"-display", "none", "-no-reboot",
		"-chardev", con, "-serial", "chardev:con",
		"-kernel", argv[0], "-initrd", argv[1], "-append", append,
		"-device", "virtio-serial-device",
		"-chardev", "socket,id=agent,fd=3",
		"-device", "virtserialport,chardev=agent,name=" AGENT_PORT_NAME,
		"-chardev", "socket,id=qmp,fd=4",
		"-mon", "chardev=qmp,mode=control",
		"-netdev", "socket,id=net0,fd=5",
		"-device", "virtio-net-device,netdev=net0,mac=02:42:0a:d5:00:02",
		"-sandbox", "on,obsolete=deny,elevateprivileges=deny,"
		    "spawn=deny,resourcecontrol=deny",
		NULL
	};

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ag) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, qmp) == -1 ||
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, net) == -1) {
		perror("boot-ready: socketpair");
		return 1;
	}
	fds[0] = ag[1];
	fds[1] = qmp[1];
	fds[2] = net[1];
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
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	buf_free(&in);
	return ready ? 0 : 1;
}
