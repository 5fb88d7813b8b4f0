/*
 * bangerd's root disk snapshots (rootdisk.c) against a stand-in
 * banger-priv: a child process on a SOCK_SEQPACKET pair that decodes each
 * request strictly, checks the descriptors a disk.snapshot carries (the
 * image read-only, root.cow read-write and already grown), and answers as
 * each test scripts it.  What is checked: which VMs get a snapshot, the
 * root.cow size, root.base and the refusal after an image rebuild, the
 * fallback to the overlay when snapshots are unsupported, and release.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bangerd.h"
#include "frame.h"
#include "msg.h"
#include "proto.h"
#include "vmm.h"

#define IMG_SIZE	(8 * 1024 * 1024)

/* How the stand-in answers disk.snapshot. */
enum script {
	ANSWER_DISK,
	ANSWER_UNSUPPORTED,
	ANSWER_BUSY_RELEASE,
	ANSWER_LEFTOVER,	/* the first snapshot: one is still leased */
};

struct world {
	char		 tmp[64];
	struct bangerd	 d;
	struct vm	 vm;
	pid_t		 priv;
	int		 report;	/* the child's findings, one line each */
};

static void
reply(int fd, uint32_t type, uint64_t id, const void *body, int passfd)
{
	struct buf	 b = { NULL, 0, 0 };

	if (msg_frame(&priv_proto, type, id, body, &b) == -1 ||
	    frame_send(fd, &b, passfd) == -1)
		_exit(3);
	buf_free(&b);
}

/* The stand-in: writes "snapshot OK|BAD <why>" and "release" lines. */
static void
stand_in(int fd, int out, enum script sc)
{
	struct buf	 in = { NULL, 0, 0 };
	struct msg_hdr	 hdr;
	struct stat	 sb, sc_;
	char		 why[MSG_ERRLEN], line[256];
	void		*body;
	size_t		 n, i;
	int		 fds[FRAME_MAXFDS], null, nsnap = 0;

	for (;;) {
		if (frame_recvv(fd, FRAME_MAX_PRIV, &in, fds, FRAME_MAXFDS,
		    &n) == -1 || in.len == 0)
			_exit(0);
		if (msg_decode(&priv_proto, in.p, in.len, &hdr, &body, why,
		    sizeof(why)) == -1)
			_exit(2);
		if (hdr.type == PRIV_DISK_SNAPSHOT) {
			const char	*bad = NULL;

			if (n != 2)
				bad = "not two descriptors";
			else if ((fcntl(fds[0], F_GETFL) & O_ACCMODE) !=
			    O_RDONLY)
				bad = "image not read-only";
			else if ((fcntl(fds[1], F_GETFL) & O_ACCMODE) !=
			    O_RDWR)
				bad = "root.cow not read-write";
			else if (fstat(fds[0], &sb) == -1 ||
			    fstat(fds[1], &sc_) == -1 ||
			    (uint64_t)sc_.st_size != priv_cow_size(
			    (uint64_t)sb.st_size))
				bad = "root.cow not grown to its size";
			snprintf(line, sizeof(line), "snapshot %s\n",
			    bad ? bad : "OK");
			(void)!write(out, line, strlen(line));
			if (sc == ANSWER_LEFTOVER && nsnap++ == 0) {
				struct priv_error e = { BERR_BUSY,
				    "vm_id 7 already has a snapshot" };

				reply(fd, PRIV_ERROR, hdr.id, &e, -1);
			} else if (sc == ANSWER_UNSUPPORTED) {
				struct priv_error e = { BERR_UNSUPPORTED,
				    "this kernel has no device-mapper" };

				reply(fd, PRIV_ERROR, hdr.id, &e, -1);
			} else {
				struct priv_disk d = { 0, "banger-1-7",
				    (uint64_t)sb.st_size / 512 };

				d.vm_id = ((struct priv_disk_snapshot *)
				    body)->vm_id;
				null = open("/dev/null", O_RDWR);
				reply(fd, PRIV_DISK, hdr.id, &d, null);
				close(null);
			}
		} else if (hdr.type == PRIV_DISK_RELEASE) {
			(void)!write(out, "release\n", 8);
			if (sc == ANSWER_BUSY_RELEASE) {
				struct priv_error e = { BERR_BUSY, "busy" };

				reply(fd, PRIV_ERROR, hdr.id, &e, -1);
			} else
				reply(fd, PRIV_OK, hdr.id,
				    &(struct priv_ok){ 0 }, -1);
		} else
			_exit(4);
		for (i = 0; i < n; i++)
			close(fds[i]);
		msg_free(&priv_proto, hdr.type, body);
	}
}

static void
world_up(struct world *w, enum script sc, int have_dm)
{
	int	 sv[2], pp[2], fd;

	memset(w, 0, sizeof(*w));
	snprintf(w->tmp, sizeof(w->tmp), "/tmp/rootdisk-test-XXXXXX");
	assert_non_null(mkdtemp(w->tmp));
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC,
	    0, sv), 0);
	assert_int_equal(pipe2(pp, O_CLOEXEC), 0);
	if ((w->priv = fork()) == 0) {
		close(sv[0]);
		close(pp[0]);
		stand_in(sv[1], pp[1], sc);
	}
	close(sv[1]);
	close(pp[1]);
	w->report = pp[0];
	w->d.priv_fd = sv[0];
	w->d.vmm = &qemu_ops;
	w->d.have_dm = have_dm;
	snprintf(w->d.paths.log, sizeof(w->d.paths.log), "%s/log", w->tmp);
	w->vm.d = &w->d;
	w->vm.id = 7;
	snprintf(w->vm.name, sizeof(w->vm.name), "box");
	snprintf(w->vm.dir, sizeof(w->vm.dir), "%s/vm", w->tmp);
	assert_int_equal(mkdir(w->vm.dir, 0700), 0);
	snprintf(w->vm.img.name, sizeof(w->vm.img.name), "golden");
	snprintf(w->vm.img.rootfs, sizeof(w->vm.img.rootfs),
	    "%s/rootfs.ext4", w->tmp);
	fd = open(w->vm.img.rootfs, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, IMG_SIZE), 0);
	close(fd);
}

/* What the stand-in saw, after it has gone. */
static char *
world_down(struct world *w)
{
	static char	 seen[1024];
	char		 cmd[128];
	ssize_t		 n;
	int		 st;

	close(w->d.priv_fd);
	assert_int_equal(waitpid(w->priv, &st, 0), w->priv);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	n = read(w->report, seen, sizeof(seen) - 1);
	seen[n > 0 ? n : 0] = '\0';
	close(w->report);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", w->tmp);
	assert_int_equal(system(cmd), 0);
	return seen;
}

static int
exists(struct world *w, const char *name)
{
	char	 p[PATH_MAX + 16];

	snprintf(p, sizeof(p), "%s/%s", w->vm.dir, name);
	return access(p, F_OK) == 0;
}

/* Created on a device-mapper host: snapshot, released, made again. */
static void
test_snapshot_vm(void **state)
{
	struct world	 w;
	char		 err[512];
	int		 fd;

	(void)state;
	world_up(&w, ANSWER_DISK, 1);
	assert_int_equal(rootdisk_choose(&w.vm, err, sizeof(err)), 0);
	assert_true(exists(&w, "root.cow"));
	assert_int_equal(rootdisk_open(&w.vm, &fd, err, sizeof(err)), 0);
	assert_true(fd >= 0);
	assert_true(w.vm.root_snap);
	assert_true(exists(&w, "root.base"));
	close(fd);
	rootdisk_release(&w.vm);
	assert_false(w.vm.root_snap);
	/* The next start: the same root.cow, no longer grown. */
	assert_int_equal(rootdisk_open(&w.vm, &fd, err, sizeof(err)), 0);
	assert_true(fd >= 0);
	close(fd);
	rootdisk_release(&w.vm);
	/* Under Firecracker it cannot start: said, not silently overlaid. */
	w.d.vmm = &firecracker_ops;
	assert_int_equal(rootdisk_open(&w.vm, &fd, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "vmm = \"qemu\""));
	assert_string_equal(world_down(&w),
	    "snapshot OK\nrelease\nsnapshot OK\nrelease\n");
}

/* Without device-mapper, an initramfs image or Firecracker: overlay. */
static void
test_overlay_vm(void **state)
{
	struct world	 w;
	char		 err[512];
	int		 fd;

	(void)state;
	world_up(&w, ANSWER_DISK, 0);
	assert_int_equal(rootdisk_choose(&w.vm, err, sizeof(err)), 0);
	assert_false(exists(&w, "root.cow"));
	/* A host that gains device-mapper later keeps it an overlay VM. */
	w.d.have_dm = 1;
	assert_int_equal(rootdisk_open(&w.vm, &fd, err, sizeof(err)), 0);
	assert_int_equal(fd, -1);
	assert_false(w.vm.root_snap);
	w.vm.img.rootfs[0] = '\0';
	assert_int_equal(rootdisk_choose(&w.vm, err, sizeof(err)), 0);
	assert_false(exists(&w, "root.cow"));
	snprintf(w.vm.img.rootfs, sizeof(w.vm.img.rootfs), "/x");
	w.d.vmm = &firecracker_ops;
	assert_int_equal(rootdisk_choose(&w.vm, err, sizeof(err)), 0);
	assert_false(exists(&w, "root.cow"));
	assert_string_equal(world_down(&w), "");
}

/* A first snapshot refused as unsupported: the VM becomes overlay. */
static void
test_unsupported(void **state)
{
	struct world	 w;
	char		 err[512];
	int		 fd;

	(void)state;
	world_up(&w, ANSWER_UNSUPPORTED, 1);
	assert_int_equal(rootdisk_choose(&w.vm, err, sizeof(err)), 0);
	assert_int_equal(rootdisk_open(&w.vm, &fd, err, sizeof(err)), 0);
	assert_int_equal(fd, -1);
	assert_false(w.vm.root_snap);
	assert_false(exists(&w, "root.cow"));
	assert_false(w.d.have_dm);
	assert_string_equal(world_down(&w), "snapshot OK\n");
}

/* A snapshot VM whose image was rebuilt is refused, naming vm delete. */
static void
test_rebuilt_image(void **state)
{
	struct world	 w;
	char		 err[512], p[PATH_MAX];
	int		 fd;

	(void)state;
	world_up(&w, ANSWER_DISK, 1);
	assert_int_equal(rootdisk_choose(&w.vm, err, sizeof(err)), 0);
	assert_int_equal(rootdisk_open(&w.vm, &fd, err, sizeof(err)), 0);
	close(fd);
	rootdisk_release(&w.vm);
	/* Rebuilt: a new file renamed into place. */
	snprintf(p, sizeof(p), "%s.new", w.vm.img.rootfs);
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	assert_int_equal(ftruncate(fd, IMG_SIZE), 0);
	close(fd);
	assert_int_equal(rename(p, w.vm.img.rootfs), 0);
	err[0] = '\0';
	assert_int_equal(rootdisk_open(&w.vm, &fd, err, sizeof(err)), -1);
	assert_int_equal(fd, -1);
	assert_non_null(strstr(err, "image golden has changed"));
	assert_non_null(strstr(err, "banger vm delete box"));
	/* Its changes are kept for whoever wants them. */
	assert_true(exists(&w, "root.cow"));
	assert_string_equal(world_down(&w), "snapshot OK\nrelease\n");
}

/* A release refused as busy is kept and tried again before a start. */
static void
test_busy_release(void **state)
{
	struct world	 w;
	char		 err[512];
	int		 fd;

	(void)state;
	world_up(&w, ANSWER_BUSY_RELEASE, 1);
	assert_int_equal(rootdisk_choose(&w.vm, err, sizeof(err)), 0);
	assert_int_equal(rootdisk_open(&w.vm, &fd, err, sizeof(err)), 0);
	close(fd);
	rootdisk_release(&w.vm);
	assert_true(w.vm.root_snap);
	assert_int_equal(rootdisk_open(&w.vm, &fd, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "still held"));
	assert_string_equal(world_down(&w),
	    "snapshot OK\nrelease\nrelease\n");
}

/* A snapshot still leased from before: released, then made again. */
static void
test_leftover(void **state)
{
	struct world	 w;
	char		 err[512];
	int		 fd;

	(void)state;
	world_up(&w, ANSWER_LEFTOVER, 1);
	assert_int_equal(rootdisk_choose(&w.vm, err, sizeof(err)), 0);
	assert_int_equal(rootdisk_open(&w.vm, &fd, err, sizeof(err)), 0);
	assert_true(fd >= 0);
	assert_true(w.vm.root_snap);
	close(fd);
	assert_string_equal(world_down(&w),
	    "snapshot OK\nrelease\nsnapshot OK\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_vm),
		cmocka_unit_test(test_overlay_vm),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_rebuilt_image),
		cmocka_unit_test(test_busy_release),
		cmocka_unit_test(test_leftover),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
