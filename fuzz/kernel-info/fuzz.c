/*
 * A kernel's info file as bangerd reads it (bangerd/kernel-info.c):
 * whatever the bytes, a refusal with nothing filled in, or values in
 * the character sets and bounds the rest of bangerd assumes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel-info.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kinfo	 ki;
	size_t		 i, n;

	if (kernel_info_parse((const char *)data, size, &ki) == -1) {
		if (ki.release[0] != '\0' || ki.forms[0] != '\0' ||
		    ki.modules != 0)
			abort();
		return 0;
	}
	n = strnlen(ki.release, sizeof(ki.release));
	if (n == 0 || n >= sizeof(ki.release))
		abort();
	for (i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789._+-", ki.release[i]) == NULL)
			abort();
	if (strcmp(ki.forms, "vmlinux") != 0 && strcmp(ki.forms,
	    "vmlinux vmlinuz") != 0)
		abort();
	if (ki.modules > KERNEL_INFO_MODULES)
		abort();
	return 0;
}
