# A second bangerd of the same user leaves the first one's VMs alone.
# Two can exist: one HOME with two runtime directories (XDG_RUNTIME_DIR
# set in a login session, unset under su or cron), or two HOMEs.  The
# first is refused (one daemon per state directory); the second runs,
# and its start-up releases only the leases of VMs in its own state.
. "$REGRESS/test-lib.sh"

alt=$(user_home t1)/alt
as_user t1 mkdir -p -m 0700 "$alt" "$alt/run" "$alt/run2" ||
    fatal "mkdir $alt"

# First daemon: a kept VM, running, with its tap lease.
run t1 vm create --name keep
expect_rc 0 "vm create --name keep"
qpid=$(vm_field t1 keep pid)
pid_alive "$qpid" || fatal "keep's QEMU '$qpid' is not running"
lease=$(user_leases t1)
[ "$(echo "$lease" | grep -c .)" = 1 ] || fatal "want 1 lease, have: $lease"
tap=bgtap$(echo "$lease" | awk '{print $4}')

keep_intact() {
	pid_alive "$qpid" || fail "$1: keep's QEMU $qpid was killed"
	echo "$(user_leases t1)" | grep -qxF "$lease" ||
	    fail "$1: keep's lease '$lease' was released"
	tap_exists "$tap" || fail "$1: keep's tap $tap is gone"
	[ "$(vm_state t1 keep)" = running ] ||
	    fail "$1: keep is '$(vm_state t1 keep)', not running"
	run t1 vm exec keep -- echo alive
	expect_rc 0 "$1: vm exec keep"
	[ "$(cat "$W/out")" = alive ] || fail "$1: keep does not answer"
}

# Same HOME, another runtime directory: refused before it touches a
# thing, with the reason.
trace "[t1] banger vm list (same HOME, XDG_RUNTIME_DIR=$alt/run2)"
as_user t1 env XDG_RUNTIME_DIR="$alt/run2" "$BIN/banger" vm list \
    >"$W/out" 2>"$W/err"
RC=$?
show "$W/err" stderr
[ "$RC" != 0 ] || fail "a second daemon on the same state directory ran"
grep -q "another bangerd" "$W/err" ||
    fail "the refusal does not say another bangerd uses the state directory"
grep -qF "$(rt_dir t1)/bangerd.sock" "$W/err" ||
    fail "the refusal does not name the first daemon's socket"
keep_intact "same HOME"

# Another HOME: its own daemon boots and removes a VM, twice (the second
# start-up reconciles with keep running), and keep goes on.
for i in 1 2; do
	trace "[t1] banger vm run --rm -- true (HOME=$alt, round $i)"
	as_user t1 env HOME="$alt" XDG_RUNTIME_DIR="$alt/run" \
	    "$BIN/banger" vm run --rm -- true >"$W/out" 2>"$W/err"
	RC=$?
	show "$W/err" stderr
	expect_rc 0 "vm run --rm under a second HOME (round $i)"
	as_user t1 env HOME="$alt" XDG_RUNTIME_DIR="$alt/run" \
	    "$BIN/banger" daemon stop >/dev/null 2>&1
	keep_intact "second HOME, round $i"
done

run t1 vm delete keep
expect_rc 0 "vm delete keep"
no_leases t1 || fail "leases left: $(user_leases t1)"
