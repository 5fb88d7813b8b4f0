/*
 * Credentials (docs/advanced.md, "Credentials"): at each start of a VM,
 * the agents' credential files config.toml's credentials list names are
 * read from the user's home (cred.c: regular, the user's, bounded, no
 * link out of home) and written to the same paths below /root in the
 * guest, 0600 and owned by root, in directories made 0700.
 *
 * One preparation session per file (vm_prepare() comes back here after
 * each): a fixed script whose argv holds only the file's path; the bytes
 * go in as its stdin, over the agent channel, so they appear in no
 * argv, log, console or disk image of banger's.  A file that is missing
 * or refused is a warning on the start's progress, not a failure; so is
 * a guest that could not write one.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bangerd.h"
#include "config.h"
#include "cred.h"
#include "log.h"

#include "vm-phase.h"

/*
 * $1: the path below /root.  Written next to its place and renamed, so
 * that a reader never sees half a file; 0600 from the start (umask).
 */
static const char cred_sh[] =
    "umask 077\n"
    "f=/root/$1\n"
    "d=${f%/*}\n"
    "mkdir -p \"$d\" && chmod 700 \"$d\" || exit 1\n"
    "t=$(mktemp \"$d/.banger-cred.XXXXXX\") || exit 1\n"
    "if cat >\"$t\" && chown 0:0 \"$t\" && chmod 600 \"$t\" && "
    "mv -f \"$t\" \"$f\"; then\n"
    "  exit 0\n"
    "fi\n"
    "rm -f \"$t\"\n"
    "exit 1\n";

static int	cred_send(struct vm *, size_t);

/* This start copies the listed credentials in (vm_prepare()). */
void
vm_creds_arm(struct vm *vm)
{
	if (vm->tmpl)
		return;		/* a template holds nothing of the user's */
	vm->creds_step = CREDS_DUE;
	vm->creds_want = 0;
	vm->creds_got = 0;
	vm->cred_cur = -1;
}

/* Which credentials this start copies: config.toml, read now. */
static void
creds_load(struct vm *vm)
{
	struct bangerd	*d = vm->d;
	struct config	 cfg;
	char		 err[1024];

	if (config_load(d->paths.config_file, d->home, &cfg, err,
	    sizeof(err)) == -1) {
		log_warnx("vm %s: no credentials copied: %s", vm->name, err);
		client_progress(vm->runner, "warning: no credentials copied "
		    "into VM %s: %s", vm->name, err);
		return;
	}
	vm->creds_want = cfg.creds;
	config_free(&cfg);
}

/*
 * The next step: the last file's outcome, then the next file's session,
 * or, when none is left, the rest of vm_prepare().
 */
void
vm_creds(struct vm *vm)
{
	const char	*name;
	size_t		 i;

	if (vm->creds_step == CREDS_DUE) {
		vm->creds_step = CREDS_COPYING;
		creds_load(vm);
	} else if (vm->cred_cur >= 0) {
		name = cred_table[vm->cred_cur].name;
		if (vm->prep_status == 0) {
			vm->creds_got |= 1u << vm->cred_cur;
			log_info("vm %s: credential %s copied in", vm->name,
			    name);
		} else {
			log_warnx("vm %s: credential %s: the guest could not "
			    "write ~/%s (status %lld)", vm->name, name,
			    cred_table[vm->cred_cur].path,
			    (long long)vm->prep_status);
			client_progress(vm->runner, "warning: credential %s "
			    "could not be written in VM %s (status %lld)",
			    name, vm->name, (long long)vm->prep_status);
		}
		vm->cred_cur = -1;
	}
	for (i = 0; i < CRED_COUNT; i++) {
		if (!(vm->creds_want & (1u << i)))
			continue;
		vm->creds_want &= ~(1u << i);
		if (cred_send(vm, i) == 0) {
			vm->cred_cur = (int)i;
			return;
		}
	}
	vm->creds_step = CREDS_NONE;
	vm_prepare(vm);
}

/* Start credential i's session and send its bytes; -1: not sent. */
static int
cred_send(struct vm *vm, size_t i)
{
	const struct cred	*cr = &cred_table[i];
	struct msg_bin		 chunk;
	uint8_t			*buf;
	size_t			 len, off, n;
	char			 err[PATH_MAX + 128];
	char			*argv[] = { "sh", "-c", (char *)cred_sh,
				    "banger-cred", (char *)cr->path, NULL };
	int			 r;

	if ((r = cred_load(vm->d->home, i, &buf, &len, err, sizeof(err))) !=
	    CRED_OK) {
		/* Not secret: a path and why. */
		log_warnx("vm %s: credential %s not copied: %s", vm->name,
		    cr->name, err);
		client_progress(vm->runner, "warning: credential %s not "
		    "copied into VM %s: %s%s", cr->name, vm->name, err,
		    r == CRED_REFUSED ? " (refused)" : "");
		return -1;
	}
	if (prep_send(vm, argv, 5, "") == -1) {
		cred_free(buf, len);
		log_warnx("vm %s: credential %s: the agent could not be asked",
		    vm->name, cr->name);
		return -1;
	}
	/* At most CRED_MAX: well inside AG_INPUT_WINDOW, no wait needed. */
	for (off = 0; off < len; off += n) {
		n = len - off < IO_CHUNK ? len - off : IO_CHUNK;
		chunk.p = buf + off;
		chunk.len = n;
		if (agent_send_input(vm, vm->session, &chunk) == -1)
			break;
	}
	cred_free(buf, len);
	chunk.p = NULL;
	chunk.len = 0;
	/* If this fails the channel is gone, and with it the session. */
	(void)agent_send_input(vm, vm->session, &chunk);
	client_progress(vm->runner, "copying credential %s into VM %s",
	    cr->name, vm->name);
	return 0;
}

/* vm show: the names of what the VM's last start copied in. */
void
vm_creds_info(struct vm *vm, struct ctl_vm_info *vi)
{
	size_t	 i, n = 0;

	for (i = 0; i < CRED_COUNT; i++)
		if (vm->creds_got & (1u << i))
			vm->credp[n++] = (char *)cred_table[i].name;
	vm->credp[n] = NULL;
	vi->credentials.v = vm->credp;
	vi->credentials.n = n;
}
