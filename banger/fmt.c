/* Human-readable times for listings. */
#include <stdio.h>

#include "banger.h"

/* "3m", "2h", "5d" style duration. */
void
fmt_duration(uint64_t secs, char *out, size_t outlen)
{
	if (secs < 60)
		snprintf(out, outlen, "%llus", (unsigned long long)secs);
	else if (secs < 3600)
		snprintf(out, outlen, "%llum", (unsigned long long)secs / 60);
	else if (secs < 86400)
		snprintf(out, outlen, "%lluh%02llum",
		    (unsigned long long)secs / 3600,
		    (unsigned long long)secs % 3600 / 60);
	else
		snprintf(out, outlen, "%llud", (unsigned long long)secs / 86400);
}

/* Age of a timestamp relative to now, e.g. "5m ago". */
void
fmt_age(uint64_t then, uint64_t now, char *out, size_t outlen)
{
	char	 d[32];

	if (then == 0) {
		snprintf(out, outlen, "-");
		return;
	}
	/* A clock step backwards should not print a negative age. */
	fmt_duration(now > then ? now - then : 0, d, sizeof(d));
	snprintf(out, outlen, "%s ago", d);
}
