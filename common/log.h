/*
 * One logging API for every banger process.  Records go to stderr (for
 * sandboxed helpers the parent holds the other end and re-tags each line)
 * or to a log file opened by the caller.
 */
#ifndef BANGER_LOG_H
#define BANGER_LOG_H

#include <stdarg.h>

void	log_init(const char *tag, int fd, int verbose);
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
