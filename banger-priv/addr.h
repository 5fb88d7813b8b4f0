/*
 * Address and name derivation.  Every interface name, subnet, address and
 * MAC the helper uses is computed here from numbers (uid, slot, tap number,
 * host number); nothing is ever taken from a request as text.  Addresses
 * are IPv4 in host byte order.
 */
#ifndef BANGER_PRIV_ADDR_H
#define BANGER_PRIV_ADDR_H

#include <stdint.h>

#define ADDR_STRLEN	16	/* "255.255.255.255" */
#define ADDR_MACLEN	18	/* "02:42:0a:d5:03:02" */
#define ADDR_IFNAMELEN	16	/* IFNAMSIZ */
#define ADDR_USER_PREFIX 24	/* every user gets one /24 */
#define ADDR_POOL_PREFIX_MIN 8	/* at most 65536 slots */
#define ADDR_HOST_GW	1
#define ADDR_HOST_MIN	2
#define ADDR_HOST_MAX	254

/* Parse "A.B.C.D/P" strictly; the host part must be zero. */
int		 addr_parse_cidr(const char *, uint32_t *, unsigned *);
/* Number of /24 slots in a pool of the given prefix (8..24). */
uint32_t	 addr_nslots(unsigned);
uint32_t	 addr_subnet(uint32_t, uint32_t);
uint32_t	 addr_host(uint32_t, uint32_t);
void		 addr_fmt(uint32_t, char *, size_t);
/* Locally administered MAC "02:42:" followed by the four address bytes. */
void		 addr_mac(uint32_t, char *, size_t);
void		 addr_bridge_name(uint32_t, char *, size_t);
void		 addr_tap_name(uint32_t, char *, size_t);

#endif
