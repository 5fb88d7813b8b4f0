/*
 * banger-web end to end, without bangerd: the built program (found next
 * to this test) is started as the launcher would, with a fake bangerd
 * on its channel that lists one VM and records what it is asked to
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
#include "webtoken.h"

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
	char	 body[65536];
} t;

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

/* One request from banger-web, answered as bangerd would. */
static void
fake_bangerd(void)
{
	struct buf		 in = { 0 };
	struct msg_hdr		 hdr;
	struct ctl_vm_info	 vi;
	char			 err[MSG_ERRLEN], vmdir[128];
	void			*body;

	assert_int_equal(frame_recv(t.chan, FRAME_MAX_CTL, &in, NULL), 0);
	assert_true(in.len > 0);
	assert_int_equal(msg_decode(&ctl_proto, in.p, in.len, &hdr, &body,
	    err, sizeof(err)), 0);
	switch (hdr.type) {
	case CTL_VM_LIST:
		memset(&vi, 0, sizeof(vi));
		snprintf(vmdir, sizeof(vmdir), "%s/v1", t.vms);
		vi.name = "v1";
		vi.state = "running";
		vi.vmm = vi.accel = vi.address = vi.image = vi.root = "";
		vi.egress = "open";
		vi.dir = vmdir;
		vi.ports.v = (char *[]){ "127.0.0.1:18080:8080" };
		vi.ports.n = 1;
		vi.port_state.v = (char *[]){ "listening" };
		vi.port_state.n = 1;
		reply(CTL_VM_INFO, hdr.id, &vi);
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
		p[1].fd = t.chan;
		p[1].events = POLLIN;
		assert_true(poll(p, 2, 10000) > 0);
		if (p[1].revents & POLLIN) {
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
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", t.dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_page(void **state)
{
	char	 path[128], hdr[128];

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
	snprintf(hdr, sizeof(hdr), "X-Banger-Token: %s\r\n", t.token);
	assert_int_equal(http(req("GET", "/", NULL, hdr, NULL)), 200);
	assert_int_equal(http(req("GET", "/nothing", NULL, NULL, NULL)), 404);
	/* Not an allowed method: evhttp's own 501. */
	assert_int_equal(http(req("PUT", "/", NULL, NULL, NULL)), 501);
	assert_int_equal(http(req("POST", "/", NULL, NULL, NULL)), 405);
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
		cmocka_unit_test(test_actions),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
