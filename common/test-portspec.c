/* Published port specs: what is accepted, its canonical form, refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "portspec.h"

static char	 err[256];

static void
ok(const char *in, const char *canon)
{
	struct port_spec	 p;
	char			 out[PORT_SPEC_MAX + 1];

	err[0] = '\0';
	if (port_spec_parse(in, &p, err, sizeof(err)) != 0)
		fail_msg("refused %s: %s", in, err);
	port_spec_fmt(&p, out, sizeof(out));
	assert_string_equal(out, canon);
}

static void
refused(const char *in, const char *msg)
{
	struct port_spec	 p;

	if (port_spec_parse(in, &p, err, sizeof(err)) != -1)
		fail_msg("accepted %s", in);
	assert_string_equal(err, msg);
}

static void
test_accept(void **state)
{
	(void)state;
	ok("8080:80", "127.0.0.1:8080:80");
	ok("127.0.0.1:3000:3000", "127.0.0.1:3000:3000");
	ok("127.1.2.3:65535:1", "127.1.2.3:65535:1");
	ok("1024:22", "127.0.0.1:1024:22");
	/* Below 1024: banger-priv binds it, if priv.conf allows. */
	ok("80:8080", "127.0.0.1:80:8080");
	ok("127.0.0.2:1:1", "127.0.0.2:1:1");
}

static void
test_refuse(void **state)
{
	(void)state;
	refused("", "publish \"\": want [ADDR:]HOSTPORT:GUESTPORT, such as "
	    "8080:80, or unix:PATH:GUESTPORT");
	refused("8080", "publish \"8080\": want [ADDR:]HOSTPORT:GUESTPORT, "
	    "such as 8080:80, or unix:PATH:GUESTPORT");
	refused("8080:", "publish 8080:: ports must be numbers from 1 to "
	    "65535");
	refused("08080:80", "publish 08080:80: ports must be numbers from 1 "
	    "to 65535");
	refused("8080:0", "publish 8080:0: ports must be numbers from 1 to "
	    "65535");
	refused("8080:65536", "publish 8080:65536: ports must be numbers "
	    "from 1 to 65535");
	refused("+8080:80", "publish +8080:80: ports must be numbers from 1 "
	    "to 65535");
	refused("0.0.0.0:8080:80", "publish 0.0.0.0:8080:80: only loopback "
	    "addresses (127.0.0.0/8) can be published for now");
	refused("10.0.0.1:8080:80", "publish 10.0.0.1:8080:80: only loopback "
	    "addresses (127.0.0.0/8) can be published for now");
	refused("localhost:8080:80", "publish localhost:8080:80: ADDR must be "
	    "an IPv4 address");
	refused("[::1]:8080:80", "publish [::1]:8080:80: ADDR must be an IPv4 "
	    "address");
	refused("127.0.0.1:1:2:3", "publish 127.0.0.1:1:2:3: ADDR must be an "
	    "IPv4 address");
	refused("127.000.000.001:8080:80", "publish 127.000.000.001:8080:80: "
	    "ADDR must be an IPv4 address");
}

static void
test_unix_accept(void **state)
{
	char	 p107[128], in[200], out[300];

	(void)state;
	ok("unix:/tmp/x.sock:80", "unix:/tmp/x.sock:80");
	/* GUESTPORT follows the last colon: PATH may hold colons. */
	ok("unix:/tmp/a:b.sock:8080", "unix:/tmp/a:b.sock:8080");
	ok("unix:/tmp/8080:80", "unix:/tmp/8080:80");
	/* Normal form: repeated slashes and "." components go. */
	ok("unix://tmp//./x.sock:80", "unix:/tmp/x.sock:80");
	ok("unix:/./tmp/./x:1", "unix:/tmp/x:1");
	/* 107 bytes fit sun_path with its NUL; 108 do not. */
	memset(p107, 'a', 107);
	p107[0] = '/';
	p107[107] = '\0';
	snprintf(in, sizeof(in), "unix:%s:80", p107);
	ok(in, in);
	snprintf(in, sizeof(in), "unix:/b%s:80", p107);
	snprintf(out, sizeof(out), "publish %s: PATH is longer than a socket "
	    "address allows (107 bytes)", in);
	refused(in, out);
	/* Longer than that once normalised is fine if the input fits. */
	snprintf(in, sizeof(in), "unix:/./%s:80", p107 + 1);
	snprintf(out, sizeof(out), "unix:%s:80", p107);
	ok(in, out);
}

static void
test_unix_refuse(void **state)
{
	char	 in[300];

	(void)state;
	refused("unix:/tmp/x.sock", "publish unix:/tmp/x.sock: want "
	    "unix:PATH:GUESTPORT, such as unix:/tmp/web.sock:80");
	refused("unix:", "publish unix:: want unix:PATH:GUESTPORT, such as "
	    "unix:/tmp/web.sock:80");
	refused("unix:/tmp/x.sock:0", "publish unix:/tmp/x.sock:0: GUESTPORT "
	    "must be a number from 1 to 65535");
	refused("unix:/tmp/x.sock:80:", "publish unix:/tmp/x.sock:80:: "
	    "GUESTPORT must be a number from 1 to 65535");
	refused("unix:x.sock:80", "publish unix:x.sock:80: PATH must be "
	    "absolute");
	refused("unix::80", "publish unix::80: PATH must be absolute");
	refused("unix:/tmp/:80", "publish unix:/tmp/:80: PATH must name a "
	    "file, not a directory");
	refused("unix:/:80", "publish unix:/:80: PATH must name a file, not "
	    "a directory");
	refused("unix:/tmp/.:80", "publish unix:/tmp/.:80: PATH must name a "
	    "file, not a directory");
	refused("unix:/tmp/../etc/x:80", "publish unix:/tmp/../etc/x:80: PATH "
	    "may not hold \"..\"");
	refused("unix:/tmp/a b:80", "publish unix:/tmp/a b:80: PATH may not "
	    "hold spaces or control characters");
	refused("unix:/tmp/a\tb:80", "publish unix:/tmp/a\tb:80: PATH may not "
	    "hold spaces or control characters");
	refused("unix:/tmp/a\x7f:80", "publish unix:/tmp/a\x7f:80: PATH may "
	    "not hold spaces or control characters");
	/* Longer than any spec may be: refused before it is looked at. */
	memset(in, 'a', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	memcpy(in, "unix:/", 6);
	memcpy(in + sizeof(in) - 4, ":80", 3);
	refused(in, "publish unix:/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...: "
	    "longer than 118 bytes");
}

static void
test_unix_clash(void **state)
{
	struct port_spec	 a, b, c, t;

	(void)state;
	assert_int_equal(port_spec_parse("unix:/tmp/x.sock:80", &a, err,
	    sizeof(err)), 0);
	assert_int_equal(port_spec_parse("unix:/tmp//./x.sock:22", &b, err,
	    sizeof(err)), 0);
	assert_int_equal(port_spec_parse("unix:/tmp/x.sock2:80", &c, err,
	    sizeof(err)), 0);
	assert_int_equal(port_spec_parse("127.0.0.1:80:80", &t, err,
	    sizeof(err)), 0);
	assert_true(port_spec_clash(&a, &b));
	assert_false(port_spec_clash(&a, &c));
	assert_false(port_spec_clash(&a, &t));
	assert_false(port_spec_clash(&t, &a));
}

static void
test_unix_absolute(void **state)
{
	char	 out[PORT_SPEC_MAX + 1], dir[200];

	(void)state;
	assert_int_equal(port_spec_absolute("unix:web.sock:80", "/home/u/r",
	    out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "unix:/home/u/r/web.sock:80");
	assert_int_equal(port_spec_absolute("unix:./s/../w:80", "/h", out,
	    sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "unix:/h/./s/../w:80");
	assert_int_equal(port_spec_absolute("unix:/abs:80", "/h", out,
	    sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "unix:/abs:80");
	assert_int_equal(port_spec_absolute("8080:80", "/h", out,
	    sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "8080:80");
	memset(dir, 'd', sizeof(dir) - 1);
	dir[0] = '/';
	dir[sizeof(dir) - 1] = '\0';
	assert_int_equal(port_spec_absolute("unix:w:80", dir, out,
	    sizeof(out), err, sizeof(err)), -1);
	assert_string_equal(err, "publish unix:w:80...: longer than 118 bytes "
	    "once made absolute");
}

static void
test_unix_path_ok(void **state)
{
	(void)state;
	assert_true(port_unix_path_ok("/tmp/x.sock"));
	assert_true(port_unix_path_ok("/tmp/a:b"));
	assert_false(port_unix_path_ok("tmp/x"));
	assert_false(port_unix_path_ok("/tmp//x"));
	assert_false(port_unix_path_ok("/tmp/./x"));
	assert_false(port_unix_path_ok("/tmp/../x"));
	assert_false(port_unix_path_ok("/tmp/x/"));
	assert_false(port_unix_path_ok("/tmp/a b"));
	assert_false(port_unix_path_ok(""));
}

static void
test_clash(void **state)
{
	struct port_spec	 a, b, c;

	(void)state;
	assert_int_equal(port_spec_parse("8080:80", &a, err, sizeof(err)), 0);
	assert_int_equal(port_spec_parse("127.0.0.1:8080:22", &b, err,
	    sizeof(err)), 0);
	assert_int_equal(port_spec_parse("127.0.0.2:8080:80", &c, err,
	    sizeof(err)), 0);
	assert_true(port_spec_clash(&a, &b));
	assert_false(port_spec_clash(&a, &c));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept),
		cmocka_unit_test(test_refuse),
		cmocka_unit_test(test_clash),
		cmocka_unit_test(test_unix_accept),
		cmocka_unit_test(test_unix_refuse),
		cmocka_unit_test(test_unix_clash),
		cmocka_unit_test(test_unix_absolute),
		cmocka_unit_test(test_unix_path_ok),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
