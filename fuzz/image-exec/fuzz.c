/*
 * A pulled image's exec file as bangerd reads it (bangerd/image-exec.c):
 * whatever the bytes, either a refusal or entries within the bounds the
 * agent's AG_EXEC takes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image-exec.h"
#include "proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_exec	 ie;
	char			 err[256];
	size_t			 i;

	if (image_exec_parse((const char *)data, size, &ie, err,
	    sizeof(err)) == -1)
		return 0;
	if (ie.nenv > IMAGE_EXEC_ENV_MAX || strlen(ie.workdir) >=
	    sizeof(ie.workdir) || (ie.workdir[0] != '\0' &&
	    ie.workdir[0] != '/'))
		abort();
	for (i = 0; i < ie.nenv; i++)
		if (strlen(ie.env[i]) > BANGER_STRMAX ||
		    strchr(ie.env[i], '=') == NULL || ie.env[i][0] == '=')
			abort();
	if (ie.nenv > 0 && ie.env[ie.nenv] != NULL)
		abort();
	image_exec_free(&ie);
	return 0;
}
