/*
 * Published port specs (common/portspec.c) over arbitrary bytes, as the
 * CLI, bangerd (from a client and from its database) and the launcher
 * take them.  What is accepted must hold together: its canonical form
 * fits PORT_SPEC_MAX and parses again to the same spec, it clashes with
 * itself, its listener fits PORT_LISTEN_MAX, and a unix: PATH is one the
 * launcher accepts (port_unix_path_ok), within a socket address, with
 * no space or control byte.  A refusal leaves an error message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portspec.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct port_spec	 p, q;
	char			 in[512], out[PORT_SPEC_MAX + 2];
	char			 out2[PORT_SPEC_MAX + 2], err[256];
	char			 l[PORT_LISTEN_MAX + 2], abs[PORT_SPEC_MAX + 1];
	size_t			 i, n;

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	/* The CLI's step first: whatever it gives must be bounded. */
	if (port_spec_absolute(in, "/home/u", abs, sizeof(abs), err,
	    sizeof(err)) == 0 && strlen(abs) > PORT_SPEC_MAX)
		abort();
	err[0] = '\0';
	if (port_spec_parse(in, &p, err, sizeof(err)) == -1) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	port_spec_fmt(&p, out, sizeof(out));
	if (strlen(out) > PORT_SPEC_MAX)
		abort();
	if (port_spec_parse(out, &q, err, sizeof(err)) == -1 ||
	    memcmp(&p, &q, sizeof(p)) != 0)
		abort();
	port_spec_fmt(&q, out2, sizeof(out2));
	if (strcmp(out, out2) != 0 || !port_spec_clash(&p, &q))
		abort();
	port_spec_listen(&p, l, sizeof(l));
	if (strlen(l) > PORT_LISTEN_MAX || p.guest == 0)
		abort();
	if (p.path[0] != '\0') {
		n = strlen(p.path);
		if (n > PORT_UNIX_PATH_MAX || !port_unix_path_ok(p.path) ||
		    p.addr != 0 || p.host != 0)
			abort();
		for (i = 0; i < n; i++)
			if ((unsigned char)p.path[i] <= ' ' ||
			    p.path[i] == 0x7f)
				abort();
	} else if ((p.addr >> 24) != 127 || p.host == 0)
		abort();
	return 0;
}
