/*
 * One logging API for every banger process.  Records go to stderr (for
 * sandboxed helpers the parent holds the other end and re-tags each line)
 * or to a log file opened by the caller.
 */
#ifndef BANGER_LOG_H
#define BANGER_LOG_H

#include <sys/types.h>

#include <stdarg.h>

/*
 * bangerd.log's cap: past it the file becomes bangerd.log.1 (replacing
 * the previous one) and a new one starts, so at most 16 MiB are kept.
 */
#define LOG_FILE_MAX	(8 * 1024 * 1024)

void	log_init(const char *tag, int fd, int verbose);
int	log_rotate_at(const char *path, off_t max);
void	log_settag(const char *tag);
int	log_getfd(void);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * log_warn, log_warnx, log_info and log_debug over a file's own static
 * vlog(level, fmt, ap, err), keeping errno: the two loggers (common/log.c
 * and banger-priv's, which queues under its lock) define them with this.
 */
#define LOG_ENTRY_POINT(vlogfn, name, level, cond, witherr)	\
void								\
name(const char *fmt, ...)					\
{								\
	va_list	 ap;						\
	int	 saved = errno;					\
								\
	if (!(cond))						\
		return;						\
	va_start(ap, fmt);					\
	vlogfn(level, fmt, ap, witherr ? strerror(saved) : NULL); \
	va_end(ap);						\
	errno = saved;						\
}
#define LOG_ENTRY_POINTS(vlogfn, verbose)			\
	LOG_ENTRY_POINT(vlogfn, log_warn, "", 1, 1)		\
	LOG_ENTRY_POINT(vlogfn, log_warnx, "", 1, 0)		\
	LOG_ENTRY_POINT(vlogfn, log_info, "", 1, 0)		\
	LOG_ENTRY_POINT(vlogfn, log_debug, "debug: ", verbose, 0)

#endif
