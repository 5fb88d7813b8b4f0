/*
 * What a registry sends as a manifest, index or image config, through
 * banger-fetch/oci-manifest.c: each parser either refuses with a message
 * or returns values inside the bounds the client relies on (digests
 * well formed, sizes bounded, at most OCI_LAYERS_MAX layers, env entries
 * KEY=value, an absolute or empty WorkingDir).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_manifest	 m;
	struct oci_desc		 d;
	struct oci_config	 c;
	const char		*buf = (const char *)data;
	char			 err[512];
	size_t			 i;
	int			 k;

	err[0] = '\0';
	k = oci_manifest_kind(size > 0 && data[0] & 1 ?
	    "application/vnd.oci.image.index.v1+json" : NULL, buf, size, err,
	    sizeof(err));
	if (k == -1 ? err[0] == '\0' : k != OCI_KIND_MANIFEST &&
	    k != OCI_KIND_INDEX)
		abort();
	err[0] = '\0';
	if (oci_manifest_parse(buf, size, &m, err, sizeof(err)) == 0) {
		if (!oci_digest_valid(m.config.digest) ||
		    m.config.size > OCI_CONFIG_MAX || m.nlayers == 0 ||
		    m.nlayers > OCI_LAYERS_MAX)
			abort();
		for (i = 0; i < m.nlayers; i++)
			if (!oci_digest_valid(m.layers[i].digest) ||
			    m.layers[i].size > (16ull << 30) ||
			    m.layers[i].comp > OCI_COMP_ZSTD)
				abort();
	} else if (err[0] == '\0' || m.nlayers != 0)
		abort();
	err[0] = '\0';
	if (oci_index_pick(buf, size, &d, err, sizeof(err)) == 0) {
		if (!oci_digest_valid(d.digest) || d.size > OCI_MANIFEST_MAX)
			abort();
	} else if (err[0] == '\0')
		abort();
	err[0] = '\0';
	if (oci_config_parse(buf, size, &c, err, sizeof(err)) == 0) {
		if (c.nenv > OCI_ENV_MAX || (c.workdir[0] != '\0' &&
		    c.workdir[0] != '/'))
			abort();
		for (i = 0; i < c.nenv; i++)
			if (strchr(c.env[i], '=') == NULL ||
			    c.env[i][0] == '=')
				abort();
		oci_config_free(&c);
	} else if (err[0] == '\0' || c.nenv != 0)
		abort();
	return 0;
}
