/* The error codes every reply channel shares. */
#ifndef BANGER_BERR_H
#define BANGER_BERR_H

/* Error codes carried by CTL_ERROR and PRIV_ERROR. */
enum berr {
	BERR_INTERNAL = 1,
	BERR_INVALID,		/* request was well-formed but not acceptable */
	BERR_NOTFOUND,
	BERR_EXISTS,
	BERR_PRIV,		/* privileged helper failed or refused */
	BERR_BOOT,		/* the VM did not come up */
	BERR_QUOTA,
	BERR_BUSY,
	BERR_UNSUPPORTED,	/* this host cannot do it (no device-mapper) */
	BERR_MAX = BERR_UNSUPPORTED
};

#endif
