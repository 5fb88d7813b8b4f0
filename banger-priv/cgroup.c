/*
 * Leaving the caller's cgroups.  The helper starts in its caller's
 * cgroups, and a cgroup delegated to the caller (systemd's user@UID
 * service, for one) is the caller's to freeze, kill or starve: frozen
 * while it holds the host-wide lease lock, the helper would stall every
 * user.  So, in every mounted hierarchy (v2 and v1), if the helper's
 * cgroup or any ancestor below the mount's root is owned by anyone but
 * root, the helper moves itself to the mount's root cgroup.  Cgroups only
 * root controls are left alone: they are the host's (or a container's)
 * own accounting, not the caller's lever.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "priv.h"

/*
 * The cgroup path of the hierarchy mounted with these options (v1: one
 * of its controllers or "name=X"; v2: the "0::" line), from
 * /proc/self/cgroup.
 */
static int
own_path(int v2, const char *opts, char *out, size_t len)
{
	char	 line[1024], want[256], *c, *p;
	FILE	*f;
	int	 found = -1;

	if ((f = fopen("/proc/self/cgroup", "re")) == NULL)
		return -1;
	while (found == -1 && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((c = strchr(line, ':')) == NULL ||
		    (p = strchr(c + 1, ':')) == NULL)
			continue;
		*c++ = '\0';
		*p++ = '\0';
		if (v2 ? strcmp(line, "0") != 0 || *c != '\0' : *c == '\0')
			continue;
		if (!v2) {
			/* Does any of this line's controllers appear in opts? */
			char	*tok, *save = NULL;
			int	 hit = 0;

			for (tok = strtok_r(c, ",", &save); tok != NULL;
			    tok = strtok_r(NULL, ",", &save)) {
				snprintf(want, sizeof(want), ",%s,", tok);
				if (strstr(opts, want) != NULL)
					hit = 1;
			}
			if (!hit)
				continue;
		}
		if (snprintf(out, len, "%s", p) < (int)len)
			found = 0;
	}
	fclose(f);
	return found;
}

/* Is any directory from MNT/PATH up to MNT owned by someone but root? */
static int
delegated(const char *mnt, const char *path)
{
	struct stat	 st;
	char		 dir[PATH_MAX], *s;

	if (snprintf(dir, sizeof(dir), "%s%s", mnt, path) >= (int)sizeof(dir))
		return 1;
	for (;;) {
		if (stat(dir, &st) == -1)
			return 1;	/* cannot tell: leave */
		if (st.st_uid != 0)
			return 1;
		if (strlen(dir) <= strlen(mnt) ||
		    (s = strrchr(dir + strlen(mnt), '/')) == NULL)
			return 0;
		*s = '\0';
	}
}

static void
leave(const char *mnt)
{
	char	 procs[PATH_MAX];
	int	 fd;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", mnt);
	if ((fd = open(procs, O_WRONLY | O_CLOEXEC)) == -1 ||
	    write(fd, "0\n", 2) != 2)
		fatal("cannot leave the caller's cgroup: %s", procs);
	close(fd);
}

void
cgroup_leave(void)
{
	char	 line[2048], mnt[PATH_MAX], type[64], opts[1024];
	char	 path[PATH_MAX], *dash;
	FILE	*f;
	int	 v2;

	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		fatal("/proc/self/mountinfo");
	while (fgets(line, sizeof(line), f) != NULL) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS ... - TYPE SRC SUPER */
		if ((dash = strstr(line, " - ")) == NULL ||
		    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(dash + 3, "%63s %*s %1000s", type, opts + 1) != 2)
			continue;
		if (strcmp(type, "cgroup2") == 0)
			v2 = 1;
		else if (strcmp(type, "cgroup") == 0)
			v2 = 0;
		else
			continue;
		/* ",opts," so that each controller matches as ",name,". */
		opts[0] = ',';
		strcat(opts, ",");
		if (own_path(v2, opts, path, sizeof(path)) == -1)
			continue;
		if (strcmp(path, "/") != 0 && delegated(mnt, path))
			leave(mnt);
	}
	fclose(f);
}
