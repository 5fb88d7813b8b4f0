/* Pure derivations of names and addresses; see addr.h. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

/* One decimal number 0..max, no sign, no leading zeros; advances *sp. */
static int
parse_dec(const char **sp, unsigned max, unsigned *out)
{
	const char	*s = *sp;
	unsigned	 v = 0;
	int		 n = 0;

	if (*s < '0' || *s > '9')
		return -1;
	if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
		return -1;
	while (*s >= '0' && *s <= '9') {
		if (++n > 3)
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
		s++;
	}
	if (v > max)
		return -1;
	*out = v;
	*sp = s;
	return 0;
}

int
addr_parse_cidr(const char *s, uint32_t *net, unsigned *prefix)
{
	uint32_t	 a = 0, mask;
	unsigned	 v, i;

	for (i = 0; i < 4; i++) {
		if (parse_dec(&s, 255, &v) == -1)
			return -1;
		a = a << 8 | v;
		if (i < 3 && *s++ != '.')
			return -1;
	}
	if (*s++ != '/')
		return -1;
	if (parse_dec(&s, 32, &v) == -1 || *s != '\0')
		return -1;
	mask = v == 0 ? 0 : 0xffffffffu << (32 - v);
	if ((a & ~mask) != 0)
		return -1;
	*net = a;
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
addr_mac_bytes(uint32_t a, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x42;
	mac[2] = a >> 24;
	mac[3] = (a >> 16) & 0xff;
	mac[4] = (a >> 8) & 0xff;
	mac[5] = a & 0xff;
}

void
addr_mac(uint32_t a, char *out, size_t len)
{
	uint8_t	 m[6];

	addr_mac_bytes(a, m);
	snprintf(out, len, "%02x:%02x:%02x:%02x:%02x:%02x",
	    m[0], m[1], m[2], m[3], m[4], m[5]);
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
