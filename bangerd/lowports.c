/*
 * Published ports below 1024.  banger-net cannot bind them, so bangerd
 * asks banger-priv for each listener (port.listen: priv.conf's
 * publish_low_ports decides) while a VM publishing it has an address,
 * keeps it, and hands it to banger-net (NET_PORT_FD) before every
 * NET_PORTS table that names it: a restarted banger-net gets it again.
 * A refusal is that port's error, as banger-net reports its own.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bangerd.h"
#include "log.h"
#include "priv-wrap.h"
#include "proto_net.h"

/* The listener for addr:port, kept or made; -1 with err when refused. */
int
lowport_get(struct bangerd *d, uint32_t addr, uint16_t port, char *err,
    size_t errlen)
{
	struct lowport	*l;
	size_t		 i;
	int		 fd;

	for (i = 0; i < d->nlowport; i++) {
		l = &d->lowport[i];
		if (l->addr == addr && l->port == port) {
			l->live = 1;
			return l->fd;
		}
	}
	if (d->priv_fd == -1 || d->nlowport == PORTS_LOW_MAX) {
		snprintf(err, errlen, d->priv_fd == -1 ? "the privileged "
		    "helper is not running" : "too many ports below 1024");
		return -1;
	}
	if (priv_port_listen(d->priv_fd, addr, port, &fd, err, errlen) != 0)
		return -1;
	d->lowport[d->nlowport++] = (struct lowport){ addr, port, fd, 1 };
	return fd;
}

/* Close those no VM asked for since the last sweep. */
void
lowports_sweep(struct bangerd *d)
{
	size_t	 i = 0;

	while (i < d->nlowport) {
		if (d->lowport[i].live) {
			d->lowport[i++].live = 0;
			continue;
		}
		close(d->lowport[i].fd);
		d->lowport[i] = d->lowport[--d->nlowport];
	}
}

/* Each to banger-net, ahead of the table. */
void
lowports_send(struct bangerd *d)
{
	struct net_port_fd	 pf;
	char			 listen[NET_LISTEN_STRMAX + 1];
	size_t			 i;
	uint32_t		 a;

	for (i = 0; i < d->nlowport; i++) {
		a = d->lowport[i].addr;
		snprintf(listen, sizeof(listen), "%u.%u.%u.%u:%u", a >> 24,
		    (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff,
		    (unsigned)d->lowport[i].port);
		pf.listen = listen;
		if (net_send(d, NET_PORT_FD, 0, &pf, d->lowport[i].fd) == -1)
			return;
	}
}
