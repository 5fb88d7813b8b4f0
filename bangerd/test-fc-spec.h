/*
 * Test-only: checks Firecracker API requests against the Swagger 2.0 spec
 * (../shared/firecracker/firecracker-api-*.yaml).  Named test-* so it is
 * never linked into bangerd.
 */
#ifndef BANGERD_TEST_FC_SPEC_H
#define BANGERD_TEST_FC_SPEC_H

#include <stddef.h>

struct fc_spec;

struct fc_spec	*fc_spec_load(const char *, char *, size_t);
void		 fc_spec_free(struct fc_spec *);
/*
 * 0 when method+path is an operation of the spec and the JSON body (NULL
 * for none) matches its body schema: required properties present, no
 * properties the definition lacks, no readOnly ones, types, enums,
 * minimum/maximum; and a {param} in the path equals a body property of
 * the same name.  -1 with the first violation in err.
 */
int		 fc_spec_check(struct fc_spec *, const char *, const char *,
		    const char *, char *, size_t);

#endif
