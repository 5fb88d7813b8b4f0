# Commands side by side in one VM: `vm exec` while another `vm exec` and
# a `vm run` command still run, each with its own stdin, output and exit
# status; large outputs of two at once arrive intact; one more than
# VM_EXEC_MAX (8) is refused as busy, and a hung-up one frees its place.
. "$REGRESS/test-lib.sh"

exec_ok() {
	_v=$1
	shift
	as_user t1 "$BIN/banger" vm exec "$_v" -- "$@" </dev/null >/dev/null 2>&1
}
has_line() {
	grep -q "$1" "$2" 2>/dev/null
}
all_started() {
	[ "$(cat "$W"/s[1-8].out 2>/dev/null | grep -c started)" -eq 8 ]
}
# The CLI of a background `as_user ... &` (a subshell): its timeout child,
# which passes the signal on to banger.
kill_cli() {
	for _c in $(pgrep -P "$1"); do
		kill "$_c" 2>/dev/null
	done
}
runner_up() {
	[ "$(vm_state t1 runner 2>/dev/null)" = running ]
}

run t1 vm create --name many
expect_rc 0 "vm create"

# A command that waits for its stdin (a FIFO the test holds open).
fifo=$W/in.fifo
mkfifo "$fifo"
as_user t1 "$BIN/banger" vm exec many -- sh -c \
    'echo waiting; read x; echo "got $x"; exit 4' \
    <"$fifo" >"$W/waiter.out" 2>"$W/waiter.err" &
waiter=$!
exec 7>"$fifo"
wait_until 60 has_line waiting "$W/waiter.out" ||
    fail "the waiting command did not start"

# Meanwhile other commands run and end, each with its own status.
run t1 vm exec many -- sh -c 'echo beside; exit 3'
expect_rc 3 "vm exec beside a running one"
[ "$(cat "$W/out")" = beside ] || fail "second exec's output: $(cat "$W/out")"

# Two large outputs at once, each intact.
as_user t1 "$BIN/banger" vm exec many -- sh -c \
    'i=0; while [ $i -lt 40000 ]; do echo "a-line-$i"; i=$((i+1)); done' \
    >"$W/a.out" 2>"$W/a.err" &
pa=$!
as_user t1 "$BIN/banger" vm exec many -- sh -c \
    'i=0; while [ $i -lt 40000 ]; do echo "b-line-$i"; i=$((i+1)); done' \
    >"$W/b.out" 2>"$W/b.err" &
pb=$!
wait "$pa"; ra=$?
wait "$pb"; rb=$?
[ "$ra" -eq 0 ] && [ "$rb" -eq 0 ] || fail "parallel execs exited $ra, $rb"
seq 0 39999 | sed 's/^/a-line-/' >"$W/a.want"
seq 0 39999 | sed 's/^/b-line-/' >"$W/b.want"
cmp -s "$W/a.out" "$W/a.want" || fail "first parallel output differs"
cmp -s "$W/b.out" "$W/b.want" || fail "second parallel output differs"

# The waiter still waits; its input reaches it, and only it.
pid_alive "$waiter" || fail "the waiting exec ended early"
echo hello >&7
exec 7>&-
wait "$waiter"
rc=$?
[ "$rc" -eq 4 ] || fail "waiting exec exited $rc, want 4"
[ "$(tail -n 1 "$W/waiter.out")" = "got hello" ] ||
    fail "waiting exec printed '$(cat "$W/waiter.out")'"

# Eight at once hold every place: the ninth is refused, clearly.
pids=
for n in 1 2 3 4 5 6 7 8; do
	as_user t1 "$BIN/banger" vm exec many -- sh -c \
	    'echo started; exec sleep 600' </dev/null >"$W/s$n.out" 2>&1 &
	pids="$pids $!"
done
wait_until 120 all_started ||
    fail "eight execs did not all start"
run t1 vm exec many -- true
grep -q "already running 8 commands" "$W/err" ||
    fail "a ninth exec was not refused as busy"
[ "$RC" -ne 0 ] || fail "a ninth exec succeeded"
# One hangs up: its place comes free once its command has ended.
set -- $pids
kill_cli "$1"
wait "$1" 2>/dev/null
wait_until 60 exec_ok many true ||
    fail "a hung-up exec's place did not come free"
for p in $pids; do
	kill_cli "$p"
done
for p in $pids; do
	wait "$p" 2>/dev/null
done

# A vm run command and a vm exec beside it.
as_user t1 "$BIN/banger" vm run --rm --name runner -- sh -c \
    'while [ ! -e /tmp/go ]; do sleep 0.2; done; echo run-done' \
    >"$W/run.out" 2>"$W/run.err" &
prun=$!
wait_until 120 runner_up || fail "the vm run VM did not come up"
wait_until 60 exec_ok runner touch /tmp/go ||
    fail "vm exec beside vm run's command failed"
wait "$prun"
rc=$?
[ "$rc" -eq 0 ] || fail "vm run exited $rc"
[ "$(cat "$W/run.out")" = run-done ] || fail "vm run printed '$(cat "$W/run.out")'"

run t1 vm delete many
expect_rc 0 "vm delete"
