/* Pure derivations of names and addresses; see addr.h. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

/*
 * inet_pton() takes exactly four decimal parts, each 0..255 without
 * leading zeros; the prefix is 0..32, also without them.
 */
int
addr_parse_cidr(const char *s, uint32_t *net, unsigned *prefix)
{
	const char	*slash = strchr(s, '/');
	char		 a[ADDR_STRLEN];
	struct in_addr	 in;
	size_t		 n;
	unsigned	 v;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(a))
		return -1;
	memcpy(a, s, (size_t)(slash - s));
	a[slash - s] = '\0';
	n = strspn(++slash, "0123456789");
	if (inet_pton(AF_INET, a, &in) != 1 || n == 0 || n > 2 ||
	    slash[n] != '\0' || (n == 2 && slash[0] == '0') ||
	    (v = (unsigned)atoi(slash)) > 32)
		return -1;
	in.s_addr = ntohl(in.s_addr);
	if (v < 32 && (in.s_addr & (0xffffffffu >> v)) != 0)
		return -1;
	*net = in.s_addr;
	*prefix = v;
	return 0;
}

uint32_t
addr_nslots(unsigned prefix)
{
	if (prefix < ADDR_POOL_PREFIX_MIN || prefix > ADDR_USER_PREFIX)
		return 0;
	return (uint32_t)1 << (ADDR_USER_PREFIX - prefix);
}

uint32_t
addr_subnet(uint32_t pool, uint32_t slot)
{
	return pool + (slot << 8);
}

uint32_t
addr_host(uint32_t subnet, uint32_t host)
{
	return subnet | (host & 0xff);
}

void
addr_fmt(uint32_t a, char *out, size_t len)
{
	snprintf(out, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
	    (a >> 8) & 0xff, a & 0xff);
}

void
addr_mac(uint32_t a, char *out, size_t len)
{
	snprintf(out, len, "02:42:%02x:%02x:%02x:%02x", a >> 24,
	    (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

void
addr_bridge_name(uint32_t uid, char *out, size_t len)
{
	snprintf(out, len, "bgbr%u", uid);
}

void
addr_tap_name(uint32_t tapno, char *out, size_t len)
{
	snprintf(out, len, "bgtap%u", tapno);
}
