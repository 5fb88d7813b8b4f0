/*
 * A kernel's info file as bangerd reads it (kernel-info.c): what
 * banger-fetch and `make images` write is taken; anything else, a line
 * missing, repeated, unknown or with a bad value, is refused whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kernel-info.h"

static int
parse(const char *s, struct kinfo *ki)
{
	return kernel_info_parse(s, strlen(s), ki);
}

static void
test_good(void **state)
{
	struct kinfo	 ki;

	(void)state;
	assert_int_equal(parse("release 6.1.0-57-cloud-amd64\nforms vmlinux "
	    "vmlinuz\nmodules 12\n", &ki), 0);
	assert_string_equal(ki.release, "6.1.0-57-cloud-amd64");
	assert_string_equal(ki.forms, "vmlinux vmlinuz");
	assert_int_equal(ki.modules, 12);
	/* Any order; an ELF import has one form and may have no modules. */
	assert_int_equal(parse("modules 0\nforms vmlinux\nrelease "
	    "6.1.160+fc_1\n", &ki), 0);
	assert_string_equal(ki.release, "6.1.160+fc_1");
	assert_string_equal(ki.forms, "vmlinux");
	assert_int_equal(ki.modules, 0);
}

static void
test_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"release 6.1\nforms vmlinux\n",			/* missing */
		"release 6.1\nforms vmlinux\nmodules 1",	/* no newline */
		"release 6.1\nrelease 6.2\nforms vmlinux\nmodules 1\n",
		"release 6.1\nforms vmlinux\nmodules 1\nextra x\n",
		"release \nforms vmlinux\nmodules 1\n",
		"release 6.1 x\nforms vmlinux\nmodules 1\n",
		"release 6.1/x\nforms vmlinux\nmodules 1\n",
		"release 6.1\x1b[2J\nforms vmlinux\nmodules 1\n",
		"release 6.1\nforms bzImage\nmodules 1\n",
		"release 6.1\nforms vmlinux vmlinuz \nmodules 1\n",
		"release 6.1\nforms vmlinux\nmodules 01\n",
		"release 6.1\nforms vmlinux\nmodules 1025\n",
		"release 6.1\nforms vmlinux\nmodules -1\n",
		"release 6.1\nforms vmlinux\nmodules 99999\n",
		"release6.1\nforms vmlinux\nmodules 1\n",
		"release 6.1\r\nforms vmlinux\nmodules 1\n",
	};
	struct kinfo	 ki;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&ki, 0x55, sizeof(ki));
		if (parse(bad[i], &ki) != -1)
			fail_msg("taken: %s", bad[i]);
		assert_string_equal(ki.release, "");
		assert_int_equal(ki.modules, 0);
	}
}

static void
test_long_release(void **state)
{
	struct kinfo	 ki;
	char		 buf[256];

	(void)state;
	/* 64 characters fit; 65 do not. */
	snprintf(buf, sizeof(buf), "release %.64s\nforms vmlinux\nmodules "
	    "1\n", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaa");
	assert_int_equal(parse(buf, &ki), 0);
	assert_int_equal(strlen(ki.release), 64);
	snprintf(buf, sizeof(buf), "release %.65s\nforms vmlinux\nmodules "
	    "1\n", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaa");
	assert_int_equal(parse(buf, &ki), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_long_release),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
