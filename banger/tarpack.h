/*
 * Host files packed into a tar stream for a guest's `tar -x` (vm cp
 * into a VM, vm workspace prepare).
 */
#ifndef BANGER_TARPACK_H
#define BANGER_TARPACK_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

struct archive;

struct tarpack {
	struct archive	*a;
	uint64_t	 bytes;		/* file data written */
	int		 errnum;	/* the last failure's errno */
	void		(*progress)(uint64_t, void *);
	void		*arg;
	char		*err;
	size_t		 errlen;
};

/* Each returns 0, or -1 with a message in p->err. */
int	tarpack_open(struct tarpack *, int, char *, size_t);
/*
 * dirfd/path as name in the archive: a regular file, a symlink (as a
 * symlink) or a directory, its contents too when recurse.  Other kinds
 * are skipped with a warning.
 */
int	tarpack_add(struct tarpack *, int, const char *, const char *, int);
int	tarpack_close(struct tarpack *);

/*
 * Run pack(arg, &p) in a child process writing a tar stream into a pipe;
 * returns the pipe's read end with *pid, or -1 after a message.  The
 * child exits 0 when the stream is complete.
 */
int	tarpack_spawn(int (*)(struct tarpack *, void *), void *, const char *,
	    pid_t *);
/* A packing or extracting child's exit status, -1 if it died. */
int	tarpack_wait(pid_t);
/* In a child: signals unblocked and SIGPIPE back to its default. */
void	tarpack_child(void);

/*
 * cmd-vm-cp.c: a tar script's status in VM, about its path, as banger's
 * exit status (after a message); pack's stream into the script argv.
 */
#define VM_TAR_NO_TAR	96	/* the scripts' own statuses */
#define VM_TAR_NO_PATH	95
#define VM_TAR_NO_TMP	94
#define VM_TAR_NO_GIT	93
int	vm_tar_status(int, const char *, const char *);
/*
 * The start of each tar script: $T is the first tar file in the PATH.
 * Not `command -v tar`: busybox sh runs its own tar applet whatever the
 * PATH holds, so that would find a tar in a guest without one.
 */
#define VM_TAR_FIND \
	"T=; IFS=:; for d in $PATH; do\n" \
	"  [ -f \"$d/tar\" ] && [ -x \"$d/tar\" ] && { T=$d/tar; break; }\n" \
	"done; unset IFS\n" \
	"[ -n \"$T\" ] || exit 96\n"
int	vm_tar_in(const char *, char **, int (*)(struct tarpack *, void *),
	    void *, const char *, const char *);

#endif
