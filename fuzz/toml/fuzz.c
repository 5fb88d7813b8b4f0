/*
 * toml_parse() over arbitrary bytes.  The callback reads every byte of
 * every value it is handed, so ASan sees any dangling or short string.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static size_t
touch_value(const struct toml_value *v, int inarray)
{
	size_t	 sum = 0, i;

	switch (v->type) {
	case TOML_STRING:
		return strlen(v->s);
	case TOML_INT:
		return (size_t)v->i;
	case TOML_BOOL:
		if (v->b != 0 && v->b != 1)
			abort();
		return v->b;
	case TOML_ARRAY:
		if (inarray || v->n > TOML_MAX_ARRAY)
			abort();
		for (i = 0; i < v->n; i++) {
			if (i > 0 && v->a[i].type != v->a[0].type)
				abort();	/* mixed arrays are refused */
			sum += touch_value(&v->a[i], 1);
		}
		return sum;
	}
	abort();
}

static int
touch(const char *table, int index, const char *key,
    const struct toml_value *v, unsigned line, void *arg, char *err,
    size_t errlen)
{
	size_t	*sum = arg;

	if (*key == '\0' || line == 0 || index < -1)
		abort();
	*sum += strlen(table) + strlen(key) + line + touch_value(v, 0);
	/* Let some inputs exercise the stop path. */
	if (strcmp(key, "stop") == 0) {
		snprintf(err, errlen, "stopped");
		return -1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 err[128];
	size_t	 sum = 0;
	int	 rc;

	rc = toml_parse((const char *)data, size, touch, &sum, err,
	    sizeof(err));
	if (rc == 0 && err[0] != '\0')
		abort();
	if (rc == -1 && strncmp(err, "line ", 5) != 0 &&
	    strcmp(err, "stopped") != 0)
		abort();
	if (rc != 0 && rc != -1)
		abort();
	return 0;
}
