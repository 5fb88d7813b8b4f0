/*
 * Unit tests: every log record is one escaped line, and a capped log
 * file is rotated to FILE.1 (log.c).
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

struct world {
	char	dir[64];
	char	path[128];
	char	old[140];
	int	fd;
};

static int
setup(void **state)
{
	struct world	*w = calloc(1, sizeof(*w));

	if (w == NULL)
		return -1;
	snprintf(w->dir, sizeof(w->dir), "/tmp/test-log.XXXXXX");
	if (mkdtemp(w->dir) == NULL)
		return -1;
	snprintf(w->path, sizeof(w->path), "%s/bangerd.log", w->dir);
	snprintf(w->old, sizeof(w->old), "%s.1", w->path);
	w->fd = open(w->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0600);
	if (w->fd == -1)
		return -1;
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct world	*w = *state;

	log_init("test", 2, 0);
	close(w->fd);
	unlink(w->path);
	unlink(w->old);
	rmdir(w->dir);
	free(w);
	return 0;
}

static size_t
slurp(const char *path, char *buf, size_t cap)
{
	FILE	*f = fopen(path, "r");
	size_t	 n;

	assert_non_null(f);
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

static size_t
count(const char *s, char c)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		n += *s == c;
	return n;
}

static void
test_one_line_escaped(void **state)
{
	struct world	*w = *state;
	char		 buf[4096];

	log_init("bangerd", w->fd, 0);
	/* What a guest might put in an agent error or version string. */
	log_warnx("vm a: agent error: %s", "boom\n2026-01-01T00:00:00Z "
	    "bangerd: vm b: deleted\x1b]0;x\x07\xc2\x9b");
	log_info("agent version %s", "1.0\r\t\\");
	slurp(w->path, buf, sizeof(buf));
	assert_int_equal(count(buf, '\n'), 2);
	assert_null(strchr(buf, '\x1b'));
	assert_null(strchr(buf, '\r'));
	assert_null(strchr(buf, '\t'));
	assert_non_null(strstr(buf, "agent error: boom\\n2026-01-01T00:00:00Z "
	    "bangerd: vm b: deleted\\e]0;x\\x07\\xc2\\x9b\n"));
	assert_non_null(strstr(buf, "agent version 1.0\\r\\t\\\\\n"));
}

/* A record in a file starts with its UTC time to the millisecond. */
static void
test_stamp(void **state)
{
	struct world	*w = *state;
	char		 buf[256];
	unsigned	 y, mo, d, h, mi, sec, ms;
	int		 end = 0;

	log_init("bangerd", w->fd, 0);
	log_info("hello");
	slurp(w->path, buf, sizeof(buf));
	assert_int_equal(sscanf(buf, "%4u-%2u-%2uT%2u:%2u:%2u.%3uZ %n", &y,
	    &mo, &d, &h, &mi, &sec, &ms, &end), 7);
	assert_int_equal(end, 25);
	assert_true(mo >= 1 && mo <= 12 && h < 24 && ms < 1000);
	assert_string_equal(buf + end, "bangerd: hello\n");
}

static void
test_long_record_is_one_line(void **state)
{
	struct world	*w = *state;
	char		 big[3000], buf[8192];

	memset(big, '\n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_init("bangerd", w->fd, 0);
	log_warnx("x %s", big);
	slurp(w->path, buf, sizeof(buf));
	assert_int_equal(count(buf, '\n'), 1);
	assert_true(buf[strlen(buf) - 1] == '\n');
}

static void
test_rotate(void **state)
{
	struct world	*w = *state;
	struct stat	 st, st2;
	char		 buf[4096];
	int		 i, saved2;

	log_init("bangerd", w->fd, 0);
	/* As bangerd does: stderr is the log file too. */
	saved2 = dup(2);
	assert_true(saved2 != -1);
	assert_int_equal(dup2(w->fd, 2), 2);
	assert_int_equal(log_rotate_at(w->path, 300), 0);
	for (i = 0; i < 40; i++)
		log_warnx("record %02d from a chatty guest, %s", i,
		    "padding padding");
	assert_int_equal(stat(w->path, &st), 0);
	assert_true(st.st_size <= 300);
	assert_true(st.st_size > 0);
	assert_int_equal(stat(w->old, &st2), 0);
	assert_true(st2.st_size <= 300);
	/* The newest record is in the live file, whole. */
	slurp(w->path, buf, sizeof(buf));
	assert_non_null(strstr(buf, "record 39 from a chatty guest"));
	assert_true(buf[strlen(buf) - 1] == '\n');
	/* log_fd and stderr both moved to the new file. */
	assert_int_equal(fstat(log_getfd(), &st2), 0);
	assert_int_equal(st2.st_ino, st.st_ino);
	assert_int_equal(fstat(2, &st2), 0);
	assert_int_equal(st2.st_ino, st.st_ino);
	assert_int_equal(log_getfd(), w->fd);
	assert_int_equal(dup2(saved2, 2), 2);
	close(saved2);
}

/*
 * A log that cannot be rotated (its directory is gone) says so once and
 * then stops growing, rather than going quiet without a word.
 */
static void
test_rotate_fails(void **state)
{
	struct world	*w = *state;
	struct stat	 st;
	off_t		 size;
	char		 proc[64], buf[4096];
	int		 i;

	log_init("bangerd", w->fd, 0);
	assert_int_equal(log_rotate_at(w->path, 300), 0);
	assert_int_equal(unlink(w->path), 0);
	assert_int_equal(rmdir(w->dir), 0);
	for (i = 0; i < 40; i++)
		log_warnx("record %02d from a chatty guest, %s", i,
		    "padding padding");
	assert_int_equal(fstat(w->fd, &st), 0);
	size = st.st_size;
	assert_true(size > 300 && size < 500);
	log_warnx("one more");
	assert_int_equal(fstat(w->fd, &st), 0);
	assert_int_equal(st.st_size, size);
	assert_int_equal(log_getfd(), -1);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", w->fd);
	slurp(proc, buf, sizeof(buf));
	assert_non_null(strstr(buf, "cannot rotate"));
	/* teardown's rmdir fails quietly now. */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_line_escaped, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stamp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_record_is_one_line,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotate_fails, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
