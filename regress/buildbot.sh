# buildbot: Debian's Buildbot, end to end.  A master (as t2) and a
# worker (as t1, the build host's user: banger and its daemon, no sudo)
# run in the test's namespace on its loopback; the builder checks out a
# small git repository made here and builds it with `banger vm run --rm
# --image IMAGE . -- ./ci.sh` (the tiny image has busybox, no make).
# Builds are triggered with `buildbot sendchange` (the PBChangeSource),
# results read from the master's sqlite database: revision A passes;
# revision B fails with exit 3 in the guest, which must be the step's
# exit code and make the build a FAILURE; a missing image is banger's
# own failure (125), an EXCEPTION through the step's decodeRC; revision
# C hangs, and the step's maxTime SIGTERMs banger, which passes it to the
# guest command.  The worker's host is left with no VM, and master and
# worker are stopped by their pids.
. "$REGRESS/test-lib.sh"

# Debian's scripts, with Debian's python3 (not whatever is first on PATH).
BB=/usr/bin/buildbot
BBW=/usr/bin/buildbot-worker
for _c in "$BB" "$BBW" /usr/bin/python3 /usr/bin/sqlite3 /usr/bin/git; do
	[ -x "$_c" ] || skip "$_c not installed (apt-get install buildbot buildbot-worker sqlite3 git)"
done

M=$W/master
WK=$(user_home t1)/worker
REPO=$W/repo
PB=tcp:9989:interface=127.0.0.1
MPID=
WPID=

# The end of both twistd.logs, when something went wrong.
bb_logs() {
	for _l in "$M/twistd.log" "$WK/twistd.log"; do
		echo "  --- $_l"
		tail -n 60 "$_l" 2>/dev/null | cut -c1-200 | sed 's/^/  | /'
	done
}

# Stop the worker, then the master, through their own stop commands
# (which signal the pid in twistd.pid); both must be gone afterwards.
bb_stop() {
	if [ -n "$WPID" ] && pid_alive "$WPID"; then
		trace "[t1] buildbot-worker stop"
		as_user t1 "$BBW" stop "$WK"
		wait_until 30 pid_gone "$WPID" ||
		    fail "worker $WPID still running after stop"
	fi
	if [ -n "$MPID" ] && pid_alive "$MPID"; then
		trace "[t2] buildbot stop"
		as_user t2 "$BB" stop "$M"
		wait_until 30 pid_gone "$MPID" ||
		    fail "master $MPID still running after stop"
	fi
}

bb_end() {
	_bst=$?
	[ "$FAILED" -gt 0 ] && bb_logs
	bb_stop
	(exit $_bst)
	test_end
}
trap bb_end EXIT

# q SQL: a query on the master's database, as the master's user (a
# root-owned journal would lock the master out).
q() {
	as_user t2 /usr/bin/sqlite3 -cmd '.timeout 10000' "$M/state.sqlite" \
	    "$1" 2>>"$W/sqlite.err"
}

builds_done() {
	_bd=$(q 'SELECT COUNT(*) FROM builds WHERE complete_at IS NOT NULL')
	[ "${_bd:-0}" -ge "$1" ]
}

# log_of BUILD STEP: the stdio log of a step of build number BUILD, one
# line a line, each with its channel letter (o, e, h) in front.
log_of() {
	q "SELECT c.content FROM logchunks c JOIN logs l ON l.id = c.logid
	    JOIN steps s ON s.id = l.stepid JOIN builds b ON b.id = s.buildid
	    WHERE b.number = $1 AND s.name = '$2' AND l.slug = 'stdio'
	    ORDER BY c.first_line"
}

# ---- the repository: revision A passes, revision B fails with 3 ----
mkdir -p "$REPO" || fatal "cannot make $REPO"
(
	cd "$REPO" || exit 1
	git init -q -b main .
	echo 'hello, @NAME@' >greeting.in
	cat >ci.sh <<-'EOS'
	#!/bin/sh
	# Build greeting from greeting.in, then test it: busybox only.
	echo "in $(pwd)"
	sed 's/@NAME@/banger/' greeting.in >greeting || exit 1
	echo "built: $(cat greeting)"
	if [ "$(cat greeting)" != "hello, banger" ]; then
		echo "test failed"
		exit 3
	fi
	echo "tests passed"
	EOS
	chmod 0755 ci.sh
	git add -A
	git -c user.email=t@example.invalid -c user.name=t commit -qm pass
	git rev-parse HEAD >"$W/rev-a"
	echo 'goodbye, @NAME@' >greeting.in
	git -c user.email=t@example.invalid -c user.name=t commit -qam fail
	git rev-parse HEAD >"$W/rev-b"
	# C: a build that hangs, for the step's maxTime.
	cat >ci.sh <<-'EOS'
	#!/bin/sh
	trap 'echo "got SIGTERM"; exit 143' TERM
	echo "hanging in $(pwd)"
	sleep 1000
	echo "not reached"
	EOS
	git -c user.email=t@example.invalid -c user.name=t commit -qam hang
	git rev-parse HEAD >"$W/rev-c"
) || fatal "cannot make the test repository"
REV_A=$(cat "$W/rev-a")
REV_B=$(cat "$W/rev-b")
REV_C=$(cat "$W/rev-c")
# The worker clones it as t1.
chown -R banger-t1 "$REPO"

# ---- the master, as t2, on the namespace's loopback ----
mkdir -p "$M"
chown banger-t2 "$M"
trace "[t2] buildbot create-master"
as_user t2 "$BB" create-master -r "$M" >"$W/out" 2>&1 ||
    { cat "$W/out"; fatal "buildbot create-master failed"; }
cat >"$M/master.cfg" <<EOF
# The regress test's master: one worker, changes from sendchange, one
# builder whose build runs in a banger VM on the worker's host.
from buildbot.plugins import changes, schedulers, steps, util, worker

c = BuildmasterConfig = {}
c['title'] = 'banger regress'
c['buildbotNetUsageData'] = None
c['db'] = {'db_url': 'sqlite:///state.sqlite'}
# Logs stored as they are, so that the test reads them with sqlite3.
c['logCompressionMethod'] = 'raw'
c['protocols'] = {'pb': {'port': '$PB'}}
c['workers'] = [worker.Worker('banger-host', 'worker-pass')]
c['change_source'] = [changes.PBChangeSource(user='change',
    passwd='change-pass')]
c['schedulers'] = [schedulers.AnyBranchScheduler(name='on-change',
    treeStableTimer=None, builderNames=['sandboxed'])]

# The step's own timeouts, from the change's max_time when it has one.
@util.renderer
def max_time(props):
    return int(props.getProperty('max_time') or 600)

f = util.BuildFactory()
f.addStep(steps.Git(repourl='$REPO', mode='full', method='clobber'))
# banger's own failures (123 daemon, 124 the VM did not come up, 125
# anything else) are not the build's: EXCEPTION.  Any other non-zero
# status is the guest command's: FAILURE.
f.addStep(steps.ShellCommand(name='build-in-vm',
    command=['banger', 'vm', 'run', '--rm',
        '--image', util.Property('image', default='tiny'),
        '.', '--', './ci.sh'],
    decodeRC={0: util.SUCCESS, 123: util.EXCEPTION, 124: util.EXCEPTION,
        125: util.EXCEPTION},
    timeout=600, maxTime=max_time, sigtermTime=10))
c['builders'] = [util.BuilderConfig(name='sandboxed',
    workernames=['banger-host'], factory=f)]
EOF
chmod 0644 "$M/master.cfg"
as_user t2 "$BB" checkconfig "$M" >"$W/out" 2>&1 ||
    { cat "$W/out"; fatal "buildbot checkconfig failed"; }
trace "[t2] buildbot start"
with_timeout 120 as_user t2 "$BB" start "$M" >"$W/out" 2>&1
RC=$?
show "$W/out" output
expect_rc 0 "buildbot start"
MPID=$(cat "$M/twistd.pid" 2>/dev/null)
pid_alive "$MPID" || { bb_logs; fatal "no running master (pid '$MPID')"; }
pid_in_ns "$MPID" || fail "the master is not in the test's namespace"
runs_as "$MPID" t2 || fail "the master does not run as t2"
PY=$(readlink -f /usr/bin/python3)
[ "$(readlink "/proc/$MPID/exe")" = "$PY" ] ||
    fail "the master runs $(readlink "/proc/$MPID/exe"), not Debian's $PY"

# ---- the worker, as t1 ----
trace "[t1] buildbot-worker create-worker"
as_user t1 "$BBW" create-worker -r "$WK" 127.0.0.1:9989 banger-host \
    worker-pass >"$W/out" 2>&1 ||
    { cat "$W/out"; fatal "buildbot-worker create-worker failed"; }
trace "[t1] buildbot-worker start"
with_timeout 120 as_user t1 "$BBW" start "$WK" >"$W/out" 2>&1
RC=$?
show "$W/out" output
expect_rc 0 "buildbot-worker start"
WPID=$(cat "$WK/twistd.pid" 2>/dev/null)
pid_alive "$WPID" || { bb_logs; fatal "no running worker (pid '$WPID')"; }
pid_in_ns "$WPID" || fail "the worker is not in the test's namespace"
runs_as "$WPID" t1 || fail "the worker does not run as t1"
[ "$(readlink "/proc/$WPID/exe")" = "$PY" ] ||
    fail "the worker runs $(readlink "/proc/$WPID/exe"), not Debian's $PY"
wait_until 60 grep -q "attached" "$WK/twistd.log" ||
    { bb_logs; fatal "the worker did not attach to the master"; }

# sendchange REV [--property NAME:VALUE...]: a change of the
# repository's main branch at REV.
sendchange() {
	_rev=$1
	shift
	trace "[t2] buildbot sendchange --revision $_rev $*"
	as_user t2 "$BB" sendchange --master 127.0.0.1:9989 \
	    --auth change:change-pass --who tester --repository "$REPO" \
	    --branch main --revision "$_rev" "$@" ci.sh >"$W/out" 2>&1
	RC=$?
	show "$W/out" output
}

# ---- build 1: revision A passes ----
f0=$FAILED
sendchange "$REV_A"
expect_rc 0 "sendchange A"
wait_until 400 builds_done 1 || { bb_logs; fatal "build 1 did not finish"; }
# Results: 0 SUCCESS, 2 FAILURE.
r=$(q "SELECT results FROM builds WHERE number = 1")
[ "$r" = 0 ] || fail "build 1: results '$r', want 0 (SUCCESS)"
r=$(q "SELECT s.results FROM steps s JOIN builds b ON b.id = s.buildid
    WHERE b.number = 1 AND s.name = 'build-in-vm'")
[ "$r" = 0 ] || fail "build 1: step results '$r', want 0"
log_of 1 build-in-vm >"$W/log1"
show "$W/log1" "build 1's step log"
grep -qx "oin /root/build" "$W/log1" ||
    fail "build 1: the step did not run in the guest's workspace"
grep -q "tests passed" "$W/log1" || fail "build 1: no 'tests passed'"
grep -q "exit code 0" "$W/log1" || fail "build 1: no 'exit code 0'"
[ "$FAILED" = "$f0" ] && ok "build 1 (revision A): SUCCESS"

# ---- build 2: revision B exits 3 in the guest ----
f0=$FAILED
sendchange "$REV_B"
expect_rc 0 "sendchange B"
wait_until 400 builds_done 2 || { bb_logs; fatal "build 2 did not finish"; }
r=$(q "SELECT results FROM builds WHERE number = 2")
[ "$r" = 2 ] || fail "build 2: results '$r', want 2 (FAILURE)"
r=$(q "SELECT s.results FROM steps s JOIN builds b ON b.id = s.buildid
    WHERE b.number = 2 AND s.name = 'build-in-vm'")
[ "$r" = 2 ] || fail "build 2: step results '$r', want 2"
log_of 2 build-in-vm >"$W/log2"
show "$W/log2" "build 2's step log"
grep -q "test failed" "$W/log2" || fail "build 2: no 'test failed'"
grep -q "program finished with exit code 3\$" "$W/log2" ||
    fail "build 2: the step's exit code is not the guest's 3"
[ "$FAILED" = "$f0" ] &&
    ok "build 2 (revision B): FAILURE with exit code 3"
# ---- build 3: banger's own failure (no such image) is an EXCEPTION ----
f0=$FAILED
sendchange "$REV_A" --property image:no-such-image
expect_rc 0 "sendchange A, image no-such-image"
wait_until 120 builds_done 3 || { bb_logs; fatal "build 3 did not finish"; }
r=$(q "SELECT results FROM builds WHERE number = 3")
[ "$r" = 4 ] || fail "build 3: results '$r', want 4 (EXCEPTION)"
log_of 3 build-in-vm >"$W/log3"
show "$W/log3" "build 3's step log"
grep -q "no image named no-such-image" "$W/log3" ||
    fail "build 3: banger's message is not in the log"
grep -q "program finished with exit code 125\$" "$W/log3" ||
    fail "build 3: exit code not banger's 125"
[ "$FAILED" = "$f0" ] &&
    ok "build 3 (a missing image): EXCEPTION with exit code 125"

# ---- build 4: revision C hangs; maxTime 20 s, SIGTERM, then --rm ----
f0=$FAILED
sendchange "$REV_C" --property max_time:20
expect_rc 0 "sendchange C, max_time 20"
wait_until 400 builds_done 4 || { bb_logs; fatal "build 4 did not finish"; }
r=$(q "SELECT results FROM builds WHERE number = 4")
[ "$r" = 2 ] || fail "build 4: results '$r', want 2 (FAILURE)"
log_of 4 build-in-vm >"$W/log4"
show "$W/log4" "build 4's step log"
grep -q "^ohanging in /root/build" "$W/log4" ||
    fail "build 4: the hanging build did not start in the guest"
grep -q "command timed out: 20 seconds elapsed" "$W/log4" ||
    fail "build 4: the step did not time out"
grep -q "^ogot SIGTERM" "$W/log4" ||
    fail "build 4: the guest command did not get the SIGTERM"
grep -q "not reached" "$W/log4" && fail "build 4: the sleep ran to its end"
[ "$FAILED" = "$f0" ] &&
    ok "build 4 (a hang): maxTime, SIGTERM passed to the guest, FAILURE"

[ -s "$W/sqlite.err" ] && { cat "$W/sqlite.err"; fail "sqlite3 errors"; }

# ---- the worker's host is clean ----
vm_list_json t1 || fail "vm list as t1"
[ "$(jq length "$W/list.json")" = 0 ] ||
    fail "VMs left: $(jq -r '.[].name' "$W/list.json" | tr '\n' ' ')"
left=$(ls -A "$(state_dir t1)/vms" 2>/dev/null)
[ -z "$left" ] || fail "VM directories left: $left"
wait_until 30 no_qemu t1 || fail "QEMU left: $(qemu_pids t1)"
wait_until 30 no_taps || fail "taps left: $(ns_taps)"
no_leases t1 || fail "leases left: $(user_leases t1)"

bb_stop
pid_gone "$WPID" && pid_gone "$MPID" && ok "master and worker stopped"
MPID=
WPID=
