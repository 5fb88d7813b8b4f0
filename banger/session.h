/*
 * The I/O half of `vm run`: progress until CTL_OK, then stdin, signals
 * and window size to bangerd and output back, until CTL_EXIT.  The
 * descriptors are parameters so that tests can drive it over a
 * socketpair and pipes.
 */
#ifndef BANGER_SESSION_H
#define BANGER_SESSION_H

#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "esc.h"

struct client;

/* A second SIGINT or SIGTERM this soon after the first leaves. */
#define SESSION_QUIT_MS		2000

struct session {
	struct client	*c;
	uint64_t	 id;		/* the CTL_VM_RUN request */
	int		 in;		/* -1 when stdin is closed */
	int		 out;
	int		 err;
	int		 sigfd;		/* signalfd, or -1 */
	int		 tty;		/* raw mode once the command starts */
	int		 winfd;		/* terminal to ask for its size */
	int		 rm;		/* --rm: the VM goes when we leave */
	int		 escape_keys;	/* watch for ~. without raw mode too */

	/* state */
	int		 started;
	int		 exited;	/* CTL_EXIT came: the status is the command's */
	int		 raw;
	int		 in_open;
	int		 out_broken[3];
	int		 out_esc[3];	/* to a terminal, no pty session */
	struct esc	 esc[3];
	int		 keys;		/* stdin is watched for ~. */
	int		 bol;		/* input is at the start of a line */
	int		 tilde;		/* a ~ at line start, held back */
	int		 in_held;	/* CTL_INPUT_HOLD: stdin waits */
	struct timespec	 quit_at;	/* first SIGINT/SIGTERM, or zero */
	struct buf	 outq;		/* frames bangerd has not taken yet */
	size_t		 outoff;	/* ... of which this much went out */
};

/* Returns banger's exit status. */
int	session_run(struct session *);

#endif
