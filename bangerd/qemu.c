/*
 * The QEMU microvm driver: where QEMU is, the command line, and its
 * channels.  QEMU never opens a network device or a socket itself: the
 * launcher hands it stderr on 2, the tap made by banger-priv on 5, and
 * the agent channel, QMP and console as sockets listening in the run
 * directory on 3, 4 and 6, which it makes in QEMU's process before the
 * exec.  QEMU accepts one connection on each at a time: bangerd's, made
 * after the start (qemu_attach) and again after a crashed bangerd's
 * VMs are adopted.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bangerd.h"
#include "findexec.h"
#include "log.h"
#include "snap.h"
#include "vmm.h"

#define QEMU_NAME	"qemu-system-x86_64"

int
qemu_find(char *out, size_t len)
{
	return find_exec("BANGER_QEMU", QEMU_NAME, out, len);
}

struct argv {
	char	**v;
	size_t	  n, cap;
	int	  failed;
};

static void
arg(struct argv *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
arg(struct argv *a, const char *fmt, ...)
{
	va_list	 ap;
	char	*s, **nv;

	if (a->failed)
		return;
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		if ((nv = reallocarray(a->v, a->cap, sizeof(char *))) ==
		    NULL) {
			a->failed = 1;
			return;
		}
		a->v = nv;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1) {
		a->failed = 1;
		s = NULL;
	}
	va_end(ap);
	if (s != NULL) {
		a->v[a->n++] = s;
		a->v[a->n] = NULL;
	}
}

int
qemu_argv(struct bangerd *d, struct vm *vm, char ***argvp, size_t *argcp)
{
	struct argv	 a = { 0 };
	char		 tsc[48] = "";
	int		 kvm = vm->accel == ACCEL_KVM;
	int		 file_ram = vm->tmpl || vm->shared_ram;

	/* Under TCG the guest's TSC calibration can hang; give it ours. */
	if (!kvm && d->tsc_khz > 0)
		snprintf(tsc, sizeof(tsc), " tsc_early_khz=%lu", d->tsc_khz);
	arg(&a, "%s", d->qemu_bin);
	arg(&a, "-name");
	arg(&a, "banger-vm-%lld,process=banger-vm-%lld", (long long)vm->id,
	    (long long)vm->id);
	/*
	 * Debian's kernels lack VIRTIO_MMIO_CMDLINE_DEVICES: keep ACPI.
	 *
	 * A warm template's RAM is a file it shares (share=on), so that
	 * its saved state leaves the RAM out (x-ignore-shared, qemu-snap.c)
	 * and a VM restored from it maps that file copy-on-write
	 * (share=off): it reads the template's pages instead of loading
	 * them.  The backend has the id QEMU gives the RAM of -m alone, so
	 * that every saved state names the same RAM block.  No device that
	 * discards RAM (balloon, virtio-mem) may be added: QEMU 7.2 punches
	 * such holes in the backing file even with share=off, the
	 * template's.
	 */
	arg(&a, "-M");
	arg(&a, "microvm,acpi=on%s", file_ram ?
	    ",memory-backend=" QEMU_RAM_ID : "");
	if (file_ram) {
		arg(&a, "-object");
		arg(&a, "memory-backend-file,id=" QEMU_RAM_ID ",size=%dM,"
		    "mem-path=%s/%s,share=%s", vm->memory_mib, vm->dir,
		    vm->tmpl ? TMPL_RAM : SNAP_DIR "/" SNAP_RAM,
		    vm->tmpl ? "on" : "off");
	}
	arg(&a, "-accel");
	arg(&a, "%s", kvm ? "kvm" : "tcg");
	arg(&a, "-cpu");
	arg(&a, "%s", kvm ? "host" : "max");
	arg(&a, "-smp");
	arg(&a, "%d", vm->vcpus);
	arg(&a, "-m");
	arg(&a, "%d", vm->memory_mib);
	arg(&a, "-nodefaults");
	arg(&a, "-no-user-config");
	arg(&a, "-display");
	arg(&a, "none");
	arg(&a, "-no-reboot");
	arg(&a, "-chardev");
	/* Read by bangerd, which caps console.log (console.c). */
	arg(&a, "socket,id=con,fd=6,server=on,wait=off");
	arg(&a, "-serial");
	arg(&a, "chardev:con");
	arg(&a, "-kernel");
	arg(&a, "%s", vm->img.kernel);
	arg(&a, "-initrd");
	arg(&a, "%s", vm->img.initrd);
	/*
	 * A full image's root file system: the VM's own device-mapper
	 * snapshot, a block device only root could open, passed as fd 6
	 * (QEMU dups it from fd set 1; auto-read-only off so that it never
	 * asks the set for a read-only descriptor); else the image itself,
	 * shared read-only by its VMs under the guest's overlay.
	 */
	if (vm->root_snap) {
		arg(&a, "-add-fd");
		arg(&a, "fd=7,set=1,opaque=root");
		arg(&a, "-drive");
		arg(&a, "file.driver=host_device,file.filename=/dev/fdset/1,"
		    "file.auto-read-only=off,driver=raw,if=none,id=root,"
		    "discard=unmap");
		arg(&a, "-device");
		arg(&a, "virtio-blk-device,drive=root");
	} else if (vm->img.rootfs[0] != '\0') {
		arg(&a, "-drive");
		arg(&a, "file=%s,format=raw,if=none,id=root,readonly=on",
		    vm->img.rootfs);
		arg(&a, "-device");
		arg(&a, "virtio-blk-device,drive=root");
	}
	/* The work disk, /root in the guest (label banger-work). */
	arg(&a, "-drive");
	arg(&a, "file=%s/work.ext4,format=raw,if=none,id=work,"
	    "discard=unmap", vm->dir);
	arg(&a, "-device");
	arg(&a, "virtio-blk-device,drive=work");
	/*
	 * The seed disk (warm.c): a warm-started VM's own files, read once
	 * after it is restored from a template; empty otherwise.  Every VM
	 * has it, so that each has the devices of the templates and saved
	 * states it may be restored from.
	 */
	arg(&a, "-drive");
	arg(&a, "file=%s/seed.ext4,format=raw,if=none,id=seed,readonly=on",
	    vm->dir);
	arg(&a, "-device");
	arg(&a, "virtio-blk-device,drive=seed,serial=banger-seed");
	arg(&a, "-append");
	arg(&a, "console=ttyS0 quiet panic=-1%s banger.name=%s "
	    "banger.ip=%s/%d banger.gw=%s%s%s%s", tsc, vm->name, vm->address,
	    vm->prefix, vm->gateway, vm->root_snap ? " banger.root=rw" : "",
	    vm->img.agent_init ? " banger.init=agent" : "",
	    vm->disk_gate ? " banger.work=wait" : "");
	arg(&a, "-device");
	arg(&a, "virtio-serial-device");
	arg(&a, "-chardev");
	arg(&a, "socket,id=agent,fd=3,server=on,wait=off");
	arg(&a, "-device");
	arg(&a, "virtserialport,chardev=agent,name=%s", AGENT_PORT_NAME);
	arg(&a, "-chardev");
	arg(&a, "socket,id=qmp,fd=4,server=on,wait=off");
	arg(&a, "-mon");
	arg(&a, "chardev=qmp,mode=control");
	arg(&a, "-netdev");
	arg(&a, "tap,id=net0,fd=5");
	arg(&a, "-device");
	arg(&a, "virtio-net-device,netdev=net0,mac=%s", vm->mac);
	/* QEMU's own seccomp filter on top of the launcher's. */
	/* A resume: QEMU loads the saved state from bangerd (qemu-snap.c). */
	if (vm->resuming) {
		arg(&a, "-incoming");
		arg(&a, "defer");
		/* Paused after the load whatever the stream says: cont is ours. */
		arg(&a, "-S");
	}
	arg(&a, "-sandbox");
	arg(&a, "on,obsolete=deny,elevateprivileges=deny,spawn=deny,"
	    "resourcecontrol=deny");
	if (a.failed) {
		qemu_argv_free(a.v, a.n);
		return -1;
	}
	*argvp = a.v;
	*argcp = a.n;
	return 0;
}

void
qemu_argv_free(char **v, size_t n)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/*
 * Slots 2..8: stderr, (agent), (QMP), tap, (console), the root snapshot
 * if there is one and the saved state's stream on a resume (qemu_argv()
 * and qemu_resume() name 3-8); the launcher makes the three in
 * parentheses.  The channels are attached once QEMU started.
 */
static int
qemu_launch(struct bangerd *d, struct vm *vm, struct vmm_fds *f,
    char **argv, size_t argc, char *err, size_t errlen)
{
	int	 fds[7];
	size_t	 n = 5;

	fds[0] = f->log;
	fds[1] = -1;
	fds[2] = -1;
	fds[3] = f->tap;
	fds[4] = -1;
	/* Then the root snapshot (7) and the saved state's stream (7 or 8). */
	if (f->root != -1)
		fds[n++] = f->root;
	if (f->incoming != -1)
		fds[n++] = f->incoming;
	if (launch_vmm(d, vm, 1, fds, n, argv, argc) == -1) {
		snprintf(err, errlen, "could not start QEMU (see %s)",
		    d->paths.log);
		return -1;
	}
	return 0;
}

/*
 * Connect to QEMU's agent, monitor and console sockets (the launcher
 * checks QEMU is the listener).  The console first: what the guest
 * prints early is kept from then on.
 */
static int
qemu_attach(struct vm *vm, char *err, size_t errlen)
{
	static const struct {
		unsigned	 sock;
		const char	*what;
	} ch[] = {
		{ LAUNCH_SOCK_CON, "console" },
		{ LAUNCH_SOCK_QMP, "monitor" },
		{ LAUNCH_SOCK_AGENT, "agent channel" },
	};
	size_t	 i;
	int	 fd;

	for (i = 0; i < sizeof(ch) / sizeof(ch[0]); i++) {
		if ((fd = launch_connect(vm->d, (uint64_t)vm->id,
		    ch[i].sock)) == -1) {
			snprintf(err, errlen, "cannot connect to QEMU's %s: %s",
			    ch[i].what, strerror(errno));
			return -1;
		}
		if (ch[i].sock == LAUNCH_SOCK_CON) {
			if (console_attach(vm, fd) == -1) {
				snprintf(err, errlen, "could not set up the "
				    "console (see %s)", vm->d->paths.log);
				return -1;
			}
		} else if (ch[i].sock == LAUNCH_SOCK_QMP)
			qmp_attach(vm, fd);
		else
			agent_attach(vm, fd);
	}
	return 0;
}

static const char *
qemu_bin(const struct bangerd *d)
{
	return d->qemu_bin;
}

const struct vmm_ops qemu_ops = {
	.name = "qemu",
	.argv = qemu_argv,
	.boot = NULL,		/* QEMU boots the guest on its own */
	.shutdown = qmp_powerdown,
	.launch = qemu_launch,
	.attach = qemu_attach,
	.exited = NULL,
	.suspend = qemu_suspend,
	.resume = qemu_resume,
	.unpause = qemu_unpause,
	.bin = qemu_bin,
	.console_pipe = 0,
	.tap_by_name = 0,
	.root_snapshot = 1,
	.launcher_connects = 1,
	.disk_gate = 1,
};
