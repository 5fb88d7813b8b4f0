# kill -9 of bangerd while VMs run: the next command autostarts bangerd,
# which kills the orphaned QEMUs, releases their taps and leases, marks the
# kept VM stopped and deletes the --rm one.
. "$REGRESS/test-lib.sh"

trace "[t1] banger vm run --name c1 -- sleep 600 &"
with_timeout 900 banger vm run --name c1 -- sleep 600 \
    </dev/null >"$W/c1.out" 2>"$W/c1.err" &
bg1=$!
trace "[t1] banger vm run --rm --name c2 -- sleep 600 &"
with_timeout 900 banger vm run --rm --name c2 -- sleep 600 \
    </dev/null >"$W/c2.out" 2>"$W/c2.err" &
bg2=$!

wait_until 240 vm_is_running t1 c1 || fatal "c1 never reached running"
wait_until 240 vm_is_running t1 c2 || fatal "c2 never reached running"
q1=$(vm_field t1 c1 pid)
q2=$(vm_field t1 c2 pid)
echo "  qemu pids: c1 $q1, c2 $q2"
pid_alive "$q1" && pid_alive "$q2" || fatal "qemu of c1/c2 not running"
[ "$(user_leases t1 | grep -c .)" = 2 ] ||
    fail "want 2 leases before the crash: $(user_leases t1)"
[ "$(ns_taps | grep -c .)" = 2 ] || fail "want 2 taps before the crash: $(ns_taps)"
# Give the commands time to start inside the guests.
sleep 2

dpid=$(daemon_pid t1)
pid_alive "$dpid" || fatal "no running bangerd (pid file: '$dpid')"
ppid=$(pgrep -P "$dpid" -x banger-priv)
trace "kill -9 bangerd $dpid"
kill -KILL "$dpid"
wait_until 10 pid_gone "$dpid" || fatal "bangerd $dpid survived kill -9"
[ -n "$ppid" ] && { wait_until 10 pid_gone "$ppid" ||
    fail "banger-priv $ppid outlived its bangerd"; }

# The interrupted CLIs end with an error, not a fake success.
for b in $bg1 $bg2; do
	wait_until 30 pid_gone "$b" || { fail "vm run ($b) still waiting 30s after bangerd died"; kill $b; }
	wait "$b"
	st=$?
	echo "  interrupted vm run exit: $st"
	[ $st = 0 ] && fail "an interrupted vm run exited 0"
done
show "$W/c1.err" "c1 stderr"
echo "  after the crash: qemu c1 alive: $(pid_alive "$q1" && echo yes || echo no), taps: $(echo $(ns_taps))"

# The next command autostarts bangerd, which reconciles.
run t1 vm list --json
expect_rc 0 "vm list after the crash"
ndpid=$(daemon_pid t1)
pid_alive "$ndpid" && [ "$ndpid" != "$dpid" ] ||
    fail "no new bangerd after the crash (pid file: '$ndpid')"
cp "$W/out" "$W/list.json"
st1=$(jq -r '.[] | select(.name == "c1") | .state' "$W/list.json")
[ "$st1" = stopped ] || fail "c1 state '$st1' after reconcile, want stopped"
[ -z "$(jq -r '.[] | select(.name == "c2") | .name' "$W/list.json")" ] ||
    fail "--rm VM c2 still listed after reconcile"
wait_until 15 pid_gone "$q1" || fail "orphaned qemu $q1 (c1) still running"
wait_until 15 pid_gone "$q2" || fail "orphaned qemu $q2 (c2) still running"
wait_until 15 no_taps || fail "taps left after reconcile: $(ns_taps)"
no_leases t1 || fail "leases left after reconcile: $(user_leases t1)"
[ -e "$(state_dir t1)/vms/c2" ] && fail "state dir of --rm VM c2 left"

run t1 vm delete c1
expect_rc 0 "vm delete c1 (stopped)"
vm_absent t1 c1 || fail "c1 still listed after delete"
