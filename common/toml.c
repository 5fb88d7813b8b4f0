/*
 * A strict reader for the TOML subset described in toml.h.  All working
 * memory comes from an arena released before toml_parse() returns, so the
 * caller never frees anything and callbacks copy what they keep.
 *
 * Tables, keys and [[array]] elements are nodes in one hash keyed by
 * (parent node, name); that is what catches keys defined twice, a table
 * defined twice and a name used both as a value and as a table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml.h"

#define ARENA_CHUNK	(16 * 1024)

struct chunk {
	struct chunk	*next;
	size_t		 size;
	size_t		 used;
	_Alignas(max_align_t) unsigned char data[];
};

enum nkind {
	N_VALUE,	/* key = value */
	N_IMPLICIT,	/* table named only as the prefix of a header */
	N_TABLE,	/* [table] */
	N_ARRAY,	/* [[table]] */
	N_ELEM,		/* one element of an N_ARRAY; never hashed */
};

struct node {
	const struct node	*parent;
	const char		*name;
	enum nkind		 kind;
	int			 count;	/* N_ARRAY: elements so far */
};

struct parser {
	const char		*p;
	const char		*end;
	unsigned		 line;
	struct chunk		*arena;
	struct node		**tab;
	size_t			 tabsize;
	size_t			 nnodes;
	struct node		 root;
	const struct node	*cur;	/* where key = value lands */
	const char		*table;
	int			 index;
	char			*err;
	size_t			 errlen;
};

static int	perr(struct parser *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static int
perr(struct parser *ps, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (ps->errlen == 0)
		return -1;
	n = snprintf(ps->err, ps->errlen, "line %u: ", ps->line);
	if (n >= 0 && (size_t)n < ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Describe the byte at the cursor for an error message. */
static const char *
here(const struct parser *ps, char *buf, size_t len)
{
	unsigned char	 c;

	if (ps->p >= ps->end)
		return "end of input";
	c = (unsigned char)*ps->p;
	if (c == '\n' || (c == '\r' && ps->p + 1 < ps->end &&
	    ps->p[1] == '\n'))
		return "end of line";
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, len, "'%c'", c);
	else
		snprintf(buf, len, "byte 0x%02x", c);
	return buf;
}

static void *
arena_alloc(struct parser *ps, size_t n)
{
	struct chunk	*c = ps->arena;
	size_t		 sz;
	void		*p;

	n = (n + _Alignof(max_align_t) - 1) & ~(_Alignof(max_align_t) - 1);
	if (c == NULL || c->size - c->used < n) {
		sz = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		if ((c = malloc(sizeof(*c) + sz)) == NULL) {
			perr(ps, "out of memory");
			return NULL;
		}
		c->size = sz;
		c->used = 0;
		c->next = ps->arena;
		ps->arena = c;
	}
	p = c->data + c->used;
	c->used += n;
	return p;
}

static size_t
hash(const struct node *parent, const char *name)
{
	size_t	 h = (size_t)(uintptr_t)parent * 0x9e3779b97f4a7c15ull;

	while (*name != '\0')
		h = (h ^ (unsigned char)*name++) * 0x100000001b3ull;
	return h;
}

static struct node **
slot(struct parser *ps, const struct node *parent, const char *name)
{
	size_t	 mask = ps->tabsize - 1, i = hash(parent, name) & mask;

	while (ps->tab[i] != NULL && (ps->tab[i]->parent != parent ||
	    strcmp(ps->tab[i]->name, name) != 0))
		i = (i + 1) & mask;
	return &ps->tab[i];
}

static struct node *
lookup(struct parser *ps, const struct node *parent, const char *name)
{
	return ps->tabsize == 0 ? NULL : *slot(ps, parent, name);
}

static struct node *
insert(struct parser *ps, const struct node *parent, const char *name,
    enum nkind kind)
{
	struct node	**old = ps->tab, *n;
	size_t		 oldsize = ps->tabsize, i;

	/* Keep the load factor under 1/2 so probe chains stay short. */
	if ((ps->nnodes + 1) * 2 > ps->tabsize) {
		ps->tabsize = oldsize ? oldsize * 2 : 64;
		if ((ps->tab = calloc(ps->tabsize, sizeof(*ps->tab))) == NULL) {
			ps->tab = old;
			ps->tabsize = oldsize;
			perr(ps, "out of memory");
			return NULL;
		}
		for (i = 0; i < oldsize; i++)
			if (old[i] != NULL)
				*slot(ps, old[i]->parent, old[i]->name) =
				    old[i];
		free(old);
	}
	if ((n = arena_alloc(ps, sizeof(*n))) == NULL)
		return NULL;
	n->parent = parent;
	n->name = name;
	n->kind = kind;
	n->count = 0;
	*slot(ps, parent, name) = n;
	ps->nnodes++;
	return n;
}

static int
is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static int
is_bare(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Length of the well-formed UTF-8 sequence at s, or 0. */
static size_t
utf8_len(const unsigned char *s, size_t avail)
{
	unsigned char	 lo = 0x80, hi = 0xbf;
	size_t		 n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else
		return 0;
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static void
skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
		ps->p++;
}

static int
at_eol(const struct parser *ps)
{
	return ps->p >= ps->end || *ps->p == '\n' || (*ps->p == '\r' &&
	    ps->p + 1 < ps->end && ps->p[1] == '\n');
}

/* After a line's content: blanks, an optional comment, then end of line. */
static int
expect_eol(struct parser *ps, const char *after)
{
	char	 buf[16];
	size_t	 n;

	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '#') {
		for (ps->p++; !at_eol(ps); ps->p += n) {
			if (is_ctl((unsigned char)*ps->p))
				return perr(ps, "control character 0x%02x in "
				    "comment", (unsigned char)*ps->p);
			if ((n = utf8_len((const unsigned char *)ps->p,
			    ps->end - ps->p)) == 0)
				return perr(ps, "invalid UTF-8 in comment");
		}
	}
	if (!at_eol(ps))
		return perr(ps, "unexpected %s after %s",
		    here(ps, buf, sizeof(buf)), after);
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A "basic" or 'literal' one-line string, decoded into the arena. */
static int
parse_string(struct parser *ps, char **out)
{
	const char	 q = *ps->p;
	const char	*s, *e, *lim;
	char		*d;
	unsigned	 cp;
	size_t		 n, i;
	int		 h;

	if (ps->end - ps->p >= 3 && ps->p[1] == q && ps->p[2] == q)
		return perr(ps, "multi-line strings are not supported");
	s = ps->p + 1;
	if ((lim = memchr(s, '\n', ps->end - s)) == NULL)
		lim = ps->end;
	for (e = s; e < lim && *e != q; e++)
		if (q == '"' && *e == '\\' && e + 1 < lim)
			e++;
	if (e >= lim)
		return perr(ps, "unterminated string");
	/* Decoding never makes a string longer than its source. */
	if ((d = *out = arena_alloc(ps, e - s + 1)) == NULL)
		return -1;
	for (ps->p = s; ps->p < e; ) {
		unsigned char c = (unsigned char)*ps->p;

		if (c == '\\' && q == '"') {
			switch (ps->p[1]) {
			case '"':
			case '\\':
				*d++ = ps->p[1];
				ps->p += 2;
				continue;
			case 'n':
				*d++ = '\n';
				ps->p += 2;
				continue;
			case 't':
				*d++ = '\t';
				ps->p += 2;
				continue;
			case 'u':
				break;
			default:
				return perr(ps, "unsupported escape sequence "
				    "in string");
			}
			if (e - ps->p < 6)
				return perr(ps, "short \\u escape in string");
			for (cp = 0, i = 2; i < 6; i++) {
				if ((h = hexval(ps->p[i])) < 0)
					return perr(ps, "bad \\u escape in "
					    "string");
				cp = cp << 4 | h;
			}
			if (cp == 0)
				return perr(ps, "\\u0000 is not allowed in "
				    "strings");
			if (cp >= 0xd800 && cp <= 0xdfff)
				return perr(ps, "\\u escape names a surrogate");
			if (cp < 0x80)
				*d++ = cp;
			else if (cp < 0x800) {
				*d++ = 0xc0 | cp >> 6;
				*d++ = 0x80 | (cp & 0x3f);
			} else {
				*d++ = 0xe0 | cp >> 12;
				*d++ = 0x80 | (cp >> 6 & 0x3f);
				*d++ = 0x80 | (cp & 0x3f);
			}
			ps->p += 6;
			continue;
		}
		if (is_ctl(c))
			return perr(ps, "control character 0x%02x in string",
			    c);
		if ((n = utf8_len((const unsigned char *)ps->p,
		    e - ps->p)) == 0)
			return perr(ps, "invalid UTF-8 in string");
		memcpy(d, ps->p, n);
		d += n;
		ps->p += n;
	}
	*d = '\0';
	ps->p = e + 1;
	return 0;
}

/* A bare or quoted key (one component). */
static int
parse_key(struct parser *ps, char **out, const char *what)
{
	const char	*s = ps->p;
	char		 buf[16], *k;

	if (ps->p < ps->end && (*ps->p == '"' || *ps->p == '\'')) {
		if (parse_string(ps, out) == -1)
			return -1;
		if (**out == '\0')
			return perr(ps, "empty keys are not supported");
		for (k = *out; *k != '\0'; k++)
			if (is_ctl((unsigned char)*k))
				return perr(ps, "control character in key");
		return 0;
	}
	while (ps->p < ps->end && is_bare((unsigned char)*ps->p))
		ps->p++;
	if (ps->p == s)
		return perr(ps, "expected %s, found %s", what,
		    here(ps, buf, sizeof(buf)));
	if ((*out = arena_alloc(ps, ps->p - s + 1)) == NULL)
		return -1;
	memcpy(*out, s, ps->p - s);
	(*out)[ps->p - s] = '\0';
	return 0;
}

/* Can a scalar end here? */
static int
at_delim(const struct parser *ps)
{
	return at_eol(ps) || *ps->p == ' ' || *ps->p == '\t' ||
	    *ps->p == ',' || *ps->p == ']' || *ps->p == '#';
}

static int
parse_int(struct parser *ps, struct toml_value *v)
{
	const char	*q = ps->p, *digits;
	uint64_t	 mag = 0, lim;
	int		 neg = 0, big = 0, d;

	if (*q == '+' || *q == '-')
		neg = *q++ == '-';
	if (ps->end - q >= 3 && (memcmp(q, "inf", 3) == 0 ||
	    memcmp(q, "nan", 3) == 0))
		return perr(ps, "floats are not supported");
	if (q == ps->end || !is_digit(*q))
		return perr(ps, "invalid value");
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (digits = q; q < ps->end && is_digit(*q); q++) {
		d = *q - '0';
		if (mag > (lim - d) / 10)
			big = 1;
		else
			mag = mag * 10 + d;
	}
	if (q < ps->end) {
		if (*q == '.' || *q == 'e' || *q == 'E')
			return perr(ps, "floats are not supported");
		if (*q == '-' || *q == ':')
			return perr(ps, "dates and times are not supported");
		if (*q == '_')
			return perr(ps, "'_' in integers is not supported");
		if (q == digits + 1 && *digits == '0' &&
		    (*q == 'x' || *q == 'o' || *q == 'b'))
			return perr(ps, "only decimal integers are supported");
	}
	if (q - digits > 1 && *digits == '0')
		return perr(ps, "leading zeros are not allowed");
	ps->p = q;
	if (!at_delim(ps))
		return perr(ps, "invalid integer");
	if (big)
		return perr(ps, "integer out of range");
	v->type = TOML_INT;
	v->i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return 0;
}

static int	parse_value(struct parser *, struct toml_value *,
		    struct toml_value *);

static int
parse_array(struct parser *ps, struct toml_value *v, struct toml_value *el)
{
	char	 buf[16];
	size_t	 n = 0;

	for (ps->p++;;) {
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ']')
			break;
		if (at_eol(ps) || *ps->p == '#')
			return perr(ps, "unterminated array (arrays must be "
			    "on one line)");
		if (n == TOML_MAX_ARRAY)
			return perr(ps, "array has more than %d elements",
			    TOML_MAX_ARRAY);
		if (parse_value(ps, &el[n], NULL) == -1)
			return -1;
		if (n > 0 && el[n].type != el[0].type)
			return perr(ps, "mixed types in array");
		n++;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == ']')
			break;
		if (at_eol(ps) || *ps->p == '#')
			return perr(ps, "unterminated array (arrays must be "
			    "on one line)");
		return perr(ps, "expected ',' or ']' in array, found %s",
		    here(ps, buf, sizeof(buf)));
	}
	ps->p++;
	v->type = TOML_ARRAY;
	v->a = el;
	v->n = n;
	return 0;
}

/* el is room for array elements, or NULL inside an array. */
static int
parse_value(struct parser *ps, struct toml_value *v, struct toml_value *el)
{
	char	 buf[16], *s;

	memset(v, 0, sizeof(*v));
	if (at_eol(ps) || *ps->p == '#')
		return perr(ps, "missing value");
	switch (*ps->p) {
	case '"':
	case '\'':
		if (parse_string(ps, &s) == -1)
			return -1;
		v->type = TOML_STRING;
		v->s = s;
		return 0;
	case '[':
		if (el == NULL)
			return perr(ps, "nested arrays are not supported");
		return parse_array(ps, v, el);
	case '{':
		return perr(ps, "inline tables are not supported");
	case 't':
	case 'f':
		v->b = *ps->p == 't';
		s = v->b ? "true" : "false";
		if ((size_t)(ps->end - ps->p) >= strlen(s) &&
		    memcmp(ps->p, s, strlen(s)) == 0) {
			ps->p += strlen(s);
			if (at_delim(ps)) {
				v->type = TOML_BOOL;
				return 0;
			}
		}
		break;
	case 'i':
	case 'n':
	case '+':
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return parse_int(ps, v);
	}
	if (is_bare((unsigned char)*ps->p))
		return perr(ps, "invalid value (strings must be quoted)");
	return perr(ps, "expected a value, found %s", here(ps, buf,
	    sizeof(buf)));
}

static int
parse_kv(struct parser *ps, toml_cb cb, void *arg)
{
	struct toml_value	 v, el[TOML_MAX_ARRAY];
	struct node		*n;
	char			*key;

	if (parse_key(ps, &key, "a key") == -1)
		return -1;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '.')
		return perr(ps, "dotted keys are only supported in table "
		    "headers");
	if (ps->p >= ps->end || *ps->p != '=')
		return perr(ps, "expected '=' after key '%s'", key);
	ps->p++;
	skip_ws(ps);
	if (parse_value(ps, &v, el) == -1 || expect_eol(ps, "value") == -1)
		return -1;
	if ((n = lookup(ps, ps->cur, key)) != NULL)
		return perr(ps, n->kind == N_VALUE ? "key '%s' defined twice" :
		    "key '%s' is already a table", key);
	if (insert(ps, ps->cur, key, N_VALUE) == NULL)
		return -1;
	if (ps->errlen > 0)
		ps->err[0] = '\0';
	if (cb(ps->table, ps->index, key, &v, ps->line, arg, ps->err,
	    ps->errlen) != 0) {
		if (ps->errlen > 0 && ps->err[0] == '\0')
			perr(ps, "key '%s' rejected", key);
		return -1;
	}
	return 0;
}

static int
parse_header(struct parser *ps)
{
	struct node	*node = &ps->root, *child, *elem;
	const char	*lim;
	char		*name, *part;
	size_t		 len = 0;
	int		 arr = 0;

	if (ps->p + 1 < ps->end && ps->p[1] == '[')
		arr = 1;
	ps->p += 1 + arr;
	/* The dotted name is never longer than the header's text. */
	if ((lim = memchr(ps->p, '\n', ps->end - ps->p)) == NULL)
		lim = ps->end;
	if ((name = arena_alloc(ps, lim - ps->p + 1)) == NULL)
		return -1;
	for (;;) {
		skip_ws(ps);
		if (parse_key(ps, &part, "a table name") == -1)
			return -1;
		if (strchr(part, '.') != NULL)
			return perr(ps, "'.' inside a quoted table name is "
			    "not supported");
		if (len > 0)
			name[len++] = '.';
		memcpy(name + len, part, strlen(part) + 1);
		len += strlen(part);
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != '.')
			break;
		ps->p++;
		if ((child = lookup(ps, node, part)) == NULL) {
			if ((child = insert(ps, node, part, N_IMPLICIT)) ==
			    NULL)
				return -1;
		} else if (child->kind == N_VALUE)
			return perr(ps, "key '%s' is not a table", name);
		else if (child->kind == N_ARRAY)
			return perr(ps, "tables inside [[%s]] are not "
			    "supported", name);
		node = child;
	}
	if (ps->end - ps->p < 1 + arr || ps->p[0] != ']' ||
	    (arr && ps->p[1] != ']'))
		return perr(ps, "expected '%s' to close table header",
		    arr ? "]]" : "]");
	ps->p += 1 + arr;
	if (expect_eol(ps, "table header") == -1)
		return -1;

	child = lookup(ps, node, part);
	if (child != NULL && child->kind == N_VALUE)
		return perr(ps, "key '%s' is already a value", name);
	if (!arr) {
		if (child == NULL &&
		    (child = insert(ps, node, part, N_IMPLICIT)) == NULL)
			return -1;
		if (child->kind == N_TABLE)
			return perr(ps, "table [%s] defined twice", name);
		if (child->kind == N_ARRAY)
			return perr(ps, "[%s] is already an array of tables",
			    name);
		child->kind = N_TABLE;
		ps->cur = child;
		ps->index = -1;
	} else {
		if (child == NULL &&
		    (child = insert(ps, node, part, N_ARRAY)) == NULL)
			return -1;
		if (child->kind != N_ARRAY)
			return perr(ps, "[[%s]] is already a table", name);
		if ((elem = arena_alloc(ps, sizeof(*elem))) == NULL)
			return -1;
		elem->parent = child;
		elem->name = "";
		elem->kind = N_ELEM;
		ps->cur = elem;
		ps->index = child->count++;
	}
	ps->table = name;
	return 0;
}

int
toml_parse(const char *text, size_t len, toml_cb cb, void *arg, char *err,
    size_t errlen)
{
	struct parser	 ps;
	struct chunk	*c;
	int		 rc = 0;

	memset(&ps, 0, sizeof(ps));
	ps.p = text;
	ps.end = text + len;
	ps.line = 1;
	ps.root.kind = N_TABLE;
	ps.cur = &ps.root;
	ps.table = "";
	ps.index = -1;
	ps.err = err;
	ps.errlen = err == NULL ? 0 : errlen;
	if (ps.errlen > 0)
		err[0] = '\0';

	if (len > TOML_MAX_INPUT)
		return perr(&ps, "input is larger than %d bytes",
		    TOML_MAX_INPUT);
	while (rc == 0 && ps.p < ps.end) {
		skip_ws(&ps);
		if (ps.p < ps.end && *ps.p == '[')
			rc = parse_header(&ps);
		else if (at_eol(&ps) || *ps.p == '#')
			rc = expect_eol(&ps, "comment");
		else
			rc = parse_kv(&ps, cb, arg);
		if (rc == 0 && ps.p < ps.end) {
			ps.p += *ps.p == '\r' ? 2 : 1;
			ps.line++;
		}
	}
	while ((c = ps.arena) != NULL) {
		ps.arena = c->next;
		free(c);
	}
	free(ps.tab);
	return rc;
}
