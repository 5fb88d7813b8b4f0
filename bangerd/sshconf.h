/*
 * ~/.config/banger/ssh_config: one Host block per running VM, so that
 * `ssh NAME.vm` works once ~/.ssh/config includes the file (`banger
 * ssh-config --install`).  bangerd rewrites it whenever a VM starts,
 * stops or is deleted.
 */
#ifndef BANGERD_SSHCONF_H
#define BANGERD_SSHCONF_H

#include <stddef.h>

#include "buf.h"

struct sshconf_host {
	const char	*name;		/* VM name (valid_vm_name) */
	const char	*address;	/* guest IPv4, or "" */
	int		 running;
};

/*
 * Render the file into out (appended).  Hosts not running or without an
 * address get no block.  identity and known_hosts are absolute paths;
 * blanks are quoted, '%' doubled (ssh expands %-tokens there), and a
 * path with a quote, backslash or control character is refused, as is
 * an invalid VM name or address: -1 with err, out unusable.
 */
int	sshconf_render(const struct sshconf_host *, size_t, const char *,
	    const char *, struct buf *, char *, size_t);

/*
 * Render and replace path atomically (temporary file in the same
 * directory, mode 0600, fsync, rename).  The directory must exist.  An
 * unchanged file is not rewritten.  0, or -1 with err.
 */
int	sshconf_write(const char *, const struct sshconf_host *, size_t,
	    const char *, const char *, char *, size_t);

#endif
