/*
 * bangerd's side of the agent channel under a hostile guest: arbitrary
 * bytes cut into frames as agent_read() does and handed to agent_handle(),
 * at every state (starting or running, with or without a session),
 * interleaved with requests and stdin bangerd sends and console output.
 * Checked: no memory error, no more errors accepted than requests sent,
 * no more input acknowledged than was sent to the session, a dropped
 * channel stays dropped, the guest's error lines in bangerd's log stay
 * within the rate limit, and console.log within its cap.
 *
 * Input: byte 0 picks the state; then ops, each a byte and, for frames
 * and console data, a 16-bit length and that many bytes.  An op byte %
 * 4: 0 a request (if bit 2 is set stdin, (byte >> 3 & 15) * 4096 + 1
 * bytes of it, else a signal; to the `vm exec` session if bit 7 is set,
 * else the VM's own), 1 a new session (a `vm exec` one if bit 2 is set),
 * 2 a frame from the guest, 3 console output.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../bangerd/bangerd.h"
#include "frame.h"
#include "log.h"
#include "msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct bangerd	 d;
static struct vm	*vm;
static int		 logfd = -1;

static char	 dir[] = "/tmp/banger-fuzz-agent.XXXXXX";

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path);
	return 0;
}

static void
cleanup(void)
{
	(void)nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
init(void)
{
	char	 err[256];

	if (mkdtemp(dir) == NULL)
		abort();
	atexit(cleanup);
	TAILQ_INIT(&d.vms);
	TAILQ_INIT(&d.clients);
	TAILQ_INIT(&d.jobs);
	d.vmm = &qemu_ops;
	if ((d.base = event_base_new()) == NULL)
		abort();
	snprintf(d.paths.state_dir, sizeof(d.paths.state_dir), "%s", dir);
	snprintf(d.paths.db, sizeof(d.paths.db), "%s/bangerd.db", dir);
	snprintf(d.paths.vms_dir, sizeof(d.paths.vms_dir), "%s", dir);
	snprintf(d.home, sizeof(d.home), "%s", dir);
	if (db_open(&d, err, sizeof(err)) == -1)
		abort();
	if ((logfd = memfd_create("bangerd.log", MFD_CLOEXEC)) == -1)
		abort();
	log_init("bangerd", logfd, 0);
	if ((vm = vm_new(&d)) == NULL)
		abort();
	snprintf(vm->name, sizeof(vm->name), "fuzz");
	snprintf(vm->dir, sizeof(vm->dir), "%s", dir);
	if (db_vm_insert(&d, vm) == -1)
		abort();
}

/*
 * How many log lines hold s.  Lines, not occurrences: the guest's own
 * text (escaped, on the same line) may hold s too.
 */
static size_t
log_count(const char *s)
{
	static char	 buf[1 << 20];
	ssize_t		 n;
	size_t		 c = 0;
	char		*p, *nl;

	n = pread(logfd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		abort();
	buf[n] = '\0';
	for (p = buf; p != NULL && *p != '\0'; p = nl != NULL ? nl + 1 :
	    NULL) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl = '\0';
		c += strstr(p, s) != NULL;
	}
	return c;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t		 zeros[16 * 4096];
	struct ag_signal	 sg = { 15 };
	struct msg_bin		 in;
	struct bufferevent	*bev;
	uint64_t		 sent = 0;	/* stdin, this session */
	uint64_t		 xsent = 0;	/* ... the exec session */
	uint64_t		 to;
	size_t			 len, plen;
	uint8_t			*copy;
	int			 sp[2], vmm_end = -1, r;

	if (vm == NULL)
		init();
	if (size < 1)
		return 0;
	vm->state = data[0] & 1 ? VM_STARTING : VM_RUNNING;
	vm->session = (data[0] >> 1) & 3;
	d.next_session = vm->session + ((data[0] >> 3) & 3);
	/* A fresh rate-limit budget per input, as after a quiet spell. */
	memset(&vm->guest_log, 0, sizeof(vm->guest_log));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		abort();
	agent_attach(vm, sp[0]);
	if ((bev = vm->agent) == NULL)
		abort();
	data++;
	size--;
	while (size > 0 && vm->agent == bev) {
		switch (data[0] % 4) {
		case 0:		/* bangerd sends a request */
			to = data[0] & 0x80 ? vm->execs[0].id : vm->session;
			if (to != 0 && (data[0] & 4)) {
				in.p = zeros;
				in.len = (size_t)(data[0] >> 3 & 15) *
				    4096 + 1;
				if (agent_send_input(vm, to, &in) == 0) {
					if (to == vm->session)
						sent += in.len;
					else
						xsent += in.len;
				}
			} else if (to != 0)
				(void)agent_send(vm, AG_SIGNAL, to, &sg);
			data++;
			size--;
			continue;
		case 1:		/* a new session (bangerd's EXEC) */
			if (data[0] & 4) {
				memset(&vm->execs[0], 0,
				    sizeof(vm->execs[0]));
				vm->execs[0].id = ++d.next_session;
				xsent = 0;
			} else {
				vm->session = ++d.next_session;
				sent = 0;
			}
			data++;
			size--;
			continue;
		default:
			break;
		}
		if (size < 3)
			break;
		len = (size_t)data[1] << 8 | data[2];
		if (len > size - 3)
			len = size - 3;
		if (data[0] % 4 == 3) {
			/* Opened on first use: it costs file operations. */
			if (vmm_end == -1 && console_open(vm, &vmm_end) == -1)
				abort();
			(void)console_write(vm, data + 3, len);
			if (vm->con_size > CONSOLE_LOG_MAX)
				abort();
		} else {
			/* The stream as agent_read() sees it. */
			r = frame_peek(data + 3, len, FRAME_MAX_AGENT, &plen);
			if (r == FRAME_OK && plen <= len - FRAME_HDR) {
				if ((copy = malloc(plen)) == NULL)
					abort();
				memcpy(copy, data + 3 + FRAME_HDR, plen);
				agent_handle(vm, copy, plen);
				free(copy);
			}
		}
		data += 3 + len;
		size -= 3 + len;
		if (vm->ag_errors > vm->ag_requests)
			abort();
		/* Acknowledged no more than sent: in flight never grows. */
		if (vm->in_session == vm->session && vm->in_flight > sent)
			abort();
		if (vm->execs[0].in_flight > xsent)
			abort();
	}
	/* Ten at once, plus a "not logged" line and a refill or two. */
	if (log_count("agent error") > RL_BURST + 4)
		abort();
	agent_detach(vm);
	console_close(vm);
	if (vmm_end != -1)
		close(vmm_end);
	close(sp[1]);
	/* libevent closes a freed bufferevent's socket from its loop. */
	event_base_loop(d.base, EVLOOP_NONBLOCK);
	if (ftruncate(logfd, 0) == -1 || lseek(logfd, 0, SEEK_SET) == -1)
		abort();
	return 0;
}
