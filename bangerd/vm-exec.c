/*
 * `vm exec`: commands that run in a VM beside its own (vm run's command,
 * the preparation steps) and beside each other, up to VM_EXEC_MAX at
 * once.  Each is an agent session with its own id, input window and
 * client; the agent channel carries them all.  Input flow control is
 * per session (agent.c, vm-session.c); output is not: while any of the
 * VM's clients has CLIENT_OUTQ_HIGH of output unread, bangerd stops
 * reading the agent channel, so one client that does not read slows the
 * others of that VM (never another VM's, nor bangerd).
 *
 * A slot stays taken from AG_EXEC until the agent's AG_EXIT for it, also
 * after its client hung up (the command is sent SIGHUP and its output
 * dropped), so that a session id is never reused while the guest may
 * still talk about it.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "bangerd.h"
#include "log.h"

struct vm_exec *
vm_exec_find(struct vm *vm, uint64_t id)
{
	size_t	 i;

	if (id == 0)
		return NULL;
	for (i = 0; i < VM_EXEC_MAX; i++)
		if (vm->execs[i].id == id)
			return &vm->execs[i];
	return NULL;
}

const struct vm_exec *
vm_exec_find_c(const struct vm *vm, uint64_t id)
{
	return vm_exec_find((struct vm *)vm, id);
}

struct vm_exec *
vm_exec_of(struct vm *vm, const struct client *c)
{
	size_t	 i;

	if (c == NULL)
		return NULL;
	for (i = 0; i < VM_EXEC_MAX; i++)
		if (vm->execs[i].id != 0 && vm->execs[i].c == c)
			return &vm->execs[i];
	return NULL;
}

/* Any `vm exec` still running (a suspend or fork must wait for it). */
int
vm_exec_busy(const struct vm *vm)
{
	size_t	 i;

	for (i = 0; i < VM_EXEC_MAX; i++)
		if (vm->execs[i].id != 0)
			return 1;
	return 0;
}

void
vm_exec_cmd(struct client *c, struct ctl_vm_exec *req, struct vm *vm)
{
	struct vm_exec	*x = NULL;
	char		 err[512];
	size_t		 i;

	if (req->argv.n == 0) {
		client_error(c, BERR_INVALID, "no command given");
		return;
	}
	if (vm->state != VM_RUNNING || vm->agent == NULL) {
		client_error(c, BERR_INVALID, "VM %s is %s; start it with "
		    "`banger vm start %s`", vm->name,
		    vm->state != VM_RUNNING ? vm_state_name(vm->state) :
		    "not answering yet", vm->name);
		return;
	}
	if (vm->suspending || vm->forking) {
		client_error(c, BERR_BUSY, "VM %s is being %s", vm->name,
		    vm->suspending ? "suspended" : "forked");
		return;
	}
	for (i = 0; i < VM_EXEC_MAX && x == NULL; i++)
		if (vm->execs[i].id == 0)
			x = &vm->execs[i];
	if (x == NULL) {
		client_error(c, BERR_BUSY, "VM %s is already running %d "
		    "commands for `vm exec` and its tools (the most at once); "
		    "try again when one has ended", vm->name, VM_EXEC_MAX);
		return;
	}
	x->id = ++vm->d->next_session;
	if (vm_send_exec(vm, x->id, &req->argv, req->tty, req->cols,
	    req->rows, "", err, sizeof(err)) == -1) {
		memset(x, 0, sizeof(*x));
		client_error(c, BERR_INTERNAL, "%s", err);
		return;
	}
	x->c = c;
	x->in_flight = 0;
	c->vm = vm;
	c->started = 1;
	log_info("vm %s: exec session %llu started", vm->name,
	    (unsigned long long)x->id);
	client_send(c, CTL_OK, &(struct ctl_ok){ 0 });
}

/* Output of a `vm exec` session: 1 if id is one (handled here). */
int
vm_exec_output(struct vm *vm, uint64_t id, const struct ag_output *o)
{
	struct vm_exec		*x;
	struct ctl_output	 co;

	if ((x = vm_exec_find(vm, id)) == NULL)
		return 0;
	if (x->c == NULL || x->c->bev == NULL)
		return 1;
	co.stream = o->stream;
	co.data = o->data;
	client_send(x->c, CTL_OUTPUT, &co);
	/* Back-pressure: stop reading the guest while the CLI lags. */
	if (evbuffer_get_length(bufferevent_get_output(x->c->bev)) >
	    CLIENT_OUTQ_HIGH && vm->agent != NULL)
		bufferevent_disable(vm->agent, EV_READ);
	return 1;
}

/* The end of a `vm exec` session: 1 if id is one (handled here). */
int
vm_exec_exit(struct vm *vm, uint64_t id, const struct ag_exit *e)
{
	struct vm_exec	*x;
	struct client	*c;
	struct ctl_exit	 ce;

	if ((x = vm_exec_find(vm, id)) == NULL)
		return 0;
	log_info("vm %s: exec session %llu exited (status %lld, signal %llu)",
	    vm->name, (unsigned long long)id, (long long)e->status,
	    (unsigned long long)e->signo);
	c = x->c;
	memset(x, 0, sizeof(*x));
	if (c != NULL) {
		ce.status = e->status;
		ce.signo = e->signo;
		client_send(c, CTL_EXIT, &ce);
		c->vm = NULL;
		client_finish(c);
	}
	vm_agent_read_maybe(vm);
	return 1;
}

static time_t
mono_sec(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * A command hung up on that has not ended VM_EXEC_KILL_SEC later (it
 * ignores SIGHUP) is killed, so that its place comes free.
 */
static void
vm_exec_reap(evutil_socket_t fd, short what, void *arg)
{
	struct vm		*vm = arg;
	struct vm_exec		*x;
	struct ag_signal	 sg = { SIGKILL };
	struct timeval		 tv = { 1, 0 };
	time_t			 now = mono_sec();
	size_t			 i;
	int			 wait = 0;

	(void)fd;
	(void)what;
	for (i = 0; i < VM_EXEC_MAX; i++) {
		x = &vm->execs[i];
		if (x->id == 0 || x->c != NULL || x->killed)
			continue;
		if (now - x->hung_at < VM_EXEC_KILL_SEC) {
			wait = 1;
			continue;
		}
		x->killed = 1;
		log_info("vm %s: exec session %llu did not end on SIGHUP; "
		    "killing it", vm->name, (unsigned long long)x->id);
		if (vm->agent != NULL)
			(void)agent_send(vm, AG_SIGNAL, x->id, &sg);
	}
	if (wait)
		evtimer_add(vm->exec_timer, &tv);
}

/* Its client hung up: the command is hung up on; the slot waits for its
 * end. */
void
vm_exec_gone(struct vm *vm, struct client *c)
{
	struct vm_exec	*x;
	struct ag_signal sg = { SIGHUP };
	struct timeval	 tv = { 1, 0 };

	if ((x = vm_exec_of(vm, c)) == NULL)
		return;
	/*
	 * in_flight stays: the agent still acknowledges what it was sent
	 * (and discards), and an acknowledgement of more than is counted
	 * would end the channel, every other command's with it.
	 */
	x->c = NULL;
	x->hung_at = mono_sec();
	x->killed = 0;
	if (vm->agent != NULL)
		(void)agent_send(vm, AG_SIGNAL, x->id, &sg);
	if (vm->exec_timer == NULL)
		vm->exec_timer = evtimer_new(vm->d->base, vm_exec_reap, vm);
	if (vm->exec_timer != NULL && !evtimer_pending(vm->exec_timer, NULL))
		evtimer_add(vm->exec_timer, &tv);
	vm_agent_read_maybe(vm);
}

/*
 * The VM is being deleted: every `vm exec` client is told why and its
 * command hung up on; the slots wait for their ends, or for the channel
 * to go (vm_exec_end_all()).
 */
void
vm_exec_hangup_all(struct vm *vm, const char *fmt, ...)
{
	struct client	*c;
	va_list		 ap;
	char		 msg[1024];
	size_t		 i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (i = 0; i < VM_EXEC_MAX; i++) {
		if ((c = vm->execs[i].c) == NULL)
			continue;
		vm_exec_gone(vm, c);
		c->vm = NULL;
		client_error(c, BERR_INTERNAL, "%s", msg);
	}
}

/*
 * The VM or its agent channel went away: every `vm exec` ends, its
 * client told why.
 */
void
vm_exec_end_all(struct vm *vm, int code, const char *fmt, ...)
{
	struct client	*c;
	va_list		 ap;
	char		 msg[1024];
	size_t		 i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (i = 0; i < VM_EXEC_MAX; i++) {
		c = vm->execs[i].c;
		memset(&vm->execs[i], 0, sizeof(vm->execs[i]));
		if (c == NULL)
			continue;
		c->vm = NULL;
		client_error(c, code, "%s", msg);
	}
}

/*
 * Read the agent channel again unless one of the VM's clients still has
 * CLIENT_OUTQ_HIGH of output unread (the others then wait for it).
 */
void
vm_agent_read_maybe(struct vm *vm)
{
	struct client	*c;
	size_t		 i;

	if (vm->agent == NULL)
		return;
	for (i = 0; i <= VM_EXEC_MAX; i++) {
		c = i < VM_EXEC_MAX ? vm->execs[i].c : vm->runner;
		if (c != NULL && c->bev != NULL &&
		    evbuffer_get_length(bufferevent_get_output(c->bev)) >
		    CLIENT_OUTQ_HIGH)
			return;
	}
	bufferevent_enable(vm->agent, EV_READ);
}
