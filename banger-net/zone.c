/*
 * The .vm zone: the user's VMs that have an address, as bangerd last
 * said.  bangerd is the more trusted side, but each entry is checked
 * again: a label of letters, digits and inner hyphens, an IPv4 address.
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "net.h"

static struct {
	char		 name[NET_NAME_STRMAX + 1];
	uint32_t	 addr;		/* network order */
	int		 allowlist;	/* its egress mode is EGRESS_ALLOWLIST */
} zone[NET_NAMES_MAX];
static size_t	 nzone;

static int
label_ok(const char *s)
{
	size_t	 i, n = strlen(s);

	if (n == 0 || n > NET_NAME_STRMAX || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

int
zone_set(const struct net_names *nn, char *err, size_t errlen)
{
	struct in_addr	 a;
	size_t		 i;

	if (nn->names.n != nn->addrs.n || nn->names.n != nn->egress.n) {
		snprintf(err, errlen, "%zu names but %zu addresses and %zu "
		    "egress modes", nn->names.n, nn->addrs.n, nn->egress.n);
		return -1;
	}
	for (i = 0; i < nn->names.n; i++)
		if (!label_ok(nn->names.v[i]) ||
		    inet_pton(AF_INET, nn->addrs.v[i], &a) != 1 ||
		    (nn->egress.v[i] != EGRESS_OPEN &&
		    nn->egress.v[i] != EGRESS_ALLOWLIST)) {
			snprintf(err, errlen, "entry %zu is not a label, "
			    "an IPv4 address and an egress mode", i);
			return -1;
		}
	for (i = 0; i < nn->names.n; i++) {
		snprintf(zone[i].name, sizeof(zone[i].name), "%s",
		    nn->names.v[i]);
		(void)inet_pton(AF_INET, nn->addrs.v[i], &a);
		zone[i].addr = a.s_addr;
		zone[i].allowlist = nn->egress.v[i] == EGRESS_ALLOWLIST;
	}
	nzone = nn->names.n;
	return 0;
}

/* "vm" itself or a name below it. */
int
zone_is_local(const char *name)
{
	size_t	 n = strlen(name);

	return strcasecmp(name, "vm") == 0 || (n > 3 &&
	    strcasecmp(name + n - 3, ".vm") == 0);
}

/* NAME.vm's address; -1 when there is no such VM. */
int
zone_lookup(const char *name, uint32_t *addr)
{
	size_t	 i, n = strlen(name);

	if (n <= 3 || n - 3 > NET_NAME_STRMAX || memchr(name, '.', n - 3))
		return -1;
	for (i = 0; i < nzone; i++)
		if (strlen(zone[i].name) == n - 3 &&
		    strncasecmp(zone[i].name, name, n - 3) == 0) {
			*addr = zone[i].addr;
			return 0;
		}
	return -1;
}

/*
 * Whether the guest at addr (network order) is allowlisted: any entry
 * of its address that is, so that a doubtful table fails closed.
 */
/* Whether addr is a guest the table lists as open. */
int
zone_open(uint32_t addr)
{
	size_t	 i;

	for (i = 0; i < nzone; i++)
		if (zone[i].addr == addr && !zone[i].allowlist)
			return 1;
	return 0;
}

int
zone_allowlisted(uint32_t addr)
{
	size_t	 i;

	for (i = 0; i < nzone; i++)
		if (zone[i].addr == addr && zone[i].allowlist)
			return 1;
	return 0;
}
