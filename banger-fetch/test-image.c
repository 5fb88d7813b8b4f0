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
#include <stdio.h>
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

/* Feed a line; what mm_progress said ("" for nothing). */
static const char *
mm(struct mm_progress *p, const char *line)
{
	static char	 out[128];

	out[0] = '\0';
	if (mm_progress(p, line, out, sizeof(out)) == 1)
		assert_true(out[0] != '\0');
	else
		assert_string_equal(out, "");
	return out;
}

/* mmdebstrap --verbose: its steps, then a line per tenth of packages. */
static void
test_mm_progress(void **state)
{
	struct mm_progress	 p = { 0, 0, 0, 0, 0 };
	char			 line[128], big[MM_LINE_MAX + 64];
	unsigned		 i, said = 0;

	(void)state;
	assert_string_equal(mm(&p, "I: running apt-get update..."), "");
	/* An index before any count is no package. */
	assert_string_equal(mm(&p, "Get:1 http://deb.debian.org/debian "
	    "bookworm InRelease [151 kB]"), "");
	assert_string_equal(mm(&p, "I: downloading packages with apt..."),
	    "downloading packages");
	assert_string_equal(mm(&p, "0 upgraded, 20 newly installed, 0 to "
	    "remove and 0 not upgraded."), "");
	assert_int_equal(p.total, 20);
	assert_string_equal(mm(&p, "Get:1 http://deb.debian.org/debian "
	    "bookworm/main amd64 gcc-12-base amd64 12.2.0-14 [37.6 kB]"),
	    "fetched 1 of 20 packages");
	assert_string_equal(mm(&p, "Get:1 http://deb.debian.org/debian "
	    "bookworm-updates InRelease [55.4 kB]"), "");
	assert_string_equal(mm(&p, "Get:2 http://deb.debian.org/debian "
	    "bookworm/main amd64 Packages [8787 kB]"), "");
	for (i = 2; i <= 20; i++) {
		snprintf(line, sizeof(line), "Get:%u https://m.example/debian "
		    "bookworm/main amd64 p%u amd64 1.0 [1 kB]", i, i);
		said += mm(&p, line)[0] != '\0';
	}
	assert_int_equal(said, 10);	/* 2/20 ... 20/20 */
	/* A second apt run: its Get numbers start again. */
	assert_string_equal(mm(&p, "0 upgraded, 5 newly installed, 0 to "
	    "remove and 0 not upgraded."), "");
	assert_string_equal(mm(&p, "Get:1 http://d.example/debian bookworm/"
	    "main amd64 sudo amd64 1.9 [1 kB]"), "fetched 21 of 25 packages");
	said = 0;
	for (i = 0; i < 30; i++)	/* more than there are: counted to 25 */
		said += mm(&p, "Setting up libc6:amd64 (2.36-9) ...")[0] !=
		    '\0';
	assert_int_equal(p.set_up, 25);
	assert_int_equal(said, 11);	/* 1, then each tenth of 25 */
	assert_string_equal(mm(&p, "I: creating tarball..."),
	    "creating tarball");
	/* What does not parse, or would overflow, moves nothing. */
	assert_string_equal(mm(&p, "I: something else"), "");
	assert_string_equal(mm(&p, "4294967295 upgraded, 4294967295 newly "
	    "installed, 0 to remove"), "");
	assert_int_equal(p.total, 25);
	assert_string_equal(mm(&p, "Get:99 http://x a b c d e f"), "");
	assert_string_equal(mm(&p, "Get:x http://x a b c d e f"), "");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "I: creating tarball", 19);
	assert_string_equal(mm(&p, big), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian_oneline),
		cmocka_unit_test(test_debian_deb822),
		cmocka_unit_test(test_not_debian),
		cmocka_unit_test(test_os_release),
		cmocka_unit_test(test_mm_progress),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
