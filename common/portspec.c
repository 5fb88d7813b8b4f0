/*
 * Published port specs.  The CLI checks a spec before it sends it and
 * bangerd checks it again; both say what is wrong and what would do.
 */
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "portspec.h"

/* A port: decimal digits, no sign, no leading zero, 1 to 65535. */
static int
port_parse(const char *s, size_t len, uint16_t *out)
{
	unsigned long	 v = 0;
	size_t		 i;

	if (len == 0 || len > 5 || s[0] == '0')
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int
port_spec_parse(const char *s, struct port_spec *p, char *err,
    size_t errlen)
{
	const char	*c1, *c2;
	char		 addr[16];
	struct in_addr	 a;
	size_t		 n = strlen(s);

	memset(p, 0, sizeof(*p));
	if (strncmp(s, "unix:", 5) == 0) {
		snprintf(err, errlen, "publish %s: unix:PATH is not supported "
		    "yet; publish a TCP port", s);
		return -1;
	}
	if (n == 0 || n > PORT_SPEC_MAX || (c2 = strrchr(s, ':')) == NULL) {
		snprintf(err, errlen, "publish \"%.*s\": want "
		    "[ADDR:]HOSTPORT:GUESTPORT, such as 8080:80", PORT_SPEC_MAX,
		    s);
		return -1;
	}
	c1 = memrchr(s, ':', (size_t)(c2 - s));
	a.s_addr = htonl(INADDR_LOOPBACK);
	if (c1 != NULL) {
		if ((size_t)(c1 - s) >= sizeof(addr)) {
			snprintf(err, errlen, "publish %s: ADDR must be an IPv4 "
			    "address", s);
			return -1;
		}
		memcpy(addr, s, (size_t)(c1 - s));
		addr[c1 - s] = '\0';
		if (inet_pton(AF_INET, addr, &a) != 1) {
			snprintf(err, errlen, "publish %s: ADDR must be an IPv4 "
			    "address", s);
			return -1;
		}
	}
	if (port_parse(c1 == NULL ? s : c1 + 1, (size_t)(c2 - (c1 == NULL ?
	    s : c1 + 1)), &p->host) == -1 || port_parse(c2 + 1,
	    strlen(c2 + 1), &p->guest) == -1) {
		snprintf(err, errlen, "publish %s: ports must be numbers from "
		    "1 to 65535", s);
		return -1;
	}
	p->addr = ntohl(a.s_addr);
	if ((p->addr >> 24) != 127) {
		snprintf(err, errlen, "publish %s: only loopback addresses "
		    "(127.0.0.0/8) can be published for now", s);
		return -1;
	}
	return 0;
}

void
port_spec_fmt(const struct port_spec *p, char *out, size_t len)
{
	snprintf(out, len, "%u.%u.%u.%u:%u:%u", p->addr >> 24,
	    (p->addr >> 16) & 0xff, (p->addr >> 8) & 0xff, p->addr & 0xff,
	    p->host, p->guest);
}

int
port_spec_clash(const struct port_spec *a, const struct port_spec *b)
{
	return a->addr == b->addr && a->host == b->host;
}
