/*
 * The web view's listening address (web_listen_addr in config.toml):
 * a loopback address and a port, nothing else.  The Host and Origin
 * headers banger-web accepts are derived from it.
 */
#ifndef BANGER_WEBADDR_H
#define BANGER_WEBADDR_H

#include <stddef.h>

#define WEB_ADDR_MAX	64		/* bytes of web_listen_addr */

struct web_addr {
	int		 family;	/* AF_INET or AF_INET6 */
	char		 ip[48];	/* "127.0.0.1" or "::1" */
	char		 host[48];	/* as in a URL: "127.0.0.1", "[::1]" */
	unsigned	 port;		/* 1..65535 */
	char		 hostport[WEB_ADDR_MAX];	/* "127.0.0.1:8080" */
};

/*
 * "127.X.Y.Z:PORT" (canonical dotted quad) or "[::1]:PORT".  Returns 0,
 * or -1 with the reason in err: a name, another address (0.0.0.0, a
 * LAN address) or a malformed port is refused.
 */
int	web_addr_parse(const char *, struct web_addr *, char *, size_t);

#endif
