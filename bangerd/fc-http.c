/*
 * HTTP/1.1 for Firecracker's API socket: a request writer and a strict,
 * bounded response parser (see fc-http.h for what it refuses).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fc-http.h"

static void
bad(char *err, size_t errlen, const char *why)
{
	if (errlen > 0)
		snprintf(err, errlen, "malformed HTTP response: %s", why);
}

/* RFC 9110 tchar */
static int
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* field-value and reason-phrase bytes; no obs-text, no controls */
static int
is_vchar_sp(unsigned char c)
{
	return c == ' ' || c == '\t' || (c >= 0x21 && c <= 0x7e);
}

/*
 * Find the CRLF ending the line at off.  Returns FC_HTTP_DONE with *eol at
 * the CR, FC_HTTP_NEED, or FC_HTTP_BAD for a bare CR or LF or a line over
 * the cap.
 */
static int
line_end(const char *p, size_t len, size_t off, size_t *eol,
    const char **why)
{
	size_t	 i;

	for (i = off; i < len; i++) {
		if (i - off > FC_HTTP_LINE_MAX) {
			*why = "line too long";
			return FC_HTTP_BAD;
		}
		if (p[i] == '\n') {
			*why = "bare LF";
			return FC_HTTP_BAD;
		}
		if (p[i] != '\r')
			continue;
		if (i + 1 == len)
			return FC_HTTP_NEED;
		if (p[i + 1] != '\n') {
			*why = "bare CR";
			return FC_HTTP_BAD;
		}
		*eol = i;
		return FC_HTTP_DONE;
	}
	if (len - off > FC_HTTP_LINE_MAX) {
		*why = "line too long";
		return FC_HTTP_BAD;
	}
	return FC_HTTP_NEED;
}

/* "HTTP/1.1 SSS[ reason]" */
static int
status_line(const char *p, size_t n, int *status, const char **why)
{
	size_t	 i;

	if (n < 12 || memcmp(p, "HTTP/1.1 ", 9) != 0) {
		*why = "not an HTTP/1.1 status line";
		return -1;
	}
	for (i = 9; i < 12; i++)
		if (p[i] < '0' || p[i] > '9') {
			*why = "bad status code";
			return -1;
		}
	*status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	/* No 1xx: we never send Expect, and no upgrade is wanted. */
	if (*status < 200 || *status > 599) {
		*why = "status code out of range";
		return -1;
	}
	if (n == 12)
		return 0;
	if (p[12] != ' ') {
		*why = "bad status line";
		return -1;
	}
	for (i = 13; i < n; i++)
		if (!is_vchar_sp(p[i])) {
			*why = "control character in reason phrase";
			return -1;
		}
	return 0;
}

/* One header line; records Content-Length, refuses Transfer-Encoding. */
static int
header_line(const char *p, size_t n, long *clen, const char **why)
{
	size_t	 i, name, v, vend;
	long	 val;

	for (i = 0; i < n && is_tchar(p[i]); i++)
		;
	name = i;
	if (name == 0 || i == n || p[i] != ':') {
		/* Also catches obs-fold (a line starting with SP or HTAB). */
		*why = "bad header line";
		return -1;
	}
	for (v = i + 1; v < n && (p[v] == ' ' || p[v] == '\t'); v++)
		;
	for (vend = n; vend > v && (p[vend - 1] == ' ' ||
	    p[vend - 1] == '\t'); vend--)
		;
	for (i = v; i < vend; i++)
		if (!is_vchar_sp(p[i])) {
			*why = "control character in header value";
			return -1;
		}
	if (name == 17 && strncasecmp(p, "Transfer-Encoding", 17) == 0) {
		*why = "Transfer-Encoding is not supported";
		return -1;
	}
	if (name == 14 && strncasecmp(p, "Content-Length", 14) == 0) {
		if (*clen != -1) {
			*why = "duplicate Content-Length";
			return -1;
		}
		if (vend == v || vend - v > 7) {
			*why = "bad Content-Length";
			return -1;
		}
		for (val = 0, i = v; i < vend; i++) {
			if (p[i] < '0' || p[i] > '9') {
				*why = "bad Content-Length";
				return -1;
			}
			val = val * 10 + (p[i] - '0');
		}
		if (val > FC_HTTP_BODY_MAX) {
			*why = "body too large";
			return -1;
		}
		*clen = val;
	}
	return 0;
}

int
fc_http_parse(const char *p, size_t len, struct fc_http_resp *r, char *err,
    size_t errlen)
{
	const char	*why = NULL;
	size_t		 off = 0, eol, nhdr = 0;
	long		 clen = -1;
	int		 rc;

	memset(r, 0, sizeof(*r));
	if ((rc = line_end(p, len, 0, &eol, &why)) != FC_HTTP_DONE)
		goto out;
	if (status_line(p, eol, &r->status, &why) == -1) {
		rc = FC_HTTP_BAD;
		goto out;
	}
	off = eol + 2;
	for (;;) {
		if (off > FC_HTTP_HEAD_MAX) {
			why = "header section too large";
			rc = FC_HTTP_BAD;
			goto out;
		}
		if ((rc = line_end(p, len, off, &eol, &why)) != FC_HTTP_DONE)
			goto out;
		if (eol == off)
			break;
		if (++nhdr > FC_HTTP_HEADERS_MAX) {
			why = "too many headers";
			rc = FC_HTTP_BAD;
			goto out;
		}
		if (header_line(p + off, eol - off, &clen, &why) == -1) {
			rc = FC_HTTP_BAD;
			goto out;
		}
		off = eol + 2;
	}
	off = eol + 2;
	if (off > FC_HTTP_HEAD_MAX) {
		why = "header section too large";
		rc = FC_HTTP_BAD;
		goto out;
	}
	/*
	 * Without Content-Length a body would run to the end of the
	 * connection; we keep the connection for the next call, so no
	 * Content-Length means no body, and bytes after it are refused by
	 * the caller.
	 */
	if (clen == -1)
		clen = 0;
	if ((r->status == 204 || r->status == 304) && clen != 0) {
		why = "body on a bodiless status";
		rc = FC_HTTP_BAD;
		goto out;
	}
	if (len - off < (size_t)clen) {
		rc = FC_HTTP_NEED;
		goto out;
	}
	r->body = p + off;
	r->body_len = clen;
	r->total = off + clen;
	rc = FC_HTTP_DONE;
out:
	if (rc == FC_HTTP_BAD)
		bad(err, errlen, why ? why : "invalid");
	return rc;
}

int
fc_http_request(struct buf *b, const char *method, const char *path,
    const char *body)
{
	char	 head[512];
	size_t	 i, blen = body ? strlen(body) : 0;
	int	 n;

	if (path[0] != '/' || strlen(path) > 200)
		return -1;
	for (i = 0; path[i] != '\0'; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789/_.-", path[i]) == NULL)
			return -1;
	if (strcmp(method, "GET") != 0 && strcmp(method, "PUT") != 0 &&
	    strcmp(method, "PATCH") != 0)
		return -1;
	if (blen > FC_HTTP_BODY_MAX)
		return -1;
	n = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\n"
	    "Host: localhost\r\n"
	    "Accept: application/json\r\n"
	    "%s"
	    "Content-Length: %zu\r\n\r\n", method, path,
	    body ? "Content-Type: application/json\r\n" : "", blen);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	if (buf_append(b, head, n) == -1 ||
	    (blen > 0 && buf_append(b, body, blen) == -1))
		return -1;
	return 0;
}
