/*
 * Is a process the VMM this user started for a VM id?  Asked by
 * reconcile.c before it kills or keeps a VMM a crashed bangerd left, and
 * by the launcher before it adopts one (launch.c): the process runs as
 * us, and its command line names the VM (QEMU: -name banger-vm-ID,...;
 * Firecracker: --id banger-vm-ID).
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bangerd.h"

int
vmm_is_ours(pid_t pid, int64_t id)
{
	char		 path[64], cmd[4096], want[64], *p, end;
	struct stat	 st;
	ssize_t		 n, i;
	int		 fd;

	if (pid <= 1)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (stat(path, &st) == -1 || st.st_uid != getuid())
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, cmd, sizeof(cmd) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	for (i = 0; i < n; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	cmd[n] = '\0';
	snprintf(want, sizeof(want), "banger-vm-%lld", (long long)id);
	for (p = cmd; (p = strstr(p, want)) != NULL; p++) {
		end = p[strlen(want)];
		if ((p == cmd || p[-1] == ' ') && (end == ',' || end == ' ' ||
		    end == '\0'))
			return 1;
	}
	return 0;
}
