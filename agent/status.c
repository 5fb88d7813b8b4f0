/* Pure helpers for sessions: status mapping and the child's environment. */
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

static const char *const env_default[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"HOME=/root",
	"USER=root",
	"LOGNAME=root",
};
#define NDEFAULT (sizeof(env_default) / sizeof(env_default[0]))

/* AG_EXIT fields from a wait status: status 0..255, or -1 and the signal. */
void
exit_status(int wstatus, int64_t *status, uint64_t *signo)
{
	if (WIFEXITED(wstatus)) {
		*status = WEXITSTATUS(wstatus);
		*signo = 0;
	} else if (WIFSIGNALED(wstatus)) {
		*status = -1;
		*signo = WTERMSIG(wstatus);
	} else {
		*status = -1;
		*signo = 0;
	}
}

/* The shell's convention: 127 for a command not found, 126 otherwise. */
int
exec_fail_status(int err)
{
	return err == ENOENT ? 127 : 126;
}

static size_t
keylen(const char *e)
{
	return strchr(e, '=') - e;
}

/*
 * The child's environment: the defaults (plus TERM for a pty), then each
 * given "KEY=value", which replaces an earlier entry with the same KEY.
 * Entries must have a non-empty KEY without '='.  Returns a
 * NULL-terminated calloc'd vector (free with env_free), or NULL with a
 * reason in err.
 */
char **
env_build(char *const *given, size_t ngiven, int tty, char *err,
    size_t errlen)
{
	char	**env;
	size_t	  n = 0, i, j;

	if ((env = calloc(NDEFAULT + 1 + ngiven + 1, sizeof(*env))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < NDEFAULT; i++)
		if ((env[n++] = strdup(env_default[i])) == NULL)
			goto nomem;
	if (tty && (env[n++] = strdup("TERM=xterm-256color")) == NULL)
		goto nomem;
	for (i = 0; i < ngiven; i++) {
		if (strchr(given[i], '=') == NULL || given[i][0] == '=') {
			snprintf(err, errlen, "bad environment entry \"%.64s\"",
			    given[i]);
			env_free(env);
			return NULL;
		}
		for (j = 0; j < n; j++)
			if (keylen(env[j]) == keylen(given[i]) &&
			    strncmp(env[j], given[i], keylen(given[i])) == 0)
				break;
		free(env[j]);
		if ((env[j] = strdup(given[i])) == NULL)
			goto nomem;
		if (j == n)
			n++;
	}
	return env;
nomem:
	snprintf(err, errlen, "out of memory");
	env_free(env);
	return NULL;
}

void
env_free(char **env)
{
	size_t	 i;

	if (env == NULL)
		return;
	for (i = 0; env[i] != NULL; i++)
		free(env[i]);
	free(env);
}
