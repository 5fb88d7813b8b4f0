/*
 * image-exec.c: a pulled image's Env, WorkingDir and User, as
 * banger-fetch wrote them in the image's "exec" file.
 */
#ifndef BANGERD_IMAGE_EXEC_H
#define BANGERD_IMAGE_EXEC_H

#include <stddef.h>

#define IMAGE_EXEC_ENV_MAX	200	/* below AG_EXEC's BANGER_ARGMAX */

struct image_exec {
	int	 present;	/* the image has an exec file */
	char	**env;		/* NULL-terminated; nenv entries */
	size_t	 nenv;
	char	 workdir[4096];	/* "" when the file says none */
	char	 user[256];	/* "" for root */
};

/* 0 (present 0 when the image has no exec file), or -1 with why. */
int	image_exec_load(const char *, struct image_exec *, char *, size_t);
int	image_exec_parse(const char *, size_t, struct image_exec *, char *,
	    size_t);
void	image_exec_free(struct image_exec *);

#endif
