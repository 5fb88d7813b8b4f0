/*
 * The web view's per-user token: 32 random bytes as 64 hex digits in a
 * 0600 file of the user's state directory.  bangerd makes it; banger web
 * prints it; banger-web gets it as an open descriptor.
 */
#ifndef BANGER_WEBTOKEN_H
#define BANGER_WEBTOKEN_H

#include <stddef.h>

#define WEB_TOKEN_BYTES	32
#define WEB_TOKEN_LEN	(2 * WEB_TOKEN_BYTES)	/* hex digits */

/* Make the file at path unless a good one is there.  0, or -1 and err. */
int	web_token_make(const char *, char *, size_t);
/* Replace a good one, or make it: a new token.  0, or -1 and err. */
int	web_token_renew(const char *, char *, size_t);
/*
 * Read and check it (a regular file of ours, no group or other access,
 * exactly the digits and a newline) into out[WEB_TOKEN_LEN + 1].
 */
int	web_token_read(const char *, char *, char *, size_t);
int	web_token_readfd(int, char *, char *, size_t);

#endif
