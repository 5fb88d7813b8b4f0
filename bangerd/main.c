/*
 * bangerd: start-up, daemonizing, helper processes, the event loop and
 * shutdown.
 *
 * Start-up order matters: the setuid helper and the launcher must be
 * spawned before no_new_privs is set, and reconcile() must run before the
 * seccomp filter (it may kill orphaned VMMs).
 */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "bangerd.h"
#include "config.h"
#include "firecracker.h"
#include "fdutil.h"
#include "log.h"
#include "priv-wrap.h"
#include "tsc.h"


static int	ready_fd = -1;	/* pipe to the process that started us */

static void __attribute__((noreturn, format(printf, 1, 2)))
startup_fail(const char *fmt, ...)
{
	char	 msg[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s", msg);
	if (ready_fd != -1)
		(void)!write(ready_fd, msg, strlen(msg));
	exit(1);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bangerd [-dfh]\n"
	    "  -d  debug logging\n"
	    "  -f  stay in the foreground and log to stderr\n");
	exit(2);
}

/*
 * Fork into the background.  The original process waits until the child
 * reports "ok" (control socket listening) or an error, so that whoever
 * started us knows whether it can connect.
 */
static void
daemonize(void)
{
	int	 p[2], devnull;
	pid_t	 pid;
	char	 msg[1024];
	ssize_t	 n, got = 0;

	if (pipe2(p, O_CLOEXEC) == -1)
		err(1, "pipe");
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid > 0) {
		close(p[1]);
		while (got < (ssize_t)sizeof(msg) - 1 &&
		    (n = read(p[0], msg + got, sizeof(msg) - 1 - got)) != 0) {
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1)
				break;
			got += n;
		}
		msg[got] = '\0';
		if (strcmp(msg, "ok") == 0)
			exit(0);
		fprintf(stderr, "bangerd: %s\n", got > 0 ? msg :
		    "exited during start-up; see bangerd.log");
		exit(1);
	}
	close(p[0]);
	ready_fd = p[1];
	if (setsid() == -1)
		err(1, "setsid");
	if ((devnull = open("/dev/null", O_RDWR)) != -1) {
		dup2(devnull, 0);
		dup2(devnull, 1);
		if (devnull > 2)
			close(devnull);
	}
}

/* Someone else holds the lock: wait briefly for its socket, then go. */
static void
already_running(struct paths *p)
{
	struct sockaddr_un	 sun;
	int			 fd, i;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", p->sock);
	for (i = 0; i < 100; i++) {
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
		    -1)
			break;
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(fd);
			exit(0);
		}
		close(fd);
		usleep(100 * 1000);
	}
	fprintf(stderr, "bangerd: another bangerd holds %s but does not "
	    "answer on %s\n", p->lock, p->sock);
	exit(1);
}

/*
 * One bangerd per state directory.  The runtime lock above keeps one per
 * socket, but two runtime directories can share one HOME (XDG_RUNTIME_DIR
 * set in a login session, unset under su or cron): a second daemon on the
 * same database would take the first one's running VMs for crashed ones,
 * kill their VMMs and release their taps.  The lock file names the socket
 * of the daemon that holds it, for the refusal.  Returns the locked fd.
 */
static int
lock_state_dir(struct paths *p)
{
	char	 path[PATH_MAX + 16], other[PATH_MAX];
	ssize_t	 n;
	int	 fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/bangerd.lock",
	    p->state_dir) >= sizeof(path))
		errx(1, "%s: path too long", p->state_dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1)
		err(1, "%s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK)
			err(1, "flock %s", path);
		n = pread(fd, other, sizeof(other) - 1, 0);
		other[n > 0 ? n : 0] = '\0';
		other[strcspn(other, "\n")] = '\0';
		errx(1, "another bangerd of this user already uses %s%s%s; "
		    "stop it (or use its socket) first", p->state_dir,
		    other[0] != '\0' ? " and listens on " : "", other);
	}
	if (ftruncate(fd, 0) == -1 || pwrite(fd, p->sock, strlen(p->sock),
	    0) == -1 || pwrite(fd, "\n", 1, (off_t)strlen(p->sock)) == -1)
		warn("%s", path);
	return fd;
}

/*
 * A helper NAME: $ENVNAME, else beside bangerd (installed), else in
 * the build tree's sibling directory.
 */
static int
find_tool(const char *self, const char *name, const char *envname,
    char *out, size_t len)
{
	const char	*env = getenv(envname);
	char		 dir[PATH_MAX], *slash;

	if (env != NULL && env[0] == '/') {
		snprintf(out, len, "%s", env);
		return access(out, X_OK);
	}
	snprintf(dir, sizeof(dir), "%s", self);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	snprintf(out, len, "%s/%s", dir, name);
	if (access(out, X_OK) == 0)
		return 0;
	snprintf(out, len, "%s/../%s/%s", dir, name, name);
	if (access(out, X_OK) == 0)
		return 0;
	out[0] = '\0';
	return -1;
}

/*
 * What bangerd takes from config.toml at start: qemu_bin (the launcher's
 * VMM path is fixed when it starts) and web_listen_addr (banger-web
 * binds it once).  Per-VM values are read per VM.
 */
static void
load_config(struct bangerd *d, enum config_vmm *vmm)
{
	struct config	 cfg;
	char		 err[1024];

	*vmm = CONFIG_VMM_AUTO;
	if (config_load(d->paths.config_file, d->home, &cfg, err,
	    sizeof(err)) == -1) {
		log_warnx("%s (VM creation will report it)", err);
		return;
	}
	if (cfg.qemu_bin[0] != '\0' && getenv("BANGER_QEMU") == NULL)
		snprintf(d->qemu_bin, sizeof(d->qemu_bin), "%s",
		    cfg.qemu_bin);
	if (cfg.firecracker_bin[0] != '\0' &&
	    getenv("BANGER_FIRECRACKER") == NULL)
		snprintf(d->fc_bin, sizeof(d->fc_bin), "%s",
		    cfg.firecracker_bin);
	*vmm = cfg.vmm;
	snprintf(d->web_addr, sizeof(d->web_addr), "%s", cfg.web_listen_addr);
	ssh_key_note(d, &cfg);
	config_free(&cfg);
}

/* $BANGER_DM_CONTROL if absolute (tests), else /dev/mapper/control. */
static const char *
dm_control(void)
{
	const char	*env = getenv("BANGER_DM_CONTROL");

	return env != NULL && env[0] == '/' ? env : "/dev/mapper/control";
}

/*
 * The VMM, fixed for this bangerd's life (the launcher's binary is):
 * vmm = "auto" takes Firecracker when its binary is there and KVM can run
 * the guest, else QEMU; an explicit choice that cannot work is reported
 * when a VM is asked for.
 */
static void
choose_vmm(struct bangerd *d, enum config_vmm want)
{
	int	 have_fc;

	if (d->fc_bin[0] != '\0')
		have_fc = access(d->fc_bin, X_OK) == 0;
	else
		have_fc = fc_find(d->fc_bin, sizeof(d->fc_bin)) == 0;
	if (want == CONFIG_VMM_FIRECRACKER || (want == CONFIG_VMM_AUTO &&
	    have_fc && d->accel == ACCEL_KVM)) {
		d->vmm = &firecracker_ops;
		if (!have_fc)
			snprintf(d->vmm_error, sizeof(d->vmm_error), "vmm = "
			    "\"firecracker\" but no firecracker binary was "
			    "found (firecracker_bin, $BANGER_FIRECRACKER or "
			    "PATH)");
		else if (d->accel != ACCEL_KVM)
			snprintf(d->vmm_error, sizeof(d->vmm_error), "vmm = "
			    "\"firecracker\" needs KVM, and %s",
			    d->accel_reason);
	} else {
		d->vmm = &qemu_ops;
		if (d->qemu_bin[0] == '\0')
			snprintf(d->vmm_error, sizeof(d->vmm_error),
			    "qemu-system-x86_64 was not found (qemu_bin, "
			    "$BANGER_QEMU or PATH); see `banger doctor`");
	}
	log_info("VMM: %s%s%s", d->vmm->name, d->vmm_error[0] ? ": " : "",
	    d->vmm_error);
	/*
	 * Root disks: device-mapper snapshots (made by banger-priv) where
	 * the kernel has device-mapper and the VMM is QEMU, else the guest's
	 * overlay (rootdisk.c).
	 */
	d->have_dm = access(dm_control(), F_OK) == 0;
	log_info("root disks: %s", !d->vmm->root_snapshot ? "overlay" :
	    d->have_dm ? "device-mapper snapshots" : "overlay (this kernel "
	    "has no device-mapper)");
}

static void
start_priv(struct bangerd *d)
{
	const char	*path = getenv("BANGER_PRIV");
	int		 errfd;

	if (path == NULL || path[0] != '/')
		path = BANGER_LIBEXECDIR "/banger-priv";
	d->priv_fd = -1;
	if (access(path, X_OK) == -1) {
		log_warn("privileged helper %s", path);
		return;
	}
	if (priv_spawn(path, &d->priv_fd, &errfd, &d->priv_pid) != 0) {
		log_warn("spawn %s", path);
		d->priv_fd = -1;
		return;
	}
	d->priv_log = helper_log_open(d, errfd);
	log_info("started %s (pid %d)", path, (int)d->priv_pid);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct bangerd	*d = arg;
	pid_t		 pid;
	int		 status;

	(void)what;
	if (sig != SIGCHLD) {
		log_info("signal %d: shutting down", (int)sig);
		d->stopping = 1;
		event_base_loopexit(d->base, NULL);
		return;
	}
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == d->priv_pid) {
			log_warnx("banger-priv exited (%s %d); no new VMs "
			    "until bangerd restarts",
			    WIFEXITED(status) ? "status" : "signal",
			    WIFEXITED(status) ? WEXITSTATUS(status) :
			    WTERMSIG(status));
			d->priv_pid = 0;
			if (d->priv_fd != -1)
				close(d->priv_fd);
			d->priv_fd = -1;
		} else if (pid == d->launch_pid) {
			log_warnx("launcher exited; shutting down");
			d->launch_pid = 0;
			d->stopping = 1;
			event_base_loopexit(d->base, NULL);
		}
	}
}

static void
write_pidfile(struct bangerd *d)
{
	char	 path[PATH_MAX + 16], buf[32];
	int	 fd, n;

	snprintf(path, sizeof(path), "%s/bangerd.pid", d->paths.runtime_dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1) {
		log_warn("%s", path);
		return;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	(void)!write(fd, buf, n);
	close(fd);
}

static void
shutdown_all(struct bangerd *d)
{
	struct client	*c;
	char		 path[PATH_MAX + 16];

	control_close(d);
	/*
	 * Stopping in order: the launcher kills every VMM, then ends when
	 * its socket closes (only after a crash do QEMU VMs run on, for
	 * the next bangerd to adopt).
	 */
	launch_kill_all(d);
	if (d->launch_fd != -1)
		close(d->launch_fd);
	d->launch_fd = -1;
	vm_stop_all(d);
	/* Push out what clients are owed (e.g. daemon stop's reply). */
	TAILQ_FOREACH(c, &d->clients, entry) {
		struct evbuffer	*out = bufferevent_get_output(c->bev);
		size_t		 len = evbuffer_get_length(out);
		unsigned char	*p;

		/* The bufferevent froze its output; copy it out by hand. */
		if (len == 0 || (p = evbuffer_pullup(out, len)) == NULL)
			continue;
		(void)fd_nonblock(bufferevent_getfd(c->bev), 0);
		(void)write_all(bufferevent_getfd(c->bev), p, len);
	}
	if (d->priv_fd != -1)
		close(d->priv_fd);
	/* Published unix:PATH sockets go with us. */
	unixports_close(d);
	db_close(d);
	snprintf(path, sizeof(path), "%s/bangerd.pid", d->paths.runtime_dir);
	(void)unlink(path);
	log_info("stopped");
}

/*
 * config.toml's warm when the file does not set it: "auto", unless
 * $BANGER_WARM says "manual" or "off" (the regress suite's default, so
 * that no test sees a template VM it did not ask for).
 */
static int
warm_default(void)
{
	const char	*w = getenv("BANGER_WARM");

	if (w == NULL || strcmp(w, "auto") == 0)
		return CONFIG_WARM_AUTO;
	if (strcmp(w, "manual") == 0)
		return CONFIG_WARM_MANUAL;
	if (strcmp(w, "off") == 0)
		return CONFIG_WARM_OFF;
	log_warnx("BANGER_WARM=%.16s is not auto, manual or off; using auto",
	    w);
	return CONFIG_WARM_AUTO;
}

int
main(int argc, char **argv)
{
	struct bangerd	 d;
	struct event	*sigs[4];
	char		 msg[1024], self[PATH_MAX];
	const int	 signos[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD };
	enum config_vmm	 want_vmm;
	int		 ch, fg = 0, lockfd, logfd;
	ssize_t		 n;
	size_t		 i;

	if (argc >= 2 && strcmp(argv[1], "--launcher") == 0)
		return launcher_main(argc, argv);
	memset(&d, 0, sizeof(d));
	while ((ch = getopt(argc, argv, "dfh")) != -1) {
		switch (ch) {
		case 'd':
			d.verbose = 1;
			break;
		case 'f':
			fg = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("bangerd", 2, d.verbose);
	if (getuid() == 0 || geteuid() == 0)
		errx(1, "bangerd runs as an ordinary user, never as root");
	umask(077);
	if (paths_init(&d.paths, msg, sizeof(msg)) == -1 ||
	    paths_check_private(d.paths.runtime_dir, getuid(), msg,
	    sizeof(msg)) == -1 ||
	    paths_mkdir_private(d.paths.runtime_dir, msg, sizeof(msg)) ==
	    -1 || paths_mkdir_private(d.paths.state_dir, msg, sizeof(msg)) ==
	    -1 || paths_mkdir_private(d.paths.vms_dir, msg, sizeof(msg)) == -1)
		errx(1, "%s", msg);
	if ((lockfd = open(d.paths.lock, O_RDWR | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1)
		err(1, "%s", d.paths.lock);
	if (flock(lockfd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			already_running(&d.paths);
		err(1, "flock %s", d.paths.lock);
	}
	(void)lock_state_dir(&d.paths);
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) == -1)
		err(1, "readlink /proc/self/exe");
	self[n] = '\0';
	if (!fg)
		daemonize();
	if (!fg) {
		if ((logfd = open(d.paths.log, O_WRONLY | O_CREAT | O_APPEND |
		    O_CLOEXEC | O_NOFOLLOW, 0600)) == -1)
			startup_fail("open %s: %s", d.paths.log,
			    strerror(errno));
		log_init("bangerd", logfd, d.verbose);
		dup2(logfd, 2);
		(void)log_rotate_at(d.paths.log, LOG_FILE_MAX);
	}
	log_info("starting (version %s, pid %d)", BANGER_VERSION,
	    (int)getpid());
	d.started = time(NULL);
	d.launch_fd = -1;
	d.launch_conn_fd = -1;
	d.net_chan = d.dns_fd[0] = d.dns_fd[1] = -1;
	TAILQ_INIT(&d.clients);
	TAILQ_INIT(&d.vms);
	TAILQ_INIT(&d.jobs);
	signal(SIGPIPE, SIG_IGN);
	if ((d.base = event_base_new()) == NULL)
		startup_fail("cannot create the event loop");

	/* Read now: the sandbox has no sysinfo(2). */
	d.ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (sysconf(_SC_PHYS_PAGES) > 0 && sysconf(_SC_PAGESIZE) > 0)
		d.ram_bytes = (unsigned long long)sysconf(_SC_PHYS_PAGES) *
		    (unsigned long long)sysconf(_SC_PAGESIZE);
	snprintf(d.home, sizeof(d.home), "%s", getenv("HOME"));
	d.warm_default = warm_default();
	load_config(&d, &want_vmm);
	d.accel = accel_choose(d.accel_reason, sizeof(d.accel_reason));
	log_info("accelerator %s: %s", accel_name(d.accel), d.accel_reason);
	d.tsc_khz = host_tsc_khz();
	if (d.qemu_bin[0] != '\0' && access(d.qemu_bin, X_OK) == -1) {
		log_warn("qemu_bin %s", d.qemu_bin);
		d.qemu_bin[0] = '\0';
	} else if (d.qemu_bin[0] == '\0' &&
	    qemu_find(d.qemu_bin, sizeof(d.qemu_bin)) == -1)
		log_warnx("qemu-system-x86_64 not found in PATH (or "
		    "$BANGER_QEMU); VMs cannot start");
	choose_vmm(&d, want_vmm);
	if (find_tool(self, "banger-fetch", "BANGER_FETCH", d.fetch_bin,
	    sizeof(d.fetch_bin)) == -1)
		log_warnx("banger-fetch not found next to %s; VMs cannot be "
		    "created", self);
	if (find_tool(self, "banger-net", "BANGER_NET", d.net_bin,
	    sizeof(d.net_bin)) == -1)
		log_warnx("banger-net not found next to %s; guests will have "
		    "no DNS", self);
	if (d.web_addr[0] != '\0' && find_tool(self, "banger-web",
	    "BANGER_WEB", d.web_bin, sizeof(d.web_bin)) == -1)
		log_warnx("banger-web not found next to %s; no web view",
		    self);

	start_priv(&d);
	if (launch_spawn(&d, self) == -1)
		startup_fail("cannot start the VMM launcher: %s",
		    strerror(errno));
	if (db_open(&d, msg, sizeof(msg)) == -1)
		startup_fail("database: %s", msg);
	if (vm_load(&d) == -1)
		startup_fail("database: cannot load VMs");
	if (reconcile(&d) == -1)
		startup_fail("reconcile failed; see %s", d.paths.log);
	image_sweep(&d);
	/* Its token exists before anyone can ask `banger web` for it. */
	(void)web_start(&d);
	if (control_listen(&d) == -1)
		startup_fail("cannot listen on %s: %s", d.paths.sock,
		    strerror(errno));
	for (i = 0; i < sizeof(signos) / sizeof(signos[0]); i++) {
		sigs[i] = evsignal_new(d.base, signos[i], on_signal, &d);
		if (sigs[i] == NULL || evsignal_add(sigs[i], NULL) == -1)
			startup_fail("cannot handle signal %d", signos[i]);
	}
	/* A helper that died before the handler existed: reap it now. */
	on_signal(SIGCHLD, 0, &d);
	write_pidfile(&d);

	sandbox_master();

	if (ready_fd != -1) {
		(void)!write(ready_fd, "ok", 2);
		close(ready_fd);
		ready_fd = -1;
	}
	log_info("listening on %s", d.paths.sock);
	event_base_dispatch(d.base);
	shutdown_all(&d);
	return 0;
}
