/* Bridges, addresses and enslaving over rtnetlink (libnl-route-3). */
#include <sys/socket.h>

#include <linux/if_link.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/inet6.h>

#include "addr.h"
#include "net.h"

/*
 * libnl's constructors read NLDBG and NLCB from the caller's environment
 * (printing every message under the lease lock): undo the one, do not
 * use the other.
 */
struct nl_sock *
net_open(char *err, size_t errlen)
{
	struct nl_sock	*sk = NULL;
	struct nl_cb	*cb;
	int		 rc = -NLE_NOMEM;

	nl_debug = 0;
	/* The socket takes a reference of its own. */
	if ((cb = nl_cb_alloc(NL_CB_DEFAULT)) != NULL) {
		sk = nl_socket_alloc_cb(cb);
		nl_cb_put(cb);
	}
	if (sk != NULL && (rc = nl_connect(sk, NETLINK_ROUTE)) == 0)
		return sk;
	snprintf(err, errlen, "rtnetlink: %s", nl_geterror(rc));
	nl_socket_free(sk);
	return NULL;
}

/*
 * IPv6 off, then LINK up (enslaved to master, if not 0).  Via a
 * link-local address a guest reaches every host service bound to ::, so
 * addr_gen_mode is "none" before a link first goes up, and any address
 * an older helper let in is deleted.
 */
static int
link_up(struct nl_sock *sk, struct rtnl_link *link, int master,
    const char **what)
{
	struct rtnl_link	*v6, *up = NULL;
	struct nl_cache		*cache = NULL;
	struct nl_object	*o = NULL;
	struct rtnl_addr	*ra;
	int			 rc = -NLE_NOMEM;

	*what = "turn IPv6 off on";
	if ((v6 = rtnl_link_alloc()) != NULL &&
	    (up = rtnl_link_alloc()) != NULL &&
	    (rc = rtnl_link_inet6_set_addr_gen_mode(v6,
	    IN6_ADDR_GEN_MODE_NONE)) >= 0 &&
	    (rc = rtnl_link_change(sk, link, v6, 0)) >= 0 &&
	    (rc = rtnl_addr_alloc_cache(sk, &cache)) >= 0)
		o = nl_cache_get_first(cache);
	for (; rc >= 0 && o != NULL; o = nl_cache_get_next(o)) {
		ra = (struct rtnl_addr *)o;
		if (rtnl_addr_get_ifindex(ra) == rtnl_link_get_ifindex(link) &&
		    rtnl_addr_get_family(ra) == AF_INET6 &&
		    (rc = rtnl_addr_delete(sk, ra, 0)) < 0 &&
		    (rc == -NLE_NOADDR || rc == -NLE_OBJ_NOTFOUND))
			rc = 0;
	}
	/* A kernel or device without IPv6 has nothing to turn off. */
	if (rc >= 0 || rc == -NLE_AF_NOSUPPORT) {
		*what = master != 0 ? "attach" : "bring up";
		if (master != 0)
			rtnl_link_set_master(up, master);
		rtnl_link_set_flags(up, IFF_UP);
		rc = rtnl_link_change(sk, link, up, 0);
	}
	nl_cache_free(cache);
	rtnl_link_put(v6);
	rtnl_link_put(up);
	return rc;
}

/*
 * Create the bridge if missing (a fixed MAC, so guests' ARP entries for
 * the gateway survive taps coming and going; a non-bridge on the name is
 * an error), add gw/24, turn IPv6 off, bring it up.  Its ifindex, or -1.
 */
int
net_bridge_ensure(struct nl_sock *sk, const char *name, uint32_t gw,
    char *err, size_t errlen)
{
	struct rtnl_link	*link = NULL, *br;
	struct rtnl_addr	*ra;
	struct nl_addr		*lladdr = NULL, *local;
	struct in_addr		 in = { htonl(gw) };
	const char		*what = "look up";
	char			 mac[ADDR_MACLEN];
	int			 rc = -NLE_NOMEM, ifindex = -1;

	addr_mac(gw, mac, sizeof(mac));
	br = rtnl_link_bridge_alloc();
	ra = rtnl_addr_alloc();
	local = nl_addr_build(AF_INET, &in, sizeof(in));
	if (br == NULL || ra == NULL || local == NULL ||
	    (rc = nl_addr_parse(mac, AF_LLC, &lladdr)) < 0)
		goto out;
	rtnl_link_set_name(br, name);
	rtnl_link_set_addr(br, lladdr);
	rc = rtnl_link_get_kernel(sk, 0, name, &link);
	if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV) {
		what = "create bridge";
		if ((rc = rtnl_link_add(sk, br, NLM_F_CREATE |
		    NLM_F_EXCL)) >= 0)
			rc = rtnl_link_get_kernel(sk, 0, name, &link);
	}
	if (rc >= 0 && !rtnl_link_is_bridge(link)) {
		snprintf(err, errlen, "%s exists and is not a bridge", name);
		rc = -1;
		what = NULL;
	}
	if (rc < 0)
		goto out;
	nl_addr_set_prefixlen(local, ADDR_USER_PREFIX);
	rtnl_addr_set_ifindex(ra, rtnl_link_get_ifindex(link));
	rtnl_addr_set_local(ra, local);
	rtnl_addr_set_family(ra, AF_INET);
	what = "add the address to";
	/* EXCL: an existing identical address is not a second one. */
	if ((rc = rtnl_addr_add(sk, ra, NLM_F_EXCL)) >= 0 || rc == -NLE_EXIST)
		rc = link_up(sk, link, 0, &what);
	ifindex = rtnl_link_get_ifindex(link);
out:
	if (rc < 0 && what != NULL)
		snprintf(err, errlen, "%s %s: %s", what, name, nl_geterror(rc));
	rtnl_link_put(link);
	rtnl_link_put(br);
	rtnl_addr_put(ra);
	nl_addr_put(lladdr);
	nl_addr_put(local);
	return rc < 0 ? -1 : ifindex;
}

/* IPv6 off while the tap is down, then enslave it and bring it up. */
int
net_tap_attach(struct nl_sock *sk, const char *tap, const char *bridge,
    char *err, size_t errlen)
{
	struct rtnl_link	*tl = NULL, *bl = NULL;
	const char		*what = "look up";
	int			 rc;

	if ((rc = rtnl_link_get_kernel(sk, 0, bridge, &bl)) >= 0 &&
	    (rc = rtnl_link_get_kernel(sk, 0, tap, &tl)) >= 0 &&
	    !rtnl_link_is_bridge(bl)) {
		snprintf(err, errlen, "%s is not a bridge", bridge);
		what = NULL;
		rc = -1;
	} else if (rc >= 0)
		rc = link_up(sk, tl, rtnl_link_get_ifindex(bl), &what);
	if (rc < 0 && what != NULL)
		snprintf(err, errlen, "%s %s to %s: %s", what, tap, bridge,
		    nl_geterror(rc));
	rtnl_link_put(tl);
	rtnl_link_put(bl);
	return rc < 0 ? -1 : 0;
}

/* ADDR:PORT, host order: UDP, or TCP listening (banger-net's). */
int
net_listen_socket(uint32_t addr, uint16_t port, int tcp, char *err,
    size_t errlen)
{
	struct sockaddr_in	 sa = { .sin_family = AF_INET,
	    .sin_port = htons(port), .sin_addr.s_addr = htonl(addr) };
	int			 fd, one = 1;

	if ((fd = socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) |
	    SOCK_CLOEXEC, 0)) == -1 || (tcp && setsockopt(fd, SOL_SOCKET,
	    SO_REUSEADDR, &one, sizeof(one)) == -1) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    (tcp && listen(fd, 64) == -1)) {
		snprintf(err, errlen, "%s port %u: %s", tcp ? "TCP" : "UDP",
		    (unsigned)port, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}
