/* GitLab Runner custom executor: names, exit codes, config (cigitlab.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "banger.h"
#include "cigitlab.h"
#include "proto.h"
#include "valid.h"
#include "vminfo.h"

static int
id_ok(const char *s)
{
	size_t	 n;

	if (s == NULL)
		return 0;
	n = strspn(s, "0123456789");
	return n > 0 && n <= GL_ID_MAX && s[n] == '\0';
}

int
gl_vm_name(const char *runner, const char *job, char *buf, size_t len,
    char *err, size_t errlen)
{
	if (!id_ok(runner)) {
		snprintf(err, errlen, "CUSTOM_ENV_CI_RUNNER_ID is %s, not "
		    "1-%d digits", runner == NULL ? "unset" : "bad", GL_ID_MAX);
		return -1;
	}
	if (!id_ok(job)) {
		snprintf(err, errlen, "CUSTOM_ENV_CI_JOB_ID is %s, not 1-%d "
		    "digits", job == NULL ? "unset" : "bad", GL_ID_MAX);
		return -1;
	}
	if ((size_t)snprintf(buf, len, "gl-%s-%s", runner, job) >= len ||
	    !valid_vm_name(buf)) {
		snprintf(err, errlen, "no VM name fits the runner and job "
		    "ids");
		return -1;
	}
	return 0;
}

int
gl_exit_code(const char *s, int dflt)
{
	char	*end;
	long	 v;

	if (s == NULL || s[0] < '0' || s[0] > '9')
		return dflt;
	v = strtol(s, &end, 10);
	return *end == '\0' && v >= 1 && v <= 255 ? (int)v : dflt;
}

int
gl_run_status(int rc, int exited, int build, int system)
{
	if (!exited)
		return system;
	return rc == 0 ? 0 : build;
}

int
gl_image_check(const char *s, char *err, size_t errlen)
{
	if (s == NULL || s[0] == '\0' || valid_vm_name(s))
		return 0;
	if (strlen(s) <= IMAGE_REF_MAX && image_ref_like(s) &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-/:@+") == strlen(s))
		return 0;
	snprintf(err, errlen, "CUSTOM_ENV_CI_JOB_IMAGE is neither a banger "
	    "image name (a-z, 0-9 and '-') nor an image reference");
	return -1;
}

int
gl_spec(const char *vcpu, const char *mem, const char *disk,
    uint64_t *vcpus, uint64_t *memory_mib, uint64_t *disk_mib, char *err,
    size_t errlen)
{
	int64_t	 n;

	*vcpus = *memory_mib = *disk_mib = 0;
	if (vcpu != NULL && vcpu[0] != '\0') {
		n = parse_size_mib(vcpu);
		if (n < 1 || n > VM_VCPUS_MAX ||
		    vcpu[strspn(vcpu, "0123456789")] != '\0') {
			snprintf(err, errlen, "BANGER_VCPU: give a number from "
			    "1 to %d", VM_VCPUS_MAX);
			return -1;
		}
		*vcpus = n;
	}
	if (mem != NULL && mem[0] != '\0') {
		if ((n = parse_size_mib(mem)) < 128 || n > VM_MEMORY_MAX) {
			snprintf(err, errlen, "BANGER_MEMORY: give a size from "
			    "128M to 1T, e.g. 512M or 2G");
			return -1;
		}
		*memory_mib = n;
	}
	if (disk != NULL && disk[0] != '\0') {
		if ((n = parse_size_mib(disk)) < 256 ||
		    (uint64_t)n > VM_DISK_MAX) {
			snprintf(err, errlen, "BANGER_DISK_SIZE: give a size "
			    "from 256M to 16T, e.g. 8G");
			return -1;
		}
		*disk_mib = n;
	}
	return 0;
}

json_t *
gl_config_json(const char *vm, const char *version)
{
	json_t	*o;

	/*
	 * The builds are in the VM, which no other job shares.  The
	 * hostname is the VM's: the runner shows it in the job's metadata.
	 */
	o = json_pack("{s:s, s:s, s:b, s:{s:s, s:s}}",
	    "builds_dir", GL_BUILDS_DIR, "cache_dir", GL_CACHE_DIR,
	    "builds_dir_is_shared", 0,
	    "driver", "name", "banger", "version", version);
	if (o == NULL || vm == NULL)
		return o;
	if (json_object_set_new(o, "hostname", json_string(vm)) == -1 ||
	    json_object_set_new(o, "job_env", json_pack("{s:s}", "BANGER_VM",
	    vm)) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}
