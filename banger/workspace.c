/*
 * Workspace mode: ask git which files belong to the repository.  The list
 * is what `git ls-files` says, minus files deleted from the work tree; the
 * daemon and banger-fetch check every path again.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "banger.h"
#include "proto.h"
#include "valid.h"
#include "workspace.h"

/* Run git with argv, collect at most max bytes of its stdout. */
static int
git_output(char *const argv[], char **out, size_t *outlen, size_t max,
    int quiet, char *err, size_t errlen)
{
	int	 p[2], status, null;
	pid_t	 pid;
	size_t	 len = 0, cap = 65536;
	ssize_t	 n;
	char	*buf, *nb;

	if (pipe2(p, O_CLOEXEC) == -1 || (buf = malloc(cap + 1)) == NULL) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (dup2(p[1], 1) == -1)
			_exit(127);
		/* Our own message says what went wrong. */
		if (quiet && (null = open("/dev/null", O_WRONLY)) != -1)
			dup2(null, 2);
		execvp("git", argv);
		fprintf(stderr, "banger: cannot run git: %s\n",
		    strerror(errno));
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], buf + len, cap - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			break;
		len += n;
		if (len == cap) {
			if (cap >= max || (nb = realloc(buf, cap * 2 + 1)) ==
			    NULL) {
				snprintf(err, errlen, "git's file list is too "
				    "large");
				close(p[0]);
				kill(pid, SIGTERM);
				waitpid(pid, NULL, 0);
				free(buf);
				return -1;
			}
			buf = nb;
			cap *= 2;
		}
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		free(buf);
		snprintf(err, errlen, "git %s failed", argv[3]);
		return -1;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

int
ws_collect(const char *path, int untracked, struct ws_list *ws, char *err,
    size_t errlen)
{
	char		*top, *p, *end, *slash, full[PATH_MAX * 2];
	size_t		 len, cap = 0;
	struct stat	 st;
	char		*rp[] = { "git", "-C", (char *)path, "rev-parse",
			    "--show-toplevel", NULL };
	/* --deduplicate: a conflicted path is listed once, not per stage. */
	char		*ls[] = { "git", "-C", NULL, "ls-files", "-z",
			    "--deduplicate", "--cached",
			    untracked ? "--others" : NULL,
			    "--exclude-standard", NULL };

	memset(ws, 0, sizeof(*ws));
	if (stat(path, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", path);
		return -1;
	}
	if (git_output(rp, &top, &len, 65536, 1, err, errlen) == -1) {
		snprintf(err, errlen, "%s is not inside a git repository "
		    "(workspace mode copies the repository's tracked files)",
		    path);
		return -1;
	}
	if (len > 0 && top[len - 1] == '\n')
		top[--len] = '\0';
	if (len == 0 || len >= sizeof(ws->top) || top[0] != '/') {
		free(top);
		snprintf(err, errlen, "git gave no repository top for %s",
		    path);
		return -1;
	}
	snprintf(ws->top, sizeof(ws->top), "%s", top);
	free(top);
	slash = strrchr(ws->top, '/');
	snprintf(ws->name, sizeof(ws->name), "%s", slash[1] ? slash + 1 :
	    "repo");
	if (!valid_path_component(ws->name)) {
		snprintf(err, errlen, "cannot name the workspace after %s",
		    ws->top);
		return -1;
	}
	ls[2] = ws->top;
	if (!untracked) {
		ls[7] = "--exclude-standard";
		ls[8] = NULL;
	}
	if (git_output(ls, &ws->buf, &len, WS_LIST_MAX, 0, err, errlen) ==
	    -1)
		return -1;
	end = ws->buf + len;
	for (p = ws->buf; p < end; p += strlen(p) + 1) {
		/* Tracked but deleted in the work tree: not there to copy. */
		snprintf(full, sizeof(full), "%s/%s", ws->top, p);
		if (lstat(full, &st) == -1)
			continue;
		if (!valid_ws_path(p)) {
			snprintf(err, errlen, "git listed an unusable path: "
			    "%.200s", p);
			ws_free(ws);
			return -1;
		}
		if (ws->n == cap) {
			char	**np;

			cap = cap ? cap * 2 : 1024;
			if ((np = reallocarray(ws->paths, cap + 1,
			    sizeof(char *))) == NULL) {
				snprintf(err, errlen, "out of memory");
				ws_free(ws);
				return -1;
			}
			ws->paths = np;
		}
		ws->paths[ws->n++] = p;
		ws->paths[ws->n] = NULL;
	}
	if (ws->n == 0) {
		snprintf(err, errlen, "the repository at %s has no files to "
		    "copy", ws->top);
		ws_free(ws);
		return -1;
	}
	if (ws->n > WS_FILES_MAX) {
		snprintf(err, errlen, "more than %d files", WS_FILES_MAX);
		ws_free(ws);
		return -1;
	}
	return 0;
}

void
ws_free(struct ws_list *ws)
{
	free(ws->buf);
	free(ws->paths);
	ws->buf = NULL;
	ws->paths = NULL;
	ws->n = 0;
}
