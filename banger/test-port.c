/*
 * Unit tests: published ports on the CLI side.  --publish collects its
 * values in order; bad specs, clashes and wrong `vm port` argument
 * counts are usage errors found before bangerd is contacted; the ports
 * bangerd reports print escaped, as text and JSON.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "banger.h"
#include "exitcode.h"
#include "portspec.h"
#include "proto.h"
#include "vminfo.h"

extern const struct cmd_entry cmd_vm_run_entry;
extern const struct cmd_entry cmd_vm_create_entry;
extern const struct cmd_entry cmd_vm_port_entry;

#define ARGC(v)	((int)(sizeof(v) / sizeof(v[0])) - 1)

static void
test_publish_collected_in_order(void **state)
{
	char		*v[] = { "--publish", "8080:80", "-p",
	    "127.0.0.2:9000:90", "--name", "w1", "--publish=3000:3000", "--",
	    "true", NULL };
	char		*v0[] = { "--", "true", NULL };
	const struct cmd_entry *e = &cmd_vm_run_entry;
	struct args	 a;
	struct ctl_vm_run req;
	char		 err[256];

	(void)state;
	assert_int_equal(args_parse(e, ARGC(v), v, &a, err, sizeof(err)), 0);
	assert_int_equal(vm_run_prepare(e, &a, &req, err, sizeof(err)), 0);
	assert_int_equal(req.publish.n, 3);
	assert_string_equal(req.publish.v[0], "8080:80");
	assert_string_equal(req.publish.v[1], "127.0.0.2:9000:90");
	assert_string_equal(req.publish.v[2], "3000:3000");
	/* The encoder wants the list NULL-terminated. */
	assert_null(req.publish.v[3]);
	assert_string_equal(req.name, "w1");
	args_free(&a);

	/* None given: an empty, still terminated list. */
	assert_int_equal(args_parse(e, ARGC(v0), v0, &a, err, sizeof(err)),
	    0);
	assert_int_equal(vm_run_prepare(e, &a, &req, err, sizeof(err)), 0);
	assert_int_equal(req.publish.n, 0);
	assert_non_null(req.publish.v);
	assert_null(req.publish.v[0]);
	args_free(&a);

	/* vm create repeats it too; other options still may not repeat. */
	{
		char *c1[] = { "-p", "8080:80", "--publish", "8081:81", NULL };
		char *c2[] = { "--name", "a", "--name", "b", NULL };
		char **all;
		size_t n;

		assert_int_equal(args_parse(&cmd_vm_create_entry, ARGC(c1),
		    c1, &a, err, sizeof(err)), 0);
		all = args_get_all(&cmd_vm_create_entry, &a, "publish", &n);
		assert_int_equal(n, 2);
		assert_string_equal(all[0], "8080:80");
		assert_string_equal(all[1], "8081:81");
		assert_null(all[2]);
		args_free(&a);
		assert_int_equal(args_parse(&cmd_vm_create_entry, ARGC(c2),
		    c2, &a, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "more than once"));
	}
}

static void
test_publish_bad_and_clash(void **state)
{
	static const char *bad[] = { "80", "0:80", "10.0.0.1:8080:80",
	    "8080:0", "unix:/tmp/s", "x:8080:80", "8080:80:", "" };
	const struct cmd_entry *e = &cmd_vm_run_entry;
	struct port_spec p;
	struct args	 a;
	struct ctl_vm_run req;
	char		 err[256], want[256];
	char		*many[2 * PORTS_MAX + 5], ports[PORTS_MAX + 1][16];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *v[] = { "--publish", (char *)bad[i], "--", "true", NULL };

		assert_int_equal(port_spec_parse(bad[i], &p, want,
		    sizeof(want)), -1);
		assert_int_equal(args_parse(e, ARGC(v), v, &a, err,
		    sizeof(err)), 0);
		assert_int_equal(vm_run_prepare(e, &a, &req, err,
		    sizeof(err)), BEX_USAGE);
		/* The parser's own message, as is. */
		assert_string_equal(err, want);
		args_free(&a);
	}

	/* One host address and port twice, whatever the guest port. */
	{
		char *v[] = { "-p", "8080:80", "-p", "127.0.0.1:8080:81", "--",
		    "true", NULL };

		assert_int_equal(args_parse(e, ARGC(v), v, &a, err,
		    sizeof(err)), 0);
		assert_int_equal(vm_run_prepare(e, &a, &req, err,
		    sizeof(err)), BEX_USAGE);
		assert_non_null(strstr(err, "already taken by 8080:80"));
		args_free(&a);
	}
	/* Another loopback address with the same port does not clash. */
	{
		char *v[] = { "-p", "8080:80", "-p", "127.0.0.2:8080:80", "--",
		    "true", NULL };

		assert_int_equal(args_parse(e, ARGC(v), v, &a, err,
		    sizeof(err)), 0);
		assert_int_equal(vm_run_prepare(e, &a, &req, err,
		    sizeof(err)), 0);
		assert_int_equal(req.publish.n, 2);
		args_free(&a);
	}

	/* PORTS_MAX is allowed, one more is not. */
	for (i = 0; i <= PORTS_MAX; i++) {
		snprintf(ports[i], sizeof(ports[i]), "%zu:80", 2000 + i);
		many[2 * i] = "-p";
		many[2 * i + 1] = ports[i];
	}
	many[2 * PORTS_MAX] = "--";
	many[2 * PORTS_MAX + 1] = "true";
	many[2 * PORTS_MAX + 2] = NULL;
	assert_int_equal(args_parse(e, 2 * PORTS_MAX + 2, many, &a, err,
	    sizeof(err)), 0);
	assert_int_equal(vm_run_prepare(e, &a, &req, err, sizeof(err)), 0);
	assert_int_equal(req.publish.n, PORTS_MAX);
	args_free(&a);
	many[2 * PORTS_MAX] = "-p";
	many[2 * PORTS_MAX + 1] = ports[PORTS_MAX];
	many[2 * PORTS_MAX + 2] = "--";
	many[2 * PORTS_MAX + 3] = "true";
	many[2 * PORTS_MAX + 4] = NULL;
	assert_int_equal(args_parse(e, 2 * PORTS_MAX + 4, many, &a, err,
	    sizeof(err)), 0);
	assert_int_equal(vm_run_prepare(e, &a, &req, err, sizeof(err)),
	    BEX_USAGE);
	assert_non_null(strstr(err, "too many --publish"));
	args_free(&a);
}

static void
test_port_arguments(void **state)
{
	static const struct {
		const char	*v[5];
		int		 rc;
		uint64_t	 op;
		const char	*msg;
	} c[] = {
		{ { "list", "vm1" }, 0, PORT_LIST, NULL },
		{ { "publish", "vm1", "8080:80" }, 0, PORT_PUBLISH, NULL },
		{ { "unpublish", "vm1", "127.0.0.1:8080:80" }, 0,
		    PORT_UNPUBLISH, NULL },
		{ { "list" }, BEX_USAGE, 0, "takes a VM name" },
		{ { "list", "vm1", "8080:80" }, BEX_USAGE, 0,
		    "takes a VM name" },
		{ { "publish", "vm1" }, BEX_USAGE, 0, "and a port spec" },
		{ { "unpublish", "vm1" }, BEX_USAGE, 0, "and a port spec" },
		{ { "frob", "vm1" }, BEX_USAGE, 0, "list, publish or" },
		{ { "publish", "Bad_Name", "8080:80" }, BEX_USAGE, 0,
		    "invalid VM name" },
		{ { "publish", "vm1", "0.0.0.0:80:80" }, BEX_USAGE, 0,
		    "only loopback" },
	};
	struct ctl_vm_port req;
	struct args	 a;
	char		 err[256];
	size_t		 i;
	int		 n;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		for (n = 0; c[i].v[n] != NULL; n++)
			;
		assert_int_equal(args_parse(&cmd_vm_port_entry, n,
		    (char **)c[i].v, &a, err, sizeof(err)), 0);
		err[0] = '\0';
		assert_int_equal(vm_port_prepare(&a, &req, err, sizeof(err)),
		    c[i].rc);
		if (c[i].rc == 0) {
			assert_int_equal(req.op, c[i].op);
			assert_string_equal(req.name, "vm1");
			assert_string_equal(req.spec, n == 3 ? c[i].v[2] : "");
		} else {
			if (strstr(err, c[i].msg) == NULL)
				print_error("case %zu: '%s'\n", i, err);
			assert_non_null(strstr(err, c[i].msg));
		}
		args_free(&a);
	}
	/* More than three words never reach the command. */
	{
		char *v[] = { "publish", "vm1", "8080:80", "x", NULL };

		assert_int_equal(args_parse(&cmd_vm_port_entry, ARGC(v), v,
		    &a, err, sizeof(err)), -1);
	}
}

/*
 * unix:PATH: a relative PATH is made absolute against the CLI's own
 * directory before bangerd sees it (its directory is not the user's),
 * for --publish and for vm port alike; two spellings of one path clash.
 */
static void
test_unix_spec(void **state)
{
	const struct cmd_entry *e = &cmd_vm_run_entry;
	struct ctl_vm_run req;
	struct ctl_vm_port preq;
	struct args	 a;
	char		 err[256], cwd[256], want[512], old[256];

	(void)state;
	assert_non_null(getcwd(old, sizeof(old)));
	assert_int_equal(chdir("/tmp"), 0);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	{
		char *v[] = { "-p", "unix:web.sock:80", "-p",
		    "unix:/srv/a:b.sock:22", "--", "true", NULL };

		assert_int_equal(args_parse(e, ARGC(v), v, &a, err,
		    sizeof(err)), 0);
		assert_int_equal(vm_run_prepare(e, &a, &req, err,
		    sizeof(err)), 0);
		assert_int_equal(req.publish.n, 2);
		snprintf(want, sizeof(want), "unix:%s/web.sock:80", cwd);
		assert_string_equal(req.publish.v[0], want);
		assert_string_equal(req.publish.v[1], "unix:/srv/a:b.sock:22");
		args_free(&a);
	}
	{
		char *v[] = { "-p", "unix:/tmp/web.sock:80", "-p",
		    "unix:web.sock:81", "--", "true", NULL };

		assert_int_equal(args_parse(e, ARGC(v), v, &a, err,
		    sizeof(err)), 0);
		assert_int_equal(vm_run_prepare(e, &a, &req, err,
		    sizeof(err)), BEX_USAGE);
		assert_string_equal(err, "publish unix:/tmp/web.sock:81: "
		    "unix:/tmp/web.sock is already taken by "
		    "unix:/tmp/web.sock:80");
		args_free(&a);
	}
	{
		char *v[] = { "-p", "unix:../web.sock:80", "--", "true",
		    NULL };

		assert_int_equal(args_parse(e, ARGC(v), v, &a, err,
		    sizeof(err)), 0);
		assert_int_equal(vm_run_prepare(e, &a, &req, err,
		    sizeof(err)), BEX_USAGE);
		assert_non_null(strstr(err, "PATH may not hold \"..\""));
		args_free(&a);
	}
	{
		/* A symbolic link in the directory: its real path is sent. */
		char	 d[64] = "/tmp/test-port.XXXXXX", r[128], l[160];
		char	 spec[200];
		char	*v[] = { "-p", spec, "--", "true", NULL };

		assert_non_null(mkdtemp(d));
		snprintf(r, sizeof(r), "%s/real", d);
		assert_int_equal(mkdir(r, 0700), 0);
		snprintf(l, sizeof(l), "%s/ln", d);
		assert_int_equal(symlink(r, l), 0);
		snprintf(spec, sizeof(spec), "unix:%s/w.sock:80", l);
		assert_int_equal(args_parse(e, ARGC(v), v, &a, err,
		    sizeof(err)), 0);
		assert_int_equal(vm_run_prepare(e, &a, &req, err,
		    sizeof(err)), 0);
		snprintf(want, sizeof(want), "unix:%s/w.sock:80", r);
		assert_string_equal(req.publish.v[0], want);
		args_free(&a);
		assert_int_equal(unlink(l), 0);
		assert_int_equal(rmdir(r), 0);
		assert_int_equal(rmdir(d), 0);
	}
	{
		char *v[] = { "unpublish", "vm1", "unix:w.sock:80", NULL };

		assert_int_equal(args_parse(&cmd_vm_port_entry, ARGC(v), v,
		    &a, err, sizeof(err)), 0);
		assert_int_equal(vm_port_prepare(&a, &preq, err, sizeof(err)),
		    0);
		snprintf(want, sizeof(want), "unix:%s/w.sock:80", cwd);
		assert_string_equal(preq.spec, want);
		args_free(&a);
	}
	assert_int_equal(chdir(old), 0);
}

/*
 * Listen where the CLI looks for bangerd (XDG_RUNTIME_DIR/banger) so a
 * connection attempt would show.
 */
static int
fake_daemon(char *dir, size_t dirlen)
{
	struct sockaddr_un	 sun;
	char			 sub[512];
	int			 fd;

	snprintf(dir, dirlen, "/tmp/test-port.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/banger", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/bangerd.sock", sub);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, 8), 0);
	setenv("XDG_RUNTIME_DIR", dir, 1);
	setenv("BANGER_DAEMON", "/nonexistent/bangerd", 1);
	return fd;
}

static void
fake_daemon_remove(const char *dir, int fd)
{
	char	 p[512];

	close(fd);
	snprintf(p, sizeof(p), "%s/banger/bangerd.sock", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/banger", dir);
	rmdir(p);
	rmdir(dir);
}

/*
 * Run banger with argv in a child; *connected says whether it connected
 * to the listener before it exited.  Whichever comes first decides; no
 * timeout: a connection is closed at once, which ends the child.
 */
static int
run_child(int lfd, char **argv, int argc, int *connected)
{
	struct pollfd	 pfd[2];
	pid_t		 pid;
	int		 p[2], fd, st, null;

	assert_int_equal(pipe(p), 0);
	fflush(stderr);
	if ((pid = fork()) == 0) {
		close(p[0]);
		/* The usage messages are right; keep them out of the log. */
		null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		_exit(cmd_main(argc, argv));
	}
	assert_true(pid > 0);
	close(p[1]);
	*connected = 0;
	pfd[0].fd = lfd;
	pfd[0].events = POLLIN;
	pfd[1].fd = p[0];
	pfd[1].events = POLLIN;
	assert_true(poll(pfd, 2, -1) > 0);
	if (pfd[0].revents & POLLIN) {
		*connected = 1;
		fd = accept(lfd, NULL, NULL);
		assert_true(fd >= 0);
		close(fd);
	}
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void
test_refused_before_connecting(void **state)
{
	char	*v1[] = { "vm", "create", "--publish", "0.0.0.0:80:80", NULL };
	char	*v2[] = { "vm", "run", "-p", "8080:80", "-p", "8080:81", "--",
	    "true", NULL };
	char	*v3[] = { "vm", "port", "publish", "vm1", "unix:/x", NULL };
	char	*v4[] = { "vm", "port", "list", NULL };
	char	*v5[] = { "vm", "port", "unpublish", "vm1", NULL };
	char	*v6[] = { "vm", "create", "-p", "127.0.0.1:70000:1", NULL };
	char	*ok[] = { "vm", "port", "list", "vm1", NULL };
	char	**bad[] = { v1, v2, v3, v4, v5, v6 };
	char	 dir[64];
	size_t	 i;
	int	 lfd, n, connected;

	(void)state;
	lfd = fake_daemon(dir, sizeof(dir));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (n = 0; bad[i][n] != NULL; n++)
			;
		assert_int_equal(run_child(lfd, bad[i], n, &connected),
		    BEX_USAGE);
		if (connected)
			print_error("case %zu connected\n", i);
		assert_false(connected);
	}
	/* The control: valid arguments do connect, and the listener sees it. */
	assert_int_not_equal(run_child(lfd, ok, ARGC(ok), &connected),
	    BEX_OK);
	assert_true(connected);
	fake_daemon_remove(dir, lfd);
}

static void
test_ports_printed(void **state)
{
	char		*ports[] = { "127.0.0.1:8080:80", "127.0.0.5:9000:22",
	    "\033[2Jjunk", "unix:/run/a:b.sock:8080", NULL };
	char		*states[] = { "listening", "error: \033]0;x\007", NULL };
	struct ctl_vm_info vi;
	json_t		*j, *o;
	char		 line[512], *buf;
	size_t		 len;
	FILE		*f;

	(void)state;
	memset(&vi, 0, sizeof(vi));
	vi.name = "vm1";
	vi.state = "running";
	vi.vmm = "qemu";
	vi.accel = "tcg";
	vi.address = "";
	vi.dir = "/d";
	vi.image = "tiny";
	vi.root = "overlay";
	vi.ports.v = ports;
	vi.ports.n = 4;
	vi.port_state.v = states;
	vi.port_state.n = 2;

	port_line(&vi, 0, line, sizeof(line));
	assert_string_equal(line, "127.0.0.1:8080 -> 80  listening");
	/* Daemon text reaches the terminal escaped. */
	port_line(&vi, 1, line, sizeof(line));
	assert_string_equal(line, "127.0.0.5:9000 -> 22  error: \\e]0;x\\x07");
	/* Not a spec, and no state for it: shown as sent, escaped. */
	port_line(&vi, 2, line, sizeof(line));
	assert_string_equal(line, "\\e[2Jjunk  unknown");
	port_line(&vi, 3, line, sizeof(line));
	assert_string_equal(line, "unix:/run/a:b.sock -> 8080  unknown");

	f = open_memstream(&buf, &len);
	vm_print(&vi, f);
	fclose(f);
	assert_non_null(strstr(buf,
	    "\nports      127.0.0.1:8080 -> 80  listening\n"
	    "           127.0.0.5:9000 -> 22  error: "));
	free(buf);

	j = ports_json(&vi);
	assert_non_null(j);
	assert_int_equal(json_array_size(j), 4);
	o = json_array_get(j, 0);
	assert_string_equal(json_string_value(json_object_get(o, "host")),
	    "127.0.0.1:8080");
	assert_int_equal(json_integer_value(json_object_get(o, "guest")), 80);
	assert_string_equal(json_string_value(json_object_get(o, "state")),
	    "listening");
	assert_string_equal(json_string_value(json_object_get(o, "spec")),
	    "127.0.0.1:8080:80");
	o = json_array_get(j, 2);
	assert_true(json_is_null(json_object_get(o, "host")));
	assert_true(json_is_null(json_object_get(o, "guest")));
	assert_string_equal(json_string_value(json_object_get(o, "state")),
	    "unknown");
	o = json_array_get(j, 3);
	assert_string_equal(json_string_value(json_object_get(o, "host")),
	    "unix:/run/a:b.sock");
	assert_int_equal(json_integer_value(json_object_get(o, "guest")),
	    8080);
	json_decref(j);

	/* vm show --json and vm list --json carry the same array. */
	j = vm_json(&vi);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "ports")), 4);
	json_decref(j);
	vi.ports.n = 0;
	vi.port_state.n = 0;
	j = vm_json(&vi);
	assert_true(json_is_array(json_object_get(j, "ports")));
	assert_int_equal(json_array_size(json_object_get(j, "ports")), 0);
	json_decref(j);
	f = open_memstream(&buf, &len);
	vm_print(&vi, f);
	fclose(f);
	assert_non_null(strstr(buf, "\nports      -\n"));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish_collected_in_order),
		cmocka_unit_test(test_publish_bad_and_clash),
		cmocka_unit_test(test_port_arguments),
		cmocka_unit_test(test_unix_spec),
		cmocka_unit_test(test_refused_before_connecting),
		cmocka_unit_test(test_ports_printed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
