/*
 * Is a process the VMM this user started for a VM id?  Asked by
 * reconcile.c before it kills or keeps a VMM a crashed bangerd left, and
 * by the launcher before it adopts one (launch.c): the process runs as
 * us, and its command line names the VM as a whole word (QEMU: -name
 * banger-vm-ID,...; Firecracker: --id banger-vm-ID).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bangerd.h"
#include "log.h"

#define VMM_TAG	"banger-vm-"

/* The VM id pid's command line names, if pid is ours; else -1. */
int64_t
vmm_pid_id(pid_t pid)
{
	char		 path[64], cmd[4096], *p, *end;
	struct stat	 st;
	ssize_t		 n, i;
	long long	 id;
	int		 fd;

	if (pid <= 1)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (stat(path, &st) == -1 || st.st_uid != getuid())
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, cmd, sizeof(cmd) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	for (i = 0; i < n; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	cmd[n] = '\0';
	for (p = cmd; (p = strstr(p, VMM_TAG)) != NULL; p++) {
		if (p != cmd && p[-1] != ' ')
			continue;
		if (p[strlen(VMM_TAG)] < '0' || p[strlen(VMM_TAG)] > '9')
			continue;
		id = strtoll(p + strlen(VMM_TAG), &end, 10);
		if (id >= 0 && id < INT64_MAX && (*end == ',' || *end == ' ' ||
		    *end == '\0'))
			return (int64_t)id;
	}
	return -1;
}

int
vmm_is_ours(pid_t pid, int64_t id)
{
	return id >= 0 && vmm_pid_id(pid) == id;
}

/*
 * Every process of ours that names a VM id for which stray(d, id) says
 * so is killed: a VMM started for a VM whose record never learnt its
 * pid (bangerd died between the exec and the launcher's report).
 */
void
vmm_kill_strays(struct bangerd *d, int (*stray)(struct bangerd *, int64_t))
{
	DIR		*dir;
	struct dirent	*de;
	char		*end;
	long		 pid;
	int64_t		 id;

	if ((dir = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(dir)) != NULL) {
		pid = strtol(de->d_name, &end, 10);
		if (*end != '\0' || pid <= 1 || pid == (long)getpid())
			continue;
		if ((id = vmm_pid_id((pid_t)pid)) == -1 || !stray(d, id))
			continue;
		log_info("reconcile: killing VMM %ld of vm id %lld, which no "
		    "record knows", pid, (long long)id);
		(void)kill((pid_t)pid, SIGKILL);
	}
	closedir(dir);
}
