/*
 * Request validation, kept apart from the actions: pure functions of the
 * caller (uid, policy, lease table) and the decoded request, whose
 * vm_id wire_decode() has already checked to be in range.
 *
 * VALID_FAULT means the request itself is wrong (out of range, names a
 * resource the caller does not own, out of order): the helper treats its
 * caller as confused or hostile and exits.  VALID_REFUSE is a legitimate
 * refusal (quota, pool exhausted) answered with PRIV_ERROR and *code.
 */
#ifndef BANGER_PRIV_VALIDATE_H
#define BANGER_PRIV_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "lease.h"
#include "policy.h"

enum verdict {
	VALID_OK = 0,
	VALID_REFUSE,
	VALID_FAULT,
};

struct vres {
	enum verdict	 v;
	unsigned	 code;		/* enum berr when VALID_REFUSE */
	char		 why[128];
};

/*
 * What fstat() and F_GETFL say of a descriptor bangerd passed, gathered by
 * the action so the check itself stays pure.
 */
struct fdfacts {
	int		 isreg;		/* S_ISREG */
	uint64_t	 fstype;	/* statfs f_type */
	int		 accmode;	/* O_RDONLY, O_WRONLY or O_RDWR */
	uint64_t	 size;		/* bytes */
	uint32_t	 owner;		/* st_uid */
	uint64_t	 dev;		/* st_dev */
	uint64_t	 ino;		/* st_ino */
};

#define DISK_SECTOR	512
#define DISK_BASE_MIN	(1024 * 1024)		/* bytes */
#define DISK_COW_MIN	(1024 * 1024)

struct priv;
struct req;

/* One per request type with anything to check; serve.c judges the verdict. */
typedef enum verdict validator(const struct priv *, const struct req *,
	    struct vres *);
validator validate_bridge_ensure, validate_tap_create, validate_release,
	    validate_disk_snapshot, validate_tap_egress, validate_port_listen;
int	valid_backing_dev(uint64_t, unsigned);

#endif
