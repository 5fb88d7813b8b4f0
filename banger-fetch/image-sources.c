/*
 * Which Debian mirror a golden image is built from: the one the host's apt
 * already uses (it may be a local mirror or proxy), read from its sources
 * file.  Only the URIs are taken; suites and components are the recipe's.
 * On a host that is not Debian (Ubuntu, say) a mirror of another release
 * is no evidence of a Debian mirror: only an exact suite counts there.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "image.h"

struct pick {
	const char	*suite;
	char		*main, *sec;
	int		 main_rank, sec_rank;
	int		 min_rank;	/* 2: exact suites only */
};

static int
good_uri(const char *u)
{
	const char	*p;

	if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)
		return 0;
	if (strlen(u) >= IMAGE_URI_MAX)
		return 0;
	/* The URI becomes part of an apt line: printable, no quoting. */
	for (p = u; *p != '\0'; p++)
		if (!isgraph((unsigned char)*p) || strchr("\"'\\[]#", *p))
			return 0;
	return 1;
}

/*
 * An exact suite match beats a guess: "SUITE" for the archive, else any
 * suite without a '-' (another release on the same mirror); likewise
 * "SUITE-security", else any "*-security".
 */
static void
consider(struct pick *pk, const char *uri, const char *suite)
{
	size_t	 n = strlen(pk->suite), m = strlen(suite);
	int	 rank;

	if (!good_uri(uri))
		return;
	if (m > 9 && strcmp(suite + m - 9, "-security") == 0) {
		rank = m == n + 9 && strncmp(suite, pk->suite, n) == 0 ? 2 : 1;
		if (rank >= pk->min_rank && rank > pk->sec_rank) {
			snprintf(pk->sec, IMAGE_URI_MAX, "%s", uri);
			pk->sec_rank = rank;
		}
		return;
	}
	if (strchr(suite, '-') != NULL)
		return;
	rank = strcmp(suite, pk->suite) == 0 ? 2 : 1;
	if (rank >= pk->min_rank && rank > pk->main_rank) {
		snprintf(pk->main, IMAGE_URI_MAX, "%s", uri);
		pk->main_rank = rank;
	}
}

/* "deb [options] URI SUITE COMPONENT..." */
static void
oneline(struct pick *pk, char *line)
{
	char	*save = NULL, *t, *uri;

	if ((t = strchr(line, '#')) != NULL)
		*t = '\0';
	if ((t = strtok_r(line, " \t", &save)) == NULL ||
	    strcmp(t, "deb") != 0)
		return;
	if ((t = strtok_r(NULL, " \t", &save)) != NULL && t[0] == '[') {
		while (t != NULL && strchr(t, ']') == NULL)
			t = strtok_r(NULL, " \t", &save);
		if (t != NULL)
			t = strtok_r(NULL, " \t", &save);
	}
	if ((uri = t) == NULL ||
	    (t = strtok_r(NULL, " \t", &save)) == NULL)
		return;
	consider(pk, uri, t);
}

struct stanza {
	int	 deb;
	char	 uri[IMAGE_URI_MAX];
	char	 suites[1024];
};

static void
stanza_end(struct pick *pk, struct stanza *st)
{
	char	*save = NULL, *s;

	if (st->deb && st->uri[0] != '\0')
		for (s = strtok_r(st->suites, " \t", &save); s != NULL;
		    s = strtok_r(NULL, " \t", &save))
			consider(pk, st->uri, s);
	memset(st, 0, sizeof(*st));
}

/* One "Field: value" line of a deb822 stanza. */
static void
deb822_field(struct stanza *st, char *line)
{
	char	*v, *save = NULL, *t;

	if ((v = strchr(line, ':')) == NULL)
		return;
	*v++ = '\0';
	v += strspn(v, " \t");
	if (strcasecmp(line, "Types") == 0) {
		for (t = strtok_r(v, " \t", &save); t != NULL;
		    t = strtok_r(NULL, " \t", &save))
			if (strcmp(t, "deb") == 0)
				st->deb = 1;
	} else if (strcasecmp(line, "URIs") == 0) {
		if ((t = strtok_r(v, " \t", &save)) != NULL)
			snprintf(st->uri, sizeof(st->uri), "%s", t);
	} else if (strcasecmp(line, "Suites") == 0)
		snprintf(st->suites, sizeof(st->suites), "%s", v);
}

/* ID=debian in the text of /etc/os-release (ID_LIKE does not count). */
int
image_os_is_debian(const char *text)
{
	const char	*p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, "ID=", 3) == 0)
			return strncmp(p + 3, "debian\n", 7) == 0 ||
			    strncmp(p + 3, "\"debian\"\n", 9) == 0 ||
			    strcmp(p + 3, "debian") == 0 ||
			    strcmp(p + 3, "\"debian\"") == 0;
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return 0;
}

void
image_parse_sources(const char *text, int deb822, const char *suite,
    int debian_host, char main_uri[IMAGE_URI_MAX],
    char sec_uri[IMAGE_URI_MAX])
{
	struct pick	 pk = { suite, main_uri, sec_uri, 0, 0,
			    debian_host ? 1 : 2 };
	struct stanza	 st;
	const char	*p = text, *nl;
	char		 line[2048];
	size_t		 n;

	memset(&st, 0, sizeof(st));
	while (*p != '\0') {
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		p += n + (nl != NULL);
		while (n > 0 && isspace((unsigned char)line[n - 1]))
			line[--n] = '\0';
		if (!deb822)
			oneline(&pk, line);
		else if (line[0] == '\0')
			stanza_end(&pk, &st);
		else if (line[0] != '#' && !isspace((unsigned char)line[0]))
			deb822_field(&st, line);
	}
	if (deb822)
		stanza_end(&pk, &st);
}
