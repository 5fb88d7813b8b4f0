/*
 * `banger-agent own NAME`: a VM restored from a template (bangerd's
 * warm.c) becomes its own, in one process and one step: its name
 * (hostname, /etc/hostname, /etc/hosts), a new /etc/machine-id where the
 * image has one, its files from the seed disk (seed.c), and the ssh host
 * key banger-fetch made for it on the host, which the seed disk carries
 * in overlay/upper/etc/ssh and bangerd has already pinned.  The
 * template's host keys are removed, and a running sshd that would not
 * read the new one by itself is told to (SIGHUP).  Before this, the
 * shell's identity step made the key in the guest with ssh-keygen: half
 * a second of a golden warm start under TCG.
 *
 * Exit 0 when done, 1 on any failure (said on stderr; bangerd then boots
 * the VM cold from the disk it built), including a guest that has an ssh
 * host key while the seed brings none: it would keep the template's key.
 * Exit 2 is an agent that does not know `own` (main.c): bangerd then
 * takes the steps one by one, as an older agent allows.  `seed` alone
 * (the files) is kept for a bangerd older than `own`.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "seed.h"
#include "valid.h"

#define OWN_KEY		"ssh_host_ed25519_key"
#define OWN_KEY_PUB	OWN_KEY ".pub"
#define OWN_SEED_SSH	"overlay/upper/etc/ssh"

/* name under dir holds text, as the shell's `>` would leave it. */
static int
own_put(int dir, const char *name, const char *text)
{
	size_t	 len = strlen(text);
	ssize_t	 n;
	int	 fd, rc = 0;

	if ((fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0644)) == -1) {
		seed_err("/etc/%s: %s", name, strerror(errno));
		return -1;
	}
	if ((n = write(fd, text, len)) != (ssize_t)len) {
		seed_err("write /etc/%s: %s", name, n == -1 ?
		    strerror(errno) : "short write");
		rc = -1;
	}
	close(fd);
	return rc;
}

/* /etc/hostname and /etc/hosts under etc (the kernel's: own_main()). */
int
own_name(int etc, const char *name)
{
	char	 line[VM_NAME_MAX + 2], hosts[VM_NAME_MAX + 64];

	snprintf(line, sizeof(line), "%s\n", name);
	snprintf(hosts, sizeof(hosts), "127.0.0.1\tlocalhost\n"
	    "127.0.1.1\t%s\n::1\tlocalhost\n", name);
	if (own_put(etc, "hostname", line) == -1 ||
	    own_put(etc, "hosts", hosts) == -1)
		return -1;
	return 0;
}

/*
 * A new machine id (a random version 4 UUID in 32 hex digits, as
 * systemd makes them) where the image has one; an empty or missing file
 * is left for systemd.  The CRNG was reseeded from the host (AG_RESUMED)
 * before bangerd asked for this.
 */
int
own_machine_id(int etc)
{
	struct stat	 st;
	unsigned char	 id[16];
	char		 hex[34];
	int		 i;

	if (fstatat(etc, "machine-id", &st, 0) == -1 || st.st_size == 0)
		return 0;
	if (getrandom(id, sizeof(id), 0) != (ssize_t)sizeof(id)) {
		seed_err("getrandom: %s", strerror(errno));
		return -1;
	}
	id[6] = (id[6] & 0x0f) | 0x40;
	id[8] = (id[8] & 0x3f) | 0x80;
	for (i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	hex[32] = '\n';
	hex[33] = '\0';
	return own_put(etc, "machine-id", hex);
}

static int
own_is_hostkey(const char *n)
{
	size_t	 len = strlen(n);

	if (strncmp(n, "ssh_host_", 9) != 0)
		return 0;
	return (len > 13 && strcmp(n + len - 4, "_key") == 0) ||
	    (len > 17 && strcmp(n + len - 8, "_key.pub") == 0);
}

/*
 * The ssh_host_*_key and ssh_host_*_key.pub files in ssh (a directory):
 * how many, or with drop, removed.  -1 if that could not be done.
 */
static int
own_keys(int ssh, int drop)
{
	struct dirent	*de;
	DIR		*d;
	int		 fd, n = 0;

	if ((fd = dup(ssh)) == -1 || (d = fdopendir(fd)) == NULL) {
		seed_err("/etc/ssh: %s", strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	rewinddir(d);
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		if (!own_is_hostkey(de->d_name))
			continue;
		if (drop && unlinkat(ssh, de->d_name, 0) == -1 &&
		    errno != ENOENT) {
			seed_err("remove /etc/ssh/%s: %s", de->d_name,
			    strerror(errno));
			n = -1;
			break;
		}
		n++;
	}
	if (n != -1 && errno != 0) {
		seed_err("read /etc/ssh: %s", strerror(errno));
		n = -1;
	}
	closedir(d);
	return n;
}

/* The seed's overlay/upper/etc/ssh, a component at a time, no links. */
static int
own_seed_ssh(int mnt)
{
	char	 path[] = OWN_SEED_SSH, *p, *next;
	int	 fd = dup(mnt), sub, e;

	for (p = path; fd != -1 && p != NULL; p = next) {
		if ((next = strchr(p, '/')) != NULL)
			*next++ = '\0';
		sub = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		e = errno;
		close(fd);
		errno = e;
		fd = sub;
	}
	return fd;
}

/*
 * The seed's host key (mnt: the mounted seed) in place of the guest's
 * (etc: its /etc): 1 if installed, 0 if the guest has no /etc/ssh or
 * neither has a key, -1 if it could not be done or the guest has a key
 * (of any type) and the seed none.
 */
int
own_hostkey(int mnt, int etc)
{
	struct stat	 key, pub;
	int		 ssh, src, had, rc = -1;

	if ((ssh = openat(etc, "ssh", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		seed_err("/etc/ssh: %s", strerror(errno));
		return -1;
	}
	if ((had = own_keys(ssh, 0)) == -1) {
		close(ssh);
		return -1;
	}
	if ((src = own_seed_ssh(mnt)) == -1 && errno != ENOENT) {
		seed_err("the seed's %s: %s", OWN_SEED_SSH, strerror(errno));
		goto out;
	}
	if (src == -1) {
		if (had)
			seed_err("the guest has an ssh host key and the seed "
			    "disk brings none (it would keep the template's)");
		rc = had ? -1 : 0;
		goto out;
	}
	if (fstatat(src, OWN_KEY, &key, AT_SYMLINK_NOFOLLOW) == -1 ||
	    fstatat(src, OWN_KEY_PUB, &pub, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISREG(key.st_mode) || !S_ISREG(pub.st_mode)) {
		seed_err("the seed disk's ssh host key is incomplete");
		goto out;
	}
	/*
	 * Private 0600, public 0644, whatever the seed says; the owner is
	 * the seed's (root: banger-fetch writes everything as root's).
	 */
	key.st_mode = S_IFREG | 0600;
	pub.st_mode = S_IFREG | 0644;
	if (own_keys(ssh, 1) != -1 &&
	    seed_file(src, ssh, OWN_KEY, &key) == 0 &&
	    seed_file(src, ssh, OWN_KEY_PUB, &pub) == 0)
		rc = 1;
out:
	if (src != -1)
		close(src);
	close(ssh);
	return rc;
}

/*
 * Whether sshd's command line (len bytes of /proc/PID/cmdline: its
 * arguments separated by NULs, or, once the listener has set its title,
 * "sshd: /usr/sbin/sshd -D [listener] ...") turns off its re-execution
 * per connection: -r, alone or among other flags without a value.
 */
int
own_sshd_norexec(const char *args, size_t len)
{
	const char	*a, *end = args + len;
	size_t		 n;

	for (a = args; a < end; a += n + 1) {
		for (n = 0; a + n < end && a[n] != '\0' && a[n] != ' '; n++)
			;
		if (n < 2 || a[0] != '-' || a[1] == '-')
			continue;
		if (strspn(a + 1, "46DdeGiqrTtV") == n - 1 &&
		    memchr(a + 1, 'r', n - 1) != NULL)
			return 1;
	}
	return 0;
}

/*
 * A running sshd told to read the new key, where it would not by
 * itself.  Before OpenSSH 9.8, the listener executes sshd anew for each
 * connection (unless -r), and that process reads the host keys from
 * /etc/ssh: nothing to do (a signal would only make the listener
 * re-execute itself, costing a restored TCG guest a tenth of a second
 * beside the user's command).  From 9.8 (sshd-session) the listener
 * holds the keys: SIGHUP makes it re-execute and read them anew.
 */
static void
own_tell_sshd(void)
{
	static const char *const	 split[] = {
		"/usr/lib/openssh/sshd-session",
		"/usr/libexec/openssh/sshd-session",
		"/usr/libexec/sshd-session",
	};
	char		 b[4096], *end;
	ssize_t		 n;
	size_t		 i;
	long		 pid;
	int		 fd, hup = 0;

	if ((fd = open("/run/sshd.pid", O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, b, 23);
	close(fd);
	if (n <= 0)
		return;
	b[n] = '\0';
	pid = strtol(b, &end, 10);
	if (end == b || (*end != '\n' && *end != '\0') || pid <= 1)
		return;
	for (i = 0; i < sizeof(split) / sizeof(split[0]); i++)
		if (access(split[i], X_OK) == 0)
			hup = 1;
	/* Its command line unreadable: signal, to be sure. */
	snprintf(b, sizeof(b), "/proc/%ld/cmdline", pid);
	if (!hup && (fd = open(b, O_RDONLY | O_CLOEXEC)) == -1)
		hup = 1;
	else if (!hup) {
		n = read(fd, b, sizeof(b));
		close(fd);
		hup = n <= 0 || own_sshd_norexec(b, (size_t)n);
	}
	if (hup)
		(void)kill((pid_t)pid, SIGHUP);
}

struct own {
	int	etc;		/* the guest's /etc */
	int	key;		/* own_hostkey()'s answer */
};

static int
own_then(int mnt, void *arg)
{
	struct own	*o = arg;

	return (o->key = own_hostkey(mnt, o->etc)) == -1 ? -1 : 0;
}

/* `banger-agent seed`: the files only, for a bangerd older than `own`. */
int
seed_main(int argc, char *argv[])
{
	(void)argv;
	if (argc != 1) {
		seed_err("seed takes no arguments");
		return 1;
	}
	return seed_take(NULL, NULL) == 0 ? 0 : 1;
}

int
own_main(int argc, char *argv[])
{
	struct own	 o = { -1, 0 };
	int		 rc = 1;

	/* 1, not 2: bangerd takes 2 for "no such command". */
	if (argc != 2 || !valid_vm_name(argv[1])) {
		seed_err("usage: banger-agent own NAME (a VM's name)");
		return 1;
	}
	/* As the shell's step did: the files below still name it. */
	if (sethostname(argv[1], strlen(argv[1])) == -1)
		seed_err("sethostname: %s (going on)", strerror(errno));
	if ((o.etc = open("/etc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		seed_err("/etc: %s", strerror(errno));
		return 1;
	}
	if (own_name(o.etc, argv[1]) == 0 && own_machine_id(o.etc) == 0 &&
	    seed_take(own_then, &o) == 0) {
		if (o.key == 1)
			own_tell_sshd();
		rc = 0;
	}
	close(o.etc);
	return rc;
}
