/*
 * Logging.  Each record is one line: "tag: message".  Processes whose
 * stderr is a pipe to their parent rely on the parent to timestamp, bound
 * and re-tag the lines.  Messages carry text a guest chose (agent errors,
 * version strings, key names), so each message is escaped (esc.c): a
 * record is always exactly one line and never holds a terminal escape.
 * A log file of our own can be capped: past the cap it becomes FILE.1
 * and a fresh FILE is started, so it holds at most twice the cap.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "esc.h"
#include "log.h"

static const char	*log_tag = "banger";
static int		 log_fd = 2;
static int		 log_verbose;
static int		 log_stamp;
static const char	*log_path;	/* rotated when log_max is passed */
static off_t		 log_max;
static off_t		 log_size;

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

/*
 * Cap the log file opened on log_fd: once it holds max bytes it is
 * renamed to path.1 (replacing the previous one) and a new file is
 * started.  path must stay valid.  Returns 0, or -1 with errno set.
 */
int
log_rotate_at(const char *path, off_t max)
{
	struct stat	 st;

	if (fstat(log_fd, &st) == -1)
		return -1;
	log_path = path;
	log_max = max;
	log_size = st.st_size;
	return 0;
}

/*
 * Put fd in place of the descriptor number old (close, then the lowest
 * free number at or above it: fcntl, because bangerd's seccomp filter has
 * no dup2).  Returns 0 when fd now also sits at old.
 */
static int
log_replace_fd(int fd, int old)
{
	int	 nfd;

	close(old);
	if ((nfd = fcntl(fd, old == 2 ? F_DUPFD : F_DUPFD_CLOEXEC, old)) ==
	    old)
		return 0;
	if (nfd != -1)
		close(nfd);
	return -1;
}

static void
log_rotate(void)
{
	struct stat	 cur, err2;
	char		 old[PATH_MAX];
	int		 fd, n, same2;

	n = snprintf(old, sizeof(old), "%s.1", log_path);
	if (n < 0 || (size_t)n >= sizeof(old) || rename(log_path, old) == -1)
		goto fail;
	if ((fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1)
		goto fail;
	/* stderr too, when it is this same file (bangerd's is). */
	same2 = log_fd != 2 && fstat(log_fd, &cur) == 0 &&
	    fstat(2, &err2) == 0 && cur.st_dev == err2.st_dev &&
	    cur.st_ino == err2.st_ino;
	if (log_replace_fd(fd, log_fd) == -1) {
		/* log_fd is gone: keep the new file under another number. */
		log_fd = fd;
	} else {
		if (same2)
			(void)log_replace_fd(fd, 2);
		close(fd);
	}
	log_size = 0;
	return;
fail:
	/*
	 * Cannot rotate: say so once, then stop logging to the file rather
	 * than fill it.
	 */
	(void)dprintf(log_fd, "%s: log: cannot rotate %s (%s); no further "
	    "records are written\n", log_tag, log_path, strerror(errno));
	log_path = NULL;
	log_fd = -1;
}

static void __attribute__((format(printf, 2, 0)))
vlog(const char *level, const char *fmt, va_list ap, const char *err)
{
	char		 line[1200], msg[1024];
	char		 ts[32] = "";
	struct timespec	 now;
	struct tm	 tm;
	int		 n;

	if (log_fd == -1)
		return;
	if (log_stamp) {
		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		/* Milliseconds: enough to see where a second went. */
		n = (int)strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(ts + n, sizeof(ts) - n, ".%03ldZ ",
		    now.tv_nsec / 1000000);
	}
	n = snprintf(line, sizeof(line), "%s%s: %s", ts, log_tag, level);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Room for the newline; the message is escaped, never split. */
	esc_string(line + n, sizeof(line) - 1 - n, msg, strlen(msg),
	    ESC_LOG);
	n = strlen(line);
	if (err != NULL && (size_t)n < sizeof(line) - 1)
		snprintf(line + n, sizeof(line) - 1 - n, ": %s", err);
	n = strlen(line);
	line[n++] = '\n';
	if (log_path != NULL && log_size > 0 && log_size + n > log_max)
		log_rotate();
	if (log_fd == -1)
		return;
	/* One write per record so lines from several processes stay whole. */
	if (write(log_fd, line, n) > 0)
		log_size += n;
}

LOG_ENTRY_POINTS(vlog, log_verbose)

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
