/*
 * Docker credential helpers for `image pull` (credhelper.c).
 */
#ifndef BANGER_CREDHELPER_H
#define BANGER_CREDHELPER_H

#include <stddef.h>

/*
 * When the credentials file at path sends host to a credential helper
 * (credHelpers, credsStore): the helper run, its answer written to a new
 * auth file whose path is put in tmp (the caller unlinks it), 0.  1 when
 * no helper applies (use path as it is); 2 when the helper has nothing
 * for host (pull anonymously); -1 after a message.
 */
int	cred_helper_auth(const char *, const char *, char *, size_t);
/* Whether a key of an auths or credHelpers object names host. */
int	cred_key_names(const char *, const char *);

#endif
