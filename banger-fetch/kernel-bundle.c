/*
 * Kernel bundles, the way a catalog shares a guest kernel (`banger
 * kernel bundle`, `banger kernel pull`): tar + zstd of manifest.json,
 * vmlinux and, when the kernel has modules, modules.cpio.  Made by
 * bundle_kernel_main (kernel-bundle-make.c) from a kernel directory
 * `banger kernel import` wrote; read back here by kbundle_unpack_fd as
 * less trusted bytes with the reader image bundles use (bundle-read.c):
 * exactly those members, regular
 * files once each, bounded, written to fixed names in a directory, so
 * that no member's name ever reaches the host's file system.  What the
 * files hold is checked by their own readers (kernel_elf_check,
 * kernel_modules_check), both before bundling and after unpacking.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bundle.h"
#include "kernel.h"

/* [A-Za-z0-9._+-], 1..KERNEL_RELEASE_MAX bytes. */
int
kb_release_valid(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || n > KERNEL_RELEASE_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((s[i] < 'a' || s[i] > 'z') && (s[i] < 'A' || s[i] > 'Z') &&
		    (s[i] < '0' || s[i] > '9') && strchr("._+-", s[i]) == NULL)
			return 0;
	return 1;
}

int
kbundle_manifest_parse(const char *buf, size_t len, struct kbundle_manifest *m,
    char *err, size_t errsz)
{
	static const char *const keys[] = { "name", "release", "created",
	    NULL };
	json_t		*root, *v;
	int		 rc = -1;

	memset(m, 0, sizeof(*m));
	if ((root = bundle_manifest_load(buf, len, KBUNDLE_MANIFEST_MAX, keys,
	    m->name, &m->created, err, errsz)) == NULL)
		return -1;
	v = json_object_get(root, "release");
	if (!json_is_string(v) || !kb_release_valid(json_string_value(v),
	    json_string_length(v)) || strlen(json_string_value(v)) !=
	    json_string_length(v)) {
		snprintf(err, errsz, "manifest.json has no release or a bad one "
		    "([A-Za-z0-9._+-], at most %d bytes)", KERNEL_RELEASE_MAX);
		goto out;
	}
	snprintf(m->release, sizeof(m->release), "%s", json_string_value(v));
	rc = 0;
out:
	json_decref(root);
	return rc;
}

static int
kb_manifest(void *arg, const char *buf, size_t len, char *err, size_t errsz)
{
	return kbundle_manifest_parse(buf, len, arg, err, errsz);
}

int
kbundle_unpack_fd(int fd, const char *outdir, const char *name,
    struct kbundle_manifest *m, char *err, size_t errsz)
{
	static const struct bundle_member members[] = {
		{ "vmlinux", KERNEL_VMLINUX_MAX, 1, 0 },
		{ "modules.cpio", KERNEL_MODULES_CPIO_MAX, 0, 0 },
	};
	struct bundle_spec	 s = {
		.members = members,
		.n = 2,
		.holds = "a kernel bundle holds only manifest.json, vmlinux "
		    "and modules.cpio",
		.manifest_max = KBUNDLE_MANIFEST_MAX,
		.manifest = kb_manifest,
		.arg = m,
		.got = m->name,
		.want = name,
	};
	int			 dfd, rc;

	memset(m, 0, sizeof(*m));
	if ((dfd = open(outdir, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errsz, "%s: %s", outdir, strerror(errno));
		return -1;
	}
	if ((rc = bundle_read_fd(fd, dfd, &s, err, errsz)) == -1)
		memset(m, 0, sizeof(*m));
	close(dfd);
	return rc;
}
