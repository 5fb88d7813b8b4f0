/*
 * The helper's compile-time locations.  They come from the global
 * BANGER_SYSCONFDIR / BANGER_RUNDIR, except in the regress variant, whose
 * objects are compiled with BANGER_PRIV_REGRESS so that a test build can
 * never read or write the real host policy and leases.
 */
#ifndef BANGER_PRIV_PATHS_H
#define BANGER_PRIV_PATHS_H

#ifdef BANGER_PRIV_REGRESS
#define PRIV_SYSCONFDIR	"/run/banger-regress/etc"
#define PRIV_RUNDIR	"/run/banger-regress/run"
/* Made by the test: a node of the real control, or a plain file that
 * lets it drive everything but the device-mapper calls themselves. */
#define PRIV_DM_CONTROL	"/run/banger-regress/dm-control"
/* A test's own bus, if it made one (regress/resolved.sh). */
#define PRIV_DBUS	"/run/banger-regress/system_bus_socket"
#define PRIV_REGRESS	1
#else
#define PRIV_SYSCONFDIR	BANGER_SYSCONFDIR
#define PRIV_RUNDIR	BANGER_RUNDIR
#define PRIV_DM_CONTROL	"/dev/mapper/control"
#define PRIV_DBUS	"/run/dbus/system_bus_socket"
#define PRIV_REGRESS	0
#endif
#define PRIV_LOOP_CONTROL "/dev/loop-control"

#define PRIV_CONF	PRIV_SYSCONFDIR "/priv.conf"
#define PRIV_LEASES	"leases"	/* relative to PRIV_RUNDIR */
#define PRIV_LEASES_TMP	"leases.tmp"
#define PRIV_LOCK	"leases.lock"

#endif
