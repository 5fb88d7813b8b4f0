#include <stdio.h>

#include "tsc.h"

unsigned long
host_tsc_khz(void)
{
	FILE		*f;
	char		 line[256];
	double		 mhz;
	unsigned long	 khz = 0;

	if ((f = fopen("/proc/cpuinfo", "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "cpu MHz : %lf", &mhz) == 1) {
			khz = (unsigned long)(mhz * 1000);
			break;
		}
	fclose(f);
	return khz;
}
