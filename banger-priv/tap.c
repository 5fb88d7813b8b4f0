/*
 * Tap creation through /dev/net/tun.  The tap is not persistent: it lives
 * exactly as long as some process holds an fd to it (the VMM and bangerd),
 * so nothing leaks when they die, even by kill -9.
 */
#include <sys/ioctl.h>

#include <linux/if.h>
#include <linux/if_tun.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net.h"

/*
 * Returns the open fd, or -1 (errno EBUSY when the name is taken: the
 * caller then tries the next number).
 */
int
tap_open(const char *name, uint32_t uid, uint32_t gid, int persist,
    char *err, size_t errlen)
{
	struct ifreq	 ifr;
	int		 fd, saved;

	if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)) == -1) {
		saved = errno;
		snprintf(err, errlen, "/dev/net/tun: %s", strerror(saved));
		errno = saved;
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	/*
	 * IFF_TUN_EXCL: never attach to an existing device of that name
	 * (a persistent tap someone left would otherwise be handed over).
	 * No IFF_VNET_HDR: QEMU's fd= probes the flags and copes either way.
	 */
	ifr.ifr_flags = (short)(IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL);
	if (strlen(name) >= sizeof(ifr.ifr_name)) {
		snprintf(err, errlen, "tap name too long");
		close(fd);
		return -1;
	}
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) == -1) {
		saved = errno;
		snprintf(err, errlen, "create %s: %s", name, strerror(saved));
		close(fd);
		errno = saved;
		return -1;
	}
	/*
	 * A persistent tap outlives this fd, so that a VMM which opens taps
	 * by name (Firecracker) can attach; tap.delete, or reconcile's
	 * sweep of the caller's leases, removes it.
	 */
	if (ioctl(fd, TUNSETOWNER, (unsigned long)uid) == -1 ||
	    ioctl(fd, TUNSETGROUP, (unsigned long)gid) == -1 ||
	    (persist && ioctl(fd, TUNSETPERSIST, 1UL) == -1)) {
		saved = errno;
		snprintf(err, errlen, "set owner of %s: %s", name,
		    strerror(saved));
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}
