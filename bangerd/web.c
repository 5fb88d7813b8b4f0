/*
 * banger-web, the web view (docs/advanced.md): started through the
 * launcher when config.toml sets web_listen_addr, sandboxed like
 * banger-net.  It binds the loopback address itself (bangerd's filter
 * has no socket(2)); from bangerd it gets its stderr, the token file
 * open for reading, and one end of a socket pair whose other end
 * bangerd serves as an ordinary control client (control_adopt): it can
 * ask for what `banger` can, through the same checks, nothing more.
 * An exit is logged and followed by a restart after a back-off.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bangerd.h"
#include "log.h"
#include "webtoken.h"

#define WEB_BACKOFF_MAX	60	/* s between restarts, at most */
#define WEB_STABLE_SEC	10	/* a run this long resets the back-off */

static time_t
web_mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * What banger-web may ask: the page's list, stop and delete, and the one
 * command that lists a VM's sessions (with its input's end).  Anything
 * else ends its channel: a banger-web taken over through its HTTP side
 * must not gain the rest of the user's powers (vm create with the
 * user's credentials, vm exec in every VM).
 */
int
web_may(uint32_t type, const void *body)
{
	static const char *const	 list[] = { "banger-agent", "session",
					    "list" };
	const struct ctl_vm_exec	*ex = body;
	size_t				 i;

	switch (type) {
	case CTL_VM_LIST:
	case CTL_VM_SHOW:
	case CTL_VM_STOP:
	case CTL_VM_DELETE:
	case CTL_INPUT:
		return 1;
	case CTL_VM_EXEC:
		if (ex->tty || ex->argv.n != sizeof(list) / sizeof(list[0]))
			return 0;
		for (i = 0; i < ex->argv.n; i++)
			if (strcmp(ex->argv.v[i], list[i]) != 0)
				return 0;
		return 1;
	default:
		return 0;
	}
}

int
web_start(struct bangerd *d)
{
	char	*argv[] = { "banger-web", "-v", d->web_addr,
		    d->paths.vms_dir, NULL };
	char	 err[PATH_MAX + 128];
	char	*tokpath = d->paths.web_token;
	int	 sv[2], ep[2], fds[3], tok, v = d->verbose ? 1 : 0;

	if (d->web_addr[0] == '\0')
		return 0;
	if (d->web_bin[0] == '\0') {
		log_warnx("web_listen_addr is set but banger-web was not "
		    "found next to bangerd: no web view");
		return -1;
	}
	if (web_token_renew(tokpath, err, sizeof(err)) == -1) {
		log_warnx("no web view: token %s", err);
		return -1;
	}
	if ((tok = open(tokpath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		log_warn("no web view: %s", tokpath);
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("no web view: socketpair");
		close(tok);
		return -1;
	}
	if (pipe2(ep, O_CLOEXEC) == -1) {
		log_warn("no web view: pipe");
		close(tok);
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	fds[0] = ep[1];		/* its stderr, slot 2 */
	fds[1] = sv[1];		/* its control channel, slot 3 */
	fds[2] = tok;		/* the token file, slot 4 */
	if (!v)
		memmove(&argv[1], &argv[2], 3 * sizeof(argv[0]));
	if (launch_tool(d, LAUNCH_TOOL_WEB, 0, fds, 3, argv, 3 + v) == -1) {
		log_warnx("no web view: the launcher could not start "
		    "banger-web");
		close(tok);
		close(sv[0]);
		close(sv[1]);
		close(ep[0]);
		close(ep[1]);
		return -1;
	}
	close(tok);
	close(sv[1]);
	close(ep[1]);
	d->web_log = helper_log_open(d, ep[0]);
	d->web_since = web_mono();
	if (control_adopt(d, sv[0]) == -1) {
		log_warnx("no web view: cannot serve its channel");
		(void)launch_kill_tool(d, LAUNCH_TOOL_WEB, 0, SIGKILL);
		return -1;
	}
	log_info("web view on http://%s/ (banger web prints its address "
	    "with the token)", d->web_addr);
	return 0;
}

void
web_started(struct bangerd *d, struct launch_started *st)
{
	d->web_pid = (pid_t)st->pid;
	log_debug("banger-web started, pid %d", (int)d->web_pid);
}

static void
web_restart(evutil_socket_t fd, short what, void *arg)
{
	struct bangerd	*d = arg;
	struct timeval	 tv = { WEB_BACKOFF_MAX, 0 };

	(void)fd;
	(void)what;
	/* A failed start is tried again, as an exit would be. */
	if (d->web_pid == 0 && !d->stopping && web_start(d) == -1 &&
	    d->web_timer != NULL)
		evtimer_add(d->web_timer, &tv);
}

void
web_exited(struct bangerd *d, struct launch_exited *ex)
{
	struct timeval	 tv = { 0, 0 };

	if (d->web_pid != 0 && ex->pid != 0 &&
	    ex->pid != (uint64_t)d->web_pid)
		return;
	d->web_pid = 0;
	if (d->stopping)
		return;
	d->web_backoff = web_mono() - d->web_since >= WEB_STABLE_SEC ? 1 :
	    d->web_backoff == 0 ? 1 : d->web_backoff * 2;
	if (d->web_backoff > WEB_BACKOFF_MAX)
		d->web_backoff = WEB_BACKOFF_MAX;
	log_warnx("banger-web exited with %s %lld; restarting it in %u s",
	    ex->signo ? "signal" : "status", ex->signo ?
	    (long long)ex->signo : (long long)ex->status, d->web_backoff);
	tv.tv_sec = d->web_backoff;
	if (d->web_timer == NULL && (d->web_timer = evtimer_new(d->base,
	    web_restart, d)) == NULL)
		return;
	evtimer_add(d->web_timer, &tv);
}
