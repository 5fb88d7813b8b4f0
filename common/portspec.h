/*
 * A published port, as `--publish` and `vm port publish` take it:
 * [ADDR:]HOSTPORT:GUESTPORT, ADDR an IPv4 loopback address (127.0.0.1
 * when left out), both ports decimal, 1 to 65535.  A HOSTPORT below 1024
 * is bound by banger-priv, where priv.conf's publish_low_ports allows.
 *
 * Or unix:PATH:GUESTPORT: a Unix socket at PATH (mode 0600, made by
 * bangerd's launcher) instead of a TCP port.  GUESTPORT is what follows
 * the last colon, so PATH may hold colons.  PATH must be absolute (the
 * CLI makes a relative one absolute first, port_spec_absolute()), is
 * normalised (repeated slashes and "." components dropped; ".." and a
 * trailing slash refused) and must fit a socket address (107 bytes);
 * spaces and control characters are refused.  Two specs clash when
 * their normalised paths are the same text (a symbolic link in a
 * directory is not resolved: the launcher refuses a second listener on
 * one socket file anyway).
 */
#ifndef BANGER_PORTSPEC_H
#define BANGER_PORTSPEC_H

#include <stddef.h>
#include <stdint.h>

#define PORTS_MAX	16	/* per VM */
#define PORT_UNIX_PATH_MAX 107	/* sizeof(sun_path) - 1 */
/* Bytes in a spec as given: "unix:" PATH ":" GUESTPORT at most. */
#define PORT_SPEC_MAX	(5 + PORT_UNIX_PATH_MAX + 1 + 5)
/* Where the host side listens: "127.0.0.1:8080" or "unix:PATH". */
#define PORT_LISTEN_MAX	(5 + PORT_UNIX_PATH_MAX)

struct port_spec {
	uint32_t	 addr;		/* host order; 0 for unix: */
	uint16_t	 host;		/* 0 for unix: */
	uint16_t	 guest;
	char		 path[PORT_UNIX_PATH_MAX + 1];	/* "" for TCP */
};

int	port_spec_parse(const char *, struct port_spec *, char *, size_t);
void	port_spec_fmt(const struct port_spec *, char *, size_t);
/* The host side alone: "127.0.0.1:8080" or "unix:PATH". */
void	port_spec_listen(const struct port_spec *, char *, size_t);
/* Whether two specs take the same host address and port, or path. */
int	port_spec_clash(const struct port_spec *, const struct port_spec *);
/* A unix: spec with a relative PATH made absolute against a directory. */
int	port_spec_absolute(const char *, const char *, char *, size_t, char *,
	    size_t);
/* Whether a path is a unix: PATH in normal form (the launcher's check). */
int	port_unix_path_ok(const char *);

#endif
