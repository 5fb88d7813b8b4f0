/*
 * The egress policy of each VM: "open", or "allowlist" and the domains
 * its guest may resolve.  It belongs to the VM (kept in the database),
 * goes to banger-priv for the tap's firewall (vm_egress_tap, and each
 * allowed answer through egress_allow) and to banger-net for the DNS
 * side (net.c sends it with the names).
 */
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bangerd.h"
#include "config.h"
#include "log.h"
#include "priv-wrap.h"
#include "proto_net.h"
#include "pubaddr.h"
#include "vm-phase.h"

/* The database's line and the pointers vm_egress_info hands out. */
static void
egress_refresh(struct vm *vm)
{
	size_t	 i, off;

	off = (size_t)snprintf(vm->egress_line, sizeof(vm->egress_line), "%s",
	    egress_mode_name(vm->egress));
	for (i = 0; i < vm->nallow; i++) {
		vm->allowp[i] = vm->allow[i];
		off += (size_t)snprintf(vm->egress_line + off,
		    sizeof(vm->egress_line) - off, " %s", vm->allow[i]);
	}
	vm->allowp[vm->nallow] = NULL;
}

/* Mode and domains, checked, into vm; all or nothing. */
static int
egress_take(struct vm *vm, int mode, char *const *allow, size_t n,
    char *err, size_t errlen)
{
	char	 norm[EGRESS_ALLOW_MAX][EGRESS_PATTERN_MAX + 1];
	size_t	 i;

	if (mode == EGRESS_OPEN && n > 0) {
		snprintf(err, errlen, "allowed domains need the allowlist "
		    "egress mode (--egress allowlist)");
		return -1;
	}
	if (n > EGRESS_ALLOW_MAX) {
		snprintf(err, errlen, "at most %d allowed domains per VM",
		    EGRESS_ALLOW_MAX);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (egress_pattern_norm(allow[i], norm[i], sizeof(norm[i]),
		    err, errlen) == -1)
			return -1;
	vm->egress = mode;
	vm->nallow = n;
	memcpy(vm->allow, norm, n * sizeof(norm[0]));
	egress_refresh(vm);
	return 0;
}

/*
 * A new VM's policy from vm run or vm create: mode "" takes allowlist
 * when domains are given, else config.toml's [vm_defaults] egress;
 * allowlist without domains takes [vm_defaults] allow.
 */
int
vm_egress_init(struct vm *vm, const char *mode, const struct msg_strv *allow,
    char *err, size_t errlen)
{
	static char	*deflt[EGRESS_ALLOW_MAX];
	const struct config *cfg = vm->cfg;
	char		*const *v = allow->v;
	size_t		 n = allow->n, i;
	int		 m;

	if (mode[0] == '\0')
		m = n > 0 ? EGRESS_ALLOWLIST : cfg != NULL ? cfg->egress :
		    EGRESS_OPEN;
	else if ((m = egress_mode_parse(mode)) == -1) {
		snprintf(err, errlen, "egress mode \"%.16s\": use open or "
		    "allowlist", mode);
		return -1;
	}
	if (m == EGRESS_ALLOWLIST && n == 0 && cfg != NULL) {
		for (i = 0; i < cfg->nallow; i++)
			deflt[i] = (char *)cfg->allow[i];
		v = deflt;
		n = cfg->nallow;
	}
	return egress_take(vm, m, v, n, err, errlen);
}

/* From the database; a line that no longer parses means allowlist. */
void
vm_egress_load(struct vm *vm, const char *line)
{
	char	 copy[EGRESS_LINE_MAX], *v[EGRESS_ALLOW_MAX + 1], *s, *tok;
	char	 err[256];
	size_t	 n = 0;
	int	 mode;

	snprintf(copy, sizeof(copy), "%s", line);
	s = copy;
	mode = egress_mode_parse((tok = strsep(&s, " ")) != NULL ? tok : "");
	while (s != NULL && (tok = strsep(&s, " ")) != NULL)
		if (n <= EGRESS_ALLOW_MAX)
			v[n++] = tok;
	/* Fail closed: a damaged policy never opens a VM up. */
	if (mode == -1 || egress_take(vm, mode, v, n, err, sizeof(err)) ==
	    -1) {
		log_warnx("vm %s: unreadable egress policy \"%.64s\"; it is "
		    "allowlist with no domains until set again", vm->name,
		    line);
		(void)egress_take(vm, EGRESS_ALLOWLIST, NULL, 0, err,
		    sizeof(err));
	}
}

void
vm_egress_info(struct vm *vm, struct ctl_vm_info *vi)
{
	egress_refresh(vm);
	vi->egress = (char *)egress_mode_name(vm->egress);
	vi->allow.v = vm->allowp;
	vi->allow.n = vm->nallow;
}

/* Right after the tap is made, before the guest runs: its firewall. */
int
vm_egress_tap(struct vm *vm, char *err, size_t errlen)
{
	if (vm->egress != EGRESS_ALLOWLIST)
		return 0;
	return priv_tap_egress(vm->d->priv_fd, vm->id, 1, NULL, 0, 0, err,
	    errlen) == 0 ? 0 : -1;
}

void
vm_egress_cmd(struct client *c, struct ctl_vm_egress *req)
{
	static char	 oallow[EGRESS_ALLOW_MAX][EGRESS_PATTERN_MAX + 1];
	struct vm	*vm;
	char		 err[256];
	size_t		 on;
	int		 mode, omode, up;

	if ((vm = vm_find(c->d, req->name)) == NULL) {
		client_error(c, BERR_NOTFOUND, "no VM named %s", req->name);
		return;
	}
	if (req->set) {
		if ((mode = egress_mode_parse(req->egress)) == -1) {
			client_error(c, BERR_INVALID, "egress mode \"%.16s\": "
			    "use open or allowlist", req->egress);
			return;
		}
		omode = vm->egress;
		on = vm->nallow;
		memcpy(oallow, vm->allow, sizeof(oallow));
		if (egress_take(vm, mode, req->allow.v, req->allow.n, err,
		    sizeof(err)) == -1) {
			client_error(c, BERR_INVALID, "%s", err);
			return;
		}
		/* A running guest's firewall first: on failure keep all. */
		up = (vm->state == VM_STARTING || vm->state == VM_RUNNING) &&
		    vm->tap[0] != '\0';
		if (up && omode != mode && priv_tap_egress(c->d->priv_fd,
		    vm->id, mode, NULL, 0, 0, err, sizeof(err)) != 0) {
			vm->egress = omode;
			vm->nallow = on;
			memcpy(vm->allow, oallow, sizeof(oallow));
			egress_refresh(vm);
			client_error(c, BERR_INTERNAL, "egress firewall of %s: "
			    "%s", vm->name, err);
			return;
		}
		log_info("vm %s: egress %s", vm->name, vm->egress_line);
		vm_save(vm);	/* the database, and banger-net */
	}
	vm_reply_info(c, vm);
}

/*
 * banger-net's request for one allowed answer: the guest must be one of
 * ours in allowlist mode and every address public; banger-priv checks
 * both again.  0 when the addresses are in the guest's set.
 */
int
egress_allow(struct bangerd *d, const struct net_allow *na)
{
	static time_t	 said;
	struct in_addr	 a;
	struct vm	*vm;
	char		 err[256];
	size_t		 i;

	TAILQ_FOREACH(vm, &d->vms, entry)
		if ((vm->state == VM_STARTING || vm->state == VM_RUNNING) &&
		    strcmp(vm->address, na->guest) == 0)
			break;
	if (vm == NULL || vm->egress != EGRESS_ALLOWLIST)
		snprintf(err, sizeof(err), "%s is no allowlisted VM's "
		    "address", na->guest);
	else {
		for (i = 0; i < na->addrs.n; i++)
			if (inet_pton(AF_INET, na->addrs.v[i], &a) != 1 ||
			    !pubaddr_ok4(ntohl(a.s_addr)))
				break;
		if (i < na->addrs.n)
			snprintf(err, sizeof(err), "%.32s is not a public "
			    "IPv4 address", na->addrs.v[i]);
		else if (priv_tap_egress(d->priv_fd, vm->id, 1,
		    na->addrs.v, na->addrs.n, na->ttl, err, sizeof(err)) == 0)
			return 0;
	}
	/* Bounded: a misbehaving banger-net is said once a minute. */
	if (time(NULL) - said >= 60) {
		said = time(NULL);
		log_warnx("egress: refused an allowed answer: %s", err);
	}
	return -1;
}
