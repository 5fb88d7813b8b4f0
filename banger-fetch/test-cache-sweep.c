/*
 * cache_sweep_partials: a .partial no pull touched for the age given is
 * removed; a fresh one, one a pull holds locked, a whole blob and
 * anything that is not a regular file stay.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fetch.h"

#define DAY	86400

static char	 dir[] = "/tmp/test-cache-sweep.XXXXXX";

/* dir/name, a file last changed age seconds before now; its fd. */
static int
aged(const char *name, time_t now, time_t age)
{
	struct timespec	 ts[2];
	char		 p[256];
	int		 fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, "x", 1), 1);
	ts[0].tv_sec = ts[1].tv_sec = now - age;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(futimens(fd, ts), 0);
	return fd;
}

static int
there(const char *name)
{
	char	 p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

static void
test_sweep(void **state)
{
	time_t	 now = time(NULL);
	char	 p[256];
	int	 held;

	(void)state;
	assert_non_null(mkdtemp(dir));
	close(aged("old.partial", now, 8 * DAY));
	close(aged("new.partial", now, 1 * DAY));
	close(aged("whole", now, 30 * DAY));
	held = aged("held.partial", now, 9 * DAY);
	assert_int_equal(flock(held, LOCK_EX), 0);
	snprintf(p, sizeof(p), "%s/dir.partial", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/fifo.partial", dir);
	assert_int_equal(mkfifo(p, 0600), 0);

	assert_int_equal(cache_sweep_partials(dir, now, 7 * DAY), 1);
	assert_false(there("old.partial"));
	assert_true(there("new.partial"));
	assert_true(there("whole"));
	assert_true(there("held.partial"));
	assert_true(there("dir.partial"));
	assert_true(there("fifo.partial"));
	/* Once its pull lets go, the old one goes too. */
	close(held);
	assert_int_equal(cache_sweep_partials(dir, now, 7 * DAY), 1);
	assert_false(there("held.partial"));
	/* A missing directory is nothing to sweep. */
	assert_int_equal(cache_sweep_partials("/nonexistent/x", now, DAY), 0);

	snprintf(p, sizeof(p), "rm -rf %s", dir);
	assert_int_equal(system(p), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
