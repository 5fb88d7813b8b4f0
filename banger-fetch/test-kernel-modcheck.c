/*
 * kernel_modules_check against archives that differ from what
 * kernel_modules_cpio writes only in how a name is stored: a name with
 * no NUL, or non-zero padding after a name or data.  The kernel's
 * unpacker reads a name as a C string, so such a member could land
 * under another name than the one checked; or in a field libarchive
 * reads as junk.
 */
#include <sys/mman.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel.h"

static const char *const none[] = { "virtio_blk" };

/* The archive kernel_modules_cpio writes with no modules, in a memfd. */
static int
archive_fd(void)
{
	unsigned	 count;
	char		 err[256];
	int		 fd;

	fd = memfd_create("modules.cpio", 0);
	assert_true(fd != -1);
	assert_int_equal(kernel_modules_cpio(-1, "6.1.0-test", none, 1, fd,
	    &count, err, sizeof(err)), 0);
	return fd;
}

/* The offset of member name's header (its "070701"), or -1. */
static off_t
member(int fd, const char *name)
{
	char	 buf[4096];
	ssize_t	 n;
	off_t	 i;
	size_t	 l = strlen(name) + 1;

	n = pread(fd, buf, sizeof(buf), 0);
	for (i = 0; i + 110 + (off_t)l <= n; i++)
		if (memcmp(buf + i, "070701", 6) == 0 &&
		    memcmp(buf + i + 110, name, l) == 0)
			return i;
	return -1;
}

static int
check(int fd)
{
	unsigned	 count;
	char		 err[256];

	return kernel_modules_check(fd, "6.1.0-test", &count, err,
	    sizeof(err));
}

static void
test_as_written(void **state)
{
	int	 fd = archive_fd();

	(void)state;
	assert_int_equal(check(fd), 0);
	close(fd);
}

static void
test_name_without_nul(void **state)
{
	off_t	 at;
	char	 hex[9];
	int	 fd = archive_fd();

	(void)state;
	assert_true((at = member(fd, "lib/modules/load")) != -1);
	/* namesize 17 ("lib/modules/load" and its NUL) made 16. */
	snprintf(hex, sizeof(hex), "%08X", 16);
	assert_int_equal(pwrite(fd, hex, 8, at + 94), 8);
	assert_int_equal(check(fd), -1);
	close(fd);
}

static void
test_name_padding(void **state)
{
	off_t	 at, pad;
	int	 fd = archive_fd();

	(void)state;
	assert_true((at = member(fd, "lib/modules/load")) != -1);
	/* 110 + 17 = 127: one byte of padding, at 127. */
	pad = at + 110 + 17;
	assert_int_equal(pwrite(fd, "x", 1, pad), 1);
	assert_int_equal(check(fd), -1);
	close(fd);
}

/*
 * A header libarchive would skip as junk (one field not hex: here the
 * unused check field).  libarchive would search on for a header, into
 * members' data, where one claiming a 4 GiB name has it allocate that
 * much; the walk refuses the first header instead.
 */
static void
test_field_not_hex(void **state)
{
	off_t		 at;
	unsigned	 count = 99;
	char		 err[256];
	int		 fd = archive_fd();

	(void)state;
	assert_true((at = member(fd, "lib")) != -1);
	assert_int_equal(pwrite(fd, "0000000z", 8, at + 102), 8);
	assert_int_equal(kernel_modules_check(fd, "6.1.0-test", &count, err,
	    sizeof(err)), -1);
	assert_int_equal(count, 0);
	assert_non_null(strstr(err, "a bad header at byte 0"));
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_as_written),
		cmocka_unit_test(test_name_without_nul),
		cmocka_unit_test(test_name_padding),
		cmocka_unit_test(test_field_not_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
