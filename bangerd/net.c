/*
 * bangerd's side of banger-net.  Once the user's bridge is up, bangerd
 * asks banger-priv for the DNS listeners on the gateway (kept here for
 * bangerd's life, so a restarted banger-net gets the same ones), starts
 * banger-net through the launcher and tells it the upstream resolvers
 * and, each time a VM gets or loses its address, the table of names.
 * A banger-net that dies is restarted, quickly once, then backing off.
 */
#include <sys/socket.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bangerd.h"
#include "config.h"
#include "fdutil.h"
#include "frame.h"
#include "log.h"
#include "priv-wrap.h"
#include "proto_net.h"

#define NET_BACKOFF_MAX	30	/* s between restarts, at most */
#define NET_STABLE_SEC	10	/* a run this long resets the back-off */
#define RESOLV_CONF	"/etc/resolv.conf"

static int	 net_spawn(struct bangerd *);

static time_t
mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* One message, never blocking: a banger-net that does not read is ended. */
int
net_send(struct bangerd *d, uint32_t type, uint64_t id, const void *body,
    int fd)
{
	struct buf	 b = { 0 };
	struct iovec	 iov;
	struct msghdr	 mh;
	union {
		struct cmsghdr	 h;
		char		 buf[CMSG_SPACE(sizeof(int))];
	}		 cm;
	int		 rc = -1;

	if (d->net_chan == -1)
		return -1;
	if (msg_frame(&net_proto, type, id, body, &b) == 0) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = b.p;
		iov.iov_len = b.len;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if (fd != -1) {
			memset(&cm, 0, sizeof(cm));
			mh.msg_control = cm.buf;
			mh.msg_controllen = sizeof(cm.buf);
			cm.h.cmsg_level = SOL_SOCKET;
			cm.h.cmsg_type = SCM_RIGHTS;
			cm.h.cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(&cm.h), &fd, sizeof(int));
		}
		if (sendmsg(d->net_chan, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) ==
		    (ssize_t)b.len)
			rc = 0;
	}
	buf_free(&b);
	if (rc == -1) {
		log_warn("banger-net: cannot send %s; restarting it",
		    msg_typename(&net_proto, type));
		(void)launch_kill_tool(d, LAUNCH_TOOL_NET, 0, SIGKILL);
	}
	return rc;
}

/*
 * The resolvers: config.toml's dns_upstream, else the host's
 * resolv.conf (link-local IPv6 with a zone is left out).
 */
static void
net_upstreams(struct bangerd *d, char (*up)[CONFIG_ADDR_STRLEN],
    size_t *n)
{
	struct config	 cfg;
	struct in6_addr	 a;
	char		 err[512], line[256], addr[CONFIG_ADDR_STRLEN];
	FILE		*f;

	*n = 0;
	if (config_load(d->paths.config_file, d->home, &cfg, err,
	    sizeof(err)) == 0) {
		for (*n = 0; *n < cfg.ndns_upstream; (*n)++)
			memcpy(up[*n], cfg.dns_upstream[*n], sizeof(up[*n]));
		config_free(&cfg);
		if (*n > 0)
			return;
	} else
		log_warnx("%s; DNS forwarding uses %s", err, RESOLV_CONF);
	if ((f = fopen(RESOLV_CONF, "re")) == NULL) {
		log_warn("%s", RESOLV_CONF);
		return;
	}
	while (*n < NET_UPSTREAM_MAX && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, " nameserver %45s", addr) == 1 &&
		    (inet_pton(AF_INET, addr, &a) == 1 ||
		    inet_pton(AF_INET6, addr, &a) == 1))
			memcpy(up[(*n)++], addr, sizeof(addr));
	fclose(f);
}

static void
net_send_config(struct bangerd *d)
{
	char			 up[NET_UPSTREAM_MAX][CONFIG_ADDR_STRLEN];
	char			*v[NET_UPSTREAM_MAX + 1];
	struct net_config	 nc;
	size_t			 i, n;

	net_upstreams(d, up, &n);
	if (n == 0)
		log_warnx("no DNS resolvers (dns_upstream in %s, or %s): "
		    "guests can resolve only .vm names", d->paths.config_file,
		    RESOLV_CONF);
	for (i = 0; i < n; i++)
		v[i] = up[i];
	v[n] = NULL;
	nc.upstream.v = v;
	nc.upstream.n = n;
	(void)net_send(d, NET_CONFIG, 0, &nc, -1);
}

/* Send a table if it differs from the one last sent (kept in *last). */
static void
net_send_table(struct bangerd *d, uint32_t type, const void *body,
    struct buf *last)
{
	struct buf	 b = { 0 };

	if (msg_frame(&net_proto, type, 0, body, &b) == -1) {
		buf_free(&b);
		return;
	}
	if ((last->len != b.len || memcmp(last->p, b.p, b.len) != 0) &&
	    net_send(d, type, 0, body, -1) == 0) {
		buf_free(last);
		*last = b;
		return;
	}
	buf_free(&b);
}

static int
has_address(const struct vm *vm)
{
	/* A warm template's VM has no name banger-net would take. */
	return (vm->state == VM_STARTING || vm->state == VM_RUNNING) &&
	    vm->address[0] != '\0' && !vm->tmpl;
}

/* Each allowlisted VM's NET_EGRESS: framed into all, else sent; -1 fails. */
static int
egress_each(struct bangerd *d, struct buf *all)
{
	struct net_egress	 ne;
	struct vm		*vm;

	TAILQ_FOREACH(vm, &d->vms, entry) {
		if (!has_address(vm) || vm->egress != EGRESS_ALLOWLIST)
			continue;
		ne.guest = vm->address;
		ne.allow.v = vm->allowp;
		ne.allow.n = vm->nallow;
		if ((all != NULL ? msg_frame(&net_proto, NET_EGRESS, 0, &ne,
		    all) : net_send(d, NET_EGRESS, 0, &ne, -1)) == -1)
			return -1;
	}
	return 0;
}

/*
 * The allowed domains of every allowlisted VM with an address, all sent
 * again when any changed: before the names, so a guest listed as
 * allowlisted never goes without its domains for long (and without them
 * banger-net answers it only .vm names).
 */
static void
net_send_egress(struct bangerd *d)
{
	struct buf	 all = { 0 };

	if (egress_each(d, &all) == -1 || (all.len == d->net_egress.len &&
	    (all.len == 0 || memcmp(all.p, d->net_egress.p, all.len) == 0))) {
		buf_free(&all);
		return;
	}
	buf_free(&d->net_egress);
	d->net_egress = all;
	(void)egress_each(d, NULL);
}

/*
 * The names of the user's VMs that have an address now (with their
 * egress modes), and the ports they publish, each sent when it changed.
 */
void
net_sync(struct bangerd *d)
{
	static char	*names[NET_NAMES_MAX + 1], *addrs[NET_NAMES_MAX + 1];
	static uint64_t	 modes[NET_NAMES_MAX];
	static char	 port[NET_PORTS_MAX][NET_PORT_STRMAX + 1];
	static char	*ports[NET_PORTS_MAX + 1];
	struct net_names nn;
	struct net_ports np;
	struct vm	*vm;
	struct buf	 b = { 0 };
	char		 err[NET_ERROR_STRMAX + 1];
	char		 listen[NET_LISTEN_STRMAX + 1];
	size_t		 n = 0, np_n = 0, i;

	if (d->net_chan == -1)
		return;
	TAILQ_FOREACH(vm, &d->vms, entry) {
		if (!has_address(vm))
			continue;
		if (n < NET_NAMES_MAX) {
			names[n] = vm->name;
			modes[n] = (uint64_t)vm->egress;
			addrs[n++] = vm->address;
		}
		for (i = 0; i < vm->nports && np_n < NET_PORTS_MAX; i++) {
			/* Below 1024: only with banger-priv's listener. */
			if (vm->ports[i].path[0] == '\0' &&
			    vm->ports[i].host <= PRIV_PORT_LOW_MAX &&
			    lowport_get(d, vm->ports[i].addr, vm->ports[i].host,
			    err, sizeof(err)) == -1) {
				vm_ports_error(vm, i, err);
				continue;
			}
			/* unix:PATH: only with the launcher's listener. */
			if (vm->ports[i].path[0] != '\0' && unixport_get(d,
			    vm->ports[i].path, err, sizeof(err)) == -1) {
				vm_ports_error(vm, i, err);
				continue;
			}
			port_spec_listen(&vm->ports[i], listen,
			    sizeof(listen));
			snprintf(port[np_n], sizeof(port[np_n]), "%s:%s:%u",
			    listen, vm->address, vm->ports[i].guest);
			ports[np_n] = port[np_n];
			np_n++;
		}
	}
	names[n] = addrs[n] = NULL;
	ports[np_n] = NULL;
	nn.names.v = names;
	nn.names.n = nn.addrs.n = n;
	nn.addrs.v = addrs;
	nn.egress.v = modes;
	nn.egress.n = n;
	np.ports.v = ports;
	np.ports.n = np_n;
	net_send_egress(d);
	if (d->net_chan == -1)
		return;
	net_send_table(d, NET_NAMES, &nn, &d->net_names);
	lowports_sweep(d);
	unixports_sweep(d);
	/* A table that is sent gets the listeners it needs first. */
	if (msg_frame(&net_proto, NET_PORTS, 0, &np, &b) == 0 &&
	    (b.len != d->net_ports.len || memcmp(b.p, d->net_ports.p,
	    b.len) != 0)) {
		lowports_send(d);
		unixports_send(d);
	}
	buf_free(&b);
	net_send_table(d, NET_PORTS, &np, &d->net_ports);
}

static void
net_close(struct bangerd *d)
{
	struct vm	*vm;
	size_t		 i;

	/* What the old banger-net said of the ports no longer holds. */
	TAILQ_FOREACH(vm, &d->vms, entry)
		for (i = 0; i < vm->nports; i++)
			vm->port_known[i] = 0;
	if (d->net_ev != NULL)
		event_free(d->net_ev);
	if (d->net_chan != -1)
		close(d->net_chan);
	d->net_ev = NULL;
	d->net_chan = -1;
	buf_free(&d->net_names);
	d->net_names = (struct buf){ 0 };
	buf_free(&d->net_ports);
	d->net_ports = (struct buf){ 0 };
	buf_free(&d->net_egress);
	d->net_egress = (struct buf){ 0 };
}

static void
net_read(evutil_socket_t fd, short what, void *arg)
{
	struct bangerd		*d = arg;
	struct net_counters	*c;
	struct msg_hdr		 hdr;
	struct buf		 in = { 0 };
	void			*body;
	char			 err[MSG_ERRLEN];
	int			 rc;

	(void)what;
	if (frame_recv(fd, NET_FRAME_MAX, &in, NULL) == -1 || in.len == 0) {
		/*
		 * Its exit comes from the launcher, and net_exited() closes
		 * the channel: until then no second banger-net starts.
		 */
		buf_free(&in);
		if (d->net_ev != NULL)
			event_del(d->net_ev);
		return;
	}
	rc = msg_decode(&net_proto, in.p, in.len, &hdr, &body, err,
	    sizeof(err));
	buf_free(&in);
	if (rc == 0 && hdr.type == NET_ALLOW) {
		/* Answered even when refused: the guest waits on it. */
		(void)net_send(d, NET_ALLOWED, hdr.id, &(struct net_allowed){
		    egress_allow(d, body) == 0 }, -1);
		msg_free(&net_proto, hdr.type, body);
		return;
	}
	if (rc == 0 && hdr.type == NET_PORT_STATE) {
		vm_ports_state(d, ((struct net_port_state *)body)->listen,
		    ((struct net_port_state *)body)->error);
		msg_free(&net_proto, hdr.type, body);
		return;
	}
	if (rc == 0 && hdr.type != NET_COUNTERS) {
		msg_free(&net_proto, hdr.type, body);
		snprintf(err, sizeof(err), "unexpected %s",
		    msg_typename(&net_proto, hdr.type));
		rc = -1;
	}
	if (rc == -1) {
		log_warnx("banger-net: %s; restarting it", err);
		(void)launch_kill_tool(d, LAUNCH_TOOL_NET, 0, SIGKILL);
		return;
	}
	c = body;
	log_info("net: %llu queries, %llu .vm, %llu forwarded; dropped "
	    "%llu malformed, %llu over rate, %llu bad upstream answers; "
	    "SERVFAIL %llu busy, %llu failed, %llu rebinding; REFUSED %llu; "
	    "published-port connections refused %llu",
	    (unsigned long long)c->queries,
	    (unsigned long long)c->local, (unsigned long long)c->forwarded,
	    (unsigned long long)c->malformed, (unsigned long long)c->limited,
	    (unsigned long long)c->bad_answers, (unsigned long long)c->busy,
	    (unsigned long long)c->failed, (unsigned long long)c->rebinding,
	    (unsigned long long)c->refused,
	    (unsigned long long)c->port_refused);
	msg_free(&net_proto, hdr.type, body);
}

static void
net_restart(evutil_socket_t fd, short what, void *arg)
{
	struct bangerd	*d = arg;

	(void)fd;
	(void)what;
	if (d->net_chan == -1 && !d->stopping)
		(void)net_spawn(d);
}

static int
net_spawn(struct bangerd *d)
{
	struct net_listen	 nl;
	char			*argv[] = { "banger-net", "-v", NULL };
	int			 sv[2], ep[2], fds[2];

	if (d->net_bin[0] == '\0') {
		snprintf(d->net_error, sizeof(d->net_error), "banger-net "
		    "was not found next to bangerd");
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	if (pipe2(ep, O_CLOEXEC) == -1) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	fds[0] = ep[1];		/* its stderr, slot 2 */
	fds[1] = sv[1];		/* its channel, slot 3 */
	if (launch_tool(d, LAUNCH_TOOL_NET, 0, fds, 2, argv,
	    d->verbose ? 2 : 1) == -1) {
		close(sv[0]);
		close(sv[1]);
		close(ep[0]);
		close(ep[1]);
		snprintf(d->net_error, sizeof(d->net_error), "the launcher "
		    "could not start banger-net");
		return -1;
	}
	close(sv[1]);
	close(ep[1]);
	d->net_log = helper_log_open(d, ep[0]);
	d->net_chan = sv[0];
	d->net_since = mono();
	d->net_error[0] = '\0';
	if ((d->net_ev = event_new(d->base, sv[0], EV_READ | EV_PERSIST,
	    net_read, d)) == NULL || event_add(d->net_ev, NULL) == -1) {
		net_close(d);
		return -1;
	}
	net_send_config(d);
	/* Names and policies before the listeners: no query comes first. */
	net_sync(d);
	nl.kind = NET_LISTEN_UDP;
	(void)net_send(d, NET_LISTEN, 0, &nl, d->dns_fd[0]);
	nl.kind = NET_LISTEN_TCP;
	(void)net_send(d, NET_LISTEN, 0, &nl, d->dns_fd[1]);
	return 0;
}

/* The bridge is up: make sure DNS is served on its gateway. */
void
net_ensure(struct bangerd *d)
{
	char	 err[256];
	int	 i;

	for (i = 0; i < 2; i++)
		if (d->dns_fd[i] == -1 && priv_dns_listen(d->priv_fd, i,
		    &d->dns_fd[i], err, sizeof(err)) != 0) {
			if (strcmp(d->net_error, err) != 0)
				log_warnx("no DNS for guests: %s", err);
			snprintf(d->net_error, sizeof(d->net_error), "%s",
			    err);
			return;
		}
	if (d->net_chan == -1 && (d->net_timer == NULL ||
	    !evtimer_pending(d->net_timer, NULL)) && net_spawn(d) == -1)
		log_warnx("no DNS for guests: %s", d->net_error);
}

void
net_started(struct bangerd *d, struct launch_started *st)
{
	d->net_pid = (pid_t)st->pid;
	log_debug("banger-net started, pid %d", (int)d->net_pid);
}

void
net_exited(struct bangerd *d, struct launch_exited *ex)
{
	struct timeval	 tv = { 0, 0 };

	/* A banger-net whose start failed has no pid; others must match. */
	if (d->net_pid != 0 && ex->pid != 0 &&
	    ex->pid != (uint64_t)d->net_pid) {
		log_warnx("an old banger-net (pid %llu) exited",
		    (unsigned long long)ex->pid);
		return;
	}
	d->net_pid = 0;
	net_close(d);
	if (d->stopping)
		return;
	d->net_backoff = mono() - d->net_since >= NET_STABLE_SEC ? 0 :
	    d->net_backoff == 0 ? 1 : d->net_backoff * 2;
	if (d->net_backoff > NET_BACKOFF_MAX)
		d->net_backoff = NET_BACKOFF_MAX;
	snprintf(d->net_error, sizeof(d->net_error), "banger-net exited "
	    "with %s %lld", ex->signo ? "signal" : "status", ex->signo ?
	    (long long)ex->signo : (long long)ex->status);
	log_warnx("%s; restarting it in %u s", d->net_error, d->net_backoff);
	tv.tv_sec = d->net_backoff;
	if (d->net_timer == NULL && (d->net_timer = evtimer_new(d->base,
	    net_restart, d)) == NULL)
		return;
	evtimer_add(d->net_timer, &tv);
}

/* One line for `banger daemon status`. */
void
net_status(struct bangerd *d, char *out, size_t len)
{
	if (d->net_chan != -1)
		snprintf(out, len, "serving %s port 53 (banger-net pid %d)",
		    d->gateway, (int)d->net_pid);
	else if (d->net_error[0] != '\0')
		snprintf(out, len, "not serving: %s", d->net_error);
	else if (!d->bridge_ok)
		snprintf(out, len, "not started (it starts with the first VM)");
	else
		snprintf(out, len, "starting");
}
