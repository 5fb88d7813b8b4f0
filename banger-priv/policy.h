/*
 * The site policy, BANGER_SYSCONFDIR/priv.conf, one "key value..." per
 * line, fields separated by blanks, '#' starting a comment line:
 *
 *	# site policy
 *	allow_users alice bob
 *	allow_groups banger
 *	pool 10.213.0.0/16
 *	max_taps_per_user 16
 *	max_disks_per_user 16
 *	dm_snapshots true
 *	publish_low_ports 80 443
 *	resolved_routing true
 *
 * Every key is optional and may come once; unknown keys, wrong values and
 * control characters are errors.
 * Parsing and the permission check are pure so they can be unit tested;
 * main.c reads the file and looks up the caller's names.
 */
#ifndef BANGER_PRIV_POLICY_H
#define BANGER_PRIV_POLICY_H

#include <stddef.h>
#include <stdint.h>

#define POLICY_MAX_NAMES	64	/* per allow_ line */
#define POLICY_FILE_MAX		(64 * 1024)
#define POLICY_NAME_MAX		32	/* useradd's limit */
#define POLICY_TAPS_DEFAULT	16
#define POLICY_TAPS_MAX		253	/* guest hosts .2 .. .254 */
#define POLICY_DISKS_DEFAULT	16
#define POLICY_DISKS_MAX	800	/* what one disk.ids reply holds */
#define POLICY_LOW_PORTS_MAX	64	/* in publish_low_ports */

struct policy {
	char		 users[POLICY_MAX_NAMES][POLICY_NAME_MAX + 1];
	size_t		 nusers;
	char		 groups[POLICY_MAX_NAMES][POLICY_NAME_MAX + 1];
	size_t		 ngroups;
	uint32_t	 pool;		/* network, host byte order */
	unsigned	 pool_prefix;	/* 8..24 */
	unsigned	 max_taps;
	unsigned	 max_disks;	/* device-mapper snapshots */
	int		 dm_snapshots;	/* 0: never hold CAP_SYS_ADMIN */
	/* Ports below 1024 users may publish on loopback (port.listen). */
	unsigned	 low_ports[POLICY_LOW_PORTS_MAX];
	size_t		 nlow_ports;
	/*
	 * Route ~vm in systemd-resolved to the caller's gateway.  Without
	 * the key: only when one user, and no group, is allowed (with
	 * several, one could answer another's .vm names).
	 */
	int		 resolved;
};

void	policy_defaults(struct policy *);
/* Parse text into p (defaults first).  -1 with "line N: ..." in err. */
int	policy_parse(struct policy *, const char *, size_t, char *, size_t);
/* 1 if user (or NULL) or group (or NULL) is listed, else 0. */
int	policy_allows(const struct policy *, const char *, const char *);
int	policy_valid_name(const char *);

#endif
