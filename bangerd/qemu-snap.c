/*
 * QEMU's side of suspend and resume: its migration stream, through a
 * pipe whose other end is bangerd, so that QEMU never opens a file and
 * the stream is hashed as it passes.
 *
 * Save: QMP stop, raise max-bandwidth, getfd (a pipe's write end), then
 * migrate to it; bangerd copies the pipe into SNAP_NEW_DIR/SNAP_STATE
 * until QEMU closes it, and query-migrate says whether it completed.
 * Any failure lets the guest run on (cont).  A warm template's RAM is a
 * shared file (qemu.c) that its stream leaves out: each save sets
 * x-ignore-shared, on for a template and off for any other VM (one
 * restored from a template has it on since its load), and a load from a
 * template sets it on before it starts.
 *
 * Load: QEMU was started with -incoming defer and the pipe's read end;
 * migrate-incoming starts it reading; bangerd feeds it the state file
 * checked against its record, and only when every byte matched the
 * recorded SHA-256 and QEMU reports the load completed is the guest
 * let run (cont).  Before that, SNAP_DIR is removed: a state the guest
 * has run past must never be loaded again.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bangerd.h"
#include "esc.h"
#include "fdutil.h"
#include "log.h"
#include "snap.h"

#define SNAP_FDNAME	"banger-snap"
#define SNAP_BANDWIDTH	(1ll << 40)	/* bytes/s: no limit in effect */

static void	save_fail(struct vm *, const char *, json_t *);
static void	save_stopped(struct vm *, int, json_t *);
static void	save_caps(struct vm *, int, json_t *);
static void	save_params(struct vm *, int, json_t *);
static void	save_gotfd(struct vm *, int, json_t *);
static void	save_started(struct vm *, int, json_t *);
static void	save_read(evutil_socket_t, short, void *);
static void	save_status(struct vm *, int, json_t *);
static int	qemu_incoming(struct vm *);
static void	load_caps(struct vm *, int, json_t *);
static void	load_started(struct vm *, int, json_t *);
static void	load_write(evutil_socket_t, short, void *);
static void	load_status(struct vm *, int, json_t *);
static void	load_cont(struct vm *, int, json_t *);
static void	poll_later(struct vm *);

/* QEMU's words about a failure, quoted safely. */
static void
why(char *out, size_t len, const char *what, json_t *j)
{
	const char	*d = NULL;
	char		 e[256];

	if (json_is_object(j)) {
		d = json_string_value(json_object_get(j, "desc"));
		if (d == NULL)
			d = json_string_value(json_object_get(j,
			    "error-desc"));
	}
	if (d == NULL) {
		snprintf(out, len, "%s", what);
		return;
	}
	(void)esc_string(e, sizeof(e), d, strnlen(d, 200), ESC_LOG);
	snprintf(out, len, "%s: QEMU: %s", what, e);
}

static void	fail_cancelled(struct vm *, int, json_t *);
static void	fail_gone(struct vm *);
static void	fail_status(struct vm *, int, json_t *);
static void	fail_cont(struct vm *, int, json_t *);

/*
 * A save failed: the migration, if it runs, is cancelled and waited for
 * (QEMU refuses cont while it finishes), then the guest is continued
 * and asked whether it runs; the driver's report says which.
 */
static void
save_fail(struct vm *vm, const char *what, json_t *j)
{
	struct snap	*s = vm->snap;

	if (s == NULL || s->failing)
		return;
	s->failing = 1;
	s->polls = 0;
	why(s->err, sizeof(s->err), what, j);
	/* QEMU's writes fail from here on (EPIPE). */
	if (s->ev != NULL)
		event_del(s->ev);
	if (s->pipe != -1) {
		close(s->pipe);
		s->pipe = -1;
	}
	if (qmp_exec(vm, "migrate_cancel", NULL, fail_cancelled) == -1) {
		fail_gone(vm);
		return;
	}
}

/* QEMU went away (it exited, or was killed) during the save. */
static void
fail_gone(struct vm *vm)
{
	char	 err[sizeof(vm->snap->err) + 64];

	snprintf(err, sizeof(err), "%s; QEMU's monitor is gone, so nothing "
	    "was saved", vm->snap->err);
	snap_saved(vm, 0, err);
}

static void
fail_cancelled(struct vm *vm, int ok, json_t *j)
{
	(void)ok;
	(void)j;
	if (vm->snap == NULL)
		return;
	if (qmp_exec(vm, "query-migrate", NULL, fail_status) == -1)
		fail_gone(vm);
}

static void
fail_status(struct vm *vm, int ok, json_t *j)
{
	struct snap	*s = vm->snap;
	const char	*st;

	if (s == NULL)
		return;
	st = ok == 1 ? json_string_value(json_object_get(j, "status")) : NULL;
	if (st != NULL && (strcmp(st, "setup") == 0 ||
	    strcmp(st, "active") == 0 || strcmp(st, "cancelling") == 0 ||
	    strcmp(st, "pre-switchover") == 0 || strcmp(st, "device") == 0 ||
	    strcmp(st, "wait-unplug") == 0) && ++s->polls <= SNAP_POLLS) {
		poll_later(vm);
		return;
	}
	if (qmp_exec(vm, "cont", NULL, fail_cont) == -1)
		fail_gone(vm);
}

static void
fail_cont(struct vm *vm, int ok, json_t *j)
{
	struct snap	*s = vm->snap;
	char		 err[sizeof(s->err) + 128];

	(void)j;
	if (s == NULL)
		return;
	snprintf(err, sizeof(err), "%s; %s", s->err, ok == 1 ?
	    "it is still running" : "the guest could not be continued and "
	    "stays paused (`banger vm stop` ends it)");
	snap_saved(vm, 0, err);
}

/* The arguments that make a migration leave shared RAM out, or not. */
static json_t *
ignore_shared(int on)
{
	return json_pack("{s:[{s:s,s:b}]}", "capabilities", "capability",
	    "x-ignore-shared", "state", on);
}

int
qemu_suspend(struct vm *vm, char *err, size_t errlen)
{
	if (qmp_exec(vm, "stop", NULL, save_stopped) == -1) {
		snprintf(err, errlen, "QEMU's monitor is not answering");
		return -1;
	}
	return 1;
}

static void
save_stopped(struct vm *vm, int ok, json_t *j)
{
	if (vm->snap == NULL || vm->snap->failing)
		return;
	if (ok != 1) {
		save_fail(vm, "pausing the guest failed", j);
		return;
	}
	/*
	 * Set either way: a VM restored from a template has it on from its
	 * load, and a stream that says so is refused by a QEMU without it.
	 */
	if (qmp_exec(vm, "migrate-set-capabilities", ignore_shared(vm->tmpl),
	    save_caps) == -1)
		save_fail(vm, "QEMU's monitor is not answering", NULL);
}

static void
save_caps(struct vm *vm, int ok, json_t *j)
{
	if (vm->snap == NULL || vm->snap->failing)
		return;
	if (ok != 1) {
		save_fail(vm, "setting QEMU's x-ignore-shared failed", j);
		return;
	}
	if (qmp_exec(vm, "migrate-set-parameters", json_pack("{s:I}",
	    "max-bandwidth", (json_int_t)SNAP_BANDWIDTH), save_params) == -1)
		save_fail(vm, "QEMU's monitor is not answering", NULL);
}

static void
save_params(struct vm *vm, int ok, json_t *j)
{
	struct snap	*s = vm->snap;
	char		 p[PATH_MAX + 32];
	int		 fds[2];

	if (s == NULL || s->failing)
		return;
	if (ok != 1) {
		save_fail(vm, "setting the migration speed failed", j);
		return;
	}
	if (snap_path(vm, SNAP_NEW_DIR, SNAP_STATE, p, sizeof(p)) == -1 ||
	    (s->file = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		save_fail(vm, "could not create the state file", NULL);
		return;
	}
	if (pipe2(fds, O_CLOEXEC) == -1 || fd_nonblock(fds[0], 1) == -1) {
		save_fail(vm, "pipe failed", NULL);
		return;
	}
	s->pipe = fds[0];
	s->ev = event_new(vm->d->base, s->pipe, EV_READ | EV_PERSIST,
	    save_read, vm);
	if (s->ev == NULL || event_add(s->ev, NULL) == -1 ||
	    qmp_send_fd(vm, SNAP_FDNAME, fds[1], save_gotfd) == -1) {
		close(fds[1]);
		save_fail(vm, "could not hand QEMU the stream", NULL);
		return;
	}
	close(fds[1]);		/* QEMU holds it now */
}

static void
save_gotfd(struct vm *vm, int ok, json_t *j)
{
	if (vm->snap == NULL || vm->snap->failing)
		return;
	if (ok != 1) {
		save_fail(vm, "QEMU refused the stream", j);
		return;
	}
	if (qmp_exec(vm, "migrate", json_pack("{s:s}", "uri",
	    "fd:" SNAP_FDNAME), save_started) == -1)
		save_fail(vm, "QEMU's monitor is not answering", NULL);
}

static void
save_started(struct vm *vm, int ok, json_t *j)
{
	if (vm->snap != NULL && !vm->snap->failing && ok != 1)
		save_fail(vm, "saving the state failed", j);
}

/* The stream, as it comes: to the file and the hash. */
static void
save_read(evutil_socket_t fd, short what, void *arg)
{
	struct vm	*vm = arg;
	struct snap	*s = vm->snap;
	uint8_t		 buf[64 * 1024];
	size_t		 moved = 0;
	ssize_t		 n;

	(void)what;
	while (moved < SNAP_CHUNK) {
		n = read(fd, buf, sizeof(buf));
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n == -1) {
			save_fail(vm, "reading QEMU's stream failed", NULL);
			return;
		}
		if (n == 0) {
			event_del(s->ev);
			close(s->pipe);
			s->pipe = -1;
			s->streamed = 1;
			if (qmp_exec(vm, "query-migrate", NULL, save_status) ==
			    -1)
				save_fail(vm, "QEMU's monitor is not "
				    "answering", NULL);
			return;
		}
		s->bytes += (uint64_t)n;
		if (s->bytes > SNAP_SIZE_MAX) {
			save_fail(vm, "the saved state is too large", NULL);
			return;
		}
		if (write_all(s->file, buf, (size_t)n) != n) {
			save_fail(vm, errno == ENOSPC ? "no space left for "
			    "the saved state" : "writing the state file "
			    "failed", NULL);
			return;
		}
		if (EVP_DigestUpdate(s->md, buf, (size_t)n) != 1) {
			save_fail(vm, "hashing the state failed", NULL);
			return;
		}
		moved += (size_t)n;
	}
}

/* Which query-migrate answer the poll timer is for. */
static void
poll_fire(evutil_socket_t fd, short what, void *arg)
{
	struct vm	*vm = arg;

	(void)fd;
	(void)what;
	if (vm->snap == NULL)
		return;
	if (qmp_exec(vm, "query-migrate", NULL, vm->snap->failing ?
	    fail_status : SNAP_SAVING(vm) ? save_status : load_status) ==
	    -1) {
		if (SNAP_SAVING(vm))
			save_fail(vm, "QEMU's monitor is not answering", NULL);
		else
			vm_resume_loaded(vm, 0, "QEMU's monitor is not "
			    "answering");
	}
}

static void
poll_later(struct vm *vm)
{
	struct snap	*s = vm->snap;
	struct timeval	 tv = { 0, 50 * 1000 };

	if (s->timer == NULL)
		s->timer = evtimer_new(vm->d->base, poll_fire, vm);
	if (s->timer == NULL || evtimer_add(s->timer, &tv) == -1) {
		if (SNAP_SAVING(vm))
			save_fail(vm, "out of memory", NULL);
		else
			vm_resume_loaded(vm, 0, "out of memory");
	}
}

/*
 * "completed", "failed" or still going: QEMU closes the stream as it
 * finishes, so the answer comes within a few polls.
 */
static int
migrate_status(json_t *j, const char **st)
{
	*st = json_string_value(json_object_get(j, "status"));
	if (*st == NULL)
		return -1;
	if (strcmp(*st, "completed") == 0)
		return 1;
	if (strcmp(*st, "failed") == 0 || strcmp(*st, "cancelled") == 0)
		return -1;
	return 0;
}

static void
save_status(struct vm *vm, int ok, json_t *j)
{
	struct snap	*s = vm->snap;
	const char	*st;
	int		 r;

	if (s == NULL || s->failing)
		return;
	if (ok != 1) {
		save_fail(vm, "QEMU did not report how the save went", j);
		return;
	}
	if ((r = migrate_status(j, &st)) == 1)
		snap_saved(vm, 1, "");
	else if (r == -1)
		save_fail(vm, "saving the state failed", j);
	else if (++s->polls > SNAP_POLLS)
		save_fail(vm, "QEMU did not finish saving", NULL);
	else
		poll_later(vm);
}

/*
 * Resume, once QEMU's monitor is up: QEMU was started with -incoming
 * defer and the read end of the stream as its descriptor N.
 */
int
qemu_resume(struct vm *vm, char *err, size_t errlen)
{
	if ((vm->shared_ram ? qmp_exec(vm, "migrate-set-capabilities",
	    ignore_shared(1), load_caps) : qemu_incoming(vm)) == -1) {
		snprintf(err, errlen, "QEMU's monitor is not answering");
		return -1;
	}
	return 1;
}

static int
qemu_incoming(struct vm *vm)
{
	char	 uri[32];

	snprintf(uri, sizeof(uri), "fd:%d", vm->root_snap ? 8 : 7);
	return qmp_exec(vm, "migrate-incoming", json_pack("{s:s}", "uri",
	    uri), load_started);
}

static void
load_caps(struct vm *vm, int ok, json_t *j)
{
	char	 err[512];

	if (vm->snap == NULL)
		return;
	if (ok != 1) {
		why(err, sizeof(err), "QEMU would not load without the "
		    "template's RAM", j);
		vm_resume_loaded(vm, 0, err);
	} else if (qemu_incoming(vm) == -1)
		vm_resume_loaded(vm, 0, "QEMU's monitor is not answering");
}

static void
load_started(struct vm *vm, int ok, json_t *j)
{
	struct snap	*s = vm->snap;
	char		 err[512];

	if (s == NULL)
		return;
	if (ok != 1) {
		why(err, sizeof(err), "QEMU could not start loading", j);
		vm_resume_loaded(vm, 0, err);
		return;
	}
	s->ev = event_new(vm->d->base, s->pipe, EV_WRITE | EV_PERSIST,
	    load_write, vm);
	if ((s->buf = malloc(SNAP_CHUNK)) == NULL || s->ev == NULL ||
	    event_add(s->ev, NULL) == -1)
		vm_resume_loaded(vm, 0, "out of memory");
}

/* The whole file has gone by: it must be what was saved. */
static void
load_sent(struct vm *vm)
{
	struct snap	*s = vm->snap;
	uint8_t		 sha[32];
	unsigned	 len;

	event_del(s->ev);
	if (EVP_DigestFinal_ex(s->md, sha, &len) != 1 ||
	    memcmp(sha, s->si.state_sha, sizeof(sha)) != 0) {
		vm_resume_loaded(vm, 0, "the saved state is corrupt (its "
		    "SHA-256 is not the one recorded when it was saved)");
		return;
	}
	close(s->pipe);
	s->pipe = -1;
	if (qmp_exec(vm, "query-migrate", NULL, load_status) == -1)
		vm_resume_loaded(vm, 0, "QEMU's monitor is not answering");
}

/*
 * QEMU stopped reading before the end: hash the rest, so that the user
 * learns whether the file is damaged or QEMU refused an intact one.
 */
static void
load_refused(struct vm *vm)
{
	struct snap	*s = vm->snap;
	uint8_t		 sha[32];
	unsigned	 len;
	ssize_t		 n;

	event_del(s->ev);
	/* Hashing holds the loop: only a bounded rest is worth it. */
	if (s->si.state_size - s->bytes > SNAP_DIAG_MAX) {
		vm_resume_loaded(vm, 0, "QEMU could not load the saved state "
		    "(damaged, or made by another QEMU; see the VM's qemu.log)");
		return;
	}
	while ((n = read(s->file, s->buf, SNAP_CHUNK)) > 0 &&
	    s->bytes + (uint64_t)n <= s->si.state_size) {
		s->bytes += (uint64_t)n;
		if (EVP_DigestUpdate(s->md, s->buf, (size_t)n) != 1)
			break;
	}
	if (n == 0 && s->bytes == s->si.state_size &&
	    EVP_DigestFinal_ex(s->md, sha, &len) == 1 &&
	    memcmp(sha, s->si.state_sha, sizeof(sha)) == 0)
		vm_resume_loaded(vm, 0, "QEMU could not load the saved state, "
		    "which is intact (see the VM's qemu.log)");
	else
		vm_resume_loaded(vm, 0, "the saved state is corrupt (its "
		    "SHA-256 is not the one recorded when it was saved)");
}

static void
load_write(evutil_socket_t fd, short what, void *arg)
{
	struct vm	*vm = arg;
	struct snap	*s = vm->snap;
	ssize_t		 n;

	(void)what;
	if (s->off == s->len) {
		n = read(s->file, s->buf, SNAP_CHUNK);
		if (n == -1) {
			vm_resume_loaded(vm, 0, "reading the saved state "
			    "failed");
			return;
		}
		if (n == 0 || s->bytes + (uint64_t)n > s->si.state_size) {
			if (s->bytes + (uint64_t)n != s->si.state_size) {
				vm_resume_loaded(vm, 0, "the saved state is "
				    "not the size recorded when it was saved "
				    "(truncated or changed)");
				return;
			}
		}
		if (n == 0) {
			load_sent(vm);
			return;
		}
		if (EVP_DigestUpdate(s->md, s->buf, (size_t)n) != 1) {
			vm_resume_loaded(vm, 0, "hashing failed");
			return;
		}
		s->bytes += (uint64_t)n;
		s->off = 0;
		s->len = (size_t)n;
	}
	n = write(fd, s->buf + s->off, s->len - s->off);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		load_refused(vm);
		return;
	}
	s->off += (size_t)n;
}

static void
load_status(struct vm *vm, int ok, json_t *j)
{
	struct snap	*s = vm->snap;
	const char	*st;
	char		 err[512];
	int		 r;

	if (s == NULL)
		return;
	if (ok != 1) {
		why(err, sizeof(err), "QEMU did not report the load", j);
		vm_resume_loaded(vm, 0, err);
		return;
	}
	if ((r = migrate_status(j, &st)) == 0) {
		if (++s->polls > SNAP_POLLS)
			vm_resume_loaded(vm, 0, "QEMU did not finish loading");
		else
			poll_later(vm);
		return;
	}
	if (r == -1) {
		why(err, sizeof(err), "QEMU could not load the saved state",
		    j);
		vm_resume_loaded(vm, 0, err);
		return;
	}
	/* From here on the guest runs past the saved state. */
	if (snap_discard(vm) == -1) {
		vm_resume_loaded(vm, 0, "the saved state could not be removed "
		    "before the guest ran on, so it was not continued");
		return;
	}
	if (qmp_exec(vm, "cont", NULL, load_cont) == -1)
		vm_resume_loaded(vm, 0, "QEMU's monitor is not answering");
}

static void
load_cont(struct vm *vm, int ok, json_t *j)
{
	char	 err[512];

	if (vm->snap == NULL)
		return;
	if (ok != 1) {
		why(err, sizeof(err), "the guest could not be continued", j);
		vm_resume_loaded(vm, 0, err);
		return;
	}
	vm_resume_loaded(vm, 1, "");
}

int
qemu_unpause(struct vm *vm)
{
	return qmp_exec(vm, "cont", NULL, NULL);
}

/* The deadline passed during a save (vm-suspend.c). */
void
qemu_save_fail(struct vm *vm, const char *what)
{
	save_fail(vm, what, NULL);
}
