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

#endif
