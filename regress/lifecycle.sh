# A named VM without --rm stays running and listed, then vm delete removes
# it; bad names and unknown VMs are refused cleanly.
. "$REGRESS/test-lib.sh"

vms=$(state_dir t1)/vms

# Rejected by the CLI before anything exists.
run t1 vm run --name Bad_Name -- true
expect_rc 2 "invalid name"
grep -qi name "$W/err" || fail "invalid name: message does not mention the name"
[ -e "$vms/Bad_Name" ] && fail "invalid name: a state dir was created"
no_qemu t1 || fail "invalid name: a qemu was started"
run t1 vm run --name -leading-dash -- true
expect_rc 2 "name with a leading dash"

run t1 vm run --name keep -- true
expect_rc 0 "vm run --name keep -- true"
vm_list_json t1 || fatal "vm list --json failed"
jq . "$W/list.json"
n=$(jq '[.[] | select(.name == "keep")] | length' "$W/list.json")
[ "$n" = 1 ] || fatal "keep listed $n times"
v=$(jq -c '.[] | select(.name == "keep")' "$W/list.json")
f() { echo "$v" | jq -r ".$1"; }
[ "$(f state)" = running ] || fail "state $(f state), want running"
[ "$(f vmm)" = qemu ] || fail "vmm $(f vmm), want qemu"
[ "$(f accel)" = tcg ] || fail "accel $(f accel), want tcg here"
case $(f address) in
"$POOL_PREFIX"*.*) ;;
*) fail "address '$(f address)' not in ${POOL_PREFIX}0.0/16" ;;
esac
echo "$(f address)" | grep -Eqx '10\.213\.[0-9]{1,3}\.[0-9]{1,3}' ||
    fail "address '$(f address)' is not a dotted quad"
qpid=$(f pid)
if pid_alive "$qpid"; then
	# QEMU renames its thread (-name ...,process=); argv[0] stays.
	a0=$(tr '\0' '\n' </proc/$qpid/cmdline | head -n 1)
	case ${a0##*/} in
	qemu-system*) ;;
	*) fail "pid $qpid is '$a0', not qemu" ;;
	esac
	runs_as "$qpid" t1 || fail "qemu $qpid uids: $(uids_of "$qpid")"
else
	fail "pid '$qpid' is not running"
fi
now=$(date +%s)
echo "$v" >"$W/keep.json"
jq -e --argjson now "$now" '.created | type == "number" and
    . <= $now + 5 and . >= $now - 900' "$W/keep.json" >/dev/null ||
    fail "created $(f created) not within the last 15 minutes"
jq -e '.vcpus >= 1 and .memory_mib >= 64' "$W/keep.json" >/dev/null ||
    fail "vcpus $(f vcpus) / memory_mib $(f memory_mib) not sane"
[ -d "$vms/keep" ] || fail "no $vms/keep"
[ -f "$vms/keep/console.log" ] || fail "no console.log for keep"
lease=$(user_leases t1)
[ "$(echo "$lease" | grep -c .)" = 1 ] || fail "want 1 lease, have: $lease"
tap=bgtap$(echo "$lease" | awk '{print $4}')
tap_exists "$tap" || fail "leased tap $tap not in $NS"
[ "$(ns_taps | grep -c .)" = 1 ] || fail "taps: $(ns_taps)"

# The name is taken while keep exists.
run t1 vm run --name keep -- true
expect_rc 125 "second vm run --name keep"

run t1 vm delete keep
expect_rc 0 "vm delete keep"
vm_absent t1 keep || fail "keep still listed after delete"
wait_until 10 pid_gone "$qpid" || fail "qemu $qpid survives vm delete"
wait_until 10 no_taps || fail "taps left after delete: $(ns_taps)"
no_leases t1 || fail "lease left after delete: $(user_leases t1)"
[ -e "$vms/keep" ] && fail "$vms/keep left after delete"

run t1 vm delete nosuchvm
expect_rc 125 "delete an unknown VM"
grep -q nosuchvm "$W/err" || fail "unknown VM error does not name it"
grep -q '^banger: ' "$W/err" || fail "error not prefixed 'banger: '"
