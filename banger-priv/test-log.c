/*
 * Unit tests for banger-priv's log queue (log.c): records queued while the
 * lease lock is held go out one by one, so a pipe with room for only some
 * of them takes whole records and drops the rest, never half of one with
 * the next glued on; nothing is written while the lock is held; and a
 * fatal error gives up the lock before it writes to a stderr that blocks.
 */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lease.h"
#include "log.h"

#define PAGE	4096

static void
test_flush_whole_records(void **state)
{
	static char	 buf[1 << 20];
	char		 page[PAGE], *p, *end, *nl;
	size_t		 got = 0;
	ssize_t		 n;
	unsigned	 dropped = 0;
	int		 pfd[2], i, lines = 0;

	(void)state;
	assert_int_equal(pipe2(pfd, O_NONBLOCK), 0);
	log_init("t", pfd[1], 0);
	/* Fill the pipe, then free exactly one page of it. */
	memset(page, 'x', sizeof(page));
	while (write(pfd[1], page, sizeof(page)) == (ssize_t)sizeof(page))
		;
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(read(pfd[0], page, sizeof(page)), PAGE);

	/* About 6 KiB of records under the "lock", then the release. */
	log_hold(pfd[0]);
	for (i = 0; i < 24; i++)
		log_info("record %02d %0240d", i, 0);
	log_hold(-1);

	while ((n = read(pfd[0], buf + got, sizeof(buf) - got)) > 0)
		got += (size_t)n;
	p = buf;
	end = buf + got;
	while (p < end && *p == 'x')
		p++;
	assert_true(p < end);
	/* What came through is whole records only, in order. */
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		assert_non_null(nl);
		/* The count of those dropped, if it found room. */
		if (sscanf(p, "t: %u log records dropped\n", &dropped) == 1)
			continue;
		if ((size_t)(nl - p) != strlen("t: record 00 ") + 240 ||
		    strncmp(p, "t: record ", 10) != 0)
			fail_msg("a cut record: \"%.*s\"", (int)(nl - p), p);
		lines++;
	}
	/* Some fit (about 4 KiB of them), the rest were dropped. */
	assert_true(lines > 0 && lines < 24);
	assert_true(dropped == 0 || dropped == 24 - (unsigned)lines);
	close(pfd[0]);
	close(pfd[1]);
}

static void
test_nothing_while_held(void **state)
{
	char	 buf[64];
	int	 pfd[2];

	(void)state;
	assert_int_equal(pipe2(pfd, O_NONBLOCK), 0);
	log_init("t", pfd[1], 0);
	log_hold(pfd[0]);
	log_info("held");
	log_warnx("still held");
	assert_int_equal(read(pfd[0], buf, sizeof(buf)), -1);
	assert_int_equal(errno, EAGAIN);
	log_hold(-1);
	memset(buf, 0, sizeof(buf));
	assert_true(read(pfd[0], buf, sizeof(buf) - 1) > 0);
	assert_string_equal(buf, "t: held\nt: still held\n");
	close(pfd[0]);
	close(pfd[1]);
}

/* Whether pid sleeps in a socket write (the helper's stall). */
static int
blocked_in_write(pid_t pid)
{
	char	 path[64], wchan[64] = "";
	FILE	*f;

	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(wchan, sizeof(wchan), f) == NULL)
		wchan[0] = '\0';
	fclose(f);
	return strstr(wchan, "sock_alloc_send") != NULL ||
	    strstr(wchan, "unix_stream_sendmsg") != NULL ||
	    strstr(wchan, "wait_memory") != NULL;
}

/*
 * stderr a blocking socket that is full (log_init() leaves a socket as it
 * is): fatalx() under the lock must release the lock, and only then block
 * writing its record.  Seen from here: the lock becomes free while the
 * child still waits; the child never waits with the lock held.
 */
static void
test_fatal_unlocks_first(void **state)
{
	static char	 buf[4 << 20];	/* more than a socket buffer */
	char		 path[] = "/tmp/banger-test-log-XXXXXX", page[4096];
	size_t		 got = 0;
	ssize_t		 n;
	int		 sv[2], lockfd, fd, st;
	pid_t		 pid;

	(void)state;
	assert_true((lockfd = mkstemp(path)) != -1);
	assert_true((fd = open(path, O_RDWR)) != -1);
	unlink(path);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	memset(page, 'x', sizeof(page));
	while (write(sv[1], page, sizeof(page)) > 0)
		;
	assert_int_equal(fcntl(sv[1], F_SETFL, 0), 0);
	/* The child inherits this lock: it is the description's. */
	assert_int_equal(flock(lockfd, LOCK_EX), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		close(sv[0]);
		log_init("t", sv[1], 0);
		log_hold(lockfd);
		fatalx("gone");
	}
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (blocked_in_write(pid) &&
		    flock(fd, LOCK_EX | LOCK_NB) == -1) {
			kill(pid, SIGKILL);
			fail_msg("blocked in a write with the lock held");
		}
		usleep(1000);
	}
	/* Free the child, which writes its record and exits 1. */
	close(sv[1]);
	while ((n = read(sv[0], buf + got, sizeof(buf) - got)) > 0)
		got += (size_t)n;
	assert_true(got >= 15);
	assert_memory_equal(buf + got - 15, "t: fatal: gone\n", 15);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	close(sv[0]);
	close(fd);
	close(lockfd);
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_flush_whole_records),
		cmocka_unit_test(test_nothing_while_held),
		cmocka_unit_test(test_fatal_unlocks_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
