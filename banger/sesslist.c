/*
 * The guest's session list, a JSON array of objects, taken only as
 * agent/sv-cmd.c writes it: known keys with the right types, values in
 * range, each key a state needs and none it does not, no NUL in a
 * string, no name twice, at most SESS_LIST_MAX entries and
 * SESS_LIST_BYTES bytes.  Anything else is refused whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sesslist.h"

int
sess_name_ok(const char *s)
{
	size_t	 n = strlen(s);

	if (n == 0 || n > SESS_NAME_MAX || s[0] == '.' || s[0] == '-')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == n;
}

/* A string of at most max bytes, without NUL, copied into out. */
static int
get_str(json_t *o, const char *key, char *out, size_t max)
{
	json_t	*v = json_object_get(o, key);
	size_t	 n;

	if (!json_is_string(v))
		return -1;
	n = json_string_length(v);
	if (n > max || memchr(json_string_value(v), '\0', n) != NULL)
		return -1;
	memcpy(out, json_string_value(v), n);
	out[n] = '\0';
	return 0;
}

static int
get_int(json_t *o, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
	json_t	*v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

static int
one_of(const char *s, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

static int
entry(json_t *o, struct sess_info *si, char *err, size_t errlen)
{
	static const char *const keys[] = { "name", "state", "pid", "stdin",
	    "started", "command", "exit_status", "signal", NULL };
	static const char *const states[] = { "running", "exited", "killed",
	    "starting", "lost", NULL };
	static const char *const modes[] = { "pipe", "pty", "none", NULL };
	const char	*k;
	json_t		*v;
	size_t		 want;

	if (!json_is_object(o)) {
		snprintf(err, errlen, "an entry is not an object");
		return -1;
	}
	json_object_foreach(o, k, v)
		if (!one_of(k, keys)) {
			snprintf(err, errlen, "unknown key in an entry");
			return -1;
		}
	memset(si, 0, sizeof(*si));
	if (get_str(o, "name", si->name, SESS_NAME_MAX) == -1 ||
	    !sess_name_ok(si->name)) {
		snprintf(err, errlen, "an entry's name is missing or invalid");
		return -1;
	}
	if (get_str(o, "state", si->state, sizeof(si->state) - 1) == -1 ||
	    !one_of(si->state, states)) {
		snprintf(err, errlen, "session %s: bad state", si->name);
		return -1;
	}
	want = 2;
	if (strcmp(si->state, "starting") != 0) {
		if (get_int(o, "pid", 1, INT32_MAX, &si->pid) == -1 ||
		    get_str(o, "stdin", si->stdin_mode,
		    sizeof(si->stdin_mode) - 1) == -1 ||
		    !one_of(si->stdin_mode, modes) ||
		    get_int(o, "started", 0, INT64_MAX, &si->started) == -1 ||
		    get_str(o, "command", si->command, SESS_CMD_MAX) == -1) {
			snprintf(err, errlen, "session %s: bad pid, stdin, "
			    "started or command", si->name);
			return -1;
		}
		want += 4;
	}
	if (strcmp(si->state, "exited") == 0) {
		if (get_int(o, "exit_status", 0, 255, &si->exit_status) == -1) {
			snprintf(err, errlen, "session %s: bad exit_status",
			    si->name);
			return -1;
		}
		si->exited = 1;
		want++;
	} else if (strcmp(si->state, "killed") == 0) {
		if (get_int(o, "signal", 1, 64, &si->signal) == -1) {
			snprintf(err, errlen, "session %s: bad signal",
			    si->name);
			return -1;
		}
		si->killed = 1;
		want++;
	}
	/* Every key known and read: none other is there. */
	if (json_object_size(o) != want) {
		snprintf(err, errlen, "session %s: keys that do not belong to "
		    "its state", si->name);
		return -1;
	}
	return 0;
}

int
sess_list_parse(const char *buf, size_t len, struct sess_info **out,
    size_t *np, char *err, size_t errlen)
{
	struct sess_info	*v = NULL;
	json_error_t		 je;
	json_t			*j;
	size_t			 i, k, n;

	*out = NULL;
	*np = 0;
	if (len > SESS_LIST_BYTES) {
		snprintf(err, errlen, "the list is longer than %d bytes",
		    SESS_LIST_BYTES);
		return -1;
	}
	if ((j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je)) == NULL ||
	    !json_is_array(j)) {
		snprintf(err, errlen, "the list is not a JSON array");
		json_decref(j);
		return -1;
	}
	n = json_array_size(j);
	if (n > SESS_LIST_MAX) {
		snprintf(err, errlen, "more than %d sessions", SESS_LIST_MAX);
		goto fail;
	}
	if (n > 0 && (v = calloc(n, sizeof(*v))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		if (entry(json_array_get(j, i), &v[i], err, errlen) == -1)
			goto fail;
		for (k = 0; k < i; k++)
			if (strcmp(v[k].name, v[i].name) == 0) {
				snprintf(err, errlen, "session %s listed "
				    "twice", v[i].name);
				goto fail;
			}
	}
	json_decref(j);
	*out = v;
	*np = n;
	return 0;
fail:
	free(v);
	json_decref(j);
	return -1;
}
