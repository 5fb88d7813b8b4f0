/* bangerd <-> launcher message schemas. */
#include <stddef.h>

#include "portspec.h"
#include "proto.h"

#define F(st, fld, ty, mx, el) \
	{ #fld, ty, offsetof(struct st, fld), mx, el }
#define T(num, name, st, fl) \
	{ num, name, fl, sizeof(fl) / sizeof(fl[0]), sizeof(struct st) }

static const struct msg_field f_fd[] = {
	F(launch_fd, slot, MF_U64, LAUNCH_SLOT_MAX, 0),
};
static const struct msg_field f_exec[] = {
	F(launch_exec, vm_id, MF_U64, PRIV_VMID_MAX, 0),
	F(launch_exec, tool, MF_U64, LAUNCH_TOOL_MAX, 0),
	F(launch_exec, listen, MF_U64, 1, 0),
	F(launch_exec, argv, MF_STRV, BANGER_ARGMAX, BANGER_STRMAX),
};
static const struct msg_field f_started[] = {
	F(launch_started, vm_id, MF_U64, PRIV_VMID_MAX, 0),
	F(launch_started, tool, MF_U64, LAUNCH_TOOL_MAX, 0),
	F(launch_started, pid, MF_U64, UINT32_MAX, 0),
};
static const struct msg_field f_error[] = {
	F(launch_error, vm_id, MF_U64, PRIV_VMID_MAX, 0),
	F(launch_error, tool, MF_U64, LAUNCH_TOOL_MAX, 0),
	F(launch_error, message, MF_STR, 256, 0),
};
static const struct msg_field f_kill[] = {
	F(launch_kill, vm_id, MF_U64, PRIV_VMID_MAX, 0),
	F(launch_kill, tool, MF_U64, LAUNCH_TOOL_MAX, 0),
	F(launch_kill, signo, MF_U64, 64, 0),
};
static const struct msg_field f_exited[] = {
	F(launch_exited, vm_id, MF_U64, PRIV_VMID_MAX, 0),
	F(launch_exited, tool, MF_U64, LAUNCH_TOOL_MAX, 0),
	F(launch_exited, pid, MF_U64, UINT32_MAX, 0),
	F(launch_exited, status, MF_I64, 255, 0),
	F(launch_exited, signo, MF_U64, 64, 0),
};
/* A VM id and which of its sockets: no path travels on this channel. */
static const struct msg_field f_connect[] = {
	F(launch_connect, vm_id, MF_U64, PRIV_VMID_MAX, 0),
	F(launch_connect, sock, MF_U64, LAUNCH_SOCK_MAX, 0),
};
static const struct msg_field f_connected[] = {
	F(launch_connected, vm_id, MF_U64, PRIV_VMID_MAX, 0),
	F(launch_connected, sock, MF_U64, LAUNCH_SOCK_MAX, 0),
};
static const struct msg_field f_connect_failed[] = {
	F(launch_connect_failed, vm_id, MF_U64, PRIV_VMID_MAX, 0),
	F(launch_connect_failed, sock, MF_U64, LAUNCH_SOCK_MAX, 0),
	F(launch_connect_failed, error, MF_U64, LAUNCH_ERRNO_MAX, 0),
};
/* A path, checked again by the launcher before it is used. */
static const struct msg_field f_unix_listen[] = {
	F(launch_unix_listen, path, MF_STR, PORT_UNIX_PATH_MAX, 0),
};
static const struct msg_field f_unix_listening[] = {
	F(launch_unix_listening, path, MF_STR, PORT_UNIX_PATH_MAX, 0),
};
static const struct msg_field f_unix_failed[] = {
	F(launch_unix_failed, path, MF_STR, PORT_UNIX_PATH_MAX, 0),
	F(launch_unix_failed, error, MF_U64, LAUNCH_ERRNO_MAX, 0),
};
/* A pid the launcher checks itself before it watches it. */
static const struct msg_field f_adopt[] = {
	F(launch_adopt, vm_id, MF_U64, PRIV_VMID_MAX, 0),
	F(launch_adopt, pid, MF_U64, INT32_MAX, 0),
};
static const struct msg_field f_adopted[] = {
	F(launch_adopted, vm_id, MF_U64, PRIV_VMID_MAX, 0),
	F(launch_adopted, pid, MF_U64, INT32_MAX, 0),
};
static const struct msg_field f_adopt_failed[] = {
	F(launch_adopt_failed, vm_id, MF_U64, PRIV_VMID_MAX, 0),
	F(launch_adopt_failed, error, MF_U64, LAUNCH_ERRNO_MAX, 0),
};

static const struct msg_type launch_types[] = {
	T(LAUNCH_FD, "fd", launch_fd, f_fd),
	T(LAUNCH_EXEC, "exec", launch_exec, f_exec),
	T(LAUNCH_STARTED, "started", launch_started, f_started),
	T(LAUNCH_ERROR, "error", launch_error, f_error),
	T(LAUNCH_KILL, "kill", launch_kill, f_kill),
	T(LAUNCH_EXITED, "exited", launch_exited, f_exited),
	T(LAUNCH_CONNECT, "connect", launch_connect, f_connect),
	T(LAUNCH_CONNECTED, "connected", launch_connected, f_connected),
	T(LAUNCH_CONNECT_FAILED, "connect-failed", launch_connect_failed,
	    f_connect_failed),
	T(LAUNCH_UNIX_LISTEN, "unix-listen", launch_unix_listen,
	    f_unix_listen),
	T(LAUNCH_UNIX_LISTENING, "unix-listening", launch_unix_listening,
	    f_unix_listening),
	T(LAUNCH_UNIX_FAILED, "unix-failed", launch_unix_failed,
	    f_unix_failed),
	T(LAUNCH_ADOPT, "adopt", launch_adopt, f_adopt),
	T(LAUNCH_ADOPTED, "adopted", launch_adopted, f_adopted),
	T(LAUNCH_ADOPT_FAILED, "adopt-failed", launch_adopt_failed,
	    f_adopt_failed),
};

const struct msg_proto launch_proto = {
	"launch", LAUNCH_VERSION, launch_types,
	sizeof(launch_types) / sizeof(launch_types[0])
};
