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
	F(net_names, egress, MF_U64V, NET_NAMES_MAX, EGRESS_ALLOWLIST),
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
	F(net_counters, refused, MF_U64, UINT64_MAX, 0),
	F(net_counters, rebinding, MF_U64, UINT64_MAX, 0),
	F(net_counters, port_refused, MF_U64, UINT64_MAX, 0),
};
static const struct msg_field f_ports[] = {
	F(net_ports, ports, MF_STRV, NET_PORTS_MAX, NET_PORT_STRMAX),
};
static const struct msg_field f_port_state[] = {
	F(net_port_state, listen, MF_STR, NET_LISTEN_STRMAX, 0),
	F(net_port_state, error, MF_STR, NET_ERROR_STRMAX, 0),
};
static const struct msg_field f_egress[] = {
	F(net_egress, guest, MF_STR, NET_ADDR_STRMAX, 0),
	F(net_egress, allow, MF_STRV, EGRESS_ALLOW_MAX, EGRESS_PATTERN_MAX),
};
static const struct msg_field f_allow[] = {
	F(net_allow, guest, MF_STR, NET_ADDR_STRMAX, 0),
	F(net_allow, addrs, MF_STRV, NET_ALLOW_ADDRS_MAX, NET_ADDR_STRMAX),
	F(net_allow, ttl, MF_U64, UINT32_MAX, 0),
};
static const struct msg_field f_port_fd[] = {
	F(net_port_fd, listen, MF_STR, NET_LISTEN_STRMAX, 0),
};
static const struct msg_field f_allowed[] = {
	F(net_allowed, ok, MF_BOOL, 0, 0),
};

static const struct msg_type net_types[] = {
	T(NET_CONFIG, "config", net_config, f_config),
	T(NET_LISTEN, "listen", net_listen, f_listen),
	T(NET_NAMES, "names", net_names, f_names),
	T(NET_COUNTERS, "counters", net_counters, f_counters),
	T(NET_PORTS, "ports", net_ports, f_ports),
	T(NET_PORT_STATE, "port-state", net_port_state, f_port_state),
	T(NET_EGRESS, "egress", net_egress, f_egress),
	T(NET_ALLOW, "allow", net_allow, f_allow),
	T(NET_ALLOWED, "allowed", net_allowed, f_allowed),
	T(NET_PORT_FD, "port-fd", net_port_fd, f_port_fd),
};

const struct msg_proto net_proto = {
	"net", NET_VERSION, net_types,
	sizeof(net_types) / sizeof(net_types[0])
};
