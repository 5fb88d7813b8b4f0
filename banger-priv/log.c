/*
 * banger-priv's logging, in place of common/log.c.  fd 2 is the caller's
 * and a write there may block, so records wait in a fixed buffer while
 * the lease lock is held (log_hold); fatal() unlocks first.  What does
 * not fit, or fd 2 does not take at once, is dropped and counted.
 */
#include <sys/file.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "priv.h"

#define LOG_LINE	512	/* below PIPE_BUF: a write is whole or none */

static const char	*log_tag = "priv";
static int		 log_fd = 2;
static int		 log_verbose;
static int		 hold_fd = -1;	/* the lease lock while it is held */
static char		 queue[8192];	/* one request's records, and more */
static size_t		 queued;
static unsigned		 dropped;

/* Record by record, so a pipe short of room never takes half of one. */
static void
flush(void)
{
	char	*p, *nl;
	int	 n;

	for (p = queue; p < queue + queued; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(queue + queued - p));
		if (write(log_fd, p, (size_t)(nl + 1 - p)) != nl + 1 - p)
			dropped++;
	}
	queued = 0;
	if (dropped > 0 && (n = snprintf(queue, sizeof(queue),
	    "%s: %u log records dropped\n", log_tag, dropped)) > 0) {
		dropped = 0;
		(void)!write(log_fd, queue, (size_t)n);
	}
}

void
log_init(const char *tag, int fd, int verbose)
{
	log_tag = tag;
	log_fd = fd;
	log_verbose = verbose;
}

void
log_hold(int lockfd)
{
	hold_fd = lockfd;
	if (lockfd == -1)
		flush();
}

static void __attribute__((format(printf, 2, 0)))
vlog(const char *level, const char *fmt, va_list ap, const char *err)
{
	char	 msg[LOG_LINE], line[LOG_LINE];
	size_t	 n;
	int	 r;

	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	r = snprintf(line, sizeof(line) - 1, "%s: %s%s%s%s", log_tag, level,
	    msg, err != NULL ? ": " : "", err != NULL ? err : "");
	n = r < 0 ? 0 : (size_t)r < sizeof(line) - 1 ? (size_t)r :
	    sizeof(line) - 2;
	line[n++] = '\n';
	if (queued + n > sizeof(queue))
		dropped++;
	else {
		memcpy(queue + queued, line, n);
		queued += n;
	}
	if (hold_fd == -1)
		flush();
}

LOG_ENTRY_POINTS(vlog, log_verbose)

/* The lease lock goes before the last records can block anything. */
static void __attribute__((noreturn))
die(void)
{
	if (hold_fd != -1)
		(void)flock(hold_fd, LOCK_UN);
	log_hold(-1);
	_exit(1);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog("fatal: ", fmt, ap, strerror(errno));
	va_end(ap);
	die();
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog("fatal: ", fmt, ap, NULL);
	va_end(ap);
	die();
}
