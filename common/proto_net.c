/* bangerd <-> banger-net message schemas. */
#include <stddef.h>

#include "proto_net.h"

#define F(st, fld, ty, mx, el) \
	{ #fld, ty, offsetof(struct st, fld), mx, el }
#define T(num, name, st, fl) \
	{ num, name, fl, sizeof(fl) / sizeof(fl[0]), sizeof(struct st) }

static const struct msg_field f_config[] = {
	F(net_config, upstream, MF_STRV, NET_UPSTREAM_MAX, NET_ADDR_STRMAX),
};
static const struct msg_field f_listen[] = {
	F(net_listen, kind, MF_U64, NET_LISTEN_TCP, 0),
};
static const struct msg_field f_names[] = {
	F(net_names, names, MF_STRV, NET_NAMES_MAX, NET_NAME_STRMAX),
	F(net_names, addrs, MF_STRV, NET_NAMES_MAX, NET_ADDR_STRMAX),
};
static const struct msg_field f_counters[] = {
	F(net_counters, queries, MF_U64, UINT64_MAX, 0),
	F(net_counters, local, MF_U64, UINT64_MAX, 0),
	F(net_counters, forwarded, MF_U64, UINT64_MAX, 0),
	F(net_counters, malformed, MF_U64, UINT64_MAX, 0),
	F(net_counters, limited, MF_U64, UINT64_MAX, 0),
	F(net_counters, busy, MF_U64, UINT64_MAX, 0),
	F(net_counters, failed, MF_U64, UINT64_MAX, 0),
	F(net_counters, bad_answers, MF_U64, UINT64_MAX, 0),
};
static const struct msg_field f_ports[] = {
	F(net_ports, ports, MF_STRV, NET_PORTS_MAX, NET_PORT_STRMAX),
};
static const struct msg_field f_port_state[] = {
	F(net_port_state, listen, MF_STR, NET_LISTEN_STRMAX, 0),
	F(net_port_state, error, MF_STR, NET_ERROR_STRMAX, 0),
};

static const struct msg_type net_types[] = {
	T(NET_CONFIG, "config", net_config, f_config),
	T(NET_LISTEN, "listen", net_listen, f_listen),
	T(NET_NAMES, "names", net_names, f_names),
	T(NET_COUNTERS, "counters", net_counters, f_counters),
	T(NET_PORTS, "ports", net_ports, f_ports),
	T(NET_PORT_STATE, "port-state", net_port_state, f_port_state),
};

const struct msg_proto net_proto = {
	"net", NET_VERSION, net_types,
	sizeof(net_types) / sizeof(net_types[0])
};
