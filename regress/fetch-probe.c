/*
 * fetch-probe MODE WRITABLE READABLE SECRET PORT_OK PORT_NO: tries, under
 * banger-fetch's real confinement for a pull (banger-fetch/sandbox.c,
 * linked in; MODE "pull") or with none (MODE "none", the baseline), what
 * a subverted banger-fetch would: read a file of the user's it was not
 * given, read its parent's environment, write outside its directories,
 * connect to a port it was not given, bind one.  One line per attempt:
 * "NAME allowed" or "NAME refused ERRNO".
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fetch.h"

static void
say(const char *name, int rc)
{
	if (rc == 0)
		printf("%s allowed\n", name);
	else
		printf("%s refused %s\n", name, strerrorname_np(errno));
}

static int
try_open(const char *path, int flags)
{
	int	 fd;

	if ((fd = open(path, flags | O_CLOEXEC, 0600)) == -1)
		return -1;
	close(fd);
	return 0;
}

/* 0 when the connection is made or refused by the peer (ECONNREFUSED). */
static int
try_connect(int port)
{
	struct sockaddr_in	 sin;
	int			 s, rc;

	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rc = connect(s, (struct sockaddr *)&sin, sizeof(sin));
	if (rc == -1 && errno == ECONNREFUSED)
		rc = 0;
	close(s);
	return rc;
}

static int
try_bind(void)
{
	struct sockaddr_in	 sin;
	int			 s, rc;

	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rc = bind(s, (struct sockaddr *)&sin, sizeof(sin));
	close(s);
	return rc;
}

int
main(int argc, char **argv)
{
	struct fetch_confine	 fc;
	const char		*dirs[2], *reads[2];
	uint16_t		 port;
	char			 p[4096], err[256], *slash;

	if (argc != 7) {
		fprintf(stderr, "usage: fetch-probe pull|none WRITABLE READABLE "
		    "SECRET PORT_OK PORT_NO\n");
		return 2;
	}
	dirs[0] = argv[2];
	dirs[1] = NULL;
	reads[0] = argv[3];
	reads[1] = NULL;
	port = (uint16_t)atoi(argv[5]);
	fc.dirs = dirs;
	fc.reads = reads;
	fc.ports = &port;
	fc.nports = 1;
	if (strcmp(argv[1], "pull") == 0 &&
	    sandbox_fetch_confine(&fc, err, sizeof(err)) == -1) {
		fprintf(stderr, "fetch-probe: %s\n", err);
		return 1;
	}
	say("read-secret", try_open(argv[4], O_RDONLY));
	snprintf(p, sizeof(p), "/proc/%d/environ", (int)getppid());
	say("read-parent-environ", try_open(p, O_RDONLY));
	say("read-own-status", try_open("/proc/self/status", O_RDONLY));
	say("read-system", try_open("/etc/passwd", O_RDONLY));
	snprintf(p, sizeof(p), "%s/given", argv[3]);
	say("read-given", try_open(p, O_RDONLY));
	snprintf(p, sizeof(p), "%s/new", argv[2]);
	say("write-own-dir", try_open(p, O_WRONLY | O_CREAT | O_EXCL));
	snprintf(p, sizeof(p), "%s", argv[4]);
	if ((slash = strrchr(p, '/')) != NULL)
		snprintf(slash, sizeof(p) - (slash - p), "/planted");
	say("write-elsewhere", try_open(p, O_WRONLY | O_CREAT | O_EXCL));
	say("connect-given-port", try_connect(atoi(argv[5])));
	say("connect-other-port", try_connect(atoi(argv[6])));
	say("bind", try_bind());
	return 0;
}
