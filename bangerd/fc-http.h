/*
 * The little HTTP/1.1 that Firecracker's API socket speaks.  The server is
 * the VMM, which runs the guest, so its responses are untrusted: the
 * parser takes exactly one response with a status line, a bounded number
 * of bounded headers and a Content-Length body, and refuses everything
 * else (chunked coding, bare LF, folded or duplicate headers, trailing
 * bytes).
 */
#ifndef BANGERD_FC_HTTP_H
#define BANGERD_FC_HTTP_H

#include <stddef.h>

#include "buf.h"

#define FC_HTTP_LINE_MAX	1024		/* status line or one header */
#define FC_HTTP_HEADERS_MAX	32
#define FC_HTTP_HEAD_MAX	(8 * 1024)	/* status line + headers */
#define FC_HTTP_BODY_MAX	(64 * 1024)

/* fc_http_parse() results */
#define FC_HTTP_NEED	0	/* incomplete: read more */
#define FC_HTTP_DONE	1
#define FC_HTTP_BAD	(-1)

struct fc_http_resp {
	int		 status;	/* 200..599 */
	const char	*body;		/* into the parsed bytes; not NUL-ended */
	size_t		 body_len;
	size_t		 total;		/* bytes the response took */
};

/*
 * Parse one response from p[0..len).  FC_HTTP_DONE fills r (r->total may
 * be less than len: the caller decides whether extra bytes are an error);
 * FC_HTTP_BAD writes the reason to err.  FC_HTTP_NEED is returned only
 * while the bytes so far are a valid prefix within the caps, so a caller
 * reading into a buffer of FC_HTTP_HEAD_MAX + FC_HTTP_BODY_MAX bytes never
 * needs more.
 */
int	fc_http_parse(const char *, size_t, struct fc_http_resp *, char *,
	    size_t);

/*
 * Append a request for method and path with an optional JSON body to b.
 * The path must be an absolute path of [A-Za-z0-9/_.-]; -1 otherwise.
 */
int	fc_http_request(struct buf *, const char *, const char *,
	    const char *);

#endif
