/*
 * A published port, as `--publish` and `vm port publish` take it:
 * [ADDR:]HOSTPORT:GUESTPORT, ADDR an IPv4 loopback address (127.0.0.1
 * when left out), both ports decimal, 1 to 65535.  A HOSTPORT below 1024
 * is bound by banger-priv, where priv.conf's publish_low_ports allows.
 */
#ifndef BANGER_PORTSPEC_H
#define BANGER_PORTSPEC_H

#include <stddef.h>
#include <stdint.h>

#define PORTS_MAX	16	/* per VM */
#define PORT_SPEC_MAX	32	/* bytes in a spec as given */

struct port_spec {
	uint32_t	 addr;		/* host order */
	uint16_t	 host;
	uint16_t	 guest;
};

int	port_spec_parse(const char *, struct port_spec *, char *, size_t);
void	port_spec_fmt(const struct port_spec *, char *, size_t);
/* Whether two specs take the same host address and port. */
int	port_spec_clash(const struct port_spec *, const struct port_spec *);

#endif
