/*
 * A workspace for a user other than root.  `vm run PATH` copies the
 * repository to /root/NAME on the work disk, owned by root, and runs the
 * command there; an image whose config names a User (app, 1000) would
 * then start in a directory it can neither enter nor write.  Before such
 * a command the agent, still root, lets every user pass through /root
 * (search only: /root's own listing stays private) and gives the
 * workspace's tree to the command's user and group, once: a tree no
 * longer owned by root is left as it is, so a later command of another
 * user does not take it back.
 *
 * NAME comes from bangerd, or from an image's WorkingDir: it must be one
 * plain component (not "." or ".."), and the tree is walked by
 * descriptors, never following a link, so nothing outside /root/NAME
 * can change owner whatever the path or the guest does meanwhile.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "log.h"

#define WS_DEPTH_MAX	64	/* directories deeper are left as they are */

/* Every entry below the directory dfd (which is closed) to uid:gid. */
static void
give_dir(int dfd, uid_t uid, gid_t gid, int depth)
{
	struct dirent	*de;
	DIR		*d;
	int		 sub;

	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fchownat(dirfd(d), de->d_name, uid, gid,
		    AT_SYMLINK_NOFOLLOW) == -1)
			log_warn("workspace: chown %s", de->d_name);
		if (depth >= WS_DEPTH_MAX)
			continue;
		/* A directory, not a link to one, and on the same disk. */
		if ((sub = openat(dirfd(d), de->d_name, O_RDONLY |
		    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) != -1)
			give_dir(sub, uid, gid, depth + 1);
	}
	closedir(d);
}

void
workspace_give(const char *cwd, const struct run_as *ra)
{
	struct stat	 st;
	const char	*end;
	char		 name[256];
	size_t		 n;
	int		 rfd, wfd;

	if (!ra->set || ra->uid == 0 || strncmp(cwd, "/root/", 6) != 0)
		return;
	cwd += 6;
	end = strchr(cwd, '/');
	n = end != NULL ? (size_t)(end - cwd) : strlen(cwd);
	if (n == 0 || n >= sizeof(name))
		return;
	memcpy(name, cwd, n);
	name[n] = '\0';
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return;
	if ((rfd = open("/root", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return;
	if (fstat(rfd, &st) == 0 && (st.st_mode & 0011) != 0011 &&
	    fchmod(rfd, (st.st_mode & 07777) | 0011) == -1)
		log_warn("workspace: chmod /root");
	wfd = openat(rfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	close(rfd);
	if (wfd == -1)
		return;
	if (fstat(wfd, &st) == -1 || st.st_uid != 0) {
		close(wfd);
		return;
	}
	log_info("workspace: /root/%s given to uid %u gid %u", name,
	    (unsigned)ra->uid, (unsigned)ra->gid);
	if (fchown(wfd, ra->uid, ra->gid) == -1)
		log_warn("workspace: chown /root/%s", name);
	give_dir(wfd, ra->uid, ra->gid, 1);
}
