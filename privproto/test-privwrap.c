/*
 * The caller's side of the banger-priv channel against a stand-in helper
 * on a socketpair: each reply is checked against priv_replies[] (type,
 * request id, descriptor or none), and anything else is a broken helper.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "frame.h"
#include "msg.h"
#include "priv-wrap.h"

/* What the stand-in answers to the one request it reads. */
struct answer {
	uint32_t	 type;
	const void	*body;
	int		 sendfd;	/* pass a descriptor with it */
	int		 wrongid;	/* answer with another request id */
};

static void
helper(int s, const struct answer *a)
{
	struct buf	 in = { NULL, 0, 0 }, out = { NULL, 0, 0 };
	struct msg_hdr	 hdr;
	void		*body;
	char		 err[MSG_ERRLEN];
	int		 fds[FRAME_MAXFDS], fd = -1;
	size_t		 nfd, i;

	if (frame_recvv(s, FRAME_MAX_PRIV, &in, fds, FRAME_MAXFDS,
	    &nfd) == -1 || in.len == 0)
		_exit(2);
	for (i = 0; i < nfd; i++)
		close(fds[i]);
	if (msg_decode(&priv_proto, in.p, in.len, &hdr, &body, err,
	    sizeof(err)) == -1)
		_exit(3);
	msg_free(&priv_proto, hdr.type, body);
	if (a->sendfd && (fd = open("/dev/null", O_RDONLY)) == -1)
		_exit(4);
	if (msg_frame(&priv_proto, a->type, hdr.id + (a->wrongid ? 1 : 0),
	    a->body, &out) == -1 || frame_send(s, &out, fd) == -1)
		_exit(5);
	_exit(0);
}

/* Fork the stand-in, let fn talk to it, reap it. */
static pid_t
start(int *s, const struct answer *a)
{
	int	 sv[2];
	pid_t	 pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		close(sv[0]);
		helper(sv[1], a);
	}
	close(sv[1]);
	*s = sv[0];
	return pid;
}

static void
finish(int s, pid_t pid)
{
	int	 st;

	close(s);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static int
tap_delete(const struct answer *a, char *err, size_t errlen)
{
	pid_t	 pid;
	int	 s, rc;

	pid = start(&s, a);
	rc = priv_tap_delete(s, 7, err, errlen);
	finish(s, pid);
	return rc;
}

static int
tap_create(const struct answer *a, int *tapfd, char *err, size_t errlen)
{
	struct priv_tap	*t = NULL;
	pid_t		 pid;
	int		 s, rc;

	pid = start(&s, a);
	rc = priv_tap_create(s, 7, 0, &t, tapfd, err, errlen);
	finish(s, pid);
	if (t != NULL)
		msg_free(&priv_proto, PRIV_TAP, t);
	return rc;
}

static const struct priv_ok	 ok = { 0 };
static const struct priv_tap	 tap7 = { 7, "bgtap0", "10.213.0.2",
				    "10.213.0.1", 24, "02:42:0a:d5:00:02" };

static void
test_ok(void **state)
{
	const struct answer	 a = { PRIV_OK, &ok, 0, 0 };
	char			 err[256] = "";

	(void)state;
	assert_int_equal(tap_delete(&a, err, sizeof(err)), 0);
}

static void
test_wrong_type(void **state)
{
	const struct priv_tap_ids	 ids = { { NULL, 0 } };
	const struct answer		 a = { PRIV_TAP_IDS, &ids, 0, 0 };
	char				 err[256] = "";

	(void)state;
	assert_int_equal(tap_delete(&a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "in reply to"));
}

static void
test_wrong_id(void **state)
{
	const struct answer	 a = { PRIV_OK, &ok, 0, 1 };
	char			 err[256] = "";

	(void)state;
	assert_int_equal(tap_delete(&a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "reply id"));
}

static void
test_fd_not_expected(void **state)
{
	const struct answer	 a = { PRIV_OK, &ok, 1, 0 };
	char			 err[256] = "";

	(void)state;
	assert_int_equal(tap_delete(&a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "with a descriptor"));
}

static void
test_fd_missing(void **state)
{
	const struct answer	 a = { PRIV_TAP, &tap7, 0, 0 };
	char			 err[256] = "";
	int			 fd = -1;

	(void)state;
	assert_int_equal(tap_create(&a, &fd, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "without a descriptor"));
	assert_int_equal(fd, -1);
}

static void
test_fd_given(void **state)
{
	const struct answer	 a = { PRIV_TAP, &tap7, 1, 0 };
	char			 err[256] = "";
	int			 fd = -1;

	(void)state;
	assert_int_equal(tap_create(&a, &fd, err, sizeof(err)), 0);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) != -1);
	close(fd);
}

static void
test_error_reply(void **state)
{
	const struct priv_error	 pe = { BERR_QUOTA, "quota reached" };
	const struct answer	 a = { PRIV_ERROR, &pe, 0, 0 };
	char			 err[256] = "";

	(void)state;
	assert_int_equal(tap_delete(&a, err, sizeof(err)), BERR_QUOTA);
	assert_string_equal(err, "quota reached");
}

static void
test_error_with_fd(void **state)
{
	const struct priv_error	 pe = { BERR_QUOTA, "quota reached" };
	const struct answer	 a = { PRIV_ERROR, &pe, 1, 0 };
	char			 err[256] = "";

	(void)state;
	assert_int_equal(tap_delete(&a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "descriptor with an error"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_wrong_id),
		cmocka_unit_test(test_fd_not_expected),
		cmocka_unit_test(test_fd_missing),
		cmocka_unit_test(test_fd_given),
		cmocka_unit_test(test_error_reply),
		cmocka_unit_test(test_error_with_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
