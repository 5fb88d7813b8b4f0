/*
 * Transfer progress.  banger-fetch reports a blob or bundle download at
 * every tenth ("fetching HEX: A of B MB (P%)", "downloading NAME: A of
 * B MiB").  On a terminal each report replaces the last on one line, a
 * progress bar of sorts; elsewhere (a log, CI) only a transfer's last
 * report is printed, so the output stays quiet.  Any other message ends
 * an open bar with its newline first.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "banger.h"

static int	 bar_open;	/* a report is on screen without newline */

/* 1 when msg is a transfer report (*done when it says the end), else 0. */
int
progress_parse(const char *msg, int *done)
{
	const char		*p;
	double			 a, b;
	unsigned long long	 x, y;
	unsigned		 pct;
	int			 n = -1;

	*done = 0;
	if (strncmp(msg, "fetching ", 9) == 0 && (p = strstr(msg, ": ")) !=
	    NULL) {
		if (sscanf(p + 2, "%lf of %lf MB (%u%%)%n", &a, &b, &pct,
		    &n) != 3 || n < 0 || p[2 + n] != '\0')
			return 0;
		*done = pct >= 100;
		return 1;
	}
	if (strncmp(msg, "downloading ", 12) == 0 && (p = strstr(msg,
	    ": ")) != NULL) {
		if (sscanf(p + 2, "%llu of %llu MiB%n", &x, &y, &n) != 2 ||
		    n < 0 || p[2 + n] != '\0')
			return 0;
		*done = x >= y;
		return 1;
	}
	return 0;
}

void
progress_close(FILE *f)
{
	if (bar_open) {
		fputc('\n', f);
		bar_open = 0;
	}
}

/*
 * line (already escaped) as a transfer report on f: 1 when it was one
 * (shown as a bar on a terminal, else only when done), 0 otherwise (an
 * open bar is ended first, for the caller to print the line).
 */
int
progress_show(FILE *f, int tty, const char *line)
{
	int	 done;

	if (!progress_parse(line, &done)) {
		progress_close(f);
		return 0;
	}
	if (!tty) {
		if (done)
			fprintf(f, "banger: %s\n", line);
		return 1;
	}
	fprintf(f, "\rbanger: %s\033[K", line);
	bar_open = 1;
	if (done)
		progress_close(f);
	fflush(f);
	return 1;
}

/*
 * A local copy (vm cp, vm workspace prepare): what (escaped here) and
 * the MiB so far, as each is reached, as a bar on a terminal; nothing
 * elsewhere.
 */
void
progress_bytes_init(struct progress_bytes *pb, const char *what)
{
	memset(pb, 0, sizeof(*pb));
	escape_ctl(what, pb->what, sizeof(pb->what));
	pb->tty = isatty(2);
}

void
progress_bytes(uint64_t n, void *arg)
{
	struct progress_bytes	*pb = arg;

	/* Each whole MiB once, the last one included. */
	if (!pb->tty || n >> 20 == pb->shown >> 20)
		return;
	pb->shown = n;
	fprintf(stderr, "\rbanger: %s: %llu MiB\033[K", pb->what,
	    (unsigned long long)(n >> 20));
	bar_open = 1;
	fflush(stderr);
}
