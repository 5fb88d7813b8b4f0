/*
 * The egress policy of allowlisted guests: the domains each may resolve
 * (NET_EGRESS) and the decision for each of its queries.  Which guests
 * are allowlisted is the names table's (zone.c); domains may come before
 * the table that lists their guest, and go with the first table that
 * does not list it as allowlisted.  An allowlisted guest with no domains
 * resolves only .vm names: the policy fails closed.
 */
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

static struct guest {
	int		 used;
	uint32_t	 addr;		/* network order */
	char		*pat[EGRESS_ALLOW_MAX];	/* normalised */
	size_t		 npat;
} guests[NET_NAMES_MAX];

static void
guest_clear(struct guest *g)
{
	size_t	 i;

	for (i = 0; i < g->npat; i++)
		free(g->pat[i]);
	memset(g, 0, sizeof(*g));
}

static struct guest *
guest_find(uint32_t addr)
{
	size_t	 i;

	for (i = 0; i < NET_NAMES_MAX; i++)
		if (guests[i].used && guests[i].addr == addr)
			return &guests[i];
	return NULL;
}

/*
 * The slot for a guest not yet known: a free one, else one whose guest
 * the table does not list as allowlisted (its domains are waiting for a
 * table that may never come).  NULL when every slot is in use.
 */
static struct guest *
guest_slot(void)
{
	size_t	 i;

	for (i = 0; i < NET_NAMES_MAX; i++)
		if (!guests[i].used)
			return &guests[i];
	for (i = 0; i < NET_NAMES_MAX; i++)
		if (!zone_allowlisted(guests[i].addr)) {
			guest_clear(&guests[i]);
			return &guests[i];
		}
	return NULL;
}

/*
 * NET_EGRESS.  bangerd normalised each pattern already; one that does not
 * come out of egress_pattern_norm() unchanged means the two sides
 * disagree, and the whole message is refused (said once, bounded) and
 * changes nothing.  0 or -1 with the reason in err.
 */
int
policy_set(const struct net_egress *ne, char *err, size_t errlen)
{
	struct guest	*g;
	struct in_addr	 a;
	char		 norm[EGRESS_PATTERN_MAX + 1], why[128];
	char		*pat[EGRESS_ALLOW_MAX];
	size_t		 i;

	if (inet_pton(AF_INET, ne->guest, &a) != 1) {
		snprintf(err, errlen, "guest \"%.*s\" is not an IPv4 address",
		    NET_ADDR_STRMAX, ne->guest);
		return -1;
	}
	if (ne->allow.n > EGRESS_ALLOW_MAX) {
		snprintf(err, errlen, "%zu allowed domains for %s", ne->allow.n,
		    ne->guest);
		return -1;
	}
	for (i = 0; i < ne->allow.n; i++) {
		if (egress_pattern_norm(ne->allow.v[i], norm, sizeof(norm), why,
		    sizeof(why)) == -1) {
			snprintf(err, errlen, "guest %s: %s", ne->guest, why);
			return -1;
		}
		if (strcmp(norm, ne->allow.v[i]) != 0) {
			snprintf(err, errlen, "guest %s: allowed domain "
			    "\"%.64s\" not in normalised form", ne->guest,
			    ne->allow.v[i]);
			return -1;
		}
	}
	for (i = 0; i < ne->allow.n; i++)
		if ((pat[i] = strdup(ne->allow.v[i])) == NULL) {
			while (i-- > 0)
				free(pat[i]);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	if ((g = guest_find(a.s_addr)) == NULL &&
	    (g = guest_slot()) == NULL) {
		for (i = 0; i < ne->allow.n; i++)
			free(pat[i]);
		snprintf(err, errlen, "guest %s: domains of %d guests held "
		    "already", ne->guest, NET_NAMES_MAX);
		return -1;
	}
	guest_clear(g);
	g->used = 1;
	g->addr = a.s_addr;
	memcpy(g->pat, pat, ne->allow.n * sizeof(pat[0]));
	g->npat = ne->allow.n;
	return 0;
}

/* A new names table: domains of guests it does not allowlist go. */
void
policy_names(void)
{
	size_t	 i;

	for (i = 0; i < NET_NAMES_MAX; i++)
		if (guests[i].used && !zone_allowlisted(guests[i].addr))
			guest_clear(&guests[i]);
}

/* The IPv4 address (network order) of a source, if it has one. */
static int
source_v4(const struct sockaddr_storage *ss, uint32_t *addr)
{
	const struct sockaddr_in6	*s6;
	static const uint8_t		 mapped[12] = { [10] = 0xff,
	    [11] = 0xff };

	if (ss->ss_family == AF_INET) {
		*addr = ((const struct sockaddr_in *)ss)->sin_addr.s_addr;
		return 0;
	}
	s6 = (const struct sockaddr_in6 *)ss;
	if (ss->ss_family == AF_INET6 &&
	    memcmp(s6->sin6_addr.s6_addr, mapped, 12) == 0) {
		memcpy(addr, s6->sin6_addr.s6_addr + 12, 4);
		return 0;
	}
	return -1;
}

/* The user's gateway (host order; sources are in network order). */
static uint32_t	 gateway;

void
policy_gateway(uint32_t gw)
{
	gateway = gw;
}

/*
 * Whether a query's source is an allowlisted guest; its address.  A
 * source in the gateway's /24 that the table does not list as open
 * counts as one with no domains (fail closed: a guest not yet listed,
 * or stopping, or using an address it was not given).
 */
int
policy_allowlisted(const struct sockaddr_storage *ss, uint32_t *addr)
{
	uint32_t	 a;

	if (source_v4(ss, &a) == -1)
		return 0;
	if (!zone_allowlisted(a) && !(gateway != 0 && ntohl(a) != gateway &&
	    (ntohl(a) >> 8) == (gateway >> 8) && !zone_open(a)))
		return 0;
	if (addr != NULL)
		*addr = a;
	return 1;
}

/*
 * Whether a source may have name (not a .vm one) forwarded: any source
 * that is not an allowlisted guest, and an allowlisted one for a name
 * one of its domains allows.
 */
int
policy_may_forward(const struct sockaddr_storage *ss, const char *name)
{
	struct guest	*g;
	uint32_t	 a;
	size_t		 i;

	if (!policy_allowlisted(ss, &a))
		return 1;
	if ((g = guest_find(a)) == NULL)
		return 0;
	for (i = 0; i < g->npat; i++)
		if (egress_match(g->pat[i], name))
			return 1;
	return 0;
}
