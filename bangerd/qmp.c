/*
 * The QEMU monitor (QMP) channel.  bangerd uses it to quit QEMU cleanly and
 * to log what QEMU reports.  QEMU runs the guest, so its output is bounded
 * and parsed with jansson like any other untrusted JSON.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "bangerd.h"
#include "log.h"

#define QMP_LINE_MAX	(64 * 1024)

static void
qmp_cmd(struct vm *vm, const char *cmd)
{
	char	 line[128];
	int	 n;

	n = snprintf(line, sizeof(line), "{\"execute\":\"%s\"}\r\n", cmd);
	bufferevent_write(vm->qmp, line, n);
}

static void
qmp_line(struct vm *vm, const char *line, size_t len)
{
	json_t		*j, *ev;
	json_error_t	 jerr;
	uint64_t	 dropped;

	if ((j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL || !json_is_object(j)) {
		log_warnx("vm %s: QMP: unparseable line dropped", vm->name);
		json_decref(j);
		return;
	}
	if (json_object_get(j, "QMP") != NULL)
		qmp_cmd(vm, "qmp_capabilities");
	else if (json_object_get(j, "return") != NULL && !vm->qmp_ready)
		vm->qmp_ready = 1;
	else if ((ev = json_object_get(j, "event")) != NULL &&
	    json_is_string(ev)) {
		/* A guest can cause events (RTC_CHANGE, resets, ...). */
		if (ratelimit_ok(&vm->guest_log, &dropped)) {
			if (dropped > 0)
				log_info("vm %s: %llu QMP events not logged "
				    "(rate limit)", vm->name,
				    (unsigned long long)dropped);
			log_info("vm %s: QMP event %.64s", vm->name,
			    json_string_value(ev));
		}
	}
	else if (json_object_get(j, "error") != NULL)
		log_warnx("vm %s: QMP command failed", vm->name);
	json_decref(j);
}

static void
qmp_read(struct bufferevent *bev, void *arg)
{
	struct vm	*vm = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	char		*line;
	size_t		 len;

	while (vm->qmp == bev &&
	    (line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF)) != NULL) {
		qmp_line(vm, line, len);
		free(line);
	}
	if (vm->qmp == bev && evbuffer_get_length(in) > QMP_LINE_MAX) {
		log_warnx("vm %s: QMP line too long; closing", vm->name);
		qmp_detach(vm);
	}
}

static void
qmp_event(struct bufferevent *bev, short what, void *arg)
{
	struct vm	*vm = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		qmp_detach(vm);
}

void
qmp_attach(struct vm *vm, int fd)
{
	vm->qmp = bufferevent_socket_new(vm->d->base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (vm->qmp == NULL) {
		close(fd);
		return;
	}
	vm->qmp_ready = 0;
	bufferevent_setcb(vm->qmp, qmp_read, NULL, qmp_event, vm);
	bufferevent_setwatermark(vm->qmp, EV_READ, 0, QMP_LINE_MAX + 1);
	bufferevent_enable(vm->qmp, EV_READ | EV_WRITE);
}

void
qmp_detach(struct vm *vm)
{
	if (vm->qmp != NULL) {
		bufferevent_free(vm->qmp);
		vm->qmp = NULL;
	}
	vm->qmp_ready = 0;
}

int
qmp_quit(struct vm *vm)
{
	if (vm->qmp == NULL || !vm->qmp_ready)
		return -1;
	qmp_cmd(vm, "quit");
	return 0;
}

int
qmp_powerdown(struct vm *vm)
{
	if (vm->qmp == NULL || !vm->qmp_ready)
		return -1;
	qmp_cmd(vm, "system_powerdown");
	return 0;
}
