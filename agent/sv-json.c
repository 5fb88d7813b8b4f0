/* JSON for `session list`: written here, parsed (strictly) on the host. */
#include <stdio.h>

#include "sv.h"

/* A JSON string: quotes, backslashes and control characters escaped. */
void
sv_json_str(FILE *f, const char *s)
{
	const unsigned char	*p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}
