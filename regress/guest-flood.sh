# A guest that floods its serial console cannot fill the host's disk:
# console.log is capped and rotated once (console.log.1), the newest output
# is kept, and `vm logs` and `vm logs -f` (across the rotations) show it.  The
# agent side (errors nobody asked for, error floods) is bangerd/test-agent.
. "$REGRESS/test-lib.sh"

cap=$((2 * 1024 * 1024))	# CONSOLE_LOG_MAX in bangerd/bangerd.h
dir=$(state_dir t1)/vms/flood
dlog=$(state_dir t1)/bangerd.log

run t1 vm create --name flood
expect_rc 0 "vm create --name flood"

trace "[t1] banger vm logs -f flood (background)"
as_user t1 "$BIN/banger" vm logs -f flood >"$W/follow" 2>&1 &
fpid=$!
run t1 vm exec flood -- sh -c 'echo MARK-BEFORE-FLOOD > /dev/ttyS0'
expect_rc 0 "console marker"
wait_until 30 grep -q MARK-BEFORE-FLOOD "$W/follow" ||
    fail "vm logs -f does not show what the guest writes"

dsize=$(stat -c %s "$dlog")
# Two and a half caps of console output, then a last marker.
run t1 vm exec flood -- sh -c "head -c $((cap * 5 / 2)) /dev/zero |
    tr '\\0' x > /dev/ttyS0; echo; echo MARK-AFTER-FLOOD > /dev/ttyS0"
expect_rc 0 "console flood"
wait_until 30 grep -q MARK-AFTER-FLOOD "$dir/console.log" ||
    fail "the last marker is not in console.log"
s0=$(stat -c %s "$dir/console.log")
s1=$(stat -c %s "$dir/console.log.1" 2>/dev/null || echo none)
echo "  console.log $s0 bytes, console.log.1 $s1"
[ "$s0" -le "$cap" ] || fail "console.log is $s0 bytes, over the cap $cap"
[ "$s1" = "$cap" ] || fail "console.log.1 is $s1, want $cap (one rotation)"
[ -e "$dir/console.log.2" ] && fail "more than one rotated console log"
grow=$(($(stat -c %s "$dlog") - dsize))
[ "$grow" -lt 4096 ] || fail "bangerd.log grew by $grow bytes during the flood"
# The follower started before the rotations still reaches the newest output.
wait_until 30 grep -q MARK-AFTER-FLOOD "$W/follow" ||
    fail "vm logs -f stopped at a rotation"
kill "$fpid" 2>/dev/null
wait "$fpid" 2>/dev/null

run t1 vm logs flood
expect_rc 0 "vm logs after the flood"
[ "$(stat -c %s "$W/out")" -le "$cap" ] || fail "vm logs printed over the cap"
grep -q MARK-AFTER-FLOOD "$W/out" || fail "vm logs lacks the newest output"

run t1 vm delete flood
expect_rc 0 "vm delete flood"
