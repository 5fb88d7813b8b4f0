/*
 * Raw mode for `vm run` on a terminal.  Keys, Ctrl-C included, go to the
 * guest's pty as input; the saved mode is put back by tty_restore(),
 * which also runs from atexit so that every exit path restores it.
 */
#include <sys/ioctl.h>

#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "tty.h"

static struct termios	saved;
static int		saved_fd = -1;

void
tty_restore(void)
{
	if (saved_fd == -1)
		return;
	(void)tcsetattr(saved_fd, TCSADRAIN, &saved);
	saved_fd = -1;
}

int
tty_raw(int fd)
{
	static int	 registered;
	struct termios	 t;

	if (tcgetattr(fd, &saved) == -1)
		return -1;
	t = saved;
	cfmakeraw(&t);
	if (!registered) {
		atexit(tty_restore);
		registered = 1;
	}
	saved_fd = fd;
	if (tcsetattr(fd, TCSADRAIN, &t) == -1) {
		saved_fd = -1;
		return -1;
	}
	return 0;
}

int
tty_size(int fd, uint64_t *cols, uint64_t *rows)
{
	struct winsize	 ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) == -1)
		return -1;
	*cols = ws.ws_col;
	*rows = ws.ws_row;
	return 0;
}
