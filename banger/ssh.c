/*
 * Interactive sessions go through the system's ssh: banger's key, the
 * VM's host key pinned in banger's known_hosts under the alias NAME.vm
 * (bangerd writes it when the VM is made), strict checking.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "banger.h"
#include "config.h"
#include "exitcode.h"
#include "paths.h"
#include "ssh.h"
#include "valid.h"

int
ssh_user_key(char *key, size_t len, char *err, size_t errlen)
{
	struct paths	 p;
	struct config	 cfg;
	struct stat	 st;
	char		 dir[PATH_MAX + 8];
	pid_t		 pid;
	int		 status;

	if (paths_init(&p, err, errlen) == -1)
		return -1;
	if (config_load(p.config_file, getenv("HOME"), &cfg, err, errlen) ==
	    -1)
		return -1;
	snprintf(key, len, "%s", cfg.ssh_key_path);
	config_free(&cfg);
	if (key[0] != '\0') {
		if (stat(key, &st) == -1) {
			snprintf(err, errlen, "ssh_key_path %s: %s", key,
			    strerror(errno));
			return -1;
		}
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s/ssh", p.state_dir);
	snprintf(key, len, "%s/id_ed25519", dir);
	if (stat(key, &st) == 0)
		return 0;
	if (paths_mkdir_private(p.state_dir, err, errlen) == -1 ||
	    paths_mkdir_private(dir, err, errlen) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		execlp("ssh-keygen", "ssh-keygen", "-q", "-t", "ed25519", "-N",
		    "", "-C", "banger", "-f", key, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "ssh-keygen could not make %s (is "
		    "openssh-client installed?)", key);
		return -1;
	}
	return 0;
}

/* s in single quotes for the remote shell; -1 if it does not fit. */
static int
shquote(const char *s, char *out, size_t len)
{
	size_t	 o = 0;

	if (len < 3)
		return -1;
	out[o++] = '\'';
	for (; *s != '\0'; s++) {
		if (*s == '\'') {
			if (o + 5 >= len)
				return -1;
			memcpy(out + o, "'\\''", 4);
			o += 4;
		} else {
			if (o + 2 >= len)
				return -1;
			out[o++] = *s;
		}
	}
	out[o++] = '\'';
	out[o] = '\0';
	return 0;
}

int
ssh_login(const struct ctl_vm_info *vi, const char *key, const char *cwd,
    char **cmd, int ncmd, int wait)
{
	struct paths	 p;
	char		 err[256], kh[PATH_MAX + 64], alias[128], dest[128];
	char		 idopt[PATH_MAX + 32], shell[PATH_MAX * 4 + 64];
	char		*argv[32 + BANGER_ARGMAX];
	int		 n = 0, i, status;
	pid_t		 pid;

	if (strcmp(vi->state, "running") != 0 || vi->address[0] == '\0') {
		cli_warnx("VM %s is %s; start it with `banger vm start %s`",
		    vi->name, vi->state, vi->name);
		return BEX_FAIL;
	}
	if (!valid_vm_name(vi->name) || strspn(vi->address, "0123456789.") !=
	    strlen(vi->address) || ncmd > BANGER_ARGMAX) {
		cli_warnx("bad VM record from bangerd");
		return BEX_FAIL;
	}
	if (paths_init(&p, err, sizeof(err)) == -1) {
		cli_warnx("%s", err);
		return BEX_FAIL;
	}
	snprintf(kh, sizeof(kh), "UserKnownHostsFile=%s/ssh/known_hosts",
	    p.state_dir);
	snprintf(alias, sizeof(alias), "HostKeyAlias=%s.vm", vi->name);
	snprintf(idopt, sizeof(idopt), "%s", key);
	snprintf(dest, sizeof(dest), "root@%s", vi->address);
	argv[n++] = "ssh";
	argv[n++] = "-i";
	argv[n++] = idopt;
	argv[n++] = "-o";
	argv[n++] = "IdentitiesOnly=yes";
	argv[n++] = "-o";
	argv[n++] = kh;
	argv[n++] = "-o";
	argv[n++] = "StrictHostKeyChecking=yes";
	argv[n++] = "-o";
	argv[n++] = alias;
	argv[n++] = "-o";
	argv[n++] = "LogLevel=ERROR";
	argv[n++] = "-o";
	argv[n++] = "ConnectTimeout=15";
	/* The agent is up before sshd: retry a refused connection. */
	argv[n++] = "-o";
	argv[n++] = "ConnectionAttempts=30";
	if (ncmd == 0 && cwd != NULL) {
		char	 q[PATH_MAX * 4 + 3];

		/* A login shell in the workspace. */
		if (shquote(cwd, q, sizeof(q)) == -1) {
			cli_warnx("workspace path too long");
			return BEX_FAIL;
		}
		snprintf(shell, sizeof(shell), "cd %s && exec \"${SHELL:-"
		    "/bin/sh}\" -l", q);
		argv[n++] = "-t";
		argv[n++] = dest;
		argv[n++] = shell;
	} else {
		argv[n++] = dest;
		if (ncmd > 0)
			argv[n++] = "--";
		for (i = 0; i < ncmd; i++)
			argv[n++] = cmd[i];
	}
	argv[n] = NULL;
	fflush(stdout);
	if (!wait) {
		execvp("ssh", argv);
		cli_warn("cannot run ssh");
		return BEX_FAIL;
	}
	if ((pid = fork()) == -1) {
		cli_warn("fork");
		return BEX_FAIL;
	}
	if (pid == 0) {
		execvp("ssh", argv);
		fprintf(stderr, "banger: cannot run ssh: %s\n",
		    strerror(errno));
		_exit(BEX_FAIL);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return BEX_FAIL;
	if (WIFSIGNALED(status))
		return BEX_SIGBASE + WTERMSIG(status);
	return WEXITSTATUS(status);
}
