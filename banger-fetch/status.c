/* Status lines to bangerd on STATUS_FD: one write per line. */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "fdutil.h"
#include "fetch.h"

static void	status_line(const char *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));

static void
status_line(const char *kind, const char *fmt, va_list ap)
{
	char	 line[1024];
	int	 n, m, i;

	n = snprintf(line, sizeof(line), "%s ", kind);
	m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += (size_t)m >= sizeof(line) - n - 1 ? sizeof(line) - n - 2 :
	    (size_t)m;
	/* Text from a registry or an image must not make a line of its own. */
	for (i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	line[n++] = '\n';
	(void)write_all(STATUS_FD, line, n);
}

void
status_progress(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	status_line("progress", fmt, ap);
	va_end(ap);
}

void
status_error(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	status_line("error", fmt, ap);
	va_end(ap);
}


/* mkdisk: the disk is made at its size; bangerd may start the VM. */
void
status_disk_ready(void)
{
	(void)write_all(STATUS_FD, "disk-ready\n", 11);
}
