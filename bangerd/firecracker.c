/*
 * The Firecracker driver.  Firecracker takes no descriptors from us: it
 * creates its API socket and the vsock socket itself and opens the tap
 * banger-priv made by name (the tap is owned by the user, so Firecracker,
 * running as the user, may attach to it).  bangerd configures it over the
 * API socket once it runs, then starts the guest; the launcher makes each
 * connection to those sockets and hands it over (fc-sock.c), bangerd
 * itself has no socket(2) or connect(2).
 *
 * Everything Firecracker says is untrusted (it runs the guest): responses
 * go through fc-http.c's strict parser and only a bounded, escaped
 * fault_message is ever shown.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bangerd.h"
#include "fdutil.h"
#include "fc-http.h"
#include "findexec.h"
#include "firecracker.h"
#include "log.h"

static int	fc_launch(struct bangerd *, struct vm *, struct vmm_fds *,
		    char **, size_t, char *, size_t);
static void	fc_exited(struct bangerd *, struct vm *);
static const char *fc_bin_path(const struct bangerd *);

const struct vmm_ops firecracker_ops = {
	.name = "firecracker",
	.argv = fc_argv,
	.boot = fc_boot,
	.shutdown = fc_shutdown,
	.launch = fc_launch,
	.suspend = fc_suspend,
	.resume = fc_resume,
	.unpause = fc_unpause,
	.exited = fc_exited,
	.bin = fc_bin_path,
	.console_pipe = 1,
	.tap_by_name = 1,
	.launcher_connects = 1,
	.root_snapshot = 0,
	.disk_gate = 1,
};

/*
 * Firecracker opens the (persistent) tap by name, so ours is closed
 * first, and talks to the agent over vsock once booted
 * (vm_vmm_started): it gets only stderr and the console pipe (slot 3).
 */
static int
fc_launch(struct bangerd *d, struct vm *vm, struct vmm_fds *f, char **argv,
    size_t argc, char *err, size_t errlen)
{
	int	 fds[2];

	fds[0] = f->log;
	fds[1] = f->console;
	if (f->tap != -1)
		close(f->tap);
	f->tap = -1;
	if (launch_vmm(d, vm, 0, fds, 2, argv, argc) == -1) {
		snprintf(err, errlen, "could not start Firecracker (see %s)",
		    d->paths.log);
		return -1;
	}
	return 0;
}

static void
fc_exited(struct bangerd *d, struct vm *vm)
{
	fc_cleanup(d, vm);
}

static const char *
fc_bin_path(const struct bangerd *d)
{
	return d->fc_bin;
}

/* ---- paths ---------------------------------------------------------- */

int
fc_paths(const struct bangerd *d, const struct vm *vm, char *api,
    size_t apilen, char *vsock, size_t vsocklen)
{
	if (vm->id < 0 || fc_sock_path(d->paths.runtime_dir, vm->id,
	    LAUNCH_SOCK_API, api, apilen) == -1 ||
	    fc_sock_path(d->paths.runtime_dir, vm->id, LAUNCH_SOCK_VSOCK,
	    vsock, vsocklen) == -1)
		return -1;
	return 0;
}

void
fc_cleanup(const struct bangerd *d, const struct vm *vm)
{
	char	 api[FC_SUN_PATH_MAX], vsock[FC_SUN_PATH_MAX];

	if (fc_paths(d, vm, api, sizeof(api), vsock, sizeof(vsock)) == -1)
		return;
	/* Firecracker refuses to bind over an existing file. */
	if (unlink(api) == -1 && errno != ENOENT)
		log_warn("unlink %s", api);
	if (unlink(vsock) == -1 && errno != ENOENT)
		log_warn("unlink %s", vsock);
}

int
fc_find(char *out, size_t len)
{
	return find_exec("BANGER_FIRECRACKER", FC_NAME, out, len);
}

/* ---- the VM's description ------------------------------------------- */

/* Values that go into the kernel command line: no spaces, no quotes. */
static int
cmdline_safe(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789.:/-", *s) == NULL)
			return 0;
	return 1;
}

/* Firecracker boots an uncompressed ELF kernel on x86_64. */
static int
is_elf(const char *path)
{
	unsigned char	 m[4];
	int		 fd, ok;

	if ((fd = open_regular(path)) == -1)
		return 0;
	ok = read(fd, m, 4) == 4 && m[0] == 0x7f && m[1] == 'E' &&
	    m[2] == 'L' && m[3] == 'F';
	close(fd);
	return ok;
}

int
fc_config_vm(const struct bangerd *d, const struct vm *vm,
    struct fc_config *c, char *err, size_t errlen)
{
	char	 api[FC_SUN_PATH_MAX];
	int	 n;

	memset(c, 0, sizeof(*c));
	if (vm->vcpus < 1 || vm->vcpus > 32 || vm->memory_mib < 1) {
		snprintf(err, errlen, "Firecracker needs 1-32 vCPUs and some "
		    "memory (have %d vCPUs, %d MiB)", vm->vcpus,
		    vm->memory_mib);
		return -1;
	}
	c->vcpus = vm->vcpus;
	c->mem_mib = vm->memory_mib;
	if (vm->img.kernel[0] != '/' || !is_elf(vm->img.kernel)) {
		snprintf(err, errlen, "Firecracker needs an uncompressed ELF "
		    "kernel (vmlinux); %s is not one", vm->img.kernel[0] ?
		    vm->img.kernel : "(no kernel)");
		return -1;
	}
	snprintf(c->kernel, sizeof(c->kernel), "%s", vm->img.kernel);
	snprintf(c->initrd, sizeof(c->initrd), "%s", vm->img.initrd);
	if (!cmdline_safe(vm->name) || !cmdline_safe(vm->address) ||
	    !cmdline_safe(vm->gateway) || vm->prefix < 1 || vm->prefix > 32) {
		snprintf(err, errlen, "VM name or address unfit for the "
		    "kernel command line");
		return -1;
	}
	/*
	 * reboot=k: a guest reboot ends Firecracker; pci=off: devices are
	 * virtio-mmio (described by ACPI); the i8042 flags skip probing a
	 * mouse and mux Firecracker does not have, and keep the keyboard
	 * SendCtrlAltDel needs.  The banger.* keys are the same as QEMU's.
	 */
	n = snprintf(c->boot_args, sizeof(c->boot_args), "console=ttyS0 "
	    "reboot=k panic=1 pci=off i8042.noaux i8042.nomux i8042.dumbkbd "
	    "quiet banger.vmm=firecracker banger.name=%s banger.ip=%s/%d "
	    "banger.gw=%s%s%s", vm->name, vm->address, vm->prefix,
	    vm->gateway, vm->img.agent_init ? " banger.init=agent" : "",
	    vm->disk_gate ? " banger.work=wait" : "");
	if (n < 0 || (size_t)n >= sizeof(c->boot_args))
		goto toolong;
	/* The console pipe on fd 3 (console.c writes console.log). */
	n = snprintf(c->console, sizeof(c->console), "/proc/self/fd/3");
	if (vm->dir[0] != '/' || n < 0 || (size_t)n >= sizeof(c->console))
		goto toolong;
	if (vm->tap[0] == '\0' || vm->mac[0] == '\0') {
		snprintf(err, errlen, "the VM has no tap yet");
		return -1;
	}
	snprintf(c->tap, sizeof(c->tap), "%s", vm->tap);
	snprintf(c->mac, sizeof(c->mac), "%s", vm->mac);
	if (fc_paths(d, vm, api, sizeof(api), c->vsock_uds,
	    sizeof(c->vsock_uds)) == -1) {
		snprintf(err, errlen, "socket paths under %s are too long for "
		    "a Unix socket (%d bytes at most)", d->paths.runtime_dir,
		    FC_SUN_PATH_MAX - 1);
		return -1;
	}
	return 0;
toolong:
	snprintf(err, errlen, "Firecracker configuration too long");
	return -1;
}

int
fc_config_add_drive(struct fc_config *c, const char *id, const char *path,
    int root, int read_only, char *err, size_t errlen)
{
	struct fc_drive	*dr;
	size_t		 i;

	if (c->ndrives == FC_MAX_DRIVES) {
		snprintf(err, errlen, "too many drives");
		return -1;
	}
	if (id[0] == '\0' || strlen(id) >= sizeof(dr->id) ||
	    strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-") != strlen(id)) {
		snprintf(err, errlen, "bad drive id");
		return -1;
	}
	if (path[0] != '/' || strlen(path) >= sizeof(dr->path)) {
		snprintf(err, errlen, "drive %s: bad path", id);
		return -1;
	}
	for (i = 0; i < c->ndrives; i++) {
		if (strcmp(c->drives[i].id, id) == 0 ||
		    (root && c->drives[i].root)) {
			snprintf(err, errlen, "drive %s: duplicate id or "
			    "second root device", id);
			return -1;
		}
	}
	dr = &c->drives[c->ndrives++];
	snprintf(dr->id, sizeof(dr->id), "%s", id);
	snprintf(dr->path, sizeof(dr->path), "%s", path);
	dr->root = root != 0;
	dr->read_only = read_only != 0;
	return 0;
}

/* ---- API requests ----------------------------------------------------- */

int
fc_add_call(struct fc_call **v, size_t *n, const char *method,
    const char *path, json_t *body)
{
	struct fc_call	*nv, *c;
	char		*s = NULL;

	if (body == NULL)
		return -1;
	s = json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(body);
	if (s == NULL)
		return -1;
	if ((nv = reallocarray(*v, *n + 1, sizeof(**v))) == NULL) {
		free(s);
		return -1;
	}
	*v = nv;
	c = &nv[*n];
	c->method = method;
	c->body = s;
	c->timeout_ms = 0;
	if ((size_t)snprintf(c->path, sizeof(c->path), "%s", path) >=
	    sizeof(c->path)) {
		free(s);
		return -1;
	}
	(*n)++;
	return 0;
}

/*
 * The calls that configure and start a VM, in the order Firecracker
 * takes them: machine, kernel, console, drives, network, vsock, start.
 */
int
fc_boot_calls(const struct fc_config *c, struct fc_call **vp, size_t *np)
{
	struct fc_call	*v = NULL;
	size_t		 n = 0, i;
	json_t		*o;
	char		 path[64];

	if (fc_add_call(&v, &n, "PUT", "/machine-config", json_pack(
	    "{s:i, s:i, s:b}", "vcpu_count", c->vcpus, "mem_size_mib",
	    c->mem_mib, "smt", 0)) == -1)
		goto fail;
	o = json_pack("{s:s, s:s}", "kernel_image_path", c->kernel,
	    "boot_args", c->boot_args);
	if (o != NULL && c->initrd[0] != '\0' && json_object_set_new(o,
	    "initrd_path", json_string(c->initrd)) == -1) {
		json_decref(o);
		o = NULL;
	}
	if (fc_add_call(&v, &n, "PUT", "/boot-source", o) == -1)
		goto fail;
	if (fc_add_call(&v, &n, "PUT", "/serial", json_pack("{s:s}",
	    "serial_out_path", c->console)) == -1)
		goto fail;
	for (i = 0; i < c->ndrives; i++) {
		snprintf(path, sizeof(path), "/drives/%s", c->drives[i].id);
		if (fc_add_call(&v, &n, "PUT", path, json_pack(
		    "{s:s, s:s, s:b, s:b}", "drive_id", c->drives[i].id,
		    "path_on_host", c->drives[i].path, "is_root_device",
		    c->drives[i].root, "is_read_only",
		    c->drives[i].read_only)) == -1)
			goto fail;
	}
	if (fc_add_call(&v, &n, "PUT", "/network-interfaces/eth0", json_pack(
	    "{s:s, s:s, s:s}", "iface_id", "eth0", "host_dev_name", c->tap,
	    "guest_mac", c->mac)) == -1)
		goto fail;
	if (fc_add_call(&v, &n, "PUT", "/vsock", json_pack("{s:i, s:s}",
	    "guest_cid", FC_GUEST_CID, "uds_path", c->vsock_uds)) == -1)
		goto fail;
	if (fc_add_call(&v, &n, "PUT", "/actions", json_pack("{s:s}",
	    "action_type", "InstanceStart")) == -1)
		goto fail;
	*vp = v;
	*np = n;
	return 0;
fail:
	fc_calls_free(v, n);
	return -1;
}

/* PUT /actions with the given action_type (a single call). */
int
fc_action_call(const char *action, struct fc_call *c)
{
	json_t	*o;

	memset(c, 0, sizeof(*c));
	c->method = "PUT";
	snprintf(c->path, sizeof(c->path), "/actions");
	if ((o = json_pack("{s:s}", "action_type", action)) == NULL)
		return -1;
	c->body = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	return c->body == NULL ? -1 : 0;
}

void
fc_calls_free(struct fc_call *v, size_t n)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i].body);
	free(v);
}

/* ---- vmm_ops ------------------------------------------------------------ */

int
fc_argv(struct bangerd *d, struct vm *vm, char ***argvp, size_t *argcp)
{
	char	 api[FC_SUN_PATH_MAX], vsock[FC_SUN_PATH_MAX], id[48];
	char	**v;
	size_t	 n = 0, i;

	if (fc_paths(d, vm, api, sizeof(api), vsock, sizeof(vsock)) == -1)
		return -1;
	fc_cleanup(d, vm);
	if ((v = calloc(6, sizeof(*v))) == NULL)
		return -1;
	snprintf(id, sizeof(id), "banger-vm-%lld", (long long)vm->id);
	/*
	 * argv[0] is replaced by the launcher.  Firecracker stays in the
	 * foreground (only the jailer daemonizes) and needs nothing else on
	 * its command line: the rest comes over the API.
	 */
	v[n++] = strdup(FC_NAME);
	v[n++] = strdup("--api-sock");
	v[n++] = strdup(api);
	v[n++] = strdup("--id");
	v[n++] = strdup(id);
	for (i = 0; i < n; i++)
		if (v[i] == NULL) {
			fc_argv_free(v, n);
			return -1;
		}
	*argvp = v;
	*argcp = n;
	return 0;
}

void
fc_argv_free(char **v, size_t n)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
fc_boot(struct vm *vm, char *err, size_t errlen)
{
	struct fc_config	 c;
	char			 work[PATH_MAX + 16];

	/* A resume loads a snapshot into an unconfigured Firecracker. */
	if (vm->resuming)
		return fc_resume(vm, err, errlen);
	if (fc_config_vm(vm->d, vm, &c, err, errlen) == -1)
		return -1;
	/* The same disks as under QEMU; the guest finds them by label. */
	snprintf(work, sizeof(work), "%s/work.ext4", vm->dir);
	if ((vm->img.rootfs[0] != '\0' && fc_config_add_drive(&c, "root",
	    vm->img.rootfs, 0, 1, err, errlen) == -1) ||
	    fc_config_add_drive(&c, "work", work, 0, 0, err, errlen) == -1)
		return -1;
	return fc_configure(vm, &c, err, errlen);
}

int
fc_shutdown(struct vm *vm)
{
	struct fc_call	 c;
	char		 err[512];
	int		 rc;

	if (fc_action_call("SendCtrlAltDel", &c) == -1)
		return -1;
	rc = fc_api_run(vm, &c, 1, 0, err, sizeof(err));
	free(c.body);
	if (rc == -1)
		log_warnx("vm %s: %s", vm->name, err);
	return rc;
}
