/*
 * Option parsing driven by a command's option table.  Options may come
 * anywhere before "--"; for commands that take "-- CMD [ARG...]" whatever
 * follows "--" belongs to that command and is never looked at.  No
 * getopt: its global state gets in the way of testing the parser, and
 * there are only long options, a few short aliases and "--opt=value".
 */
#include <stdlib.h>
#include <string.h>

#include "banger.h"

static int
opt_find_long(const struct cmd_entry *e, const char *name, size_t len)
{
	int	 i;

	for (i = 0; e->opts[i].name != NULL; i++)
		if (strlen(e->opts[i].name) == len &&
		    strncmp(e->opts[i].name, name, len) == 0)
			return i;
	return -1;
}

static int
opt_find_short(const struct cmd_entry *e, int c)
{
	int	 i;

	for (i = 0; e->opts[i].name != NULL; i++)
		if (e->opts[i].short_name == c)
			return i;
	return -1;
}

/* May option i of e be given more than once (listed in e->repeat)? */
int
cmd_opt_repeats(const struct cmd_entry *e, int i)
{
	const char	*p = e->repeat, *name = e->opts[i].name;
	size_t		 len = strlen(name), n;

	while (p != NULL && *p != '\0') {
		n = strcspn(p, " ");
		if (n == len && strncmp(p, name, n) == 0)
			return 1;
		p += n;
		p += strspn(p, " ");
	}
	return 0;
}

/*
 * Store option i; value is NULL for flags.  Returns -1 on a repeat of an
 * option that does not repeat.  argc bounds how many values one option
 * can collect.
 */
static int
opt_set(const struct cmd_entry *e, struct args *a, int i, const char *value,
    int argc, char *err, size_t errlen)
{
	if (value != NULL && cmd_opt_repeats(e, i)) {
		if (a->multi[i] == NULL && (a->multi[i] =
		    calloc((size_t)argc + 1, sizeof(*a->multi[i]))) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		a->multi[i][a->nmulti[i]++] = (char *)value;
		if (a->val[i] == NULL)
			a->val[i] = value;
		return 0;
	}
	if (a->val[i] != NULL) {
		snprintf(err, errlen, "option --%s given more than once",
		    e->opts[i].name);
		return -1;
	}
	a->val[i] = value != NULL ? value : "";
	return 0;
}

/*
 * Handle argv[*ip], an option.  Consumes its argument when the option
 * takes one and it was not given with "=".
 */
static int
parse_one(const struct cmd_entry *e, int argc, char **argv, int *ip,
    struct args *a, char *err, size_t errlen)
{
	const char	*arg = argv[*ip], *eq, *name, *value = NULL;
	size_t		 len;
	int		 i;

	if (arg[1] != '-') {
		if (arg[2] != '\0') {
			snprintf(err, errlen, "unknown option '%s'", arg);
			return -1;
		}
		if (arg[1] == 'h') {
			a->help = 1;
			return 0;
		}
		if ((i = opt_find_short(e, arg[1])) == -1) {
			snprintf(err, errlen, "unknown option '%s'", arg);
			return -1;
		}
	} else {
		name = arg + 2;
		eq = strchr(name, '=');
		len = eq != NULL ? (size_t)(eq - name) : strlen(name);
		if (len == 4 && strncmp(name, "help", 4) == 0 && eq == NULL) {
			a->help = 1;
			return 0;
		}
		if ((i = opt_find_long(e, name, len)) == -1) {
			snprintf(err, errlen, "unknown option '--%.*s'",
			    (int)len, name);
			return -1;
		}
		if (eq != NULL) {
			if (e->opts[i].arg == NULL) {
				snprintf(err, errlen,
				    "option --%s takes no value",
				    e->opts[i].name);
				return -1;
			}
			value = eq + 1;
		}
	}
	if (e->opts[i].arg != NULL && value == NULL) {
		if (*ip + 1 >= argc) {
			snprintf(err, errlen, "option --%s needs %s",
			    e->opts[i].name, e->opts[i].arg);
			return -1;
		}
		value = argv[++*ip];
	}
	return opt_set(e, a, i, value, argc, err, errlen);
}

int
args_parse(const struct cmd_entry *e, int argc, char **argv, struct args *a,
    char *err, size_t errlen)
{
	int	 i, nopts, rest = 0;

	memset(a, 0, sizeof(*a));
	for (nopts = 0; e->opts[nopts].name != NULL; nopts++)
		;
	if (nopts > CMD_OPT_MAX) {
		snprintf(err, errlen, "internal: too many options");
		return -1;
	}
	if ((a->pos = calloc((size_t)argc + 1, sizeof(*a->pos))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (!rest && strcmp(arg, "--") == 0) {
			if (e->flags & CMD_TAIL) {
				a->dashdash = 1;
				a->tail = argv + i + 1;
				a->ntail = argc - i - 1;
				break;
			}
			/* Plain end of options: the rest is positional. */
			rest = 1;
			continue;
		}
		if (!rest && arg[0] == '-' && arg[1] != '\0') {
			if (parse_one(e, argc, argv, &i, a, err, errlen) == -1)
				goto fail;
			continue;
		}
		a->pos[a->npos++] = argv[i];
	}
	if (a->help)
		return 0;
	if (e->max_pos >= 0 && a->npos > e->max_pos) {
		if (e->flags & CMD_TAIL)
			snprintf(err, errlen, "unexpected argument '%s' "
			    "(the command to run goes after --)",
			    a->pos[e->max_pos]);
		else
			snprintf(err, errlen, "unexpected argument '%s'",
			    a->pos[e->max_pos]);
		goto fail;
	}
	if (a->npos < e->min_pos) {
		snprintf(err, errlen, "missing argument");
		goto fail;
	}
	return 0;
fail:
	args_free(a);
	return -1;
}

void
args_free(struct args *a)
{
	int	 i;

	for (i = 0; i < CMD_OPT_MAX; i++) {
		free(a->multi[i]);
		a->multi[i] = NULL;
		a->nmulti[i] = 0;
	}
	free(a->pos);
	a->pos = NULL;
	a->npos = 0;
}

/* Value of option name, "" for a given flag, NULL if absent. */
const char *
args_get(const struct cmd_entry *e, const struct args *a, const char *name)
{
	int	 i;

	for (i = 0; e->opts[i].name != NULL; i++)
		if (strcmp(e->opts[i].name, name) == 0)
			return a->val[i];
	return NULL;
}

/*
 * Every value of a repeatable option, in the order given, as a
 * NULL-terminated array (*np of them); NULL if it was not given.
 */
char **
args_get_all(const struct cmd_entry *e, const struct args *a,
    const char *name, size_t *np)
{
	int	 i;

	*np = 0;
	for (i = 0; e->opts[i].name != NULL; i++)
		if (strcmp(e->opts[i].name, name) == 0) {
			*np = (size_t)a->nmulti[i];
			return a->multi[i];
		}
	return NULL;
}
