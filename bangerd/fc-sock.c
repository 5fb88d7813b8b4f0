/*
 * Where a VM's sockets live (Firecracker's API and vsock, QEMU's agent,
 * monitor and console), and the one way the launcher connects to them.
 * bangerd's filter has no socket(2) or connect(2): it asks the launcher
 * (LAUNCH_CONNECT, launch.c) for "VM id, which socket", and the launcher derives the path here from its own run directory and
 * the id, connects, and keeps the connection only if the listener is the
 * VMM process it started for that VM (SO_PEERCRED).  A request cannot
 * name a path, and a symbolic link there is not followed.  A socket of
 * someone else's listener renamed to that path (bangerd may rename the
 * user's files) is connected to, and closed again before a byte is
 * sent: it is never handed to bangerd.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "firecracker.h"
#include "proto.h"

int
fc_sock_path(const char *rundir, uint64_t vm_id, unsigned which, char *out,
    size_t len)
{
	static const char *const names[][2] = {
		[LAUNCH_SOCK_API] = { "fc", "api" },
		[LAUNCH_SOCK_VSOCK] = { "fc", "vsock" },
		[LAUNCH_SOCK_AGENT] = { "qemu", "agent" },
		[LAUNCH_SOCK_QMP] = { "qemu", "qmp" },
		[LAUNCH_SOCK_CON] = { "qemu", "con" },
	};
	int	 n;

	if (rundir[0] != '/' || vm_id > PRIV_VMID_MAX ||
	    which > LAUNCH_SOCK_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (len > FC_SUN_PATH_MAX)
		len = FC_SUN_PATH_MAX;
	n = snprintf(out, len, "%s/%s-%" PRIu64 ".%s", rundir,
	    names[which][0], vm_id, names[which][1]);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/*
 * The launcher's side: a non-blocking connect (the launcher serves every
 * VM and must not wait on one), then the listener's identity.  Returns
 * the connected descriptor or -1 with errno: ENOENT or ECONNREFUSED (or
 * EAGAIN) while Firecracker has not listened yet, EPERM for a path that
 * is not a socket or whose listener is not vmm_pid.
 */
int
fc_sock_dial(const char *rundir, uint64_t vm_id, unsigned which,
    pid_t vmm_pid)
{
	struct sockaddr_un	 sun;
	struct ucred		 cr;
	struct stat		 st;
	socklen_t		 crlen = sizeof(cr);
	int			 fd, pfd;

	if (vmm_pid <= 0) {
		errno = ESRCH;
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (fc_sock_path(rundir, vm_id, which, sun.sun_path,
	    sizeof(sun.sun_path)) == -1)
		return -1;
	/*
	 * The name is opened without following a link and checked through
	 * the descriptor, and the connect goes through that descriptor's
	 * /proc name: what was checked is what is connected, even if the
	 * name is swapped in between.
	 */
	if ((pfd = open(sun.sun_path, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(pfd, &st) == -1 || !S_ISSOCK(st.st_mode)) {
		close(pfd);
		errno = EPERM;
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "/proc/self/fd/%d", pfd);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1 || connect(fd, (struct sockaddr *)&sun,
	    sizeof(sun)) == -1) {
		int	 e = errno;

		if (fd != -1)
			close(fd);
		close(pfd);
		errno = e;
		return -1;
	}
	close(pfd);
	/*
	 * The pid that listened: Firecracker makes its sockets itself, and
	 * the launcher makes QEMU's in the child it then execs (launch.c).
	 */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) == -1 ||
	    crlen != sizeof(cr) || cr.pid != vmm_pid) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}
