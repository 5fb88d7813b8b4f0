/*
 * VMM drivers.  bangerd drives a VM through one of these; the launcher
 * execs the driver's argv with the descriptors the driver asked for.
 */
#ifndef BANGERD_VMM_H
#define BANGERD_VMM_H

#include <stddef.h>

struct bangerd;
struct vm;

struct vmm_ops {
	const char	*name;		/* "qemu", "firecracker" */
	/*
	 * bangerd must connect(2) to Unix sockets the VMM creates
	 * (Firecracker's API and vsock); its seccomp filter allows that
	 * only then.
	 */
	int		 connects;
	/*
	 * The VMM's argv (argv[0] is replaced by the launcher's fixed path).
	 * The launcher places stderr on fd 2 and whatever descriptors
	 * vm_boot() hands it from fd 3 on: QEMU gets the agent channel, QMP
	 * and the tap; Firecracker gets none (it uses sockets and the tap by
	 * name).
	 */
	int	(*argv)(struct bangerd *, struct vm *, char ***, size_t *);
	/*
	 * After the launcher reports the VMM started: configure and boot
	 * (Firecracker: API calls ending in InstanceStart; QEMU: nothing).
	 * Returns 0 or -1 with a message in err.
	 */
	int	(*boot)(struct vm *, char *, size_t);
	/*
	 * Ask the VMM to shut the guest down (after the agent's poweroff was
	 * not possible); -1 if it cannot be asked.
	 */
	int	(*shutdown)(struct vm *);
};

extern const struct vmm_ops qemu_ops;
extern const struct vmm_ops firecracker_ops;

#endif
