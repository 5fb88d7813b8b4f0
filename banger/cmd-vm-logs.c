/*
 * banger vm logs [-f] NAME: the guest's serial console.  bangerd says
 * where the VM's directory is; the file is ours, so we read it directly,
 * and with -f follow it like tail -f until the VM is deleted.  The guest
 * wrote every byte of it, so on a terminal its control characters are
 * shown escaped (esc.c); into a file or a pipe it goes unchanged.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "banger.h"
#include "esc.h"
#include "exitcode.h"
#include "fdutil.h"
#include "proto.h"
#include "valid.h"
#include "vminfo.h"

#define FOLLOW_INTERVAL_MS	200
#define LOGS_CHUNK		16384

/*
 * Write a chunk of console text, escaped when e is not NULL; p == NULL
 * ends the text (a sequence left unfinished is shown escaped).
 */
static int
logs_write(struct esc *e, const char *p, size_t n)
{
	static char	 out[ESC_OUTMAX(LOGS_CHUNK)];

	if (e == NULL)
		return write_all(1, p, n) == -1 ? -1 : 0;
	n = p == NULL ? esc_finish(e, out) : esc_feed(e, p, n, out);
	return write_all(1, out, n) == -1 ? -1 : 0;
}

/*
 * bangerd rotates console.log (to console.log.1) when it reaches its cap
 * and truncates it at each boot.  The old descriptor has been read to its
 * end: follow the file now at the path, from its start.
 */
static int
logs_reopen(int fd, const char *path)
{
	struct stat	 cur, now;
	off_t		 off;
	int		 nfd;

	if (fstat(fd, &cur) == -1 || stat(path, &now) == -1)
		return fd;
	if (cur.st_dev == now.st_dev && cur.st_ino == now.st_ino) {
		/* Truncated for a new boot: start again from the top. */
		if ((off = lseek(fd, 0, SEEK_CUR)) != -1 && cur.st_size < off)
			(void)lseek(fd, 0, SEEK_SET);
		return fd;
	}
	if ((nfd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return fd;
	close(fd);
	return nfd;
}

static const struct cmd_opt vm_logs_opts[] = {
	{ "follow", 'f', NULL, "keep printing what the guest writes" },
	{ NULL, 0, NULL, NULL }
};

static int
cmd_vm_logs_exec(const struct cmd_entry *e, struct args *a)
{
	struct ctl_vm_name	 req;
	struct ctl_vm_info	*vi;
	struct client		 c;
	struct stat		 st;
	struct esc		 esc, *ep = NULL;
	char			 path[PATH_MAX + 16], dir[PATH_MAX];
	char			 buf[LOGS_CHUNK];
	ssize_t			 n;
	int			 fd, rc, follow = args_get(e, a, "follow") != NULL;

	if (!valid_vm_name(a->pos[0]))
		return cmd_usage_error(e, "invalid VM name '%.64s'",
		    a->pos[0]);
	req.name = a->pos[0];
	if ((rc = client_open_or_report(&c, 1)) != 0)
		return rc;
	rc = vm_request(&c, CTL_VM_SHOW, &req, &vi);
	client_close(&c);
	if (rc != BEX_OK)
		return rc;
	snprintf(dir, sizeof(dir), "%s", vi->dir);
	snprintf(path, sizeof(path), "%s/console.log", vi->dir);
	vm_info_free(vi);
	if (isatty(1)) {
		esc_init(&esc, ESC_TERM);
		ep = &esc;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno == ENOENT && !follow) {
			/* Never booted: nothing logged yet. */
			return BEX_OK;
		}
		if (errno != ENOENT) {
			cli_warn("%s", path);
			return BEX_FAIL;
		}
	}
	for (;;) {
		if (fd != -1) {
			while ((n = read(fd, buf, sizeof(buf))) > 0)
				if (logs_write(ep, buf, (size_t)n) == -1)
					return BEX_FAIL;
			if (n == -1) {
				cli_warn("%s", path);
				return BEX_FAIL;
			}
		}
		if (!follow)
			break;
		usleep(FOLLOW_INTERVAL_MS * 1000);
		/* The VM's directory goes with the VM. */
		if (stat(dir, &st) == -1 && errno == ENOENT)
			break;
		if (fd == -1)
			fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		else
			fd = logs_reopen(fd, path);
	}
	if (fd != -1)
		close(fd);
	/* A sequence the guest left unfinished. */
	if (ep != NULL && logs_write(ep, NULL, 0) == -1)
		return BEX_FAIL;
	return BEX_OK;
}

const struct cmd_entry cmd_vm_logs_entry = {
	.name = "vm logs",
	.usage = "NAME",
	.summary = "print a VM's console log (-f follows it)",
	.opts = vm_logs_opts,
	.min_pos = 1,
	.max_pos = 1,
	.exec = cmd_vm_logs_exec,
};
