/*
 * Logging.  Each record is one line: "tag: message".  Processes whose
 * stderr is a pipe to their parent rely on the parent to timestamp, bound
 * and re-tag the lines.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char	*log_tag = "banger";
static int		 log_fd = 2;
static int		 log_verbose;
static int		 log_stamp;

void
log_init(const char *tag, int fd, int verbose)
{
	log_tag = tag;
	log_fd = fd;
	log_verbose = verbose;
	/* Timestamps only when writing to a file of our own. */
	log_stamp = !isatty(fd) && fd != 2;
}

void
log_settag(const char *tag)
{
	log_tag = tag;
}

int
log_getfd(void)
{
	return log_fd;
}

static void	vlog(const char *, const char *, va_list, const char *)
		    __attribute__((format(printf, 2, 0)));

static void
vlog(const char *level, const char *fmt, va_list ap, const char *err)
{
	char		 line[1200];
	char		 ts[32] = "";
	struct timespec	 now;
	struct tm	 tm;
	int		 n;

	if (log_stamp) {
		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ ", &tm);
	}
	n = snprintf(line, sizeof(line), "%s%s: %s", ts, log_tag, level);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	n = strlen(line);
	if (err != NULL && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, ": %s", err);
	n = strlen(line);
	if ((size_t)n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per record so lines from several processes stay whole. */
	(void)!write(log_fd, line, n);
}

#define LOGFN(name, level, cond, witherr)			\
void								\
name(const char *fmt, ...)					\
{								\
	va_list	 ap;						\
	int	 saved = errno;					\
								\
	if (!(cond))						\
		return;						\
	va_start(ap, fmt);					\
	vlog(level, fmt, ap, witherr ? strerror(saved) : NULL);	\
	va_end(ap);						\
	errno = saved;						\
}

LOGFN(log_warn, "", 1, 1)
LOGFN(log_warnx, "", 1, 0)
LOGFN(log_info, "", 1, 0)
LOGFN(log_debug, "debug: ", log_verbose, 0)

void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	vlog("fatal: ", fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog("fatal: ", fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
