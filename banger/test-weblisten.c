/* weblisten.c: a listener's line in /proc/net/tcp{,6} and its uid. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "banger.h"

static void
test_line(void **state)
{
	unsigned	 uid = 0;

	(void)state;
	/* 127.0.0.1:8080 listening, uid 1001. */
	assert_int_equal(weblisten_line("   3: 0100007F:1F90 00000000:0000 0A "
	    "00000000:00000000 00:00000000 00000000  1001        0 45678 1 "
	    "0000000000000000 100 0 0 10 0", "0100007F:1F90", &uid), 1);
	assert_int_equal(uid, 1001);
	/* Connected, not listening. */
	assert_int_equal(weblisten_line("   4: 0100007F:1F90 0100007F:D3C2 01 "
	    "00000000:00000000 00:00000000 00000000  1002        0 45679",
	    "0100007F:1F90", &uid), 0);
	/* Another port. */
	assert_int_equal(weblisten_line("   5: 0100007F:1F91 00000000:0000 0A "
	    "00000000:00000000 00:00000000 00000000  0        0 1",
	    "0100007F:1F90", &uid), 0);
	/* The header line and garbage. */
	assert_int_equal(weblisten_line("  sl  local_address rem_address   st "
	    "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
	    "0100007F:1F90", &uid), 0);
	assert_int_equal(weblisten_line("", "0100007F:1F90", &uid), 0);
	/* ::1 in tcp6's form. */
	assert_int_equal(weblisten_line("   0: 00000000000000000000000001000000"
	    ":1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 "
	    "00:00000000 00000000  7 0 1",
	    "00000000000000000000000001000000:1F90", &uid), 1);
	assert_int_equal(uid, 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
