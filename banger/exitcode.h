/*
 * banger's exit status, documented in banger(1).  `vm run` passes the
 * command's own status (0..255) through; everything else banger says
 * about itself lives above 122 so that scripts can tell the two apart.
 * 126 and 127 are the command's own (not executable / not found) and
 * come from the guest agent.
 */
#ifndef BANGER_EXITCODE_H
#define BANGER_EXITCODE_H

#include <stdint.h>

#define BEX_OK		0
#define BEX_CHECK	1	/* a check failed: doctor, daemon status */
#define BEX_USAGE	2	/* bad banger options; nothing was created */
#define BEX_DAEMON	123	/* bangerd unreachable or could not start */
#define BEX_BOOT	124	/* the VM did not come up */
#define BEX_FAIL	125	/* any other banger failure */
#define BEX_SIGBASE	128	/* 128+N: the command died of signal N */

/* Status for a CTL_EXIT (status, signo) pair. */
int	bex_from_exit(int64_t, uint64_t);
/* Status for a CTL_ERROR code (enum berr). */
int	bex_from_berr(uint64_t);

#endif
