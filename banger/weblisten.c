/*
 * Who listens on the web view's address.  Any local user may bind a
 * free loopback port; one who got there first would be handed the
 * token by the user's own browser.  The kernel's socket tables
 * (/proc/net/tcp and tcp6, of this network namespace) name each
 * listener's uid, so `banger web` prints the token only when the
 * listener is ours.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "banger.h"
#include "webaddr.h"

#define TCP_LISTEN	0x0a

/* The address as the table prints it: the raw 32-bit words in hex. */
static void
table_addr(const struct web_addr *a, char *out, size_t len)
{
	struct in_addr	 in;
	struct in6_addr	 in6;
	uint32_t	 w[4];

	if (a->family == AF_INET) {
		(void)inet_pton(AF_INET, a->ip, &in);
		snprintf(out, len, "%08X:%04X", (unsigned)in.s_addr, a->port);
		return;
	}
	(void)inet_pton(AF_INET6, a->ip, &in6);
	memcpy(w, &in6, sizeof(w));
	snprintf(out, len, "%08X%08X%08X%08X:%04X", (unsigned)w[0],
	    (unsigned)w[1], (unsigned)w[2], (unsigned)w[3], a->port);
}

/*
 * One line of the table: 1 and *uid when it is a listener on local
 * (table_addr's form), else 0.
 */
int
weblisten_line(const char *line, const char *local, unsigned *uid)
{
	char		 loc[64], rem[64];
	unsigned	 st, u;

	if (sscanf(line, " %*u: %63s %63s %x %*s %*s %*s %u", loc, rem, &st,
	    &u) != 4)
		return 0;
	if (st != TCP_LISTEN || strcmp(loc, local) != 0)
		return 0;
	*uid = u;
	return 1;
}

/* 1 and *uid when a line of file is a listener on local, else 0. */
static int
scan(const char *file, const char *local, unsigned *uid)
{
	FILE	*f;
	char	 line[512];
	int	 found = 0;

	if ((f = fopen(file, "re")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = weblisten_line(line, local, uid);
	fclose(f);
	return found;
}

/*
 * 1 with *uid when something listens on a, 0 when nothing.  A listener
 * on the wildcard address and a's port (0.0.0.0, or :: which takes
 * IPv4 too) also receives a's connections when nothing is bound to a
 * itself: its uid is the answer then.
 */
int
weblisten_uid(const struct web_addr *a, unsigned *uid)
{
	char	 local[64], any4[32], any6[64];

	table_addr(a, local, sizeof(local));
	snprintf(any4, sizeof(any4), "00000000:%04X", a->port);
	snprintf(any6, sizeof(any6), "%032d:%04X", 0, a->port);
	if (scan(a->family == AF_INET ? "/proc/net/tcp" : "/proc/net/tcp6",
	    local, uid))
		return 1;
	return (a->family == AF_INET && scan("/proc/net/tcp", any4, uid)) ||
	    scan("/proc/net/tcp6", any6, uid);
}
