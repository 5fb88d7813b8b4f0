/*
 * Finding the agent's virtio-serial port.  The kernel names ports
 * vportNpM in the order devices probe; only the name the host gave the
 * port (sysfs "name" attribute) identifies ours.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

/*
 * Look under sysdir (normally /sys/class/virtio-ports) for the port whose
 * name file holds want.  Writes "/dev/vportNpM" to out.  Returns 0, or -1
 * with errno ENOENT when no such port exists (yet).
 */
int
port_find(const char *sysdir, const char *want, char *out, size_t outlen)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[PATH_MAX], name[256];
	ssize_t		 n;
	int		 fd, found = 0;

	if ((d = opendir(sysdir)) == NULL)
		return -1;
	while (!found && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "vport", 5) != 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s/name", sysdir,
		    de->d_name) >= sizeof(path))
			continue;
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		n = read(fd, name, sizeof(name) - 1);
		close(fd);
		if (n <= 0)
			continue;
		name[n] = '\0';
		/* sysfs attributes end in a newline. */
		if (name[n - 1] == '\n')
			name[n - 1] = '\0';
		if (strcmp(name, want) != 0)
			continue;
		if ((size_t)snprintf(out, outlen, "/dev/%s", de->d_name) >=
		    outlen)
			break;
		found = 1;
	}
	closedir(d);
	if (!found) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}
