/*
 * SSH around VMs.  Each VM gets its own host key when its work disk is
 * made (banger-fetch writes the public half to the VM's directory); bangerd
 * keeps banger's known_hosts (pinned by the alias NAME.vm, since guest
 * addresses are reused) and ~/.config/banger/ssh_config current, and puts
 * the user's public key in the VM's /root/.ssh/authorized_keys.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bangerd.h"
#include "buf.h"
#include "config.h"
#include "fdutil.h"
#include "log.h"
#include "sshconf.h"

#define PUBKEY_MAX	8192

/*
 * Remember config.toml's ssh_key_path from a configuration just read (at
 * start-up and by each request that reads it), so that nothing reads the
 * file again for it.
 */
void
ssh_key_note(struct bangerd *d, const struct config *cfg)
{
	snprintf(d->ssh_key, sizeof(d->ssh_key), "%s", cfg->ssh_key_path);
}

/* The user's key: config.toml's ssh_key_path, else state/ssh/id_ed25519. */
void
ssh_key_path(struct bangerd *d, char *out, size_t len)
{
	if (d->ssh_key[0] != '\0')
		snprintf(out, len, "%s", d->ssh_key);
	else
		snprintf(out, len, "%s/ssh/id_ed25519", d->paths.state_dir);
}

/*
 * One OpenSSH public key line: "TYPE BASE64 [comment]", printable, one
 * line.  Read from files we (or banger-fetch) wrote, still checked: they
 * go into files ssh parses.
 */
static int
read_pubkey(const char *path, char *out, size_t len)
{
	ssize_t	 n;
	size_t	 i;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	n = read_all(fd, out, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	out[n] = '\0';
	if (n > 0 && out[n - 1] == '\n')
		out[--n] = '\0';
	for (i = 0; i < (size_t)n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			return -1;
	return strncmp(out, "ssh-", 4) == 0 || strncmp(out, "ecdsa-", 6) == 0 ?
	    0 : -1;
}

/* Write path atomically with mode 0600. */
static int
put_file(const char *path, const void *p, size_t len)
{
	char	 tmp[PATH_MAX + 16];
	int	 fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1)
		return -1;
	if (write_all(fd, p, len) == -1 || fsync(fd) == -1) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	return rename(tmp, path);
}

/* stage/root/.ssh/authorized_keys from the user's public key, if any. */
int
ssh_stage_authorized(struct vm *vm, char *err, size_t errlen)
{
	char	 key[PATH_MAX], pub[PATH_MAX + 8], line[PUBKEY_MAX];
	char	 dir[PATH_MAX + 32], file[PATH_MAX + 64];

	ssh_key_path(vm->d, key, sizeof(key));
	snprintf(pub, sizeof(pub), "%s.pub", key);
	if (read_pubkey(pub, line, sizeof(line) - 1) == -1) {
		log_info("vm %s: no usable public key at %s; ssh will not "
		    "let you in", vm->name, pub);
		return 0;
	}
	strcat(line, "\n");
	snprintf(dir, sizeof(dir), "%s/stage/root/.ssh", vm->dir);
	snprintf(file, sizeof(file), "%s/authorized_keys", dir);
	if ((mkdir(dir, 0700) == -1 && errno != EEXIST) ||
	    put_file(file, line, strlen(line)) == -1) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Rewrite banger's known_hosts and ssh_config from the VMs we have.  Run
 * when a VM is made, starts, stops or goes; failures are logged, not
 * fatal: they cost ssh convenience, not the VM.
 */
void
ssh_refresh(struct bangerd *d)
{
	struct vm		*vm;
	struct sshconf_host	*hosts;
	struct buf		 kh = { 0 };
	char			 dir[PATH_MAX + 8], path[PATH_MAX + 64];
	char			 khpath[PATH_MAX + 32];
	char			 pub[PATH_MAX + 32], line[PUBKEY_MAX];
	char			 key[PATH_MAX], err[256];
	size_t			 n = 0, i = 0;

	snprintf(dir, sizeof(dir), "%s/ssh", d->paths.state_dir);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_warn("mkdir %s", dir);
		return;
	}
	TAILQ_FOREACH(vm, &d->vms, entry)
		n++;
	if ((hosts = calloc(n + 1, sizeof(*hosts))) == NULL)
		return;
	TAILQ_FOREACH(vm, &d->vms, entry) {
		if (vm->state == VM_DELETING || vm->tmpl)
			continue;
		snprintf(pub, sizeof(pub), "%s/host_key.pub", vm->dir);
		if (read_pubkey(pub, line, sizeof(line)) == 0 &&
		    (buf_append(&kh, vm->name, strlen(vm->name)) == -1 ||
		    buf_append(&kh, ".vm ", 4) == -1 ||
		    buf_append(&kh, line, strlen(line)) == -1 ||
		    buf_append(&kh, "\n", 1) == -1))
			break;
		hosts[i].name = vm->name;
		hosts[i].address = vm->address;
		hosts[i].running = vm->state == VM_RUNNING;
		i++;
	}
	snprintf(khpath, sizeof(khpath), "%s/known_hosts", dir);
	if (put_file(khpath, kh.p ? kh.p : (uint8_t *)"", kh.len) == -1)
		log_warn("%s", khpath);
	buf_free(&kh);
	ssh_key_path(d, key, sizeof(key));
	snprintf(path, sizeof(path), "%s/ssh_config", d->paths.config_dir);
	if (paths_mkdir_private(d->paths.config_dir, err, sizeof(err)) == -1 ||
	    sshconf_write(path, hosts, i, key, khpath, err, sizeof(err)) == -1)
		log_warnx("%s: %s", path, err);
	free(hosts);
}
