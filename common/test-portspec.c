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
	    "8080:80");
	refused("8080", "publish \"8080\": want [ADDR:]HOSTPORT:GUESTPORT, "
	    "such as 8080:80");
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
	refused("unix:/tmp/x.sock:80", "publish unix:/tmp/x.sock:80: unix:PATH "
	    "is not supported yet; publish a TCP port");
	refused("127.000.000.001:8080:80", "publish 127.000.000.001:8080:80: "
	    "ADDR must be an IPv4 address");
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
