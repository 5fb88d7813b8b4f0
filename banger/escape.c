/*
 * Messages for the user.  Text relayed by bangerd may carry bytes chosen
 * by a guest (boot logs, agent errors), so control characters are shown
 * escaped rather than handed to the terminal: a guest must not be able to
 * move the cursor, retitle the window or rewrite earlier lines.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "banger.h"

/*
 * Copy s to out (always NUL-terminated), replacing C0 controls, DEL and
 * UTF-8-encoded C1 controls (U+0080..U+009F, which some terminals obey)
 * with \n, \t, \r, \e or \xNN.  A backslash becomes "\\" so the output
 * cannot be mistaken for an escape.  Truncates at a character boundary.
 */
void
escape_ctl(const char *s, char *out, size_t outlen)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			 tmp[9];
	size_t			 off = 0, n;

	if (outlen == 0)
		return;
	for (; *p != '\0'; p++) {
		if (*p == '\n')
			strcpy(tmp, "\\n");
		else if (*p == '\t')
			strcpy(tmp, "\\t");
		else if (*p == '\r')
			strcpy(tmp, "\\r");
		else if (*p == 0x1b)
			strcpy(tmp, "\\e");
		else if (*p == '\\')
			strcpy(tmp, "\\\\");
		else if (*p < 0x20 || *p == 0x7f)
			snprintf(tmp, sizeof(tmp), "\\x%02x", *p);
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			snprintf(tmp, sizeof(tmp), "\\x%02x\\x%02x", p[0],
			    p[1]);
			p++;
		} else {
			tmp[0] = (char)*p;
			tmp[1] = '\0';
		}
		n = strlen(tmp);
		if (off + n >= outlen)
			break;
		memcpy(out + off, tmp, n);
		off += n;
	}
	out[off] = '\0';
}

void
cli_warnx(const char *fmt, ...)
{
	va_list	 ap;

	fputs("banger: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
cli_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	fputs("banger: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(saved));
}

void
cli_relay(const char *msg)
{
	char	 buf[4 * 4096 + 1];

	escape_ctl(msg, buf, sizeof(buf));
	fprintf(stderr, "banger: %s\n", buf);
}
