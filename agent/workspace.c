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
 */
#include <sys/stat.h>

#include <ftw.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "log.h"

static uid_t	 ws_uid;
static gid_t	 ws_gid;

static int
give(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	/* lchown: a link in the tree is changed, never what it names. */
	if (lchown(path, ws_uid, ws_gid) == -1)
		log_warn("workspace: lchown %s", path);
	return 0;
}

void
workspace_give(const char *cwd, const struct run_as *ra)
{
	struct stat	 st;
	const char	*end;
	char		 top[256];

	if (!ra->set || ra->uid == 0 || strncmp(cwd, "/root/", 6) != 0)
		return;
	end = strchr(cwd + 6, '/');
	if (end == NULL)
		end = cwd + strlen(cwd);
	if (end == cwd + 6 || (size_t)(end - cwd) >= sizeof(top))
		return;
	memcpy(top, cwd, (size_t)(end - cwd));
	top[end - cwd] = '\0';
	if (stat("/root", &st) == 0 && (st.st_mode & 0011) != 0011 &&
	    chmod("/root", (st.st_mode & 07777) | 0011) == -1)
		log_warn("workspace: chmod /root");
	if (lstat(top, &st) == -1 || !S_ISDIR(st.st_mode) || st.st_uid != 0)
		return;
	ws_uid = ra->uid;
	ws_gid = ra->gid;
	log_info("workspace: %s given to uid %u gid %u", top,
	    (unsigned)ra->uid, (unsigned)ra->gid);
	(void)nftw(top, give, 16, FTW_PHYS | FTW_MOUNT);
}
