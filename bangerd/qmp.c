/*
 * The QEMU monitor (QMP) channel.  bangerd uses it to quit QEMU cleanly,
 * to log what QEMU reports, and to save and load a guest's state
 * (vm-suspend.c, vm-resume.c): commands with an "id", each answered to
 * the callback it was sent with.  QEMU runs the guest, so its output is
 * bounded and parsed with jansson like any other untrusted JSON.
 */
#include <sys/socket.h>

#include <errno.h>
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

/* The answer to a command sent with an id: its callback, once. */
static int
qmp_answer(struct vm *vm, json_t *j)
{
	json_t		*idj = json_object_get(j, "id"), *v;
	qmp_cb		 cb = NULL;
	size_t		 i;
	int		 ok;

	if (!json_is_integer(idj))
		return 0;
	for (i = 0; i < vm->qmp_nwait; i++)
		if ((json_int_t)vm->qmp_wait[i].id == json_integer_value(idj))
			break;
	if (i == vm->qmp_nwait) {
		log_warnx("vm %s: QMP answer to no command", vm->name);
		return 1;
	}
	cb = vm->qmp_wait[i].cb;
	memmove(&vm->qmp_wait[i], &vm->qmp_wait[i + 1],
	    (vm->qmp_nwait - i - 1) * sizeof(vm->qmp_wait[0]));
	vm->qmp_nwait--;
	if ((v = json_object_get(j, "return")) != NULL)
		ok = 1;
	else {
		ok = 0;
		v = json_object_get(j, "error");
	}
	if (cb != NULL)
		cb(vm, ok, v);
	return 1;
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
	else if (qmp_answer(vm, j))
		;
	else if (json_object_get(j, "return") != NULL && !vm->qmp_ready) {
		vm->qmp_ready = 1;
		/* A resume starts loading as soon as QEMU listens. */
		if (vm->resuming)
			vm_resume_qmp_ready(vm);
		/* Adopted: a save a crash cut short may have paused it. */
		if (vm->adopted) {
			vm->adopted = 0;
			(void)qmp_exec(vm, "cont", NULL, NULL);
		}
	}
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

/*
 * The monitor is gone: every command still waiting learns it (ok -1),
 * after the list is emptied, so that a callback may send no more.
 */
void
qmp_detach(struct vm *vm)
{
	struct qmp_wait	 w[QMP_WAIT_MAX];
	size_t		 n = vm->qmp_nwait, i;

	if (vm->qmp != NULL) {
		bufferevent_free(vm->qmp);
		vm->qmp = NULL;
	}
	vm->qmp_ready = 0;
	memcpy(w, vm->qmp_wait, n * sizeof(w[0]));
	vm->qmp_nwait = 0;
	for (i = 0; i < n; i++)
		if (w[i].cb != NULL)
			w[i].cb(vm, -1, NULL);
}

/*
 * Send {"execute": cmd, "arguments": args, "id": N}; args (may be NULL)
 * is taken.  cb gets the answer.  -1 if the monitor is not ready or too
 * many commands wait.
 */
int
qmp_exec(struct vm *vm, const char *cmd, json_t *args, qmp_cb cb)
{
	json_t	*j;
	char	*s;
	int	 rc = -1;

	if (vm->qmp == NULL || !vm->qmp_ready ||
	    vm->qmp_nwait == QMP_WAIT_MAX) {
		json_decref(args);
		return -1;
	}
	j = json_pack("{s:s, s:I}", "execute", cmd, "id",
	    (json_int_t)++vm->qmp_id);
	if (j == NULL) {
		json_decref(args);
		return -1;
	}
	if (args != NULL && json_object_set_new(j, "arguments", args) == -1)
		goto out;
	if ((s = json_dumps(j, JSON_COMPACT)) == NULL)
		goto out;
	if (bufferevent_write(vm->qmp, s, strlen(s)) == 0 &&
	    bufferevent_write(vm->qmp, "\r\n", 2) == 0) {
		vm->qmp_wait[vm->qmp_nwait].id = vm->qmp_id;
		vm->qmp_wait[vm->qmp_nwait].cb = cb;
		vm->qmp_nwait++;
		rc = 0;
	}
	free(s);
out:
	json_decref(j);
	return rc;
}

/*
 * getfd: hand QEMU a descriptor under a name, in the same message as the
 * command (SCM_RIGHTS).  The bytes cannot be queued behind others, so
 * this needs the monitor's output empty, which it is between commands.
 */
int
qmp_send_fd(struct vm *vm, const char *name, int fd, qmp_cb cb)
{
	struct msghdr	 mh;
	struct iovec	 iov;
	struct cmsghdr	*cm;
	union {
		char		 buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	 align;
	} u;
	char		 line[160];
	int		 n;
	ssize_t		 w;

	if (vm->qmp == NULL || !vm->qmp_ready ||
	    vm->qmp_nwait == QMP_WAIT_MAX ||
	    evbuffer_get_length(bufferevent_get_output(vm->qmp)) != 0)
		return -1;
	n = snprintf(line, sizeof(line), "{\"execute\":\"getfd\","
	    "\"arguments\":{\"fdname\":\"%s\"},\"id\":%llu}\r\n", name,
	    (unsigned long long)(vm->qmp_id + 1));
	if (n < 0 || (size_t)n >= sizeof(line))
		return -1;
	memset(&mh, 0, sizeof(mh));
	memset(&u, 0, sizeof(u));
	iov.iov_base = line;
	iov.iov_len = (size_t)n;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	do
		w = sendmsg(bufferevent_getfd(vm->qmp), &mh, MSG_NOSIGNAL);
	while (w == -1 && errno == EINTR);
	if (w != n) {
		log_warnx("vm %s: QMP getfd: %s", vm->name,
		    w == -1 ? strerror(errno) : "short write");
		return -1;
	}
	vm->qmp_id++;
	vm->qmp_wait[vm->qmp_nwait].id = vm->qmp_id;
	vm->qmp_wait[vm->qmp_nwait].cb = cb;
	vm->qmp_nwait++;
	return 0;
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
