/*
 * banger vm cp [--max-size SIZE] SRC DST: files into or out of a running
 * VM, exactly one side written VM:PATH (the guest path absolute).  Like
 * cp -r: when DST is an existing directory SRC goes inside it as
 * DST/NAME (NAME being SRC's last component), otherwise SRC becomes DST.
 *
 * Into the VM, a child process packs SRC (tarpack.c) into a pipe that is
 * the stdin of the guest's `tar -x`; the guest makes its copy in a
 * temporary directory beside DST and moves it into place.  Out of the
 * VM, the guest's `tar -c` writes into a pipe that a child process
 * extracts (tarx.c: the stream is hostile) into a new temporary
 * directory beside the final destination; only when the whole stream was
 * accepted and the guest's tar succeeded is NAME renamed into place.  A
 * refused stream leaves DST as it was.  A directory is never merged into
 * or replaced on the host; a regular file is replaced by a regular file.
 * A symlink at DST (perhaps a guest's, from an earlier copy) is neither
 * followed nor replaced unless DST is written with a trailing slash.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "banger.h"
#include "exitcode.h"
#include "fdutil.h"
#include "proto.h"
#include "tarpack.h"
#include "tarx.h"
#include "valid.h"
#include "vminfo.h"

static const struct cmd_opt vm_cp_opts[] = {
	{ "max-size", 0, "SIZE", "out of a VM: the most to accept, each "
	    "entry 4K plus its data, e.g. 512M (default 4G)" },
	{ NULL, 0, NULL, NULL }
};

/*
 * Into the guest: $1 is DST, $2 the name of the archive's top entry.  An
 * existing directory takes the entry inside it; otherwise the copy is
 * made in a temporary directory beside DST and moved to DST.
 */
static const char cp_in_sh[] = VM_TAR_FIND
    "if [ -d \"$1\" ]; then exec \"$T\" -x -f - -C \"$1\"; fi\n"
    "d=${1%/*}; [ -n \"$d\" ] || d=/\n"
    "[ -d \"$d\" ] || exit 95\n"
    "t=$(mktemp -d \"$d/.banger-cp.XXXXXX\") || exit 94\n"
    "if \"$T\" -x -f - -C \"$t\" && mv -f \"$t/$2\" \"$1\"; then\n"
    "  rmdir \"$t\"; exit 0\n"
    "fi\n"
    "rm -rf \"$t\"; exit 1\n";

/* Out of the guest: $1 is SRC, archived under its last component. */
static const char cp_out_sh[] = VM_TAR_FIND
    "[ -e \"$1\" ] || [ -L \"$1\" ] || exit 95\n"
    "d=${1%/*}; [ -n \"$d\" ] || d=/\n"
    "exec \"$T\" -c -f - -C \"$d\" -- \"${1##*/}\"\n";

/* One side of the copy. */
struct cp_side {
	char		 vm[VM_NAME_MAX + 1];	/* "" on the host */
	char		 path[PATH_MAX];
};

/* Strip trailing slashes, keeping a lone "/". */
static void
cp_trim(char *p)
{
	size_t	 n = strlen(p);

	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
}

/*
 * arg as a side: VM:PATH when what comes before its first ':' has no
 * '/' (a host path with a colon can be written ./a:b).  0, or BEX_USAGE
 * with err set.
 */
static int
cp_side(const char *arg, struct cp_side *s, char *err, size_t errlen)
{
	const char	*c = strchr(arg, ':');
	size_t		 n;

	memset(s, 0, sizeof(*s));
	if (c == NULL || memchr(arg, '/', (size_t)(c - arg)) != NULL) {
		if (arg[0] == '\0' || strlen(arg) >= sizeof(s->path)) {
			snprintf(err, errlen, "bad host path '%.64s'", arg);
			return BEX_USAGE;
		}
		snprintf(s->path, sizeof(s->path), "%s", arg);
		return 0;
	}
	n = (size_t)(c - arg);
	if (n == 0 || n >= sizeof(s->vm)) {
		snprintf(err, errlen, "invalid VM name in '%.64s'", arg);
		return BEX_USAGE;
	}
	memcpy(s->vm, arg, n);
	if (!valid_vm_name(s->vm)) {
		snprintf(err, errlen, "invalid VM name '%s' (write ./%s for a "
		    "host path with a colon)", s->vm, s->vm);
		return BEX_USAGE;
	}
	if (c[1] != '/' || strlen(c + 1) > BANGER_STRMAX) {
		snprintf(err, errlen, "%s: give an absolute guest path, "
		    "VM:/PATH", arg);
		return BEX_USAGE;
	}
	snprintf(s->path, sizeof(s->path), "%s", c + 1);
	cp_trim(s->path);
	return 0;
}

/*
 * What the guest's status for a tar script means (the scripts' own
 * statuses above); returns banger's exit status after saying why.
 */
int
vm_tar_status(int rc, const char *vm, const char *path)
{
	switch (rc) {
	case 0:
		return BEX_OK;
	case VM_TAR_NO_TAR:
		cli_warnx("VM %s has no tar: copying files needs tar "
		    "(busybox or GNU) in the guest", vm);
		return BEX_FAIL;
	case VM_TAR_NO_PATH:
		cli_warnx("%s:%s: no such file or directory in the guest",
		    vm, path);
		return BEX_FAIL;
	case VM_TAR_NO_TMP:
		cli_warnx("cannot make a temporary directory beside %s:%s",
		    vm, path);
		return BEX_FAIL;
	case VM_TAR_NO_GIT:
		cli_warnx("VM %s has no git: --branch needs git in the guest",
		    vm);
		return BEX_FAIL;
	}
	/* banger's own (no such VM, daemon down): already said. */
	if (rc >= BEX_DAEMON && rc < BEX_SIGBASE)
		return rc;
	cli_warnx("%s:%s: the guest's tar failed (exit %d)", vm, path, rc);
	return BEX_FAIL;
}

/*
 * pack's tar stream (tarpack_spawn()) as the stdin of argv, a script
 * that unpacks it in the VM; returns banger's exit status.
 */
int
vm_tar_in(const char *vm, char **argv, int (*pack)(struct tarpack *, void *),
    void *arg, const char *label, const char *path)
{
	pid_t	 pid;
	int	 fd, rc, prc;

	if ((fd = tarpack_spawn(pack, arg, label, &pid)) == -1)
		return BEX_FAIL;
	rc = vm_exec_io(vm, argv, fd, 2, 2);
	/* A packer the guest stopped reading ends on EPIPE. */
	close(fd);
	prc = tarpack_wait(pid);
	if (rc != 0)
		return vm_tar_status(rc, vm, path);
	if (prc != 0) {
		cli_warnx("the copy into %s:%s is incomplete", vm, path);
		return BEX_FAIL;
	}
	return BEX_OK;
}

struct cp_pack {
	const char	*path;
	const char	*name;
};

static int
cp_pack(struct tarpack *p, void *arg)
{
	struct cp_pack	*c = arg;

	return tarpack_add(p, AT_FDCWD, c->path, c->name, 1);
}

/* The host's SRC into the guest's DST. */
static int
cp_in(struct cp_side *src, const struct cp_side *dst)
{
	struct cp_pack	 c;
	struct stat	 st;
	char		 name[NAME_MAX + 1], real[PATH_MAX], label[PATH_MAX + 16];
	char		*base;
	char		*argv[] = { "sh", "-c", (char *)cp_in_sh, "banger-cp",
			    (char *)dst->path, name, NULL };

	cp_trim(src->path);
	if (lstat(src->path, &st) == -1) {
		cli_warn("vm cp: %s", src->path);
		return BEX_FAIL;
	}
	base = strrchr(src->path, '/') != NULL ? strrchr(src->path, '/') + 1 :
	    src->path;
	if (!valid_path_component(base)) {
		/* ".", "..", "/": name it after the directory it is. */
		if (realpath(src->path, real) == NULL ||
		    (base = strrchr(real, '/') + 1)[0] == '\0') {
			cli_warnx("vm cp: cannot copy %s: name a directory "
			    "below /", src->path);
			return BEX_USAGE;
		}
	}
	snprintf(name, sizeof(name), "%s", base);
	c.path = src->path;
	c.name = name;
	snprintf(label, sizeof(label), "copying %s", src->path);
	return vm_tar_in(dst->vm, argv, cp_pack, &c, label, dst->path);
}

/*
 * Where the copy of name goes: DST/name or DST; 0 or BEX_* after saying.
 * follow: DST was written with a trailing slash, so a symlink to a
 * directory there is the user's choice.
 */
static int
cp_target(const char *dst, int follow, const char *name, char *target,
    size_t len, int *replace)
{
	struct stat	 st;

	*replace = 0;
	if (!follow && lstat(dst, &st) == 0 && S_ISLNK(st.st_mode)) {
		cli_warnx("vm cp: %s is a symlink (vm cp neither copies "
		    "through nor replaces one; write %s/ to copy into the "
		    "directory it points to)", dst, dst);
		return BEX_FAIL;
	}
	if (stat(dst, &st) == 0 && S_ISDIR(st.st_mode)) {
		if ((size_t)snprintf(target, len, "%s/%s", dst, name) >= len) {
			cli_warnx("vm cp: %s/%s: name too long", dst, name);
			return BEX_USAGE;
		}
	} else
		snprintf(target, len, "%s", dst);
	if (lstat(target, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			cli_warnx("vm cp: %s exists and is not a regular file "
			    "(vm cp does not merge into or replace it)",
			    target);
			return BEX_FAIL;
		}
		*replace = 1;
	} else if (errno != ENOENT) {
		cli_warn("vm cp: %s", target);
		return BEX_FAIL;
	}
	return 0;
}

/* Close what is open of the descriptors cp_out() made. */
static void
cp_close(int tmpfd, const int data[2], const int msg[2])
{
	int	 i;

	if (tmpfd != -1)
		close(tmpfd);
	for (i = 0; i < 2; i++) {
		if (data[i] != -1)
			close(data[i]);
		if (msg[i] != -1)
			close(msg[i]);
	}
}

/* The extracting child: exits 0, 1 (refused) or 2 (stream), says why. */
static void
cp_extract_child(int tmpfd, int in, int msg, const struct tarx_opts *o)
{
	struct progress_bytes	 pb;
	struct tarx_opts	 opts = *o;
	char			 err[1024];
	int			 r;

	progress_bytes_init(&pb, opts.arg);
	opts.progress = progress_bytes;
	opts.arg = &pb;
	r = tarx_extract(tmpfd, in, &opts, err, sizeof(err));
	progress_close(stderr);
	if (r != 0)
		(void)write_all(msg, err, strlen(err));
	_exit(r == 0 ? 0 : r == TARX_REFUSED ? 1 : 2);
}

/* The guest's SRC into the host's DST. */
static int
cp_out(const struct cp_side *src, struct cp_side *dst, uint64_t max)
{
	struct tarx_opts	 o;
	struct stat		 st;
	char			 target[PATH_MAX], tmp[PATH_MAX], dir[PATH_MAX];
	char			 label[PATH_MAX + 96], err[1025];
	const char		*name = strrchr(src->path, '/') + 1;
	char			*argv[] = { "sh", "-c", (char *)cp_out_sh,
				    "banger-cp", (char *)src->path, NULL };
	size_t			 len = strlen(dst->path);
	int			 data[2], msg[2], tmpfd, rc, xrc, replace;
	int			 follow = len > 1 && dst->path[len - 1] == '/';
	ssize_t			 n;
	pid_t			 pid;

	if (!valid_path_component(name)) {
		cli_warnx("vm cp: %s:%s: name a file or directory below /",
		    src->vm, src->path);
		return BEX_USAGE;
	}
	cp_trim(dst->path);
	if ((rc = cp_target(dst->path, follow, name, target, sizeof(target),
	    &replace)) != 0)
		return rc;
	snprintf(dir, sizeof(dir), "%s", target);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.banger-cp-XXXXXX",
	    dirname(dir)) >= sizeof(tmp) || mkdtemp(tmp) == NULL) {
		cli_warn("vm cp: cannot make a directory beside %s", target);
		return BEX_FAIL;
	}
	data[0] = data[1] = msg[0] = msg[1] = -1;
	if ((tmpfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    pipe2(data, O_CLOEXEC) == -1 || pipe2(msg, O_CLOEXEC) == -1 ||
	    (pid = fork()) == -1) {
		cli_warn("vm cp: %s", tmpfd == -1 ? tmp :
		    "cannot start the extracting process");
		cp_close(tmpfd, data, msg);
		rmdir(tmp);
		return BEX_FAIL;
	}
	memset(&o, 0, sizeof(o));
	o.max_bytes = max;
	o.max_entries = TARX_MAX_ENTRIES;
	o.top = name;
	snprintf(label, sizeof(label), "copying %s:%s", src->vm, src->path);
	o.arg = label;
	if (pid == 0) {
		tarpack_child();
		close(data[1]);
		close(msg[0]);
		cp_extract_child(tmpfd, data[0], msg[1], &o);
	}
	close(data[0]);
	close(msg[1]);
	rc = vm_exec_io(src->vm, argv, -1, data[1], 2);
	close(data[1]);
	n = read_all(msg[0], err, sizeof(err) - 1);
	err[n > 0 ? n : 0] = '\0';
	close(msg[0]);
	xrc = tarpack_wait(pid);
	/* A refusal is the news, whatever the guest's tar said. */
	if (xrc == 1 || (rc == 0 && xrc != 0)) {
		cli_warnx("vm cp: %s:%s: %s", src->vm, src->path,
		    err[0] != '\0' ? err : "the copy failed");
		rc = BEX_FAIL;
	} else if (rc != 0)
		rc = vm_tar_status(rc, src->vm, src->path);
	else if (fstatat(tmpfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    (replace && !S_ISREG(st.st_mode))) {
		cli_warnx("vm cp: %s exists and %s:%s is not a regular file",
		    target, src->vm, src->path);
		rc = BEX_FAIL;
	} else if (renameat2(tmpfd, name, AT_FDCWD, target, replace ? 0 :
	    RENAME_NOREPLACE) == -1) {
		cli_warn("vm cp: %s", target);
		rc = BEX_FAIL;
	}
	close(tmpfd);
	if (tarx_remove(AT_FDCWD, tmp) == -1)
		cli_warn("vm cp: cannot remove %s", tmp);
	return rc;
}

static int
cmd_vm_cp_exec(const struct cmd_entry *e, struct args *a)
{
	struct cp_side	 src, dst;
	const char	*v = args_get(e, a, "max-size");
	char		 err[256];
	int64_t		 mib = TARX_MAX_BYTES >> 20;
	int		 rc;

	if ((rc = cp_side(a->pos[0], &src, err, sizeof(err))) != 0 ||
	    (rc = cp_side(a->pos[1], &dst, err, sizeof(err))) != 0)
		return cmd_usage_error(e, "%s", err);
	if ((src.vm[0] != '\0') == (dst.vm[0] != '\0'))
		return cmd_usage_error(e, "write exactly one side as VM:PATH");
	/* At most 1T, as vm pull: the bytes must fit in 64 bits. */
	if (v != NULL && ((mib = parse_size_mib(v)) < 1 || mib > (1 << 20) ||
	    dst.vm[0] != '\0'))
		return cmd_usage_error(e, dst.vm[0] != '\0' ? "--max-size "
		    "applies to copies out of a VM" : "--max-size: give a size "
		    "from 1M to 1T, such as 512M or 4G");
	if (dst.vm[0] != '\0')
		return cp_in(&src, &dst);
	return cp_out(&src, &dst, (uint64_t)mib << 20);
}

const struct cmd_entry cmd_vm_cp_entry = {
	.name = "vm cp",
	.usage = "SRC DST",
	.summary = "copy files into or out of a running VM (one side VM:PATH)",
	.opts = vm_cp_opts,
	.min_pos = 2,
	.max_pos = 2,
	.exec = cmd_vm_cp_exec,
};
