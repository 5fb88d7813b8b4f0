# vm suspend saves a running VM's memory and device state to disk and ends
# its QEMU; vm resume (or vm start) continues it where it was: a process
# started before keeps its pid and its count, files written before are
# there, the guest's clock is the host's again.  The saved state is 0600 in
# the VM's directory; a corrupted, truncated or edited one is refused with
# a clear message and the VM stays suspended (and resumes once the bytes
# are right again); it survives a kill -9 of bangerd; vm stop discards it
# and vm delete removes it.
. "$REGRESS/test-lib.sh"

vms=$(state_dir t1)/vms
snap=$vms/sus/suspend

run t1 vm create --name sus
expect_rc 0 "vm create sus"
# setsid: agent sessions end with the agent channel; this must not.
counter='echo $$ >/root/counter.pid; i=0; while :; do i=$((i+1)); echo $i >/root/count.tmp; mv /root/count.tmp /root/count; sleep 0.2; done'
run t1 vm exec sus -- sh -c "echo before >/root/file; setsid sh -c '$counter' </dev/null >/dev/null 2>&1 &"
expect_rc 0 "start a counter in sus"
sleep 2
run t1 vm exec sus -- sh -c 'cat /root/counter.pid; cat /root/count'
expect_rc 0 "read the counter"
cpid=$(sed -n 1p "$W/out")
c1=$(sed -n 2p "$W/out")
echo "  counter pid $cpid at $c1"
[ -n "$cpid" ] && [ "${c1:-0}" -gt 0 ] 2>/dev/null ||
    fatal "the counter did not start (pid '$cpid', count '$c1')"
qpid=$(vm_field t1 sus pid)

run t1 vm suspend sus
expect_rc 0 "vm suspend sus"
grep -q 'saved .* MiB' "$W/err" || fail "vm suspend showed no progress"
[ "$(vm_state t1 sus)" = suspended ] ||
    fail "state '$(vm_state t1 sus)' after suspend, want suspended"
wait_until 10 pid_gone "$qpid" || fail "qemu $qpid survives the suspend"
wait_until 10 no_taps || fail "taps left while suspended: $(ns_taps)"
no_leases t1 || fail "lease left while suspended: $(user_leases t1)"
[ -z "$(vm_field t1 sus address)" ] || fail "a suspended VM shows an address"
for f in state info; do
	[ -f "$snap/$f" ] || fatal "no $snap/$f"
	m=$(stat -c %a "$snap/$f")
	[ "$m" = 600 ] || fail "$snap/$f mode $m, want 600"
	o=$(stat -c %U "$snap/$f")
	[ "$o" = "$(user_name t1)" ] || fail "$snap/$f owned by $o"
done
[ "$(stat -c %a "$snap")" = 700 ] || fail "$snap mode $(stat -c %a "$snap")"
[ -e "$vms/sus/suspend.new" ] && fail "suspend.new left after a suspend"
size=$(stat -c %s "$snap/state")
echo "  saved state: $size bytes"
grep -q "^state $size " "$snap/info" || fail "info does not record size $size"

# A command in a suspended VM is refused, and says what to do.
run t1 vm exec sus -- true
expect_rc 125 "vm exec in a suspended VM"
grep -q 'vm start' "$W/err" || fail "no hint in: $(cat "$W/err")"

# Damaged saved state: refused, nothing left running, still suspended.
cp "$snap/state" "$W/state.good"
cp "$snap/info" "$W/info.good"
off=$((size / 2))
orig=$(dd if="$snap/state" bs=1 skip=$off count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
flip=$(( (orig + 1) % 256 ))
printf "$(printf '\\%03o' $flip)" | dd of="$snap/state" bs=1 seek=$off conv=notrunc 2>/dev/null
cmp -s "$snap/state" "$W/state.good" && fatal "the byte was not changed"
run t1 vm resume sus
expect_rc 124 "vm resume of a corrupted state"
grep -q 'corrupt' "$W/err" || fail "corruption not reported: $(cat "$W/err")"
grep -q 'vm stop sus' "$W/err" || fail "no way out named: $(cat "$W/err")"
[ "$(vm_state t1 sus)" = suspended ] ||
    fail "state '$(vm_state t1 sus)' after a refused resume"
wait_until 10 no_qemu t1 || fail "a qemu left after a refused resume"
wait_until 10 no_taps || fail "taps left after a refused resume: $(ns_taps)"
no_leases t1 || fail "lease left after a refused resume"

cp "$W/state.good" "$snap/state"
truncate -s $((size - 4096)) "$snap/state"
run t1 vm resume sus
expect_rc 125 "vm resume of a truncated state"
grep -q 'truncated' "$W/err" || fail "truncation not reported: $(cat "$W/err")"
[ "$(vm_state t1 sus)" = suspended ] || fail "not suspended after truncation"

cp "$W/state.good" "$snap/state"
sed 's/^memory .*/memory 4096/' "$W/info.good" >"$snap/info"
run t1 vm resume sus
expect_rc 125 "vm resume with an edited record"
grep -q 'memory size' "$W/err" || fail "edited record not reported: $(cat "$W/err")"
printf 'banger-snapshot 1\nvmm qemu\n' >"$snap/info"
run t1 vm resume sus
expect_rc 125 "vm resume with a damaged record"
grep -q 'damaged' "$W/err" || fail "damaged record not reported: $(cat "$W/err")"
cp "$W/info.good" "$snap/info"
chmod 644 "$snap/state"
run t1 vm resume sus
expect_rc 125 "vm resume of a state others can read"
grep -q 'cannot be read' "$W/err" || fail "mode not reported: $(cat "$W/err")"
chmod 600 "$snap/state"
[ "$(vm_state t1 sus)" = suspended ] || fail "not suspended after refusals"

# bangerd's crash loses nothing: the VM is still suspended afterwards.
dpid=$(daemon_pid t1)
trace "kill -9 bangerd $dpid"
kill -KILL "$dpid"
wait_until 10 pid_gone "$dpid" || fatal "bangerd $dpid survived kill -9"
[ "$(vm_state t1 sus)" = suspended ] ||
    fail "state '$(vm_state t1 sus)' after bangerd restarted"

# Time passes while suspended; resume sets the guest's clock.
sleep 12
run t1 vm resume sus
expect_rc 0 "vm resume sus"
grep -q 'resumed at' "$W/err" || fail "no 'resumed' line: $(cat "$W/err")"
[ "$(vm_state t1 sus)" = running ] || fail "state '$(vm_state t1 sus)' after resume"
[ -e "$snap" ] && fail "the saved state is still there after a resume"
run t1 vm exec sus -- sh -c 'cat /root/counter.pid; kill -0 $(cat /root/counter.pid) && echo alive; cat /root/count; cat /root/file; date +%s'
expect_rc 0 "read the counter after resume"
show "$W/out" "after resume"
hnow=$(date +%s)
[ "$(sed -n 1p "$W/out")" = "$cpid" ] || fail "counter pid changed"
[ "$(sed -n 2p "$W/out")" = alive ] || fail "counter $cpid not alive after resume"
c2=$(sed -n 3p "$W/out")
[ "${c2:-0}" -ge "$c1" ] 2>/dev/null || fail "count went back: $c1 then '$c2'"
[ "$(sed -n 4p "$W/out")" = before ] || fail "file written before suspend lost"
gnow=$(sed -n 5p "$W/out")
d=$((hnow - gnow)); [ $d -lt 0 ] && d=$((-d))
echo "  guest clock $gnow, host $hnow"
[ $d -le 6 ] || fail "guest clock off by $d s after resume (not set?)"
sleep 1
run t1 vm exec sus -- cat /root/count
c3=$(cat "$W/out")
[ "${c3:-0}" -gt "${c2:-0}" ] 2>/dev/null || fail "counter stopped: $c2 then '$c3'"

# vm start resumes too; vm stop discards; vm delete removes it all.
run t1 vm suspend sus
expect_rc 0 "second vm suspend"
run t1 vm start sus
expect_rc 0 "vm start of a suspended VM"
grep -q 'resumed at' "$W/err" || fail "vm start did not resume"
run t1 vm exec sus -- sh -c 'kill -0 $(cat /root/counter.pid) && echo alive'
[ "$(cat "$W/out")" = alive ] || fail "counter gone after vm start resumed"
run t1 vm suspend sus
expect_rc 0 "third vm suspend"
run t1 vm stop sus
expect_rc 0 "vm stop of a suspended VM"
grep -q 'discarded' "$W/err" || fail "vm stop did not say it discarded"
[ "$(vm_state t1 sus)" = stopped ] || fail "state '$(vm_state t1 sus)' after stop"
[ -e "$snap" ] && fail "saved state kept after vm stop"
run t1 vm resume sus
expect_rc 125 "vm resume of a stopped VM"
grep -q 'vm start' "$W/err" || fail "no hint for a stopped VM"
run t1 vm start sus
expect_rc 0 "cold vm start after the discard"
run t1 vm exec sus -- sh -c 'cat /root/file; kill -0 $(cat /root/counter.pid) 2>/dev/null && echo alive || echo gone'
[ "$(sed -n 1p "$W/out")" = before ] || fail "work disk lost across the cold start"
[ "$(sed -n 2p "$W/out")" = gone ] || fail "the counter survived a cold boot?"
run t1 vm suspend sus
expect_rc 0 "suspend before delete"
run t1 vm delete sus
expect_rc 0 "vm delete of a suspended VM"
[ -e "$vms/sus" ] && fail "$vms/sus left after delete"
vm_absent t1 sus || fail "sus still listed"
no_qemu t1 || fail "qemu left"

# The VMM dying in the middle of a suspend: an error, not a success, and
# nothing half-saved left behind.
run t1 vm create --name sus2
expect_rc 0 "vm create sus2"
q2=$(vm_field t1 sus2 pid)
trace "[t1] banger vm suspend sus2 &, then kill -9 its qemu $q2"
with_timeout 300 banger vm suspend sus2 </dev/null >"$W/s2.out" 2>"$W/s2.err" &
bg=$!
sleep 0.3
kill -KILL "$q2"
wait "$bg"
st=$?
show "$W/s2.err" "suspend sus2"
if [ $st = 0 ]; then
	echo "  (the suspend finished before qemu was killed; not checked)"
else
	grep -q 'nothing was saved' "$W/s2.err" ||
	    fail "no clear error for a VMM killed mid-suspend"
	[ "$(vm_state t1 sus2)" = stopped ] ||
	    fail "sus2 is '$(vm_state t1 sus2)' after its VMM died"
	[ -e "$vms/sus2/suspend.new" ] && fail "suspend.new left after a failed suspend"
	[ -e "$vms/sus2/suspend" ] && fail "a saved state after a failed suspend"
fi
run t1 vm delete sus2
expect_rc 0 "vm delete sus2"
