/*
 * Kernel network objects, through libnl-route: the user's bridge and its
 * gateway address, enslaving a tap, deleting a tap.  Names come from
 * addr.c; nothing here decides who may do what.
 */
#ifndef BANGER_PRIV_NET_H
#define BANGER_PRIV_NET_H

#include <stddef.h>
#include <stdint.h>

struct nl_sock;

struct nl_sock *net_open(char *, size_t);
int	net_bridge_ensure(struct nl_sock *, const char *, uint32_t, char *,
	    size_t);
/* A bound UDP or (listening) TCP socket on addr:port, host order. */
int	net_listen_socket(uint32_t, uint16_t, int, char *, size_t);
int	net_tap_attach(struct nl_sock *, const char *, const char *, char *,
	    size_t);
/*
 * The tun/tap side (tap.c): create a non-persistent tap owned by
 * uid/gid and return its fd; make it persistent; remove a tap if
 * it is uid's (1: removed, 0: no such device or not persistent, -1: not
 * uid's or error); remove uid's persistent taps no lease names (how
 * many, or -1 if the links could not be read).
 */
int	tap_open(const char *, uint32_t, uint32_t, char *, size_t);
int	tap_persist(int, char *, size_t);
int	tap_remove(struct nl_sock *, const char *, uint32_t, int, char *,
	    size_t);
struct lease_table;
int	tap_sweep(struct nl_sock *, const struct lease_table *, uint32_t,
	    char *, size_t);

#endif
