/*
 * web_listen_addr: only loopback.  On a shared host a loopback port is
 * already reachable by every local user (hence banger-web's token); any
 * other address would add the whole network to them.  Names are refused
 * too: "localhost" may resolve anywhere /etc/hosts says.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "webaddr.h"

#define WHAT	"must be a loopback address and a port, as 127.0.0.1:8080 " \
		"or [::1]:8080"

static int
port_parse(const char *s, unsigned *port)
{
	unsigned long	 v = 0;
	size_t		 i;

	if (s[0] == '\0' || s[0] == '0' || strlen(s) > 5)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

int
web_addr_parse(const char *s, struct web_addr *a, char *err, size_t errlen)
{
	struct in_addr	 in;
	char		 ip[48], back[INET_ADDRSTRLEN];
	const char	*colon;
	size_t		 n;

	memset(a, 0, sizeof(*a));
	if (strlen(s) >= WEB_ADDR_MAX) {
		snprintf(err, errlen, "is too long; it " WHAT);
		return -1;
	}
	if (strncmp(s, "[::1]:", 6) == 0) {
		if (port_parse(s + 6, &a->port) == -1)
			goto badport;
		a->family = AF_INET6;
		strcpy(a->ip, "::1");
		strcpy(a->host, "[::1]");
	} else {
		if ((colon = strrchr(s, ':')) == NULL ||
		    (n = (size_t)(colon - s)) == 0 || n >= sizeof(ip)) {
			snprintf(err, errlen, WHAT);
			return -1;
		}
		memcpy(ip, s, n);
		ip[n] = '\0';
		/* One spelling only: the Host header is compared to it. */
		if (inet_pton(AF_INET, ip, &in) != 1 ||
		    inet_ntop(AF_INET, &in, back, sizeof(back)) == NULL ||
		    strcmp(back, ip) != 0) {
			snprintf(err, errlen, "\"%s\" is not an IPv4 address; "
			    "it " WHAT, ip);
			return -1;
		}
		if ((ntohl(in.s_addr) >> 24) != 127) {
			snprintf(err, errlen, "%s is not a loopback address: "
			    "the web view is for this host's users only; it "
			    WHAT, ip);
			return -1;
		}
		if (port_parse(colon + 1, &a->port) == -1)
			goto badport;
		a->family = AF_INET;
		strcpy(a->ip, ip);
		strcpy(a->host, ip);
	}
	snprintf(a->hostport, sizeof(a->hostport), "%s:%u", a->host,
	    a->port);
	return 0;
badport:
	memset(a, 0, sizeof(*a));
	snprintf(err, errlen, "has no port from 1 to 65535; it " WHAT);
	return -1;
}
