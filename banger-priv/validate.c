/* Pure request validation; see validate.h. */
#include <stdarg.h>
#include <stdio.h>

#include "addr.h"
#include "proto.h"
#include "validate.h"

static enum verdict
verdict(struct vres *r, enum verdict v, unsigned code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static enum verdict
verdict(struct vres *r, enum verdict v, unsigned code, const char *fmt, ...)
{
	va_list	 ap;

	r->v = v;
	r->code = code;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return v;
}

static enum verdict
ok(struct vres *r)
{
	r->v = VALID_OK;
	r->code = 0;
	r->why[0] = '\0';
	return VALID_OK;
}

int
valid_vm_id(uint64_t id)
{
	return id >= 1 && id <= PRIV_VMID_MAX;
}

enum verdict
validate_bridge_ensure(const struct policy *pol, const struct lease_table *t,
    uint32_t uid, struct vres *r)
{
	const struct lease_bridge	*b;
	uint32_t			 slot;

	if (uid > LEASE_UID_MAX)
		return verdict(r, VALID_FAULT, 0, "uid %u out of range", uid);
	if ((b = lease_find_bridge(t, uid)) != NULL) {
		/* The pool may have shrunk since the slot was leased. */
		if (b->slot >= addr_nslots(pol->pool_prefix))
			return verdict(r, VALID_REFUSE, BERR_INTERNAL,
			    "leased slot %u is outside the configured pool",
			    b->slot);
		return ok(r);
	}
	if (lease_free_slot(t, addr_nslots(pol->pool_prefix), &slot) == -1)
		return verdict(r, VALID_REFUSE, BERR_QUOTA,
		    "address pool exhausted");
	return ok(r);
}

enum verdict
validate_tap_create(const struct policy *pol, const struct lease_table *t,
    uint32_t uid, uint64_t vm_id, struct vres *r)
{
	const struct lease_bridge	*b;
	uint32_t			 n;

	if (!valid_vm_id(vm_id))
		return verdict(r, VALID_FAULT, 0, "vm_id %llu out of range",
		    (unsigned long long)vm_id);
	if ((b = lease_find_bridge(t, uid)) == NULL)
		return verdict(r, VALID_FAULT, 0, "tap before bridge");
	if (b->slot >= addr_nslots(pol->pool_prefix))
		return verdict(r, VALID_REFUSE, BERR_INTERNAL,
		    "leased slot %u is outside the configured pool", b->slot);
	if (lease_find_tap(t, uid, (uint32_t)vm_id) != NULL)
		return verdict(r, VALID_FAULT, 0, "vm_id %llu already has a "
		    "tap", (unsigned long long)vm_id);
	if (lease_count_taps(t, uid) >= pol->max_taps)
		return verdict(r, VALID_REFUSE, BERR_QUOTA, "tap quota of %u "
		    "reached", pol->max_taps);
	if (lease_free_host(t, uid, &n) == -1)
		return verdict(r, VALID_REFUSE, BERR_QUOTA,
		    "no free address in the subnet");
	if (lease_free_tapno(t, 0, &n) == -1)
		return verdict(r, VALID_REFUSE, BERR_QUOTA,
		    "no free tap number on this host");
	return ok(r);
}

enum verdict
validate_tap_delete(const struct lease_table *t, uint32_t uid,
    uint64_t vm_id, struct vres *r)
{
	if (!valid_vm_id(vm_id))
		return verdict(r, VALID_FAULT, 0, "vm_id %llu out of range",
		    (unsigned long long)vm_id);
	if (lease_find_tap(t, uid, (uint32_t)vm_id) == NULL)
		return verdict(r, VALID_FAULT, 0, "vm_id %llu has no tap of "
		    "this user", (unsigned long long)vm_id);
	return ok(r);
}
