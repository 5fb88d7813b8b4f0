/* bangerd <-> banger-priv message schemas. */
#include <stddef.h>

#include "proto_priv.h"

#define F(st, fld, ty, mx, el) \
	{ #fld, ty, offsetof(struct st, fld), mx, el }
#define T(num, name, st, fl) \
	{ num, name, fl, sizeof(fl) / sizeof(fl[0]), sizeof(struct st) }
#define T0(num, name, st) \
	{ num, name, NULL, 0, sizeof(struct st) }

#define IFNAME_MAX	15
#define ADDR_MAX	15	/* dotted IPv4 */

static const struct msg_field f_error[] = {
	F(priv_error, code, MF_U64, BERR_MAX, 0),
	F(priv_error, message, MF_STR, 256, 0),
};
static const struct msg_field f_bridge[] = {
	F(priv_bridge, name, MF_STR, IFNAME_MAX, 0),
	F(priv_bridge, subnet, MF_STR, ADDR_MAX, 0),
	F(priv_bridge, gateway, MF_STR, ADDR_MAX, 0),
	F(priv_bridge, prefix, MF_U64, 32, 0),
};
static const struct msg_field f_tap_create[] = {
	F(priv_tap_create, vm_id, MF_U64, PRIV_VMID_MAX, 0),
	F(priv_tap_create, persist, MF_BOOL, 0, 0),
};
static const struct msg_field f_tap[] = {
	F(priv_tap, vm_id, MF_U64, PRIV_VMID_MAX, 0),
	F(priv_tap, name, MF_STR, IFNAME_MAX, 0),
	F(priv_tap, address, MF_STR, ADDR_MAX, 0),
	F(priv_tap, gateway, MF_STR, ADDR_MAX, 0),
	F(priv_tap, prefix, MF_U64, 32, 0),
	F(priv_tap, mac, MF_STR, 17, 0),
};
static const struct msg_field f_tap_delete[] = {
	F(priv_tap_delete, vm_id, MF_U64, PRIV_VMID_MAX, 0),
};
static const struct msg_field f_tap_ids[] = {
	F(priv_tap_ids, vm_ids, MF_U64V, 1024, PRIV_VMID_MAX),
};

static const struct msg_field f_disk_snapshot[] = {
	F(priv_disk_snapshot, vm_id, MF_U64, PRIV_VMID_MAX, 0),
};
static const struct msg_field f_disk[] = {
	F(priv_disk, vm_id, MF_U64, PRIV_VMID_MAX, 0),
	F(priv_disk, name, MF_STR, PRIV_DM_NAME_MAX, 0),
	F(priv_disk, sectors, MF_U64, PRIV_IMAGE_MAX_MIB * 2048, 0),
};
static const struct msg_field f_disk_release[] = {
	F(priv_disk_release, vm_id, MF_U64, PRIV_VMID_MAX, 0),
};
static const struct msg_field f_disk_ids[] = {
	F(priv_disk_ids, vm_ids, MF_U64V, 1024, PRIV_VMID_MAX),
};
static const struct msg_field f_dns_listen[] = {
	F(priv_dns_listen, tcp, MF_BOOL, 0, 0),
};
static const struct msg_field f_dns_sock[] = {
	F(priv_dns_sock, tcp, MF_U64, 1, 0),
};
static const struct msg_field f_tap_egress[] = {
	F(priv_tap_egress, vm_id, MF_U64, PRIV_VMID_MAX, 0),
	F(priv_tap_egress, allowlist, MF_BOOL, 0, 0),
	F(priv_tap_egress, addrs, MF_STRV, PRIV_EGRESS_ADDRS_MAX, ADDR_MAX),
	F(priv_tap_egress, ttl, MF_U64, UINT32_MAX, 0),
};
static const struct msg_field f_port_listen[] = {
	F(priv_port_listen, addr, MF_U64, UINT32_MAX, 0),
	F(priv_port_listen, port, MF_U64, PRIV_PORT_LOW_MAX, 0),
};

static const struct msg_type priv_types[] = {
	T0(PRIV_OK, "ok", priv_ok),
	T(PRIV_ERROR, "error", priv_error, f_error),
	T0(PRIV_BRIDGE_ENSURE, "bridge.ensure", priv_bridge_ensure),
	T(PRIV_BRIDGE, "bridge", priv_bridge, f_bridge),
	T(PRIV_TAP_CREATE, "tap.create", priv_tap_create, f_tap_create),
	T(PRIV_TAP, "tap", priv_tap, f_tap),
	T(PRIV_TAP_DELETE, "tap.delete", priv_tap_delete, f_tap_delete),
	T0(PRIV_TAP_LIST, "tap.list", priv_tap_list),
	T(PRIV_TAP_IDS, "tap.ids", priv_tap_ids, f_tap_ids),
	T(PRIV_DISK_SNAPSHOT, "disk.snapshot", priv_disk_snapshot,
	    f_disk_snapshot),
	T(PRIV_DISK, "disk", priv_disk, f_disk),
	T(PRIV_DISK_RELEASE, "disk.release", priv_disk_release,
	    f_disk_release),
	T0(PRIV_DISK_LIST, "disk.list", priv_disk_list),
	T(PRIV_DISK_IDS, "disk.ids", priv_disk_ids, f_disk_ids),
	T(PRIV_DNS_LISTEN, "dns.listen", priv_dns_listen, f_dns_listen),
	T(PRIV_DNS_SOCK, "dns.sock", priv_dns_sock, f_dns_sock),
	T(PRIV_TAP_EGRESS, "tap.egress", priv_tap_egress, f_tap_egress),
	T(PRIV_PORT_LISTEN, "port.listen", priv_port_listen, f_port_listen),
};

const struct msg_proto priv_proto = {
	"priv", PRIV_VERSION, priv_types,
	sizeof(priv_types) / sizeof(priv_types[0])
};
