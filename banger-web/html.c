/*
 * Text into HTML.  What a page shows comes from bangerd (names it
 * checked) and from guests (console output: anything), so every string
 * goes through here; guest bytes go through esc.c first, which leaves
 * no control characters and only valid UTF-8.
 */
#include <string.h>

#include <event2/buffer.h>

#include "web.h"

size_t
html_esc(char *dst, const char *src, size_t n)
{
	size_t	 i, o = 0;

	for (i = 0; i < n; i++) {
		switch (src[i]) {
		case '&':
			memcpy(dst + o, "&amp;", 5);
			o += 5;
			break;
		case '<':
			memcpy(dst + o, "&lt;", 4);
			o += 4;
			break;
		case '>':
			memcpy(dst + o, "&gt;", 4);
			o += 4;
			break;
		case '"':
			memcpy(dst + o, "&quot;", 6);
			o += 6;
			break;
		case '\'':
			memcpy(dst + o, "&#39;", 5);
			o += 5;
			break;
		case '\0':
			/* Never in a page: U+FFFD, as HTML parsers do. */
			memcpy(dst + o, "\xef\xbf\xbd", 3);
			o += 3;
			break;
		default:
			dst[o++] = src[i];
		}
	}
	return o;
}

void
html_text(struct evbuffer *out, const char *s, size_t n)
{
	char	 b[HTML_ESC_MAX(512)];
	size_t	 k;

	while (n > 0) {
		k = n < 512 ? n : 512;
		evbuffer_add(out, b, html_esc(b, s, k));
		s += k;
		n -= k;
	}
}

void
html_str(struct evbuffer *out, const char *s)
{
	html_text(out, s, strlen(s));
}
