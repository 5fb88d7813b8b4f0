#ifndef BANGER_TSC_H
#define BANGER_TSC_H

/*
 * The host CPU's clock in kHz from /proc/cpuinfo's first "cpu MHz" line,
 * or 0.  Guests under TCG get it as tsc_early_khz= (their own TSC
 * calibration can hang under emulation).
 */
unsigned long	host_tsc_khz(void);

#endif
