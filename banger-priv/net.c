/* Bridges, addresses and enslaving over rtnetlink (libnl-route-3). */
#include <sys/socket.h>

#include <linux/if_link.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/inet6.h>

#include "net.h"

/*
 * libnl-3 reads NLDBG and NLCB from the caller's environment in its
 * start-up constructors, before main() clears the environment: the debug
 * level and the default callbacks then print every netlink message with
 * stdio, under the lease lock.  Undo the one and do not use the other.
 */
struct nl_sock *
net_open(char *err, size_t errlen)
{
	struct nl_sock	*sk;
	struct nl_cb	*cb;
	int		 rc;

	nl_debug = 0;
	if ((cb = nl_cb_alloc(NL_CB_DEFAULT)) == NULL) {
		snprintf(err, errlen, "nl_cb_alloc failed");
		return NULL;
	}
	/* The socket takes a reference of its own. */
	sk = nl_socket_alloc_cb(cb);
	nl_cb_put(cb);
	if (sk == NULL) {
		snprintf(err, errlen, "nl_socket_alloc failed");
		return NULL;
	}
	if ((rc = nl_connect(sk, NETLINK_ROUTE)) < 0) {
		snprintf(err, errlen, "rtnetlink: %s", nl_geterror(rc));
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

static int
nlerr(char *err, size_t errlen, const char *what, const char *name, int rc)
{
	snprintf(err, errlen, "%s %s: %s", what, name, nl_geterror(rc));
	return -1;
}

/*
 * No IPv6 on banger's interfaces: with a link-local address on the bridge
 * a guest reaches every host service bound to ::.  The firewall (nft.c)
 * drops all IPv6 from bridges as well; this keeps the host from offering
 * any.  addr_gen_mode "none", set before a new link first goes up, keeps
 * the kernel from ever adding an address; one already there (a bridge an
 * older helper made) is deleted.  A kernel or device without IPv6 has
 * nothing to turn off.
 */
static int
net_no_ipv6(struct nl_sock *sk, struct rtnl_link *link, const char *name,
    char *err, size_t errlen)
{
	struct rtnl_link	*change = NULL;
	struct nl_cache		*cache = NULL;
	struct nl_object	*o;
	struct rtnl_addr	*ra;
	int			 rc, ifindex, ret = -1;

	if ((change = rtnl_link_alloc()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if ((rc = rtnl_link_inet6_set_addr_gen_mode(change,
	    IN6_ADDR_GEN_MODE_NONE)) < 0) {
		nlerr(err, errlen, "set IPv6 address mode on", name, rc);
		goto out;
	}
	rc = rtnl_link_change(sk, link, change, 0);
	if (rc == -NLE_AF_NOSUPPORT) {
		ret = 0;
		goto out;
	}
	if (rc < 0) {
		nlerr(err, errlen, "turn IPv6 off on", name, rc);
		goto out;
	}
	if ((rc = rtnl_addr_alloc_cache(sk, &cache)) < 0) {
		nlerr(err, errlen, "list addresses of", name, rc);
		goto out;
	}
	ifindex = rtnl_link_get_ifindex(link);
	for (o = nl_cache_get_first(cache); o != NULL;
	    o = nl_cache_get_next(o)) {
		ra = (struct rtnl_addr *)o;
		if (rtnl_addr_get_ifindex(ra) != ifindex ||
		    rtnl_addr_get_family(ra) != AF_INET6)
			continue;
		if ((rc = rtnl_addr_delete(sk, ra, 0)) < 0 &&
		    rc != -NLE_NOADDR && rc != -NLE_OBJ_NOTFOUND) {
			nlerr(err, errlen, "delete IPv6 address of", name, rc);
			goto out;
		}
	}
	ret = 0;
out:
	if (cache != NULL)
		nl_cache_free(cache);
	if (change != NULL)
		rtnl_link_put(change);
	return ret;
}

/*
 * Create the bridge if missing (with a fixed MAC, so the guests' ARP
 * entry for the gateway survives taps coming and going), add gw/prefix
 * if missing, turn IPv6 off, and bring it up.  A non-bridge squatting on
 * the name is an error rather than something to reuse.
 */
int
net_bridge_ensure(struct nl_sock *sk, const char *name, const uint8_t mac[6],
    uint32_t gw, unsigned prefix, char *err, size_t errlen)
{
	struct rtnl_link	*link = NULL, *change = NULL;
	struct rtnl_addr	*ra = NULL;
	struct nl_addr		*lladdr = NULL, *local = NULL;
	struct in_addr		 in;
	int			 rc, ifindex, ret = -1;

	rc = rtnl_link_get_kernel(sk, 0, name, &link);
	if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV) {
		if ((link = rtnl_link_bridge_alloc()) == NULL ||
		    (lladdr = nl_addr_build(AF_LLC, mac, 6)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		rtnl_link_set_name(link, name);
		rtnl_link_set_addr(link, lladdr);
		if ((rc = rtnl_link_add(sk, link,
		    NLM_F_CREATE | NLM_F_EXCL)) < 0) {
			nlerr(err, errlen, "create bridge", name, rc);
			goto out;
		}
		rtnl_link_put(link);
		link = NULL;
		rc = rtnl_link_get_kernel(sk, 0, name, &link);
	}
	if (rc < 0) {
		nlerr(err, errlen, "look up", name, rc);
		goto out;
	}
	if (!rtnl_link_is_bridge(link)) {
		snprintf(err, errlen, "%s exists and is not a bridge", name);
		goto out;
	}
	ifindex = rtnl_link_get_ifindex(link);
	if (net_no_ipv6(sk, link, name, err, errlen) == -1)
		goto out;

	if ((ra = rtnl_addr_alloc()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	in.s_addr = htonl(gw);
	if ((local = nl_addr_build(AF_INET, &in, sizeof(in))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	nl_addr_set_prefixlen(local, (int)prefix);
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_local(ra, local);
	rtnl_addr_set_family(ra, AF_INET);
	/* EXCL: an existing identical address is not a second one. */
	rc = rtnl_addr_add(sk, ra, NLM_F_EXCL);
	if (rc < 0 && rc != -NLE_EXIST) {
		nlerr(err, errlen, "add address to", name, rc);
		goto out;
	}

	if ((change = rtnl_link_alloc()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rtnl_link_set_flags(change, IFF_UP);
	if ((rc = rtnl_link_change(sk, link, change, 0)) < 0) {
		nlerr(err, errlen, "bring up", name, rc);
		goto out;
	}
	ret = 0;
out:
	if (change != NULL)
		rtnl_link_put(change);
	if (link != NULL)
		rtnl_link_put(link);
	if (ra != NULL)
		rtnl_addr_put(ra);
	if (local != NULL)
		nl_addr_put(local);
	if (lladdr != NULL)
		nl_addr_put(lladdr);
	return ret;
}

/*
 * Turn IPv6 off on the tap while it is down, then enslave it to the
 * bridge and bring it up in one RTM_NEWLINK.
 */
int
net_tap_attach(struct nl_sock *sk, const char *tap, const char *bridge,
    char *err, size_t errlen)
{
	struct rtnl_link	*tl = NULL, *bl = NULL, *change = NULL;
	int			 rc, ret = -1;

	if ((rc = rtnl_link_get_kernel(sk, 0, tap, &tl)) < 0) {
		nlerr(err, errlen, "look up", tap, rc);
		goto out;
	}
	if ((rc = rtnl_link_get_kernel(sk, 0, bridge, &bl)) < 0) {
		nlerr(err, errlen, "look up", bridge, rc);
		goto out;
	}
	if (!rtnl_link_is_bridge(bl)) {
		snprintf(err, errlen, "%s is not a bridge", bridge);
		goto out;
	}
	if (net_no_ipv6(sk, tl, tap, err, errlen) == -1)
		goto out;
	if ((change = rtnl_link_alloc()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rtnl_link_set_master(change, rtnl_link_get_ifindex(bl));
	rtnl_link_set_flags(change, IFF_UP);
	if ((rc = rtnl_link_change(sk, tl, change, 0)) < 0) {
		nlerr(err, errlen, "attach", tap, rc);
		goto out;
	}
	ret = 0;
out:
	if (change != NULL)
		rtnl_link_put(change);
	if (tl != NULL)
		rtnl_link_put(tl);
	if (bl != NULL)
		rtnl_link_put(bl);
	return ret;
}

/* Delete a tap if it still exists (it vanishes by itself once closed). */
int
net_link_delete(struct nl_sock *sk, const char *name, char *err,
    size_t errlen)
{
	struct rtnl_link	*link = NULL;
	const char		*kind;
	int			 rc, ret = -1;

	rc = rtnl_link_get_kernel(sk, 0, name, &link);
	if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV)
		return 0;
	if (rc < 0)
		return nlerr(err, errlen, "look up", name, rc);
	/* Only ever a tun/tap: the name is ours, but check the kind too. */
	kind = rtnl_link_get_type(link);
	if (kind == NULL || strcmp(kind, "tun") != 0) {
		snprintf(err, errlen, "%s is not a tap", name);
		goto out;
	}
	if ((rc = rtnl_link_delete(sk, link)) < 0 &&
	    rc != -NLE_OBJ_NOTFOUND && rc != -NLE_NODEV) {
		nlerr(err, errlen, "delete", name, rc);
		goto out;
	}
	ret = 0;
out:
	rtnl_link_put(link);
	return ret;
}
