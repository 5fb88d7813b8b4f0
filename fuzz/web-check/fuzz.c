/*
 * banger-web's checks of what a client sends (banger-web/check.c) and
 * of web_listen_addr (common/webaddr.c), and the HTML escaping of what
 * a page shows (html.c), over arbitrary bytes.  The input, cut at its
 * first NUL, is tried as web_listen_addr, Host, Origin, token and
 * Content-Type; an accepted value must be exactly one of the few that
 * may pass.  The whole input is escaped: no markup character may come
 * out, and every '&' must start one of our entities.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define TOKEN	"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"

static void
check_html(const char *in, size_t n)
{
	static const char *const ent[] = { "&amp;", "&lt;", "&gt;", "&quot;",
	    "&#39;" };
	char	*out;
	size_t	 len, i, k;

	if ((out = malloc(HTML_ESC_MAX(n) + 1)) == NULL)
		abort();
	len = html_esc(out, in, n);
	if (len > HTML_ESC_MAX(n))
		abort();
	out[len] = '\0';
	for (i = 0; i < len; i++) {
		if (out[i] == '<' || out[i] == '>' || out[i] == '"' ||
		    out[i] == '\'' || out[i] == '\0')
			abort();
		if (out[i] != '&')
			continue;
		for (k = 0; k < sizeof(ent) / sizeof(ent[0]); k++)
			if (strncmp(out + i, ent[k], strlen(ent[k])) == 0)
				break;
		if (k == sizeof(ent) / sizeof(ent[0]))
			abort();
	}
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct web_addr	 a, b, ours;
	char		*s, err[256];

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	if (web_addr_parse(s, &a, err, sizeof(err)) == 0) {
		if (strcmp(a.hostport, s) != 0 ||
		    (strncmp(s, "127.", 4) != 0 &&
		    strncmp(s, "[::1]:", 6) != 0) || a.port == 0 ||
		    a.port > 65535 || !web_host_ok(&a, a.hostport) ||
		    web_addr_parse(a.hostport, &b, err, sizeof(err)) != 0 ||
		    memcmp(&a, &b, sizeof(a)) != 0)
			abort();
	}
	if (web_addr_parse("127.0.0.1:8080", &ours, err, sizeof(err)) != 0)
		abort();
	if (web_host_ok(&ours, s) && strcmp(s, "127.0.0.1:8080") != 0 &&
	    strcmp(s, "localhost:8080") != 0)
		abort();
	if (web_origin_ok("127.0.0.1:8080", s) &&
	    strcmp(s, "http://127.0.0.1:8080") != 0)
		abort();
	if (web_token_ok(TOKEN, s) != (strcmp(s, TOKEN) == 0))
		abort();
	if (web_form_type_ok(s) && strncasecmp(s,
	    "application/x-www-form-urlencoded", 33) != 0)
		abort();
	(void)web_fetch_site_ok(s);
	check_html((const char *)data, size);
	free(s);
	return 0;
}
