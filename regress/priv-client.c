/*
 * priv-client: drive a banger-priv binary the way bangerd does, for the
 * regress suite.  Spawns PATH with priv_spawn() and runs the commands on
 * its command line in order, printing one line per reply:
 *
 *	priv-client [--hold] [--full-stderr | --full-stderr-socket] [--pgrp]
 *	    [--env VAR=VALUE ...] PATH command ...
 *
 *	bridge		PRIV_BRIDGE_ENSURE
 *	tap ID		PRIV_TAP_CREATE; the tap fd is checked with
 *			TUNGETIFF and kept open until the end
 *	ptap ID		the same with persist: the tap outlives its fd
 *	delete ID	PRIV_TAP_DELETE
 *	egress ID open|allowlist TTL ADDRS
 *			PRIV_TAP_EGRESS; ADDRS: comma-separated, or "-"
 *	list		PRIV_TAP_LIST
 *	raw HEX		send HEX as one packet, print the reply or "eof"
 *	snap ID BASE COW
 *			PRIV_DISK_SNAPSHOT with BASE opened read-only and
 *			COW read-write, as bangerd does; the snapshot's fd is
 *			checked (a block device of the size the reply gives)
 *			and kept open until the end.  A file may end in :r,
 *			:w or :rw to open it so instead; "-" sends no fd
 *			(then the request goes out raw and only the reply's
 *			type is printed)
 *	port ADDR PORT	PRIV_PORT_LISTEN (ADDR dotted); prints the listener's
 *			address and whether it listens, keeps it open
 *	release ID	PRIV_DISK_RELEASE
 *	disks		PRIV_DISK_LIST
 *	wait		read stdin to EOF (taps stay open meanwhile)
 *	close		close the tap and disk fds held so far
 *
 *	priv-client --dm-version CONTROL
 *
 * only asks the kernel for device-mapper's version on CONTROL (as root):
 * exit 0 if it answers, 1 if not (no driver behind the node).
 *
 * The first line is "helper pid N", the last "helper exit N" (or
 * "helper signal N").  The helper's stderr is copied to ours.  A failed
 * command stops the sequence.  --hold is a final "wait".  --full-stderr
 * gives the helper, as its stderr, a blocking pipe filled to the brim
 * that nobody reads (a hostile caller's trick to stall it);
 * --full-stderr-socket does the same with a stream socketpair.  --pgrp
 * makes the helper a process-group leader before the exec (so a plain
 * setsid() fails in it); --env puts VAR=VALUE in the helper's otherwise
 * empty environment.  Exit status 0 when every command succeeded, 1
 * otherwise, 2 on usage errors.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <linux/dm-ioctl.h>
#include <linux/fs.h>

#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "fdutil.h"
#include "frame.h"
#include "msg.h"
#include "priv-wrap.h"
#include "proto.h"

#define MAXTAPS	256

static int	 taps[MAXTAPS];
static size_t	 ntaps;

static void
usage(void)
{
	fprintf(stderr, "usage: priv-client [--hold] [--full-stderr | "
	    "--full-stderr-socket] [--pgrp] [--env VAR=VALUE ...] PATH "
	    "command ...\n"
	    "commands: bridge | tap ID | ptap ID | delete ID | list | raw HEX "
	    "| egress ID open|allowlist TTL ADDRS | port ADDR PORT | snap ID BASE COW | release ID | disks | dns udp|tcp | wait | "
	    "close\n");
	exit(2);
}

/* Copy whatever the helper has written to stderr; block=1 reads to EOF. */
static void
drain(int errfd, int block)
{
	struct pollfd	 pfd = { errfd, POLLIN, 0 };
	char		 b[4096];
	ssize_t		 n;

	if (errfd == -1)
		return;
	while (poll(&pfd, 1, block ? -1 : 0) > 0) {
		if ((n = read(errfd, b, sizeof(b))) <= 0)
			break;
		(void)!write(2, b, n);
	}
}

/* How the hostile-caller spawn differs from priv_spawn(). */
struct shape {
	int		 full;		/* 1: full pipe on fd 2, 2: full socket */
	int		 pgrp;		/* setpgid(0, 0) before the exec */
	char		*env[8];	/* --env VAR=VALUE, NULL-terminated */
	size_t		 nenv;
};

/*
 * A blocking descriptor pair filled to the brim: the write end goes to the
 * helper as fd 2, this process keeps the read end and never reads it, so
 * any write there blocks.  A pipe, or a stream socketpair (which the
 * helper cannot reopen non-blocking through /proc as it does a pipe).
 */
static int
full_pair(int kind, int ep[2])
{
	char		 junk[4096];

	memset(junk, 'x', sizeof(junk));
	if (kind == 1 ? pipe2(ep, O_CLOEXEC | O_NONBLOCK) == -1 :
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0, ep) == -1)
		return -1;
	while (write(ep[1], junk, sizeof(junk)) > 0 ||
	    write(ep[1], junk, 1) > 0)
		;
	if (errno != EAGAIN || fcntl(ep[1], F_SETFL, 0) == -1)
		return -1;
	return 0;
}

/*
 * As priv_spawn(), shaped as a hostile caller would: fd 2 full and
 * blocking, the helper made a process-group leader, an environment of
 * the caller's choice.
 */
static int
spawn_shaped(const char *path, const struct shape *sh, int *sockfd,
    int *keep, pid_t *pidp)
{
	char *const	 argv[] = { (char *)"banger-priv", NULL };
	int		 sv[2], ep[2], null;
	pid_t		 pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	if (sh->full && full_pair(sh->full, ep) == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if (sh->pgrp && setpgid(0, 0) == -1)
			_exit(127);
		if ((null = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(null, 0) == -1 || dup2(null, 1) == -1 ||
		    (sh->full && dup2(ep[1], 2) == -1) ||
		    dup2(sv[1], 3) == -1)
			_exit(127);
		fd_closefrom(4);
		execve(path, argv, (char *const *)sh->env);
		_exit(127);
	}
	close(sv[1]);
	*sockfd = sv[0];
	*keep = -1;
	if (sh->full) {
		close(ep[1]);
		*keep = ep[0];
	}
	*pidp = pid;
	return 0;
}

static int
dm_version(const char *path)
{
	struct {
		struct dm_ioctl	 io;
		char		 data[1024];
	}	 d;
	int	 fd, rc;

	if ((fd = open(path, O_RDWR | O_CLOEXEC)) == -1)
		return 1;
	memset(&d, 0, sizeof(d));
	d.io.version[0] = DM_VERSION_MAJOR;
	d.io.data_size = sizeof(d);
	d.io.data_start = sizeof(d.io);
	rc = ioctl(fd, DM_VERSION, &d);
	close(fd);
	return rc == 0 ? 0 : 1;
}

static int
parse_id(const char *s, uint64_t *out)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0)
		return -1;
	*out = v;
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
do_raw(int fd, const char *hex)
{
	struct buf	 in = { NULL, 0, 0 };
	struct msg_hdr	 hdr;
	uint8_t		 pkt[FRAME_MAX_PRIV + FRAME_HDR + 64];
	size_t		 n = 0, len = strlen(hex);
	char		 why[MSG_ERRLEN];
	void		*body;
	int		 hi, lo, rfd = -1;

	if (len % 2 != 0 || len / 2 > sizeof(pkt)) {
		printf("fail: bad hex\n");
		return -1;
	}
	for (; n < len / 2; n++) {
		if ((hi = hexval(hex[2 * n])) < 0 ||
		    (lo = hexval(hex[2 * n + 1])) < 0) {
			printf("fail: bad hex\n");
			return -1;
		}
		pkt[n] = (uint8_t)(hi << 4 | lo);
	}
	if (send(fd, pkt, n, MSG_NOSIGNAL) != (ssize_t)n) {
		printf("raw: send: %s\n", strerror(errno));
		return -1;
	}
	if (frame_recv(fd, FRAME_MAX_PRIV, &in, &rfd) == -1) {
		printf("raw: receive: %s\n", strerror(errno));
		return -1;
	}
	if (in.len == 0) {
		printf("raw: eof\n");
		buf_free(&in);
		return 0;
	}
	if (rfd != -1)
		close(rfd);
	if (msg_decode(&priv_proto, in.p, in.len, &hdr, &body, why,
	    sizeof(why)) == -1) {
		printf("raw: undecodable reply: %s\n", why);
		buf_free(&in);
		return -1;
	}
	printf("raw: reply %s\n", msg_typename(&priv_proto, hdr.type));
	msg_free(&priv_proto, hdr.type, body);
	buf_free(&in);
	return 0;
}

/* PATH[:r|:w|:rw] opened so (dflt without a suffix); "-" is no fd. */
static int
open_spec(const char *spec, int dflt)
{
	char		 path[4096];
	const char	*c = strrchr(spec, ':');
	int		 fl = dflt;

	if (strcmp(spec, "-") == 0)
		return -2;
	snprintf(path, sizeof(path), "%s", spec);
	if (c != NULL && (strcmp(c, ":r") == 0 || strcmp(c, ":w") == 0 ||
	    strcmp(c, ":rw") == 0)) {
		path[c - spec] = '\0';
		fl = strcmp(c, ":r") == 0 ? O_RDONLY : strcmp(c, ":w") == 0 ?
		    O_WRONLY : O_RDWR;
	}
	return open(path, fl | O_CLOEXEC);
}

/* A snapshot request with however many descriptors; print the reply. */
static int
snap_raw(int sock, uint64_t id, const int *fds, size_t n)
{
	struct priv_disk_snapshot	 req = { id };
	struct buf			 b = { NULL, 0, 0 };
	struct msg_hdr			 hdr;
	char				 why[MSG_ERRLEN];
	void				*body;
	int				 rfd = -1;

	if (msg_frame(&priv_proto, PRIV_DISK_SNAPSHOT, 1, &req, &b) == -1 ||
	    frame_sendv(sock, &b, fds, n) == -1) {
		printf("snap: send: %s\n", strerror(errno));
		buf_free(&b);
		return -1;
	}
	if (frame_recv(sock, FRAME_MAX_PRIV, &b, &rfd) == -1) {
		printf("snap: receive: %s\n", strerror(errno));
		buf_free(&b);
		return -1;
	}
	if (rfd != -1)
		close(rfd);
	if (b.len == 0) {
		printf("snap: eof\n");
		buf_free(&b);
		return 0;
	}
	if (msg_decode(&priv_proto, b.p, b.len, &hdr, &body, why,
	    sizeof(why)) == -1) {
		printf("snap: undecodable reply: %s\n", why);
		buf_free(&b);
		return -1;
	}
	printf("snap: reply %s\n", msg_typename(&priv_proto, hdr.type));
	msg_free(&priv_proto, hdr.type, body);
	buf_free(&b);
	return 0;
}

/* The fd must be a block device of the size the reply gives. */
static const char *
check_disk_fd(int fd, uint64_t sectors)
{
	struct stat	 st;
	uint64_t	 bytes;

	if (fstat(fd, &st) == -1 || !S_ISBLK(st.st_mode))
		return "not-a-block-device";
	if (ioctl(fd, BLKGETSIZE64, &bytes) == -1 || bytes != sectors * 512)
		return "wrong-size";
	return "ok";
}

/* The fd must be the very tap the reply names. */
static const char *
check_tap_fd(int fd, const char *name)
{
	struct ifreq	 ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) == -1)
		return "not-a-tap";
	if (strncmp(ifr.ifr_name, name, sizeof(ifr.ifr_name)) != 0)
		return "wrong-name";
	if ((ifr.ifr_flags & (IFF_TAP | IFF_NO_PI)) != (IFF_TAP | IFF_NO_PI))
		return "wrong-flags";
	return "ok";
}

static void
wait_stdin(void)
{
	char	 b[256];

	while (read(0, b, sizeof(b)) > 0)
		;
}

int
main(int argc, char *argv[])
{
	struct priv_bridge	*br;
	struct priv_tap		*tap;
	struct priv_tap_ids	*ids;
	struct priv_disk	*dk;
	struct priv_disk_ids	*dids;
	char			 err[512];
	uint64_t		 id;
	size_t			 i;
	pid_t			 pid;
	int			 sock, errfd, hold = 0, failed = 0, rc, tfd;
	int			 status, a, keep = -1, shaped;
	struct shape		 sh = { 0 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "--dm-version") == 0)
		return dm_version(argv[2]);
	for (a = 1; a < argc && strncmp(argv[a], "--", 2) == 0; a++) {
		if (strcmp(argv[a], "--hold") == 0)
			hold = 1;
		else if (strcmp(argv[a], "--full-stderr") == 0)
			sh.full = 1;
		else if (strcmp(argv[a], "--full-stderr-socket") == 0)
			sh.full = 2;
		else if (strcmp(argv[a], "--pgrp") == 0)
			sh.pgrp = 1;
		else if (strcmp(argv[a], "--env") == 0 && a + 1 < argc &&
		    strchr(argv[a + 1], '=') != NULL &&
		    sh.nenv + 1 < sizeof(sh.env) / sizeof(sh.env[0]))
			sh.env[sh.nenv++] = argv[++a];
		else
			usage();
	}
	if (a >= argc)
		usage();
	errfd = -1;
	shaped = sh.full || sh.pgrp || sh.nenv > 0;
	if ((shaped ? spawn_shaped(argv[a], &sh, &sock, &keep, &pid) :
	    priv_spawn(argv[a], &sock, &errfd, &pid)) == -1) {
		fprintf(stderr, "priv-client: spawn %s: %s\n", argv[a],
		    strerror(errno));
		return 1;
	}
	printf("helper pid %ld\n", (long)pid);
	for (a++; a < argc && !failed; a++) {
		const char	*cmd = argv[a];

		rc = 0;
		if (strcmp(cmd, "bridge") == 0) {
			if ((rc = priv_bridge_ensure(sock, &br, err,
			    sizeof(err))) == 0) {
				printf("bridge name=%s subnet=%s gateway=%s "
				    "prefix=%llu\n", br->name, br->subnet,
				    br->gateway,
				    (unsigned long long)br->prefix);
				msg_free(&priv_proto, PRIV_BRIDGE, br);
			}
		} else if (strcmp(cmd, "tap") == 0 ||
		    strcmp(cmd, "ptap") == 0) {
			int	 persist = strcmp(cmd, "ptap") == 0;

			if (++a >= argc || parse_id(argv[a], &id) == -1)
				usage();
			if ((rc = priv_tap_create(sock, id, persist, &tap, &tfd,
			    err, sizeof(err))) == 0) {
				printf("tap vm_id=%llu name=%s address=%s "
				    "gateway=%s prefix=%llu mac=%s fd=%s\n",
				    (unsigned long long)tap->vm_id, tap->name,
				    tap->address, tap->gateway,
				    (unsigned long long)tap->prefix, tap->mac,
				    check_tap_fd(tfd, tap->name));
				msg_free(&priv_proto, PRIV_TAP, tap);
				if (ntaps < MAXTAPS)
					taps[ntaps++] = tfd;
				else
					close(tfd);
			}
		} else if (strcmp(cmd, "delete") == 0) {
			if (++a >= argc || parse_id(argv[a], &id) == -1)
				usage();
			if ((rc = priv_tap_delete(sock, id, err,
			    sizeof(err))) == 0)
				printf("ok\n");
		} else if (strcmp(cmd, "egress") == 0) {
			char		*av[PRIV_EGRESS_ADDRS_MAX + 1], *t;
			uint64_t	 ttl;
			size_t		 n = 0;

			if ((a += 4) >= argc || parse_id(argv[a - 3], &id) ==
			    -1 || parse_id(argv[a - 1], &ttl) == -1)
				usage();
			for (t = strtok(argv[a], ","); t != NULL && n <
			    PRIV_EGRESS_ADDRS_MAX + 1 && strcmp(t, "-") != 0;
			    t = strtok(NULL, ","))
				av[n++] = t;
			if ((rc = priv_tap_egress(sock, id, strcmp(argv[a - 2],
			    "allowlist") == 0, av, n, ttl, err,
			    sizeof(err))) == 0)
				printf("ok\n");
		} else if (strcmp(cmd, "list") == 0) {
			if ((rc = priv_tap_list(sock, &ids, err,
			    sizeof(err))) == 0) {
				printf("ids");
				for (i = 0; i < ids->vm_ids.n; i++)
					printf(" %llu", (unsigned long long)
					    ids->vm_ids.v[i]);
				printf("\n");
				msg_free(&priv_proto, PRIV_TAP_IDS, ids);
			}
		} else if (strcmp(cmd, "raw") == 0) {
			if (++a >= argc)
				usage();
			if (do_raw(sock, argv[a]) == -1)
				failed = 1;
		} else if (strcmp(cmd, "snap") == 0) {
			int	 sf[2], n = 0, j;

			if (a + 3 >= argc || parse_id(argv[a + 1], &id) == -1)
				usage();
			sf[0] = open_spec(argv[a + 2], O_RDONLY);
			sf[1] = open_spec(argv[a + 3], O_RDWR);
			a += 3;
			for (j = 0; j < 2; j++)
				if (sf[j] == -1) {
					printf("fail: open %s: %s\n",
					    argv[a - 1 + j], strerror(errno));
					failed = 1;
				} else if (sf[j] >= 0)
					sf[n++] = sf[j];
			if (failed)
				;
			else if (n != 2) {
				if (snap_raw(sock, id, sf, n) == -1)
					failed = 1;
			} else if ((rc = priv_disk_snapshot(sock, id, sf[0],
			    sf[1], &dk, &tfd, err, sizeof(err))) == 0) {
				printf("disk vm_id=%llu name=%s sectors=%llu "
				    "fd=%s\n", (unsigned long long)dk->vm_id,
				    dk->name, (unsigned long long)dk->sectors,
				    check_disk_fd(tfd, dk->sectors));
				msg_free(&priv_proto, PRIV_DISK, dk);
				if (ntaps < MAXTAPS)
					taps[ntaps++] = tfd;
				else
					close(tfd);
			}
			for (j = 0; j < n; j++)
				close(sf[j]);
		} else if (strcmp(cmd, "release") == 0) {
			if (++a >= argc || parse_id(argv[a], &id) == -1)
				usage();
			if ((rc = priv_disk_release(sock, id, err,
			    sizeof(err))) == 0)
				printf("ok\n");
		} else if (strcmp(cmd, "disks") == 0) {
			if ((rc = priv_disk_list(sock, &dids, err,
			    sizeof(err))) == 0) {
				printf("disks");
				for (i = 0; i < dids->vm_ids.n; i++)
					printf(" %llu", (unsigned long long)
					    dids->vm_ids.v[i]);
				printf("\n");
				msg_free(&priv_proto, PRIV_DISK_IDS, dids);
			}
		} else if (strcmp(cmd, "dns") == 0) {
			struct sockaddr_storage	 ss;
			socklen_t		 sl = sizeof(ss), tl;
			char			 host[64];
			int			 tcp, type = 0, acc = 0;

			if (++a >= argc || (strcmp(argv[a], "udp") != 0 &&
			    strcmp(argv[a], "tcp") != 0))
				usage();
			tcp = strcmp(argv[a], "tcp") == 0;
			if ((rc = priv_dns_listen(sock, tcp, &tfd, err,
			    sizeof(err))) == 0) {
				tl = sizeof(int);
				(void)getsockopt(tfd, SOL_SOCKET, SO_TYPE, &type,
				    &tl);
				tl = sizeof(int);
				(void)getsockopt(tfd, SOL_SOCKET, SO_ACCEPTCONN,
				    &acc, &tl);
				if (getsockname(tfd, (struct sockaddr *)&ss,
				    &sl) == -1 || ss.ss_family != AF_INET)
					snprintf(host, sizeof(host), "?");
				else
					inet_ntop(AF_INET, &((struct sockaddr_in *)
					    &ss)->sin_addr, host, sizeof(host));
				printf("dns %s %s:%u listening=%d\n",
				    type == SOCK_STREAM ? "tcp" : type ==
				    SOCK_DGRAM ? "udp" : "?", host,
				    ss.ss_family == AF_INET ? ntohs(((struct
				    sockaddr_in *)&ss)->sin_port) : 0, acc);
				/* Held, as bangerd holds them. */
				if (ntaps < MAXTAPS)
					taps[ntaps++] = tfd;
				else
					close(tfd);
			}
		} else if (strcmp(cmd, "port") == 0) {
			struct sockaddr_in	 sin;
			struct in_addr		 in;
			socklen_t		 sl = sizeof(sin), tl;
			int			 acc = 0;

			if (a + 2 >= argc || inet_pton(AF_INET, argv[a + 1],
			    &in) != 1)
				usage();
			a += 2;
			if ((rc = priv_port_listen(sock, ntohl(in.s_addr),
			    (uint16_t)atoi(argv[a]), &tfd, err,
			    sizeof(err))) == 0) {
				tl = sizeof(int);
				(void)getsockopt(tfd, SOL_SOCKET, SO_ACCEPTCONN,
				    &acc, &tl);
				if (getsockname(tfd, (struct sockaddr *)&sin,
				    &sl) == -1)
					memset(&sin, 0, sizeof(sin));
				printf("port %s:%u listening=%d\n",
				    inet_ntoa(sin.sin_addr),
				    ntohs(sin.sin_port), acc);
				if (ntaps < MAXTAPS)
					taps[ntaps++] = tfd;
				else
					close(tfd);
			}
		} else if (strcmp(cmd, "wait") == 0) {
			drain(errfd, 0);
			wait_stdin();
		} else if (strcmp(cmd, "close") == 0) {
			for (i = 0; i < ntaps; i++)
				close(taps[i]);
			ntaps = 0;
		} else
			usage();
		if (rc > 0) {
			printf("error code=%d message=%s\n", rc, err);
			failed = 1;
		} else if (rc < 0) {
			printf("fail: %s\n", err);
			failed = 1;
		}
		drain(errfd, 0);
	}
	if (hold) {
		drain(errfd, 0);
		wait_stdin();
	}
	close(sock);
	drain(errfd, 1);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			perror("waitpid");
			return 1;
		}
	if (WIFEXITED(status))
		printf("helper exit %d\n", WEXITSTATUS(status));
	else
		printf("helper signal %d\n", WTERMSIG(status));
	for (i = 0; i < ntaps; i++)
		close(taps[i]);
	if (keep != -1)
		close(keep);
	return failed;
}
