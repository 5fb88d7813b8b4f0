/*
 * banger-fetch pull-image NAME OUTDIR KERNELDIR CACHEDIR REF SIZE_MIB
 * [AUTHFILE]: an OCI or docker image made a bootable banger image.
 *
 * The manifest (an index resolved to linux/amd64), the config and the
 * layers come through oci-registry.c into the blob cache, each checked
 * against its digest; the layers are applied in order to a new ext4 with
 * libext2fs (layer-*.c), nothing mounted and nothing of them written to
 * the host's file system.  The root boots like a registered one: the
 * tiny image's kernel and initramfs, banger's agent as its init (the
 * "agent-init" marker).  What the config says about commands (Env,
 * WorkingDir, User) goes to the "exec" file, which bangerd reads again
 * strictly; nothing of the image drives an action on the host.
 *
 * Writes go only to OUTDIR and CACHEDIR, reads only to them, the
 * system's files, KERNELDIR and AUTHFILE (Landlock), and where the kernel
 * can, TCP connections only to the registry's port and 443 (a token
 * service or a blob store it redirects to).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdutil.h"
#include "fetch.h"
#include "image.h"
#include "layer.h"
#include "oci.h"
#include "proto.h"
#include "valid.h"

#define MIB		(1024ULL * 1024)
#define SIZE_MIN_MIB	1024ULL
/* Env bytes carried over: AG_EXEC and bangerd's exec file bound them. */
#define EXEC_ENV_BYTES	(64 * 1024)

struct pull {
	const char		*name;
	const char		*out;
	const char		*kdir;
	const char		*cache;
	const char		*auth;		/* NULL: anonymous */
	uint64_t		 size_mib;	/* 0: from the layers */
	struct oci_ref		 ref;
	struct oci_reg		*reg;
	struct oci_manifest	 m;
	struct oci_config	 cfg;
	char			 digest[OCI_DIGEST_MAX];
	/* Each layer's blob as hashed: read from these, not by name. */
	int			 blobfd[OCI_LAYERS_MAX];
};

/*
 * A blob of the cache from fd (which is closed), whole, at most max
 * bytes, NUL-terminated.
 */
static char *
read_blob(int fd, size_t max, size_t *len)
{
	char	*buf;
	ssize_t	 n;
	int	 e;

	if ((buf = malloc(max + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	n = read_all(fd, buf, max + 1);
	e = n < 0 ? errno : EFBIG;
	close(fd);
	if (n < 0 || (size_t)n > max) {
		free(buf);
		errno = e;
		return NULL;
	}
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

static int
fetch_config(struct pull *p)
{
	char	 path[PATH_MAX], err[512], *buf;
	size_t	 len;
	int	 fd;

	status_progress("fetching the image's config");
	if (oci_reg_blob(p->reg, &p->m.config, p->cache, path, sizeof(path),
	    &fd, err, sizeof(err)) == -1) {
		status_error("the image's config: %s", err);
		return -1;
	}
	if ((buf = read_blob(fd, OCI_CONFIG_MAX, &len)) == NULL) {
		status_error("the image's config: %s", strerror(errno));
		return -1;
	}
	if (oci_config_parse(buf, len, &p->cfg, err, sizeof(err)) == -1) {
		free(buf);
		status_error("the image's config: %s", err);
		return -1;
	}
	free(buf);
	if (strcmp(p->cfg.os, "linux") != 0 ||
	    strcmp(p->cfg.arch, "amd64") != 0) {
		status_error("the image is for %s/%s; banger runs linux/amd64 "
		    "guests", p->cfg.os, p->cfg.arch);
		return -1;
	}
	return 0;
}

/*
 * The root's size when none is given: the compressed layers four times
 * over plus 1 GiB, at least SIZE_MIN_MIB; the file is sparse, so room
 * costs nothing until it is written.
 */
static uint64_t
root_size_mib(const struct pull *p)
{
	uint64_t	 total = 0, mib;
	size_t		 i;

	if (p->size_mib != 0)
		return p->size_mib;
	for (i = 0; i < p->m.nlayers; i++)
		total += p->m.layers[i].size;
	mib = (total / MIB) * 4 + 1024;
	if (mib < SIZE_MIN_MIB)
		mib = SIZE_MIN_MIB;
	return mib > VM_DISK_MAX ? VM_DISK_MAX : mib;
}

static int
fetch_layers(struct pull *p)
{
	char		 path[PATH_MAX], err[512];
	uint64_t	 total = 0;
	size_t		 i;

	for (i = 0; i < p->m.nlayers; i++)
		total += p->m.layers[i].size;
	/* Compressed layers bigger than the root cannot fit in it. */
	if (total > root_size_mib(p) * MIB) {
		status_error("the image's layers (%llu MiB compressed) are "
		    "larger than its root file system (%llu MiB): %s",
		    (unsigned long long)(total / MIB),
		    (unsigned long long)root_size_mib(p), p->size_mib != 0 ?
		    "pull again with a larger --size" : "it is too big");
		return -1;
	}
	status_progress("%zu layer(s), %llu MiB to fetch or find in the cache",
	    p->m.nlayers, (unsigned long long)((total + MIB - 1) / MIB));
	for (i = 0; i < p->m.nlayers; i++) {
		status_progress("layer %zu of %zu: %s (%llu MiB)", i + 1,
		    p->m.nlayers, p->m.layers[i].digest, (unsigned long long)
		    ((p->m.layers[i].size + MIB - 1) / MIB));
		if (oci_reg_blob(p->reg, &p->m.layers[i], p->cache, path,
		    sizeof(path), &p->blobfd[i], err, sizeof(err)) == -1) {
			status_error("layer %zu (%s): %s", i + 1,
			    p->m.layers[i].digest, err);
			return -1;
		}
	}
	return 0;
}

static int
make_root(struct pull *p)
{
	struct layer_fs	*fs;
	char		 img[PATH_MAX], err[512];
	uint64_t	 mib = root_size_mib(p);
	size_t		 i;
	int		 fd;

	snprintf(img, sizeof(img), "%s/rootfs.ext4", p->out);
	status_progress("making a %llu MiB ext4 root file system",
	    (unsigned long long)mib);
	if (layer_mkfs(img, mib * MIB, "oci-root", err, sizeof(err)) == -1) {
		status_error("mkfs: %s", err);
		return -1;
	}
	if ((fs = layer_fs_open(img, err, sizeof(err))) == NULL) {
		status_error("%s: %s", img, err);
		return -1;
	}
	for (i = 0; i < p->m.nlayers; i++) {
		status_progress("applying layer %zu of %zu", i + 1,
		    p->m.nlayers);
		fd = p->blobfd[i];
		p->blobfd[i] = -1;
		if (layer_apply(fs, fd, err, sizeof(err)) == -1) {
			close(fd);
			status_error("layer %zu (%s): %s", i + 1,
			    p->m.layers[i].digest, err);
			layer_fs_discard(fs);
			return -1;
		}
		close(fd);
	}
	if (layer_fs_close(fs, err, sizeof(err)) == -1) {
		status_error("%s: %s", img, err);
		return -1;
	}
	return 0;
}

/* Printable bytes only: bangerd refuses anything else in the file. */
static int
plain(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* An Env key bangerd and a shell take: [A-Za-z_][A-Za-z0-9_]*. */
static int
env_key_ok(const char *e)
{
	const char	*eq = strchr(e, '=');
	const char	*s;

	if (eq == NULL || eq == e || (e[0] >= '0' && e[0] <= '9'))
		return 0;
	for (s = e; s < eq; s++)
		if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
			return 0;
	return 1;
}

/* OUTDIR/exec (bangerd's image-exec.c reads it) and OUTDIR/source. */
static int
write_exec(struct pull *p)
{
	char	 path[PATH_MAX];
	FILE	*f;
	size_t	 i, n = 0, len, bytes = 0;

	if (!plain(p->cfg.workdir) || !plain(p->cfg.user) ||
	    strchr(p->cfg.user, ' ') != NULL) {
		status_error("the image's WorkingDir or User has a control "
		    "character or a space");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/exec", p->out);
	if ((f = fopen(path, "wxe")) == NULL) {
		status_error("%s: %s", path, strerror(errno));
		return -1;
	}
	/* docker's default working directory is /. */
	fprintf(f, "workdir %s\n", p->cfg.workdir[0] == '/' ?
	    p->cfg.workdir : "/");
	if (p->cfg.user[0] != '\0')
		fprintf(f, "user %s\n", p->cfg.user);
	for (i = 0; i < p->cfg.nenv; i++) {
		len = strlen(p->cfg.env[i]);
		if (!env_key_ok(p->cfg.env[i]) || !plain(p->cfg.env[i]) ||
		    len > BANGER_STRMAX || n >= 200 ||
		    bytes + len > EXEC_ENV_BYTES) {
			status_progress("not carried over: the image's Env "
			    "entry %.40s... (a name a shell cannot take, a "
			    "control character, or more than 200 entries or "
			    "64 KiB)", p->cfg.env[i]);
			continue;
		}
		fprintf(f, "env %s\n", p->cfg.env[i]);
		bytes += len;
		n++;
	}
	if (fflush(f) == EOF || fsync(fileno(f)) == -1 || fclose(f) == EOF) {
		status_error("%s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/source", p->out);
	if ((f = fopen(path, "wxe")) == NULL) {
		status_error("%s: %s", path, strerror(errno));
		return -1;
	}
	/* The reference as normalised, with the digest it pins if any. */
	fprintf(f, "ref %s/%s%s%s%s%s\ndigest %s\n", p->ref.host,
	    p->ref.repo, p->ref.tag[0] != '\0' ? ":" : "", p->ref.tag,
	    p->ref.digest[0] != '\0' ? "@" : "", p->ref.digest, p->digest);
	if (fclose(f) == EOF) {
		status_error("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
finish(struct pull *p)
{
	char	 marker[PATH_MAX];
	int	 fd;

	status_progress("copying the kernel and initramfs");
	if (image_copy_file(p->kdir, p->out, "vmlinux") == -1 ||
	    image_copy_file(p->kdir, p->out, "initrd.img") == -1)
		return -1;
	snprintf(marker, sizeof(marker), "%s/agent-init", p->out);
	if ((fd = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) == -1 || write_all(fd, "banger's agent is this root's "
	    "init\n", 35) == -1 || close(fd) == -1) {
		status_error("%s: %s", marker, strerror(errno));
		return -1;
	}
	return write_exec(p);
}

/* The registry's port, and 443 for a token service or a blob store. */
static size_t
ports_for(const struct oci_ref *r, uint16_t ports[2])
{
	const char	*colon = strrchr(r->host, ':');
	long		 port;

	port = r->plain_http ? 80 : 443;
	if (colon != NULL && strchr(colon, ']') == NULL)
		port = strtol(colon + 1, NULL, 10);
	ports[0] = (uint16_t)port;
	ports[1] = 443;
	return port == 443 ? 1 : 2;
}

static int
pull(struct pull *p)
{
	char	 err[512];
	int	 rc = -1;

	status_progress("pulling %s/%s%s%s%s%s", p->ref.host, p->ref.repo,
	    p->ref.tag[0] != '\0' ? ":" : "", p->ref.tag,
	    p->ref.digest[0] != '\0' ? "@" : "", p->ref.digest);
	if ((p->reg = oci_reg_open(&p->ref, p->auth, err, sizeof(err))) ==
	    NULL) {
		status_error("%s", err);
		return -1;
	}
	if (oci_reg_manifest(p->reg, &p->m, p->digest, err, sizeof(err)) ==
	    -1) {
		status_error("%s", err);
		goto out;
	}
	status_progress("manifest %s", p->digest);
	if (fetch_config(p) == -1 || fetch_layers(p) == -1 ||
	    make_root(p) == -1 || finish(p) == -1)
		goto out;
	rc = 0;
out:
	oci_reg_close(p->reg);
	oci_config_free(&p->cfg);
	return rc;
}

int
pull_image_main(int argc, char **argv)
{
	struct pull	*p;
	struct fetch_confine fc;
	const char	*dirs[3], *reads[3];
	uint16_t	 ports[2];
	char		 err[256], blobs[PATH_MAX], *end;
	unsigned	 n;
	int		 rc;

	if (argc != 7 && argc != 8) {
		status_error("pull-image: wrong arguments");
		fprintf(stderr, "usage: banger-fetch pull-image NAME OUTDIR "
		    "KERNELDIR CACHEDIR REF SIZE_MIB [AUTHFILE]\n");
		return 2;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		status_error("out of memory");
		return 1;
	}
	p->name = argv[1];
	p->out = argv[2];
	p->kdir = argv[3];
	p->cache = argv[4];
	p->auth = argc == 8 ? argv[7] : NULL;
	errno = 0;
	p->size_mib = strtoull(argv[6], &end, 10);
	if (!valid_vm_name(p->name) || !valid_abs_path(p->out, PATH_MAX) ||
	    !valid_abs_path(p->kdir, PATH_MAX) ||
	    !valid_abs_path(p->cache, PATH_MAX) || (p->auth != NULL &&
	    !valid_abs_path(p->auth, PATH_MAX)) || errno != 0 ||
	    *end != '\0' || argv[6][0] == '\0' || p->size_mib > VM_DISK_MAX) {
		status_error("pull-image: a bad name, size or a path that is "
		    "not absolute and normalised");
		free(p);
		return 2;
	}
	if (oci_ref_parse(argv[5], &p->ref, err, sizeof(err)) == -1) {
		status_error("%s: %s", argv[5], err);
		free(p);
		return 2;
	}
	dirs[0] = p->out;
	dirs[1] = p->cache;
	dirs[2] = NULL;
	reads[0] = p->kdir;
	reads[1] = p->auth;
	reads[2] = NULL;
	fc.dirs = dirs;
	fc.reads = reads;
	fc.ports = ports;
	fc.nports = ports_for(&p->ref, ports);
	if (sandbox_fetch_confine(&fc, err, sizeof(err)) == -1) {
		status_error("sandbox: %s", err);
		free(p);
		return 1;
	}
	snprintf(blobs, sizeof(blobs), "%s/blobs/sha256", p->cache);
	if ((n = cache_sweep_partials(blobs, time(NULL), CACHE_PARTIAL_DAYS *
	    86400)) > 0)
		status_progress("removed %u download(s) left unfinished for "
		    "%d days", n, CACHE_PARTIAL_DAYS);
	rc = pull(p) == 0 ? 0 : 1;
	if (rc == 0)
		status_progress("image %s pulled (%s)", p->name, p->digest);
	free(p);
	return rc;
}
