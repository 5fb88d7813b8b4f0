/* Logging in to VMs with the system ssh, banger's key and pinned host keys. */
#ifndef BANGER_SSH_H
#define BANGER_SSH_H

#include <limits.h>
#include <stddef.h>

#include "proto.h"

/*
 * The user's key: config.toml's ssh_key_path, else the default under the
 * state directory, generated with ssh-keygen when missing.  0, or -1 with
 * a message in err.
 */
int	ssh_user_key(char *, size_t, char *, size_t);

/*
 * ssh into a running VM as root.  cwd (or NULL) is where an interactive
 * shell starts; cmd (ncmd words, may be 0) runs instead of a shell.  With
 * wait, ssh runs as a child and its exit status is returned (for --rm);
 * otherwise banger becomes ssh.
 */
int	ssh_login(const struct ctl_vm_info *, const char *, const char *,
	    char **, int, int);

#endif
