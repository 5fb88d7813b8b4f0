/*
 * The CLI's side of the control protocol: connect to bangerd's socket
 * (starting bangerd when nobody listens), send requests and read replies.
 * Every reply is decoded strictly and must carry the id of the request it
 * belongs to; anything else ends the conversation.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "banger.h"
#include "exitcode.h"
#include "fdutil.h"
#include "frame.h"
#include "paths.h"
#include "proto.h"

static const char *
type_name(uint32_t t)
{
	const char	*n = msg_typename(&ctl_proto, t);

	return n != NULL ? n : "unknown message";
}

/*
 * Connect to the socket at path and check who listens there before
 * anything is sent: only a server running as this user is bangerd (the
 * kernel's SO_PEERCRED names the uid that bound the socket).  Returns the
 * socket, or -1 with errno set and, when err is not NULL, a message; a
 * server of another user gives EPERM.
 */
static int
client_connect_checked(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	struct ucred		 cr;
	socklen_t		 crlen = sizeof(cr);
	int			 fd, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		goto fail_close;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) == -1)
		goto fail_close;
	if (crlen != sizeof(cr) || cr.uid != getuid()) {
		close(fd);
		if (err != NULL)
			snprintf(err, errlen, "refusing to talk to %s: it is "
			    "served by uid %u, not by you (uid %u), so it is "
			    "not your bangerd; another user may be trying to "
			    "intercept banger: have it removed (ask an "
			    "administrator) or set XDG_RUNTIME_DIR", path,
			    (unsigned)cr.uid, (unsigned)getuid());
		errno = EPERM;
		return -1;
	}
	return fd;
fail_close:
	saved = errno;
	close(fd);
	errno = saved;
fail:
	saved = errno;
	if (err != NULL)
		snprintf(err, errlen, "cannot connect to bangerd at %s: %s",
		    path, strerror(saved));
	errno = saved;
	return -1;
}

/* Returns a connected socket served by this user, or -1 with errno set. */
int
client_connect_path(const char *path)
{
	return client_connect_checked(path, NULL, 0);
}

/* 1 if a daemon accepts connections on path, 0 otherwise. */
int
client_probe(const char *path)
{
	int	 fd;

	if ((fd = client_connect_path(path)) == -1)
		return 0;
	close(fd);
	return 1;
}

/*
 * Which bangerd to start: $BANGER_DAEMON, else the one next to us in the
 * build tree (obj/banger/banger -> obj/bangerd/bangerd), else the
 * installed one.
 */
int
client_daemon_path(char *out, size_t outlen)
{
	const char	*env;
	char		 self[PATH_MAX], *slash;
	ssize_t		 n;
	int		 len;

	if ((env = getenv("BANGER_DAEMON")) != NULL && env[0] != '\0') {
		len = snprintf(out, outlen, "%s", env);
		return len < 0 || (size_t)len >= outlen ? -1 : 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			len = snprintf(out, outlen, "%s/../bangerd/bangerd",
			    self);
			if (len > 0 && (size_t)len < outlen &&
			    access(out, X_OK) == 0)
				return 0;
		}
	}
	len = snprintf(out, outlen, "%s/bangerd", BANGER_LIBEXECDIR);
	return len < 0 || (size_t)len >= outlen ? -1 : 0;
}

/*
 * Start bangerd and wait for its launcher to exit: bangerd daemonizes
 * itself and its first process exits 0 only once the control socket
 * listens, so a zero status means we can connect.
 */
static int
client_start_daemon(char *err, size_t errlen)
{
	char	 path[PATH_MAX];
	char	*argv[] = { "bangerd", NULL };
	pid_t	 pid;
	sigset_t mask;
	int	 status, null;

	if (client_daemon_path(path, sizeof(path)) == -1) {
		snprintf(err, errlen, "bangerd path too long");
		return -1;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* Our callers may have blocked or ignored signals. */
		sigemptyset(&mask);
		sigprocmask(SIG_SETMASK, &mask, NULL);
		signal(SIGPIPE, SIG_DFL);
		if ((null = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(null, 0) == -1 || dup2(null, 1) == -1)
			_exit(127);
		fd_closefrom(3);
		execv(path, argv);
		dprintf(2, "banger: cannot run %s: %s\n", path,
		    strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			snprintf(err, errlen, "waitpid: %s", strerror(errno));
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		snprintf(err, errlen, "could not start bangerd (%s exited "
		    "with status %d)", path, WEXITSTATUS(status));
	else
		snprintf(err, errlen, "could not start bangerd (%s killed "
		    "by signal %d)", path, WTERMSIG(status));
	return -1;
}

/*
 * Connect to bangerd.  Returns 0; CLIENT_DOWN when it is not running and
 * autostart is off; -1 with a message otherwise.
 */
int
client_open(struct client *c, int autostart, char *err, size_t errlen)
{
	struct paths	 p;
	struct timespec	 ts = { 0, 50 * 1000 * 1000 };
	int		 i, rc;

	c->fd = -1;
	c->next_id = 1;
	if (paths_init(&p, err, errlen) == -1)
		return -1;
	/* Nothing is sent unless the directory and the server are ours. */
	if ((rc = paths_check_private(p.runtime_dir, getuid(), err,
	    errlen)) == -1)
		return -1;
	if (rc != PATHS_ABSENT) {
		if ((c->fd = client_connect_checked(p.sock, err,
		    errlen)) != -1)
			return 0;
		if (errno != ENOENT && errno != ECONNREFUSED)
			return -1;
	}
	if (!autostart)
		return CLIENT_DOWN;
	if (client_start_daemon(err, errlen) == -1)
		return -1;
	/*
	 * The launcher's exit promises a listening socket; the short
	 * retry only covers a daemon that another banger raced to stop.
	 */
	if ((rc = paths_check_private(p.runtime_dir, getuid(), err,
	    errlen)) == -1)
		return -1;
	if (rc == PATHS_ABSENT) {
		snprintf(err, errlen, "bangerd started but did not create "
		    "%s", p.runtime_dir);
		return -1;
	}
	for (i = 0; i < 20; i++) {
		if ((c->fd = client_connect_checked(p.sock, err,
		    errlen)) != -1)
			return 0;
		if (errno == EPERM)
			return -1;
		nanosleep(&ts, NULL);
	}
	snprintf(err, errlen, "bangerd started but %s does not accept "
	    "connections: %s", p.sock, strerror(errno));
	return -1;
}

int
client_open_or_report(struct client *c, int autostart)
{
	char	 err[512];
	int	 rc;

	rc = client_open(c, autostart, err, sizeof(err));
	if (rc == 0)
		return 0;
	if (rc == CLIENT_DOWN)
		cli_warnx("bangerd is not running");
	else
		cli_warnx("%s", err);
	return BEX_DAEMON;
}

void
client_close(struct client *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
}

int
client_send(struct client *c, uint32_t type, uint64_t id, const void *body,
    char *err, size_t errlen)
{
	struct buf	 b;
	int		 rc = 0;

	memset(&b, 0, sizeof(b));
	if (msg_frame(&ctl_proto, type, id, body, &b) == -1) {
		snprintf(err, errlen, "cannot encode %s",
		    type_name(type));
		rc = -1;
	} else if (frame_send(c->fd, &b, -1) == -1) {
		snprintf(err, errlen, "lost connection to bangerd: %s",
		    strerror(errno));
		rc = -1;
	}
	buf_free(&b);
	return rc;
}

/* Send a new request; *idp gets its id. */
int
client_request(struct client *c, uint32_t type, const void *body,
    uint64_t *idp, char *err, size_t errlen)
{
	*idp = c->next_id++;
	return client_send(c, type, *idp, body, err, errlen);
}

/* Types bangerd may send to a CLI. */
static int
client_type_ok(uint32_t t)
{
	switch (t) {
	case CTL_OK:
	case CTL_ERROR:
	case CTL_PROGRESS:
	case CTL_OUTPUT:
	case CTL_EXIT:
	case CTL_VM_INFO:
	case CTL_DAEMON_INFO:
	case CTL_IMAGE_INFO:
	case CTL_KERNEL_INFO:
	case CTL_INPUT_HOLD:
	case CTL_INPUT_RESUME:
		return 1;
	default:
		return 0;
	}
}

/*
 * Read one message belonging to request id.  Returns 0 with *body to be
 * released with client_free(), or -1 with a message.
 */
int
client_recv(struct client *c, uint64_t id, struct msg_hdr *hdr, void **body,
    char *err, size_t errlen)
{
	struct buf	 b;
	char		 why[MSG_ERRLEN];
	int		 rc = -1;

	memset(&b, 0, sizeof(b));
	*body = NULL;
	if (frame_recv(c->fd, FRAME_MAX_CTL, &b, NULL) == -1) {
		snprintf(err, errlen, "lost connection to bangerd: %s",
		    strerror(errno));
		goto out;
	}
	if (b.len == 0) {
		snprintf(err, errlen, "bangerd closed the connection");
		goto out;
	}
	if (msg_decode(&ctl_proto, b.p, b.len, hdr, body, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "bad message from bangerd: %s", why);
		goto out;
	}
	if (hdr->version != CTL_VERSION) {
		snprintf(err, errlen, "bangerd speaks protocol version %u, "
		    "banger %u (restart bangerd: banger daemon stop)",
		    hdr->version, CTL_VERSION);
		goto bad;
	}
	if (!client_type_ok(hdr->type)) {
		snprintf(err, errlen, "unexpected %s from bangerd",
		    type_name(hdr->type));
		goto bad;
	}
	if (hdr->id != id) {
		snprintf(err, errlen, "reply from bangerd for request %llu, "
		    "expected %llu", (unsigned long long)hdr->id,
		    (unsigned long long)id);
		goto bad;
	}
	rc = 0;
	goto out;
bad:
	msg_free(&ctl_proto, hdr->type, *body);
	*body = NULL;
out:
	buf_free(&b);
	return rc;
}

void
client_free(uint32_t type, void *body)
{
	if (body != NULL)
		msg_free(&ctl_proto, type, body);
}
