/*
 * The web view's checks: web_listen_addr (loopback only), the Host and
 * Origin a request must carry, the token comparison, a form's type, the
 * HTML escaping of what the page shows, and the token file's rules.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "web.h"

static struct web_addr
addr(const char *s)
{
	struct web_addr	 a;
	char		 err[256];

	if (web_addr_parse(s, &a, err, sizeof(err)) != 0)
		fail_msg("refused %s: %s", s, err);
	return a;
}

static void
test_addr(void **state)
{
	static const char *const bad[] = {
		"0.0.0.0:8080", "192.168.1.2:8080", "10.0.0.1:80",
		"localhost:8080", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
		"127.0.0.1:65536", "127.0.0.1:08080", "127.0.0.1:80a",
		"127.1:8080", "127.000.0.1:8080", " 127.0.0.1:8080",
		"[::]:8080", "[::1]", "[::1]:", "[0:0:0:0:0:0:0:1]:8080",
		"[::ffff:127.0.0.1]:8080", "::1:8080", "", ":8080",
		"127.0.0.1:8080:1", "128.0.0.1:8080",
	};
	struct web_addr	 a;
	char		 err[256];
	size_t		 i;

	(void)state;
	a = addr("127.0.0.1:8080");
	assert_string_equal(a.hostport, "127.0.0.1:8080");
	assert_string_equal(a.host, "127.0.0.1");
	assert_int_equal(a.port, 8080);
	a = addr("127.8.9.10:1");
	assert_string_equal(a.hostport, "127.8.9.10:1");
	a = addr("[::1]:65535");
	assert_string_equal(a.hostport, "[::1]:65535");
	assert_string_equal(a.ip, "::1");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (web_addr_parse(bad[i], &a, err, sizeof(err)) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(web_addr_parse("0.0.0.0:8080", &a, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "not a loopback address"));
}

static void
test_host(void **state)
{
	struct web_addr	 a = addr("127.0.0.1:8080"), a6 = addr("[::1]:8080");
	struct web_addr	 a80 = addr("127.0.0.1:80");

	(void)state;
	assert_true(web_host_ok(&a, "127.0.0.1:8080"));
	assert_true(web_host_ok(&a, "localhost:8080"));
	assert_false(web_host_ok(&a, NULL));
	assert_false(web_host_ok(&a, ""));
	assert_false(web_host_ok(&a, "127.0.0.1"));
	assert_false(web_host_ok(&a, "127.0.0.1:80"));
	assert_false(web_host_ok(&a, "127.0.0.1:8080 "));
	assert_false(web_host_ok(&a, "127.0.0.1:80800"));
	assert_false(web_host_ok(&a, "127.0.0.1:8080.evil.example"));
	assert_false(web_host_ok(&a, "evil.example:8080"));
	assert_false(web_host_ok(&a, "127.0.0.2:8080"));
	assert_false(web_host_ok(&a, "localhost.evil.example:8080"));
	assert_false(web_host_ok(&a, "LOCALHOST:8080x"));
	assert_false(web_host_ok(&a, "[::1]:8080"));
	assert_true(web_host_ok(&a6, "[::1]:8080"));
	assert_false(web_host_ok(&a6, "::1:8080"));
	assert_true(web_host_ok(&a80, "127.0.0.1"));
	assert_true(web_host_ok(&a80, "127.0.0.1:80"));
	assert_true(web_host_ok(&a80, "localhost"));
}

static void
test_origin(void **state)
{
	(void)state;
	assert_true(web_origin_ok("127.0.0.1:8080", "http://127.0.0.1:8080"));
	assert_false(web_origin_ok("127.0.0.1:8080", NULL));
	assert_false(web_origin_ok("127.0.0.1:8080", "null"));
	assert_false(web_origin_ok("127.0.0.1:8080", ""));
	assert_false(web_origin_ok("127.0.0.1:8080",
	    "https://127.0.0.1:8080"));
	assert_false(web_origin_ok("127.0.0.1:8080", "http://evil.example"));
	assert_false(web_origin_ok("127.0.0.1:8080",
	    "http://127.0.0.1:8080/"));
	assert_false(web_origin_ok("127.0.0.1:8080",
	    "http://127.0.0.1:8080.evil.example"));
	assert_false(web_origin_ok("127.0.0.1:8080", "http://127.0.0.1:808"));
	assert_false(web_origin_ok("localhost:8080", "http://127.0.0.1:8080"));
	assert_false(web_origin_ok(NULL, "http://127.0.0.1:8080"));
	assert_true(web_fetch_site_ok(NULL));
	assert_true(web_fetch_site_ok("same-origin"));
	assert_false(web_fetch_site_ok("same-site"));
	assert_false(web_fetch_site_ok("cross-site"));
	assert_false(web_fetch_site_ok("none"));
}

static void
test_token(void **state)
{
	char	 t[WEB_TOKEN_LEN + 1], u[WEB_TOKEN_LEN + 2];

	(void)state;
	memset(t, 'a', WEB_TOKEN_LEN);
	t[WEB_TOKEN_LEN] = '\0';
	memcpy(u, t, sizeof(t));
	assert_true(web_token_ok(t, u));
	assert_false(web_token_ok(t, NULL));
	assert_false(web_token_ok(t, ""));
	u[WEB_TOKEN_LEN - 1] = 'b';
	assert_false(web_token_ok(t, u));
	u[WEB_TOKEN_LEN - 1] = 'a';
	u[0] = 'A';
	assert_false(web_token_ok(t, u));
	u[0] = 'a';
	u[WEB_TOKEN_LEN] = 'a';
	u[WEB_TOKEN_LEN + 1] = '\0';
	assert_false(web_token_ok(t, u));	/* one more */
	assert_false(web_token_ok(t, t + 1));	/* one fewer */
	assert_false(web_token_ok("", ""));	/* no token: nothing passes */
}

static void
test_form_type(void **state)
{
	(void)state;
	assert_true(web_form_type_ok("application/x-www-form-urlencoded"));
	assert_true(web_form_type_ok(
	    "application/x-www-form-urlencoded; charset=UTF-8"));
	assert_true(web_form_type_ok("Application/X-WWW-Form-Urlencoded"));
	assert_false(web_form_type_ok(NULL));
	assert_false(web_form_type_ok("text/plain"));
	assert_false(web_form_type_ok("multipart/form-data; boundary=x"));
	assert_false(web_form_type_ok(
	    "application/x-www-form-urlencodedx"));
}

static void
test_html(void **state)
{
	char	 out[HTML_ESC_MAX(64)];
	size_t	 n;

	(void)state;
	n = html_esc(out, "<b a=\"1\" b='2'>&amp;</b>", 24);
	out[n] = '\0';
	assert_string_equal(out, "&lt;b a=&quot;1&quot; b=&#39;2&#39;&gt;"
	    "&amp;amp;&lt;/b&gt;");
	n = html_esc(out, "a\0b", 3);
	assert_int_equal(n, 5);
	assert_memory_equal(out, "a\xef\xbf\xbd" "b", 5);
	n = html_esc(out, "\"\"\"\"", 4);
	assert_int_equal(n, HTML_ESC_MAX(4));
}

static void
test_token_file(void **state)
{
	char	 dir[] = "/tmp/test-web-XXXXXX", path[64], tok[WEB_TOKEN_LEN + 1];
	char	 tok2[WEB_TOKEN_LEN + 1], err[256];
	FILE	*f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/web-token", dir);
	assert_int_equal(web_token_read(path, tok, err, sizeof(err)), -1);
	assert_int_equal(web_token_make(path, err, sizeof(err)), 0);
	assert_int_equal(web_token_read(path, tok, err, sizeof(err)), 0);
	assert_int_equal(strlen(tok), WEB_TOKEN_LEN);
	/* Kept, not replaced, once made. */
	assert_int_equal(web_token_make(path, err, sizeof(err)), 0);
	assert_int_equal(web_token_read(path, tok2, err, sizeof(err)), 0);
	assert_string_equal(tok, tok2);
	/* Readable by others: refused, and not replaced behind our back. */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(web_token_read(path, tok2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "0600"));
	assert_int_equal(web_token_make(path, err, sizeof(err)), -1);
	assert_int_equal(chmod(path, 0600), 0);
	/* Malformed content. */
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "%.*s\n", WEB_TOKEN_LEN, "XYZ");
	fclose(f);
	assert_int_equal(web_token_read(path, tok2, err, sizeof(err)), -1);
	unlink(path);
	/* Renewed: another token; an unfit file is not replaced. */
	assert_int_equal(web_token_make(path, err, sizeof(err)), 0);
	assert_int_equal(web_token_read(path, tok, err, sizeof(err)), 0);
	assert_int_equal(web_token_renew(path, err, sizeof(err)), 0);
	assert_int_equal(web_token_read(path, tok2, err, sizeof(err)), 0);
	assert_string_not_equal(tok, tok2);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(web_token_renew(path, err, sizeof(err)), -1);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(web_token_read(path, tok, err, sizeof(err)), 0);
	assert_string_equal(tok, tok2);
	unlink(path);
	assert_int_equal(web_token_read(path, tok, err, sizeof(err)), -1);
	/* Two different files get different tokens. */
	assert_int_equal(web_token_make(path, err, sizeof(err)), 0);
	assert_int_equal(web_token_read(path, tok2, err, sizeof(err)), 0);
	assert_string_not_equal(tok, tok2);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_form_type),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_token_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
