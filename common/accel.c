/*
 * KVM or TCG.  The checks run in the order a user would fix them and the
 * reason names the first that fails, with what it means for banger.  The
 * PVM check comes before the CPU-flag check because a PVM host has no
 * vmx/svm by design: its missing flags are a symptom, PVM is the cause.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <linux/kvm.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accel.h"

#define KVM_DEV		"/dev/kvm"
#define KVM_PVM_MOD	"/sys/module/kvm_pvm"
#define CPUINFO		"/proc/cpuinfo"

/* 1 if a "flags" line of /proc/cpuinfo lists vmx or svm, 0 if not, -1. */
static int
cpu_has_virt(void)
{
	FILE	*f;
	char	*line = NULL, *tok, *save;
	size_t	 cap = 0;
	int	 found = 0, seen = 0;

	if ((f = fopen(CPUINFO, "re")) == NULL)
		return -1;
	while (!found && getline(&line, &cap, f) != -1) {
		if (strncmp(line, "flags", 5) != 0)
			continue;
		seen = 1;
		if ((tok = strchr(line, ':')) == NULL)
			continue;
		for (tok = strtok_r(tok + 1, " \t\n", &save); tok != NULL;
		    tok = strtok_r(NULL, " \t\n", &save))
			if (strcmp(tok, "vmx") == 0 || strcmp(tok, "svm") == 0) {
				found = 1;
				break;
			}
	}
	free(line);
	fclose(f);
	return found ? 1 : (seen ? 0 : -1);
}

enum accel
accel_choose(char *reason, size_t len)
{
	const char	*env = getenv("BANGER_ACCEL");
	struct stat	 st;
	int		 fd, api, virt;

	if (env != NULL && strcmp(env, "tcg") == 0) {
		snprintf(reason, len, "BANGER_ACCEL=tcg is set: using TCG "
		    "emulation");
		return ACCEL_TCG;
	}
	if ((fd = open(KVM_DEV, O_RDWR | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			snprintf(reason, len, "%s does not exist (KVM module "
			    "not loaded, or no hardware virtualization): "
			    "using TCG emulation", KVM_DEV);
		else if (errno == EACCES || errno == EPERM)
			snprintf(reason, len, "%s cannot be opened "
			    "read-write by this user (%s; add the user to "
			    "the group owning it, usually 'kvm'): using TCG "
			    "emulation", KVM_DEV, strerror(errno));
		else
			snprintf(reason, len, "%s cannot be opened (%s): "
			    "using TCG emulation", KVM_DEV, strerror(errno));
		return ACCEL_TCG;
	}
	api = ioctl(fd, KVM_GET_API_VERSION, 0);
	close(fd);
	if (api != KVM_API_VERSION) {
		snprintf(reason, len, "%s answers KVM API version %d, not "
		    "%d: using TCG emulation", KVM_DEV, api, KVM_API_VERSION);
		return ACCEL_TCG;
	}
	if (stat(KVM_PVM_MOD, &st) == 0) {
		snprintf(reason, len, "KVM is the PVM flavour (kvm_pvm "
		    "loaded): it cannot run a stock guest kernel; using TCG "
		    "emulation");
		return ACCEL_TCG;
	}
	if ((virt = cpu_has_virt()) != 1) {
		snprintf(reason, len, virt == 0 ?
		    "the CPU does not offer vmx or svm (hardware "
		    "virtualization off, or not passed to this VM): using "
		    "TCG emulation" :
		    "cannot read the CPU flags from " CPUINFO ": using TCG "
		    "emulation");
		return ACCEL_TCG;
	}
	snprintf(reason, len, "%s is usable (API %d, CPU has hardware "
	    "virtualization): using KVM", KVM_DEV, api);
	return ACCEL_KVM;
}

const char *
accel_name(enum accel a)
{
	return a == ACCEL_KVM ? "kvm" : "tcg";
}
