/*
 * Loop devices for a snapshot.  LO_FLAGS_AUTOCLEAR: a loop detaches by
 * itself once neither our fd nor a device-mapper table holds it.
 * LOOP_CONFIGURE on a loop opened for writing takes no capability.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <linux/loop.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "disk.h"

#define LOOP_TRIES	8	/* another process may take the free one */

int
loop_attach(int ctlfd, int backing, dev_t *dev, char *err, size_t errlen)
{
	struct loop_config	 lc = { .fd = (uint32_t)backing,
				    .info.lo_flags = LO_FLAGS_AUTOCLEAR };
	struct stat		 st;
	char			 path[32];
	int			 i, n, fd;

	for (i = 0; i < LOOP_TRIES; i++) {
		if ((n = ioctl(ctlfd, LOOP_CTL_GET_FREE)) < 0) {
			snprintf(err, errlen, "no free loop device: %s",
			    strerror(errno));
			return -1;
		}
		snprintf(path, sizeof(path), "/dev/loop%d", n);
		if ((fd = open(path, O_RDWR | O_CLOEXEC)) == -1) {
			snprintf(err, errlen, "%s: %s", path,
			    strerror(errno));
			return -1;
		}
		/* A read-only backing fd makes a read-only loop. */
		if (ioctl(fd, LOOP_CONFIGURE, &lc) == 0) {
			if (fstat(fd, &st) == -1 || !S_ISBLK(st.st_mode)) {
				snprintf(err, errlen, "%s is not a block "
				    "device", path);
				close(fd);
				return -1;
			}
			*dev = st.st_rdev;
			return fd;
		}
		close(fd);
		if (errno != EBUSY) {
			snprintf(err, errlen, "%s: LOOP_CONFIGURE: %s", path,
			    strerror(errno));
			return -1;
		}
	}
	snprintf(err, errlen, "every free loop device was taken before we "
	    "could configure it");
	return -1;
}
