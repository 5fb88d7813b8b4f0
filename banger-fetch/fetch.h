/*
 * banger-fetch: the sandboxed worker that writes disk images.  bangerd
 * runs it through its launcher for one job at a time; it reports on fd 3
 * ("progress TEXT" / "error TEXT" lines) and by its exit status.
 */
#ifndef BANGER_FETCH_H
#define BANGER_FETCH_H

#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define STATUS_FD	3

void	status_progress(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
void	status_error(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
void	status_disk_ready(void);

/* sandbox.c: no_new_privs, and writes only below the given directory. */
int	sandbox_fetch(const char *, char *, size_t);
/*
 * Writes only below each of dirs (NULL-terminated); with reads (not
 * NULL), reads only the system's files, dirs and each of reads; with
 * ports (not NULL), TCP connect only to those, where the kernel can.
 */
struct fetch_confine {
	const char *const	*dirs;
	const char *const	*reads;
	const uint16_t		*ports;
	size_t			 nports;
};
int	sandbox_fetch_confine(const struct fetch_confine *, char *, size_t);

/* mkdisk.c */
int	mkdisk_main(int, char **);
/* copydisk.c */
int	copy_disk_main(int, char **);
/* workdisk.h: what mkdisk.c writes onto the disk with. */
/* workspace.c: a file opened to be copied, judged by its descriptor;
 * at most the given bytes of it copied. */
int	ws_copy_data(int, int, off_t);
int	ws_open_file(int, const char *, int, struct stat *, char *, size_t);

/* cache-sweep.c: dir's *.partial older than max_age, unlocked, removed. */
#define CACHE_PARTIAL_DAYS	7
unsigned cache_sweep_partials(const char *, time_t, time_t);

#endif
