/*
 * banger-web end to end, without bangerd: the built program (found next
 * to this test) is started as the launcher would, with a fake bangerd
 * on its channel that lists VMs, answers the guest command that lists a
 * running VM's sessions as t.sess says (a list, a hostile one, too much,
 * garbage, an error, nothing at all) and records what it is asked to
 * stop or delete, and HTTP requests are sent by hand.  The checks of
 * check.c, seen from the outside: no token, a wrong Host, a foreign or
 * missing Origin, a wrong body type; and what the page shows.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "frame.h"
#include "msg.h"
#include "proto.h"
#include "sesslist.h"
#include "webtoken.h"

/* How the fake bangerd answers a session list. */
enum {
	SESS_GOOD,	/* three sessions, one command a script */
	SESS_EMPTY,	/* [] */
	SESS_BIG,	/* more than the bound, valid JSON or not */
	SESS_GARBAGE,	/* not JSON */
	SESS_BADJSON,	/* JSON sesslist.c refuses */
	SESS_ERROR,	/* bangerd's CTL_ERROR */
	SESS_FAILED,	/* the guest command exits 127 */
	SESS_MANY,	/* twenty running VMs */
	SESS_SILENT,	/* OK, then nothing: never an exit */
};

static struct {
	char	 dir[64];
	char	 vms[96];
	char	 addr[32];
	char	 token[WEB_TOKEN_LEN + 1];
	int	 port;
	int	 chan;		/* our end: the fake bangerd */
	pid_t	 pid;
	char	 stopped[64];
	char	 deleted[64];
	char	 body[262144];
	int	 sess;		/* SESS_* */
	int	 execs;		/* session lists asked for */
	int	 chan_eof;	/* banger-web left */
	int	 exit_status;	/* banger-web's, expected */
} t;

static const char good_list[] =
    "[\n{\"name\":\"web\",\"state\":\"running\",\"pid\":42,"
    "\"stdin\":\"pipe\",\"started\":1700000000,\"command\":"
    "\"python3 -m http.server <script>alert(1)</script> \\u001b[31m&\"},"
    "\n{\"name\":\"done\",\"state\":\"exited\",\"pid\":43,"
    "\"stdin\":\"none\",\"started\":1,\"command\":\"true\","
    "\"exit_status\":3},\n{\"name\":\"shot\",\"state\":\"killed\","
    "\"pid\":44,\"stdin\":\"pty\",\"started\":1,\"command\":"
    "\"sleep 9\",\"signal\":9},\n{\"name\":\"new\",\"state\":"
    "\"starting\"}\n]\n";

static int
free_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	int			 s;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((s = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &sl), 0);
	close(s);
	return ntohs(sin.sin_port);
}

static void
reply(uint32_t type, uint64_t id, const void *body)
{
	struct buf	 b = { 0 };

	assert_int_equal(msg_frame(&ctl_proto, type, id, body, &b), 0);
	assert_int_equal(frame_send(t.chan, &b, -1), 0);
	buf_free(&b);
}

static void
output(uint64_t id, int stream, const void *p, size_t len)
{
	struct ctl_output	 o;

	o.stream = stream;
	o.data.p = (uint8_t *)(uintptr_t)p;
	o.data.len = len;
	reply(CTL_OUTPUT, id, &o);
}

static void
vm_info(uint64_t id, const char *name, const char *state)
{
	static char		*ports[] = { "127.0.0.1:18080:8080" };
	static char		*port_state[] = { "listening" };
	struct ctl_vm_info	 vi;
	char			 vmdir[128];

	memset(&vi, 0, sizeof(vi));
	snprintf(vmdir, sizeof(vmdir), "%s/%s", t.vms, name);
	vi.name = (char *)name;
	vi.state = (char *)state;
	vi.vmm = vi.accel = vi.address = vi.image = vi.root = "";
	vi.egress = "open";
	vi.dir = vmdir;
	if (strcmp(name, "v1") == 0) {
		vi.ports.v = ports;
		vi.ports.n = 1;
		vi.port_state.v = port_state;
		vi.port_state.n = 1;
	}
	reply(CTL_VM_INFO, id, &vi);
}

/*
 * The session list, as bangerd relays a guest command: the request must
 * be exactly the CLI's, without a terminal; CTL_OK, then banger-web's
 * end of input, then output and the exit.  Returns 1 when the request
 * is over.
 */
static int
vm_exec(uint64_t id, const struct ctl_vm_exec *x)
{
	static const char	 garbage[] = "<script>alert(1)</script>"
				    "\x1b[2J\xff{";
	static const char	 badjson[] = "[{\"name\":\"<i>x</i>\","
				    "\"state\":\"starting\"}]";
	static char		 big[IO_CHUNK];
	struct buf		 in = { 0 };
	struct msg_hdr		 hdr;
	struct ctl_exit		 ex = { 0, 0 };
	struct ctl_error	 e;
	char			 err[MSG_ERRLEN];
	void			*body;
	int			 i;

	t.execs++;
	assert_int_equal(x->argv.n, 3);
	assert_string_equal(x->argv.v[0], "banger-agent");
	assert_string_equal(x->argv.v[1], "session");
	assert_string_equal(x->argv.v[2], "list");
	assert_int_equal(x->tty, 0);
	assert_true(strcmp(x->name, "v2") != 0);	/* not running */
	if (t.sess == SESS_ERROR) {
		e.code = BERR_BUSY;
		e.message = "VM v1 is already running 8 <b>commands</b>";
		reply(CTL_ERROR, id, &e);
		return 1;
	}
	reply(CTL_OK, id, &(struct ctl_ok){ 0 });
	/* No stdin: its end comes at once. */
	assert_int_equal(frame_recv(t.chan, FRAME_MAX_CTL, &in, NULL), 0);
	assert_int_equal(msg_decode(&ctl_proto, in.p, in.len, &hdr, &body,
	    err, sizeof(err)), 0);
	assert_int_equal(hdr.type, CTL_INPUT);
	assert_true(hdr.id == id);
	assert_int_equal(((struct ctl_input *)body)->data.len, 0);
	msg_free(&ctl_proto, hdr.type, body);
	buf_free(&in);
	output(id, 2, "stderr is dropped", 17);
	switch (t.sess) {
	case SESS_GOOD:
		/* In two pieces, cut inside a string. */
		output(id, 1, good_list, 40);
		output(id, 1, good_list + 40, strlen(good_list) - 40);
		break;
	case SESS_EMPTY:
	case SESS_MANY:
		output(id, 1, "[]\n", 3);
		break;
	case SESS_BIG:
		memset(big, ' ', sizeof(big));
		big[0] = '[';
		for (i = 0; i < 4; i++)
			output(id, 1, big, sizeof(big));
		output(id, 1, "]", 1);
		break;
	case SESS_GARBAGE:
		output(id, 1, garbage, sizeof(garbage) - 1);
		break;
	case SESS_BADJSON:
		output(id, 1, badjson, sizeof(badjson) - 1);
		break;
	case SESS_FAILED:
		ex.status = 127;
		break;
	case SESS_SILENT:
		return 1;	/* never ends */
	}
	reply(CTL_EXIT, id, &ex);
	return 1;
}

/* One request from banger-web, answered as bangerd would. */
static void
fake_bangerd(void)
{
	struct buf		 in = { 0 };
	struct msg_hdr		 hdr;
	char			 err[MSG_ERRLEN], name[16];
	void			*body;
	int			 i;

	assert_int_equal(frame_recv(t.chan, FRAME_MAX_CTL, &in, NULL), 0);
	if (in.len == 0) {
		t.chan_eof = 1;
		return;
	}
	assert_int_equal(msg_decode(&ctl_proto, in.p, in.len, &hdr, &body,
	    err, sizeof(err)), 0);
	switch (hdr.type) {
	case CTL_VM_LIST:
		vm_info(hdr.id, "v1", "running");
		vm_info(hdr.id, "v2", "stopped");
		for (i = 3; (t.sess == SESS_MANY || t.sess == SESS_SILENT) &&
		    i <= 20; i++) {
			snprintf(name, sizeof(name), "v%d", i);
			vm_info(hdr.id, name, "running");
		}
		break;
	case CTL_VM_EXEC:
		if (vm_exec(hdr.id, body))
			goto done;
		break;
	case CTL_VM_STOP:
		snprintf(t.stopped, sizeof(t.stopped), "%s",
		    ((struct ctl_vm_name *)body)->name);
		break;
	case CTL_VM_DELETE:
		snprintf(t.deleted, sizeof(t.deleted), "%s",
		    ((struct ctl_vm_delete *)body)->name);
		break;
	default:
		fail_msg("banger-web sent %s", msg_typename(&ctl_proto,
		    hdr.type));
	}
	reply(CTL_OK, hdr.id, &(struct ctl_ok){ 0 });
done:
	msg_free(&ctl_proto, hdr.type, body);
	buf_free(&in);
}

/* Send req (the whole request), serve bangerd's side; the status. */
static int
http(const char *req)
{
	struct sockaddr_in	 sin;
	struct pollfd		 p[2];
	size_t			 got = 0;
	ssize_t			 n;
	int			 s, code = 0;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(t.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((s = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(connect(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(write(s, req, strlen(req)), (ssize_t)strlen(req));
	for (;;) {
		p[0].fd = s;
		p[0].events = POLLIN;
		p[1].fd = t.chan_eof ? -1 : t.chan;
		p[1].events = POLLIN;
		p[1].revents = 0;
		assert_true(poll(p, 2, 30000) > 0);
		if (p[1].revents & (POLLIN | POLLHUP)) {
			fake_bangerd();
			continue;
		}
		n = read(s, t.body + got, sizeof(t.body) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(s);
	t.body[got] = '\0';
	if (sscanf(t.body, "HTTP/1.%*d %d", &code) != 1)
		return 0;	/* closed unanswered */
	return code;
}

static char *
req(const char *method, const char *path, const char *host,
    const char *extra, const char *body)
{
	static char	 b[16384];

	snprintf(b, sizeof(b), "%s %s HTTP/1.1\r\nHost: %s\r\n"
	    "Connection: close\r\n%sContent-Length: %zu\r\n\r\n%s", method,
	    path, host != NULL ? host : t.addr, extra != NULL ? extra : "",
	    body != NULL ? strlen(body) : 0, body != NULL ? body : "");
	return b;
}

static int
setup(void **state)
{
	char	 path[PATH_MAX], tok[128], err[256], *slash, log[160];
	int	 sp[2], fd, i;
	ssize_t	 n;

	(void)state;
	memset(&t, 0, sizeof(t));
	snprintf(t.dir, sizeof(t.dir), "/tmp/test-serve-XXXXXX");
	assert_non_null(mkdtemp(t.dir));
	snprintf(t.vms, sizeof(t.vms), "%s/vms", t.dir);
	assert_int_equal(mkdir(t.vms, 0700), 0);
	snprintf(path, sizeof(path), "%s/v1", t.vms);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/v1/console.log", t.vms);
	assert_true((fd = open(path, O_WRONLY | O_CREAT, 0600)) != -1);
	assert_int_equal(write(fd, "boot <b>marker</b> \x1b[31m&\n", 26), 26);
	close(fd);
	snprintf(tok, sizeof(tok), "%s/web-token", t.dir);
	assert_int_equal(web_token_make(tok, err, sizeof(err)), 0);
	assert_int_equal(web_token_read(tok, t.token, err, sizeof(err)), 0);
	t.port = free_port();
	snprintf(t.addr, sizeof(t.addr), "127.0.0.1:%d", t.port);
	assert_true((n = readlink("/proc/self/exe", path, sizeof(path) - 16))
	    > 0);
	path[n] = '\0';
	assert_non_null(slash = strrchr(path, '/'));
	strcpy(slash, "/banger-web");
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	snprintf(log, sizeof(log), "%s/log", t.dir);
	assert_true((t.pid = fork()) != -1);
	if (t.pid == 0) {
		/*
		 * An ASan build's leak check at exit stops the world with
		 * calls the sandbox refuses; the test checks the exit.
		 */
		if (setenv("ASAN_OPTIONS", "detect_leaks=0", 1) == -1)
			_exit(126);
		/* Out of the way of 3 and 4 before placing them. */
		if ((sp[1] = fcntl(sp[1], F_DUPFD, 10)) == -1 ||
		    (fd = open(tok, O_RDONLY)) == -1 ||
		    (fd = fcntl(fd, F_DUPFD, 10)) == -1 ||
		    dup2(sp[1], 3) == -1 || dup2(fd, 4) == -1 ||
		    (fd = open(log, O_WRONLY | O_CREAT, 0600)) == -1 ||
		    dup2(fd, 2) == -1)
			_exit(126);
		execl(path, "banger-web", "-v", t.addr, t.vms, (char *)NULL);
		_exit(127);
	}
	close(sp[1]);
	t.chan = sp[0];
	for (i = 0; i < 100; i++) {
		struct sockaddr_in	 sin;
		int			 s = socket(AF_INET, SOCK_STREAM, 0);

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(t.port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
			close(s);
			return 0;
		}
		close(s);
		usleep(50 * 1000);
	}
	snprintf(log, sizeof(log), "cat %s/log >&2", t.dir);
	(void)!system(log);
	fail_msg("banger-web does not listen on %s", t.addr);
	return -1;
}

static int
teardown(void **state)
{
	char	 cmd[128];
	int	 st;

	(void)state;
	close(t.chan);		/* bangerd goes away: banger-web ends */
	assert_int_equal(waitpid(t.pid, &st, 0), t.pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), t.exit_status);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", t.dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_page(void **state)
{
	char	 path[128], hdr[128], *v2, *end;
	int	 execs;

	(void)state;
	assert_int_equal(http(req("GET", "/", NULL, NULL, NULL)), 401);
	snprintf(path, sizeof(path), "/?token=%.63sx", t.token);
	assert_int_equal(http(req("GET", path, NULL, NULL, NULL)), 401);
	snprintf(path, sizeof(path), "/?token=%s", t.token);
	assert_int_equal(http(req("GET", path, "evil.example", NULL, NULL)),
	    403);
	assert_int_equal(http(req("GET", path, "127.0.0.1", NULL, NULL)), 403);
	assert_int_equal(http(req("GET", path, NULL, NULL, NULL)), 200);
	assert_non_null(strstr(t.body, "<span class=\"name\">v1</span>"));
	assert_non_null(strstr(t.body, "127.0.0.1:18080:8080 (listening)"));
	assert_non_null(strstr(t.body, "Content-Security-Policy: "
	    "default-src 'none'"));
	assert_non_null(strstr(t.body, "X-Frame-Options: DENY"));
	/* Guest bytes: escaped for a terminal, then for HTML. */
	assert_non_null(strstr(t.body, "boot &lt;b&gt;marker&lt;/b&gt; "));
	assert_null(strstr(t.body, "<b>marker"));
	assert_null(strstr(t.body, "\x1b"));
	/* v1's sessions, as the guest listed them, escaped. */
	assert_non_null(strstr(t.body, "<td class=\"session-name\">web</td>"
	    "<td class=\"session-state\">running</td>"
	    "<td class=\"session-stdin\">pipe</td>"
	    "<td class=\"session-command\"><code>python3 -m http.server "
	    "&lt;script&gt;alert(1)&lt;/script&gt; \\e[31m&amp;</code>"));
	assert_non_null(strstr(t.body, "<td class=\"session-name\">done</td>"
	    "<td class=\"session-state\">exited 3</td>"));
	assert_non_null(strstr(t.body, "<td class=\"session-name\">shot</td>"
	    "<td class=\"session-state\">killed by signal 9</td>"
	    "<td class=\"session-stdin\">pty</td>"));
	assert_non_null(strstr(t.body, "<td class=\"session-name\">new</td>"
	    "<td class=\"session-state\">starting</td>"
	    "<td class=\"session-stdin\">-</td>"));
	assert_null(strstr(t.body, "<script"));
	assert_null(strstr(t.body, "stderr is dropped"));
	/* v2 is stopped: no sessions line, and nobody asked. */
	assert_non_null(v2 = strstr(t.body, "id=\"vm-v2\""));
	assert_non_null(end = strstr(v2, "</section>"));
	*end = '\0';
	assert_null(strstr(v2, "sessions"));
	assert_non_null(strstr(v2, "class=\"state\">stopped<"));
	snprintf(hdr, sizeof(hdr), "X-Banger-Token: %s\r\n", t.token);
	execs = t.execs;
	assert_int_equal(http(req("GET", "/", NULL, hdr, NULL)), 200);
	assert_int_equal(t.execs, execs + 1);
	assert_int_equal(http(req("GET", "/nothing", NULL, NULL, NULL)), 404);
	/* Not an allowed method: evhttp's own 501. */
	assert_int_equal(http(req("PUT", "/", NULL, NULL, NULL)), 501);
	assert_int_equal(http(req("POST", "/", NULL, NULL, NULL)), 405);
}

static int
count(const char *hay, const char *needle)
{
	int	 n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* What a guest or bangerd says instead of a good list. */
static void
test_sessions(void **state)
{
	static const struct {
		int		 sess;
		const char	*want;
	} cases[] = {
		{ SESS_EMPTY, "<dd class=\"sessions\">none</dd>" },
		{ SESS_BIG, "(could not list sessions: the list is longer "
		    "than 65536 bytes)" },
		{ SESS_GARBAGE, "(could not list sessions: the list is not a "
		    "JSON array)" },
		{ SESS_BADJSON, "(could not list sessions: an entry&#39;s name "
		    "is missing or invalid)" },
		{ SESS_ERROR, "(could not list sessions: VM v1 is already "
		    "running 8 &lt;b&gt;commands&lt;/b&gt;)" },
		{ SESS_FAILED, "(could not list sessions: the guest&#39;s "
		    "`banger-agent session list` exited 127)" },
	};
	char	 path[128];
	size_t	 i;
	int	 execs;

	(void)state;
	snprintf(path, sizeof(path), "/?token=%s", t.token);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t.sess = cases[i].sess;
		execs = t.execs;
		assert_int_equal(http(req("GET", path, NULL, NULL, NULL)),
		    200);
		assert_int_equal(t.execs, execs + 1);
		if (strstr(t.body, cases[i].want) == NULL)
			fail_msg("case %zu: no '%s' in the page", i,
			    cases[i].want);
		assert_null(strstr(t.body, "<script"));
		assert_null(strstr(t.body, "<b>"));
		assert_null(strstr(t.body, "<i>"));
		assert_null(strstr(t.body, "\x1b"));
		/* The rest of the page is there. */
		assert_non_null(strstr(t.body, "127.0.0.1:18080:8080 "
		    "(listening)"));
		assert_non_null(strstr(t.body, "</body></html>"));
	}
	/* Nineteen running VMs: the first sixteen are asked. */
	t.sess = SESS_MANY;
	execs = t.execs;
	assert_int_equal(http(req("GET", path, NULL, NULL, NULL)), 200);
	assert_int_equal(t.execs, execs + 16);
	assert_int_equal(count(t.body, "<dd class=\"sessions\">none</dd>"),
	    16);
	assert_int_equal(count(t.body, "(not listed: a page lists the "
	    "sessions of the first 16 running VMs"), 3);
	assert_non_null(strstr(t.body, "<span class=\"name\">v20</span>"));
	t.sess = SESS_GOOD;
}

/*
 * A guest that never ends its list: the page goes out, saying so, no
 * other VM is asked on that channel, and banger-web then leaves (for
 * bangerd to start a fresh one).  Last: it ends this banger-web.
 */
static void
test_no_answer(void **state)
{
	char	 path[128];
	int	 execs = t.execs;

	(void)state;
	t.sess = SESS_SILENT;
	snprintf(path, sizeof(path), "/?token=%s", t.token);
	assert_int_equal(http(req("GET", path, NULL, NULL, NULL)), 200);
	assert_int_equal(t.execs, execs + 1);
	assert_non_null(strstr(t.body, "<dd class=\"sessions\"><span "
	    "class=\"nosessions\">(no answer)</span></dd>"));
	assert_int_equal(count(t.body, "(not asked: another VM did not "
	    "answer)"), 15);
	assert_non_null(strstr(t.body, "</body></html>"));
	t.exit_status = 1;
}

static void
test_actions(void **state)
{
	char	 ok[256], form[256], bad[256], big[12000];

	(void)state;
	snprintf(ok, sizeof(ok), "Origin: http://%s\r\nContent-Type: "
	    "application/x-www-form-urlencoded\r\n", t.addr);
	snprintf(form, sizeof(form), "name=v1&token=%s", t.token);
	snprintf(bad, sizeof(bad), "Origin: http://evil.example\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n");
	assert_int_equal(http(req("POST", "/stop", NULL, bad, form)), 403);
	assert_int_equal(http(req("POST", "/stop", NULL, "Content-Type: "
	    "application/x-www-form-urlencoded\r\n", form)), 403);
	snprintf(bad, sizeof(bad), "Origin: null\r\nContent-Type: "
	    "application/x-www-form-urlencoded\r\n");
	assert_int_equal(http(req("POST", "/stop", NULL, bad, form)), 403);
	snprintf(bad, sizeof(bad), "Origin: http://%s\r\nSec-Fetch-Site: "
	    "same-site\r\nContent-Type: application/x-www-form-urlencoded"
	    "\r\n", t.addr);
	assert_int_equal(http(req("POST", "/stop", NULL, bad, form)), 403);
	snprintf(bad, sizeof(bad), "Origin: http://%s\r\nContent-Type: "
	    "text/plain\r\n", t.addr);
	assert_int_equal(http(req("POST", "/stop", NULL, bad, form)), 415);
	assert_int_equal(http(req("POST", "/stop", NULL, ok, "name=v1")), 401);
	assert_int_equal(http(req("POST", "/stop", NULL, ok, "name=..&token=x")),
	    401);
	assert_string_equal(t.stopped, "");
	assert_int_equal(http(req("POST", "/stop", NULL, ok, form)), 303);
	assert_string_equal(t.stopped, "v1");
	assert_int_equal(http(req("POST", "/delete", NULL, ok, form)), 400);
	assert_string_equal(t.deleted, "");
	snprintf(form, sizeof(form), "name=v1&token=%s&confirm=yes", t.token);
	assert_int_equal(http(req("POST", "/delete", NULL, ok, form)), 303);
	assert_string_equal(t.deleted, "v1");
	/* Bounded: a body over 4 KiB, headers over 8 KiB. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(http(req("POST", "/stop", NULL, ok, big)), 413);
	{
		static char	 h[10000];

		memset(h, 'a', sizeof(h) - 3);
		memcpy(h, "X: ", 3);
		memcpy(h + sizeof(h) - 3, "\r\n", 3);
		assert_true(http(req("GET", "/", NULL, h, NULL)) != 200);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_sessions),
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_no_answer),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
