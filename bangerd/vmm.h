/*
 * VMM drivers.  bangerd drives a VM through one of these; the launcher
 * execs the driver's argv with the descriptors the driver asked for.
 */
#ifndef BANGERD_VMM_H
#define BANGERD_VMM_H

#include <stddef.h>

struct bangerd;
struct vm;

/*
 * The descriptors vm_boot() made for one boot.  A driver's launch takes
 * those its VMM uses and sets them to -1; vm_boot() closes the rest.
 */
struct vmm_fds {
	int	 log;		/* the VMM's standard error (qemu.log) */
	int	 agent[2];	/* agent socket pair: ours, the VMM's */
	int	 qmp[2];	/* monitor socket pair: ours, the VMM's */
	/* (-1 for a VMM with listening channels: see attach below) */
	int	 tap;
	int	 console;	/* the VMM's end of the console channel */
	int	 root;		/* a root snapshot's block device, or -1 */
	int	 incoming;	/* QEMU: the saved state's stream, or -1 */
};

/* A suspended VM's saved state, in its directory (vm-suspend.c). */
#define SNAP_DIR	"suspend"
#define SNAP_NEW_DIR	"suspend.new"
#define SNAP_STATE	"state"		/* device state (and QEMU's RAM) */
#define SNAP_MEM	"mem"		/* guest memory (Firecracker) */
#define SNAP_INFO	"info"		/* sizes, hashes, identity */
/*
 * QEMU's RAM as a file (qemu.c): a template VM's, in its directory, then
 * in the template's; a VM restored from a template, a link to it in
 * SNAP_DIR.  QEMU_RAM_ID is the RAM block's name in every saved state.
 */
#define TMPL_RAM	"ram"
#define SNAP_RAM	"ram"
#define QEMU_RAM_ID	"microvm.ram"

struct vmm_ops {
	const char	*name;		/* "qemu", "firecracker" */
	/*
	 * The VMM's argv (argv[0] is replaced by the launcher's fixed path).
	 * The launcher places stderr on fd 2 and whatever descriptors
	 * vm_boot() hands it from fd 3 on: QEMU gets the tap and the root
	 * snapshot, and listening sockets for the agent channel, QMP and the
	 * console that the launcher makes; Firecracker gets the console (it
	 * uses sockets and the tap by name).
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
	/*
	 * Exec the VMM through the launcher (launch_vmm) with the
	 * descriptors in the driver's slot order, then attach the channels
	 * it was handed.  0, or -1 with a message in err.
	 */
	int	(*launch)(struct bangerd *, struct vm *, struct vmm_fds *,
		    char **, size_t, char *, size_t);
	/*
	 * Suspend (vm-suspend.c): the guest is paused and its memory and
	 * device state saved under SNAP_NEW_DIR in the VM's directory
	 * (SNAP_STATE, and SNAP_MEM for a VMM that keeps memory apart);
	 * bangerd then checks, records and moves them to SNAP_DIR and ends
	 * the VMM.  0 when saved, 1 when the driver reports later
	 * (vm_suspend_saved()), -1 with a message in err.  NULL: the VMM
	 * cannot suspend.
	 */
	int	(*suspend)(struct vm *, char *, size_t);
	/*
	 * Resume, once the VMM started for it (vm->resuming): load the
	 * state checked in SNAP_DIR and let the guest run.  0 when it runs,
	 * 1 when the driver reports later (vm_resume_loaded()), -1 with a
	 * message in err.
	 */
	int	(*resume)(struct vm *, char *, size_t);
	/*
	 * Let a guest paused by a save run on, when the save is not kept: 0
	 * if asked (QEMU: cont, which it takes after a completed migration),
	 * -1 if it cannot be.
	 */
	int	(*unpause)(struct vm *);
	/*
	 * After the launcher reports the VMM started, and after bangerd
	 * adopted a VMM a crashed bangerd left running: connect to its
	 * listening agent, monitor and console sockets (LAUNCH_CONNECT).  0,
	 * or -1 with a message in err.  NULL: launch attached the channels,
	 * and the VMM dies with bangerd (it cannot be adopted).
	 */
	int	(*attach)(struct vm *, char *, size_t);
	/* After the VMM exited: remove what it left (may be NULL). */
	void	(*exited)(struct bangerd *, struct vm *);
	/* The binary the launcher runs as this VMM. */
	const char *(*bin)(const struct bangerd *);
	/*
	 * The serial console's channel (console.c): a pipe the VMM opens by
	 * path (Firecracker), else a socket the VMM listens on (QEMU).
	 */
	int		 console_pipe;
	/* It opens its tap by name, so the tap must be persistent. */
	int		 tap_by_name;
	/* It can take a root snapshot's block device (rootdisk.c). */
	int		 root_snapshot;
	/*
	 * bangerd reaches it through sockets in the run directory that the
	 * VMM (Firecracker) or the launcher for it (QEMU) makes, which the
	 * launcher connects (LAUNCH_CONNECT); for any other VMM the
	 * launcher is not told the directory and refuses.
	 */
	int		 launcher_connects;
	/*
	 * Its guest can start while banger-fetch still writes its work disk
	 * (vm-create.c): its kernel command line then says banger.work=wait
	 * (vm->disk_gate), and images/init reads nothing of the disk until
	 * the disk's first bytes say it is whole.
	 */
	int		 disk_gate;
};

extern const struct vmm_ops qemu_ops;
extern const struct vmm_ops firecracker_ops;

#endif
