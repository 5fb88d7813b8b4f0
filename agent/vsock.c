/*
 * The agent channel over AF_VSOCK, for VMMs without virtio-serial
 * (Firecracker).  The host reaches guest port AGENT_VSOCK_PORT through
 * Firecracker's hybrid vsock; we listen there and serve one connection at
 * a time, exactly as we serve the virtio-serial port.
 */
#include <sys/socket.h>

#include <linux/vm_sockets.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "log.h"

/* A non-blocking listening socket on port, or -1 (no vsock transport). */
int
vsock_listen(unsigned port)
{
	struct sockaddr_vm	 svm;
	int			 fd;

	if ((fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&svm, 0, sizeof(svm));
	svm.svm_family = AF_VSOCK;
	svm.svm_cid = VMADDR_CID_ANY;
	svm.svm_port = port;
	if (bind(fd, (struct sockaddr *)&svm, sizeof(svm)) == -1 ||
	    listen(fd, 1) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Take a waiting host connection as the channel.  Called only while no
 * virtio-serial port exists; the listener is made on first use (the vsock
 * modules load before the agent starts) and kept.  Returns 0 with
 * a->port_fd set, or -1 when there is nothing to serve yet.
 */
int
vsock_open(struct agent *a)
{
	int	 fd;

	if (a->vsock_fd == -1 &&
	    (a->vsock_fd = vsock_listen(AGENT_VSOCK_PORT)) == -1)
		return -1;
	if ((fd = accept4(a->vsock_fd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) == -1) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("vsock accept");
		return -1;
	}
	a->port_fd = fd;
	snprintf(a->port_path, sizeof(a->port_path), "vsock port %u",
	    AGENT_VSOCK_PORT);
	return 0;
}
