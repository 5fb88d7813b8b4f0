/* The user's bridge in systemd-resolved (resolved.c). */
#ifndef BANGER_PRIV_RESOLVED_H
#define BANGER_PRIV_RESOLVED_H

#include <stdint.h>

typedef struct sd_bus sd_bus;

/* The system bus, or NULL without one; before seccomp. */
sd_bus	*resolved_open(void);
/* Bridge ifindex's DNS server gw (host order), its domain ~vm. */
void	 resolved_wire(sd_bus *, int, uint32_t);

#endif
