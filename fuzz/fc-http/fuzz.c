/*
 * fc_http_parse() over arbitrary bytes, as a whole and then fed in pieces
 * the way a socket delivers them: the result must be the same, a DONE
 * response must lie inside the input and its body inside the response,
 * and NEED is only allowed below the caps.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../bangerd/fc-http.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fc_http_resp	 r, r2;
	char			 err[128], *copy;
	size_t			 step, len;
	int			 rc, rc2;

	if (size < 1 || size > FC_HTTP_HEAD_MAX + FC_HTTP_BODY_MAX + 64)
		return 0;
	step = data[0] % 16 + 1;
	data++;
	size--;
	/* An exact-size copy lets ASan catch any read past the end. */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	rc = fc_http_parse(copy, size, &r, err, sizeof(err));
	if (rc == FC_HTTP_DONE) {
		if (r.total > size || r.status < 200 || r.status > 599 ||
		    r.body_len > FC_HTTP_BODY_MAX ||
		    r.body < copy || r.body + r.body_len > copy + r.total)
			abort();
	}
	if (rc == FC_HTTP_NEED && size >= FC_HTTP_HEAD_MAX + FC_HTTP_BODY_MAX)
		abort();
	/* Growing prefixes: NEED until the first decision, then the same. */
	for (len = 0; len < size; len += step) {
		rc2 = fc_http_parse(copy, len, &r2, err, sizeof(err));
		if (rc2 == FC_HTTP_NEED)
			continue;
		if (rc2 != rc)
			abort();
		if (rc2 == FC_HTTP_DONE && (r2.total != r.total ||
		    r2.status != r.status))
			abort();
		break;
	}
	free(copy);
	return 0;
}
