/*
 * Which accelerator QEMU should use.  Shared by bangerd (which uses the
 * answer) and `banger doctor` (which explains it).
 */
#ifndef BANGER_ACCEL_H
#define BANGER_ACCEL_H

#include <stddef.h>

enum accel { ACCEL_TCG, ACCEL_KVM };

/*
 * Decide KVM or TCG for the calling user.  KVM only when /dev/kvm opens
 * read-write, answers KVM_GET_API_VERSION == 12, the host CPU exposes
 * vmx/svm, and the KVM module is not the PVM flavour (which cannot run a
 * stock guest kernel).  reason gets one human sentence either way.
 * BANGER_ACCEL=tcg in the environment forces TCG (never forces KVM).
 */
enum accel	accel_choose(char *reason, size_t);
const char	*accel_name(enum accel);

#endif
