/*
 * Which mirror a golden image is built from (image-sources.c): Debian
 * hosts' one-line and deb822 sources, exact suites beating guesses, and
 * hosts that are not Debian, whose mirrors of other releases must not be
 * taken for Debian's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "image.h"

static void
pick(const char *text, int deb822, int debian, char *m, char *s)
{
	m[0] = s[0] = '\0';
	image_parse_sources(text, deb822, "bookworm", debian, m, s);
}

static void
test_debian_oneline(void **state)
{
	char	 m[IMAGE_URI_MAX], s[IMAGE_URI_MAX];

	(void)state;
	pick("# comment\n"
	    "deb http://mirror.example/debian bookworm main\n"
	    "deb-src http://src.example/debian bookworm main\n"
	    "deb [arch=amd64] http://sec.example/debian-security "
	    "bookworm-security main\n", 0, 1, m, s);
	assert_string_equal(m, "http://mirror.example/debian");
	assert_string_equal(s, "http://sec.example/debian-security");
	/* Another Debian release's mirror is a fair guess on Debian. */
	pick("deb http://old.example/debian bullseye main\n"
	    "deb http://old.example/sec bullseye-security main\n", 0, 1, m,
	    s);
	assert_string_equal(m, "http://old.example/debian");
	assert_string_equal(s, "http://old.example/sec");
	/* An exact suite beats a guess whatever the order. */
	pick("deb http://guess.example/debian trixie main\n"
	    "deb http://exact.example/debian bookworm main\n"
	    "deb http://guess.example/debian trixie main\n", 0, 1, m, s);
	assert_string_equal(m, "http://exact.example/debian");
	/* Not http(s), or unsafe in an apt line: ignored. */
	pick("deb file:/srv/debian bookworm main\n"
	    "deb http://a\"b/debian bookworm main\n", 0, 1, m, s);
	assert_string_equal(m, "");
}

static void
test_debian_deb822(void **state)
{
	char	 m[IMAGE_URI_MAX], s[IMAGE_URI_MAX];

	(void)state;
	pick("Types: deb deb-src\n"
	    "URIs: http://deb.example/debian\n"
	    "Suites: bookworm bookworm-updates\n"
	    "Components: main\n"
	    "\n"
	    "Types: deb\n"
	    "URIs: http://deb.example/debian-security\n"
	    "Suites: bookworm-security\n", 1, 1, m, s);
	assert_string_equal(m, "http://deb.example/debian");
	assert_string_equal(s, "http://deb.example/debian-security");
	/* deb-src only: not a source of packages. */
	pick("Types: deb-src\nURIs: http://src.example/debian\n"
	    "Suites: bookworm\n", 1, 1, m, s);
	assert_string_equal(m, "");
}

/* Ubuntu's mirror must not be taken for a Debian one. */
static void
test_not_debian(void **state)
{
	char	 m[IMAGE_URI_MAX], s[IMAGE_URI_MAX];
	const char *ubuntu =
	    "deb http://archive.ubuntu.com/ubuntu jammy main universe\n"
	    "deb http://archive.ubuntu.com/ubuntu jammy-updates main\n"
	    "deb http://security.ubuntu.com/ubuntu jammy-security main\n";

	(void)state;
	pick(ubuntu, 0, 0, m, s);
	assert_string_equal(m, "");
	assert_string_equal(s, "");
	/* On a Debian host the same lines would have been guesses. */
	pick(ubuntu, 0, 1, m, s);
	assert_string_equal(m, "http://archive.ubuntu.com/ubuntu");
	/* A bookworm mirror the admin added still counts. */
	pick("Types: deb\nURIs: http://archive.ubuntu.com/ubuntu\n"
	    "Suites: noble noble-security\n\n"
	    "Types: deb\nURIs: http://deb.example/debian\n"
	    "Suites: bookworm\n", 1, 0, m, s);
	assert_string_equal(m, "http://deb.example/debian");
	assert_string_equal(s, "");
}

static void
test_os_release(void **state)
{
	(void)state;
	assert_true(image_os_is_debian("PRETTY_NAME=\"Debian GNU/Linux 12 "
	    "(bookworm)\"\nNAME=\"Debian GNU/Linux\"\nID=debian\n"));
	assert_true(image_os_is_debian("ID=\"debian\"\n"));
	assert_true(image_os_is_debian("VERSION_ID=12\nID=debian"));
	assert_false(image_os_is_debian("NAME=\"Ubuntu\"\nID=ubuntu\n"
	    "ID_LIKE=debian\n"));
	assert_false(image_os_is_debian("ID_LIKE=debian\n"));
	assert_false(image_os_is_debian("ID=debianish\n"));
	assert_false(image_os_is_debian(""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian_oneline),
		cmocka_unit_test(test_debian_deb822),
		cmocka_unit_test(test_not_debian),
		cmocka_unit_test(test_os_release),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
