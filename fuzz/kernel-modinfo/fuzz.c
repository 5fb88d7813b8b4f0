/*
 * A kernel module's bytes through kernel_modinfo (banger-fetch/
 * kernel-modules.c), the ELF reader of `banger kernel import`.  What it
 * takes is a list of module names of [A-Za-z0-9_-] and a release of
 * [A-Za-z0-9._+-], each within its bound.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check(const struct kernel_modinfo *m)
{
	const char	*p;
	size_t		 name = 0;

	if (strlen(m->depends) > KERNEL_DEPENDS_MAX ||
	    strlen(m->vermagic) > KERNEL_RELEASE_MAX || m->vermagic[0] == '\0')
		abort();
	for (p = m->depends; *p != '\0'; p++) {
		if (*p == ',') {
			if (name == 0)
				abort();
			name = 0;
		} else if ((*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-')
			name++;
		else
			abort();
		if (name > 55)
			abort();
	}
	if (m->depends[0] != '\0' && name == 0)
		abort();
	for (p = m->vermagic; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		    *p == '+' || *p == '-'))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kernel_modinfo	 m;
	char			 err[256];

	err[0] = '\0';
	if (kernel_modinfo(data, size, &m, err, sizeof(err)) == 0)
		check(&m);
	else if (err[0] == '\0')
		abort();
	return 0;
}
