/*
 * Suspend and resume (vm-suspend.c, vm-resume.c, qemu-snap.c): the state
 * of one save or load under way, and what the three share.
 */
#ifndef BANGERD_SNAP_H
#define BANGERD_SNAP_H

#include <openssl/evp.h>

#include "bangerd.h"
#include "snap-info.h"
#include "valid.h"

#define SNAP_CHUNK	(256 * 1024)	/* bytes moved per callback */
#define SNAP_POLLS	600		/* query-migrate retries, 50 ms apart */
#define SNAP_DEADLINE_SEC 300		/* a whole save or load, at most */
#define SNAP_DIAG_MAX	(256ull << 20)	/* hashed to tell why a load failed */

/* A save under way: vm suspend's, or vm fork's of its parent. */
#define SNAP_SAVING(vm)	((vm)->suspending || (vm)->forking)

struct snap {
	int		 pipe;		/* our end of QEMU's stream, or -1 */
	int		 file;		/* the state file, or -1 */
	struct event	*ev;		/* the pipe, readable or writable */
	struct event	*timer;		/* the next query-migrate */
	struct event	*deadline;	/* SNAP_DEADLINE_SEC from the start */
	EVP_MD_CTX	*md;		/* SHA-256 of the bytes so far */
	uint64_t	 bytes;
	int		 streamed;	/* md covers the whole state file */
	int		 polls;
	int		 failing;	/* a save being undone (qemu-snap.c) */
	int64_t		 jid;		/* the journal entry */
	struct timespec	 t0;
	struct snap_info si;		/* resume: the record, checked */
	uint8_t		*buf;		/* resume: read, not yet written */
	size_t		 off, len;
	char		 err[512];	/* why a resume failed */
	/* vm fork: the children to make from this save (vm-fork.c). */
	char		 fork_names[VM_FORK_MAX][VM_NAME_MAX + 1];
	size_t		 fork_n;
	/* Once saved: the children, one disk copy (a job) at a time. */
	int		 fork_saved;	/* the save succeeded: cont at end */
	int		 fork_gone;	/* the parent's VMM ended meanwhile */
	struct snap_info fork_si;	/* each child's record */
	size_t		 fork_i;	/* the next name to make */
	int64_t		 fork_cur;	/* the child whose disk is copied */
	size_t		 fork_made;
	int64_t		 fork_kids[VM_FORK_MAX];
	char		 fork_err[768];
};

struct snap	*snap_new(struct vm *);
int		 snap_path(const struct vm *, const char *, const char *,
		    char *, size_t);
void		 snap_identity(const struct vm *, struct snap_info *);
double		 snap_secs(const struct snap *);
int		 snap_hash_file(const char *, int, uint64_t *, uint8_t *);
/* The drivers report back (vmm.h's suspend and resume). */
void		 vm_suspend_saved(struct vm *, int, const char *);
void		 vm_fork_saved(struct vm *, int, const char *);
void		 vm_fork_vmm_gone(struct vm *);
void		 snap_saved(struct vm *, int, const char *);
void		 snap_rm_dir(const struct vm *, const char *);
int		 snap_sync(struct vm *);
int		 snap_open_own(const char *, uint64_t *);
void		 vm_resume_loaded(struct vm *, int, const char *);
int		 qemu_suspend(struct vm *, char *, size_t);
int		 qemu_resume(struct vm *, char *, size_t);
int		 qemu_unpause(struct vm *);
void		 qemu_save_fail(struct vm *, const char *);
void		 snap_arm(struct vm *);

#endif
