/*
 * The checks every request passes, apart from HTTP parsing (libevent's
 * evhttp does that, with bounded sizes).  Strings come from the client
 * and may be anything; NULL means the header was absent.
 *
 * Host: a page of a site the browser thinks is evil.example, whose name
 * was rebound to 127.0.0.1, reaches us with "Host: evil.example"; only
 * the address we listen on (and "localhost" with our port) is ours.
 * Origin: a form on another site may POST here; the browser then says
 * which site it came from, and only our own origin may act.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "web.h"

/* host is NAME or NAME:PORT with NAME exactly name and PORT ours. */
static int
host_is(const struct web_addr *a, const char *name, const char *host)
{
	char	 port[8];
	size_t	 n = strlen(name);

	if (strncmp(host, name, n) != 0)
		return 0;
	host += n;
	/* Browsers leave out the scheme's default port. */
	if (*host == '\0')
		return a->port == 80;
	snprintf(port, sizeof(port), ":%u", a->port);
	return strcmp(host, port) == 0;
}

int
web_host_ok(const struct web_addr *a, const char *host)
{
	if (host == NULL || host[0] == '\0' || strlen(host) >= WEB_ADDR_MAX)
		return 0;
	return host_is(a, a->host, host) || host_is(a, "localhost", host);
}

/*
 * The Origin of a POST: exactly http:// and the request's Host (which
 * web_host_ok accepted).  Absent, "null" (sandboxed frames, file:
 * pages) or anything else is refused: a browser always sends it with a
 * POST, and a client that is not a browser can send it too.
 */
int
web_origin_ok(const char *host, const char *origin)
{
	if (host == NULL || origin == NULL || strncmp(origin, "http://", 7) !=
	    0)
		return 0;
	return strcmp(origin + 7, host) == 0;
}

/*
 * Sec-Fetch-Site of a POST, which browsers add: when present it must
 * say the request comes from our own pages.
 */
int
web_fetch_site_ok(const char *v)
{
	return v == NULL || strcmp(v, "same-origin") == 0;
}

/*
 * got against the token, in time that does not depend on where they
 * differ.  The length is no secret (always WEB_TOKEN_LEN).
 */
int
web_token_ok(const char *want, const char *got)
{
	volatile unsigned char	 diff = 0;
	size_t			 i;

	if (got == NULL || strlen(want) != WEB_TOKEN_LEN ||
	    strnlen(got, WEB_TOKEN_LEN + 1) != WEB_TOKEN_LEN)
		return 0;
	for (i = 0; i < WEB_TOKEN_LEN; i++)
		diff |= (unsigned char)want[i] ^ (unsigned char)got[i];
	return diff == 0;
}

/* A form's body type, as <form method=post> sends it. */
int
web_form_type_ok(const char *v)
{
	static const char	 form[] = "application/x-www-form-urlencoded";
	size_t			 n = sizeof(form) - 1;

	if (v == NULL || strncasecmp(v, form, n) != 0)
		return 0;
	v += n;
	while (*v == ' ' || *v == '\t')
		v++;
	return *v == '\0' || *v == ';';
}
