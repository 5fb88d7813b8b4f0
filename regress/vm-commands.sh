# The VM lifecycle commands: create (with and without booting), show,
# exec, stop, start again, logs, and the errors around them.
. "$REGRESS/test-lib.sh"

vms=$(state_dir t1)/vms

run t1 vm create --name lc --no-start --vcpu 1 --memory 320M --disk-size 2G
expect_rc 0 "vm create --no-start"
[ "$(cat "$W/out")" = lc ] || fail "vm create printed '$(cat "$W/out")'"
grep -q '^banger: spec: 1 vCPU, 320 MiB RAM, 2048 MiB disk' "$W/err" ||
    fail "no spec: line first"
[ "$(vm_state t1 lc)" = stopped ] || fail "state $(vm_state t1 lc), want stopped"
no_qemu t1 || fail "--no-start booted a VM"
no_taps || fail "--no-start made a tap: $(ns_taps)"

run t1 vm show --json lc
expect_rc 0 "vm show --json"
jq -e '.name == "lc" and .state == "stopped" and .vcpus == 1 and
    .memory_mib == 320 and .disk_mib == 2048 and .address == "" and
    .image == "tiny" and .root == "memory"' \
    "$W/out" >/dev/null || fail "vm show --json fields wrong"

run t1 vm exec lc -- true
expect_rc 125 "vm exec on a stopped VM"
grep -q "vm start lc" "$W/err" || fail "exec on stopped VM: no hint to start"

run t1 vm start lc
expect_rc 0 "vm start"
[ "$(vm_state t1 lc)" = running ] || fail "after start: $(vm_state t1 lc)"
run t1 vm start lc
expect_rc 125 "vm start on a running VM"

run t1 vm exec lc -- sh -c 'echo in-guest; nproc; exit 3'
expect_rc 3 "vm exec exit status"
[ "$(head -n 1 "$W/out")" = in-guest ] || fail "vm exec stdout"
[ "$(sed -n 2p "$W/out")" = 1 ] || fail "guest has $(sed -n 2p "$W/out") CPUs, want 1"
run t1 vm exec lc -- awk '/MemTotal/ { print ($2 > 200000 && $2 < 330000) }' /proc/meminfo
[ "$(cat "$W/out")" = 1 ] || fail "guest memory not about 320 MiB"

# /root is the VM's own disk: what is written there survives a restart.
run t1 vm exec lc -- sh -c 'echo kept > /root/note; mount | grep " /root "'
expect_rc 0 "write to /root"
grep -q ext4 "$W/out" || fail "/root is not the ext4 work disk"
run t1 vm exec lc -- sh -c 'df -m /root | tail -n 1'
awk '{ exit !($2 > 1800 && $2 <= 2048) }' "$W/out" ||
    fail "/root is not about 2 GiB: $(cat "$W/out")"
run t1 vm exec lc -- stat -c '%u %a' /root
[ "$(cat "$W/out")" = "0 700" ] || fail "/root owner/mode '$(cat "$W/out")'"
du_k=$(du -k "$vms/lc/work.ext4" | cut -f1)
[ "$du_k" -lt 200000 ] || fail "work disk is not sparse: ${du_k} KiB used"

qpid=$(vm_field t1 lc pid)
run t1 vm stop lc
expect_rc 0 "vm stop"
[ "$(vm_state t1 lc)" = stopped ] || fail "after stop: $(vm_state t1 lc)"
pid_gone "$qpid" || fail "qemu $qpid still running after stop"
no_taps || fail "tap left after stop: $(ns_taps)"
no_leases t1 || fail "lease left after stop"
grep -q "Power down\|reboot: Power" "$vms/lc/console.log" ||
    fail "no clean power-down in the console log"

run t1 vm logs lc
expect_rc 0 "vm logs"
grep -q "banger-agent" "$W/out" || fail "vm logs lacks the guest console"

run t1 vm start lc
expect_rc 0 "vm start again"
run t1 vm exec lc -- cat /root/note
expect_rc 0 "vm exec after restart"
[ "$(cat "$W/out")" = kept ] || fail "/root/note did not survive stop/start"

run t1 vm stop nosuchvm
expect_rc 125 "vm stop unknown"
run t1 vm show 'Bad!'
expect_rc 2 "vm show invalid name"

run t1 vm delete lc
expect_rc 0 "vm delete"
vm_absent t1 lc || fail "lc still listed"
[ -e "$vms/lc" ] && fail "lc's directory remains"
no_qemu t1 || fail "qemu left after delete"
no_taps || fail "tap left after delete"
