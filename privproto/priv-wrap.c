/*
 * Caller-side stubs for banger-priv (see priv-wrap.h).  Each request gets
 * a fresh id and waits for the one reply carrying that id; a reply of the
 * wrong type or id, or a descriptor where none belongs (or none where one
 * must be), means the helper can no longer be trusted.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdutil.h"
#include "frame.h"
#include "msg.h"
#include "priv-wrap.h"

#define PRIV_CHILD_FD	3

#define PR_FD		0x01	/* exactly one descriptor comes with it */

static uint64_t	 priv_next_id = 1;

/*
 * The helper's replies, one row per request: the one success type it may
 * answer with and whether a descriptor must come with that answer.
 * PRIV_ERROR, without a descriptor, is the only other reply allowed.
 */
static const struct priv_reply {
	uint32_t	 request;
	uint32_t	 reply;
	int		 flags;
} priv_replies[] = {
	{ PRIV_BRIDGE_ENSURE,	PRIV_BRIDGE,	0 },
	{ PRIV_TAP_CREATE,	PRIV_TAP,	PR_FD },
	{ PRIV_TAP_DELETE,	PRIV_OK,	0 },
	{ PRIV_TAP_LIST,	PRIV_TAP_IDS,	0 },
	{ PRIV_DISK_SNAPSHOT,	PRIV_DISK,	PR_FD },
	{ PRIV_DISK_RELEASE,	PRIV_OK,	0 },
	{ PRIV_DISK_LIST,	PRIV_DISK_IDS,	0 },
	{ PRIV_DNS_LISTEN,	PRIV_DNS_SOCK,	PR_FD },
	{ PRIV_TAP_EGRESS,	PRIV_OK,	0 },
	{ PRIV_PORT_LISTEN,	PRIV_DNS_SOCK,	PR_FD },
};

static const struct priv_reply *
priv_reply_for(uint32_t request)
{
	size_t	 i;

	for (i = 0; i < sizeof(priv_replies) / sizeof(priv_replies[0]); i++)
		if (priv_replies[i].request == request)
			return &priv_replies[i];
	return NULL;
}

static int
seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int
priv_spawn(const char *path, int *sockfd, int *errfd, pid_t *pidp)
{
	char *const	 argv[] = { (char *)"banger-priv", NULL };
	char *const	 envp[] = { NULL };
	sigset_t	 none;
	int		 sv[2], ep[2], s, e, null, saved;
	pid_t		 pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	if (pipe2(ep, O_CLOEXEC) == -1) {
		saved = errno;
		close(sv[0]);
		close(sv[1]);
		errno = saved;
		return -1;
	}
	if ((pid = fork()) == -1) {
		saved = errno;
		close(sv[0]);
		close(sv[1]);
		close(ep[0]);
		close(ep[1]);
		errno = saved;
		return -1;
	}
	if (pid == 0) {
		/* Lift both ends clear of 0-3 before placing them. */
		if ((s = fcntl(sv[1], F_DUPFD_CLOEXEC, 10)) == -1 ||
		    (e = fcntl(ep[1], F_DUPFD_CLOEXEC, 10)) == -1 ||
		    (null = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
			_exit(127);
		if (dup2(null, 0) == -1 || dup2(null, 1) == -1 ||
		    dup2(e, 2) == -1 || dup2(s, PRIV_CHILD_FD) == -1)
			_exit(127);
		fd_closefrom(PRIV_CHILD_FD + 1);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		execve(path, argv, envp);
		dprintf(2, "priv: cannot execute %s: %s\n", path,
		    strerror(errno));
		_exit(127);
	}
	close(sv[1]);
	close(ep[1]);
	*sockfd = sv[0];
	*errfd = ep[0];
	*pidp = pid;
	return 0;
}

/*
 * Send one request, with nsend descriptors, and wait for its reply, which
 * must be what priv_replies[] allows for it.  Returns 0 with *body (and
 * *fdp, when the reply carries a descriptor), a berr code for PRIV_ERROR,
 * or -1.
 */
static int
priv_callv(int fd, uint32_t type, const void *req, const int *send,
    size_t nsend, void **body, int *fdp, char *err, size_t errlen)
{
	const struct priv_reply	*pr;
	struct buf		 b = { NULL, 0, 0 };
	struct msg_hdr		 hdr;
	struct priv_error	*pe;
	char			 why[MSG_ERRLEN];
	uint64_t		 id;
	void			*rbody = NULL;
	int			 rfd = -1, rc, wantfd;

	*body = NULL;
	if (fdp != NULL)
		*fdp = -1;
	if ((pr = priv_reply_for(type)) == NULL)
		return seterr(err, errlen, "%s is not a banger-priv request",
		    msg_typename(&priv_proto, type));
	wantfd = (pr->flags & PR_FD) != 0;
	if (wantfd && fdp == NULL)
		return seterr(err, errlen, "%s: no place for its descriptor",
		    msg_typename(&priv_proto, type));
	id = priv_next_id++;
	if (msg_frame(&priv_proto, type, id, req, &b) == -1) {
		buf_free(&b);
		return seterr(err, errlen, "cannot encode %s",
		    msg_typename(&priv_proto, type));
	}
	rc = frame_sendv(fd, &b, send, nsend);
	buf_free(&b);
	if (rc == -1)
		return seterr(err, errlen, "banger-priv: send: %s",
		    strerror(errno));
	if (frame_recv(fd, FRAME_MAX_PRIV, &b, &rfd) == -1) {
		rc = seterr(err, errlen, "banger-priv: receive: %s",
		    errno == EPROTO ? "broken framing" : strerror(errno));
		goto out;
	}
	if (b.len == 0) {
		rc = seterr(err, errlen, "banger-priv exited");
		goto out;
	}
	if (msg_decode(&priv_proto, b.p, b.len, &hdr, &rbody, why,
	    sizeof(why)) == -1) {
		rc = seterr(err, errlen, "banger-priv: bad reply: %s", why);
		goto out;
	}
	if (hdr.id != id) {
		rc = seterr(err, errlen, "banger-priv: reply id %llu, "
		    "expected %llu", (unsigned long long)hdr.id,
		    (unsigned long long)id);
		goto out;
	}
	if (hdr.type == PRIV_ERROR) {
		pe = rbody;
		if (rfd != -1) {
			rc = seterr(err, errlen, "banger-priv: descriptor "
			    "with an error reply");
			goto out;
		}
		snprintf(err, errlen, "%s", pe->message);
		rc = pe->code >= 1 && pe->code <= BERR_MAX ?
		    (int)pe->code : BERR_PRIV;
		goto out;
	}
	if (hdr.type != pr->reply) {
		rc = seterr(err, errlen, "banger-priv: %s in reply to %s",
		    msg_typename(&priv_proto, hdr.type),
		    msg_typename(&priv_proto, type));
		goto out;
	}
	if (wantfd != (rfd != -1)) {
		rc = seterr(err, errlen, "banger-priv: %s came %s a "
		    "descriptor", msg_typename(&priv_proto, hdr.type),
		    wantfd ? "without" : "with");
		goto out;
	}
	*body = rbody;
	rbody = NULL;
	if (fdp != NULL) {
		*fdp = rfd;
		rfd = -1;
	}
	rc = 0;
out:
	if (rbody != NULL)
		msg_free(&priv_proto, hdr.type, rbody);
	if (rfd != -1)
		close(rfd);
	buf_free(&b);
	return rc;
}

static int
priv_call(int fd, uint32_t type, const void *req, void **body, int *fdp,
    char *err, size_t errlen)
{
	return priv_callv(fd, type, req, NULL, 0, body, fdp, err, errlen);
}

int
priv_bridge_ensure(int fd, struct priv_bridge **out, char *err,
    size_t errlen)
{
	struct priv_bridge_ensure	 req = { 0 };

	return priv_call(fd, PRIV_BRIDGE_ENSURE, &req, (void **)out, NULL,
	    err, errlen);
}

int
priv_tap_create(int fd, uint64_t vm_id, int persist, struct priv_tap **out,
    int *tapfd, char *err, size_t errlen)
{
	struct priv_tap_create	 req = { vm_id, persist };
	int			 rc;

	rc = priv_call(fd, PRIV_TAP_CREATE, &req, (void **)out, tapfd, err,
	    errlen);
	if (rc == 0 && (*out)->vm_id != vm_id) {
		seterr(err, errlen, "banger-priv: tap for vm %llu, asked for "
		    "%llu", (unsigned long long)(*out)->vm_id,
		    (unsigned long long)vm_id);
		msg_free(&priv_proto, PRIV_TAP, *out);
		*out = NULL;
		close(*tapfd);
		*tapfd = -1;
		return -1;
	}
	return rc;
}

int
priv_tap_delete(int fd, uint64_t vm_id, char *err, size_t errlen)
{
	struct priv_tap_delete	 req = { vm_id };
	void			*ok;
	int			 rc;

	rc = priv_call(fd, PRIV_TAP_DELETE, &req, &ok, NULL, err, errlen);
	if (rc == 0)
		msg_free(&priv_proto, PRIV_OK, ok);
	return rc;
}

int
priv_tap_egress(int fd, uint64_t vm_id, int allowlist, char **addrs,
    size_t naddrs, uint64_t ttl, char *err, size_t errlen)
{
	struct priv_tap_egress	 req = { vm_id, allowlist, { addrs, naddrs },
				    ttl };
	void			*ok;
	int			 rc;

	rc = priv_call(fd, PRIV_TAP_EGRESS, &req, &ok, NULL, err, errlen);
	if (rc == 0)
		msg_free(&priv_proto, PRIV_OK, ok);
	return rc;
}

int
priv_port_listen(int fd, uint32_t addr, uint16_t port, int *sockfd,
    char *err, size_t errlen)
{
	struct priv_port_listen	 req = { addr, port };
	struct priv_dns_sock	*out;
	int			 rc;

	rc = priv_call(fd, PRIV_PORT_LISTEN, &req, (void **)&out, sockfd, err,
	    errlen);
	if (rc != 0)
		return rc;
	if (out->tcp != 1) {
		rc = seterr(err, errlen, "banger-priv: a UDP socket for a "
		    "published port");
		close(*sockfd);
		*sockfd = -1;
	}
	msg_free(&priv_proto, PRIV_DNS_SOCK, out);
	return rc;
}

int
priv_tap_list(int fd, struct priv_tap_ids **out, char *err, size_t errlen)
{
	struct priv_tap_list	 req = { 0 };

	return priv_call(fd, PRIV_TAP_LIST, &req, (void **)out, NULL, err,
	    errlen);
}

int
priv_disk_snapshot(int fd, uint64_t vm_id, int basefd, int cowfd,
    struct priv_disk **out, int *diskfd, char *err, size_t errlen)
{
	struct priv_disk_snapshot	 req = { vm_id };
	const int			 send[2] = { basefd, cowfd };
	int				 rc;

	rc = priv_callv(fd, PRIV_DISK_SNAPSHOT, &req, send, 2, (void **)out,
	    diskfd, err, errlen);
	if (rc == 0 && (*out)->vm_id != vm_id) {
		seterr(err, errlen, "banger-priv: snapshot for vm %llu, asked "
		    "for %llu", (unsigned long long)(*out)->vm_id,
		    (unsigned long long)vm_id);
		msg_free(&priv_proto, PRIV_DISK, *out);
		*out = NULL;
		close(*diskfd);
		*diskfd = -1;
		return -1;
	}
	return rc;
}

int
priv_disk_release(int fd, uint64_t vm_id, char *err, size_t errlen)
{
	struct priv_disk_release	 req = { vm_id };
	void				*ok;
	int				 rc;

	rc = priv_call(fd, PRIV_DISK_RELEASE, &req, &ok, NULL, err, errlen);
	if (rc == 0)
		msg_free(&priv_proto, PRIV_OK, ok);
	return rc;
}

int
priv_disk_list(int fd, struct priv_disk_ids **out, char *err, size_t errlen)
{
	struct priv_disk_list	 req = { 0 };

	return priv_call(fd, PRIV_DISK_LIST, &req, (void **)out, NULL, err,
	    errlen);
}

/* A socket bound to port 53 on the caller's gateway: UDP, or TCP listening. */
int
priv_dns_listen(int fd, int tcp, int *sockfd, char *err, size_t errlen)
{
	struct priv_dns_listen	 req = { tcp };
	struct priv_dns_sock	*out;
	int			 rc;

	rc = priv_call(fd, PRIV_DNS_LISTEN, &req, (void **)&out, sockfd, err,
	    errlen);
	if (rc != 0)
		return rc;
	if (out->tcp != (uint64_t)tcp) {
		rc = seterr(err, errlen, "banger-priv: a %s socket, asked for "
		    "%s", out->tcp ? "TCP" : "UDP", tcp ? "TCP" : "UDP");
		close(*sockfd);
		*sockfd = -1;
	}
	msg_free(&priv_proto, PRIV_DNS_SOCK, out);
	return rc;
}
