/* Workspace mode: which files of a git repository go into the VM. */
#ifndef BANGER_WORKSPACE_H
#define BANGER_WORKSPACE_H

#include <limits.h>
#include <stddef.h>

struct ws_list {
	char	 top[PATH_MAX];		/* the repository's top directory */
	char	 name[256];		/* its base name: /root/<name> */
	char	*buf;			/* git's NUL-separated output */
	char	**paths;
	size_t	 n;
};

/*
 * List the files of the repository that contains path: git-tracked ones
 * that exist in the work tree, plus untracked, non-ignored ones if asked.
 * Returns 0, or -1 with a message in err.
 */
int	ws_collect(const char *, int, struct ws_list *, char *, size_t);
void	ws_free(struct ws_list *);

#endif
