/* Unit tests for the QEMU command line (qemu.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bangerd.h"

static int
has(char **argv, size_t n, const char *opt, const char *val)
{
	size_t	 i;

	for (i = 0; i + 1 < n; i++)
		if (strcmp(argv[i], opt) == 0 && strcmp(argv[i + 1], val) == 0)
			return 1;
	return 0;
}

static int
any_contains(char **argv, size_t n, const char *needle)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strstr(argv[i], needle) != NULL)
			return 1;
	return 0;
}

static void
setup(struct bangerd *d, struct vm *vm, enum accel a)
{
	memset(d, 0, sizeof(*d));
	memset(vm, 0, sizeof(*vm));
	snprintf(d->qemu_bin, sizeof(d->qemu_bin), "/usr/bin/qemu");
	snprintf(vm->img.kernel, sizeof(vm->img.kernel), "/img/vmlinux");
	snprintf(vm->img.initrd, sizeof(vm->img.initrd), "/img/initrd.img");
	d->tsc_khz = 2500000;
	vm->d = d;
	vm->id = 42;
	vm->accel = a;
	vm->vcpus = 2;
	vm->memory_mib = 512;
	snprintf(vm->name, sizeof(vm->name), "box");
	snprintf(vm->dir, sizeof(vm->dir), "/state/vms/box");
	snprintf(vm->address, sizeof(vm->address), "10.213.0.2");
	snprintf(vm->gateway, sizeof(vm->gateway), "10.213.0.1");
	snprintf(vm->mac, sizeof(vm->mac), "02:42:0a:d5:00:02");
	vm->prefix = 24;
}

static void
test_tcg(void **state)
{
	struct bangerd	 d;
	struct vm	 vm;
	char		**argv;
	size_t		 n;

	(void)state;
	setup(&d, &vm, ACCEL_TCG);
	assert_int_equal(qemu_argv(&d, &vm, &argv, &n), 0);
	assert_string_equal(argv[0], "/usr/bin/qemu");
	assert_null(argv[n]);
	assert_true(has(argv, n, "-accel", "tcg"));
	assert_true(has(argv, n, "-cpu", "max"));
	assert_true(has(argv, n, "-smp", "2"));
	assert_true(has(argv, n, "-m", "512"));
	assert_true(has(argv, n, "-M", "microvm,acpi=on"));
	/* The network device is the tap banger-priv made, by descriptor. */
	assert_true(has(argv, n, "-netdev", "tap,id=net0,fd=5"));
	assert_false(any_contains(argv, n, "ifname="));
	assert_false(any_contains(argv, n, "script="));
	assert_false(any_contains(argv, n, "-netdev user"));
	/* Listening sockets the launcher made: QEMU outlives bangerd. */
	assert_true(has(argv, n, "-chardev",
	    "socket,id=agent,fd=3,server=on,wait=off"));
	assert_true(has(argv, n, "-chardev",
	    "socket,id=qmp,fd=4,server=on,wait=off"));
	assert_true(has(argv, n, "-device",
	    "virtserialport,chardev=agent,name=" AGENT_PORT_NAME));
	assert_true(has(argv, n, "-device",
	    "virtio-net-device,netdev=net0,mac=02:42:0a:d5:00:02"));
	assert_true(any_contains(argv, n, "tsc_early_khz=2500000"));
	assert_true(any_contains(argv, n,
	    "banger.ip=10.213.0.2/24 banger.gw=10.213.0.1"));
	assert_true(any_contains(argv, n, "banger-vm-42,"));
	assert_true(has(argv, n, "-chardev",
	    "socket,id=con,fd=6,server=on,wait=off"));
	assert_true(any_contains(argv, n, "spawn=deny"));
	/* The seed disk, read-only, known to the guest by its serial. */
	assert_true(has(argv, n, "-drive", "file=/state/vms/box/seed.ext4,"
	    "format=raw,if=none,id=seed,readonly=on"));
	assert_true(has(argv, n, "-device",
	    "virtio-blk-device,drive=seed,serial=banger-seed"));
	assert_true(has(argv, n, "-drive", "file=/state/vms/box/work.ext4,"
	    "format=raw,if=none,id=work,discard=unmap"));
	/* An initramfs-only image has no root disk. */
	assert_false(any_contains(argv, n, "id=root"));
	qemu_argv_free(argv, n);
}

static void
test_rootfs(void **state)
{
	struct bangerd	 d;
	struct vm	 vm;
	char		**argv;
	size_t		 n;

	(void)state;
	setup(&d, &vm, ACCEL_TCG);
	snprintf(vm.img.rootfs, sizeof(vm.img.rootfs), "/img/rootfs.ext4");
	assert_int_equal(qemu_argv(&d, &vm, &argv, &n), 0);
	/* Shared by every VM of the image: read-only. */
	assert_true(has(argv, n, "-drive", "file=/img/rootfs.ext4,format=raw,"
	    "if=none,id=root,readonly=on"));
	assert_false(any_contains(argv, n, "-add-fd"));
	assert_false(any_contains(argv, n, "banger.root=rw"));
	assert_false(any_contains(argv, n, "banger.init=agent"));
	qemu_argv_free(argv, n);
	/* A registered root has the agent for its init. */
	vm.img.agent_init = 1;
	assert_int_equal(qemu_argv(&d, &vm, &argv, &n), 0);
	assert_true(any_contains(argv, n, " banger.init=agent"));
	qemu_argv_free(argv, n);
}

/* Started while its work disk is written: the guest waits for it. */
static void
test_disk_gate(void **state)
{
	struct bangerd	 d;
	struct vm	 vm;
	char		**argv;
	size_t		 n;

	(void)state;
	setup(&d, &vm, ACCEL_TCG);
	assert_int_equal(qemu_argv(&d, &vm, &argv, &n), 0);
	assert_false(any_contains(argv, n, "banger.work="));
	qemu_argv_free(argv, n);
	vm.disk_gate = 1;
	assert_int_equal(qemu_argv(&d, &vm, &argv, &n), 0);
	assert_true(any_contains(argv, n, " banger.work=wait"));
	qemu_argv_free(argv, n);
}

/* A root snapshot comes as fd 6 and the guest mounts it read-write. */
static void
test_root_snapshot(void **state)
{
	struct bangerd	 d;
	struct vm	 vm;
	char		**argv;
	size_t		 n;

	(void)state;
	setup(&d, &vm, ACCEL_TCG);
	snprintf(vm.img.rootfs, sizeof(vm.img.rootfs), "/img/rootfs.ext4");
	vm.root_snap = 1;
	assert_int_equal(qemu_argv(&d, &vm, &argv, &n), 0);
	assert_true(has(argv, n, "-add-fd", "fd=7,set=1,opaque=root"));
	assert_true(has(argv, n, "-drive", "file.driver=host_device,"
	    "file.filename=/dev/fdset/1,file.auto-read-only=off,driver=raw,"
	    "if=none,id=root,discard=unmap"));
	/* The image itself is not opened by path. */
	assert_false(any_contains(argv, n, "/img/rootfs.ext4"));
	assert_true(any_contains(argv, n, " banger.root=rw"));
	qemu_argv_free(argv, n);
}

/* A resume: QEMU waits for the stream bangerd feeds it over QMP. */
static void
test_resume(void **state)
{
	struct bangerd	 d;
	struct vm	 vm;
	char		**argv;
	size_t		 n, i;

	(void)state;
	setup(&d, &vm, ACCEL_TCG);
	assert_int_equal(qemu_argv(&d, &vm, &argv, &n), 0);
	assert_false(any_contains(argv, n, "-incoming"));
	qemu_argv_free(argv, n);
	vm.resuming = 1;
	assert_int_equal(qemu_argv(&d, &vm, &argv, &n), 0);
	/* Not a URI on the command line: QEMU must not start reading yet. */
	assert_true(has(argv, n, "-incoming", "defer"));
	for (i = 0; i < n && strcmp(argv[i], "-S") != 0; i++)
		;
	assert_true(i < n);
	qemu_argv_free(argv, n);
}

/*
 * RAM: plain -m for a VM of its own; a template's RAM is a file it
 * shares, and a VM restored from one maps that file (its link in the
 * saved state's directory) copy-on-write; the RAM block's name is the
 * same in all three.
 */
static void
test_ram(void **state)
{
	struct bangerd	 d;
	struct vm	 vm;
	char		**argv;
	size_t		 n;

	(void)state;
	setup(&d, &vm, ACCEL_TCG);
	assert_int_equal(qemu_argv(&d, &vm, &argv, &n), 0);
	assert_true(has(argv, n, "-m", "512"));
	assert_true(has(argv, n, "-M", "microvm,acpi=on"));
	assert_false(any_contains(argv, n, "memory-backend"));
	qemu_argv_free(argv, n);

	vm.tmpl = 1;
	assert_int_equal(qemu_argv(&d, &vm, &argv, &n), 0);
	assert_true(has(argv, n, "-m", "512"));
	assert_true(has(argv, n, "-M",
	    "microvm,acpi=on,memory-backend=microvm.ram"));
	assert_true(has(argv, n, "-object", "memory-backend-file,"
	    "id=microvm.ram,size=512M,mem-path=/state/vms/box/ram,share=on"));
	qemu_argv_free(argv, n);

	vm.tmpl = 0;
	vm.resuming = 1;
	vm.shared_ram = 1;
	assert_int_equal(qemu_argv(&d, &vm, &argv, &n), 0);
	assert_true(has(argv, n, "-M",
	    "microvm,acpi=on,memory-backend=microvm.ram"));
	assert_true(has(argv, n, "-object", "memory-backend-file,"
	    "id=microvm.ram,size=512M,mem-path=/state/vms/box/suspend/ram,"
	    "share=off"));
	assert_true(has(argv, n, "-incoming", "defer"));
	qemu_argv_free(argv, n);
}

static void
test_kvm(void **state)
{
	struct bangerd	 d;
	struct vm	 vm;
	char		**argv;
	size_t		 n;

	(void)state;
	setup(&d, &vm, ACCEL_KVM);
	assert_int_equal(qemu_argv(&d, &vm, &argv, &n), 0);
	assert_true(has(argv, n, "-accel", "kvm"));
	assert_true(has(argv, n, "-cpu", "host"));
	/* Only TCG needs the TSC hint. */
	assert_false(any_contains(argv, n, "tsc_early_khz"));
	qemu_argv_free(argv, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcg),
		cmocka_unit_test(test_kvm),
		cmocka_unit_test(test_rootfs),
		cmocka_unit_test(test_disk_gate),
		cmocka_unit_test(test_root_snapshot),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_ram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
