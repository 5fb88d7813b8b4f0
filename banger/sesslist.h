/*
 * `vm session list`: what the guest's `banger-agent session list` says
 * (agent/sv-cmd.c), parsed strictly and within bounds, since the guest
 * may say anything.
 */
#ifndef BANGER_SESSLIST_H
#define BANGER_SESSLIST_H

#include <stddef.h>
#include <stdint.h>

#define SESS_LIST_BYTES	(64 * 1024)	/* the whole answer */
#define SESS_LIST_MAX	64		/* entries (the guest keeps 32) */
#define SESS_NAME_MAX	32
#define SESS_CMD_MAX	1024

struct sess_info {
	char	 name[SESS_NAME_MAX + 1];
	char	 state[16];	/* running exited killed starting lost */
	char	 stdin_mode[8];	/* pipe pty none; "" while starting */
	int64_t	 pid;		/* 0 while starting */
	int64_t	 started;	/* seconds since the epoch; 0 while starting */
	char	 command[SESS_CMD_MAX + 1];
	int	 exited;	/* exit_status is set (state "exited") */
	int64_t	 exit_status;
	int	 killed;	/* signal is set (state "killed") */
	int64_t	 signal;
};

/* The guest's own rule for names (agent/sv-name.c). */
int	sess_name_ok(const char *);
/* 0 with *out (free()) and *n, or -1 with a message in err. */
int	sess_list_parse(const char *, size_t, struct sess_info **, size_t *,
	    char *, size_t);

#endif
