/*
 * How far the bootstrap of a golden image has got, from the output of
 * `mmdebstrap --verbose` (its own "I: step..." lines, apt's and dpkg's):
 *
 *   I: installing essential packages...	a step, said as it is
 *   0 upgraded, 89 newly installed, ...	N more packages to get
 *   Get:12 http://... libzstd1 amd64 ...	the 12th of this apt run
 *   Setting up libc6:amd64 (2.36-9) ...	one more installed
 *
 * A count is said when it crosses another tenth of the packages known so
 * far, so a build of a few hundred packages gives a few dozen lines.
 * Lines are bounded and anything else is ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

/* The steps worth a line of their own (the rest are seconds long). */
static const char *const steps[] = {
	"downloading packages", "extracting archives",
	"installing essential packages", "installing remaining packages",
	"running --customize-hook", "creating tarball",
};

/* A count of total that crossed a tenth since last; 1 if so. */
static int
tenth(unsigned n, unsigned total, unsigned *last)
{
	unsigned	 t;

	if (total == 0 || n > total)
		return 0;
	t = n * 10 / total;
	if (t <= *last && n != 1)
		return 0;
	*last = t;
	return 1;
}

int
mm_progress(struct mm_progress *p, const char *line, char *out,
    size_t outlen)
{
	unsigned	 n, u, i, sp = 0;
	const char	*s;
	char		 c;

	if (strlen(line) > MM_LINE_MAX)
		return 0;
	if (strncmp(line, "I: ", 3) == 0) {
		for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
			if (strncmp(line + 3, steps[i], strlen(steps[i])) ==
			    0) {
				snprintf(out, outlen, "%s", steps[i]);
				return 1;
			}
		return 0;
	}
	if (line[0] >= '0' && line[0] <= '9' && sscanf(line, "%u upgraded, "
	    "%u newly installed%c", &u, &n, &c) == 3 && c == ',' && n <= MM_PACKAGES_MAX &&
	    p->total + n <= MM_PACKAGES_MAX) {
		p->base = p->total;
		p->total += n;
		p->got_tenth = 0;
		return 0;
	}
	/* A package's line has nine fields, an index's at most seven. */
	for (s = line; strncmp(line, "Get:", 4) == 0 && *s != '\0'; s++)
		sp += *s == ' ';
	if (sp >= 8 && sscanf(line, "Get:%u http%c", &n, &c) == 2 && (c == ':' ||
	    c == 's') && p->total > p->base && tenth(n, p->total - p->base,
	    &p->got_tenth)) {
		snprintf(out, outlen, "fetched %u of %u packages", p->base + n,
		    p->total);
		return 1;
	}
	if (strncmp(line, "Setting up ", 11) == 0 && p->set_up < p->total) {
		p->set_up++;
		if (tenth(p->set_up, p->total, &p->set_tenth)) {
			snprintf(out, outlen, "installed %u of %u packages",
			    p->set_up, p->total);
			return 1;
		}
	}
	return 0;
}
