/*
 * The public host key line a guest prints after taking its own identity
 * (vm-boot.c's identity step): guest output, so checked strictly before
 * it becomes a known_hosts entry.
 */
#ifndef BANGERD_HOSTKEY_LINE_H
#define BANGERD_HOSTKEY_LINE_H

#include <stddef.h>

/* 1 if p[0..len) is exactly "ssh-ed25519 BASE64 banger-vm\n". */
int	hostkey_line_ok(const char *, size_t);

#endif
