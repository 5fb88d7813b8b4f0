/*
 * banger ssh-config [--install | --uninstall]
 *
 * Without options: print the Include line for ~/.ssh/config, so that
 * `ssh NAME.vm` reaches a VM through the file bangerd keeps in the
 * config directory.  --install puts it (between marker lines) at the top
 * of ~/.ssh/config; --uninstall takes exactly that block out again.
 *
 * A symlinked ~/.ssh/config (dotfile managers do this) is followed, but
 * only to a regular file owned by the user, and the link is kept: the
 * new contents replace the target by rename in the target's directory.
 * The file keeps its mode; a new one is 0600 in a 0700 ~/.ssh.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "banger.h"
#include "exitcode.h"
#include "paths.h"
#include "sshcfg.h"

static const struct cmd_opt ssh_config_opts[] = {
	{ "install", 0, NULL, "add the Include to the top of ~/.ssh/config" },
	{ "uninstall", 0, NULL, "remove banger's block from ~/.ssh/config" },
	{ NULL, 0, NULL, NULL }
};

struct target {
	char		 path[PATH_MAX];	/* the file we replace */
	int		 exists;
	struct stat	 st;
	char		*data;
	size_t		 len;
};

/* ~/.ssh/config, or where its symlink points; read it if it exists. */
static int
target_load(const char *home, int create_dir, struct target *t)
{
	char		 dir[PATH_MAX], link[PATH_MAX];
	struct stat	 lst;
	ssize_t		 n;
	size_t		 off;
	int		 fd;

	memset(t, 0, sizeof(*t));
	if ((size_t)snprintf(dir, sizeof(dir), "%s/.ssh", home) >=
	    sizeof(dir) ||
	    (size_t)snprintf(link, sizeof(link), "%s/config", dir) >=
	    sizeof(link)) {
		cli_warnx("HOME is too long");
		return -1;
	}
	if (create_dir && mkdir(dir, 0700) == -1 && errno != EEXIST) {
		cli_warn("mkdir %s", dir);
		return -1;
	}
	if (lstat(link, &lst) == -1) {
		if (errno != ENOENT) {
			cli_warn("%s", link);
			return -1;
		}
		memcpy(t->path, link, sizeof(t->path));
		t->st.st_mode = S_IFREG | 0600;
		return 0;
	}
	if (S_ISLNK(lst.st_mode)) {
		if (realpath(link, t->path) == NULL) {
			cli_warn("%s (symlink)", link);
			return -1;
		}
	} else
		memcpy(t->path, link, sizeof(t->path));
	if ((fd = open(t->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		cli_warn("%s", t->path);
		return -1;
	}
	if (fstat(fd, &t->st) == -1 || !S_ISREG(t->st.st_mode) ||
	    t->st.st_uid != getuid()) {
		cli_warnx("%s is not a regular file owned by you; not "
		    "touching it", t->path);
		close(fd);
		return -1;
	}
	if (t->st.st_size > SSHCFG_MAX) {
		cli_warnx("%s is larger than %d bytes; not touching it",
		    t->path, SSHCFG_MAX);
		close(fd);
		return -1;
	}
	if ((t->data = malloc((size_t)t->st.st_size + 1)) == NULL) {
		cli_warnx("out of memory");
		close(fd);
		return -1;
	}
	for (off = 0; off < (size_t)t->st.st_size; off += (size_t)n) {
		n = read(fd, t->data + off, (size_t)t->st.st_size - off);
		if (n <= 0) {
			if (n == -1 && errno == EINTR) {
				n = 0;
				continue;
			}
			cli_warnx("%s: short read", t->path);
			close(fd);
			return -1;
		}
	}
	close(fd);
	t->len = off;
	t->exists = 1;
	return 0;
}

/*
 * Replace the target by rename from a temporary file beside it, with
 * the old mode.  Refuses when the file changed since it was read.
 */
static int
target_store(struct target *t, const char *data, size_t len)
{
	char		 tmp[PATH_MAX + 32], *slash;
	struct stat	 now;
	size_t		 off;
	ssize_t		 n;
	int		 fd, dirlen;

	slash = strrchr(t->path, '/');
	dirlen = (int)(slash - t->path);
	snprintf(tmp, sizeof(tmp), "%.*s/.config.banger-XXXXXX", dirlen,
	    t->path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		cli_warn("cannot create a temporary file beside %s", t->path);
		return -1;
	}
	if (fchmod(fd, t->st.st_mode & 07777) == -1)
		goto fail;
	for (off = 0; off < len; off += (size_t)n)
		if ((n = write(fd, data + off, len - off)) == -1) {
			if (errno == EINTR) {
				n = 0;
				continue;
			}
			goto fail;
		}
	if (fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (t->exists) {
		if (stat(t->path, &now) == -1 || now.st_ino != t->st.st_ino ||
		    now.st_size != t->st.st_size ||
		    now.st_mtim.tv_sec != t->st.st_mtim.tv_sec ||
		    now.st_mtim.tv_nsec != t->st.st_mtim.tv_nsec) {
			cli_warnx("%s changed while banger edited it; "
			    "nothing written, try again", t->path);
			unlink(tmp);
			return -1;
		}
	} else if (lstat(t->path, &now) == 0) {
		cli_warnx("%s appeared while banger edited it; nothing "
		    "written, try again", t->path);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, t->path) == -1)
		goto fail;
	return 0;
fail:
	cli_warn("writing %s", t->path);
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return -1;
}

static int
cmd_ssh_config_exec(const struct cmd_entry *e, struct args *a)
{
	struct paths	 p;
	struct target	 t;
	const char	*home = getenv("HOME");
	char		 err[512], inc[PATH_MAX + 16], *data = NULL;
	size_t		 len;
	int		 install = args_get(e, a, "install") != NULL;
	int		 uninstall = args_get(e, a, "uninstall") != NULL;
	int		 rc;

	if (install && uninstall)
		return cmd_usage_error(e, "--install and --uninstall "
		    "exclude each other");
	if (paths_init(&p, err, sizeof(err)) == -1 ||
	    sshcfg_include(p.config_dir, home, inc, sizeof(inc), err,
	    sizeof(err)) == -1) {
		cli_warnx("%s", err);
		return BEX_FAIL;
	}
	if (!install && !uninstall) {
		printf("%s\n", inc);
		return BEX_OK;
	}
	if (target_load(home, install, &t) == -1)
		return BEX_FAIL;
	if (!t.exists && uninstall) {
		printf("banger is not in ~/.ssh/config (no such file)\n");
		return BEX_OK;
	}
	if (install)
		rc = sshcfg_install(t.data != NULL ? t.data : "", t.len, inc,
		    &data, &len, err, sizeof(err));
	else
		rc = sshcfg_uninstall(t.data, t.len, &data, &len, err,
		    sizeof(err));
	if (rc == -1) {
		cli_warnx("%s: %s; fix the banger block by hand", t.path, err);
		rc = BEX_FAIL;
	} else if (rc == 0) {
		printf(install ? "%s already includes banger's hosts\n" :
		    "banger is not in %s\n", t.path);
		rc = BEX_OK;
	} else if (target_store(&t, data, len) == -1)
		rc = BEX_FAIL;
	else {
		if (install)
			printf("%s now includes banger's hosts: "
			    "ssh NAME.vm\n", t.path);
		else
			printf("removed banger's block from %s\n", t.path);
		rc = BEX_OK;
	}
	free(data);
	free(t.data);
	return rc;
}

const struct cmd_entry cmd_ssh_config_entry = {
	.name = "ssh-config",
	.usage = "",
	.summary = "set up ~/.ssh/config for ssh NAME.vm",
	.opts = ssh_config_opts,
	.min_pos = 0,
	.max_pos = 0,
	.exec = cmd_ssh_config_exec,
};
