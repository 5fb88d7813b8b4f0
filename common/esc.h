/*
 * Escaping text that a guest chose before it reaches a log file or a
 * terminal: C0 controls, DEL, ESC, UTF-8-encoded C1 controls and bytes
 * that are not valid UTF-8 become visible escapes (\e, \x1b, ...), so a
 * guest can neither forge log records nor drive the user's terminal.
 */
#ifndef BANGER_ESC_H
#define BANGER_ESC_H

#include <stddef.h>

/*
 * ESC_LOG: one record per line, read back unambiguously: newline, tab
 * and carriage return are escaped too, and a backslash doubles.
 * Without it (ESC_TERM), text for a terminal keeps newline, tab and
 * carriage return (line structure and progress bars), nothing else.
 */
#define ESC_TERM	0
#define ESC_LOG		0x1

/* The most n input bytes (plus a sequence carried in) can turn into. */
#define ESC_OUTMAX(n)	(4 * ((n) + 4))

/* Streaming state: a UTF-8 sequence may be split across chunks. */
struct esc {
	int		flags;
	unsigned char	pend[4];
	size_t		npend;
	size_t		need;		/* bytes the sequence has in all */
};

void	esc_init(struct esc *, int flags);
/* Escape n bytes of src into dst (ESC_OUTMAX(n) bytes); returns length. */
size_t	esc_feed(struct esc *, const void *src, size_t n, char *dst);
/* A sequence cut off at the end: escape its bytes (ESC_OUTMAX(0)). */
size_t	esc_finish(struct esc *, char *dst);
/*
 * All of src (n bytes) into dst as a C string of at most dstlen - 1
 * bytes; an escape is never cut in half.  Returns the length written.
 */
size_t	esc_string(char *dst, size_t dstlen, const void *src, size_t n,
	    int flags);

#endif
