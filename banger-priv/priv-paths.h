/*
 * The helper's two compile-time locations.  They come from the global
 * BANGER_SYSCONFDIR / BANGER_RUNDIR, except in the regress variant, whose
 * objects are compiled with BANGER_PRIV_REGRESS so that a test build can
 * never read or write the real host policy and leases.
 */
#ifndef BANGER_PRIV_PATHS_H
#define BANGER_PRIV_PATHS_H

#ifdef BANGER_PRIV_REGRESS
#define PRIV_SYSCONFDIR	"/run/banger-regress/etc"
#define PRIV_RUNDIR	"/run/banger-regress/run"
#else
#define PRIV_SYSCONFDIR	BANGER_SYSCONFDIR
#define PRIV_RUNDIR	BANGER_RUNDIR
#endif

#define PRIV_CONF	PRIV_SYSCONFDIR "/priv.conf"
#define PRIV_LEASES	"leases"	/* relative to PRIV_RUNDIR */
#define PRIV_LEASES_TMP	"leases.tmp"
#define PRIV_LOCK	"leases.lock"

#endif
