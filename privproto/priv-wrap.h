/*
 * bangerd's side of banger-priv: spawning the helper and one synchronous
 * stub per request, named after the helper's handlers
 * (priv_tap_create <-> priv_answer_tap_create).
 *
 * Every stub returns 0 on success; a positive enum berr when the helper
 * refused (PRIV_ERROR; err holds its message, the helper goes on); or -1
 * when the channel failed or the helper broke the protocol (err says how;
 * the helper is gone or untrustworthy: reap it and spawn a new one).
 * Reply bodies are the caller's to free with msg_free(&priv_proto, ...).
 */
#ifndef BANGER_PRIV_WRAP_H
#define BANGER_PRIV_WRAP_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "proto_priv.h"

/*
 * fork+exec path with the helper's end of a SOCK_SEQPACKET socketpair on
 * fd 3, stderr a pipe (*errfd, read end, close-on-exec), stdin/stdout
 * /dev/null, an empty environment and no other descriptors.
 */
int	priv_spawn(const char *, int *, int *, pid_t *);
int	priv_bridge_ensure(int, struct priv_bridge **, char *, size_t);
/* On success *tapfd is the open tap (close-on-exec), the caller's. */
int	priv_tap_create(int, uint64_t, int, struct priv_tap **, int *,
	    char *, size_t);
int	priv_tap_delete(int, uint64_t, char *, size_t);
/* addrs: naddrs dotted IPv4 addresses (NULL-terminated or not). */
int	priv_tap_egress(int, uint64_t, int, char **, size_t, uint64_t,
	    char *, size_t);
int	priv_tap_list(int, struct priv_tap_ids **, char *, size_t);
/*
 * basefd: the image, read-only; cowfd: the VM's copy-on-write file,
 * read-write.  On success *diskfd is the snapshot's block device.
 */
int	priv_disk_snapshot(int, uint64_t, int, int, struct priv_disk **,
	    int *, char *, size_t);
int	priv_disk_release(int, uint64_t, char *, size_t);
int	priv_disk_list(int, struct priv_disk_ids **, char *, size_t);
int	priv_dns_listen(int, int, int *, char *, size_t);
/* A listening TCP socket on addr:port (host order), port < 1024. */
int	priv_port_listen(int, uint32_t, uint16_t, int *, char *, size_t);

#endif
