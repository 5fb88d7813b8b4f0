/*
 * banger-net end to end, with no VM: the test starts the built
 * banger-net as bangerd would (channel on fd 3, log on fd 2), hands it a
 * UDP and a TCP listener it bound on loopback, the names table and an
 * upstream resolver that is the test itself on 127.0.0.x port 53, and
 * plays both the guest and the upstream.  Binding port 53 needs root (or
 * CAP_NET_BIND_SERVICE): without it every test is skipped, saying so.
 * Timeouts only keep a broken banger-net from hanging the test; nothing
 * asserts on how long anything takes.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <linux/sockios.h>

#include <netinet/in.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "buf.h"
#include "frame.h"
#include "msg.h"
#include "proto_net.h"

/* Only so that a broken banger-net cannot hang the test. */
#define WAIT_MS		20000	/* one answer */
#define COUNTERS_WAIT_MS 40000	/* counters go out every 10 s */

static struct {
	int		 skip;
	pid_t		 pid;
	int		 chan;		/* our end of its channel */
	int		 logfd;		/* its stderr */
	struct buf	 log;
	struct sockaddr_in guest_udp, guest_tcp;	/* its listeners */
	int		 up_udp, up_tcp;	/* the fake upstream */
	char		 up_addr[INET_ADDRSTRLEN];
	int		 cli;		/* the guest's UDP socket */
	unsigned	 forwards, same_id;
} t = { .pid = -1, .chan = -1, .logfd = -1, .up_udp = -1, .up_tcp = -1,
    .cli = -1 };

/* Whatever banger-net logged since last time, kept for the end. */
static void
drain_log(void)
{
	char	 b[4096];
	ssize_t	 n;

	if (t.logfd == -1)
		return;
	while ((n = read(t.logfd, b, sizeof(b))) > 0)
		(void)buf_append(&t.log, b, (size_t)n);
	if (n == 0) {
		close(t.logfd);
		t.logfd = -1;
	}
}

/* fd readable within ms (its log read meanwhile)?  1 or 0. */
static int
wait_readable(int fd, int ms)
{
	struct pollfd	 p[2];
	int		 n, step;

	for (; ms > 0; ms -= step) {
		step = ms < 200 ? ms : 200;
		p[0].fd = fd;
		p[0].events = POLLIN;
		p[1].fd = t.logfd;
		p[1].events = POLLIN;
		n = poll(p, t.logfd == -1 ? 1 : 2, step);
		drain_log();
		if (n > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			return 1;
	}
	return 0;
}

/* No more datagrams left over from an earlier test at the upstream. */
static void
drain_upstream(void)
{
	uint8_t	 b[4096];

	while (recv(t.up_udp, b, sizeof(b), MSG_DONTWAIT) >= 0)
		;
}

/* A query in wire form: name, type, id, flags (LDNS_RD).  Its length. */
static size_t
make_query(const char *name, ldns_rr_type type, uint16_t id, uint16_t flags,
    uint8_t *out, size_t outlen)
{
	ldns_pkt	*p;
	uint8_t		*w = NULL;
	size_t		 n = 0;

	p = ldns_pkt_query_new(ldns_dname_new_frm_str(name), type,
	    LDNS_RR_CLASS_IN, flags);
	assert_non_null(p);
	ldns_pkt_set_id(p, id);
	assert_int_equal(ldns_pkt2wire(&w, p, &n), LDNS_STATUS_OK);
	assert_true(n <= outlen);
	memcpy(out, w, n);
	free(w);
	ldns_pkt_free(p);
	return n;
}

/*
 * The upstream's answer: question qname A IN, the given id, TC if tc,
 * and an A record holding addr unless addr is NULL.
 */
static size_t
make_answer(const char *qname, uint16_t id, int tc, const char *addr,
    uint8_t *out, size_t outlen)
{
	ldns_pkt	*p;
	ldns_rr		*rr = NULL;
	uint8_t		*w = NULL;
	char		 s[512];
	size_t		 n = 0;

	p = ldns_pkt_query_new(ldns_dname_new_frm_str(qname), LDNS_RR_TYPE_A,
	    LDNS_RR_CLASS_IN, LDNS_RD);
	assert_non_null(p);
	ldns_pkt_set_id(p, id);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_ra(p, true);
	ldns_pkt_set_tc(p, tc != 0);
	if (addr != NULL) {
		snprintf(s, sizeof(s), "%s. 60 IN A %s", qname, addr);
		assert_int_equal(ldns_rr_new_frm_str(&rr, s, 0, NULL, NULL),
		    LDNS_STATUS_OK);
		assert_true(ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr));
	}
	assert_int_equal(ldns_pkt2wire(&w, p, &n), LDNS_STATUS_OK);
	assert_true(n <= outlen);
	memcpy(out, w, n);
	free(w);
	ldns_pkt_free(p);
	return n;
}

/* A guest's query over UDP and banger-net's answer, parsed. */
static ldns_pkt *
ask_udp(const char *name, ldns_rr_type type, uint16_t id)
{
	uint8_t		 q[512], a[4096];
	ldns_pkt	*p = NULL;
	size_t		 n;
	ssize_t		 r;

	n = make_query(name, type, id, LDNS_RD, q, sizeof(q));
	assert_int_equal(sendto(t.cli, q, n, 0,
	    (struct sockaddr *)&t.guest_udp, sizeof(t.guest_udp)), (ssize_t)n);
	assert_true(wait_readable(t.cli, WAIT_MS));
	r = recv(t.cli, a, sizeof(a), 0);
	assert_true(r > 0);
	assert_int_equal(ldns_wire2pkt(&p, a, (size_t)r), LDNS_STATUS_OK);
	return p;
}

/* The address of p's only answer, which must be an A record for name. */
static void
assert_one_a(ldns_pkt *p, const char *name, const char *addr)
{
	ldns_rr		*rr;
	ldns_rdf	*owner;
	struct in_addr	 want;

	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	rr = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
	assert_int_equal(ldns_rr_get_type(rr), LDNS_RR_TYPE_A);
	owner = ldns_dname_new_frm_str(name);
	assert_int_equal(ldns_dname_compare(ldns_rr_owner(rr), owner), 0);
	ldns_rdf_deep_free(owner);
	assert_int_equal(inet_pton(AF_INET, addr, &want), 1);
	assert_int_equal(ldns_rdf_size(ldns_rr_rdf(rr, 0)), 4);
	assert_memory_equal(ldns_rdf_data(ldns_rr_rdf(rr, 0)), &want, 4);
}

static void
send_msg(uint32_t type, const void *body, int fd)
{
	struct buf	 b = { 0 };

	assert_int_equal(msg_frame(&net_proto, type, 0, body, &b), 0);
	assert_int_equal(frame_send(t.chan, &b, fd), 0);
	buf_free(&b);
}

/*
 * Wait until banger-net has taken every message we sent off the channel
 * (an AF_UNIX sender's SIOCOUTQ counts what the peer has not read), so
 * a query sent next is handled after them: the protocol orders nothing
 * between the channel and guests' sockets, and a query sent at once
 * can be read in the same batch as the one before it.
 */
static void
channel_read(void)
{
	int	 i, n = -1;

	for (i = 0; i < WAIT_MS / 10; i++) {
		assert_int_equal(ioctl(t.chan, SIOCOUTQ, &n), 0);
		if (n == 0)
			return;
		usleep(10 * 1000);
	}
	fail_msg("banger-net did not read its channel");
}

/* The names table with each guest's egress mode (NULL: all open). */
static void
send_names_egress(char **names, char **addrs, const uint64_t *egress,
    size_t n)
{
	struct net_names	 nn;
	uint64_t		 open[8] = { 0 };

	assert_true(n <= 8);
	nn.names.v = names;
	nn.names.n = n;
	nn.addrs.v = addrs;
	nn.addrs.n = n;
	nn.egress.v = (uint64_t *)(egress != NULL ? egress : open);
	nn.egress.n = n;
	send_msg(NET_NAMES, &nn, -1);
}

static void
send_names(char **names, char **addrs, size_t n)
{
	send_names_egress(names, addrs, NULL, n);
}

/* A socket bound to addr:port (0: any port), listening if TCP. */
static int
bound(int type, const char *addr, int port, struct sockaddr_in *out)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	int			 s, on = 1, e;

	if ((s = socket(AF_INET, type | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	inet_pton(AF_INET, addr, &sin.sin_addr);
	(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    (type == SOCK_STREAM && listen(s, 8) == -1) ||
	    getsockname(s, (struct sockaddr *)&sin, &sl) == -1) {
		e = errno;
		close(s);
		errno = e;
		return -1;
	}
	if (out != NULL)
		*out = sin;
	return s;
}

/*
 * The fake upstream on port 53 of the first loopback address where both
 * UDP and TCP are free (127.0.0.1 may hold a host's own resolver).
 * -1 when port 53 cannot be bound at all (not root).
 */
static int
upstream_bind(void)
{
	int	 i;

	for (i = 1; i < 16; i++) {
		snprintf(t.up_addr, sizeof(t.up_addr), "127.0.0.%d", i);
		if ((t.up_udp = bound(SOCK_DGRAM, t.up_addr, 53, NULL)) == -1) {
			if (errno == EACCES || errno == EPERM)
				return -1;
			continue;
		}
		if ((t.up_tcp = bound(SOCK_STREAM, t.up_addr, 53, NULL)) !=
		    -1)
			return 0;
		close(t.up_udp);
		t.up_udp = -1;
		if (errno == EACCES || errno == EPERM)
			return -1;
	}
	return -1;
}

/* banger-net next to this test's binary, as the build puts it. */
static int
net_path(char *path, size_t len)
{
	char	*slash;
	ssize_t	 n;

	if ((n = readlink("/proc/self/exe", path, len - 1)) <= 0)
		return -1;
	path[n] = '\0';
	if ((slash = strrchr(path, '/')) == NULL ||
	    (size_t)(slash - path) + sizeof("/banger-net") > len)
		return -1;
	strcpy(slash, "/banger-net");
	return access(path, X_OK);
}

static int
spawn(const char *path)
{
	char		 asan[1024];
	const char	*opts;
	int		 sv[2], ep[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1 ||
	    pipe2(ep, O_CLOEXEC) == -1)
		return -1;
	if ((t.pid = fork()) == -1)
		return -1;
	if (t.pid == 0) {
		/*
		 * An ASan build's leak check at exit stops the world with
		 * clone(2) and ptrace(2), which its seccomp filter refuses;
		 * a plain build ignores the variable.
		 */
		opts = getenv("ASAN_OPTIONS");
		snprintf(asan, sizeof(asan), "%s%sdetect_leaks=0",
		    opts != NULL ? opts : "",
		    opts != NULL && *opts != '\0' ? ":" : "");
		if (setenv("ASAN_OPTIONS", asan, 1) == -1 ||
		    dup2(ep[1], 2) == -1 || dup2(sv[1], 3) == -1 ||
		    (sv[1] == 3 && fcntl(3, F_SETFD, 0) == -1))
			_exit(127);
		execl(path, "banger-net", "-v", (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	close(ep[1]);
	t.chan = sv[0];
	t.logfd = ep[0];
	return fcntl(t.logfd, F_SETFL, O_NONBLOCK);
}

static int
group_setup(void **state)
{
	static char		*up[2], *names[] = { "alpha", "Beta", NULL },
				*addrs[] = { "10.77.0.2", "10.77.0.3", NULL };
	struct net_config	 nc;
	struct net_listen	 nl;
	char			 path[4096];
	int			 udp, tcp;

	(void)state;
	if (upstream_bind() == -1) {
		fprintf(stderr, "test-net: SKIPPED: cannot bind UDP and TCP "
		    "port 53 on 127.0.0.1 (to .15) for the fake upstream "
		    "(%s): run as root\n", strerror(errno));
		t.skip = 1;
		return 0;
	}
	if (net_path(path, sizeof(path)) == -1) {
		fprintf(stderr, "test-net: no banger-net next to the test\n");
		return -1;
	}
	if ((udp = bound(SOCK_DGRAM, "127.0.0.1", 0, &t.guest_udp)) == -1 ||
	    (tcp = bound(SOCK_STREAM, "127.0.0.1", 0, &t.guest_tcp)) == -1 ||
	    (t.cli = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    spawn(path) == -1)
		return -1;
	up[0] = t.up_addr;
	up[1] = NULL;
	nc.upstream.v = up;
	nc.upstream.n = 1;
	send_msg(NET_CONFIG, &nc, -1);
	/* The names before the listeners: no query can come before them. */
	send_names(names, addrs, 2);
	nl.kind = NET_LISTEN_UDP;
	send_msg(NET_LISTEN, &nl, udp);
	nl.kind = NET_LISTEN_TCP;
	send_msg(NET_LISTEN, &nl, tcp);
	close(udp);
	close(tcp);
	return 0;
}

static int
group_teardown(void **state)
{
	int	 st;

	(void)state;
	if (t.pid > 0) {
		kill(t.pid, SIGKILL);
		waitpid(t.pid, &st, 0);
	}
	drain_log();
	if (t.log.len > 0)
		fprintf(stderr, "--- banger-net's log\n%.*s---\n",
		    (int)t.log.len, (char *)t.log.p);
	buf_free(&t.log);
	return 0;
}

#define SKIP_UNLESS_READY()	do { if (t.skip) skip(); } while (0)

static void
test_vm_names_udp(void **state)
{
	static char	*names[] = { "gamma", NULL };
	static char	*addrs[] = { "10.77.0.9", NULL };
	ldns_pkt	*p;

	(void)state;
	SKIP_UNLESS_READY();
	p = ask_udp("alpha.vm", LDNS_RR_TYPE_A, 0x1234);
	assert_int_equal(ldns_pkt_id(p), 0x1234);
	assert_true(ldns_pkt_qr(p));
	assert_true(ldns_pkt_aa(p));
	assert_one_a(p, "alpha.vm", "10.77.0.2");
	ldns_pkt_free(p);

	/* Either side's case: bangerd said "Beta", the guest asks BETA. */
	p = ask_udp("BETA.Vm", LDNS_RR_TYPE_A, 0x1235);
	assert_int_equal(ldns_pkt_id(p), 0x1235);
	assert_one_a(p, "beta.vm", "10.77.0.3");
	ldns_pkt_free(p);

	p = ask_udp("nosuch.vm", LDNS_RR_TYPE_A, 0x1236);
	assert_int_equal(ldns_pkt_id(p), 0x1236);
	assert_true(ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);

	p = ask_udp("alpha.vm", LDNS_RR_TYPE_AAAA, 0x1237);
	assert_int_equal(ldns_pkt_id(p), 0x1237);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);

	/* A new table replaces the old. */
	send_names(names, addrs, 1);
	channel_read();
	p = ask_udp("alpha.vm", LDNS_RR_TYPE_A, 0x1238);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(p);
	p = ask_udp("gamma.vm", LDNS_RR_TYPE_A, 0x1239);
	assert_one_a(p, "gamma.vm", "10.77.0.9");
	ldns_pkt_free(p);
}

/* Read exactly n bytes from a stream socket, or fail. */
static void
read_full(int s, uint8_t *b, size_t n)
{
	ssize_t	 r;

	while (n > 0) {
		assert_true(wait_readable(s, WAIT_MS));
		r = read(s, b, n);
		assert_true(r > 0);
		b += r;
		n -= (size_t)r;
	}
}

/* One length-prefixed message from a stream socket. */
static size_t
read_tcp_msg(int s, uint8_t *b, size_t len)
{
	uint8_t	 hdr[2];
	size_t	 n;

	read_full(s, hdr, 2);
	n = (size_t)hdr[0] << 8 | hdr[1];
	assert_true(n <= len);
	read_full(s, b, n);
	return n;
}

/* A query for name A with its 2-byte length before it, at b.  Its size. */
static size_t
tcp_query(uint8_t *b, size_t len, const char *name, uint16_t id)
{
	size_t	 n;

	assert_true(len > 2);
	n = make_query(name, LDNS_RR_TYPE_A, id, LDNS_RD, b + 2, len - 2);
	b[0] = (uint8_t)(n >> 8);
	b[1] = (uint8_t)n;
	return n + 2;
}

/* A TCP connection to banger-net, from src (NULL: any address). */
static int
tcp_open(const char *src)
{
	struct sockaddr_in	 sin;
	int			 s;

	assert_true((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) >=
	    0);
	if (src != NULL) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, src, &sin.sin_addr), 1);
		assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof(sin)),
		    0);
	}
	assert_int_equal(connect(s, (struct sockaddr *)&t.guest_tcp,
	    sizeof(t.guest_tcp)), 0);
	return s;
}

/* One query for name A over the connection s. */
static void
tcp_ask(int s, const char *name, uint16_t id)
{
	uint8_t	 q[512];
	size_t	 n;

	n = tcp_query(q, sizeof(q), name, id);
	assert_int_equal(write(s, q, n), (ssize_t)n);
}

static void
test_vm_names_tcp(void **state)
{
	uint8_t		 q[1024], a[4096];
	ldns_pkt	*p;
	size_t		 n1, n2, n;
	int		 s, i, seen = 0;

	(void)state;
	SKIP_UNLESS_READY();
	s = tcp_open(NULL);
	/* Two queries in one write: pipelined on one connection. */
	n1 = tcp_query(q, sizeof(q), "Gamma.vm", 0x2001);
	n2 = tcp_query(q + n1, sizeof(q) - n1, "alpha.vm", 0x2002);
	assert_int_equal(write(s, q, n1 + n2), (ssize_t)(n1 + n2));
	for (i = 0; i < 2; i++) {
		n = read_tcp_msg(s, a, sizeof(a));
		assert_int_equal(ldns_wire2pkt(&p, a, n), LDNS_STATUS_OK);
		assert_true(ldns_pkt_aa(p));
		if (ldns_pkt_id(p) == 0x2001) {
			assert_one_a(p, "gamma.vm", "10.77.0.9");
			seen |= 1;
		} else {
			assert_int_equal(ldns_pkt_id(p), 0x2002);
			assert_int_equal(ldns_pkt_get_rcode(p),
			    LDNS_RCODE_NXDOMAIN);
			seen |= 2;
		}
		ldns_pkt_free(p);
	}
	assert_int_equal(seen, 3);
	close(s);
}

/*
 * The forwarded query at the upstream: its source in *from, checked to
 * ask name's A with RD set; its ID returned, counted against the
 * guest's.
 */
static uint16_t
upstream_query_name(struct sockaddr_in *from, uint16_t guest_id,
    const char *name)
{
	uint8_t		 b[4096];
	socklen_t	 sl = sizeof(*from);
	ldns_pkt	*p;
	ldns_rr		*rr;
	ldns_rdf	*want;
	ssize_t		 r;
	uint16_t	 id;

	assert_true(wait_readable(t.up_udp, WAIT_MS));
	r = recvfrom(t.up_udp, b, sizeof(b), 0, (struct sockaddr *)from, &sl);
	assert_true(r > 0);
	assert_int_equal(ldns_wire2pkt(&p, b, (size_t)r), LDNS_STATUS_OK);
	assert_false(ldns_pkt_qr(p));
	assert_true(ldns_pkt_rd(p));
	assert_int_equal(ldns_pkt_qdcount(p), 1);
	rr = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	assert_int_equal(ldns_rr_get_type(rr), LDNS_RR_TYPE_A);
	want = ldns_dname_new_frm_str(name);
	assert_int_equal(ldns_dname_compare(ldns_rr_owner(rr), want), 0);
	ldns_rdf_deep_free(want);
	id = ldns_pkt_id(p);
	ldns_pkt_free(p);
	t.forwards++;
	if (id == guest_id)
		t.same_id++;
	return id;
}

static uint16_t
upstream_query(struct sockaddr_in *from, uint16_t guest_id)
{
	return upstream_query_name(from, guest_id, "www.example.test");
}

static void
upstream_send(const struct sockaddr_in *to, const char *qname, uint16_t id,
    int tc, const char *addr)
{
	uint8_t	 b[4096];
	size_t	 n;

	n = make_answer(qname, id, tc, addr, b, sizeof(b));
	assert_int_equal(sendto(t.up_udp, b, n, 0, (const struct sockaddr *)to,
	    sizeof(*to)), (ssize_t)n);
}

static void
test_forward(void **state)
{
	struct sockaddr_in	 from;
	uint8_t			 q[512], a[4096];
	ldns_pkt		*p;
	size_t			 n;
	ssize_t			 r;
	uint16_t		 id;

	(void)state;
	SKIP_UNLESS_READY();
	drain_upstream();
	/* Without RD: banger-net asks for recursion all the same. */
	n = make_query("www.example.test", LDNS_RR_TYPE_A, 0x3001, 0, q,
	    sizeof(q));
	assert_int_equal(sendto(t.cli, q, n, 0,
	    (struct sockaddr *)&t.guest_udp, sizeof(t.guest_udp)), (ssize_t)n);
	id = upstream_query(&from, 0x3001);
	/* Forgeries first: another ID, then another question. */
	upstream_send(&from, "www.example.test", (uint16_t)(id + 1), 0,
	    "192.0.2.66");
	upstream_send(&from, "www.other.test", id, 0, "192.0.2.67");
	upstream_send(&from, "www.example.test", id, 0, "192.0.2.7");
	assert_true(wait_readable(t.cli, WAIT_MS));
	r = recv(t.cli, a, sizeof(a), 0);
	assert_true(r > 0);
	assert_int_equal(ldns_wire2pkt(&p, a, (size_t)r), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(p), 0x3001);
	assert_false(ldns_pkt_rd(p));
	assert_one_a(p, "www.example.test", "192.0.2.7");
	ldns_pkt_free(p);
}

/*
 * A TCP client that sends its query and half-closes still gets the
 * forwarded answer (a client that closes at once would get nothing).
 */
static void
test_tcp_half_close(void **state)
{
	struct sockaddr_in	 from;
	uint8_t			 a[4096];
	ldns_pkt		*p;
	size_t			 n;
	uint16_t		 id;
	int			 s;

	(void)state;
	SKIP_UNLESS_READY();
	drain_upstream();
	s = tcp_open(NULL);
	tcp_ask(s, "www.example.test", 0x3301);
	assert_int_equal(shutdown(s, SHUT_WR), 0);
	id = upstream_query(&from, 0x3301);
	upstream_send(&from, "www.example.test", id, 0, "192.0.2.9");
	n = read_tcp_msg(s, a, sizeof(a));
	assert_int_equal(ldns_wire2pkt(&p, a, n), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(p), 0x3301);
	assert_one_a(p, "www.example.test", "192.0.2.9");
	ldns_pkt_free(p);
	/* Then it closes its side too. */
	assert_true(wait_readable(s, WAIT_MS));
	assert_int_equal(read(s, a, sizeof(a)), 0);
	close(s);
}

static void
test_forward_truncated(void **state)
{
	struct sockaddr_in	 from;
	uint8_t			 q[512], a[4096];
	ldns_pkt		*p;
	size_t			 n;
	ssize_t			 r;
	uint16_t		 id;
	int			 c;

	(void)state;
	SKIP_UNLESS_READY();
	drain_upstream();
	n = make_query("www.example.test", LDNS_RR_TYPE_A, 0x4001, LDNS_RD,
	    q, sizeof(q));
	assert_int_equal(sendto(t.cli, q, n, 0,
	    (struct sockaddr *)&t.guest_udp, sizeof(t.guest_udp)), (ssize_t)n);
	id = upstream_query(&from, 0x4001);
	upstream_send(&from, "www.example.test", id, 1, NULL);
	/* It asks again over TCP, from a connection of its own. */
	assert_true(wait_readable(t.up_tcp, WAIT_MS));
	assert_true((c = accept4(t.up_tcp, NULL, NULL, SOCK_CLOEXEC)) >= 0);
	n = read_tcp_msg(c, a, sizeof(a));
	assert_int_equal(ldns_wire2pkt(&p, a, n), LDNS_STATUS_OK);
	assert_false(ldns_pkt_qr(p));
	assert_true(ldns_pkt_rd(p));
	id = ldns_pkt_id(p);
	t.forwards++;
	if (id == 0x4001)
		t.same_id++;
	ldns_pkt_free(p);
	n = make_answer("www.example.test", id, 0, "192.0.2.7", a + 2,
	    sizeof(a) - 2);
	a[0] = (uint8_t)(n >> 8);
	a[1] = (uint8_t)n;
	assert_int_equal(write(c, a, n + 2), (ssize_t)(n + 2));
	assert_true(wait_readable(t.cli, WAIT_MS));
	r = recv(t.cli, a, sizeof(a), 0);
	assert_true(r > 0);
	assert_int_equal(ldns_wire2pkt(&p, a, (size_t)r), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(p), 0x4001);
	assert_false(ldns_pkt_tc(p));
	assert_one_a(p, "www.example.test", "192.0.2.7");
	ldns_pkt_free(p);
	close(c);
}

static void
test_forward_silent(void **state)
{
	struct sockaddr_in	 from;
	ldns_pkt		*p;

	(void)state;
	SKIP_UNLESS_READY();
	drain_upstream();
	/* The upstream hears it (each try) and never answers. */
	p = ask_udp("www.example.test", LDNS_RR_TYPE_A, 0x5001);
	assert_int_equal(ldns_pkt_id(p), 0x5001);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
	(void)upstream_query(&from, 0x5001);
	drain_upstream();
}

/*
 * Four resolvers that never answer, asked over TCP: the guest gets its
 * SERVFAIL before its connection's idle timeout (4 tries of 2 s, under
 * 10 s), not an end of file.
 */
static void
test_forward_silent_tcp(void **state)
{
	static char		*up[5];
	struct net_config	 nc;
	uint8_t			 a[4096];
	ldns_pkt		*p;
	size_t			 n;
	int			 s, i;

	(void)state;
	SKIP_UNLESS_READY();
	for (i = 0; i < 4; i++)
		up[i] = t.up_addr;
	up[4] = NULL;
	nc.upstream.v = up;
	nc.upstream.n = 4;
	send_msg(NET_CONFIG, &nc, -1);
	s = tcp_open(NULL);
	tcp_ask(s, "www.example.test", 0x5101);
	n = read_tcp_msg(s, a, sizeof(a));
	assert_int_equal(ldns_wire2pkt(&p, a, n), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(p), 0x5101);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	ldns_pkt_free(p);
	close(s);
	nc.upstream.n = 1;
	up[1] = NULL;
	send_msg(NET_CONFIG, &nc, -1);
	drain_upstream();
}

/*
 * Each forward above went out with an ID of banger-net's own: the
 * guest's every time would happen by chance with odds of 2^-16 each.
 */
static void
test_forward_fresh_ids(void **state)
{
	(void)state;
	SKIP_UNLESS_READY();
	assert_true(t.forwards >= 3);
	assert_true(t.same_id < t.forwards);
}

/*
 * The egress policy.  The table lists, beside gamma, "locked" at
 * 127.0.1.2 (allowlisted) and "free" at 127.0.1.3 (open); the guests
 * ask from sockets bound to those addresses.
 */
#define LOCKED	"127.0.1.2"
#define FREE	"127.0.1.3"

static char	*eg_names[] = { "gamma", "locked", "free", NULL };
static char	*eg_addrs[] = { "10.77.0.9", LOCKED, FREE, NULL };
static const uint64_t eg_modes[] = { EGRESS_OPEN, EGRESS_ALLOWLIST,
    EGRESS_OPEN };

/* A UDP socket for the guest at addr. */
static int
guest_socket(const char *addr)
{
	int	 s;

	assert_true((s = bound(SOCK_DGRAM, addr, 0, NULL)) >= 0);
	return s;
}

/* A query from s, its answer not waited for. */
static void
send_query(int s, const char *name, uint16_t id)
{
	uint8_t	 q[512];
	size_t	 n;

	n = make_query(name, LDNS_RR_TYPE_A, id, LDNS_RD, q, sizeof(q));
	assert_int_equal(sendto(s, q, n, 0, (struct sockaddr *)&t.guest_udp,
	    sizeof(t.guest_udp)), (ssize_t)n);
}

/* The next answer at s, parsed, with the id expected. */
static ldns_pkt *
recv_answer(int s, uint16_t id)
{
	uint8_t		 a[4096];
	ldns_pkt	*p = NULL;
	ssize_t		 r;

	assert_true(wait_readable(s, WAIT_MS));
	r = recv(s, a, sizeof(a), 0);
	assert_true(r > 0);
	assert_int_equal(ldns_wire2pkt(&p, a, (size_t)r), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(p), id);
	return p;
}

/* The rcode of the answer to name asked from s. */
static int
ask_rcode(int s, const char *name, uint16_t id)
{
	ldns_pkt	*p;
	int		 rc;

	send_query(s, name, id);
	p = recv_answer(s, id);
	rc = ldns_pkt_get_rcode(p);
	if (rc != LDNS_RCODE_NOERROR)
		assert_int_equal(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
	return rc;
}

/* The upstream's answer to qname A: the records given, as text. */
static void
upstream_send_rrs(const struct sockaddr_in *to, const char *qname,
    uint16_t id, const char *const *rrs, size_t nrr)
{
	ldns_pkt	*p;
	ldns_rr		*rr;
	uint8_t		*w = NULL;
	size_t		 n = 0, i;

	p = ldns_pkt_query_new(ldns_dname_new_frm_str(qname), LDNS_RR_TYPE_A,
	    LDNS_RR_CLASS_IN, LDNS_RD);
	assert_non_null(p);
	ldns_pkt_set_id(p, id);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_ra(p, true);
	for (i = 0; i < nrr; i++) {
		assert_int_equal(ldns_rr_new_frm_str(&rr, rrs[i], 0, NULL,
		    NULL), LDNS_STATUS_OK);
		assert_true(ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr));
	}
	assert_int_equal(ldns_pkt2wire(&w, p, &n), LDNS_STATUS_OK);
	assert_int_equal(sendto(t.up_udp, w, n, 0, (const struct sockaddr *)to,
	    sizeof(*to)), (ssize_t)n);
	free(w);
	ldns_pkt_free(p);
}

/*
 * The next message of type from banger-net (its counters, which come
 * every 10 s, passed over); the caller frees the body.
 */
static void *
chan_next(uint32_t type, struct msg_hdr *hdr)
{
	struct buf	 in = { 0 };
	void		*body;
	char		 err[MSG_ERRLEN];
	int		 i;

	for (i = 0; i < 8; i++) {
		assert_true(wait_readable(t.chan, WAIT_MS));
		assert_int_equal(frame_recv(t.chan, NET_FRAME_MAX, &in, NULL),
		    0);
		assert_true(in.len > 0);
		assert_int_equal(msg_decode(&net_proto, in.p, in.len, hdr,
		    &body, err, sizeof(err)), 0);
		if (hdr->type == type) {
			buf_free(&in);
			return body;
		}
		assert_int_equal(hdr->type, NET_COUNTERS);
		msg_free(&net_proto, hdr->type, body);
	}
	fail_msg("no %s from banger-net", msg_typename(&net_proto, type));
	return NULL;
}

/* Nothing but counters waiting on the channel now. */
static void
chan_no_allow(void)
{
	struct pollfd	 p = { .fd = t.chan, .events = POLLIN };
	struct msg_hdr	 hdr;
	struct buf	 in = { 0 };
	void		*body;
	char		 err[MSG_ERRLEN];

	while (poll(&p, 1, 0) == 1) {
		assert_int_equal(frame_recv(t.chan, NET_FRAME_MAX, &in, NULL),
		    0);
		assert_true(in.len > 0);
		assert_int_equal(msg_decode(&net_proto, in.p, in.len, &hdr,
		    &body, err, sizeof(err)), 0);
		assert_int_equal(hdr.type, NET_COUNTERS);
		msg_free(&net_proto, hdr.type, body);
	}
	buf_free(&in);
}

static void
send_allowed(uint64_t id, int ok)
{
	struct net_allowed	 na = { .ok = ok };
	struct buf		 b = { 0 };

	assert_int_equal(msg_frame(&net_proto, NET_ALLOWED, id, &na, &b), 0);
	assert_int_equal(frame_send(t.chan, &b, -1), 0);
	buf_free(&b);
}

/*
 * The NET_ALLOW for LOCKED that the upstream's answer caused: its
 * addresses are want (in order), its TTL ttl.  Its header id.
 */
static uint64_t
expect_allow(const char *const *want, size_t nwant, uint64_t ttl)
{
	struct net_allow	*na;
	struct msg_hdr		 hdr;
	size_t			 i;

	na = chan_next(NET_ALLOW, &hdr);
	assert_string_equal(na->guest, LOCKED);
	assert_int_equal(na->addrs.n, nwant);
	for (i = 0; i < nwant; i++)
		assert_string_equal(na->addrs.v[i], want[i]);
	assert_int_equal(na->ttl, ttl);
	msg_free(&net_proto, hdr.type, na);
	assert_true(hdr.id != 0);
	return hdr.id;
}

/* The guest at src resolves .vm names only; nothing goes upstream. */
static void
assert_vm_only(const char *src, uint16_t id)
{
	ldns_pkt	*p;
	int		 s;

	drain_upstream();
	send_names_egress(eg_names, eg_addrs, eg_modes, 3);
	channel_read();
	s = guest_socket(src);
	assert_int_equal(ask_rcode(s, "www.example.test", id),
	    LDNS_RCODE_REFUSED);
	send_query(s, "gamma.vm", id + 1);
	p = recv_answer(s, id + 1);
	assert_one_a(p, "gamma.vm", "10.77.0.9");
	ldns_pkt_free(p);
	close(s);
	assert_false(wait_readable(t.up_udp, 200));
}

/* An allowlisted guest without domains resolves .vm names only. */
static void
test_egress_fail_closed(void **state)
{
	(void)state;
	SKIP_UNLESS_READY();
	assert_vm_only(LOCKED, 0x7001);
}

static void
test_egress_refused(void **state)
{
	static char		*allow[] = { "www.example.test",
				    "*.allowed.test", NULL };
	struct net_egress	 ne = { .guest = LOCKED,
				    .allow = { allow, 2 } };
	int			 s;

	(void)state;
	SKIP_UNLESS_READY();
	drain_upstream();
	/* As bangerd does: the domains, then the table. */
	send_msg(NET_EGRESS, &ne, -1);
	send_names_egress(eg_names, eg_addrs, eg_modes, 3);
	channel_read();
	s = guest_socket(LOCKED);
	assert_int_equal(ask_rcode(s, "other.test", 0x7101),
	    LDNS_RCODE_REFUSED);
	assert_int_equal(ask_rcode(s, "allowed.test", 0x7102),
	    LDNS_RCODE_REFUSED);
	assert_int_equal(ask_rcode(s, "www.example.test.evil", 0x7103),
	    LDNS_RCODE_REFUSED);
	assert_int_equal(ask_rcode(s, "xwww.example.test", 0x7104),
	    LDNS_RCODE_REFUSED);
	close(s);
	assert_false(wait_readable(t.up_udp, 200));
}

/*
 * An allowed name (exact) goes upstream; the answer's addresses go to
 * bangerd with the smallest TTL, and the answer to the guest only after
 * bangerd said yes.
 */
static void
test_egress_allowed(void **state)
{
	static const char *const rrs[] = {
		"www.example.test. 300 IN A 192.0.2.7",
		"www.example.test. 40 IN A 198.51.100.3",
	};
	static const char *const want[] = { "192.0.2.7", "198.51.100.3" };
	struct sockaddr_in	 from;
	ldns_pkt		*p;
	uint64_t		 id;
	int			 s;

	(void)state;
	SKIP_UNLESS_READY();
	drain_upstream();
	s = guest_socket(LOCKED);
	send_query(s, "www.example.test", 0x7201);
	upstream_send_rrs(&from, "www.example.test",
	    upstream_query(&from, 0x7201), rrs, 2);
	id = expect_allow(want, 2, 40);
	/* Held: the guest has nothing yet. */
	assert_false(wait_readable(s, 300));
	send_allowed(id, 1);
	p = recv_answer(s, 0x7201);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(p), 2);
	ldns_pkt_free(p);
	close(s);
}

/* A wildcard's name goes upstream; bangerd says no: SERVFAIL. */
static void
test_egress_denied(void **state)
{
	static const char *const rrs[] = {
		"a.allowed.test. 60 IN A 192.0.2.8",
	};
	static const char *const want[] = { "192.0.2.8" };
	struct sockaddr_in	 from;
	ldns_pkt		*p;
	uint64_t		 id;
	int			 s;

	(void)state;
	SKIP_UNLESS_READY();
	drain_upstream();
	s = guest_socket(LOCKED);
	send_query(s, "a.allowed.test", 0x7301);
	upstream_send_rrs(&from, "a.allowed.test",
	    upstream_query_name(&from, 0x7301, "a.allowed.test"), rrs, 1);
	id = expect_allow(want, 1, 60);
	send_allowed(id, 0);
	p = recv_answer(s, 0x7301);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
	close(s);
}

/* An allowed name that points inside: SERVFAIL, and bangerd not asked. */
static void
test_egress_rebinding(void **state)
{
	static const char *const rrs[][2] = {
		{ "www.example.test. 60 IN A 10.1.2.3", NULL },
		{ "www.example.test. 60 IN A 127.0.0.1", NULL },
		{ "www.example.test. 60 IN A 169.254.169.254", NULL },
		{ "www.example.test. 60 IN A 192.0.2.7",
		    "www.example.test. 60 IN AAAA ::1" },
	};
	struct sockaddr_in	 from;
	ldns_pkt		*p;
	uint16_t		 qid;
	size_t			 i;
	int			 s;

	(void)state;
	SKIP_UNLESS_READY();
	drain_upstream();
	s = guest_socket(LOCKED);
	for (i = 0; i < sizeof(rrs) / sizeof(rrs[0]); i++) {
		qid = (uint16_t)(0x7401 + i);
		send_query(s, "www.example.test", qid);
		upstream_send_rrs(&from, "www.example.test",
		    upstream_query(&from, qid), rrs[i],
		    rrs[i][1] != NULL ? 2 : 1);
		p = recv_answer(s, qid);
		if (ldns_pkt_get_rcode(p) != LDNS_RCODE_SERVFAIL)
			fail_msg("answer %zu passed", i);
		assert_int_equal(ldns_pkt_ancount(p), 0);
		ldns_pkt_free(p);
	}
	close(s);
	chan_no_allow();
}

/*
 * bangerd does not answer: SERVFAIL after the hold; its late answer is
 * ignored.  A TCP client that goes while its answer is held takes the
 * answer with it.
 */
static void
test_egress_timeout(void **state)
{
	static const char *const rrs[] = {
		"www.example.test. 60 IN A 192.0.2.10",
	};
	static const char *const want[] = { "192.0.2.10" };
	struct sockaddr_in	 from;
	ldns_pkt		*p;
	uint64_t		 id;
	int			 s, c;

	(void)state;
	SKIP_UNLESS_READY();
	drain_upstream();
	s = guest_socket(LOCKED);
	send_query(s, "www.example.test", 0x7501);
	upstream_send_rrs(&from, "www.example.test",
	    upstream_query(&from, 0x7501), rrs, 1);
	id = expect_allow(want, 1, 60);
	p = recv_answer(s, 0x7501);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	ldns_pkt_free(p);
	send_allowed(id, 1);
	channel_read();
	/* The next answer the guest gets is the next one it asks for. */
	send_query(s, "gamma.vm", 0x7502);
	p = recv_answer(s, 0x7502);
	assert_one_a(p, "gamma.vm", "10.77.0.9");
	ldns_pkt_free(p);
	close(s);

	/* Over TCP, closed while held. */
	c = tcp_open(LOCKED);
	tcp_ask(c, "www.example.test", 0x7503);
	upstream_send_rrs(&from, "www.example.test",
	    upstream_query(&from, 0x7503), rrs, 1);
	id = expect_allow(want, 1, 60);
	close(c);
	/* Its end seen before the yes comes (a guest's query after it). */
	s = guest_socket(FREE);
	assert_int_equal(ask_rcode(s, "gamma.vm", 0x7504), LDNS_RCODE_NOERROR);
	send_allowed(id, 1);
	channel_read();
	assert_int_equal(ask_rcode(s, "gamma.vm", 0x7505), LDNS_RCODE_NOERROR);
	close(s);
	assert_int_equal(kill(t.pid, 0), 0);
}

/*
 * A source in the gateway's /24 the table does not list (a guest not yet
 * listed, stopping, or using another address): .vm names only.
 */
static void
test_egress_unlisted(void **state)
{
	(void)state;
	SKIP_UNLESS_READY();
	assert_vm_only("127.0.0.9", 0x7801);	/* the gateway is 127.0.0.1 */
}

/* An open guest and the host: forwarded, no filter, bangerd not asked. */
static void
test_egress_others(void **state)
{
	static const char *const rrs[] = {
		"other.test. 60 IN A 10.1.2.3",
	};
	struct sockaddr_in	 from;
	ldns_pkt		*p;
	int			 s, i;

	(void)state;
	SKIP_UNLESS_READY();
	drain_upstream();
	s = guest_socket(FREE);
	for (i = 0; i < 2; i++) {
		send_query(i == 0 ? s : t.cli, "other.test", 0x7601 + i);
		upstream_send_rrs(&from, "other.test",
		    upstream_query_name(&from, 0x7601 + i, "other.test"),
		    rrs, 1);
		p = recv_answer(i == 0 ? s : t.cli, 0x7601 + i);
		assert_one_a(p, "other.test", "10.1.2.3");
		ldns_pkt_free(p);
	}
	close(s);
	chan_no_allow();
}

/*
 * A guest allowlisted while its query is upstream: the answer is judged
 * by the policy it has when the answer comes (REFUSED here: it has no
 * domains), not the one it had when it asked.
 */
static void
test_egress_changed(void **state)
{
	static const char *const rrs[] = {
		"other.test. 60 IN A 192.0.2.11",
	};
	static const uint64_t	 modes[] = { EGRESS_OPEN, EGRESS_ALLOWLIST,
				    EGRESS_ALLOWLIST };
	struct sockaddr_in	 from;
	ldns_pkt		*p;
	uint16_t		 id;
	int			 s;

	(void)state;
	SKIP_UNLESS_READY();
	drain_upstream();
	s = guest_socket(FREE);
	send_query(s, "other.test", 0x7701);
	id = upstream_query_name(&from, 0x7701, "other.test");
	send_names_egress(eg_names, eg_addrs, modes, 3);
	channel_read();
	upstream_send_rrs(&from, "other.test", id, rrs, 1);
	p = recv_answer(s, 0x7701);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
	close(s);
	chan_no_allow();
	send_names_egress(eg_names, eg_addrs, eg_modes, 3);
	channel_read();
}

static void
test_hostile(void **state)
{
	/* One question whose name is a compression pointer to itself. */
	static const uint8_t	 loop[] = {
		0xab, 0xcd, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
		0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01,
	};
	static const uint8_t	 tiny[] = { 0xab, 0xcd, 0x01 };
	ldns_pkt		*p;

	(void)state;
	SKIP_UNLESS_READY();
	assert_int_equal(sendto(t.cli, loop, sizeof(loop), 0,
	    (struct sockaddr *)&t.guest_udp, sizeof(t.guest_udp)),
	    (ssize_t)sizeof(loop));
	assert_int_equal(sendto(t.cli, tiny, sizeof(tiny), 0,
	    (struct sockaddr *)&t.guest_udp, sizeof(t.guest_udp)),
	    (ssize_t)sizeof(tiny));
	/* The next datagram is the answer to the good query, nothing else. */
	p = ask_udp("gamma.vm", LDNS_RR_TYPE_A, 0x6001);
	assert_int_equal(ldns_pkt_id(p), 0x6001);
	assert_one_a(p, "gamma.vm", "10.77.0.9");
	ldns_pkt_free(p);
	assert_int_equal(kill(t.pid, 0), 0);
}

static void
test_counters(void **state)
{
	struct net_counters	*c;
	struct msg_hdr		 hdr;
	struct buf		 in = { 0 };
	void			*body;
	char			 err[MSG_ERRLEN];
	int			 left, got = 0;

	(void)state;
	SKIP_UNLESS_READY();
	/* Earlier reports may predate the malformed ones: read on. */
	for (left = COUNTERS_WAIT_MS / 1000; left > 0 && !got; left--) {
		if (!wait_readable(t.chan, 1000))
			continue;
		buf_reset(&in);
		assert_int_equal(frame_recv(t.chan, NET_FRAME_MAX, &in, NULL),
		    0);
		assert_true(in.len > 0);
		assert_int_equal(msg_decode(&net_proto, in.p, in.len, &hdr,
		    &body, err, sizeof(err)), 0);
		if (hdr.type != NET_COUNTERS) {
			msg_free(&net_proto, hdr.type, body);
			continue;
		}
		c = body;
		if (c->malformed >= 2) {
			got = 1;
			assert_true(c->queries >= 10);
			assert_true(c->local >= 8);
			assert_true(c->forwarded >= 3);
			assert_true(c->bad_answers >= 2);
			assert_true(c->failed >= 1);
			/* 6 REFUSED, 4 rebinding answers above. */
			assert_true(c->refused >= 6);
			assert_true(c->rebinding >= 4);
		}
		msg_free(&net_proto, hdr.type, body);
	}
	buf_free(&in);
	assert_true(got);
}

static void
test_sandboxed(void **state)
{
	char	 path[64], line[256];
	FILE	*f;
	int	 seccomp = -1, nnp = -1;

	(void)state;
	SKIP_UNLESS_READY();
	snprintf(path, sizeof(path), "/proc/%d/status", (int)t.pid);
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		(void)sscanf(line, "Seccomp: %d", &seccomp);
		(void)sscanf(line, "NoNewPrivs: %d", &nnp);
	}
	fclose(f);
	assert_int_equal(seccomp, 2);
	assert_int_equal(nnp, 1);
}

static void
test_channel_closed(void **state)
{
	int	 st, i;
	pid_t	 r = 0;

	(void)state;
	SKIP_UNLESS_READY();
	close(t.chan);
	t.chan = -1;
	for (i = 0; i < WAIT_MS / 50 && (r = waitpid(t.pid, &st,
	    WNOHANG)) == 0; i++) {
		drain_log();
		usleep(50 * 1000);
	}
	assert_int_equal(r, t.pid);
	t.pid = -1;
	if (!WIFEXITED(st))
		fail_msg("banger-net ended by signal %d", WTERMSIG(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/*
 * A names table whose egress modes do not pair with its names is
 * bangerd's bug, and ends a fresh banger-net as any other bad table does
 * (the old one is gone: test_channel_closed).
 */
static void
test_names_egress_mismatch(void **state)
{
	static char		*names[] = { "gamma", NULL };
	static char		*addrs[] = { "10.77.0.9", NULL };
	struct net_names	 nn;
	char			 path[4096];
	int			 st, i;
	pid_t			 r = 0;

	(void)state;
	SKIP_UNLESS_READY();
	assert_int_equal(net_path(path, sizeof(path)), 0);
	assert_int_equal(spawn(path), 0);
	nn.names.v = names;
	nn.names.n = 1;
	nn.addrs.v = addrs;
	nn.addrs.n = 1;
	nn.egress.v = NULL;
	nn.egress.n = 0;
	send_msg(NET_NAMES, &nn, -1);
	for (i = 0; i < WAIT_MS / 50 && (r = waitpid(t.pid, &st,
	    WNOHANG)) == 0; i++) {
		drain_log();
		usleep(50 * 1000);
	}
	assert_int_equal(r, t.pid);
	t.pid = -1;
	drain_log();
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) != 0);
	assert_non_null(memmem(t.log.p, t.log.len, "0 egress modes", 14));
	close(t.chan);
	t.chan = -1;
}

int
main(void)
{
	/* In this order: each builds on the one before. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vm_names_udp),
		cmocka_unit_test(test_vm_names_tcp),
		cmocka_unit_test(test_forward),
		cmocka_unit_test(test_tcp_half_close),
		cmocka_unit_test(test_forward_truncated),
		cmocka_unit_test(test_forward_silent),
		cmocka_unit_test(test_forward_silent_tcp),
		cmocka_unit_test(test_forward_fresh_ids),
		cmocka_unit_test(test_egress_fail_closed),
		cmocka_unit_test(test_egress_refused),
		cmocka_unit_test(test_egress_allowed),
		cmocka_unit_test(test_egress_denied),
		cmocka_unit_test(test_egress_rebinding),
		cmocka_unit_test(test_egress_timeout),
		cmocka_unit_test(test_egress_others),
		cmocka_unit_test(test_egress_unlisted),
		cmocka_unit_test(test_egress_changed),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_sandboxed),
		cmocka_unit_test(test_channel_closed),
		cmocka_unit_test(test_names_egress_mismatch),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
