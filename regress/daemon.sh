# bangerd: status while down, autostart, status fields, stop.
. "$REGRESS/test-lib.sh"

sock=$(rt_dir t1)/bangerd.sock
pidfile=$(rt_dir t1)/bangerd.pid

# run.sh leaves every daemon stopped between tests.
pgrep -r R,S,D -U "$(user_uid t1)" -x bangerd >/dev/null &&
    fatal "bangerd of t1 is already running at test start"

run t1 daemon status
expect_rc 1 "daemon status while down"
grep -q "bangerd is not running" "$W/out" "$W/err" ||
    fail "daemon status while down does not say 'bangerd is not running'"
sleep 0.5
pgrep -r R,S,D -U "$(user_uid t1)" -x bangerd >/dev/null &&
    fail "daemon status started bangerd"

run t1 daemon stop
[ "$RC" = 0 ] || [ "$RC" = 1 ] ||
    fail "daemon stop while down: exit $RC, want 0 or 1"
pgrep -r R,S,D -U "$(user_uid t1)" -x bangerd >/dev/null &&
    fail "daemon stop started bangerd"

# Any other command autostarts the daemon, in the test namespace.
run t1 vm list
expect_rc 0 "vm list (autostart)"
dpid=$(daemon_pid t1)
[ -n "$dpid" ] || fatal "no pid file $pidfile after autostart"
pid_alive "$dpid" || fatal "pid $dpid from the pid file is not running"
[ "$(cat /proc/$dpid/comm)" = bangerd ] ||
    fail "pid $dpid is $(cat /proc/$dpid/comm), not bangerd"
pid_in_ns "$dpid" || fail "bangerd runs outside $NS"
runs_as "$dpid" t1 || fail "bangerd uids: $(uids_of "$dpid")"
[ -S "$sock" ] || fail "no control socket at $sock"
[ "$(stat -c '%a %U' "$sock")" = "600 banger-t1" ] ||
    fail "control socket mode/owner: $(stat -c '%a %U' "$sock"), want 600 banger-t1"
# The daemon must not keep the CLI's stdio (that would hang $(banger ...)).
for fd in 0 1 2; do
	l=$(readlink "/proc/$dpid/fd/$fd" 2>/dev/null)
	case $l in
	"$W"/*) fail "bangerd kept the CLI's fd $fd ($l)" ;;
	esac
done

run t1 daemon status --json
expect_rc 0 "daemon status --json"
j=$W/out
if jq -e 'type == "object"' "$j" >/dev/null 2>&1; then
	[ "$(jq -r .pid "$j")" = "$dpid" ] ||
	    fail "status pid $(jq -r .pid "$j") != pid file $dpid"
	ppid=$(jq -r .priv_pid "$j")
	if pid_alive "$ppid"; then
		[ "$(cat /proc/$ppid/comm)" = banger-priv ] ||
		    fail "priv_pid $ppid is $(cat /proc/$ppid/comm)"
		pid_in_ns "$ppid" || fail "banger-priv runs outside $NS"
	else
		fail "priv_pid '$ppid' is not a running process"
	fi
	jq -e '.uptime | type == "number" and . >= 0 and . < 600' "$j" \
	    >/dev/null || fail "uptime not sane"
	jq -e '.vms == 0' "$j" >/dev/null || fail "vms is not 0"
	jq -e '.version | type == "string" and length > 0' "$j" >/dev/null ||
	    fail "no version"
	jq -e '.accel == "tcg"' "$j" >/dev/null ||
	    fail "accel is $(jq -r .accel "$j"), want tcg on this host"
	jq -e '.accel_reason | type == "string" and length > 0' "$j" \
	    >/dev/null || fail "no accel_reason"
	[ "$(jq -r .state_dir "$j")" = "$(state_dir t1)" ] ||
	    fail "state_dir $(jq -r .state_dir "$j"), want $(state_dir t1)"
	# No VM has booted: banger-net waits for the bridge.
	jq -e '.dns | startswith("not started")' "$j" >/dev/null ||
	    fail "dns is '$(jq -r .dns "$j")' before any VM"
else
	fail "daemon status --json is not a JSON object"
fi

run t1 daemon status
expect_rc 0 "daemon status while up"
grep -q "$dpid" "$W/out" || fail "daemon status does not show pid $dpid"

run t1 daemon stop
expect_rc 0 "daemon stop"
wait_until 10 pid_gone "$dpid" || fail "bangerd $dpid still running 10s after stop"
[ -n "$ppid" ] && { wait_until 5 pid_gone "$ppid" ||
    fail "banger-priv $ppid outlived bangerd"; }
[ -e "$sock" ] && fail "control socket left after stop"
[ -e "$pidfile" ] && fail "pid file left after stop"
run t1 daemon status
expect_rc 1 "daemon status after stop"

# The state directory is private.
[ "$(stat -c '%a %U' "$(state_dir t1)")" = "700 banger-t1" ] ||
    fail "state dir mode/owner: $(stat -c '%a %U' "$(state_dir t1)")"
[ -f "$(state_dir t1)/bangerd.db" ] || fail "no bangerd.db in the state dir"
