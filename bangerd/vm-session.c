/*
 * The one command a running VM runs for a client (vm run, vm exec): sent
 * to the agent, its output and exit passed back, the client's input,
 * signals and window size passed on.
 */
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <ftw.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "bangerd.h"
#include "config.h"
#include "firecracker.h"
#include "fdutil.h"
#include "image-exec.h"
#include "log.h"
#include "priv-wrap.h"
#include "valid.h"

#include "vm-phase.h"

/*
 * Send AG_EXEC for session id: argv in the image's environment (a pulled
 * image's Env, WorkingDir and User, image-exec.c), in cwd ("" for the
 * image's).  Returns 0, or -1 with a message for the client in err.
 */
int
vm_send_exec(struct vm *vm, uint64_t id, const struct msg_strv *argv,
    int tty, uint64_t cols, uint64_t rows, const char *cwd, char *err,
    size_t errlen)
{
	struct ag_exec		 ex;
	struct image_exec	 ie;
	char			 why[384];
	int			 rc;

	if (image_exec_load(vm->img.dir, &ie, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "image %s of VM %s: %s; pull it again",
		    vm->img.name, vm->name, why);
		return -1;
	}
	memset(&ex, 0, sizeof(ex));
	ex.argv = *argv;
	ex.env.v = ie.env != NULL ? ie.env : (char *[]){ NULL };
	ex.env.n = ie.nenv;
	ex.cwd = cwd[0] != '\0' ? (char *)cwd : ie.workdir;
	ex.user = ie.user;
	ex.tty = tty;
	ex.cols = cols;
	ex.rows = rows;
	rc = agent_send(vm, AG_EXEC, id, &ex);
	image_exec_free(&ie);
	if (rc == -1) {
		snprintf(err, errlen, "could not send the command to VM %s",
		    vm->name);
		return -1;
	}
	return 0;
}

void
vm_start_session(struct vm *vm)
{
	struct client		*c = vm->runner;
	char			 err[512];

	vm->session = ++vm->d->next_session;
	if (vm_send_exec(vm, vm->session, &vm->run_argv, vm->run_tty,
	    vm->run_cols, vm->run_rows, vm->run_cwd, err, sizeof(err)) == -1) {
		vm->runner = NULL;
		vm->session = 0;
		c->vm = NULL;
		client_error(c, BERR_INTERNAL, "%s", err);
		return;
	}
	c->started = 1;
	vm->run_created = 0;
	client_send(c, CTL_OK, &(struct ctl_ok){ 0 });
}

void
vm_agent_output(struct vm *vm, uint64_t id, const struct ag_output *o)
{
	struct ctl_output	 co;
	struct client		*c = vm->runner;
	size_t			 n;

	if (id != vm->session)
		return;

	/* A new ssh host key's public half (vm_personalized()). */
	if (vm->capture != 0 && vm->capture == vm->session) {
		/* Only stdout, and only while it fits; else it is spoilt. */
		if (vm->capture_bad || o->stream != 1 ||
		    o->data.len > sizeof(vm->captured) - vm->ncaptured)
			vm->capture_bad = 1;
		else {
			memcpy(vm->captured + vm->ncaptured, o->data.p,
			    o->data.len);
			vm->ncaptured += o->data.len;
		}
		return;
	}
	/* Why a seed step failed (warm_seeded()): its stderr, bounded. */
	if (vm->seeding != 0 && vm->seeding == vm->session) {
		if (o->stream == 2 && vm->ncaptured < sizeof(vm->captured)) {
			n = sizeof(vm->captured) - vm->ncaptured;
			if (n > o->data.len)
				n = o->data.len;
			memcpy(vm->captured + vm->ncaptured, o->data.p, n);
			vm->ncaptured += n;
		}
		return;
	}
	/* The bootstrap's output goes to its log in the guest, not here. */
	if (vm->bootstrapping != 0)
		return;
	if (c == NULL || c->bev == NULL)
		return;
	co.stream = o->stream;
	co.data = o->data;
	client_send(c, CTL_OUTPUT, &co);
	/* Back-pressure: stop reading the guest while the CLI lags. */
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) >
	    CLIENT_OUTQ_HIGH && vm->agent != NULL)
		bufferevent_disable(vm->agent, EV_READ);
}

void
vm_agent_exit(struct vm *vm, uint64_t id, const struct ag_exit *e)
{
	struct ctl_exit	 ce;
	struct client	*c = vm->runner;

	if (id != vm->session)
		return;

	if (vm->sync_session != 0 && vm->session == vm->sync_session) {
		vm->session = vm->sync_session = 0;
		vm_suspend_synced(vm);
		return;
	}
	if (vm->capture != 0 && vm->session == vm->capture) {
		vm->capture = 0;
		vm_personalized(vm, e->status);
	}
	if (vm->seeding != 0 && vm->session == vm->seeding) {
		vm->seeding = 0;
		vm->session = vm->bootstrapping = 0;
		/*
		 * "Unknown command": an agent older than `own` (then the
		 * identity step and `seed`), or than `seed` (the shell).
		 */
		if (e->status == 2 && vm->seed_how != SEED_SH) {
			vm->seed_how++;
			log_info("vm %s: its agent has no %s command; %s",
			    vm->name, vm->seed_how == SEED_AGENT ? "own" :
			    "seed", vm->seed_how == SEED_AGENT ? "one step "
			    "at a time" : "copying its files with the shell");
			vm_prepare(vm);
			return;
		}
		/* `own` took the VM's name, machine id and host key too. */
		if (e->status == 0 && vm->seed_how == SEED_OWN)
			vm->born_as[0] = '\0';
		warm_seeded(vm, e->status);
		return;
	}
	if (vm->bootstrapping != 0) {
		vm->session = vm->bootstrapping = 0;
		vm->prep_status = e->status;
		if (vm->ssh_waiting) {
			vm->ssh_waiting = 0;
			if (e->status != 0 && (c = vm->runner) != NULL) {
				log_warnx("vm %s: no ssh server after %d s",
				    vm->name, SSH_WAIT_SEC);
				vm->runner = NULL;
				c->vm = NULL;
				client_error(c, BERR_BOOT, "VM %s is running "
				    "but its ssh server did not listen within "
				    "%d s; see %s/console.log", vm->name,
				    SSH_WAIT_SEC, vm->dir);
				return;
			}
			vm_prepare(vm);
			return;
		}
		/* A failed --branch checkout fails the run; the rest not. */
		if (vm->checked_out && !vm->bootstrapped && e->status != 0 &&
		    (c = vm->runner) != NULL) {
			log_warnx("vm %s: checkout of %s failed", vm->name,
			    vm->ws_branch);
			vm->runner = NULL;
			c->vm = NULL;
			client_error(c, BERR_INVALID, "could not check out a "
			    "new branch %s from %s in VM %s (is the ref in the "
			    "repository?)", vm->ws_branch, vm->ws_from[0] ?
			    vm->ws_from : "HEAD", vm->name);
			if (vm->rm || vm->run_created)
				vm_delete(NULL, vm);
			return;
		}
		log_info("vm %s: preparation step ended (status %lld)",
		    vm->name, (long long)e->status);
		vm_prepare(vm);
		return;
	}
	log_info("vm %s: command exited (status %lld, signal %llu)", vm->name,
	    (long long)e->status, (unsigned long long)e->signo);
	/* Input still held for the command is moot now. */
	if (c != NULL)
		vm_client_drop_hold(c);
	vm->session = 0;
	strv_free(&vm->run_argv);
	ce.status = e->status;
	ce.signo = e->signo;
	vm->runner = NULL;
	if (vm->rm) {
		/* --rm: the exit status goes out once the VM is gone. */
		vm->exit_waiter = c;
		vm->exit = ce;
		vm_delete(NULL, vm);
		return;
	}
	if (c != NULL) {
		client_send(c, CTL_EXIT, &ce);
		c->vm = NULL;
		client_finish(c);
	}
}

void
vm_agent_lost(struct vm *vm, const char *why)
{
	struct client	*c = vm->runner;

	log_warnx("vm %s: agent channel closed: %s", vm->name, why);
	vm_exec_end_all(vm, BERR_BOOT, "lost contact with the agent in VM %s "
	    "(%s); see %s/console.log", vm->name, why, vm->dir);
	agent_detach(vm);
	vm->session = 0;
	/* A suspend waiting for the guest's sync goes on without it. */
	if (vm->sync_session != 0) {
		vm->sync_session = 0;
		vm_suspend_synced(vm);
		return;
	}
	/* A resume that failed: its VMM's exit tells the client why. */
	if (vm->resuming == 1)
		return;
	if (c != NULL) {
		vm->runner = NULL;
		c->vm = NULL;
		client_error(c, BERR_BOOT, "lost contact with the agent in VM "
		    "%s (%s); see %s/console.log", vm->name, why, vm->dir);
	}
	if (vm->rm && vm->state != VM_DELETING)
		vm_delete(NULL, vm);
}

/*
 * A client that passed PENDING_MAX is not read, so its hang-up (a second
 * Ctrl-C) would go unseen until the guest reads again, perhaps never: its
 * command would not be hung up on, nor a --rm VM deleted.  libevent's
 * EV_CLOSED misses a peer that closed with our output unread (an error,
 * not a half-close), so look every HOLD_CHECK_SEC instead.
 */
#define HOLD_CHECK_SEC	1

static void
vm_client_check(evutil_socket_t fd, short what, void *arg)
{
	struct client	*c = arg;
	struct pollfd	 pfd;

	(void)fd;
	(void)what;
	pfd.fd = bufferevent_getfd(c->bev);
	pfd.events = POLLRDHUP;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) != 1)
		return;
	/*
	 * Gone: read what it sent (no more than its socket holds) and then
	 * its end, which ends the session as any hang-up does.
	 */
	c->gone = 1;
	vm_client_unhold(c);
}

/*
 * Everything a client sends its command waits in the agent channel's
 * output buffer until the guest reads it.  A guest that stops reading
 * (a command that never reads stdin, an agent that hangs) must not make
 * bangerd buffer without end, nor overflow the agent's queue for the
 * command (dropping input): above AGENT_OUTQ_HIGH queued here, or
 * AG_INPUT_WINDOW sent and not acknowledged (agent.c), the client is sent
 * CTL_INPUT_HOLD and its input waits.  It is still read: a signal or a
 * window size goes to the guest at once, ahead of held input, and a
 * hang-up is seen.  Input that still comes waits in c->pending, in order
 * with its end; past PENDING_MAX the client is not read at all (c->held)
 * until the pending input has gone.  When the guest has caught up,
 * vm_client_resume() sends the pending input first (which may hold the
 * client again) and then CTL_INPUT_RESUME.
 */
static void
vm_client_hold(struct vm *vm, struct client *c)
{
	if (c->in_held || c->bev == NULL || vm->agent == NULL)
		return;
	if (!agent_input_full(vm, vm_client_sess(vm, c)))
		return;
	c->in_held = 1;
	client_send(c, CTL_INPUT_HOLD, &(struct ctl_input_flow){ 0 });
}

/* Past PENDING_MAX: stop reading the client, but watch for its hang-up. */
static void
vm_client_stop_reading(struct vm *vm, struct client *c)
{
	struct timeval	 tv = { HOLD_CHECK_SEC, 0 };

	if (c->held || c->gone || c->bev == NULL)
		return;
	if ((c->hup = event_new(vm->d->base, -1, EV_PERSIST,
	    vm_client_check, c)) == NULL)
		return;
	if (event_add(c->hup, &tv) == -1) {
		event_free(c->hup);
		c->hup = NULL;
		return;
	}
	bufferevent_disable(c->bev, EV_READ);
	c->held = 1;
}

/* Read a client again that passed PENDING_MAX. */
void
vm_client_unhold(struct client *c)
{
	if (!c->held)
		return;
	c->held = 0;
	event_free(c->hup);
	c->hup = NULL;
	if (c->bev != NULL)
		bufferevent_enable(c->bev, EV_READ);
}

/*
 * The session is over for this client (exit, lost channel, hang-up, a
 * finished or freed client): its pending input is moot, and nothing holds
 * it any more.
 */
void
vm_client_drop_hold(struct client *c)
{
	if (c->pending != NULL) {
		evbuffer_free(c->pending);
		c->pending = NULL;
	}
	c->pending_eof = 0;
	c->in_held = 0;
	vm_client_unhold(c);
}

/* Input that came while held: 0, or -1 when it cannot be kept. */
static int
vm_client_keep(struct vm *vm, struct client *c, const struct msg_bin *data)
{
	if (data->len == 0) {
		c->pending_eof = 1;
		return 0;
	}
	if (c->pending == NULL && (c->pending = evbuffer_new()) == NULL)
		return -1;
	if (evbuffer_add(c->pending, data->p, data->len) == -1)
		return -1;
	if (evbuffer_get_length(c->pending) > PENDING_MAX)
		vm_client_stop_reading(vm, c);
	return 0;
}

/* Pending input to the guest while it takes it; 1 once all of it went. */
static int
vm_client_flush(struct vm *vm, struct client *c, uint64_t sid)
{
	uint8_t		 chunk[IO_CHUNK];
	struct msg_bin	 b;
	size_t		 n;

	while (c->pending != NULL && evbuffer_get_length(c->pending) > 0) {
		if (agent_input_full(vm, sid))
			return 0;
		n = (size_t)evbuffer_remove(c->pending, chunk, sizeof(chunk));
		b.p = chunk;
		b.len = n;
		if (agent_send_input(vm, sid, &b) == -1)
			return 0;
	}
	if (c->pending_eof) {
		b.p = NULL;
		b.len = 0;
		if (agent_send_input(vm, sid, &b) == -1)
			return 0;
		c->pending_eof = 0;
	}
	return 1;
}

/*
 * The guest has caught up, or the session or its channel is gone: send
 * the client's pending input and let it send more.  (client_finish()
 * drops the hold of a client whose request ends some other way.)
 */
void
vm_client_resume(struct vm *vm, struct client *c)
{
	uint64_t	 sid;

	if (c == NULL)
		return;
	sid = vm_client_sess(vm, c);
	if (vm->agent == NULL || sid == 0) {
		vm_client_drop_hold(c);
		return;
	}
	if (!c->in_held)
		return;
	if (!vm_client_flush(vm, c, sid)) {
		if (c->pending == NULL ||
		    evbuffer_get_length(c->pending) <= PENDING_MAX)
			vm_client_unhold(c);
		return;
	}
	vm_client_unhold(c);
	if (agent_input_full(vm, sid))
		return;
	c->in_held = 0;
	client_send(c, CTL_INPUT_RESUME, &(struct ctl_input_flow){ 0 });
}

void
vm_client_input(struct client *c, uint32_t type, void *body)
{
	struct vm	*vm = c->vm;
	struct ag_signal sg;
	struct ag_winsize ws;
	struct msg_bin	*data;
	uint64_t	 sid;

	if (vm == NULL || (sid = vm_client_sess(vm, c)) == 0 ||
	    vm->agent == NULL)
		return;
	switch (type) {
	case CTL_INPUT:
		data = &((struct ctl_input *)body)->data;
		if (!c->in_held) {
			(void)agent_send_input(vm, sid, data);
			break;
		}
		/* Input not kept would be lost: hang up instead. */
		if (vm_client_keep(vm, c, data) == -1) {
			vm_client_gone(c);
			client_error(c, BERR_INTERNAL, "out of memory for the "
			    "command's input; bangerd hung up on it");
		}
		return;
	case CTL_SIGNAL:
		sg.signo = ((struct ctl_signal *)body)->signo;
		(void)agent_send(vm, AG_SIGNAL, sid, &sg);
		break;
	case CTL_WINSIZE:
		ws.cols = ((struct ctl_winsize *)body)->cols;
		ws.rows = ((struct ctl_winsize *)body)->rows;
		(void)agent_send(vm, AG_WINSIZE, sid, &ws);
		break;
	}
	vm_client_hold(vm, c);
}

/* The agent session a client's input, signals and window size go to. */
uint64_t
vm_client_sess(const struct vm *vm, const struct client *c)
{
	size_t	 i;

	if (c == vm->runner)
		return vm->session;
	for (i = 0; i < VM_EXEC_MAX; i++)
		if (vm->execs[i].c == c)
			return vm->execs[i].id;
	return 0;
}

void
vm_client_gone(struct client *c)
{
	struct vm	*vm = c->vm;
	struct ag_signal sg = { SIGHUP };

	vm_client_drop_hold(c);
	c->vm = NULL;
	if (vm == NULL)
		return;
	if (vm->d->tmpl_client == c)
		vm->d->tmpl_client = NULL;	/* image warm goes on alone */
	if (vm->delete_waiter == c)
		vm->delete_waiter = NULL;
	if (vm->exit_waiter == c)
		vm->exit_waiter = NULL;
	if (vm->stop_waiter == c)
		vm->stop_waiter = NULL;
	if (vm_exec_of(vm, c) != NULL) {
		vm_exec_gone(vm, c);
		return;
	}
	if (vm->runner != c)
		return;
	vm->runner = NULL;
	if (vm->session != 0 && vm->agent != NULL)
		(void)agent_send(vm, AG_SIGNAL, vm->session, &sg);
	vm_agent_read_maybe(vm);
	/*
	 * Gone before its command started (Ctrl-C while booting): the VM was
	 * never used, so it goes too.
	 */
	if ((vm->rm || (vm->run_created && !c->started)) &&
	    vm->state != VM_DELETING)
		vm_delete(NULL, vm);
}
