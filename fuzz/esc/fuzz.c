/*
 * esc.c over arbitrary bytes (guest text): the streaming escaper, fed in
 * chunks the first byte chooses, must give exactly what esc_string gives
 * for the whole, stay within ESC_OUTMAX, and emit no control byte but
 * newline, tab and carriage return (none at all for logs), no
 * backslash-free ESC, and only well-formed UTF-8 without C1 controls.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_output(const unsigned char *p, size_t n, int flags)
{
	size_t	 i, k, len;

	for (i = 0; i < n; i += len) {
		len = 1;
		if (p[i] < 0x20 || p[i] == 0x7f) {
			if (flags & ESC_LOG)
				abort();
			if (p[i] != '\n' && p[i] != '\t' && p[i] != '\r')
				abort();
			continue;
		}
		if (p[i] < 0x80)
			continue;
		/* A UTF-8 sequence, whole and not a C1 control. */
		if (p[i] >= 0xc2 && p[i] <= 0xdf)
			len = 2;
		else if (p[i] >= 0xe0 && p[i] <= 0xef)
			len = 3;
		else if (p[i] >= 0xf0 && p[i] <= 0xf4)
			len = 4;
		else
			abort();
		if (i + len > n)
			abort();
		for (k = 1; k < len; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				abort();
		if (p[i] == 0xc2 && p[i + 1] <= 0x9f)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct esc	 e;
	char		*whole, *stream;
	size_t		 chunk, off, k, o = 0, wn;
	int		 flags;

	if (size < 1 || size > 65536)
		return 0;
	flags = data[0] & 1 ? ESC_LOG : ESC_TERM;
	chunk = (data[0] >> 1) + 1;
	data++;
	size--;
	whole = malloc(ESC_OUTMAX(size) + 1);
	stream = malloc(ESC_OUTMAX(size) + 1);
	if (whole == NULL || stream == NULL)
		abort();
	wn = esc_string(whole, ESC_OUTMAX(size) + 1, data, size, flags);
	esc_init(&e, flags);
	for (off = 0; off < size; off += k) {
		k = size - off < chunk ? size - off : chunk;
		o += esc_feed(&e, data + off, k, stream + o);
	}
	o += esc_finish(&e, stream + o);
	if (o > ESC_OUTMAX(size) || o != wn || memcmp(whole, stream, o) != 0)
		abort();
	check_output((const unsigned char *)stream, o, flags);
	free(whole);
	free(stream);
	return 0;
}
