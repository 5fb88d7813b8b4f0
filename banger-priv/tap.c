/*
 * Taps through /dev/net/tun, non-persistent until tap.create's last step
 * (only a leased tap): nothing leaks when the VMM and bangerd die.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "addr.h"
#include "lease.h"
#include "net.h"

#define TAP_SWEEP_MAX	64	/* per tap.list; the next one goes on */

/*
 * Returns the open fd, or -1 (errno EBUSY when the name is taken: the
 * caller then tries the next number).
 */
int
tap_open(const char *name, uint32_t uid, uint32_t gid, char *err,
    size_t errlen)
{
	struct ifreq	 ifr;
	int		 fd, saved;

	memset(&ifr, 0, sizeof(ifr));
	/*
	 * IFF_TUN_EXCL: never attach to an existing device of that name
	 * (a persistent tap someone left would otherwise be handed over).
	 * No IFF_VNET_HDR: QEMU's fd= probes the flags and copes either way.
	 */
	ifr.ifr_flags = (short)(IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	/* The owner is what tap.delete checks before it removes a tap. */
	if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)) == -1 ||
	    ioctl(fd, TUNSETIFF, &ifr) == -1 ||
	    ioctl(fd, TUNSETOWNER, (unsigned long)uid) == -1 ||
	    ioctl(fd, TUNSETGROUP, (unsigned long)gid) == -1) {
		saved = errno;
		snprintf(err, errlen, "create %s: %s", name, strerror(saved));
		if (fd != -1)
			close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* For VMMs that open taps by name; never before the lease is stored. */
int
tap_persist(int fd, char *err, size_t errlen)
{
	if (ioctl(fd, TUNSETPERSIST, 1UL) == -1) {
		snprintf(err, errlen, "set persistence: %s", strerror(errno));
		return -1;
	}
	return 0;
}

struct link_facts {
	int		 ifindex;
	int		 tun;		/* IFLA_INFO_KIND "tun" */
	uint32_t	 owner;		/* IFLA_TUN_OWNER, or -1: no uid */
	int		 persist;	/* IFLA_TUN_PERSIST */
};

static int
link_parse(struct nl_msg *msg, void *arg)
{
	struct link_facts	*lf = arg;
	struct nlattr		*tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	struct nlattr		*td[IFLA_TUN_MAX + 1];
	struct nlmsghdr		*nlh = nlmsg_hdr(msg);

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse(nlh, sizeof(struct ifinfomsg), tb, IFLA_MAX,
	    NULL) < 0 || tb[IFLA_LINKINFO] == NULL ||
	    nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) < 0 ||
	    li[IFLA_INFO_KIND] == NULL ||
	    nla_strcmp(li[IFLA_INFO_KIND], "tun") != 0)
		return NL_OK;
	lf->tun = 1;
	lf->ifindex = ((struct ifinfomsg *)nlmsg_data(nlh))->ifi_index;
	if (li[IFLA_INFO_DATA] == NULL || nla_parse_nested(td, IFLA_TUN_MAX,
	    li[IFLA_INFO_DATA], NULL) < 0)
		return NL_OK;
	if (td[IFLA_TUN_OWNER] != NULL &&
	    nla_len(td[IFLA_TUN_OWNER]) == sizeof(uint32_t))
		lf->owner = nla_get_u32(td[IFLA_TUN_OWNER]);
	if (td[IFLA_TUN_PERSIST] != NULL &&
	    nla_len(td[IFLA_TUN_PERSIST]) == sizeof(uint8_t))
		lf->persist = nla_get_u8(td[IFLA_TUN_PERSIST]) != 0;
	return NL_OK;
}

/*
 * Remove NAME, by the ifindex checked, if its tun owner is uid (and with
 * only_persistent, if persistent): a leased name alone proves nothing, as
 * the tap may have gone and the name been taken by another's device.
 */
int
tap_remove(struct nl_sock *sk, const char *name, uint32_t uid,
    int only_persistent, char *err, size_t errlen)
{
	struct link_facts	 lf = { .owner = (uint32_t)-1 };
	struct rtnl_link	*link;
	struct nl_msg		*msg = NULL;
	struct nl_cb		*cb;
	const char		*what = "look up";
	int			 rc = -NLE_NOMEM;

	/* net_open's callbacks with ours for the reply; then the ack. */
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if ((link = rtnl_link_alloc()) != NULL && cb != NULL &&
	    (rc = rtnl_link_build_get_request(0, name, &msg)) >= 0 &&
	    (rc = nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, link_parse,
	    &lf)) >= 0 && (rc = nl_send_auto(sk, msg)) >= 0 &&
	    (rc = nl_recvmsgs(sk, cb)) >= 0)
		rc = nl_wait_for_ack(sk);
	if (rc >= 0 && (!lf.tun || lf.owner != uid)) {
		snprintf(err, errlen, "%s is not this user's tap", name);
		what = NULL;
		rc = -1;
	} else if (rc >= 0 && only_persistent && !lf.persist)
		rc = 0;
	else if (rc >= 0) {
		what = "delete";
		rtnl_link_set_ifindex(link, lf.ifindex);
		if ((rc = rtnl_link_delete(sk, link)) >= 0)
			rc = 1;
	}
	if (rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND)
		rc = 0;
	else if (rc < 0 && what != NULL)
		snprintf(err, errlen, "%s %s: %s", what, name,
		    nl_geterror(rc));
	rtnl_link_put(link);
	nl_cb_put(cb);
	nlmsg_free(msg);
	return rc < 0 ? -1 : rc;
}

/*
 * Remove uid's persistent bgtaps no lease names (older helpers left them,
 * squatting names); under the lease lock no tap.create is half-way.
 */
int
tap_sweep(struct nl_sock *sk, const struct lease_table *t, uint32_t uid,
    char *err, size_t errlen)
{
	struct nl_cache		*cache;
	struct nl_object	*o;
	const char		*nm, *kind;
	char			 own[IFNAMSIZ];
	unsigned long		 no;
	size_t			 n = 0, j;
	int			 rc, swept = 0;

	/* The cache is a copy: removing taps while walking it is safe. */
	if ((rc = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache)) < 0) {
		snprintf(err, errlen, "list links: %s", nl_geterror(rc));
		return -1;
	}
	for (o = nl_cache_get_first(cache); o != NULL && n < TAP_SWEEP_MAX;
	    o = nl_cache_get_next(o)) {
		nm = rtnl_link_get_name((struct rtnl_link *)o);
		kind = rtnl_link_get_type((struct rtnl_link *)o);
		if (nm == NULL || kind == NULL || strcmp(kind, "tun") != 0 ||
		    strncmp(nm, "bgtap", 5) != 0 ||
		    (no = strtoul(nm + 5, NULL, 10)) > LEASE_TAPNO_MAX)
			continue;
		/* Only addr_tap_name's own form ("bgtap7", not "bgtap07"). */
		addr_tap_name((uint32_t)no, own, sizeof(own));
		for (j = 0; j < t->ntap && t->tap[j].tapno != no; j++)
			;
		if (strcmp(nm, own) == 0 && j == t->ntap) {
			n++;
			swept += tap_remove(sk, own, uid, 1, err, errlen) == 1;
		}
	}
	nl_cache_free(cache);
	return swept;
}
