# kill -9 of bangerd while VMs run: the next command autostarts bangerd,
# which adopts the QEMU of the VM that was wholly up (it runs on, with its
# tap, lease, files and agent), kills the --rm one's and the one still
# booting's, and releases their taps and leases.  The adopted VM then
# stops; `daemon restart` and `daemon stop --keep-vms` leave it running,
# and a `daemon stop` takes its VMs down with it.
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
run t1 vm exec c1 -- sh -c 'echo before-crash >/root/mark'
expect_rc 0 "write a file in c1"

# c3 is still booting when bangerd dies (unless it was quicker).
trace "[t1] banger vm create --name c3 &"
with_timeout 300 banger vm create --name c3 </dev/null >"$W/c3.out" \
    2>"$W/c3.err" &
bg3=$!
c3_booting() {
	case "$(vm_state t1 c3)" in
	starting|running) return 0 ;;
	esac
	return 1
}
wait_until 240 c3_booting || fail "c3 did not start: $(cat "$W/c3.err")"

dpid=$(daemon_pid t1)
pid_alive "$dpid" || fatal "no running bangerd (pid file: '$dpid')"
ppid=$(pgrep -P "$dpid" -x banger-priv)
trace "kill -9 bangerd $dpid"
kill -KILL "$dpid"
wait_until 10 pid_gone "$dpid" || fatal "bangerd $dpid survived kill -9"
[ -n "$ppid" ] && { wait_until 10 pid_gone "$ppid" ||
    fail "banger-priv $ppid outlived its bangerd"; }
q3=$(pgrep -U "$(user_uid t1)" -f 'banger-vm-' | grep -vx "$q1" |
    grep -vx "$q2" | head -n 1)
echo "  c3's qemu when bangerd died: ${q3:-none}"

# The interrupted CLIs end with an error, not a fake success.
for b in $bg1 $bg2; do
	wait_until 30 pid_gone "$b" || { fail "CLI ($b) still waiting 30s after bangerd died"; kill $b; }
	wait "$b"
	st=$?
	echo "  interrupted CLI exit: $st"
	[ $st = 0 ] && fail "an interrupted CLI exited 0"
done
# c3's create: interrupted, unless it was all done before the kill.
wait "$bg3"
rc3=$?
st3want=stopped
[ $rc3 = 0 ] && st3want=running
show "$W/c3.err" "c3 stderr"
echo "  c3 should now be $st3want"
show "$W/c1.err" "c1 stderr"
pid_alive "$q1" || fail "c1's qemu $q1 died with bangerd"

# The next command autostarts bangerd, which reconciles.
run t1 vm list --json
expect_rc 0 "vm list after the crash"
ndpid=$(daemon_pid t1)
pid_alive "$ndpid" && [ "$ndpid" != "$dpid" ] ||
    fail "no new bangerd after the crash (pid file: '$ndpid')"
cp "$W/out" "$W/list.json"
st1=$(jq -r '.[] | select(.name == "c1") | .state' "$W/list.json")
[ "$st1" = running ] || fail "c1 state '$st1' after reconcile, want running"
[ "$(jq -r '.[] | select(.name == "c1") | .pid' "$W/list.json")" = "$q1" ] ||
    fail "c1 is not its old QEMU $q1 after reconcile"
st3=$(jq -r '.[] | select(.name == "c3") | .state' "$W/list.json")
[ "$st3" = "$st3want" ] ||
    fail "c3 state '$st3' after reconcile, want $st3want"
[ -z "$(jq -r '.[] | select(.name == "c2") | .name' "$W/list.json")" ] ||
    fail "--rm VM c2 still listed after reconcile"
wait_until 15 pid_gone "$q2" || fail "orphaned qemu $q2 (c2) still running"
if [ "$st3want" = stopped ]; then
	[ -n "$q3" ] && { wait_until 15 pid_gone "$q3" ||
	    fail "orphaned qemu $q3 (c3) still running"; }
else
	run t1 vm stop c3
	expect_rc 0 "vm stop c3 (it was up before the crash)"
fi
[ "$(ns_taps | grep -c .)" = 1 ] || fail "want c1's tap only: $(ns_taps)"
[ "$(user_leases t1 | grep -c .)" = 1 ] ||
    fail "want c1's lease only: $(user_leases t1)"
[ -e "$(state_dir t1)/vms/c2" ] && fail "state dir of --rm VM c2 left"
grep -q "adopted its QEMU $q1" "$(state_dir t1)/bangerd.log" ||
    fail "bangerd.log does not say c1 was adopted"

# The adopted VM works: its files, a command, its console log goes on.
run t1 vm exec c1 -- cat /root/mark
expect_rc 0 "vm exec in the adopted c1"
[ "$(cat "$W/out")" = before-crash ] || fail "c1 lost its file: $(cat "$W/out")"
run t1 vm exec c1 -- sh -c 'echo console-after-crash >/dev/console'
expect_rc 0 "write to c1's console"
wait_until 30 grep -q console-after-crash "$(state_dir t1)/vms/c1/console.log" ||
    fail "c1's console log does not follow the adopted guest"
run t1 vm stop c1
expect_rc 0 "vm stop of the adopted c1"
wait_until 15 pid_gone "$q1" || fail "c1's qemu $q1 still running after stop"
wait_until 15 no_taps || fail "taps left after stopping c1: $(ns_taps)"
no_leases t1 || fail "leases left after stopping c1: $(user_leases t1)"

# Adopted again after a second crash, then `daemon stop` ends it.
run t1 vm start c1
expect_rc 0 "vm start c1"
q1=$(vm_field t1 c1 pid)
dpid=$(daemon_pid t1)
trace "kill -9 bangerd $dpid"
kill -KILL "$dpid"
wait_until 10 pid_gone "$dpid" || fatal "bangerd $dpid survived kill -9"
run t1 vm exec c1 -- cat /root/mark
expect_rc 0 "vm exec after a second crash"
[ "$(vm_field t1 c1 pid)" = "$q1" ] || fail "c1 not adopted the second time"
# daemon restart, and daemon stop --keep-vms: the VM runs on, adopted.
dpid=$(daemon_pid t1)
run t1 daemon restart
expect_rc 0 "daemon restart"
grep -qx "bangerd restarted" "$W/out" || fail "restart did not say so"
ndpid=$(daemon_pid t1)
pid_alive "$ndpid" && [ "$ndpid" != "$dpid" ] ||
    fail "no new bangerd after daemon restart ('$ndpid', was $dpid)"
pid_alive "$q1" || fail "daemon restart ended c1's qemu $q1"
run t1 vm exec c1 -- cat /root/mark
expect_rc 0 "vm exec after daemon restart"
[ "$(vm_field t1 c1 pid)" = "$q1" ] || fail "c1 not adopted after restart"
run t1 daemon stop --keep-vms
expect_rc 0 "daemon stop --keep-vms"
wait_until 10 pid_gone "$ndpid" ||
    fail "bangerd $ndpid still there after stop --keep-vms"
pid_alive "$q1" || fail "daemon stop --keep-vms ended c1's qemu $q1"
[ "$(vm_state t1 c1)" = running ] || fail "c1 not running after the restart"
run t1 daemon stop
expect_rc 0 "daemon stop"
wait_until 15 pid_gone "$q1" || fail "daemon stop left c1's qemu $q1 running"
wait_until 15 no_taps || fail "taps left after daemon stop: $(ns_taps)"

run t1 vm delete c1 c3
expect_rc 0 "vm delete c1 c3"
vm_absent t1 c1 || fail "c1 still listed after delete"
