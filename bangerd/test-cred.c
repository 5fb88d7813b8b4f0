/*
 * The credential step of a VM's start (vm-cred.c), with the guest's end
 * of the agent channel played here: each listed file's bytes arrive as
 * one session's stdin, never in its argv, environment or bangerd's log;
 * a missing file is skipped, a failed write is not counted, and vm show
 * lists what was copied.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/buffer.h>

#include "bangerd.h"
#include "frame.h"
#include "log.h"
#include "msg.h"

#include "vm-phase.h"

struct fixture {
	struct bangerd	 d;
	struct vm	*vm;
	int		 peer;		/* the guest's end */
	int		 logfd;
	char		 dir[64];
	struct buf	 in;		/* bytes from bangerd, unparsed */
};

/* A session as the guest saw it. */
struct seen {
	uint64_t	 id;
	char		*argv[8];
	size_t		 argc;
	size_t		 nenv;
	struct buf	 stdin_;
	int		 eof;
};

static const char oc_secret[] = "{\"k\":\"OC-SECRET\"}\n\0\001binary";
static const char cl_secret[] = "CL-SECRET";

static void
put(struct fixture *f, const char *rel, const char *text, size_t len)
{
	char	 p[256], *s;
	int	 fd;

	/* Each directory on the way, 0700. */
	snprintf(p, sizeof(p), "%s/%s", f->dir, rel);
	for (s = p + strlen(f->dir) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		(void)mkdir(p, 0700);
		*s = '/';
	}
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static int
setup(void **state)
{
	struct fixture	*f;
	int		 sp[2];
	char		 path[128];

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	TAILQ_INIT(&f->d.vms);
	TAILQ_INIT(&f->d.clients);
	f->d.vmm = &qemu_ops;
	if ((f->d.base = event_base_new()) == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/banger-test-cred.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->d.home, sizeof(f->d.home), "%s", f->dir);
	snprintf(f->d.paths.config_file, sizeof(f->d.paths.config_file),
	    "%s/config.toml", f->dir);
	snprintf(path, sizeof(path), "%s/bangerd.log", f->dir);
	if ((f->logfd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) == -1)
		return -1;
	log_init("test-cred", f->logfd, 0);
	if ((f->vm = vm_new(&f->d)) == NULL)
		return -1;
	snprintf(f->vm->name, sizeof(f->vm->name), "c1");
	snprintf(f->vm->dir, sizeof(f->vm->dir), "%s", f->dir);
	f->vm->state = VM_RUNNING;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		return -1;
	agent_attach(f->vm, sp[0]);
	f->peer = sp[1];
	(void)fcntl(f->peer, F_SETFL, O_NONBLOCK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 cmd[128];

	vm_free(f->vm);
	close(f->peer);
	close(f->logfd);
	log_init("test-cred", 2, 0);
	event_base_loop(f->d.base, EVLOOP_NONBLOCK);
	event_base_free(f->d.base);
	buf_free(&f->in);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
guest_sends(struct vm *vm, uint32_t type, uint64_t id, const void *body)
{
	struct buf	 b = { 0 };

	assert_int_equal(msg_frame(&agent_proto, type, id, body, &b), 0);
	agent_handle(vm, b.p + FRAME_HDR, b.len - FRAME_HDR);
	buf_free(&b);
}

/*
 * What bangerd sent the guest since the last call: at most one session,
 * its AG_EXEC and AG_INPUT frames, into *s.  0 if nothing was sent.
 */
static int
guest_reads(struct fixture *f, struct seen *s)
{
	uint8_t		 chunk[65536];
	struct msg_hdr	 hdr;
	struct ag_exec	*ex;
	struct ag_input	*in;
	void		*body;
	char		 err[MSG_ERRLEN];
	size_t		 plen, i;
	ssize_t		 n;
	int		 any = 0;

	memset(s, 0, sizeof(*s));
	/* Until bangerd has nothing more queued for the guest. */
	do {
		event_base_loop(f->d.base, EVLOOP_NONBLOCK);
		while ((n = read(f->peer, chunk, sizeof(chunk))) > 0)
			assert_int_equal(buf_append(&f->in, chunk, (size_t)n),
			    0);
	} while (f->vm->agent != NULL && evbuffer_get_length(
	    bufferevent_get_output(f->vm->agent)) > 0);
	while (frame_peek(f->in.p, f->in.len, FRAME_MAX_AGENT, &plen) ==
	    FRAME_OK && f->in.len >= FRAME_HDR + plen) {
		assert_int_equal(msg_decode(&agent_proto, f->in.p + FRAME_HDR,
		    plen, &hdr, &body, err, sizeof(err)), 0);
		if (hdr.type == AG_EXEC) {
			assert_false(any);
			any = 1;
			ex = body;
			s->id = hdr.id;
			assert_true(ex->argv.n < 8);
			for (i = 0; i < ex->argv.n; i++)
				s->argv[i] = strdup(ex->argv.v[i]);
			s->argc = ex->argv.n;
			s->nenv = ex->env.n;
			assert_string_equal(ex->cwd, "");
			assert_string_equal(ex->user, "");
			assert_false(ex->tty);
		} else {
			assert_int_equal(hdr.type, AG_INPUT);
			assert_int_equal(hdr.id, s->id);
			assert_false(s->eof);
			in = body;
			if (in->data.len == 0)
				s->eof = 1;
			else
				assert_int_equal(buf_append(&s->stdin_,
				    in->data.p, in->data.len), 0);
		}
		msg_free(&agent_proto, hdr.type, body);
		memmove(f->in.p, f->in.p + FRAME_HDR + plen,
		    f->in.len - FRAME_HDR - plen);
		f->in.len -= FRAME_HDR + plen;
	}
	return any;
}

static void
seen_free(struct seen *s)
{
	size_t	 i;

	for (i = 0; i < s->argc; i++)
		free(s->argv[i]);
	buf_free(&s->stdin_);
}

/* The session for credential path, its bytes as stdin only. */
static void
check_session(struct seen *s, const char *path, const void *bytes,
    size_t len, const char *secret)
{
	size_t	 i;

	assert_int_equal(s->argc, 5);
	assert_string_equal(s->argv[0], "sh");
	assert_string_equal(s->argv[1], "-c");
	assert_string_equal(s->argv[3], "banger-cred");
	assert_string_equal(s->argv[4], path);
	for (i = 0; i < s->argc; i++)
		assert_null(strstr(s->argv[i], secret));
	assert_int_equal(s->nenv, 0);
	assert_true(s->eof);
	assert_int_equal(s->stdin_.len, len);
	assert_memory_equal(s->stdin_.p, bytes, len);
}

/* Whether bangerd's log holds needle. */
static int
log_has(struct fixture *f, const char *needle)
{
	static char	 buf[1 << 16];
	ssize_t		 n;

	n = pread(f->logfd, buf, sizeof(buf) - 1, 0);
	assert_true(n >= 0);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

static void
test_copy(void **state)
{
	struct fixture		*f = *state;
	struct seen		 s;
	struct ag_exit		 ex = { 0, 0 };
	struct ctl_vm_info	 vi;
	static char		 big[CRED_MAX];
	size_t			 i;

	put(f, "config.toml", "credentials = [\"pi\", \"claude\", \"opencode\"]\n",
	    strlen("credentials = [\"pi\", \"claude\", \"opencode\"]\n"));
	put(f, ".local/share/opencode/auth.json", oc_secret,
	    sizeof(oc_secret));
	put(f, ".claude/.credentials.json", cl_secret, strlen(cl_secret));
	/* pi's is missing. */

	vm_creds_arm(f->vm);
	vm_prepare(f->vm);
	/* In cred_table's order: opencode first. */
	assert_int_equal(guest_reads(f, &s), 1);
	assert_int_equal(s.id, f->vm->session);
	check_session(&s, ".local/share/opencode/auth.json", oc_secret,
	    sizeof(oc_secret), "OC-SECRET");
	guest_sends(f->vm, AG_EXIT, s.id, &ex);
	seen_free(&s);
	/* claude's: the guest fails to write it. */
	assert_int_equal(guest_reads(f, &s), 1);
	check_session(&s, ".claude/.credentials.json", cl_secret,
	    strlen(cl_secret), cl_secret);
	ex.status = 1;
	guest_sends(f->vm, AG_EXIT, s.id, &ex);
	seen_free(&s);
	/* pi's is skipped: done. */
	assert_int_equal(guest_reads(f, &s), 0);
	assert_int_equal(f->vm->creds_step, CREDS_NONE);
	assert_int_equal(f->vm->creds_got, 1u << cred_index("opencode"));
	assert_int_equal(f->vm->session, 0);
	vm_info(f->vm, &vi);
	assert_int_equal(vi.credentials.n, 1);
	assert_string_equal(vi.credentials.v[0], "opencode");

	assert_true(log_has(f, "credential pi not copied: "
	    "~/.pi/agent/auth.json: no such file"));
	assert_true(log_has(f, "credential claude: the guest could not write"));
	assert_false(log_has(f, "OC-SECRET"));
	assert_false(log_has(f, cl_secret));

	/*
	 * The next start reads everything afresh: a file of CRED_MAX
	 * bytes goes in chunks, all of it.
	 */
	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + 1);
	put(f, ".pi/agent/auth.json", big, sizeof(big));
	put(f, "config.toml", "credentials = [\"pi\"]\n",
	    strlen("credentials = [\"pi\"]\n"));
	vm_creds_arm(f->vm);
	assert_int_equal(f->vm->creds_got, 0);
	vm_prepare(f->vm);
	assert_int_equal(guest_reads(f, &s), 1);
	check_session(&s, ".pi/agent/auth.json", big, sizeof(big), "\x01");
	ex.status = 0;
	guest_sends(f->vm, AG_EXIT, s.id, &ex);
	seen_free(&s);
	assert_int_equal(guest_reads(f, &s), 0);
	assert_int_equal(f->vm->creds_got, 1u << cred_index("pi"));
}

/* Nothing listed, or a template: no session at all. */
static void
test_none(void **state)
{
	struct fixture	*f = *state;
	struct seen	 s;

	put(f, ".claude/.credentials.json", cl_secret, strlen(cl_secret));
	vm_creds_arm(f->vm);		/* no config.toml */
	vm_prepare(f->vm);
	assert_int_equal(guest_reads(f, &s), 0);
	assert_int_equal(f->vm->creds_step, CREDS_NONE);
	assert_int_equal(f->vm->creds_got, 0);

	put(f, "config.toml", "credentials = [\"claude\"]\n",
	    strlen("credentials = [\"claude\"]\n"));
	f->vm->tmpl = 1;
	vm_creds_arm(f->vm);
	assert_int_equal(f->vm->creds_step, CREDS_NONE);
	f->vm->tmpl = 0;

	/* A broken config.toml: nothing, and the start goes on. */
	put(f, "config.toml", "credentials = [\"gh\"]\n",
	    strlen("credentials = [\"gh\"]\n"));
	vm_creds_arm(f->vm);
	vm_prepare(f->vm);
	assert_int_equal(guest_reads(f, &s), 0);
	assert_int_equal(f->vm->creds_step, CREDS_NONE);
	assert_true(log_has(f, "no credentials copied"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_none, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
