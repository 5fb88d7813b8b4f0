/* Unit tests: priv.conf as doctor reads it, and accel_choose(). */
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

#include "accel.h"


static void
test_accel_forced_tcg(void **state)
{
	char	 reason[512];

	(void)state;
	setenv("BANGER_ACCEL", "tcg", 1);
	assert_int_equal(accel_choose(reason, sizeof(reason)), ACCEL_TCG);
	assert_non_null(strstr(reason, "BANGER_ACCEL=tcg"));
	/* Anything else does not force KVM: the host decides. */
	setenv("BANGER_ACCEL", "kvm", 1);
	(void)accel_choose(reason, sizeof(reason));
	assert_null(strstr(reason, "BANGER_ACCEL"));
	unsetenv("BANGER_ACCEL");
	assert_string_equal(accel_name(ACCEL_TCG), "tcg");
	assert_string_equal(accel_name(ACCEL_KVM), "kvm");
}

/* The first failing check is named; on the build hosts that is PVM. */
static void
test_accel_host(void **state)
{
	struct stat	 st;
	char		 reason[512];
	enum accel	 a;
	int		 fd;

	(void)state;
	unsetenv("BANGER_ACCEL");
	a = accel_choose(reason, sizeof(reason));
	assert_true(strlen(reason) > 10);
	if ((fd = open("/dev/kvm", O_RDWR)) == -1) {
		assert_int_equal(a, ACCEL_TCG);
		assert_non_null(strstr(reason, "/dev/kvm"));
		return;
	}
	close(fd);
	if (stat("/sys/module/kvm_pvm", &st) == 0) {
		assert_int_equal(a, ACCEL_TCG);
		assert_non_null(strstr(reason, "kvm_pvm"));
	}
	if (a == ACCEL_KVM)
		assert_non_null(strstr(reason, "using KVM"));
	else
		assert_non_null(strstr(reason, "using TCG"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accel_forced_tcg),
		cmocka_unit_test(test_accel_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
