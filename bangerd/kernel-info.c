/*
 * A kernel's info file, read strictly (kernel-info.h).  Also `make
 * images` writes one for the tiny kernel.
 */
#include <string.h>

#include "kernel-info.h"

static int
release_char(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-' ||
	    ch == '+';
}

/* Each line known, once, and its value checked; all three present. */
int
kernel_info_parse(const char *buf, size_t len, struct kinfo *ki)
{
	const char	*p = buf, *end = buf + len, *nl, *v;
	size_t		 vl, i;
	unsigned	 seen = 0;

	memset(ki, 0, sizeof(*ki));
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			goto bad;
		if ((v = memchr(p, ' ', (size_t)(nl - p))) == NULL)
			goto bad;
		v++;
		vl = (size_t)(nl - v);
		if (v - p == 8 && memcmp(p, "release ", 8) == 0 &&
		    !(seen & 1)) {
			if (vl == 0 || vl >= sizeof(ki->release))
				goto bad;
			for (i = 0; i < vl; i++)
				if (!release_char((unsigned char)v[i]))
					goto bad;
			memcpy(ki->release, v, vl);
			seen |= 1;
		} else if (v - p == 6 && memcmp(p, "forms ", 6) == 0 &&
		    !(seen & 2)) {
			if ((vl == 7 && memcmp(v, "vmlinux", 7) == 0) ||
			    (vl == 15 && memcmp(v, "vmlinux vmlinuz", 15) == 0))
				memcpy(ki->forms, v, vl);
			else
				goto bad;
			seen |= 2;
		} else if (v - p == 8 && memcmp(p, "modules ", 8) == 0 &&
		    !(seen & 4)) {
			if (vl == 0 || vl > 4 || (vl > 1 && v[0] == '0'))
				goto bad;
			for (i = 0; i < vl; i++) {
				if (v[i] < '0' || v[i] > '9')
					goto bad;
				ki->modules = ki->modules * 10 +
				    (uint64_t)(v[i] - '0');
			}
			if (ki->modules > KERNEL_INFO_MODULES)
				goto bad;
			seen |= 4;
		} else
			goto bad;
		p = nl + 1;
	}
	if (seen == 7)
		return 0;
bad:
	memset(ki, 0, sizeof(*ki));
	return -1;
}
