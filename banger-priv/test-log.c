/*
 * Unit test for banger-priv's log queue (log.c): records queued while the
 * lease lock is held go out one by one, so a pipe with room for only some
 * of them takes whole records and drops the rest, never half of one with
 * the next glued on.
 */
#include <errno.h>
#include <fcntl.h>
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

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_flush_whole_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
