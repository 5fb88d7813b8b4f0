/* bangerd <-> guest agent message schemas.  The guest is hostile. */
#include <stddef.h>

#include "proto.h"

#define F(st, fld, ty, mx, el) \
	{ #fld, ty, offsetof(struct st, fld), mx, el }
#define T(num, name, st, fl) \
	{ num, name, fl, sizeof(fl) / sizeof(fl[0]), sizeof(struct st) }

static const struct msg_field f_ready[] = {
	F(ag_ready, version, MF_STR, 64, 0),
	F(ag_ready, kernel, MF_STR, 128, 0),
};
static const struct msg_field f_exec[] = {
	F(ag_exec, argv, MF_STRV, BANGER_ARGMAX, BANGER_STRMAX),
	F(ag_exec, env, MF_STRV, BANGER_ARGMAX, BANGER_STRMAX),
	F(ag_exec, cwd, MF_STR, BANGER_STRMAX, 0),
	F(ag_exec, tty, MF_BOOL, 0, 0),
	F(ag_exec, cols, MF_U64, 65535, 0),
	F(ag_exec, rows, MF_U64, 65535, 0),
	F(ag_exec, user, MF_STR, 255, 0),
};
static const struct msg_field f_output[] = {
	F(ag_output, stream, MF_U64, 2, 0),
	F(ag_output, data, MF_BIN, IO_CHUNK, 0),
};
static const struct msg_field f_input[] = {
	F(ag_input, data, MF_BIN, IO_CHUNK, 0),
};
static const struct msg_field f_signal[] = {
	F(ag_signal, signo, MF_U64, 64, 0),
};
static const struct msg_field f_winsize[] = {
	F(ag_winsize, cols, MF_U64, 65535, 0),
	F(ag_winsize, rows, MF_U64, 65535, 0),
};
static const struct msg_field f_exit[] = {
	F(ag_exit, status, MF_I64, 255, 0),
	F(ag_exit, signo, MF_U64, 64, 0),
};
static const struct msg_field f_error[] = {
	F(ag_error, message, MF_STR, 1024, 0),
};

static const struct msg_field f_input_ack[] = {
	F(ag_input_ack, bytes, MF_U64, AG_STDIN_MAX, 0),
};

static const struct msg_field f_resumed[] = {
	F(ag_resumed, sec, MF_U64, AG_CLOCK_MAX, 0),
	F(ag_resumed, nsec, MF_U64, 999999999, 0),
	F(ag_resumed, seed, MF_BIN, AG_SEED_LEN, 0),
};

static const struct msg_type agent_types[] = {
	T(AG_READY, "ready", ag_ready, f_ready),
	T(AG_EXEC, "exec", ag_exec, f_exec),
	T(AG_OUTPUT, "output", ag_output, f_output),
	T(AG_INPUT, "input", ag_input, f_input),
	T(AG_SIGNAL, "signal", ag_signal, f_signal),
	T(AG_WINSIZE, "winsize", ag_winsize, f_winsize),
	T(AG_EXIT, "exit", ag_exit, f_exit),
	T(AG_ERROR, "error", ag_error, f_error),
	{ AG_POWEROFF, "poweroff", NULL, 0, sizeof(struct ag_poweroff) },
	T(AG_INPUT_ACK, "input_ack", ag_input_ack, f_input_ack),
	T(AG_RESUMED, "resumed", ag_resumed, f_resumed),
};

const struct msg_proto agent_proto = {
	"agent", AGENT_VERSION, agent_types,
	sizeof(agent_types) / sizeof(agent_types[0])
};
