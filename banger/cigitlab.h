/*
 * The pure half of `banger ci gitlab`: what GitLab Runner's custom
 * executor contract asks of names, exit codes and the config JSON.
 * Everything here reads values the runner (and so the job's author)
 * sets, and checks them before they name a VM or an image.
 */
#ifndef BANGER_CIGITLAB_H
#define BANGER_CIGITLAB_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define GL_BUILDS_DIR	"/root/builds"
#define GL_CACHE_DIR	"/root/cache"
#define GL_ID_MAX	19	/* digits of a GitLab id (a 64-bit integer) */

/* Defaults when the runner did not set the codes (not run by it). */
#define GL_BUILD_FAILURE_DEFAULT	1
#define GL_SYSTEM_FAILURE_DEFAULT	2

/*
 * The job's VM name, "gl-RUNNER-JOB", from CI_RUNNER_ID and CI_JOB_ID
 * (1-19 digits each): a job id is unique on its GitLab instance and the
 * runner id keeps two instances' runners on one host apart.  0, or -1
 * with err set.
 */
int	 gl_vm_name(const char *, const char *, char *, size_t, char *, size_t);

/* BUILD_FAILURE_EXIT_CODE or SYSTEM_FAILURE_EXIT_CODE: 1-255, else dflt. */
int	 gl_exit_code(const char *, int);

/*
 * run's exit status: 0 if the script exited 0, build if it exited
 * otherwise (or was killed in the guest), system if banger could not run
 * it or lost it (exited 0: the status is banger's own).
 */
int	 gl_run_status(int, int, int, int);

/*
 * CI_JOB_IMAGE: "" (none: the default image), a banger image name, or
 * an image reference to pull; 0, or -1 with err set.
 */
int	 gl_image_check(const char *, char *, size_t);

/*
 * BANGER_VCPU, BANGER_MEMORY, BANGER_DISK_SIZE (each NULL or "": the
 * default, reported as 0) as --vcpu, --memory and --disk-size take
 * them; 0, or -1 with err set.
 */
int	 gl_spec(const char *, const char *, const char *, uint64_t *,
	    uint64_t *, uint64_t *, char *, size_t);

/* config's JSON for the job's VM (NULL: no job ids, no VM named). */
json_t	*gl_config_json(const char *, const char *);

#endif
