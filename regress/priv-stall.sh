# One user cannot freeze banger-priv for every user.  t2 hands its helper
# a stderr that blocks for ever (a full pipe nobody reads) and sends a
# request that ends the helper while it holds the host-wide lease lock
# (vm_id 0 is found wrong under the lock).  The helper must neither write
# nor wait under the lock: the lock is free afterwards and t1's helper
# gets it and answers.  Before the fix the helper blocked in the pipe
# write with the lock held, and every other helper waited in flock().
. "$REGRESS/test-lib.sh"

[ -x "$BIN/priv-client" ] || fatal "no priv-client (obj/regress/priv-client)"
LOCKFILE=$PRIV_ROOT/run/leases.lock

trace "[t2] priv-client --full-stderr bridge tap 0 (in the background)"
as_user t2 "$BIN/priv-client" --full-stderr "$PRIV_BIN" bridge tap 0 \
    >"$W/stall.out" 2>"$W/stall.err" </dev/null &
bg=$!

# The helper's pid, then wait until it has either ended (fixed) or is
# stuck writing to the pipe (broken); both happen without a time limit.
hp=
while [ -z "$hp" ] && kill -0 "$bg" 2>/dev/null; do
	hp=$(sed -n 's/^helper pid //p' "$W/stall.out")
	[ -n "$hp" ] || sleep 0.1
done
[ -n "$hp" ] || hp=$(sed -n 's/^helper pid //p' "$W/stall.out")
if [ -z "$hp" ]; then
	show "$W/stall.out" stdout
	show "$W/stall.err" stderr
	fatal "priv-client printed no helper pid"
fi
stuck=0
while :; do
	st=$(awk '{print $3}' "/proc/$hp/stat" 2>/dev/null)
	[ -z "$st" ] || [ "$st" = Z ] && break
	if grep -q pipe_write "/proc/$hp/wchan" 2>/dev/null; then
		stuck=1
		break
	fi
	sleep 0.1
done
if [ "$stuck" = 1 ]; then
	fail "t2's helper $hp is blocked writing to its stderr"
	if flock -n "$LOCKFILE" true; then
		ok "... but not with the lease lock held"
	fi
fi

if flock -n "$LOCKFILE" true; then
	ok "the lease lock is free after t2's helper faulted"
	pc t1 list
	expect_rc 0 "t1's helper gets the lock and answers"
	grep -q '^ids' "$W/pc.out" || fail "t1 list: no ids line"
else
	fail "the lease lock is held by t2's stalled helper: every other user's helper would wait"
fi

# Release a stuck helper: end its priv-client (the helper's parent), which
# holds the pipe's read end; the helper's write then fails and it exits.
if [ "$stuck" = 1 ]; then
	cpid=$(sed 's/.*) //' "/proc/$hp/stat" | awk '{print $2}')
	[ -n "$cpid" ] && kill "$cpid"
fi
wait "$bg"
show "$W/stall.out" "t2 stdout"
grep -q '^helper exit 1$' "$W/stall.out" ||
    fail "t2's helper did not end with exit 1 on the fault"
no_leases t2 || fail "t2 has tap leases: $(user_leases t2)"
