/*
 * The rules every path of a workspace's file list must pass, in bangerd
 * (vm_ws_files) and again in banger-fetch (ws_copy_one): valid_ws_path(),
 * with valid_path_component() and valid_abs_path() beside it.  The input
 * is a file list as the CLI sends it, NUL-separated; each entry is held
 * to a plain restatement of the rules written here, and an accepted path
 * must stay beneath the repository and outside its .git directory.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "valid.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define WS_PATH_MAX	4096
#define NAME_MAX_LEN	255

/* One component: 1-255 bytes, not "." or "..". */
static int
comp_ok(const char *c, size_t n)
{
	if (n == 0 || n > NAME_MAX_LEN)
		return 0;
	if (strncmp(c, ".", n) == 0 && n == 1)
		return 0;
	if (n == 2 && c[0] == '.' && c[1] == '.')
		return 0;
	return 1;
}

static int
model_ws(const char *s)
{
	size_t	 len = strlen(s), i, start;

	if (len == 0 || len >= WS_PATH_MAX || s[0] == '/')
		return 0;
	for (start = 0, i = 0; i <= len; i++) {
		if (i < len && s[i] != '/')
			continue;
		if (!comp_ok(s + start, i - start))
			return 0;
		if (i < len && i - start == 4 &&
		    memcmp(s + start, ".git", 4) == 0)
			return 0;
		start = i + 1;
	}
	return 1;
}

static int
model_abs(const char *s, size_t size)
{
	size_t	 len = strlen(s), i, start;

	if (s[0] != '/' || len >= size)
		return 0;
	if (len == 1)
		return 1;
	for (start = 1, i = 1; i <= len; i++) {
		if (i < len && s[i] != '/')
			continue;
		if (!comp_ok(s + start, i - start))
			return 0;
		start = i + 1;
	}
	return 1;
}

static int
model_comp(const char *s)
{
	return strchr(s, '/') == NULL && comp_ok(s, strlen(s));
}

/* What an accepted path means: a walk that never leaves the repository. */
static void
check_beneath(const char *s)
{
	const char	*c = s, *slash;
	long		 depth = 0;

	if (strstr(s, "//") != NULL || strncmp(s, ".git/", 5) == 0 ||
	    strstr(s, "/.git/") != NULL)
		abort();
	for (;;) {
		slash = strchr(c, '/');
		if ((slash ? (size_t)(slash - c) : strlen(c)) == 2 &&
		    c[0] == '.' && c[1] == '.')
			depth--;
		else
			depth++;
		if (depth < 1)
			abort();
		if (slash == NULL)
			break;
		c = slash + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*list, *p, *end;
	size_t		 n;
	int		 ws;

	if ((list = malloc(size + 1)) == NULL)
		return 0;
	memcpy(list, data, size);
	list[size] = '\0';
	end = list + size;
	for (p = list; p <= end; p += n + 1) {
		n = strlen(p);
		ws = valid_ws_path(p);
		if (ws != model_ws(p))
			abort();
		if (ws)
			check_beneath(p);
		if (valid_path_component(p) != model_comp(p))
			abort();
		if (valid_abs_path(p, WS_PATH_MAX) != model_abs(p,
		    WS_PATH_MAX) || valid_abs_path(p, 108) !=
		    model_abs(p, 108))
			abort();
		if (p == end)
			break;
	}
	free(list);
	return 0;
}
