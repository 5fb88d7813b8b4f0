/*
 * `banger doctor`'s "dns routing" check: whether systemd-resolved sends
 * NAME.vm to this user's gateway, that is whether banger-priv's wiring
 * of the bridge (its gateway as the link's DNS server, "~vm" as its
 * routing domain) is in place.  It reads resolved's link properties over
 * the system bus; it changes nothing.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "doctor.h"

#define RESOLVE1	"org.freedesktop.resolve1"

/* The IPv4 address of interface name, or 0 (network byte order). */
static in_addr_t
if_addr4(const char *name)
{
	struct ifaddrs	*all, *i;
	in_addr_t	 a = 0;

	if (getifaddrs(&all) == -1)
		return 0;
	for (i = all; i != NULL && a == 0; i = i->ifa_next)
		if (i->ifa_addr != NULL && i->ifa_addr->sa_family == AF_INET &&
		    strcmp(i->ifa_name, name) == 0)
			a = ((struct sockaddr_in *)(void *)i->ifa_addr)->
			    sin_addr.s_addr;
	freeifaddrs(all);
	return a;
}

/* Whether resolved's link path has gw among its DNS servers. */
static int
has_dns(sd_bus *bus, const char *path, in_addr_t gw, sd_bus_error *e)
{
	sd_bus_message	*m = NULL;
	const void	*p;
	size_t		 n;
	int32_t		 fam;
	int		 r, found = 0;

	r = sd_bus_get_property(bus, RESOLVE1, path, RESOLVE1 ".Link", "DNS",
	    e, &m, "a(iay)");
	if (r >= 0)
		r = sd_bus_message_enter_container(m, 'a', "(iay)");
	while (r >= 0 && (r = sd_bus_message_enter_container(m, 'r',
	    "iay")) > 0) {
		if ((r = sd_bus_message_read(m, "i", &fam)) < 0 ||
		    (r = sd_bus_message_read_array(m, 'y', &p, &n)) < 0)
			break;
		if (fam == AF_INET && n == 4 && memcmp(p, &gw, 4) == 0)
			found = 1;
		r = sd_bus_message_exit_container(m);
	}
	sd_bus_message_unref(m);
	return r < 0 ? r : found;
}

/* Whether the link has "vm" as a routing-only domain ("~vm"). */
static int
has_route(sd_bus *bus, const char *path, sd_bus_error *e)
{
	sd_bus_message	*m = NULL;
	const char	*d;
	int		 r, only, found = 0;

	r = sd_bus_get_property(bus, RESOLVE1, path, RESOLVE1 ".Link",
	    "Domains", e, &m, "a(sb)");
	if (r >= 0)
		r = sd_bus_message_enter_container(m, 'a', "(sb)");
	while (r >= 0 && (r = sd_bus_message_read(m, "(sb)", &d, &only)) > 0)
		if (only && strcmp(d, "vm") == 0)
			found = 1;
	sd_bus_message_unref(m);
	return r < 0 ? r : found;
}

void
check_dns_routing(struct check *c)
{
	sd_bus_error	 e = SD_BUS_ERROR_NULL;
	sd_bus_message	*call = NULL, *reply = NULL;
	sd_bus		*bus = NULL;
	const char	*path;
	char		 br[IF_NAMESIZE + 8], gws[INET_ADDRSTRLEN];
	unsigned	 ifindex;
	in_addr_t	 gw;
	int		 r, dns, route;

	c->name = "dns routing";
	snprintf(br, sizeof(br), "bgbr%u", (unsigned)getuid());
	if ((ifindex = if_nametoindex(br)) == 0 || (gw = if_addr4(br)) == 0) {
		set_check(c, CHK_INFO, "no bridge %s here yet: banger-priv "
		    "wires it into systemd-resolved when it makes it", br);
		return;
	}
	inet_ntop(AF_INET, &gw, gws, sizeof(gws));
	if ((r = sd_bus_open_system(&bus)) < 0) {
		set_check(c, CHK_INFO, "no system bus (%s), so no "
		    "systemd-resolved: ask %s for NAME.vm, or see "
		    "docs/dns-routing.md", strerror(-r), gws);
		return;
	}
	/* Never start resolved by asking (D-Bus activation). */
	r = sd_bus_message_new_method_call(bus, &call, RESOLVE1,
	    "/org/freedesktop/resolve1", RESOLVE1 ".Manager", "GetLink");
	if (r >= 0 && (r = sd_bus_message_set_auto_start(call, 0)) >= 0 &&
	    (r = sd_bus_message_append(call, "i", (int)ifindex)) >= 0)
		r = sd_bus_call(bus, call, 0, &e, &reply);
	if (r < 0) {
		set_check(c, CHK_INFO, "systemd-resolved does not answer (%s): "
		    "ask %s for NAME.vm, or see docs/dns-routing.md",
		    e.message != NULL ? e.message : strerror(-r), gws);
		goto out;
	}
	if ((r = sd_bus_message_read(reply, "o", &path)) < 0 ||
	    (dns = has_dns(bus, path, gw, &e)) < 0 ||
	    (route = has_route(bus, path, &e)) < 0) {
		set_check(c, CHK_WARN, "cannot read %s's settings from "
		    "systemd-resolved: %s", br, e.message != NULL ? e.message :
		    strerror(-r));
		goto out;
	}
	if (dns && route)
		set_check(c, CHK_OK, "systemd-resolved sends NAME.vm to %s on "
		    "%s", gws, br);
	else
		set_check(c, CHK_WARN, "systemd-resolved does not send NAME.vm "
		    "to %s (%s%s%s)", gws, dns ? "" : "no DNS server on " "the "
		    "bridge", !dns && !route ? ", " : "", route ? "" :
		    "no ~vm domain");
	if (!(dns && route))
		hint_check(c, "with resolved_routing on in priv.conf (see "
		    "banger-priv(8)), `banger daemon stop`: the next VM's start "
		    "wires the bridge again; else see docs/dns-routing.md");
out:
	sd_bus_error_free(&e);
	sd_bus_message_unref(call);
	sd_bus_message_unref(reply);
	sd_bus_unref(bus);
}
