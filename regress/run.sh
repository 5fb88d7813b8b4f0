#!/bin/sh
# banger regress suite driver: builds the test world (see test-lib.sh),
# runs each test script in its own shell, and prints one PASS/FAIL line per
# test and a final "N passed, N failed, N skipped" line.  Must run as root.
#
#	sh regress/run.sh [TEST...]	(TEST is a script name without .sh)
#
# Logs: $O/regress-log/ (default obj/regress-log/), one file per test.

REGRESS=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$REGRESS/.." && pwd)
export REGRESS TOP

# Fixed order: cheap tests first, the crash test last.
ALL_TESTS="help doctor daemon rundir exit-status stdio stdin-flood term rm
    lifecycle suspend fork warm credentials
    images image-register oci-client image-pull image-pull-registry
    image-pull-debian catalog kernel sandbox
    vm-commands exec-many session guest-flood workspace cp config completion
    ssh-config uninstall priv-refuse priv-stall priv-shape priv-disk
    priv-egress
    rootdisk ports web
    two-daemons network dns resolved resolved-real egress isolation crash golden
    pull
    catalog-golden
    gitlab buildbot"
# One test may not take longer than this (seconds).
TEST_TIMEOUT=${TEST_TIMEOUT:-900}

REGRESS_DRIVER=1
. "$REGRESS/test-lib.sh"

case ${O:-obj} in
/*)	OBJDIR=$O ;;
*)	OBJDIR=$TOP/${O:-obj} ;;
esac
LOGDIR=$OBJDIR/regress-log
export OBJDIR LOGDIR
rm -rf "$LOGDIR"
mkdir -p "$LOGDIR"

tests=${*:-$ALL_TESTS}
for t in $tests; do
	[ -f "$REGRESS/$t.sh" ] || { echo "regress: no test $t"; exit 2; }
done

npass=0
nfail=0
nskip=0
failed=
skipped=
CLEANUP_FAILED=0
cleaned=0

cleanup() {
	[ $cleaned = 1 ] && return
	cleaned=1
	[ "${SETUP_OWNED:-}" = 1 ] && echo "== cleanup"
	regress_cleanup
}
trap 'cleanup; exit 1' INT TERM HUP
trap cleanup EXIT

# Print the end of a test's log and the daemon / console logs it touched.
diagnose() {
	echo "---- last lines of $LOGDIR/$1.log"
	tail -n 60 "$LOGDIR/$1.log" | sed 's/^/    /'
	for u in $RUSERS; do
		sd=$(state_dir "$u")
		[ -f "$sd/bangerd.log" ] || continue
		off=$(cat "$LOGDIR/$1.$u.logoff" 2>/dev/null || echo 0)
		echo "---- $u: bangerd.log during $1 (last 40 lines)"
		tail -c +$((off + 1)) "$sd/bangerd.log" | tail -n 40 |
		    sed 's/^/    /'
		for c in $(ls -t "$sd"/vms/*/console.log 2>/dev/null | head -n 3); do
			echo "---- $u: $c (last 25 lines)"
			tail -n 25 "$c" | sed 's/^/    /'
		done
	done
}

echo "== banger regress: $(date)"
if ! regress_setup >"$LOGDIR/setup.log" 2>&1; then
	cat "$LOGDIR/setup.log"
	echo "regress: setup failed"
	echo "0 passed, 1 failed"
	exit 1
fi
cat "$LOGDIR/setup.log"
echo "namespace $NS, testroot $TESTROOT"

for t in $tests; do
	for u in $RUSERS; do
		sd=$(state_dir "$u")
		stat -c %s "$sd/bangerd.log" >"$LOGDIR/$t.$u.logoff" 2>/dev/null ||
		    echo 0 >"$LOGDIR/$t.$u.logoff"
	done
	start=$(date +%s)
	TEST_NAME=$t timeout -k 10 "$TEST_TIMEOUT" \
	    sh -c '. "$REGRESS/$1.sh"; TEST_COMPLETE=1' "$t.sh" "$t" \
	    >"$LOGDIR/$t.log" 2>&1 </dev/null
	rc=$?
	secs=$(($(date +%s) - start))
	[ $rc = 124 ] && echo "test timed out after ${TEST_TIMEOUT}s" \
	    >>"$LOGDIR/$t.log"
	# Every process of the test users must be in the test namespace.
	for u in $RUSERS; do
		for p in $(pgrep -U "$(user_uid "$u")" 2>/dev/null); do
			# An exiting process has let go of its namespaces
			# before it is a zombie: no link to read, skip it.
			nsl=$(readlink "/proc/$p/ns/net" 2>/dev/null) ||
			    continue
			[ "$nsl" = "net:[$(ns_inode "$NS")]" ] && continue
			pid_alive "$p" || continue
			echo "NETWORK SAFETY: pid $p of $u ($(cat /proc/$p/comm 2>/dev/null)) runs outside $NS" |
			    tee -a "$LOGDIR/$t.log"
			kill -KILL "$p"
			rc=1
		done
	done
	if [ $rc = 0 ]; then
		echo "PASS: $t (${secs}s)"
		npass=$((npass + 1))
	elif [ $rc = 77 ]; then
		# skip() in test-lib.sh: a tool the test needs is missing.
		echo "SKIP: $t ($(sed -n 's/^SKIP: //p' "$LOGDIR/$t.log" | head -n 1))"
		nskip=$((nskip + 1))
		skipped="$skipped $t"
	else
		echo "FAIL: $t (${secs}s, exit $rc)"
		nfail=$((nfail + 1))
		failed="$failed $t"
		diagnose "$t"
	fi
	reset_users >>"$LOGDIR/reset.log" 2>&1
done

cleanup
if ! netsnap_check; then
	nfail=$((nfail + 1))
	failed="$failed root-netns-unchanged"
fi
if [ "$CLEANUP_FAILED" != 0 ]; then
	echo "FAIL: cleanup found qemu processes of the test users"
	nfail=$((nfail + 1))
	failed="$failed cleanup"
fi
[ -n "$failed" ] && echo "failed:$failed (logs in $LOGDIR)"
[ -n "$skipped" ] && echo "skipped:$skipped"
echo "$npass passed, $nfail failed, $nskip skipped"
[ $nfail = 0 ]
