/*
 * AG_RESUMED: this guest was restored from saved state (a suspended VM
 * resumed).  Its wall clock still reads the moment it was saved and its
 * entropy pool holds what it held then, so a restored copy would repeat
 * the "random" bytes it would have produced: take the host's clock and
 * fresh bytes from the host, reseed, and announce ourselves again.
 */
#include <sys/ioctl.h>

#include <linux/random.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "log.h"
#include "proto.h"

#define RAW_LEN	(sizeof(struct rand_pool_info) + AG_SEED_LEN)

static void
add_entropy(const struct msg_bin *seed)
{
	/* rand_pool_info ends in a flexible array: room for the seed. */
	union {
		struct rand_pool_info	 info;
		uint8_t			 raw[RAW_LEN];
	} e;
	int	 fd;

	if (seed->len == 0)
		return;
	memset(&e, 0, sizeof(e));
	memcpy(e.raw + sizeof(struct rand_pool_info), seed->p, seed->len);
	e.info.entropy_count = (int)seed->len * 8;
	e.info.buf_size = (int)seed->len;
	if ((fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC)) == -1) {
		log_warn("open /dev/urandom");
		return;
	}
	if (ioctl(fd, RNDADDENTROPY, &e.info) == -1)
		log_warn("RNDADDENTROPY");
	/* Make the next read use the new pool now, not at the next reseed. */
	if (ioctl(fd, RNDRESEEDCRNG) == -1 && errno != EINVAL)
		log_warn("RNDRESEEDCRNG");
	close(fd);
	explicit_bzero(&e, sizeof(e));
}

void
agent_resumed(struct agent *a, uint64_t id, const void *body)
{
	const struct ag_resumed	*r = body;
	struct timespec		 ts;

	(void)id;
	ts.tv_sec = (time_t)r->sec;
	ts.tv_nsec = (long)r->nsec;
	if (r->sec != 0 && clock_settime(CLOCK_REALTIME, &ts) == -1)
		log_warn("clock_settime");
	add_entropy(&r->seed);
	log_info("restored from saved state: clock set, entropy added");
	chan_ready(a);
}
