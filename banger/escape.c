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
#include <unistd.h>

#include "banger.h"
#include "esc.h"

/*
 * Copy s to out (always NUL-terminated), as a log record is: C0
 * controls, DEL, C1 controls and invalid UTF-8 become \n, \t, \r, \e or
 * \xNN, and a backslash "\\", so the output cannot be mistaken for an
 * escape (esc.c).  Truncates at a character boundary.
 */
void
escape_ctl(const char *s, char *out, size_t outlen)
{
	esc_string(out, outlen, s, strlen(s), ESC_LOG);
}

void
cli_warnx(const char *fmt, ...)
{
	va_list	 ap;

	progress_close(stderr);
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

	progress_close(stderr);
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
	if (progress_show(stderr, isatty(STDERR_FILENO), buf))
		return;
	fprintf(stderr, "banger: %s\n", buf);
}
