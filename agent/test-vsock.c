/*
 * Unit tests for the agent's vsock listener (vsock.c).  This host has no
 * vsock transport to connect through (no vhost-vsock, no loopback), so
 * only the listening side is exercised; the handshake bangerd performs is
 * tested against a fake in bangerd/test-firecracker.c.
 */
#include <sys/socket.h>

#include <linux/vm_sockets.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent.h"

static int
have_vsock(void)
{
	int	 fd = socket(AF_VSOCK, SOCK_STREAM, 0);

	if (fd == -1)
		return 0;
	close(fd);
	return 1;
}

static void
test_listen(void **state)
{
	struct sockaddr_vm	 svm;
	socklen_t		 sl = sizeof(svm);
	int			 fd, fd2;

	(void)state;
	if (!have_vsock())
		skip();
	fd = vsock_listen(AGENT_VSOCK_PORT);
	assert_true(fd != -1);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&svm, &sl), 0);
	assert_int_equal(svm.svm_port, AGENT_VSOCK_PORT);
	assert_int_equal(svm.svm_cid, VMADDR_CID_ANY);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	/* One agent per port. */
	fd2 = vsock_listen(AGENT_VSOCK_PORT);
	assert_int_equal(fd2, -1);
	close(fd);
}

static void
test_open_nothing_waiting(void **state)
{
	struct agent	 a;

	(void)state;
	if (!have_vsock())
		skip();
	memset(&a, 0, sizeof(a));
	a.port_fd = -1;
	a.vsock_fd = -1;
	/* No host connection yet: no channel, but the listener stays. */
	assert_int_equal(vsock_open(&a), -1);
	assert_int_equal(a.port_fd, -1);
	assert_true(a.vsock_fd != -1);
	assert_int_equal(vsock_open(&a), -1);
	close(a.vsock_fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_open_nothing_waiting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
