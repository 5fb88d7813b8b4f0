/*
 * Unit tests for the Firecracker driver (firecracker.c).  No Firecracker
 * runs here: the requests are checked against Firecracker's API spec
 * named by FC_SPEC (the tests that need it are skipped, saying so, when
 * FC_SPEC is unset or empty; .ci/run sets it), and a fake API server and a fake vsock socket, each a thread on a Unix
 * socket in a temporary directory, record what the driver sends.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "bangerd.h"
#include "firecracker.h"
#include "test-fc-spec.h"

#define MAXCALLS	16

static struct fc_spec	*spec;
static char		 tmpdir[64];

/*
 * The driver's launch op hands its descriptors to bangerd's launcher
 * (launch.c, not linked here); these tests never launch a VMM.
 */
int
launch_vmm(struct bangerd *d, struct vm *vm, int listen, int *fds,
    size_t nfds, char **argv, size_t argc)
{
	(void)d;
	(void)vm;
	(void)listen;
	(void)fds;
	(void)nfds;
	(void)argv;
	(void)argc;
	fail_msg("launch_vmm called in a driver unit test");
	return -1;
}

/*
 * Nor is the launcher's connect channel: here a plain connect to the
 * path the launcher would take (fc-sock.c), so the fake servers below
 * can stand in for Firecracker.  The launcher's own checks, and that
 * bangerd asks only by VM id, are test-fc-connect's.
 */
int
launch_connect(struct bangerd *d, uint64_t vm_id, unsigned which)
{
	struct sockaddr_un	 sun;
	int			 fd, e;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (fc_sock_path(d->paths.runtime_dir, vm_id, which, sun.sun_path,
	    sizeof(sun.sun_path)) == -1 ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* ---- fixtures ---------------------------------------------------------- */

static struct fc_spec *
get_spec(void)
{
	const char	*path = getenv("FC_SPEC");
	char		 err[512];

	if (spec != NULL)
		return spec;
	if (path == NULL || path[0] == '\0') {
		/* A fresh clone has no spec beside it: say so, count a skip. */
		print_message("[  SKIPPED ] no Firecracker API spec given "
		    "(set FC_SPEC to firecracker-api-*.yaml; .ci/run does)\n");
		skip();
	}
	if ((spec = fc_spec_load(path, err, sizeof(err))) == NULL)
		fail_msg("Firecracker API spec not available: %s", err);
	return spec;
}

static void
write_file(const char *path, const void *p, size_t n)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	fclose(f);
}

static void
setup_vm(struct bangerd *d, struct vm *vm)
{
	memset(d, 0, sizeof(*d));
	memset(vm, 0, sizeof(*vm));
	snprintf(d->paths.runtime_dir, sizeof(d->paths.runtime_dir), "%s",
	    tmpdir);
	snprintf(vm->img.kernel, sizeof(vm->img.kernel), "%s/vmlinux", tmpdir);
	snprintf(vm->img.initrd, sizeof(vm->img.initrd), "%s/initrd.img", tmpdir);
	write_file(vm->img.kernel, "\177ELF\2\1\1", 7);
	write_file(vm->img.initrd, "070701", 6);
	vm->d = d;
	vm->id = 42;
	vm->vcpus = 2;
	vm->memory_mib = 512;
	snprintf(vm->name, sizeof(vm->name), "box");
	snprintf(vm->dir, sizeof(vm->dir), "/state/vms/box");
	snprintf(vm->address, sizeof(vm->address), "10.213.0.2");
	snprintf(vm->gateway, sizeof(vm->gateway), "10.213.0.1");
	snprintf(vm->mac, sizeof(vm->mac), "02:42:0a:d5:00:02");
	snprintf(vm->tap, sizeof(vm->tap), "bgt42");
	vm->prefix = 24;
}

static void
config_with_disks(struct fc_config *c)
{
	struct bangerd	 d;
	struct vm	 vm;
	char		 err[256];

	setup_vm(&d, &vm);
	assert_int_equal(fc_config_vm(&d, &vm, c, err, sizeof(err)), 0);
	assert_int_equal(fc_config_add_drive(c, "rootfs",
	    "/state/vms/box/root.ext4", 1, 0, err, sizeof(err)), 0);
	assert_int_equal(fc_config_add_drive(c, "work",
	    "/state/vms/box/work.ext4", 0, 0, err, sizeof(err)), 0);
}

static int
group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/fc-test-XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	char	 cmd[128];

	(void)state;
	fc_spec_free(spec);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
check_calls(struct fc_call *v, size_t n)
{
	char	 err[512];
	size_t	 i;

	for (i = 0; i < n; i++)
		if (fc_spec_check(get_spec(), v[i].method, v[i].path,
		    v[i].body, err, sizeof(err)) != 0)
			fail_msg("call %zu violates the spec: %s\nbody: %s", i,
			    err, v[i].body ? v[i].body : "(none)");
}

/* ---- (1) requests against the spec ------------------------------------- */

static void
test_spec_boot_no_disks(void **state)
{
	struct bangerd	 d;
	struct vm	 vm;
	struct fc_config c;
	struct fc_call	*v;
	size_t		 n;
	char		 err[256];
	static const char *paths[] = { "/machine-config", "/boot-source",
	    "/serial", "/network-interfaces/eth0", "/vsock", "/actions" };
	size_t		 i;

	(void)state;
	(void)get_spec();	/* skip before allocating, if no spec */
	setup_vm(&d, &vm);
	assert_int_equal(fc_config_vm(&d, &vm, &c, err, sizeof(err)), 0);
	assert_int_equal(fc_boot_calls(&c, &v, &n), 0);
	assert_int_equal(n, sizeof(paths) / sizeof(paths[0]));
	for (i = 0; i < n; i++) {
		assert_string_equal(v[i].method, "PUT");
		assert_string_equal(v[i].path, paths[i]);
	}
	check_calls(v, n);
	assert_non_null(strstr(v[0].body, "\"vcpu_count\":2"));
	assert_non_null(strstr(v[0].body, "\"mem_size_mib\":512"));
	assert_non_null(strstr(v[0].body, "\"smt\":false"));
	assert_non_null(strstr(v[1].body, "banger.name=box banger.ip="
	    "10.213.0.2/24 banger.gw=10.213.0.1"));
	assert_non_null(strstr(v[1].body, "reboot=k panic=1 pci=off"));
	assert_non_null(strstr(v[1].body, "console=ttyS0"));
	assert_non_null(strstr(v[1].body, "\"initrd_path\""));
	assert_non_null(strstr(v[3].body, "\"host_dev_name\":\"bgt42\""));
	assert_non_null(strstr(v[3].body,
	    "\"guest_mac\":\"02:42:0a:d5:00:02\""));
	assert_non_null(strstr(v[4].body, "\"guest_cid\":3"));
	assert_non_null(strstr(v[4].body, "/fc-42.vsock\""));
	assert_string_equal(v[5].body, "{\"action_type\":\"InstanceStart\"}");
	fc_calls_free(v, n);
}

/*
 * A VM started while its work disk is written has its guest wait for
 * the disk (vm-create.c); no spec needed: only the command line.
 */
static void
test_boot_args_gate(void **state)
{
	struct bangerd	 d;
	struct vm	 vm;
	struct fc_config c;
	char		 err[256];

	(void)state;
	setup_vm(&d, &vm);
	assert_int_equal(fc_config_vm(&d, &vm, &c, err, sizeof(err)), 0);
	assert_null(strstr(c.boot_args, "banger.work="));
	vm.disk_gate = 1;
	assert_int_equal(fc_config_vm(&d, &vm, &c, err, sizeof(err)), 0);
	assert_non_null(strstr(c.boot_args, " banger.work=wait"));
}

static void
test_spec_boot_disks(void **state)
{
	struct fc_config c;
	struct fc_call	*v;
	size_t		 n;

	(void)state;
	(void)get_spec();	/* skip before allocating, if no spec */
	config_with_disks(&c);
	/* No initrd: the property must then be absent, not empty. */
	c.initrd[0] = '\0';
	assert_int_equal(fc_boot_calls(&c, &v, &n), 0);
	assert_int_equal(n, 8);
	assert_string_equal(v[3].path, "/drives/rootfs");
	assert_string_equal(v[4].path, "/drives/work");
	assert_null(strstr(v[1].body, "initrd_path"));
	assert_non_null(strstr(v[3].body, "\"is_root_device\":true"));
	assert_non_null(strstr(v[4].body, "\"is_root_device\":false"));
	assert_non_null(strstr(v[3].body, "\"is_read_only\":false"));
	check_calls(v, n);
	fc_calls_free(v, n);
}

static void
test_spec_shutdown(void **state)
{
	struct fc_call	 c;

	(void)state;
	(void)get_spec();	/* skip before allocating, if no spec */
	assert_int_equal(fc_action_call("SendCtrlAltDel", &c), 0);
	check_calls(&c, 1);
	free(c.body);
}

/* The validator must be able to say no, or the tests above prove nothing. */
static void
test_spec_rejects(void **state)
{
	static const struct {
		const char	*method, *path, *body, *why;
	} bad[] = {
		{ "PUT", "/machine-config",
		    "{\"vcpu_count\":1,\"mem_size_mib\":128,\"turbo\":true}",
		    "not in the definition" },
		{ "PUT", "/machine-config", "{\"vcpu_count\":1}",
		    "mem_size_mib missing" },
		{ "PUT", "/machine-config",
		    "{\"vcpu_count\":0,\"mem_size_mib\":128}", "minimum" },
		{ "PUT", "/machine-config",
		    "{\"vcpu_count\":33,\"mem_size_mib\":128}", "maximum" },
		{ "PUT", "/machine-config",
		    "{\"vcpu_count\":\"1\",\"mem_size_mib\":128}",
		    "type integer" },
		{ "PUT", "/machine-config",
		    "{\"vcpu_count\":1,\"mem_size_mib\":128,\"smt\":0}",
		    "type boolean" },
		{ "PUT", "/boot-source", "{\"boot_args\":\"x\"}",
		    "kernel_image_path missing" },
		{ "PUT", "/actions", "{\"action_type\":\"Reboot\"}", "enum" },
		{ "PUT", "/actions", NULL, "body required" },
		{ "GET", "/actions", NULL, "not an operation" },
		{ "PUT", "/nope", "{}", "no such path" },
		{ "PUT", "/vsock", "{\"guest_cid\":2,\"uds_path\":\"/x\"}",
		    "minimum" },
		{ "PUT", "/drives/rootfs", "{\"drive_id\":\"other\","
		    "\"is_root_device\":true,\"path_on_host\":\"/x\","
		    "\"is_read_only\":false}", "differs" },
		{ "PUT", "/drives/rootfs", "{\"drive_id\":\"rootfs\","
		    "\"is_root_device\":true,\"cache_type\":\"Fast\"}", "enum" },
		{ "PUT", "/network-interfaces/eth0", "{\"iface_id\":\"eth0\","
		    "\"host_dev_name\":\"t\",\"rx_rate_limiter\":{\"ops\":"
		    "{\"size\":1}}}", "refill_time missing" },
		{ "PUT", "/network-interfaces/eth0", "{\"iface_id\":\"eth0\","
		    "\"host_dev_name\":\"t\",\"mtu\":10}", "minimum" },
		{ "PUT", "/serial", "{\"serial_out_path\":3}", "type string" },
		{ "PUT", "/machine-config", "{\"vcpu_count\":1,"
		    "\"mem_size_mib\":1,\"vcpu_count\":2}", "not JSON" },
		/* The suspend and resume requests' schemas. */
		{ "PATCH", "/vm", "{\"state\":\"Running\"}", "enum" },
		{ "PATCH", "/vm", "{}", "state missing" },
		{ "PUT", "/vm", "{\"state\":\"Paused\"}",
		    "not an operation" },
		{ "PUT", "/snapshot/create", "{\"snapshot_path\":\"/s\","
		    "\"mem_file_path\":\"/m\",\"snapshot_type\":\"Fast\"}",
		    "enum" },
		{ "PUT", "/snapshot/create", "{\"snapshot_path\":\"/s\"}",
		    "mem_file_path missing" },
		{ "PATCH", "/snapshot/create", "{\"snapshot_path\":\"/s\","
		    "\"mem_file_path\":\"/m\"}", "not an operation" },
		{ "PUT", "/snapshot/load", "{\"snapshot_path\":\"/s\","
		    "\"mem_backend\":{\"backend_type\":\"File\"}}",
		    "backend_path missing" },
		{ "PUT", "/snapshot/load", "{\"snapshot_path\":\"/s\","
		    "\"mem_backend\":{\"backend_type\":\"Disk\","
		    "\"backend_path\":\"/m\"}}", "enum" },
		{ "PUT", "/snapshot/load", "{\"snapshot_path\":\"/s\","
		    "\"network_overrides\":[{\"iface_id\":\"eth0\"}]}",
		    "host_dev_name missing" },
		{ "PUT", "/snapshot/load", "{\"snapshot_path\":\"/s\","
		    "\"network_overrides\":{\"iface_id\":\"eth0\","
		    "\"host_dev_name\":\"t\"}}", "type array" },
		{ "PUT", "/snapshot/load", "{\"snapshot_path\":\"/s\","
		    "\"vsock_override\":{\"uds_path\":\"/v\",\"cid\":3}}",
		    "property cid is not in the definition" },
		{ "PUT", "/snapshot/load", "{\"snapshot_path\":\"/s\","
		    "\"resume_vm\":\"no\"}", "type boolean" },
		{ "PUT", "/snapshot/load", "{\"mem_backend\":{"
		    "\"backend_type\":\"File\",\"backend_path\":\"/m\"}}",
		    "snapshot_path missing" },
	};
	char	 err[512];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (fc_spec_check(get_spec(), bad[i].method, bad[i].path,
		    bad[i].body, err, sizeof(err)) != -1)
			fail_msg("accepted %s %s %s", bad[i].method,
			    bad[i].path, bad[i].body ? bad[i].body : "");
		if (strstr(err, bad[i].why) == NULL)
			fail_msg("case %zu: \"%s\" does not mention \"%s\"", i,
			    err, bad[i].why);
	}
	/* And yes to a good one with nested objects. */
	assert_int_equal(fc_spec_check(get_spec(), "PUT",
	    "/network-interfaces/eth0", "{\"iface_id\":\"eth0\","
	    "\"host_dev_name\":\"t\",\"rx_rate_limiter\":{\"ops\":"
	    "{\"size\":1,\"refill_time\":100}}}", err, sizeof(err)), 0);
}

static void
test_config_checks(void **state)
{
	struct bangerd	 d;
	struct vm	 vm;
	struct fc_config c;
	char		 err[256];

	(void)state;
	setup_vm(&d, &vm);
	/* A bzImage is not an ELF file. */
	write_file(vm.img.kernel, "MZ\0\0", 4);
	assert_int_equal(fc_config_vm(&d, &vm, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ELF"));

	setup_vm(&d, &vm);
	snprintf(vm.address, sizeof(vm.address), "1.2.3.4 init=");
	assert_int_equal(fc_config_vm(&d, &vm, &c, err, sizeof(err)), -1);

	setup_vm(&d, &vm);
	vm.vcpus = 33;
	assert_int_equal(fc_config_vm(&d, &vm, &c, err, sizeof(err)), -1);

	/* sun_path holds 107 bytes and a NUL. */
	setup_vm(&d, &vm);
	snprintf(d.paths.runtime_dir, sizeof(d.paths.runtime_dir), "/%0100d",
	    0);
	assert_int_equal(fc_config_vm(&d, &vm, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));

	setup_vm(&d, &vm);
	assert_int_equal(fc_config_vm(&d, &vm, &c, err, sizeof(err)), 0);
	assert_int_equal(fc_config_add_drive(&c, "a b", "/x", 0, 0, err,
	    sizeof(err)), -1);
	assert_int_equal(fc_config_add_drive(&c, "r", "rel", 0, 0, err,
	    sizeof(err)), -1);
	assert_int_equal(fc_config_add_drive(&c, "r", "/x", 1, 0, err,
	    sizeof(err)), 0);
	assert_int_equal(fc_config_add_drive(&c, "r2", "/y", 1, 0, err,
	    sizeof(err)), -1);
	assert_int_equal(fc_config_add_drive(&c, "r", "/y", 0, 0, err,
	    sizeof(err)), -1);
}

static void
test_argv(void **state)
{
	struct bangerd	 d;
	struct vm	 vm;
	char		**argv, path[128];
	size_t		 n;

	(void)state;
	setup_vm(&d, &vm);
	/* A stale socket from a crash is removed before the start. */
	snprintf(path, sizeof(path), "%s/fc-42.api", tmpdir);
	write_file(path, "", 0);
	assert_int_equal(fc_argv(&d, &vm, &argv, &n), 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(n, 5);
	assert_null(argv[n]);
	assert_string_equal(argv[1], "--api-sock");
	assert_string_equal(argv[2], path);
	assert_string_equal(argv[3], "--id");
	assert_string_equal(argv[4], "banger-vm-42");
	fc_argv_free(argv, n);
	assert_ptr_equal(firecracker_ops.argv, fc_argv);
	assert_string_equal(firecracker_ops.name, "firecracker");
}

/* ---- (2) a fake Firecracker API server --------------------------------- */

struct fake {
	char		 path[108];
	int		 lfd;
	int		 delay_ms;	/* before listening */
	int		 fail_at;	/* call index answered 400, or -1 */
	const char	*fault_body;
	const char	*raw_reply;	/* replaces every reply if set */
	size_t		 expect;	/* connections to serve */
	/*
	 * Serve every connection until fake_stop(), also after a fault, so
	 * a test sees all the calls a (synchronous) driver op made.
	 */
	int		 until_stop;
	_Atomic int	 stop;
	size_t		 ncalls;
	struct fake_call {
		char	 method[8];
		char	 path[64];
		char	 body[2048];
		int	 has_body;
	}		 calls[MAXCALLS];
	pthread_t	 th;
};

static int
listen_unix(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, 8) == -1)
		return -1;
	return fd;
}

static int
accept_timeout(int lfd, int ms)
{
	struct pollfd	 p = { lfd, POLLIN, 0 };

	if (poll(&p, 1, ms) != 1)
		return -1;
	return accept(lfd, NULL, NULL);
}

/* Read one request: head up to CRLFCRLF, then Content-Length bytes. */
static int
read_request(int fd, struct fake *f)
{
	char	 buf[8192], *eoh, *cl;
	size_t	 len = 0, blen = 0, hl;
	ssize_t	 n;

	for (;;) {
		if (len == sizeof(buf) - 1)
			return -1;
		if ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) <= 0)
			return -1;
		len += n;
		buf[len] = '\0';
		if ((eoh = strstr(buf, "\r\n\r\n")) == NULL)
			continue;
		hl = eoh + 4 - buf;
		if ((cl = strcasestr(buf, "\r\nContent-Length: ")) != NULL &&
		    cl < eoh)
			blen = strtoul(cl + 18, NULL, 10);
		if (len >= hl + blen)
			break;
	}
	if (f->ncalls == MAXCALLS || sscanf(buf, "%7s %63s HTTP/1.1",
	    f->calls[f->ncalls].method, f->calls[f->ncalls].path) != 2 ||
	    blen >= sizeof(f->calls[0].body))
		return -1;
	memcpy(f->calls[f->ncalls].body, buf + hl, blen);
	f->calls[f->ncalls].body[blen] = '\0';
	f->calls[f->ncalls].has_body = blen > 0;
	f->ncalls++;
	return 0;
}

/*
 * Like Firecracker, write the files PUT /snapshot/create names (also
 * when the call is then refused: a full disk leaves a part behind).
 */
static void
fake_snapshot_files(const struct fake_call *c)
{
	static const char	*keys[] = { "snapshot_path", "mem_file_path" };
	json_t			*o, *p;
	size_t			 i;
	FILE			*fp;

	if (strcmp(c->method, "PUT") != 0 ||
	    strcmp(c->path, "/snapshot/create") != 0 ||
	    (o = json_loads(c->body, 0, NULL)) == NULL)
		return;
	for (i = 0; i < 2; i++)
		if ((p = json_object_get(o, keys[i])) != NULL &&
		    json_is_string(p) &&
		    (fp = fopen(json_string_value(p), "wx")) != NULL) {
			fputs("partial", fp);
			fclose(fp);
		}
	json_decref(o);
}

/* Accept, or -1 once fake_stop() asked us to end. */
static int
accept_until_stop(struct fake *f)
{
	struct pollfd	 p = { f->lfd, POLLIN, 0 };

	while (!f->stop)
		if (poll(&p, 1, 50) == 1)
			return accept(f->lfd, NULL, NULL);
	return -1;
}

static void *
api_server(void *arg)
{
	struct fake	*f = arg;
	char		 reply[4096];
	size_t		 i;
	int		 fd;

	if (f->delay_ms > 0) {
		struct timespec ts = { 0, f->delay_ms * 1000000L };

		nanosleep(&ts, NULL);
		f->lfd = listen_unix(f->path);
	}
	for (i = 0; f->until_stop || i < f->expect; i++) {
		if (f->until_stop)
			fd = accept_until_stop(f);
		else
			fd = accept_timeout(f->lfd, 3000);
		if (fd == -1)
			break;
		if (read_request(fd, f) == -1) {
			close(fd);
			break;
		}
		fake_snapshot_files(&f->calls[f->ncalls - 1]);
		if (f->raw_reply != NULL)
			snprintf(reply, sizeof(reply), "%s", f->raw_reply);
		else if ((int)f->ncalls - 1 == f->fail_at)
			snprintf(reply, sizeof(reply), "HTTP/1.1 400 \r\n"
			    "Server: Firecracker API\r\nConnection: keep-alive"
			    "\r\nContent-Type: application/json\r\n"
			    "Content-Length: %zu\r\n\r\n%s",
			    strlen(f->fault_body), f->fault_body);
		else
			snprintf(reply, sizeof(reply), "HTTP/1.1 204 \r\n"
			    "Server: Firecracker API\r\nConnection: keep-alive"
			    "\r\n\r\n");
		(void)!write(fd, reply, strlen(reply));
		close(fd);
		if ((int)f->ncalls - 1 == f->fail_at && !f->until_stop)
			break;
	}
	return NULL;
}

/* A fake API server at the socket path of the test VM (id 42). */
static void
fake_start(struct fake *f, size_t expect)
{
	memset(f, 0, sizeof(*f));
	f->fail_at = -1;
	f->expect = expect;
	f->lfd = -1;
	assert_int_equal(fc_sock_path(tmpdir, 42, LAUNCH_SOCK_API, f->path,
	    sizeof(f->path)), 0);
	unlink(f->path);
}

static void
fake_run(struct fake *f)
{
	if (f->delay_ms == 0)
		assert_true((f->lfd = listen_unix(f->path)) != -1);
	assert_int_equal(pthread_create(&f->th, NULL, api_server, f), 0);
}

static void
fake_stop(struct fake *f)
{
	f->stop = 1;
	pthread_join(f->th, NULL);
	if (f->lfd != -1)
		close(f->lfd);
	unlink(f->path);
}

static void
test_fake_boot(void **state)
{
	struct bangerd	 d;
	struct vm	 vm;
	struct fake	 f;
	struct fc_config c;
	char		 err[512];
	static const char *want[] = { "/machine-config", "/boot-source",
	    "/serial", "/drives/rootfs", "/drives/work",
	    "/network-interfaces/eth0", "/vsock", "/actions" };
	size_t		 i;

	(void)state;
	setup_vm(&d, &vm);
	(void)get_spec();	/* skip before allocating, if no spec */
	config_with_disks(&c);
	fake_start(&f, 8);
	fake_run(&f);
	if (fc_configure(&vm, &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	fake_stop(&f);
	assert_int_equal(f.ncalls, 8);
	for (i = 0; i < f.ncalls; i++) {
		assert_string_equal(f.calls[i].method, "PUT");
		assert_string_equal(f.calls[i].path, want[i]);
		assert_true(f.calls[i].has_body);
		/* What went over the wire matches the spec too. */
		if (fc_spec_check(get_spec(), f.calls[i].method,
		    f.calls[i].path, f.calls[i].body, err, sizeof(err)) != 0)
			fail_msg("%s", err);
	}
	assert_string_equal(f.calls[7].body,
	    "{\"action_type\":\"InstanceStart\"}");
}

/* Through the vmm_ops entry points, with a socket that appears late. */
static void
test_fake_ops(void **state)
{
	struct bangerd	 d;
	struct vm	 vm;
	struct fake	 f;
	char		 err[512];

	(void)state;
	setup_vm(&d, &vm);
	/* machine, boot source, serial, the work disk, net, vsock, start */
	fake_start(&f, 7);
	f.delay_ms = 300;
	fake_run(&f);
	if (firecracker_ops.boot(&vm, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	fake_stop(&f);
	assert_int_equal(f.ncalls, 7);
	assert_string_equal(f.calls[0].path, "/machine-config");
	assert_string_equal(f.calls[3].path, "/drives/work");
	assert_non_null(strstr(f.calls[3].body, "/work.ext4\""));
	assert_non_null(strstr(f.calls[1].body, "banger.vmm=firecracker"));
	assert_string_equal(f.calls[6].body,
	    "{\"action_type\":\"InstanceStart\"}");

	fake_start(&f, 1);
	fake_run(&f);
	assert_int_equal(firecracker_ops.shutdown(&vm), 0);
	fake_stop(&f);
	assert_int_equal(f.ncalls, 1);
	assert_string_equal(f.calls[0].method, "PUT");
	assert_string_equal(f.calls[0].path, "/actions");
	assert_string_equal(f.calls[0].body,
	    "{\"action_type\":\"SendCtrlAltDel\"}");

	/* Nobody listening: shutdown says it could not ask. */
	assert_int_equal(firecracker_ops.shutdown(&vm), -1);
}

static void
test_fake_fault(void **state)
{
	struct bangerd	 d;
	struct vm	 vm;
	struct fake	 f;
	struct fc_config c;
	char		 err[1024];

	(void)state;
	setup_vm(&d, &vm);
	config_with_disks(&c);
	fake_start(&f, 8);
	f.fail_at = 1;
	f.fault_body = "{\"fault_message\":\"Invalid kernel path \\u001b[31m"
	    "/x\\nboom\\\\\"}";
	fake_run(&f);
	assert_int_equal(fc_configure(&vm, &c, err, sizeof(err)), -1);
	fake_stop(&f);
	/* It stopped at the refused call: no InstanceStart. */
	assert_int_equal(f.ncalls, 2);
	assert_string_equal(err, "Firecracker refused PUT /boot-source "
	    "(HTTP 400): Invalid kernel path \\x1b[31m/x\\nboom\\\\");
}

static void
test_fake_fault_long(void **state)
{
	struct bangerd	 d;
	struct vm	 vm;
	struct fake	 f;
	struct fc_config c;
	char		 body[2048], err[2048];

	(void)state;
	setup_vm(&d, &vm);
	config_with_disks(&c);
	/* A huge fault message is cut; a non-JSON body is shown escaped. */
	snprintf(body, sizeof(body), "{\"fault_message\":\"%01500d\"}", 7);
	fake_start(&f, 1);
	f.fail_at = 0;
	f.fault_body = body;
	fake_run(&f);
	assert_int_equal(fc_configure(&vm, &c, err, sizeof(err)), -1);
	fake_stop(&f);
	assert_true(strlen(err) < 400);
	assert_non_null(strstr(err, "..."));

	fake_start(&f, 1);
	f.fail_at = 0;
	f.fault_body = "oops\x01";
	fake_run(&f);
	assert_int_equal(fc_configure(&vm, &c, err, sizeof(err)), -1);
	fake_stop(&f);
	assert_non_null(strstr(err, "(HTTP 400): oops\\x01"));
}

static void
test_fake_bad_http(void **state)
{
	struct bangerd	 d;
	struct vm	 vm;
	static const struct {
		const char	*reply, *why;
	} cases[] = {
		{ "HTTP/1.1 204 \r\nTransfer-Encoding: chunked\r\n\r\n",
		    "Transfer-Encoding" },
		{ "HTTP/1.1 204 \r\n\r\nHTTP/1.1 204 \r\n\r\n",
		    "unexpected bytes" },
		{ "HTTP/1.1 204 \n\n", "bare LF" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
		    "closed the connection" },
		{ "", "closed the connection" },
		{ "SSH-2.0-OpenSSH\r\n\r\n", "status line" },
	};
	struct fake	 f;
	struct fc_call	 c;
	char		 err[512];
	size_t		 i;
	int		 fd;

	(void)state;
	setup_vm(&d, &vm);
	assert_int_equal(fc_action_call("InstanceStart", &c), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake_start(&f, 1);
		f.raw_reply = cases[i].reply;
		fake_run(&f);
		fd = fc_api_connect(&vm, 1000, err, sizeof(err));
		assert_true(fd != -1);
		assert_int_equal(fc_api_call(fd, &c, 2000, err, sizeof(err)),
		    -1);
		close(fd);
		fake_stop(&f);
		if (strstr(err, cases[i].why) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err,
			    cases[i].why);
	}
	/* 200 with a body is fine (GET-style answers). */
	fake_start(&f, 1);
	f.raw_reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
	fake_run(&f);
	fd = fc_api_connect(&vm, 1000, err, sizeof(err));
	assert_int_equal(fc_api_call(fd, &c, 2000, err, sizeof(err)), 0);
	close(fd);
	fake_stop(&f);
	free(c.body);
}

static void
test_no_socket(void **state)
{
	struct bangerd	 d;
	struct vm	 vm;
	char		 err[256];
	time_t		 t0 = time(NULL);

	(void)state;
	setup_vm(&d, &vm);
	vm.id = 43;		/* nothing listens for it */
	assert_int_equal(fc_api_connect(&vm, 200, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "API socket of VM box"));
	assert_true(time(NULL) - t0 < 3);
}

/* ---- (3) the hybrid vsock handshake ------------------------------------- */

struct vfake {
	char		 path[108];
	int		 lfd;
	const char	*reply;		/* NULL: close without a word */
	int		 split;		/* send the reply a byte at a time */
	int		 hold_ms;	/* keep quiet this long first */
	char		 got[64];
	pthread_t	 th;
};

static void *
vsock_server(void *arg)
{
	struct vfake	*v = arg;
	struct timespec	 ts;
	size_t		 len = 0, i;
	ssize_t		 n;
	int		 fd;

	if ((fd = accept_timeout(v->lfd, 3000)) == -1)
		return NULL;
	while (len < sizeof(v->got) - 1 && (len == 0 ||
	    v->got[len - 1] != '\n')) {
		if ((n = read(fd, v->got + len, 1)) <= 0)
			break;
		len += n;
	}
	v->got[len] = '\0';
	if (v->hold_ms > 0) {
		ts.tv_sec = v->hold_ms / 1000;
		ts.tv_nsec = (v->hold_ms % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
	if (v->reply != NULL && v->split) {
		ts.tv_sec = 0;
		ts.tv_nsec = 20 * 1000000L;
		for (i = 0; v->reply[i] != '\0'; i++) {
			(void)!write(fd, v->reply + i, 1);
			nanosleep(&ts, NULL);
		}
	} else if (v->reply != NULL)
		(void)!write(fd, v->reply, strlen(v->reply));
	/* Let the client read before we hang up. */
	ts.tv_sec = 0;
	ts.tv_nsec = 100 * 1000000L;
	nanosleep(&ts, NULL);
	close(fd);
	return NULL;
}

static int
vsock_try(struct vfake *v, const char *reply, int split, int hold_ms,
    char *err, size_t errlen, int *eno)
{
	struct bangerd	 d;
	struct vm	 vm;
	int		 fd;

	setup_vm(&d, &vm);
	memset(v, 0, sizeof(*v));
	assert_int_equal(fc_sock_path(tmpdir, vm.id, LAUNCH_SOCK_VSOCK,
	    v->path, sizeof(v->path)), 0);
	v->reply = reply;
	v->split = split;
	v->hold_ms = hold_ms;
	assert_true((v->lfd = listen_unix(v->path)) != -1);
	assert_int_equal(pthread_create(&v->th, NULL, vsock_server, v), 0);
	errno = 0;
	fd = fc_vsock_connect(&vm, FC_AGENT_PORT, err, errlen);
	*eno = errno;
	return fd;
}

static void
vsock_done(struct vfake *v, int fd)
{
	if (fd != -1)
		close(fd);
	pthread_join(v->th, NULL);
	close(v->lfd);
	unlink(v->path);
	assert_string_equal(v->got, "CONNECT 1024\n");
}

static void
test_vsock_ok(void **state)
{
	struct vfake	 v;
	char		 err[256], data[16];
	int		 fd, eno;

	(void)state;
	/* The guest's first bytes may share a segment with the OK line. */
	fd = vsock_try(&v, "OK 1073741824\nHELLO", 0, 0, err, sizeof(err),
	    &eno);
	if (fd == -1)
		fail_msg("%s", err);
	assert_int_equal(read(fd, data, 5), 5);
	assert_memory_equal(data, "HELLO", 5);
	/* Handed back blocking, ready for the agent channel. */
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	vsock_done(&v, fd);

	fd = vsock_try(&v, "OK 5\n", 1, 0, err, sizeof(err), &eno);
	if (fd == -1)
		fail_msg("%s", err);
	vsock_done(&v, fd);
}

static void
test_vsock_refused(void **state)
{
	struct bangerd	 d;
	struct vm	 vm;
	static const struct {
		const char	*reply;
		int		 eno;
	} cases[] = {
		{ NULL, ECONNREFUSED },		/* nobody listens */
		{ "OK 1024", ECONNREFUSED },	/* hung up mid-line */
		{ "ERR no listener\n", EPROTO },
		{ "OK\n", EPROTO },
		{ "OK \n", EPROTO },
		{ "OK 12a\n", EPROTO },
		{ "OK -1\n", EPROTO },
		{ "OK  12\n", EPROTO },
		{ "ok 12\n", EPROTO },
		{ "OK 99999999999\n", EPROTO },
		{ "OK 12\r\n", EPROTO },
		{ "OOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOO",
		    EPROTO },		/* overlong, no newline */
	};
	struct vfake	 v;
	char		 err[256];
	size_t		 i;
	int		 fd, eno;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fd = vsock_try(&v, cases[i].reply, 0, 0, err, sizeof(err),
		    &eno);
		if (fd != -1)
			fail_msg("case %zu accepted", i);
		if (eno != cases[i].eno)
			fail_msg("case %zu: errno %d (%s), want %d", i, eno,
			    err, cases[i].eno);
		vsock_done(&v, fd);
	}
	/* Silence is a timeout, not a hang. */
	fd = vsock_try(&v, NULL, 0, FC_VSOCK_TIMEOUT_MS + 500, err,
	    sizeof(err), &eno);
	assert_int_equal(fd, -1);
	assert_int_equal(eno, ETIMEDOUT);
	vsock_done(&v, fd);
	/* No socket at all. */
	setup_vm(&d, &vm);
	vm.id = 43;
	assert_int_equal(fc_vsock_connect(&vm, 1024, err, sizeof(err)), -1);
	assert_int_equal(errno, ENOENT);
}

/* ---- (4) suspend and resume -------------------------------------------- */

/* body, parsed, equals want (JSON, any key order): exact, not a substring. */
static void
assert_body(const char *body, const char *want)
{
	json_t		*b, *w;
	json_error_t	 je;
	char		*bs;

	assert_non_null(body);
	if ((b = json_loads(body, JSON_REJECT_DUPLICATES, &je)) == NULL)
		fail_msg("body is not JSON (%s): %s", je.text, body);
	if ((w = json_loads(want, JSON_REJECT_DUPLICATES, &je)) == NULL)
		fail_msg("test's JSON is bad (%s): %s", je.text, want);
	if (!json_equal(b, w)) {
		bs = json_dumps(b, JSON_SORT_KEYS | JSON_COMPACT);
		fail_msg("body %s\nwant %s", bs, want);
	}
	json_decref(b);
	json_decref(w);
}

static void
test_suspend_calls(void **state)
{
	struct fc_call	*v = NULL;
	size_t		 n = 0;
	char		 err[256];

	(void)state;
	assert_int_equal(fc_suspend_calls("/state/vms/box", &v, &n, err,
	    sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].method, "PATCH");
	assert_string_equal(v[0].path, "/vm");
	assert_body(v[0].body, "{\"state\":\"Paused\"}");
	assert_int_equal(v[0].timeout_ms, 0);
	assert_string_equal(v[1].method, "PUT");
	assert_string_equal(v[1].path, "/snapshot/create");
	assert_body(v[1].body, "{\"snapshot_type\":\"Full\","
	    "\"snapshot_path\":\"/state/vms/box/suspend.new/state\","
	    "\"mem_file_path\":\"/state/vms/box/suspend.new/mem\"}");
	/* Writing all of guest memory may take longer than a request. */
	assert_int_equal(v[1].timeout_ms, FC_SNAP_TIMEOUT_MS);
	fc_calls_free(v, n);
}

static void
test_resume_calls(void **state)
{
	struct fc_call	*v = NULL;
	size_t		 n = 0;
	char		 err[256];

	(void)state;
	assert_int_equal(fc_resume_calls("/state/vms/box", "bgt42",
	    "/run/user/1000/banger/fc-42.vsock", &v, &n, err, sizeof(err)),
	    0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].method, "PUT");
	assert_string_equal(v[0].path, "/snapshot/load");
	assert_body(v[0].body, "{"
	    "\"snapshot_path\":\"/state/vms/box/suspend/state\","
	    "\"mem_backend\":{\"backend_type\":\"File\","
	    "\"backend_path\":\"/state/vms/box/suspend/mem\"},"
	    "\"resume_vm\":false,"
	    "\"network_overrides\":[{\"iface_id\":\"eth0\","
	    "\"host_dev_name\":\"bgt42\"}],"
	    "\"vsock_override\":{\"uds_path\":"
	    "\"/run/user/1000/banger/fc-42.vsock\"}}");
	assert_int_equal(v[0].timeout_ms, FC_SNAP_TIMEOUT_MS);
	assert_string_equal(v[1].method, "PATCH");
	assert_string_equal(v[1].path, "/vm");
	assert_body(v[1].body, "{\"state\":\"Resumed\"}");
	fc_calls_free(v, n);
}

/* Every path sent is checked; a refusal says why and builds nothing. */
static void
test_snap_paths_refused(void **state)
{
	static const struct {
		const char	*dir, *why;
	} bad[] = {
		{ "state/vms/box", "not an absolute path" },
		{ "", "not an absolute path" },
		{ "/state/vms/../box", "a \".\" or \"..\" path component" },
		{ "/state/./box", "a \".\" or \"..\" path component" },
		{ "/state/box/..", "a \".\" or \"..\" path component" },
		{ "/state//box", "empty path component" },
		{ "/state/box/", "empty path component" },
		{ "/state/b\nox", "control or non-ASCII byte" },
		{ "/state/b\x7fox", "control or non-ASCII byte" },
		{ "/state/b\xc3\xa9", "control or non-ASCII byte" },
	};
	struct fc_call	*v;
	size_t		 n, i;
	char		 err[256], longdir[PATH_MAX];

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = NULL;
		n = 0;
		err[0] = '\0';
		if (fc_suspend_calls(bad[i].dir, &v, &n, err, sizeof(err)) !=
		    -1)
			fail_msg("suspend case %zu accepted", i);
		if (strstr(err, bad[i].why) == NULL)
			fail_msg("suspend case %zu: \"%s\" lacks \"%s\"", i,
			    err, bad[i].why);
		assert_null(v);
		assert_int_equal(n, 0);
		err[0] = '\0';
		if (fc_resume_calls(bad[i].dir, "bgt42", "/run/fc-42.vsock",
		    &v, &n, err, sizeof(err)) != -1)
			fail_msg("resume case %zu accepted", i);
		if (strstr(err, bad[i].why) == NULL)
			fail_msg("resume case %zu: \"%s\" lacks \"%s\"", i,
			    err, bad[i].why);
		assert_null(v);
	}
	/* Names that merely start with dots are fine. */
	assert_int_equal(fc_suspend_calls("/s/.box/..x/...", &v, &n, err,
	    sizeof(err)), 0);
	fc_calls_free(v, n);
	/* A VM directory that fits, but not with the snapshot's names. */
	memset(longdir, 'a', sizeof(longdir));
	longdir[0] = '/';
	longdir[sizeof(longdir) - 10] = '\0';
	assert_int_equal(fc_suspend_calls(longdir, &v, &n, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "too long"));
	assert_int_equal(fc_resume_calls(longdir, "bgt42", "/run/fc.vsock",
	    &v, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
	/* The overrides are checked too. */
	assert_int_equal(fc_resume_calls("/s/box", "", "/run/fc.vsock", &v,
	    &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "tap"));
	assert_int_equal(fc_resume_calls("/s/box", "bgt 42", "/run/fc.vsock",
	    &v, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "tap"));
	assert_int_equal(fc_resume_calls("/s/box", "bgt0123456789abc",
	    "/run/fc.vsock", &v, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "tap"));
	assert_int_equal(fc_resume_calls("/s/box", "bgt42", "run/fc.vsock",
	    &v, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "vsock socket path unfit: not an "
	    "absolute path"));
	memset(longdir, 'a', FC_SUN_PATH_MAX);
	longdir[0] = '/';
	longdir[FC_SUN_PATH_MAX] = '\0';
	assert_int_equal(fc_resume_calls("/s/box", "bgt42", longdir, &v, &n,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long for a Unix socket"));
}

static void
test_spec_snapshot(void **state)
{
	struct fc_call	*v;
	size_t		 n;
	char		 err[256];

	(void)state;
	(void)get_spec();	/* skip before allocating, if no spec */
	assert_int_equal(fc_suspend_calls("/state/vms/box", &v, &n, err,
	    sizeof(err)), 0);
	check_calls(v, n);
	fc_calls_free(v, n);
	assert_int_equal(fc_resume_calls("/state/vms/box", "bgt42",
	    "/run/user/1000/banger/fc-42.vsock", &v, &n, err, sizeof(err)),
	    0);
	check_calls(v, n);
	fc_calls_free(v, n);
}

/* A VM whose directory exists, for the ops that make files in it. */
static void
setup_vm_dir(struct bangerd *d, struct vm *vm)
{
	char	 p[PATH_MAX];

	setup_vm(d, vm);
	snprintf(vm->dir, sizeof(vm->dir), "%s/box", tmpdir);
	if (mkdir(vm->dir, 0700) == -1 && errno != EEXIST)
		fail_msg("mkdir %s: %s", vm->dir, strerror(errno));
	/* vm-suspend.c makes it before the driver runs. */
	snprintf(p, sizeof(p), "%s/%s", vm->dir, SNAP_NEW_DIR);
	if (mkdir(p, 0700) == -1 && errno != EEXIST)
		fail_msg("mkdir %s: %s", p, strerror(errno));
}

static void
test_fake_suspend(void **state)
{
	struct bangerd	 d;
	struct vm	 vm;
	struct fake	 f;
	struct stat	 st;
	char		 err[512], want[1024], dir[PATH_MAX];

	(void)state;
	setup_vm_dir(&d, &vm);
	snprintf(dir, sizeof(dir), "%s/suspend.new", vm.dir);
	assert_ptr_equal(firecracker_ops.suspend, fc_suspend);
	fake_start(&f, 0);
	f.until_stop = 1;
	fake_run(&f);
	if (firecracker_ops.suspend(&vm, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	fake_stop(&f);
	assert_int_equal(f.ncalls, 2);
	assert_string_equal(f.calls[0].method, "PATCH");
	assert_string_equal(f.calls[0].path, "/vm");
	assert_body(f.calls[0].body, "{\"state\":\"Paused\"}");
	assert_string_equal(f.calls[1].method, "PUT");
	assert_string_equal(f.calls[1].path, "/snapshot/create");
	snprintf(want, sizeof(want), "{\"snapshot_type\":\"Full\","
	    "\"snapshot_path\":\"%s/state\",\"mem_file_path\":\"%s/mem\"}",
	    dir, dir);
	assert_body(f.calls[1].body, want);
	/* The directory Firecracker wrote into: ours, 0700, kept. */
	assert_int_equal(lstat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(want, sizeof(want), "%s/state", dir);
	assert_int_equal(access(want, F_OK), 0);
	snprintf(want, sizeof(want), "%s/mem", dir);
	assert_int_equal(access(want, F_OK), 0);

	/* It exists now: a second suspend refuses and asks nothing. */
	fake_start(&f, 0);
	f.until_stop = 1;
	fake_run(&f);
	assert_int_equal(firecracker_ops.suspend(&vm, err, sizeof(err)), -1);
	fake_stop(&f);
	assert_int_equal(f.ncalls, 0);
	snprintf(want, sizeof(want), "%s/state already exists (a suspend "
	    "under way or cut short); not suspending over it", dir);
	assert_string_equal(err, want);
	snprintf(want, sizeof(want), "%s/state", dir);
	assert_int_equal(unlink(want), 0);
	snprintf(want, sizeof(want), "%s/mem", dir);
	assert_int_equal(unlink(want), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void
test_fake_suspend_fault(void **state)
{
	struct bangerd	 d;
	struct vm	 vm;
	struct fake	 f;
	char		 err[1024], p[PATH_MAX];

	(void)state;
	setup_vm_dir(&d, &vm);
	snprintf(p, sizeof(p), "%s/suspend.new/state", vm.dir);

	/* Pause refused: the VM runs on, nothing else is asked. */
	fake_start(&f, 0);
	f.until_stop = 1;
	f.fail_at = 0;
	f.fault_body = "{\"fault_message\":\"not running\"}";
	fake_run(&f);
	assert_int_equal(firecracker_ops.suspend(&vm, err, sizeof(err)), -1);
	fake_stop(&f);
	assert_int_equal(f.ncalls, 1);
	assert_string_equal(err, "Firecracker refused PATCH /vm (HTTP 400): "
	    "not running");
	assert_int_equal(access(p, F_OK), -1);

	/*
	 * Snapshot refused (after it wrote part of a file): the only call
	 * after it resumes the guest, and what it left is removed.
	 */
	fake_start(&f, 0);
	f.until_stop = 1;
	f.fail_at = 1;
	f.fault_body = "{\"fault_message\":\"No space left\\non device\"}";
	fake_run(&f);
	assert_int_equal(firecracker_ops.suspend(&vm, err, sizeof(err)), -1);
	fake_stop(&f);
	assert_int_equal(f.ncalls, 3);
	assert_string_equal(f.calls[1].path, "/snapshot/create");
	assert_string_equal(f.calls[2].method, "PATCH");
	assert_string_equal(f.calls[2].path, "/vm");
	assert_body(f.calls[2].body, "{\"state\":\"Resumed\"}");
	assert_string_equal(err, "Firecracker refused PUT /snapshot/create "
	    "(HTTP 400): No space left\\non device; the VM was resumed");
	assert_int_equal(access(p, F_OK), -1);
}

/*
 * vm-suspend.c's snap_discard(), which the driver calls between the load
 * and the resume: counted, with how many calls the fake had seen.
 */
static int		 discards;
static size_t		 discard_at;
static struct fake	*discard_fake;

int
snap_discard(struct vm *vm)
{
	(void)vm;
	discards++;
	discard_at = discard_fake != NULL ? discard_fake->ncalls : 0;
	return 0;
}

/* As bangerd's boot path does it: fc_boot with vm->resuming. */
static void
test_fake_resume(void **state)
{
	struct bangerd	 d;
	struct vm	 vm;
	struct fake	 f;
	char		 err[512], want[2048], vsock[FC_SUN_PATH_MAX];

	(void)state;
	setup_vm(&d, &vm);
	vm.resuming = 1;
	snprintf(vm.tap, sizeof(vm.tap), "bgt77");
	assert_int_equal(fc_sock_path(tmpdir, 42, LAUNCH_SOCK_VSOCK, vsock,
	    sizeof(vsock)), 0);
	assert_ptr_equal(firecracker_ops.resume, fc_resume);
	fake_start(&f, 0);
	f.until_stop = 1;
	f.delay_ms = 300;	/* Firecracker makes its socket late */
	discard_fake = &f;
	discards = 0;
	fake_run(&f);
	if (firecracker_ops.boot(&vm, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	fake_stop(&f);
	/* The saved state went after the load, before the guest ran. */
	assert_int_equal(discards, 1);
	assert_int_equal(discard_at, 1);
	/* No boot configuration: snapshot/load takes a fresh Firecracker. */
	assert_int_equal(f.ncalls, 2);
	assert_string_equal(f.calls[0].method, "PUT");
	assert_string_equal(f.calls[0].path, "/snapshot/load");
	snprintf(want, sizeof(want), "{"
	    "\"snapshot_path\":\"/state/vms/box/suspend/state\","
	    "\"mem_backend\":{\"backend_type\":\"File\","
	    "\"backend_path\":\"/state/vms/box/suspend/mem\"},"
	    "\"resume_vm\":false,\"network_overrides\":[{\"iface_id\":"
	    "\"eth0\",\"host_dev_name\":\"bgt77\"}],"
	    "\"vsock_override\":{\"uds_path\":\"%s\"}}", vsock);
	assert_body(f.calls[0].body, want);
	assert_string_equal(f.calls[1].method, "PATCH");
	assert_string_equal(f.calls[1].path, "/vm");
	assert_body(f.calls[1].body, "{\"state\":\"Resumed\"}");

	/* The op itself, and a refused load: no resume is asked. */
	fake_start(&f, 0);
	f.until_stop = 1;
	f.fail_at = 0;
	f.fault_body = "{\"fault_message\":\"Snapshot CRC mismatch\"}";
	fake_run(&f);
	assert_int_equal(firecracker_ops.resume(&vm, err, sizeof(err)), -1);
	fake_stop(&f);
	assert_int_equal(f.ncalls, 1);
	/* A refused load keeps the saved state. */
	assert_int_equal(discards, 1);
	discard_fake = NULL;
	assert_string_equal(f.calls[0].path, "/snapshot/load");
	assert_string_equal(err, "Firecracker refused PUT /snapshot/load "
	    "(HTTP 400): Snapshot CRC mismatch");

	/* A refused resume after a good load is an error too. */
	fake_start(&f, 0);
	f.until_stop = 1;
	f.fail_at = 1;
	f.fault_body = "{\"fault_message\":\"bad state\"}";
	fake_run(&f);
	assert_int_equal(firecracker_ops.resume(&vm, err, sizeof(err)), -1);
	fake_stop(&f);
	assert_int_equal(f.ncalls, 2);
	assert_string_equal(err, "Firecracker refused PATCH /vm (HTTP 400): "
	    "bad state");

	/* Without resuming, boot configures as before. */
	vm.resuming = 0;
	fake_start(&f, 0);
	f.until_stop = 1;
	fake_run(&f);
	if (firecracker_ops.boot(&vm, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	fake_stop(&f);
	assert_int_equal(f.ncalls, 7);
	assert_string_equal(f.calls[0].path, "/machine-config");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_boot_no_disks),
		cmocka_unit_test(test_spec_boot_disks),
		cmocka_unit_test(test_boot_args_gate),
		cmocka_unit_test(test_spec_shutdown),
		cmocka_unit_test(test_spec_rejects),
		cmocka_unit_test(test_config_checks),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_fake_boot),
		cmocka_unit_test(test_fake_ops),
		cmocka_unit_test(test_fake_fault),
		cmocka_unit_test(test_fake_fault_long),
		cmocka_unit_test(test_fake_bad_http),
		cmocka_unit_test(test_no_socket),
		cmocka_unit_test(test_vsock_ok),
		cmocka_unit_test(test_vsock_refused),
		cmocka_unit_test(test_suspend_calls),
		cmocka_unit_test(test_resume_calls),
		cmocka_unit_test(test_snap_paths_refused),
		cmocka_unit_test(test_spec_snapshot),
		cmocka_unit_test(test_fake_suspend),
		cmocka_unit_test(test_fake_suspend_fault),
		cmocka_unit_test(test_fake_resume),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
