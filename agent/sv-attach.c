/*
 * `session attach NAME`: relay our stdio to a session's supervisor.  The
 * host runs us as any command; on a terminal (the host's tty exec) and a
 * pty session our terminal goes raw and its size follows the host's, so
 * that the session's own pty does the line discipline.  Leaving never
 * ends the session: end of our input detaches (0), and so does our
 * being hung up on or killed when the host leaves (`~.`).  When the
 * session ends while attached we exit with its status (128 + N for a
 * signal), as a command would.
 */
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "fdutil.h"
#include "sv.h"

static struct termios	 saved;
static int		 raw;

static void
restore(void)
{
	if (raw)
		(void)tcsetattr(0, TCSAFLUSH, &saved);
	raw = 0;
}

static int
winsize(int fd)
{
	struct winsize	 ws;
	unsigned char	 b[4];

	if (ioctl(0, TIOCGWINSZ, &ws) == -1)
		return 0;
	b[0] = (unsigned char)(ws.ws_col >> 8);
	b[1] = (unsigned char)ws.ws_col;
	b[2] = (unsigned char)(ws.ws_row >> 8);
	b[3] = (unsigned char)ws.ws_row;
	return sv_frame_send(fd, SV_F_WINSIZE, b, 4);
}

/* The session's status line as an exit status. */
static int
ended(const unsigned char *p, size_t len)
{
	int	 kind, val;

	if (sv_status_parse((const char *)p, len, &kind, &val) == -1)
		return 1;
	return kind == SV_ST_EXIT ? val : 128 + val;
}

int
sv_attach(const char *name, int mode)
{
	static unsigned char	 rx[3 + SV_FRAME_MAX], in[SV_FRAME_MAX];
	struct sockaddr_un	 sun;
	struct signalfd_siginfo	 si;
	struct termios		 t;
	struct pollfd		 pfd[3];
	sigset_t		 set;
	size_t			 rxlen = 0, plen;
	ssize_t			 n;
	int			 fd, sigfd, k, type, rc = -1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (sv_dirpath(name, "sock", sun.sun_path, sizeof(sun.sun_path)) ==
	    -1 || (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "banger-agent: session %s: %s\n", name,
		    strerror(errno));
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (mode == SV_STDIN_PTY && isatty(0) && tcgetattr(0, &saved) == 0) {
		t = saved;
		cfmakeraw(&t);
		if (tcsetattr(0, TCSAFLUSH, &t) == 0)
			raw = 1;
		(void)winsize(fd);
	}
	while (rc == -1) {
		pfd[0] = (struct pollfd){ fd, POLLIN, 0 };
		pfd[1] = (struct pollfd){ 0, POLLIN, 0 };
		pfd[2] = (struct pollfd){ sigfd, POLLIN, 0 };
		if (poll(pfd, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			rc = 1;
			break;
		}
		if (pfd[2].revents & POLLIN) {
			while (read(sigfd, &si, sizeof(si)) > 0)
				;
			if (raw)
				(void)winsize(fd);
		}
		if (pfd[1].revents != 0) {
			n = read(0, in, sizeof(in));
			if (n == -1 && (errno == EINTR || errno == EAGAIN))
				continue;
			/* End of input (or a broken stdin) detaches. */
			if (n <= 0) {
				rc = 0;
				break;
			}
			if (sv_frame_send(fd, SV_F_INPUT, in, (size_t)n) == -1)
				rc = 1;
		}
		if (pfd[0].revents == 0)
			continue;
		n = read(fd, rx + rxlen, sizeof(rx) - rxlen);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* The supervisor went without a status: lost. */
			restore();
			fprintf(stderr, "banger-agent: session %s: the "
			    "supervisor went away\n", name);
			rc = 1;
			break;
		}
		rxlen += (size_t)n;
		while ((k = sv_frame_get(rx, rxlen, &type, &plen)) > 0) {
			if (type == SV_F_STDOUT || type == SV_F_STDERR) {
				if (write_all(type == SV_F_STDOUT ? 1 : 2,
				    rx + 3, plen) == -1) {
					rc = 0;
					break;
				}
			} else if (type == SV_F_EXIT) {
				rc = ended(rx + 3, plen);
				break;
			}
			memmove(rx, rx + k, rxlen - (size_t)k);
			rxlen -= (size_t)k;
		}
		if (k == -1)
			rc = 1;
	}
	restore();
	close(fd);
	return rc;
}
