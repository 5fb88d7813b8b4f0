/*
 * Whether an IPv4 address (host byte order) may go into an allowlisted
 * VM's egress set: not "this network", private (RFC 1918), shared
 * (RFC 6598), loopback, link-local, IETF protocol assignments,
 * multicast, reserved or broadcast.  A DNS answer pointing there is a
 * rebinding attempt; banger-net drops it and banger-priv refuses it.
 */
#ifndef BANGER_PUBADDR_H
#define BANGER_PUBADDR_H

#include <stdint.h>

int	pubaddr_ok4(uint32_t);

#endif
