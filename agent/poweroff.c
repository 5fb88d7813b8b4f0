/*
 * Clean shutdown on the host's request.  As PID 1 (the initramfs image)
 * the agent itself powers the machine off; under systemd it asks PID 1
 * for a clean poweroff (SIGRTMIN+4).  QEMU runs with -no-reboot and exits
 * when the guest powers off.
 */
#include <sys/reboot.h>

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "log.h"

static int
under_firecracker(void)
{
	char	 buf[4096];
	ssize_t	 n;
	int	 fd;

	if ((fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strstr(buf, "banger.vmm=firecracker") != NULL;
}

void
agent_poweroff(struct agent *a, uint64_t id, const void *body)
{
	(void)a;
	(void)id;
	(void)body;
	log_info("poweroff requested by the host");
	sync();
	if (getpid() != 1) {
		/*
		 * systemd: SIGRTMIN+4 is a clean poweroff; under Firecracker,
		 * which exits on a reboot, SIGINT (ctrl-alt-del: reboot).
		 */
		if (kill(1, under_firecracker() ? SIGINT : SIGRTMIN + 4) == 0)
			return;
		log_warn("asking init to power off");
	}
	/* Give running commands a moment, then go down regardless. */
	(void)kill(-1, SIGTERM);
	sleep(1);
	sync();
	/* Firecracker has no power-off device: it exits on a reboot. */
	if (under_firecracker()) {
		if (reboot(RB_AUTOBOOT) == -1)
			log_warn("reboot(RB_AUTOBOOT)");
		return;
	}
	if (reboot(RB_POWER_OFF) == -1)
		log_warn("reboot(RB_POWER_OFF)");
}
