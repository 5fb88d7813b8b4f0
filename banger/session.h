/*
 * The I/O half of `vm run`: progress until CTL_OK, then stdin, signals
 * and window size to bangerd and output back, until CTL_EXIT.  The
 * descriptors are parameters so that tests can drive it over a
 * socketpair and pipes.
 */
#ifndef BANGER_SESSION_H
#define BANGER_SESSION_H

#include <stdint.h>

struct client;

struct session {
	struct client	*c;
	uint64_t	 id;		/* the CTL_VM_RUN request */
	int		 in;		/* -1 when stdin is closed */
	int		 out;
	int		 err;
	int		 sigfd;		/* signalfd, or -1 */
	int		 tty;		/* raw mode once the command starts */
	int		 winfd;		/* terminal to ask for its size */

	/* state */
	int		 started;
	int		 raw;
	int		 in_open;
	int		 out_broken[3];
};

/* Returns banger's exit status. */
int	session_run(struct session *);

#endif
