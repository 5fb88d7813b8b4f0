/*
 * Published unix:PATH ports.  bangerd cannot make a socket (its filter
 * has no socket(2) or bind(2)), so the launcher makes each listener as
 * the user (unixlisten.c) while a VM publishing it has an address;
 * bangerd keeps it, as lowports.c keeps those below 1024, and hands it
 * to banger-net (NET_PORT_FD, "unix:PATH") before every NET_PORTS table
 * that names it, so a restarted banger-net gets it again.  When no VM
 * asks for it any more (unpublished, stopped, deleted) it is closed and
 * its file removed, but only if it is still the socket the launcher
 * made (device, inode and change time), reached through its directory
 * with no symbolic link on the way, as the launcher reached it.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bangerd.h"
#include "log.h"
#include "proto_net.h"

/* Why the launcher could not listen there, and what to do about it. */
static void
unix_why(int e, char *err, size_t errlen)
{
	switch (e) {
	case ENOTSOCK:
		snprintf(err, errlen, "PATH exists and is not a socket: remove "
		    "it or publish another path");
		break;
	case EADDRINUSE:
		snprintf(err, errlen, "something listens on PATH already: stop "
		    "it or publish another path");
		break;
	case EPERM:
		snprintf(err, errlen, "PATH is another user's socket: publish "
		    "another path");
		break;
	case ELOOP:
		snprintf(err, errlen, "PATH goes through a symbolic link: "
		    "publish the path it leads to");
		break;
	case ENOENT:
	case ENOTDIR:
		snprintf(err, errlen, "PATH's directory does not exist: create "
		    "it first");
		break;
	case EACCES:
		snprintf(err, errlen, "permission denied at PATH: publish in a "
		    "directory you can write");
		break;
	case ETIMEDOUT:
	case EPROTO:
	case ESRCH:
		snprintf(err, errlen, "the launcher did not make the socket");
		break;
	default:
		snprintf(err, errlen, "cannot listen on PATH: %s",
		    strerror(e));
	}
}

/*
 * The socket file at path, reached as the launcher did (unix_parent():
 * no symbolic link on the way); with dfd, its directory stays open for
 * an unlinkat() of that same file.
 */
static int
unix_at(const char *path, struct stat *st, int *dfd, const char **name)
{
	if ((*dfd = unix_parent(path, name)) == -1)
		return -1;
	if (fstatat(*dfd, *name, st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISSOCK(st->st_mode)) {
		close(*dfd);
		return -1;
	}
	return 0;
}

static int
unix_stat(const char *path, struct stat *st)
{
	const char	*name;
	int		 dfd;

	if (unix_at(path, st, &dfd, &name) == -1)
		return -1;
	close(dfd);
	return 0;
}

/* The listener for path, kept or made; -1 with err when refused. */
int
unixport_get(struct bangerd *d, const char *path, char *err, size_t errlen)
{
	struct unixport	*u;
	struct stat	 st;
	socklen_t	 len;
	size_t		 i;
	int		 fd, v, t;

	for (i = 0; i < d->nunixport; i++) {
		u = &d->unixport[i];
		if (strcmp(u->path, path) == 0) {
			u->live = 1;
			return u->fd;
		}
	}
	if (d->nunixport == PORTS_UNIX_MAX) {
		snprintf(err, errlen, "too many unix: ports published at once "
		    "(at most %d)", PORTS_UNIX_MAX);
		return -1;
	}
	if ((fd = launch_unix_listen(d, path)) == -1) {
		unix_why(errno, err, errlen);
		return -1;
	}
	/* A listening Unix stream socket, and the file it was bound to. */
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == -1 ||
	    v == 0 || (len = sizeof(t), getsockopt(fd, SOL_SOCKET, SO_DOMAIN,
	    &t, &len)) == -1 || t != AF_UNIX || unix_stat(path, &st) == -1) {
		close(fd);
		snprintf(err, errlen, "the launcher did not make the socket");
		return -1;
	}
	u = &d->unixport[d->nunixport++];
	snprintf(u->path, sizeof(u->path), "%s", path);
	u->fd = fd;
	u->dev = st.st_dev;
	u->ino = st.st_ino;
	u->ctime = st.st_ctim;
	u->live = 1;
	return fd;
}

static void
unixport_remove(struct unixport *u)
{
	struct stat	 st;
	const char	*name;
	int		 dfd;

	close(u->fd);
	if (unix_at(u->path, &st, &dfd, &name) == -1)
		return;
	if (st.st_dev == u->dev && st.st_ino == u->ino &&
	    st.st_ctim.tv_sec == u->ctime.tv_sec &&
	    st.st_ctim.tv_nsec == u->ctime.tv_nsec &&
	    unlinkat(dfd, name, 0) == -1)
		log_warn("unlink %s", u->path);
	close(dfd);
}

/* Close, and remove, those no VM asked for since the last sweep. */
void
unixports_sweep(struct bangerd *d)
{
	size_t	 i = 0;

	while (i < d->nunixport) {
		if (d->unixport[i].live) {
			d->unixport[i++].live = 0;
			continue;
		}
		unixport_remove(&d->unixport[i]);
		d->unixport[i] = d->unixport[--d->nunixport];
	}
}

/* All of them, as bangerd stops. */
void
unixports_close(struct bangerd *d)
{
	while (d->nunixport > 0)
		unixport_remove(&d->unixport[--d->nunixport]);
}

/* Each to banger-net, ahead of the table. */
void
unixports_send(struct bangerd *d)
{
	struct net_port_fd	 pf;
	char			 listen[NET_LISTEN_STRMAX + 1];
	size_t			 i;

	for (i = 0; i < d->nunixport; i++) {
		snprintf(listen, sizeof(listen), "unix:%s",
		    d->unixport[i].path);
		pf.listen = listen;
		if (net_send(d, NET_PORT_FD, 0, &pf, d->unixport[i].fd) == -1)
			return;
	}
}
