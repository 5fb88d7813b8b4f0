/*
 * The model behind the completion scripts: which words are commands,
 * groups and verbs, and what each option value and positional is (see
 * completion.h for the metavar conventions).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "completion.h"

int
comp_visible(const struct cmd_entry *e)
{
	return (e->flags & CMD_HIDDEN) == 0 && e->name[0] != '_';
}

enum comp_kind
comp_opt_kind(const struct cmd_opt *o)
{
	if (o->arg == NULL)
		return COMP_NONE;
	if (strcmp(o->arg, "VM") == 0)
		return COMP_VMS;
	if (strcmp(o->arg, "IMAGE") == 0)
		return COMP_IMAGES;
	if (strcmp(o->arg, "KERNEL") == 0)
		return COMP_KERNELS;
	if (strcmp(o->arg, "FILE") == 0 || strcmp(o->arg, "PATH") == 0 ||
	    strcmp(o->arg, "DIR") == 0)
		return COMP_FILES;
	return COMP_NONE;
}

/* What the first positional of e is, from its usage string. */
void
comp_pos(const struct cmd_entry *e, struct comp_pos *p)
{
	const char	*u = e->usage != NULL ? e->usage : "";
	char		 tok[128];
	size_t		 n, i, j;

	memset(p, 0, sizeof(*p));
	while (*u == ' ')
		u++;
	p->tail = strncmp(u, "--", 2) == 0 || strstr(u, " -- ") != NULL;
	n = strcspn(u, " ");
	if (n == 0 || n >= sizeof(tok) || strncmp(u, "--", 2) == 0)
		return;
	/* Strip the brackets and ellipsis: "[NAME...]" -> "NAME". */
	for (i = 0, j = 0; i < n; i++)
		if (u[i] != '[' && u[i] != ']')
			tok[j++] = u[i];
	tok[j] = '\0';
	if (j > 3 && strcmp(tok + j - 3, "...") == 0) {
		p->many = 1;
		tok[j - 3] = '\0';
	}
	if ((strcmp(tok, "NAME") == 0 && strncmp(e->name, "vm ", 3) == 0) ||
	    strcmp(tok, "VM") == 0)
		p->kind = COMP_VMS;
	else if (strcmp(tok, "IMAGE") == 0)
		p->kind = COMP_IMAGES;
	else if (strcmp(tok, "KERNEL") == 0)
		p->kind = COMP_KERNELS;
	else if (strcmp(tok, "COMMAND") == 0)
		p->kind = COMP_COMMANDS;
	else if (strcmp(tok, "FILE") == 0 || strcmp(tok, "PATH") == 0)
		p->kind = COMP_FILES;
	else if (strchr(tok, '|') != NULL || islower((unsigned char)tok[0])) {
		/* "a|b|c", or one verb word ("vm workspace prepare"). */
		p->kind = COMP_WORDS;
		for (i = 0; tok[i] != '\0' && i < sizeof(p->words) - 1; i++)
			p->words[i] = tok[i] == '|' ? ' ' : tok[i];
		p->words[i] = '\0';
	}
}

/* The scripts' name for a kind ("" for COMP_NONE). */
const char *
comp_kind_word(enum comp_kind k)
{
	switch (k) {
	case COMP_VMS:
		return "vms";
	case COMP_IMAGES:
		return "images";
	case COMP_KERNELS:
		return "kernels";
	case COMP_COMMANDS:
		return "commands";
	case COMP_WORDS:
		return "words";
	case COMP_FILES:
		return "files";
	default:
		return "";
	}
}

/* The argument of `banger __complete` for a live kind, else NULL. */
const char *
comp_live(enum comp_kind k)
{
	switch (k) {
	case COMP_VMS:
		return "vms";
	case COMP_IMAGES:
		return "images";
	case COMP_KERNELS:
		return "kernels";
	default:
		return NULL;
	}
}

static int
word_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return s[0] != '-';
}

/*
 * The scripts embed names unquoted in shell code: command names must be
 * one or two words of [a-z0-9-], option names [a-z0-9-], short options
 * alphanumeric, metavars [A-Za-z_|.-].  Help text is quoted by each
 * generator.
 */
int
comp_check_table(const struct cmd_entry *const *t, char *err,
    size_t errlen)
{
	const struct cmd_entry	*e;
	const char		*sp, *m;
	struct comp_pos		 p;
	int			 i, j;

	for (i = 0; (e = t[i]) != NULL; i++) {
		if (!comp_visible(e))
			continue;
		sp = strchr(e->name, ' ');
		if (sp == NULL ? !word_ok(e->name, strlen(e->name)) :
		    (!word_ok(e->name, (size_t)(sp - e->name)) ||
		    !word_ok(sp + 1, strlen(sp + 1)))) {
			snprintf(err, errlen, "command name '%s' cannot be "
			    "completed", e->name);
			return -1;
		}
		for (j = 0; e->opts[j].name != NULL; j++) {
			if (!word_ok(e->opts[j].name,
			    strlen(e->opts[j].name)) ||
			    (e->opts[j].short_name != 0 &&
			    !isalnum(e->opts[j].short_name))) {
				snprintf(err, errlen, "option of '%s' cannot "
				    "be completed", e->name);
				return -1;
			}
			for (m = e->opts[j].arg; m != NULL && *m != '\0'; m++)
				if (!isalpha((unsigned char)*m) &&
				    strchr("_|.-", *m) == NULL) {
					snprintf(err, errlen, "metavar of "
					    "'%s --%s' cannot be completed",
					    e->name, e->opts[j].name);
					return -1;
				}
		}
		comp_pos(e, &p);
		for (m = p.words; *m != '\0'; m++)
			if (!isalnum((unsigned char)*m) &&
			    strchr(" _.-", *m) == NULL) {
				snprintf(err, errlen, "usage of '%s' cannot "
				    "be completed", e->name);
				return -1;
			}
	}
	return 0;
}

/* Does the list "a b c" already hold word w (length n)? */
static int
has_word(const char *list, const char *w, size_t n)
{
	const char	*p = list;
	size_t		 l;

	while (*p != '\0') {
		l = strcspn(p, " ");
		if (l == n && strncmp(p, w, n) == 0)
			return 1;
		p += l;
		while (*p == ' ')
			p++;
	}
	return 0;
}

/*
 * Words completing after "banger" (group NULL) or "banger GROUP", in
 * table order, each once.
 */
void
comp_words(const struct cmd_entry *const *t, const char *group, char *out,
    size_t outlen)
{
	const char	*w;
	size_t		 n, off = 0, glen = group != NULL ? strlen(group) : 0;
	int		 i;

	out[0] = '\0';
	for (i = 0; t[i] != NULL; i++) {
		if (!comp_visible(t[i]))
			continue;
		w = t[i]->name;
		if (group != NULL) {
			if (strncmp(w, group, glen) != 0 || w[glen] != ' ')
				continue;
			w += glen + 1;
		}
		n = strcspn(w, " ");
		if (has_word(out, w, n) || off + n + 2 > outlen)
			continue;
		if (off > 0)
			out[off++] = ' ';
		memcpy(out + off, w, n);
		off += n;
		out[off] = '\0';
	}
}

int
comp_is_group(const struct cmd_entry *const *t, const char *word)
{
	size_t	 len = strlen(word);
	int	 i;

	for (i = 0; t[i] != NULL; i++)
		if (comp_visible(t[i]) &&
		    strncmp(t[i]->name, word, len) == 0 &&
		    t[i]->name[len] == ' ')
			return 1;
	return 0;
}

/*
 * Is t[i] the first visible command of a multi-word group?  Then group
 * gets the group word; each group is thus visited once.
 */
int
comp_group_first(const struct cmd_entry *const *t, int i, char *group,
    size_t len)
{
	size_t	 n;
	int	 j;

	if (!comp_visible(t[i]) || strchr(t[i]->name, ' ') == NULL)
		return 0;
	n = strcspn(t[i]->name, " ");
	for (j = 0; j < i; j++)
		if (comp_visible(t[j]) &&
		    strncmp(t[j]->name, t[i]->name, n + 1) == 0)
			return 0;
	if (n >= len)
		return 0;
	memcpy(group, t[i]->name, n);
	group[n] = '\0';
	return 1;
}
