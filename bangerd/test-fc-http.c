/* Unit tests for the Firecracker API's HTTP parser and writer (fc-http.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fc-http.h"

static int
parse(const char *s, struct fc_http_resp *r, char *err, size_t errlen)
{
	return fc_http_parse(s, strlen(s), r, err, errlen);
}

static void
test_accept(void **state)
{
	struct fc_http_resp	 r;
	char			 err[128];
	const char		*s;

	(void)state;
	/* Firecracker's 204: empty reason after the space. */
	s = "HTTP/1.1 204 \r\nServer: Firecracker API\r\n"
	    "Connection: keep-alive\r\n\r\n";
	assert_int_equal(parse(s, &r, err, sizeof(err)), FC_HTTP_DONE);
	assert_int_equal(r.status, 204);
	assert_int_equal(r.body_len, 0);
	assert_int_equal(r.total, strlen(s));

	s = "HTTP/1.1 400 Bad Request\r\ncontent-length:  27 \r\n"
	    "Content-Type: application/json\r\n\r\n"
	    "{\"fault_message\":\"no way\"}X";
	assert_int_equal(parse(s, &r, err, sizeof(err)), FC_HTTP_DONE);
	assert_int_equal(r.status, 400);
	assert_int_equal(r.body_len, 27);
	assert_memory_equal(r.body, "{\"fault_message\":\"no way\"}X", 27);
	assert_int_equal(r.total, strlen(s));

	/* No reason phrase and no space at all. */
	assert_int_equal(parse("HTTP/1.1 200\r\n\r\n", &r, err, sizeof(err)),
	    FC_HTTP_DONE);
	/* Extra bytes are the caller's business. */
	s = "HTTP/1.1 204 \r\n\r\nmore";
	assert_int_equal(parse(s, &r, err, sizeof(err)), FC_HTTP_DONE);
	assert_int_equal(r.total, strlen(s) - 4);
	/* Content-Length: 0 on a 204 is fine. */
	assert_int_equal(parse("HTTP/1.1 204 \r\nContent-Length: 0\r\n\r\n",
	    &r, err, sizeof(err)), FC_HTTP_DONE);
}

static void
test_need(void **state)
{
	static const char *full = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
	    "\r\nhello";
	struct fc_http_resp	 r;
	char			 err[128];
	size_t			 i;

	(void)state;
	/* Every proper prefix asks for more; the whole is done. */
	for (i = 0; i < strlen(full); i++)
		if (fc_http_parse(full, i, &r, err, sizeof(err)) !=
		    FC_HTTP_NEED)
			fail_msg("prefix %zu not NEED", i);
	assert_int_equal(parse(full, &r, err, sizeof(err)), FC_HTTP_DONE);
	assert_memory_equal(r.body, "hello", 5);
}

static void
test_reject(void **state)
{
	/* The length comes from the literal: embedded NULs count. */
#define C(lit, why)	{ lit, sizeof(lit) - 1, why }
	static const struct {
		const char	*s;
		size_t		 len;
		const char	*why;
	} bad[] = {
		C("HTTP/1.0 200 OK\r\n\r\n",
		    "status line"),
		C("HTTP/2 200\r\n\r\n",
		    "status line"),
		C("http/1.1 200 OK\r\n\r\n",
		    "status line"),
		C("HTTP/1.1 20x OK\r\n\r\n",
		    "status code"),
		C("HTTP/1.1 100 Continue\r\n\r\n",
		    "out of range"),
		C("HTTP/1.1 600 X\r\n\r\n",
		    "out of range"),
		C("HTTP/1.1 2000 OK\r\n\r\n",
		    "bad status line"),
		C("HTTP/1.1 200 O\x01K\r\n\r\n",
		    "reason"),
		C("HTTP/1.1 200 \xc3\xa9\r\n\r\n",
		    "reason"),
		C("HTTP/1.1 200 OK\n\r\n",
		    "bare LF"),
		C("HTTP/1.1 200 OK\r\nA: b\n\r\n",
		    "bare LF"),
		C("HTTP/1.1 200 OK\rX\r\n\r\n",
		    "bare CR"),
		C("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
		    "header line"),
		C("HTTP/1.1 200 OK\r\n: v\r\n\r\n",
		    "header line"),
		C("HTTP/1.1 200 OK\r\nA b: v\r\n\r\n",
		    "header line"),
		C("HTTP/1.1 200 OK\r\nA: b\r\n  folded\r\n\r\n",
		    "header line"),
		C("HTTP/1.1 200 OK\r\nA: b\x7f\r\n\r\n",
		    "control"),
		C("HTTP/1.1 200 OK\r\nA: b\x00\r\n\r\n",
		    "control"),
		C("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
		    "Transfer-Encoding"),
		C("HTTP/1.1 200 OK\r\ntransfer-encoding: identity\r\n\r\n",
		    "Transfer-Encoding"),
		C("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
		    "Content-Length: 1\r\n\r\nx",
		    "duplicate"),
		C("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		    "Content-Length"),
		C("HTTP/1.1 200 OK\r\nContent-Length: 1 1\r\n\r\n",
		    "Content-Length"),
		C("HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
		    "Content-Length"),
		C("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n",
		    "Content-Length"),
		C("HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n",
		    "Content-Length"),
		C("HTTP/1.1 200 OK\r\nContent-Length: 65537\r\n\r\n",
		    "too large"),
		C("HTTP/1.1 204 \r\nContent-Length: 2\r\n\r\n{}",
		    "bodiless"),
		C("HTTP/1.1 304 \r\nContent-Length: 2\r\n\r\n{}",
		    "bodiless"),
	};
#undef C
	struct fc_http_resp	 r;
	char			 err[128];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (fc_http_parse(bad[i].s, bad[i].len, &r, err,
		    sizeof(err)) != FC_HTTP_BAD)
			fail_msg("case %zu accepted", i);
		if (strstr(err, bad[i].why) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err,
			    bad[i].why);
	}
}

static void
test_caps(void **state)
{
	struct fc_http_resp	 r;
	char			 err[128], *s;
	size_t			 len, i;

	(void)state;
	s = malloc(64 * 1024);
	assert_non_null(s);

	/* One header line over the cap, even before its CRLF arrives. */
	len = snprintf(s, 64 * 1024, "HTTP/1.1 200 OK\r\nX: ");
	memset(s + len, 'a', FC_HTTP_LINE_MAX + 1);
	len += FC_HTTP_LINE_MAX + 1;
	assert_int_equal(fc_http_parse(s, len, &r, err, sizeof(err)),
	    FC_HTTP_BAD);
	assert_non_null(strstr(err, "too long"));

	/* A long status line. */
	len = snprintf(s, 64 * 1024, "HTTP/1.1 200 ");
	memset(s + len, 'a', FC_HTTP_LINE_MAX + 10);
	len += FC_HTTP_LINE_MAX + 10;
	assert_int_equal(fc_http_parse(s, len, &r, err, sizeof(err)),
	    FC_HTTP_BAD);

	/* Too many headers. */
	len = snprintf(s, 64 * 1024, "HTTP/1.1 200 OK\r\n");
	for (i = 0; i <= FC_HTTP_HEADERS_MAX; i++)
		len += snprintf(s + len, 64 * 1024 - len, "X-%zu: v\r\n", i);
	len += snprintf(s + len, 64 * 1024 - len, "\r\n");
	assert_int_equal(fc_http_parse(s, len, &r, err, sizeof(err)),
	    FC_HTTP_BAD);
	assert_non_null(strstr(err, "too many"));

	/* Exactly the cap is fine. */
	len = snprintf(s, 64 * 1024, "HTTP/1.1 200 OK\r\n");
	for (i = 0; i < FC_HTTP_HEADERS_MAX; i++)
		len += snprintf(s + len, 64 * 1024 - len, "X-%zu: v\r\n", i);
	len += snprintf(s + len, 64 * 1024 - len, "\r\n");
	assert_int_equal(fc_http_parse(s, len, &r, err, sizeof(err)),
	    FC_HTTP_DONE);

	/* Headers within their own caps but over the section's. */
	len = snprintf(s, 64 * 1024, "HTTP/1.1 200 OK\r\n");
	for (i = 0; i < 10; i++) {
		len += snprintf(s + len, 64 * 1024 - len, "X-%zu: ", i);
		memset(s + len, 'v', 1000);
		len += 1000;
		len += snprintf(s + len, 64 * 1024 - len, "\r\n");
	}
	assert_int_equal(fc_http_parse(s, len, &r, err, sizeof(err)),
	    FC_HTTP_BAD);
	assert_non_null(strstr(err, "header section"));

	/* The largest body. */
	len = snprintf(s, 64 * 1024, "HTTP/1.1 200 OK\r\nContent-Length: "
	    "%d\r\n\r\n", FC_HTTP_BODY_MAX);
	assert_int_equal(fc_http_parse(s, len, &r, err, sizeof(err)),
	    FC_HTTP_NEED);
	free(s);
}

static void
test_request(void **state)
{
	struct buf	 b = { 0 };
	const char	*want;

	(void)state;
	assert_int_equal(fc_http_request(&b, "PUT", "/actions",
	    "{\"action_type\":\"InstanceStart\"}"), 0);
	want = "PUT /actions HTTP/1.1\r\nHost: localhost\r\n"
	    "Accept: application/json\r\nContent-Type: application/json\r\n"
	    "Content-Length: 31\r\n\r\n{\"action_type\":\"InstanceStart\"}";
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.p, want, b.len);
	buf_reset(&b);
	assert_int_equal(fc_http_request(&b, "GET", "/machine-config", NULL),
	    0);
	assert_null(memmem(b.p, b.len, "Content-Type", 12));
	buf_reset(&b);
	/* Nothing can smuggle a second request or header. */
	assert_int_equal(fc_http_request(&b, "PUT", "/a b", "{}"), -1);
	assert_int_equal(fc_http_request(&b, "PUT", "/a\r\nX: y", "{}"), -1);
	assert_int_equal(fc_http_request(&b, "PUT", "relative", "{}"), -1);
	assert_int_equal(fc_http_request(&b, "PUT", "/a?b", "{}"), -1);
	assert_int_equal(fc_http_request(&b, "DELETE", "/a", NULL), -1);
	assert_int_equal(fc_http_request(&b, "PUT\r\n", "/a", NULL), -1);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept),
		cmocka_unit_test(test_need),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
