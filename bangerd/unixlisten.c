/*
 * The launcher's half of a published unix:PATH port: the listening
 * socket, made as the user because bangerd's filter has no socket(2)
 * or bind(2).  The file is 0600 from the moment it exists (bind(2)
 * under a umask of 0177), so no other user can connect even before
 * banger-net checks who did.  Whatever is at PATH already is kept
 * unless it is a socket of the user's that nothing listens on (what a
 * killed bangerd leaves): a file, a link, a directory, a live socket or
 * another user's socket is an error that leaves it as it was.
 *
 * Every step works in PATH's directory, opened once with no symbolic
 * link anywhere on the way (unix_parent()): a link in the path, which
 * another user could repoint between two steps, is refused.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <linux/openat2.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "bangerd.h"
#include "portspec.h"

#define UNIX_BACKLOG	16

/*
 * PATH's directory as an O_PATH descriptor, reached without following
 * any symbolic link (ELOOP if there is one), and *name its last part.
 */
int
unix_parent(const char *path, const char **name)
{
	struct open_how	 how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			    .resolve = RESOLVE_NO_SYMLINKS |
			    RESOLVE_NO_MAGICLINKS };
	char		 dir[PORT_UNIX_PATH_MAX + 1];
	const char	*slash = strrchr(path, '/');
	size_t		 n;

	if (slash == NULL || slash[1] == '\0' ||
	    (n = (size_t)(slash - path)) >= sizeof(dir)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(dir, path, n);
	dir[n] = '\0';
	*name = slash + 1;
	return (int)syscall(SYS_openat2, AT_FDCWD, n == 0 ? "/" : dir, &how,
	    sizeof(how));
}

/* What is at sun's path now: 0 when the path is free for bind(2). */
static int
unix_clear(const struct sockaddr_un *sun)
{
	struct stat	 st;
	int		 c, e;

	if (lstat(sun->sun_path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = ENOTSOCK;
		return -1;
	}
	if (st.st_uid != getuid()) {
		errno = EPERM;
		return -1;
	}
	/* Something listening answers, or would if its queue had room. */
	if ((c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	if (connect(c, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ||
	    errno == EAGAIN || errno == EINPROGRESS) {
		close(c);
		errno = EADDRINUSE;
		return -1;
	}
	e = errno;
	close(c);
	if (e != ECONNREFUSED) {
		errno = e;
		return -1;
	}
	if (unlink(sun->sun_path) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

/* In the current directory (PATH's): the listener for name. */
static int
unix_listen_here(const char *name)
{
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 fd, rc, e;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, name, strlen(name));
	if (unix_clear(&sun) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	/* The launcher is single-threaded: the umask is ours for a moment. */
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	e = errno;
	umask(old);
	if (rc == -1) {
		close(fd);
		/* Another socket came since unix_clear(): not ours to take. */
		errno = e;
		return -1;
	}
	if (listen(fd, UNIX_BACKLOG) == -1) {
		e = errno;
		(void)unlink(name);
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/*
 * The listener for PATH, or -1 with errno as proto.h lists: made with
 * PATH's directory as the working directory, for a moment.
 */
int
unix_listen_make(const char *path)
{
	const char	*name;
	int		 dfd, cwd, fd, e;

	if (!port_unix_path_ok(path)) {
		errno = EINVAL;
		return -1;
	}
	if ((dfd = unix_parent(path, &name)) == -1)
		return -1;
	if ((cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fchdir(dfd) == -1) {
		e = errno;
		if (cwd != -1)
			close(cwd);
		close(dfd);
		errno = e;
		return -1;
	}
	fd = unix_listen_here(name);
	e = errno;
	/* Back where we were: without it, the launcher cannot go on. */
	if (fchdir(cwd) == -1)
		_exit(1);
	close(cwd);
	close(dfd);
	errno = e;
	return fd;
}
