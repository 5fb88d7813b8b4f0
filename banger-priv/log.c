/*
 * banger-priv's logging: the API of common/log.h, linked in place of
 * common/log.c, with one rule that matters in a helper every user shares.
 * fd 2 is the caller's choice: bangerd's pipe, or, from a hostile user, a
 * full pipe nobody reads, a terminal stopped with ^S, a file on FUSE.  A
 * write there may block for ever, so none happens while the host-wide
 * lease lock is held: records made under the lock queue in a fixed buffer
 * (log_hold) and go out once it is released; fatal() releases it first.
 * Outside the lock a blocked write would stall only the caller's own
 * helper, and log_init() makes even that unlikely: a pipe on fd 2 is
 * reopened non-blocking (a description of our own, so the caller's flags
 * stay as they were), and a record that cannot be written at once, or
 * does not fit the queue, is dropped and counted.  Where fd 2 cannot be
 * made non-blocking, main() puts /dev/null there before serving
 * (log_nonblocking), and the helper's later records are lost.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "priv.h"

#define LOG_LINE	512
#define LOG_QUEUE	8192	/* what one request logs, with room to spare */

static const char	*log_tag = "priv";
static int		 log_fd = 2;
static int		 log_verbose;
static int		 log_nb;	/* fd 2 is our non-blocking reopen */
static int		 hold_fd = -1;	/* the lease lock while it is held */
static char		 queue[LOG_QUEUE];
static size_t		 queued;
static unsigned		 dropped;

/* Never blocks: a record the descriptor does not take at once is lost. */
static void
emit(const char *s, size_t n)
{
	if (write(log_fd, s, n) != (ssize_t)n)
		dropped++;
}

/*
 * Record by record: a pipe takes a write of at most PIPE_BUF bytes (a
 * record is at most LOG_LINE) whole or not at all, so one short of room
 * drops records and never cuts one with the next glued onto its end.
 */
static void
flush(void)
{
	char	 note[64], *nl;
	size_t	 off, len;
	int	 n;

	for (off = 0; off < queued; off += len) {
		nl = memchr(queue + off, '\n', queued - off);
		len = nl == NULL ? queued - off :
		    (size_t)(nl - (queue + off)) + 1;
		emit(queue + off, len);
	}
	queued = 0;
	if (dropped > 0) {
		n = snprintf(note, sizeof(note), "%s: %u log records "
		    "dropped\n", log_tag, dropped);
		dropped = 0;
		if (n > 0 && (size_t)n < sizeof(note))
			(void)!write(log_fd, note, (size_t)n);
	}
}

void
log_init(const char *tag, int fd, int verbose)
{
	struct stat	 st;
	char		 path[32];
	int		 nb, fl;

	log_tag = tag;
	log_fd = fd;
	log_verbose = verbose;
	/*
	 * Only a pipe (or FIFO) the caller could write already: reopening
	 * as root what the caller holds read-only, or a device, would write
	 * where the caller may not, or have side effects.
	 */
	if (fstat(fd, &st) == -1 || !S_ISFIFO(st.st_mode) ||
	    (fl = fcntl(fd, F_GETFL)) == -1 || (fl & O_ACCMODE) == O_RDONLY)
		return;
	/*
	 * Reopening through /proc gives the pipe a file description of our
	 * own; F_SETFL on the inherited one would change the caller's too.
	 * If /proc is missing or the pipe has no reader any more, fd 2
	 * stays as it is: writes then fail at once or, at worst, stall this
	 * caller's helper outside the lock.
	 */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((nb = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC)) == -1)
		return;
	if (nb != fd && dup2(nb, fd) == -1) {
		log_fd = nb;
		return;
	}
	if (nb != fd)
		close(nb);
	log_nb = 1;
}

/*
 * Whether fd 2 itself is now a description of our own that never blocks.
 * Anything else there (a terminal, a socket, a file, a reopen that did
 * not take) is replaced by /dev/null before the first request: code we do
 * not control (libnl, stdio) could still write to it.
 */
int
log_nonblocking(void)
{
	return log_nb && log_fd == 2;
}

void
log_hold(int lockfd)
{
	hold_fd = lockfd;
	if (lockfd == -1)
		flush();
}

static void	vlog(const char *, const char *, va_list, const char *)
		    __attribute__((format(printf, 2, 0)));

static void
vlog(const char *level, const char *fmt, va_list ap, const char *err)
{
	char	 line[LOG_LINE];
	int	 n;

	n = snprintf(line, sizeof(line), "%s: %s", log_tag, level);
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
	if (hold_fd != -1) {
		if (queued + (size_t)n <= sizeof(queue)) {
			memcpy(queue + queued, line, (size_t)n);
			queued += (size_t)n;
		} else
			dropped++;
		return;
	}
	flush();
	emit(line, (size_t)n);
}

LOG_ENTRY_POINTS(vlog, log_verbose)

/* Give up the lease lock before the last records can block anything. */
static void __attribute__((noreturn))
die(void)
{
	if (hold_fd != -1)
		(void)flock(hold_fd, LOCK_UN);
	hold_fd = -1;
	flush();
	_exit(1);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	/* Queued if the lock is held, so die() writes it after unlocking. */
	va_start(ap, fmt);
	vlog("fatal: ", fmt, ap, strerror(saved));
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
