/*
 * What the phases of a VM's life (vm*.c) call in one another; the rest of
 * bangerd uses bangerd.h.
 */
#ifndef BANGERD_VM_PHASE_H
#define BANGERD_VM_PHASE_H

#include "bangerd.h"

#define SSH_WAIT_SEC	30	/* the wait for sshd (vm-boot.c) */
#define WARM_TIMEOUT_SEC 30	/* a warm start's answer, then cold */

/* How a warm start takes its own files and identity (vm_seed()). */
#define SEED_OWN	0	/* `banger-agent own NAME` */
#define SEED_AGENT	1	/* identity_sh, then `banger-agent seed` */
#define SEED_SH		2	/* identity_sh, then seed_sh */

void	strv_free(struct msg_strv *sv);
int	vm_boot(struct vm *vm, char *err, size_t errlen);
void	vm_disk_done(struct bangerd *d, int64_t id, int ok, const char *jerr);
void	vm_finish_delete(struct vm *vm);
void	vm_prepare(struct vm *vm);
/* A preparation session (vm-boot.c); -1 if the agent cannot be asked. */
int	prep_send(struct vm *, char **, size_t, char *);
void	vm_release_tap(struct vm *vm);
void	vm_save(struct vm *vm);
void	vm_config_done(struct vm *vm);
int	vm_set_runner(struct vm *, struct client *, const struct msg_strv *,
	    int, uint64_t, uint64_t);

#endif
