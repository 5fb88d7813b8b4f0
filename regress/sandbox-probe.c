/*
 * sandbox-probe: tries, under one of bangerd's real seccomp filters (the
 * code in bangerd/sandbox.c, linked in), the system calls that filter
 * claims to refuse, one child process per attempt, and prints one line
 * per attempt:
 *
 *	NAME allowed
 *	NAME refused ERRNO-NAME
 *	NAME killed
 *
 * FILTER is "none" (the baseline: what the kernel itself allows this
 * user), "launcher", "master-qemu" or "master-fc" (bangerd's own filter
 * as main.c installs it under each VMM: the same filter now, since
 * bangerd no longer connects to Firecracker's sockets itself; both names
 * stay so that sandbox.sh checks what each driver's daemon runs under,
 * and would see a rule that came back for one).  sandbox.sh compares
 * each filter's lines with the baseline, so an attempt the kernel refuses
 * anyway proves nothing and is reported as such rather than as a pass.
 */
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <linux/io_uring.h>
#include <linux/sched.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bangerd.h"
#include "log.h"

#define PROBE_EXIT_OK	0
#define PROBE_EXIT_ERR	1

static const char	*filter;
static int		 connect_fd = -1;
static struct sockaddr_un listen_sun;

/* A new process in a new namespace exits at once; its parent reports. */
static int
t_clone_newuser_newns(void)
{
	long	 pid;

	pid = syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD,
	    NULL, NULL, NULL, 0);
	if (pid == 0)
		_exit(0);
	return pid == -1 ? -1 : 0;
}

static int
t_clone_newnet(void)
{
	long	 pid;

	pid = syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNET | SIGCHLD,
	    NULL, NULL, NULL, 0);
	if (pid == 0)
		_exit(0);
	return pid == -1 ? -1 : 0;
}

/* A plain fork-like clone must keep working under the launcher. */
static int
t_clone_plain(void)
{
	long	 pid;

	pid = syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, 0);
	if (pid == 0)
		_exit(0);
	return pid == -1 ? -1 : 0;
}

static int
t_clone3_newuser(void)
{
	struct clone_args	 ca;
	long			 pid;

	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_NEWUSER;
	ca.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0)
		_exit(0);
	return pid == -1 ? -1 : 0;
}

static int
t_unshare_newuser(void)
{
	return unshare(CLONE_NEWUSER);
}

static int
t_io_uring_setup(void)
{
	struct io_uring_params	 p;

	memset(&p, 0, sizeof(p));
	return syscall(SYS_io_uring_setup, 4, &p) == -1 ? -1 : 0;
}

static int
t_socket_unix_stream(void)
{
	return socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) == -1 ? -1 : 0;
}

static int
t_socket_unix_dgram(void)
{
	return socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0) == -1 ? -1 : 0;
}

/* The socket was made before the filter: only connect(2) is tried. */
static int
t_connect_unix(void)
{
	return connect(connect_fd, (struct sockaddr *)&listen_sun,
	    sizeof(listen_sun));
}

static const struct {
	const char	*name;
	int		(*fn)(void);
} probes[] = {
	{ "clone(CLONE_NEWUSER|CLONE_NEWNS)", t_clone_newuser_newns },
	{ "clone(CLONE_NEWUSER|CLONE_NEWNET)", t_clone_newnet },
	{ "clone(plain)", t_clone_plain },
	{ "clone3(CLONE_NEWUSER)", t_clone3_newuser },
	{ "unshare(CLONE_NEWUSER)", t_unshare_newuser },
	{ "io_uring_setup", t_io_uring_setup },
	{ "socket(AF_UNIX,SOCK_STREAM)", t_socket_unix_stream },
	{ "socket(AF_UNIX,SOCK_DGRAM)", t_socket_unix_dgram },
	{ "connect(AF_UNIX)", t_connect_unix },
};

static void
install(void)
{
	if (strcmp(filter, "none") == 0)
		return;
	if (strcmp(filter, "launcher") == 0)
		sandbox_launcher();
	else if (strcmp(filter, "master-qemu") == 0 ||
	    strcmp(filter, "master-fc") == 0)
		sandbox_master();
	else
		fatalx("unknown filter %s", filter);
}

int
main(int argc, char **argv)
{
	char	 dir[] = "/tmp/sandbox-probe.XXXXXX";
	size_t	 i;
	pid_t	 pid;
	int	 lfd, st, p[2], e;
	ssize_t	 n;

	if (argc != 2) {
		fprintf(stderr, "usage: sandbox-probe none|launcher|"
		    "master-qemu|master-fc\n");
		return 2;
	}
	filter = argv[1];
	log_init("sandbox-probe", 2, 0);
	setvbuf(stdout, NULL, _IONBF, 0);

	/* Something to connect to, made before any filter. */
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	memset(&listen_sun, 0, sizeof(listen_sun));
	listen_sun.sun_family = AF_UNIX;
	snprintf(listen_sun.sun_path, sizeof(listen_sun.sun_path), "%s/s",
	    dir);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&listen_sun,
	    sizeof(listen_sun)) == -1 || listen(lfd, 16) == -1)
		fatal("listening socket");

	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		if ((connect_fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
		    pipe(p) == -1)
			fatal("socket");
		if ((pid = fork()) == -1)
			fatal("fork");
		if (pid == 0) {
			close(p[0]);
			install();
			e = 0;
			if (probes[i].fn() == -1)
				e = errno;
			(void)!write(p[1], &e, sizeof(e));
			_exit(0);
		}
		close(p[1]);
		close(connect_fd);
		n = read(p[0], &e, sizeof(e));
		close(p[0]);
		if (waitpid(pid, &st, 0) == -1)
			fatal("waitpid");
		if (n == sizeof(e) && e == 0)
			printf("%s allowed\n", probes[i].name);
		else if (n == sizeof(e))
			printf("%s refused %s\n", probes[i].name,
			    strerrorname_np(e) ? strerrorname_np(e) : "?");
		else if ((WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS) ||
		    (WIFEXITED(st) && WEXITSTATUS(st) == 99))
			printf("%s killed\n", probes[i].name);
		else
			printf("%s died (status %#x)\n", probes[i].name, st);
	}
	close(lfd);
	unlink(listen_sun.sun_path);
	rmdir(dir);
	return 0;
}
