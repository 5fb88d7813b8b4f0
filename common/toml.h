/*
 * A small, strict reader for the TOML subset banger's config.toml uses:
 * comments, [table] and [[array.of.tables]] headers (bare keys, dotted),
 * and key = value where value is a basic "string" (escapes \" \\ \n \t
 * \uXXXX), a literal 'string', a decimal integer, true/false, or a
 * one-line array of those scalars.  Everything else is an error with the
 * line number.  Duplicate keys in one table are errors.
 */
#ifndef BANGER_TOML_H
#define BANGER_TOML_H

#include <stddef.h>
#include <stdint.h>

#define TOML_MAX_INPUT	(256 * 1024)
#define TOML_MAX_ARRAY	64

enum toml_vtype { TOML_STRING, TOML_INT, TOML_BOOL, TOML_ARRAY };

struct toml_value {
	enum toml_vtype		 type;
	const char		*s;	/* TOML_STRING: NUL-terminated */
	int64_t			 i;	/* TOML_INT */
	int			 b;	/* TOML_BOOL */
	const struct toml_value	*a;	/* TOML_ARRAY elements */
	size_t			 n;	/* TOML_ARRAY length */
};

/*
 * Called once per key/value, in file order.  table is "" for the root,
 * else the header's dotted name; index is the element number for [[x]]
 * tables (0-based) and -1 for plain tables.  Return 0 to go on, -1 to stop
 * (the callback then writes its own message to err).
 */
typedef int (*toml_cb)(const char *table, int index, const char *key,
    const struct toml_value *, unsigned line, void *arg, char *err,
    size_t errlen);

/* Returns 0, or -1 with "line N: reason" (or the callback's text) in err. */
int	toml_parse(const char *, size_t, toml_cb, void *, char *, size_t);

#endif
