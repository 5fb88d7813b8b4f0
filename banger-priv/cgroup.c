/*
 * Leaving the caller's cgroups: one delegated to the caller (user@UID)
 * could freeze us with the lease lock held, stalling every user.  In each
 * hierarchy (v2, v1) where ours or an ancestor is not root's, we move to
 * the root; cgroups only root controls are the host's, and kept.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "priv.h"

/* Our cgroup in the hierarchy whose mount options are OPTS (",a,b,"). */
static int
own_path(int v2, const char *opts, char *path)
{
	char	 line[PATH_MAX + 300], ctl[260];
	FILE	*f;
	int	 found = 0;

	if ((f = fopen("/proc/self/cgroup", "re")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if (v2)
			found = sscanf(line, "0::%4095[^\n]", path) == 1;
		else if (sscanf(line, "%*u:%255[^:]:%4095[^\n]", ctl + 1,
		    path) == 2) {
			ctl[0] = ',';
			ctl[strcspn(ctl + 1, ",") + 1] = '\0';
			found = strstr(opts, strcat(ctl, ",")) != NULL;
		}
	}
	fclose(f);
	return found;
}

void
cgroup_leave(void)
{
	char		 line[2048], mnt[PATH_MAX], type[64], opts[1024];
	char		 path[PATH_MAX], dir[2 * PATH_MAX], *dash;
	struct stat	 st;
	FILE		*f;
	int		 fd;

	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		fatal("/proc/self/mountinfo");
	while (fgets(line, sizeof(line), f) != NULL) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS ... - TYPE SRC SUPER */
		opts[0] = ',';
		if ((dash = strstr(line, " - ")) == NULL ||
		    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(dash + 3, "%63s %*s %1000s", type, opts + 1) != 2 ||
		    (strcmp(type, "cgroup2") != 0 &&
		    strcmp(type, "cgroup") != 0) ||
		    !own_path(strcmp(type, "cgroup2") == 0, strcat(opts, ","),
		    path) ||
		    strcmp(path, "/") == 0)
			continue;
		/* From ours up: anyone's but root's, or cannot tell? */
		snprintf(dir, sizeof(dir), "%s%s", mnt, path);
		while (strlen(dir) > strlen(mnt) && stat(dir, &st) == 0 &&
		    st.st_uid == 0)
			*strrchr(dir, '/') = '\0';
		if (strlen(dir) <= strlen(mnt))
			continue;
		snprintf(dir, sizeof(dir), "%s/cgroup.procs", mnt);
		if ((fd = open(dir, O_WRONLY | O_CLOEXEC)) == -1 ||
		    write(fd, "0\n", 2) != 2)
			fatal("cannot leave the caller's cgroup: %s", dir);
		close(fd);
	}
	fclose(f);
}
