/* user_resolve: the image config's User against guest-style files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "agent.h"

static const char passwd[] =
    "root:x:0:0:root:/root:/bin/bash\n"
    "# a comment:x:1:1::/:/bin/sh\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "broken:x:notanumber:1::/:/bin/sh\n"
    "app:x:1000:1000:App,,,:/home/app:/bin/sh\n"
    "big:x:4000000000:100::/home/big:/bin/sh";	/* no final newline */
static const char group[] =
    "root:x:0:\n"
    "app:x:1000:\n"
    "users:x:100:app,other\n"
    "docker:x:999:other,app\n"
    "audio:x:29:appx\n";

static void
by_name(void **state)
{
	struct run_as	 ra;
	char		 err[128];

	(void)state;
	assert_int_equal(user_resolve("app", passwd, group, &ra, err,
	    sizeof(err)), 0);
	assert_true(ra.set);
	assert_int_equal(ra.uid, 1000);
	assert_int_equal(ra.gid, 1000);
	assert_string_equal(ra.name, "app");
	assert_string_equal(ra.home, "/home/app");
	/* Primary, then the groups naming app (not "appx"'s audio). */
	assert_int_equal(ra.ngroups, 3);
	assert_int_equal(ra.groups[0], 1000);
	assert_int_equal(ra.groups[1], 100);
	assert_int_equal(ra.groups[2], 999);

	assert_int_equal(user_resolve("big", passwd, group, &ra, err,
	    sizeof(err)), 0);
	assert_int_equal(ra.uid, 4000000000u);
	assert_string_equal(ra.home, "/home/big");
}

static void
by_number(void **state)
{
	struct run_as	 ra;
	char		 err[128];

	(void)state;
	/* In passwd: its name, home and group. */
	assert_int_equal(user_resolve("1", passwd, group, &ra, err,
	    sizeof(err)), 0);
	assert_string_equal(ra.name, "daemon");
	assert_string_equal(ra.home, "/usr/sbin");
	assert_int_equal(ra.gid, 1);
	/* Not in passwd: allowed, group 0, home /. */
	assert_int_equal(user_resolve("4242", passwd, group, &ra, err,
	    sizeof(err)), 0);
	assert_int_equal(ra.uid, 4242);
	assert_int_equal(ra.gid, 0);
	assert_string_equal(ra.name, "");
	assert_string_equal(ra.home, "/");
	assert_int_equal(ra.ngroups, 1);
}

static void
with_group(void **state)
{
	struct run_as	 ra;
	char		 err[128];

	(void)state;
	assert_int_equal(user_resolve("app:docker", passwd, group, &ra, err,
	    sizeof(err)), 0);
	assert_int_equal(ra.uid, 1000);
	assert_int_equal(ra.gid, 999);
	assert_int_equal(ra.ngroups, 1);
	assert_int_equal(user_resolve("1000:5", passwd, group, &ra, err,
	    sizeof(err)), 0);
	assert_int_equal(ra.gid, 5);
	assert_int_equal(user_resolve("77:users", passwd, group, &ra, err,
	    sizeof(err)), 0);
	assert_int_equal(ra.uid, 77);
	assert_int_equal(ra.gid, 100);
}

static void
refused(void **state)
{
	static const char *const bad[] = {
		"nobody", "app:nogroup", ":", "app:", ":app", "a:b:c",
		"broken", "99999999999", "4294967295", "x\ny",
	};
	struct run_as	 ra;
	char		 err[128];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(user_resolve(bad[i], passwd, group, &ra, err,
		    sizeof(err)), -1);
		assert_true(err[0] != '\0');
	}
	/* Empty: root, nothing set. */
	assert_int_equal(user_resolve("", passwd, group, &ra, err,
	    sizeof(err)), 0);
	assert_false(ra.set);
	/* No passwd at all: a name cannot be found, a number can. */
	assert_int_equal(user_resolve("app", "", "", &ra, err, sizeof(err)),
	    -1);
	assert_int_equal(user_resolve("5", "", "", &ra, err, sizeof(err)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(by_name),
		cmocka_unit_test(by_number),
		cmocka_unit_test(with_group),
		cmocka_unit_test(refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
