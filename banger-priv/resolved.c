/*
 * The caller's bridge in systemd-resolved: its gateway as the link's
 * DNS server and "vm" as its only, routing-only domain, not a default
 * route, so that the host resolves NAME.vm at the user's banger-net.
 * Every value is the helper's own (the bridge's index and gateway); a
 * caller chooses none.  The bus is joined at start-up, before seccomp
 * (no socket(2) or connect(2) after it); the calls come after the lease
 * lock, each bounded, and never start resolved.  Without a bus or
 * resolved nothing is done.  resolved forgets the link when it goes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <systemd/sd-bus.h>

#include "log.h"
#include "priv-paths.h"
#include "resolved.h"

#define RESOLVE1	"org.freedesktop.resolve1"
#define CALL_USEC	(2 * 1000 * 1000)

sd_bus *
resolved_open(void)
{
	sd_bus	*bus = NULL;
	int	 r;

	if ((r = sd_bus_new(&bus)) < 0 ||
	    (r = sd_bus_set_address(bus, "unix:path=" PRIV_DBUS)) < 0 ||
	    (r = sd_bus_set_bus_client(bus, 1)) < 0 ||
	    (r = sd_bus_set_method_call_timeout(bus, CALL_USEC)) < 0 ||
	    (r = sd_bus_start(bus)) < 0) {
		if (r != -ENOENT && r != -ECONNREFUSED)
			log_info("no system bus for systemd-resolved: %s",
			    strerror(-r));
		return sd_bus_unref(bus);
	}
	return bus;
}

/* One call of resolved's Manager: 0, or -1 (said in the log). */
static int
call(sd_bus *bus, const char *method, int ifindex, uint32_t gw)
{
	sd_bus_error	 e = SD_BUS_ERROR_NULL;
	sd_bus_message	*m = NULL;
	int		 r;

	r = sd_bus_message_new_method_call(bus, &m, RESOLVE1,
	    "/org/freedesktop/resolve1", RESOLVE1 ".Manager", method);
	if (r >= 0)
		r = sd_bus_message_set_auto_start(m, 0);
	if (r >= 0 && strcmp(method, "SetLinkDNS") == 0)
		r = sd_bus_message_append(m, "ia(iay)", ifindex, 1, AF_INET, 4,
		    gw >> 24, (gw >> 16) & 0xff, (gw >> 8) & 0xff, gw & 0xff);
	else if (r >= 0 && strcmp(method, "SetLinkDomains") == 0)
		r = sd_bus_message_append(m, "ia(sb)", ifindex, 1, "vm", 1);
	else if (r >= 0)
		r = sd_bus_message_append(m, "ib", ifindex, 0);
	if (r >= 0)
		r = sd_bus_call(bus, m, CALL_USEC, &e, NULL);
	if (r < 0)
		log_info("systemd-resolved %s: %s", method,
		    e.message != NULL ? e.message : strerror(-r));
	sd_bus_error_free(&e);
	sd_bus_message_unref(m);
	return r < 0 ? -1 : 0;
}

void
resolved_wire(sd_bus *bus, int ifindex, uint32_t gw)
{
	if (bus != NULL && call(bus, "SetLinkDNS", ifindex, gw) == 0 &&
	    call(bus, "SetLinkDomains", ifindex, gw) == 0)
		(void)call(bus, "SetLinkDefaultRoute", ifindex, gw);
}
