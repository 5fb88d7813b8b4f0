/*
 * Long-lived sessions: `banger-agent session start|list|attach|logs|stop`,
 * run by the host through the agent's ordinary exec.  `start` leaves a
 * supervisor behind (double fork, its own session) that owns the command,
 * keeps its output in bounded logs and its exit status in a file, and
 * serves attach over a unix socket, all in SV_DIR/NAME on a tmpfs.  The
 * supervisor outlives the exec that started it and every host command.
 */
#ifndef BANGER_AGENT_SV_H
#define BANGER_AGENT_SV_H

#include <sys/types.h>

#include <stddef.h>
#include <stdio.h>

#define SV_DIR		"/run/banger/sessions"
#define SV_NAME_MAX	32		/* [A-Za-z0-9._-], not '.' or '-' first */
#define SV_MAX		32		/* sessions kept, ended ones included */
#define SV_LOG_MAX	(1024 * 1024)	/* per log file; one rotated copy */
#define SV_CMD_MAX	1024		/* the command line kept for list */
#define SV_FRAME_MAX	4096		/* attach socket frame payload */
#define SV_CLIENTS	4		/* attached at once */
#define SV_CLIENT_QMAX	(256 * 1024)	/* output queued for one client */
#define SV_INQ_MAX	(64 * 1024)	/* input queued for the command */

/* stdin modes */
#define SV_STDIN_PIPE	0
#define SV_STDIN_PTY	1
#define SV_STDIN_NONE	2

/* Attach socket frames: type, 16-bit big-endian length, payload. */
#define SV_F_INPUT	'i'	/* client: bytes for the command's stdin */
#define SV_F_WINSIZE	'w'	/* client: cols, rows (16 bits each) */
#define SV_F_SIGNAL	'k'	/* client: one byte, a signal number */
#define SV_F_STDOUT	'o'	/* supervisor: output */
#define SV_F_STDERR	'e'
#define SV_F_EXIT	'x'	/* supervisor: the status line, then EOF */

/* sv-name.c */
int	sv_name_ok(const char *);
int	sv_stdin_mode(const char *);
const char *sv_stdin_name(int);

/* sv-log.c: a log file that keeps the newest bytes (see there). */
struct sv_log {
	int	 fd;
	off_t	 size;
	off_t	 max;
	char	 path[128];
};
int	sv_log_open(struct sv_log *, const char *, off_t);
int	sv_log_write(struct sv_log *, const void *, size_t);
void	sv_log_close(struct sv_log *);

/* sv-status.c: "exit N\n" or "signal N\n". */
#define SV_ST_EXIT	1
#define SV_ST_SIGNAL	2
#define SV_STATUS_MAX	32
int	sv_status_format(int, char *, size_t);
int	sv_status_parse(const char *, size_t, int *, int *);
int	sv_status_write(const char *, int);
int	sv_status_read(const char *, int *, int *);
void	sv_json_str(FILE *, const char *);

/* sv-frame.c */
int	sv_frame_send(int, int, const void *, size_t);
int	sv_frame_get(const unsigned char *, size_t, int *, size_t *);

/* sv-super.c */
struct sv_start {
	const char	*name;
	const char	*dir;
	const char	*cwd;
	char		**argv;
	char		**env;
	int		 mode;
};
void	sv_supervise(const struct sv_start *, int) __attribute__((noreturn));

/* sv-cmd.c, sv-attach.c, sv-logs.c */
int	sv_main(int, char **);
int	sv_attach(const char *, int);
int	sv_logs(const char *, int, int);
int	sv_dirpath(const char *, const char *, char *, size_t);

#endif
