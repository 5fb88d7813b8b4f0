/* Exit status mapping and the child's environment. */
#include <sys/wait.h>

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent.h"

/* A real wait status from a child that did exit(code) or got sig. */
static int
child_status(int code, int sig)
{
	pid_t	 pid;
	int	 st;

	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		if (sig != 0) {
			signal(sig, SIG_DFL);
			raise(sig);
		}
		_exit(code);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void
exited(void **state)
{
	int64_t		 status;
	uint64_t	 signo;

	(void)state;
	exit_status(child_status(0, 0), &status, &signo);
	assert_int_equal(status, 0);
	assert_int_equal(signo, 0);
	exit_status(child_status(7, 0), &status, &signo);
	assert_int_equal(status, 7);
	assert_int_equal(signo, 0);
	exit_status(child_status(255, 0), &status, &signo);
	assert_int_equal(status, 255);
}

static void
signalled(void **state)
{
	int64_t		 status;
	uint64_t	 signo;

	(void)state;
	exit_status(child_status(0, SIGTERM), &status, &signo);
	assert_int_equal(status, -1);
	assert_int_equal(signo, SIGTERM);
	exit_status(child_status(0, SIGKILL), &status, &signo);
	assert_int_equal(status, -1);
	assert_int_equal(signo, SIGKILL);
}

static void
exec_failure(void **state)
{
	(void)state;
	assert_int_equal(exec_fail_status(ENOENT), 127);
	assert_int_equal(exec_fail_status(EACCES), 126);
	assert_int_equal(exec_fail_status(ENOEXEC), 126);
}

static const char *
lookup(char **env, const char *key)
{
	size_t	 i, n = strlen(key);

	for (i = 0; env[i] != NULL; i++)
		if (strncmp(env[i], key, n) == 0 && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

static size_t
count(char **env)
{
	size_t	 n = 0;

	while (env[n] != NULL)
		n++;
	return n;
}

static void
env_defaults(void **state)
{
	char	**env, err[128];

	(void)state;
	env = env_build(NULL, 0, 0, err, sizeof(err));
	assert_non_null(env);
	assert_string_equal(lookup(env, "HOME"), "/root");
	assert_string_equal(lookup(env, "USER"), "root");
	assert_string_equal(lookup(env, "LOGNAME"), "root");
	assert_non_null(strstr(lookup(env, "PATH"), "/usr/bin"));
	assert_null(lookup(env, "TERM"));
	assert_int_equal(count(env), 4);
	env_free(env);

	env = env_build(NULL, 0, 1, err, sizeof(err));
	assert_string_equal(lookup(env, "TERM"), "xterm-256color");
	assert_int_equal(count(env), 5);
	env_free(env);
}

static void
env_override_and_add(void **state)
{
	char	*given[] = { "PATH=/opt/bin", "FOO=a=b", "TERM=dumb",
		    "FOO=c", "EMPTY=" };
	char	**env, err[128];

	(void)state;
	env = env_build(given, 5, 1, err, sizeof(err));
	assert_non_null(env);
	assert_string_equal(lookup(env, "PATH"), "/opt/bin");
	assert_string_equal(lookup(env, "FOO"), "c");
	assert_string_equal(lookup(env, "TERM"), "dumb");
	assert_string_equal(lookup(env, "EMPTY"), "");
	assert_int_equal(count(env), 7);
	env_free(env);
}

static void
env_rejects_bad_entries(void **state)
{
	char	*noeq[] = { "FOO" };
	char	*nokey[] = { "=x" };
	char	**env, err[128];

	(void)state;
	env = env_build(noeq, 1, 0, err, sizeof(err));
	assert_null(env);
	assert_non_null(strstr(err, "FOO"));
	env = env_build(nokey, 1, 0, err, sizeof(err));
	assert_null(env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exited),
		cmocka_unit_test(signalled),
		cmocka_unit_test(exec_failure),
		cmocka_unit_test(env_defaults),
		cmocka_unit_test(env_override_and_add),
		cmocka_unit_test(env_rejects_bad_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
