/*
 * oci-get: banger-fetch's registry client (banger-fetch/oci-*.c) on its
 * own, for regress/oci-client.sh.
 *
 *	oci-get [--auth FILE] REF CACHEDIR
 *
 * prints the manifest's digest, the image config's env, workdir, user
 * and platform, and each layer's digest, compression, size and cached
 * path; on failure the client's error on stderr and exit status 1.
 * Progress lines (fd 3 in banger-fetch) go to stderr.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdutil.h"
#include "fetch.h"
#include "oci.h"

static const char *comps[] = { "none", "gzip", "zstd" };

static int
config(struct oci_reg *reg, const struct oci_desc *d, const char *cache,
    char *err, size_t errsz)
{
	struct oci_config	 c;
	char			 path[PATH_MAX], *buf;
	ssize_t			 n;
	size_t			 i;
	int			 fd;

	if (oci_reg_blob(reg, d, cache, path, sizeof(path), NULL, err,
	    errsz) == -1)
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    (buf = malloc(OCI_CONFIG_MAX)) == NULL) {
		snprintf(err, errsz, "%s: cannot read", path);
		return -1;
	}
	n = read_all(fd, buf, OCI_CONFIG_MAX);
	close(fd);
	if (n < 0 || oci_config_parse(buf, (size_t)n, &c, err, errsz) == -1) {
		free(buf);
		return -1;
	}
	free(buf);
	printf("platform %s/%s\n", c.os, c.arch);
	for (i = 0; i < c.nenv; i++)
		printf("env %s\n", c.env[i]);
	printf("workdir %s\nuser %s\n", c.workdir, c.user);
	oci_config_free(&c);
	return 0;
}

int
main(int argc, char **argv)
{
	struct oci_ref		 ref;
	struct oci_manifest	 m;
	struct oci_reg		*reg;
	char			 err[1024], digest[OCI_DIGEST_MAX];
	char			 path[PATH_MAX];
	const char		*auth = NULL;
	size_t			 i;

	if (argc > 2 && strcmp(argv[1], "--auth") == 0) {
		auth = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: oci-get [--auth FILE] REF CACHEDIR\n");
		return 2;
	}
	/* banger-fetch reports progress on fd 3; here it is stderr. */
	if (dup2(2, STATUS_FD) == -1)
		return 1;
	if (oci_ref_parse(argv[1], &ref, err, sizeof(err)) == -1 ||
	    (reg = oci_reg_open(&ref, auth, err, sizeof(err))) == NULL) {
		fprintf(stderr, "oci-get: %s\n", err);
		return 1;
	}
	printf("ref %s %s %s %s %s\n", ref.host, ref.repo, ref.tag[0] ?
	    ref.tag : "-", ref.digest[0] ? ref.digest : "-",
	    ref.plain_http ? "http" : "https");
	if (oci_reg_manifest(reg, &m, digest, err, sizeof(err)) == -1)
		goto fail;
	printf("manifest %s\nconfig %s %llu\n", digest, m.config.digest,
	    (unsigned long long)m.config.size);
	if (config(reg, &m.config, argv[2], err, sizeof(err)) == -1)
		goto fail;
	for (i = 0; i < m.nlayers; i++) {
		if (oci_reg_blob(reg, &m.layers[i], argv[2], path,
		    sizeof(path), NULL, err, sizeof(err)) == -1)
			goto fail;
		printf("layer %s %s %llu %s\n", m.layers[i].digest,
		    comps[m.layers[i].comp],
		    (unsigned long long)m.layers[i].size, path);
	}
	oci_reg_close(reg);
	return 0;
fail:
	fprintf(stderr, "oci-get: %s\n", err);
	oci_reg_close(reg);
	return 1;
}
