/*
 * The guest's new host key line (hostkey-line.c): what ssh-keygen -C
 * banger-vm writes is taken; anything else is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hostkey-line.h"

#define KEY	"AAAAC3NzaC1lZDI1NTE5AAAAIBmhX3kz0CqoJEWBvKxNkqNVz7QYJbAQNe7pvzB1s8Kw"

static int
ok(const char *s)
{
	return hostkey_line_ok(s, strlen(s));
}

static void
test_taken(void **state)
{
	(void)state;
	assert_int_equal(ok("ssh-ed25519 " KEY " banger-vm\n"), 1);
}

static void
test_refused(void **state)
{
	(void)state;
	assert_int_equal(ok(""), 0);
	assert_int_equal(ok("ssh-ed25519 " KEY " banger-vm"), 0);
	assert_int_equal(ok("ssh-ed25519 " KEY " banger-vm\n\n"), 0);
	assert_int_equal(ok("ssh-rsa " KEY " banger-vm\n"), 0);
	assert_int_equal(ok("ssh-ed25519 " KEY " root@evil\n"), 0);
	assert_int_equal(ok("ssh-ed25519 " KEY "\n" KEY " banger-vm\n"), 0);
	assert_int_equal(ok("ssh-ed25519 AAAA banger-vm\n"), 0);
	assert_int_equal(ok("ssh-ed25519 " KEY KEY " banger-vm\n"), 0);
	assert_int_equal(ok("ssh-ed25519 " KEY "-  banger-vm\n"), 0);
	assert_int_equal(ok("ssh-ed25519 banger-vm\n"), 0);
	/* A NUL inside is no base64. */
	assert_int_equal(hostkey_line_ok("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5"
	    "\0AAAAIBmhX3kz0CqoJEWBvKxNkqNVz7QY banger-vm\n", 69), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_taken),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
