/* CLI <-> bangerd message schemas. */
#include <stddef.h>

#include "cred.h"
#include "proto.h"
#include "valid.h"

#define F(st, fld, ty, mx, el) \
	{ #fld, ty, offsetof(struct st, fld), mx, el }
#define T(num, name, st, fl) \
	{ num, name, fl, sizeof(fl) / sizeof(fl[0]), sizeof(struct st) }
#define T0(num, name, st) \
	{ num, name, NULL, 0, sizeof(struct st) }

static const struct msg_field f_daemon_stop[] = {
	F(ctl_daemon_stop, keep_vms, MF_U64, 1, 0),
};
static const struct msg_field f_error[] = {
	F(ctl_error, code, MF_U64, BERR_MAX, 0),
	F(ctl_error, message, MF_STR, BANGER_STRMAX, 0),
};
static const struct msg_field f_progress[] = {
	F(ctl_progress, message, MF_STR, BANGER_STRMAX, 0),
};
static const struct msg_field f_vm_run[] = {
	F(ctl_vm_run, name, MF_STR, VM_NAME_MAX, 0),
	F(ctl_vm_run, rm, MF_BOOL, 0, 0),
	F(ctl_vm_run, tty, MF_BOOL, 0, 0),
	F(ctl_vm_run, cols, MF_U64, 65535, 0),
	F(ctl_vm_run, rows, MF_U64, 65535, 0),
	F(ctl_vm_run, vcpus, MF_U64, VM_VCPUS_MAX, 0),
	F(ctl_vm_run, memory_mib, MF_U64, VM_MEMORY_MAX, 0),
	F(ctl_vm_run, disk_mib, MF_U64, VM_DISK_MAX, 0),
	F(ctl_vm_run, image, MF_STR, VM_NAME_MAX, 0),
	F(ctl_vm_run, workspace, MF_STR, BANGER_STRMAX, 0),
	F(ctl_vm_run, ws_name, MF_STR, 255, 0),
	F(ctl_vm_run, ws_files, MF_U64, WS_FILES_MAX, 0),
	F(ctl_vm_run, branch, MF_STR, 255, 0),
	F(ctl_vm_run, from, MF_STR, 255, 0),
	F(ctl_vm_run, publish, MF_STRV, PORTS_MAX, PORT_SPEC_MAX),
	F(ctl_vm_run, egress, MF_STR, 9, 0),
	F(ctl_vm_run, allow, MF_STRV, EGRESS_ALLOW_MAX, EGRESS_PATTERN_MAX),
	F(ctl_vm_run, argv, MF_STRV, BANGER_ARGMAX, BANGER_STRMAX),
	F(ctl_vm_run, cold, MF_BOOL, 0, 0),
};
static const struct msg_field f_image_build[] = {
	F(ctl_image_build, name, MF_STR, VM_NAME_MAX, 0),
};
static const struct msg_field f_image_register[] = {
	F(ctl_image_register, name, MF_STR, VM_NAME_MAX, 0),
	F(ctl_image_register, rootfs, MF_STR, BANGER_STRMAX, 0),
	F(ctl_image_register, kernel, MF_STR, VM_NAME_MAX, 0),
};
static const struct msg_field f_image_bundle[] = {
	F(ctl_image_bundle, name, MF_STR, VM_NAME_MAX, 0),
	F(ctl_image_bundle, out, MF_STR, BANGER_STRMAX, 0),
};
static const struct msg_field f_image_pull[] = {
	F(ctl_image_pull, name, MF_STR, VM_NAME_MAX, 0),
	F(ctl_image_pull, ref, MF_STR, IMAGE_REF_MAX, 0),
	F(ctl_image_pull, auth, MF_STR, BANGER_STRMAX, 0),
	F(ctl_image_pull, size_mib, MF_U64, VM_DISK_MAX, 0),
	F(ctl_image_pull, kernel, MF_STR, VM_NAME_MAX, 0),
};
static const struct msg_field f_image_info[] = {
	F(ctl_image_info, name, MF_STR, VM_NAME_MAX, 0),
	F(ctl_image_info, dir, MF_STR, BANGER_STRMAX, 0),
	F(ctl_image_info, rootfs, MF_BOOL, 0, 0),
	F(ctl_image_info, size_mib, MF_U64, UINT32_MAX, 0),
	F(ctl_image_info, built, MF_U64, UINT64_MAX, 0),
	F(ctl_image_info, source, MF_STR, 1024, 0),
	F(ctl_image_info, kernel, MF_STR, VM_NAME_MAX, 0),
	F(ctl_image_info, warm, MF_STRV, IMAGE_WARM_MAX, 48),
};
static const struct msg_field f_kernel_import[] = {
	F(ctl_kernel_import, name, MF_STR, VM_NAME_MAX, 0),
	F(ctl_kernel_import, path, MF_STR, BANGER_STRMAX, 0),
	F(ctl_kernel_import, modules, MF_STR, BANGER_STRMAX, 0),
};
static const struct msg_field f_kernel_info[] = {
	F(ctl_kernel_info, name, MF_STR, VM_NAME_MAX, 0),
	F(ctl_kernel_info, dir, MF_STR, BANGER_STRMAX, 0),
	F(ctl_kernel_info, release, MF_STR, 64, 0),
	F(ctl_kernel_info, forms, MF_STR, 64, 0),
	F(ctl_kernel_info, modules, MF_U64, 1024, 0),
	F(ctl_kernel_info, size_mib, MF_U64, UINT32_MAX, 0),
	F(ctl_kernel_info, imported, MF_U64, UINT64_MAX, 0),
	F(ctl_kernel_info, source, MF_STR, BANGER_STRMAX, 0),
};
static const struct msg_field f_ws_files[] = {
	F(ctl_ws_files, paths, MF_STRV, WS_CHUNK, BANGER_STRMAX),
};
static const struct msg_field f_vm_create[] = {
	F(ctl_vm_create, name, MF_STR, VM_NAME_MAX, 0),
	F(ctl_vm_create, image, MF_STR, VM_NAME_MAX, 0),
	F(ctl_vm_create, vcpus, MF_U64, VM_VCPUS_MAX, 0),
	F(ctl_vm_create, memory_mib, MF_U64, VM_MEMORY_MAX, 0),
	F(ctl_vm_create, disk_mib, MF_U64, VM_DISK_MAX, 0),
	F(ctl_vm_create, start, MF_BOOL, 0, 0),
	F(ctl_vm_create, publish, MF_STRV, PORTS_MAX, PORT_SPEC_MAX),
	F(ctl_vm_create, egress, MF_STR, 9, 0),
	F(ctl_vm_create, allow, MF_STRV, EGRESS_ALLOW_MAX, EGRESS_PATTERN_MAX),
	F(ctl_vm_create, cold, MF_BOOL, 0, 0),
};
static const struct msg_field f_image_warm[] = {
	F(ctl_image_warm, image, MF_STR, VM_NAME_MAX, 0),
	F(ctl_image_warm, vcpus, MF_U64, VM_VCPUS_MAX, 0),
	F(ctl_image_warm, memory_mib, MF_U64, VM_MEMORY_MAX, 0),
	F(ctl_image_warm, disk_mib, MF_U64, VM_DISK_MAX, 0),
};
static const struct msg_field f_vm_name[] = {
	F(ctl_vm_name, name, MF_STR, VM_NAME_MAX, 0),
};
static const struct msg_field f_vm_fork[] = {
	F(ctl_vm_fork, name, MF_STR, VM_NAME_MAX, 0),
	F(ctl_vm_fork, new_name, MF_STR, VM_NAME_MAX, 0),
	F(ctl_vm_fork, count, MF_U64, VM_FORK_MAX, 0),
};
static const struct msg_field f_vm_exec[] = {
	F(ctl_vm_exec, name, MF_STR, VM_NAME_MAX, 0),
	F(ctl_vm_exec, tty, MF_BOOL, 0, 0),
	F(ctl_vm_exec, cols, MF_U64, 65535, 0),
	F(ctl_vm_exec, rows, MF_U64, 65535, 0),
	F(ctl_vm_exec, argv, MF_STRV, BANGER_ARGMAX, BANGER_STRMAX),
};
static const struct msg_field f_output[] = {
	F(ctl_output, stream, MF_U64, 2, 0),
	F(ctl_output, data, MF_BIN, IO_CHUNK, 0),
};
static const struct msg_field f_input[] = {
	F(ctl_input, data, MF_BIN, IO_CHUNK, 0),
};
static const struct msg_field f_signal[] = {
	F(ctl_signal, signo, MF_U64, 64, 0),
};
static const struct msg_field f_exit[] = {
	F(ctl_exit, status, MF_I64, 255, 0),
	F(ctl_exit, signo, MF_U64, 64, 0),
};
static const struct msg_field f_vm_info[] = {
	F(ctl_vm_info, name, MF_STR, VM_NAME_MAX, 0),
	F(ctl_vm_info, state, MF_STR, 32, 0),
	F(ctl_vm_info, vmm, MF_STR, 32, 0),
	F(ctl_vm_info, accel, MF_STR, 32, 0),
	F(ctl_vm_info, address, MF_STR, 64, 0),
	F(ctl_vm_info, pid, MF_U64, UINT32_MAX, 0),
	F(ctl_vm_info, created, MF_U64, UINT64_MAX, 0),
	F(ctl_vm_info, vcpus, MF_U64, 1024, 0),
	F(ctl_vm_info, memory_mib, MF_U64, UINT32_MAX, 0),
	F(ctl_vm_info, disk_mib, MF_U64, VM_DISK_MAX, 0),
	F(ctl_vm_info, dir, MF_STR, BANGER_STRMAX, 0),
	F(ctl_vm_info, image, MF_STR, VM_NAME_MAX, 0),
	F(ctl_vm_info, root, MF_STR, 16, 0),
	F(ctl_vm_info, ports, MF_STRV, PORTS_MAX, PORT_SPEC_MAX),
	F(ctl_vm_info, port_state, MF_STRV, PORTS_MAX, 160),
	F(ctl_vm_info, egress, MF_STR, 9, 0),
	F(ctl_vm_info, allow, MF_STRV, EGRESS_ALLOW_MAX, EGRESS_PATTERN_MAX),
	F(ctl_vm_info, credentials, MF_STRV, CRED_COUNT, 32),
};
static const struct msg_field f_vm_port[] = {
	F(ctl_vm_port, name, MF_STR, VM_NAME_MAX, 0),
	F(ctl_vm_port, op, MF_U64, PORT_UNPUBLISH, 0),
	F(ctl_vm_port, spec, MF_STR, PORT_SPEC_MAX, 0),
};
static const struct msg_field f_vm_egress[] = {
	F(ctl_vm_egress, name, MF_STR, VM_NAME_MAX, 0),
	F(ctl_vm_egress, set, MF_BOOL, 0, 0),
	F(ctl_vm_egress, egress, MF_STR, 9, 0),
	F(ctl_vm_egress, allow, MF_STRV, EGRESS_ALLOW_MAX, EGRESS_PATTERN_MAX),
};
static const struct msg_field f_vm_delete[] = {
	F(ctl_vm_delete, name, MF_STR, VM_NAME_MAX, 0),
};
static const struct msg_field f_daemon_info[] = {
	F(ctl_daemon_info, pid, MF_U64, UINT32_MAX, 0),
	F(ctl_daemon_info, priv_pid, MF_U64, UINT32_MAX, 0),
	F(ctl_daemon_info, uptime, MF_U64, UINT64_MAX, 0),
	F(ctl_daemon_info, vms, MF_U64, UINT32_MAX, 0),
	F(ctl_daemon_info, version, MF_STR, 64, 0),
	F(ctl_daemon_info, accel, MF_STR, 32, 0),
	F(ctl_daemon_info, accel_reason, MF_STR, BANGER_STRMAX, 0),
	F(ctl_daemon_info, state_dir, MF_STR, BANGER_STRMAX, 0),
	F(ctl_daemon_info, dns, MF_STR, BANGER_STRMAX, 0),
};
static const struct msg_field f_winsize[] = {
	F(ctl_winsize, cols, MF_U64, 65535, 0),
	F(ctl_winsize, rows, MF_U64, 65535, 0),
};

static const struct msg_type ctl_types[] = {
	T0(CTL_OK, "ok", ctl_ok),
	T(CTL_ERROR, "error", ctl_error, f_error),
	T(CTL_PROGRESS, "progress", ctl_progress, f_progress),
	T(CTL_VM_RUN, "vm.run", ctl_vm_run, f_vm_run),
	T(CTL_OUTPUT, "output", ctl_output, f_output),
	T(CTL_INPUT, "input", ctl_input, f_input),
	T(CTL_SIGNAL, "signal", ctl_signal, f_signal),
	T(CTL_EXIT, "exit", ctl_exit, f_exit),
	T0(CTL_VM_LIST, "vm.list", ctl_vm_list),
	T(CTL_VM_INFO, "vm.info", ctl_vm_info, f_vm_info),
	T(CTL_VM_DELETE, "vm.delete", ctl_vm_delete, f_vm_delete),
	T0(CTL_DAEMON_STATUS, "daemon.status", ctl_daemon_status),
	T(CTL_DAEMON_INFO, "daemon.info", ctl_daemon_info, f_daemon_info),
	T(CTL_DAEMON_STOP, "daemon.stop", ctl_daemon_stop, f_daemon_stop),
	T(CTL_WINSIZE, "winsize", ctl_winsize, f_winsize),
	T(CTL_VM_CREATE, "vm.create", ctl_vm_create, f_vm_create),
	T(CTL_VM_START, "vm.start", ctl_vm_name, f_vm_name),
	T(CTL_VM_STOP, "vm.stop", ctl_vm_name, f_vm_name),
	T(CTL_VM_SHOW, "vm.show", ctl_vm_name, f_vm_name),
	T(CTL_VM_EXEC, "vm.exec", ctl_vm_exec, f_vm_exec),
	T(CTL_WS_FILES, "ws.files", ctl_ws_files, f_ws_files),
	T(CTL_IMAGE_BUILD, "image.build", ctl_image_build, f_image_build),
	T0(CTL_IMAGE_LIST, "image.list", ctl_ok),
	T(CTL_IMAGE_INFO, "image.info", ctl_image_info, f_image_info),
	T0(CTL_INPUT_HOLD, "input.hold", ctl_input_flow),
	T0(CTL_INPUT_RESUME, "input.resume", ctl_input_flow),
	T(CTL_VM_PORT, "vm.port", ctl_vm_port, f_vm_port),
	T(CTL_VM_EGRESS, "vm.egress", ctl_vm_egress, f_vm_egress),
	T(CTL_IMAGE_DELETE, "image.delete", ctl_image_build, f_image_build),
	T(CTL_IMAGE_REGISTER, "image.register", ctl_image_register,
	    f_image_register),
	T(CTL_IMAGE_PULL, "image.pull", ctl_image_pull, f_image_pull),
	T(CTL_IMAGE_BUNDLE, "image.bundle", ctl_image_bundle, f_image_bundle),
	T0(CTL_KERNEL_LIST, "kernel.list", ctl_ok),
	T(CTL_KERNEL_INFO, "kernel.info", ctl_kernel_info, f_kernel_info),
	T(CTL_KERNEL_IMPORT, "kernel.import", ctl_kernel_import,
	    f_kernel_import),
	T(CTL_KERNEL_DELETE, "kernel.delete", ctl_image_build, f_image_build),
	T(CTL_KERNEL_PULL, "kernel.pull", ctl_image_build, f_image_build),
	T(CTL_KERNEL_BUNDLE, "kernel.bundle", ctl_image_bundle,
	    f_image_bundle),
	T(CTL_VM_SUSPEND, "vm.suspend", ctl_vm_name, f_vm_name),
	T(CTL_VM_RESUME, "vm.resume", ctl_vm_name, f_vm_name),
	T(CTL_VM_FORK, "vm.fork", ctl_vm_fork, f_vm_fork),
	T(CTL_IMAGE_WARM, "image.warm", ctl_image_warm, f_image_warm),
};

const struct msg_proto ctl_proto = {
	"ctl", CTL_VERSION, ctl_types, sizeof(ctl_types) / sizeof(ctl_types[0])
};
