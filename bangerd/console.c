/*
 * A VM's serial console.  The VMM writes it to a socket or pipe whose
 * other end bangerd reads in its event loop and appends to console.log,
 * which is rotated to console.log.1 whenever it would pass
 * CONSOLE_LOG_MAX: a guest flooding its console costs the host at most
 * twice that much disk, and the newest output is always kept.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bangerd.h"
#include "fdutil.h"
#include "log.h"

/* Read at most this much per wake-up, so one VM cannot starve the rest. */
#define CONSOLE_READ_MAX	(256 * 1024)

static int
console_log_open(struct vm *vm, int trunc)
{
	char	 path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/console.log", vm->dir);
	vm->con_log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
	    O_NOFOLLOW | (trunc ? O_TRUNC : 0), 0600);
	if (vm->con_log == -1) {
		log_warn("vm %s: %s", vm->name, path);
		return -1;
	}
	vm->con_size = lseek(vm->con_log, 0, SEEK_END);
	if (vm->con_size < 0)
		vm->con_size = 0;
	return 0;
}

static int
console_rotate(struct vm *vm)
{
	char	 cur[PATH_MAX + 16], old[PATH_MAX + 16];

	snprintf(cur, sizeof(cur), "%s/console.log", vm->dir);
	snprintf(old, sizeof(old), "%s/console.log.1", vm->dir);
	close(vm->con_log);
	vm->con_log = -1;
	if (rename(cur, old) == -1)
		log_warn("vm %s: rotate %s", vm->name, cur);
	return console_log_open(vm, 1);
}

/* Append to console.log under the cap; bytes that cannot be kept go. */
int
console_write(struct vm *vm, const void *p, size_t len)
{
	const char	*c = p;
	size_t		 room, n;
	ssize_t		 w;

	while (len > 0 && vm->con_log != -1) {
		if (vm->con_size >= CONSOLE_LOG_MAX &&
		    console_rotate(vm) == -1)
			return -1;
		room = CONSOLE_LOG_MAX - (size_t)vm->con_size;
		n = len < room ? len : room;
		if ((w = write(vm->con_log, c, n)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("vm %s: console.log", vm->name);
			close(vm->con_log);
			vm->con_log = -1;
			return -1;
		}
		vm->con_size += w;
		c += w;
		len -= (size_t)w;
	}
	return 0;
}

static void
console_read(evutil_socket_t fd, short what, void *arg)
{
	struct vm	*vm = arg;
	char		 buf[65536];
	size_t		 total = 0;
	ssize_t		 n;

	(void)what;
	while (total < CONSOLE_READ_MAX) {
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			(void)console_write(vm, buf, (size_t)n);
			total += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		/* EOF or error: the VMM is gone. */
		console_close(vm);
		return;
	}
}

/*
 * Read the console from fd, a connection to the VMM's listening console
 * socket (qemu.c), made after the start or after an adoption: the log is
 * appended to (console_open() began it for a boot).
 */
int
console_attach(struct vm *vm, int fd)
{
	if (vm->con_ev != NULL)
		event_free(vm->con_ev);
	vm->con_ev = NULL;
	if (vm->con_fd != -1)
		close(vm->con_fd);
	vm->con_fd = fd;
	if ((vm->con_log == -1 && console_log_open(vm, 0) == -1) ||
	    fd_nonblock(fd, 1) == -1 || (vm->con_ev = event_new(vm->d->base,
	    fd, EV_READ | EV_PERSIST, console_read, vm)) == NULL ||
	    event_add(vm->con_ev, NULL) == -1) {
		log_warn("vm %s: console channel", vm->name);
		console_close(vm);
		return -1;
	}
	return 0;
}

/*
 * Make the console channel for a boot: console.log truncated (one boot's
 * console, as before), its rotated copy removed, and a socket pair whose
 * other end, returned in *vmm_end, goes to the VMM.  With vmm_end NULL
 * only the log: the VMM listens, and console_attach() reads it.
 */
int
console_open(struct vm *vm, int *vmm_end)
{
	char	 old[PATH_MAX + 16];
	int	 sp[2];

	if (vmm_end != NULL)
		*vmm_end = -1;
	console_close(vm);
	snprintf(old, sizeof(old), "%s/console.log.1", vm->dir);
	if (unlink(old) == -1 && errno != ENOENT)
		log_warn("vm %s: %s", vm->name, old);
	if (console_log_open(vm, 1) == -1)
		return -1;
	if (vmm_end == NULL)
		return 0;
	if (vm->d->vmm->console_pipe) {
		if (pipe2(sp, O_CLOEXEC) == -1)
			goto fail;
	} else if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) ==
	    -1)
		goto fail;
	if (fd_nonblock(sp[0], 1) == -1 || (vm->con_ev = event_new(
	    vm->d->base, sp[0], EV_READ | EV_PERSIST, console_read, vm)) ==
	    NULL || event_add(vm->con_ev, NULL) == -1) {
		close(sp[0]);
		close(sp[1]);
		if (vm->con_ev != NULL)
			event_free(vm->con_ev);
		vm->con_ev = NULL;
		goto fail;
	}
	vm->con_fd = sp[0];
	*vmm_end = sp[1];
	return 0;
fail:
	log_warn("vm %s: console channel", vm->name);
	close(vm->con_log);
	vm->con_log = -1;
	return -1;
}

void
console_close(struct vm *vm)
{
	if (vm->con_ev != NULL) {
		event_free(vm->con_ev);
		vm->con_ev = NULL;
	}
	if (vm->con_fd != -1) {
		close(vm->con_fd);
		vm->con_fd = -1;
	}
	if (vm->con_log != -1) {
		close(vm->con_log);
		vm->con_log = -1;
	}
}
