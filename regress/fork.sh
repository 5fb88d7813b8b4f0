# vm fork: copies of a running VM.  Each child runs on from the parent's
# state (a process started before is alive in it, with the same pid) on
# its own copy of the parent's disk, with its own name, address, MAC and
# random numbers; the parent runs on; what one writes the others do not
# see.  Bad requests are refused and change nothing.  A bangerd killed
# mid-save leaves the parent running (adopted) and no child.
. "$REGRESS/test-lib.sh"

vms=$(state_dir t1)/vms

run t1 vm create --name par
expect_rc 0 "vm create par"
counter='echo $$ >/root/counter.pid; i=0; while :; do i=$((i+1)); echo $i >/root/count.tmp; mv /root/count.tmp /root/count; sleep 0.2; done'
run t1 vm exec par -- sh -c "echo shared >/root/file; setsid sh -c '$counter' </dev/null >/dev/null 2>&1 &"
expect_rc 0 "start a counter in par"
sleep 1
run t1 vm exec par -- cat /root/counter.pid
cpid=$(cat "$W/out")
[ -n "$cpid" ] || fatal "no counter pid"

# Refusals first: nothing may be created by them.
run t1 vm fork par --count 0
expect_rc 2 "--count 0"
run t1 vm fork par --count 17
expect_rc 2 "--count 17"
run t1 vm fork par --name Bad_Name
expect_rc 2 "invalid child name"
run t1 vm fork par --name par
expect_rc 125 "a child named like an existing VM"
grep -q 'already exists' "$W/err" || fail "no reason given: $(cat "$W/err")"
run t1 vm fork nosuch
expect_rc 125 "fork of an unknown VM"
vm_list_json t1
[ "$(jq length "$W/list.json")" = 1 ] || fail "refused forks left VMs: $(cat "$W/list.json")"
[ "$(ls "$vms")" = par ] || fail "refused forks left directories: $(ls "$vms")"

run t1 vm fork par --count 2
expect_rc 0 "vm fork par --count 2"
[ "$(cat "$W/out")" = "$(printf 'par-1\npar-2')" ] ||
    fail "children printed: $(cat "$W/out")"
grep -q 'resumed at' "$W/err" || fail "children not resumed: $(cat "$W/err")"
for v in par par-1 par-2; do
	[ "$(vm_state t1 $v)" = running ] || fail "$v is '$(vm_state t1 $v)'"
done
a0=$(vm_field t1 par address)
a1=$(vm_field t1 par-1 address)
a2=$(vm_field t1 par-2 address)
echo "  addresses: $a0 $a1 $a2"
[ "$a0" != "$a1" ] && [ "$a0" != "$a2" ] && [ "$a1" != "$a2" ] ||
    fail "addresses not distinct: $a0 $a1 $a2"
for v in par-1 par-2; do
	[ -e "$vms/$v/suspend" ] && fail "$v still has a saved state"
	[ "$(stat -c %a "$vms/$v/work.ext4")" = 600 ] ||
	    fail "$v's disk mode $(stat -c %a "$vms/$v/work.ext4")"
	[ "$(stat -c %i "$vms/$v/work.ext4")" != "$(stat -c %i "$vms/par/work.ext4")" ] ||
	    fail "$v shares par's disk file"
done
[ -e "$vms/par/suspend.new" ] && fail "par's suspend.new left behind"

# Each is itself, with the parent's processes and files.
probe='hostname; cat /sys/class/net/eth0/address; ip -4 -o addr show dev eth0 | awk "{print \$4}"; kill -0 $(cat /root/counter.pid) && echo alive; cat /root/counter.pid; cat /root/file; head -c 16 /dev/urandom | od -An -tx1 | tr -d " "'
for v in par par-1 par-2; do
	run t1 vm exec $v -- sh -c "$probe"
	expect_rc 0 "probe $v"
	cp "$W/out" "$W/probe.$v"
	[ "$(sed -n 1p "$W/probe.$v")" = "$v" ] ||
	    fail "$v's hostname is '$(sed -n 1p "$W/probe.$v")'"
	ip=$(vm_field t1 $v address)
	case $(sed -n 3p "$W/probe.$v") in
	"$ip"/*) ;;
	*) fail "$v's eth0 has '$(sed -n 3p "$W/probe.$v")', want $ip" ;;
	esac
	[ "$(sed -n 4p "$W/probe.$v")" = alive ] || fail "counter not alive in $v"
	[ "$(sed -n 5p "$W/probe.$v")" = "$cpid" ] || fail "counter pid differs in $v"
	[ "$(sed -n 6p "$W/probe.$v")" = shared ] || fail "file missing in $v"
done
for f in 2 7; do
	x=$(sed -n ${f}p "$W/probe.par"); y=$(sed -n ${f}p "$W/probe.par-1")
	z=$(sed -n ${f}p "$W/probe.par-2")
	echo "  line $f: $x $y $z"
	[ "$x" != "$y" ] && [ "$x" != "$z" ] && [ "$y" != "$z" ] ||
	    fail "line $f (MAC, random bytes) not distinct: $x $y $z"
done
# The children's network works: each reaches its gateway.
for v in par-1 par-2; do
	run t1 vm exec $v -- sh -c 'ping -c 1 -W 5 $(ip route | awk "/default/ {print \$3}") >/dev/null && echo ok'
	[ "$(cat "$W/out")" = ok ] || fail "$v cannot reach its gateway"
done

# They diverge.
run t1 vm exec par-1 -- sh -c 'echo one >/root/only-1'
run t1 vm exec par -- sh -c 'echo p >/root/only-par'
run t1 vm exec par-2 -- sh -c 'ls /root; [ ! -e /root/only-1 ] && [ ! -e /root/only-par ] && echo clean'
[ "$(tail -n 1 "$W/out")" = clean ] || fail "par-2 sees another VM's file"
run t1 vm exec par -- sh -c '[ ! -e /root/only-1 ] && echo clean'
[ "$(cat "$W/out")" = clean ] || fail "par sees par-1's file"
run t1 vm exec par-1 -- cat /root/only-1
[ "$(cat "$W/out")" = one ] || fail "par-1 lost its own file"

# Each child's disk is copied by a banger-fetch job, not in bangerd's
# event loop: with the copy held (SIGSTOP), bangerd still answers and
# lists the child as creating; continued, the child is made and runs.
# 200 MB on par's disk give the copy some length.
run t1 vm exec par -- sh -c 'tr "\\0" y </dev/zero | head -c 200000000 >/root/big; sync'
expect_rc 0 "write 200 MB on par's disk"
# Where the file system shares blocks the copy is a reflink, over in
# milliseconds: nothing to hold.
held=1
if cp --reflink=always "$vms/par/work.ext4" "$W/reflink-probe" 2>/dev/null
then
	rm -f "$W/reflink-probe"
	echo "SKIPPED PART: reflinks here; the held-copy checks need a copy"
	held=0
fi
uid1=$(user_uid t1)
# catch_copy NAME: the copy-disk job writing NAME's disk, stopped.
catch_copy() {
	cp=
	_i=0
	while [ $_i -lt 6000 ] && [ -z "$cp" ]; do
		cp=$(pgrep -U "$uid1" -f "copy-disk .*/$1/work\\.ext4" |
		    head -n 1)
		[ -n "$cp" ] || sleep 0.01
		_i=$((_i + 1))
	done
	[ -n "$cp" ] && kill -STOP "$cp" 2>/dev/null
}
if [ $held = 1 ]; then
	trace "[t1] banger vm fork par --name par-h &"
	with_timeout 300 banger vm fork par --name par-h </dev/null >"$W/fh.out" \
	    2>"$W/fh.err" &
	bg=$!
	catch_copy par-h || fatal "no banger-fetch copy-disk job seen for par-h"
	echo "  copy-disk $cp stopped"
	with_timeout 60 banger vm list --json </dev/null >"$W/list.json" \
	    2>"$W/hl.err" || fail "vm list did not answer during par-h's disk copy"
	[ "$(jq -r '.[] | select(.name == "par-h") | .state' "$W/list.json")" = \
	    creating ] || fail "par-h is not listed as creating during its copy"
	run t1 vm delete par
	expect_rc 125 "vm delete of a VM being forked"
	grep -q "being forked" "$W/err" || fail "no reason: $(cat "$W/err")"
	kill -CONT "$cp"
	wait "$bg"
	RC=$?
	show "$W/fh.err" "vm fork par --name par-h"
	expect_rc 0 "vm fork par --name par-h"
	run t1 vm exec par-h -- sh -c 'cat /root/file; wc -c </root/big'
	[ "$(echo $(cat "$W/out"))" = "shared 200000000" ] ||
	    fail "par-h's disk is not par's: $(cat "$W/out")"
	run t1 vm delete par-h
	expect_rc 0 "vm delete par-h"

	# A child deleted while its disk is copied ends the fork with the reason;
	# the parent runs on and no later child is made.
	trace "[t1] banger vm fork par --name par-d --count 2 &"
	with_timeout 300 banger vm fork par --name par-d --count 2 </dev/null \
	    >"$W/fd.out" 2>"$W/fd.err" &
	bg=$!
	catch_copy par-d-1 || fatal "no banger-fetch copy-disk job seen for par-d-1"
	# The delete ends the held copy (it is not waited for).
	trace "[t1] banger vm delete par-d-1 (its copy held)"
	with_timeout 120 banger vm delete par-d-1 </dev/null >"$W/dd.out" \
	    2>"$W/dd.err" ||
	    fail "vm delete par-d-1 during its copy failed: $(cat "$W/dd.err")"
	kill -CONT "$cp" 2>/dev/null
	wait "$bg"
	RC=$?
	show "$W/fd.err" "vm fork par --name par-d --count 2"
	expect_rc 125 "a fork whose child was deleted"
	grep -q "par-d-1 was deleted while it was being made" "$W/fd.err" ||
	    fail "no reason for the cut-short fork"
	vm_absent t1 par-d-1 || fail "par-d-1 is listed after its delete"
	vm_absent t1 par-d-2 || fail "par-d-2 was made after par-d-1 was deleted"
	[ -e "$vms/par-d-1" ] && fail "par-d-1's directory is left"
	[ "$(vm_state t1 par)" = running ] || fail "par is '$(vm_state t1 par)'"
	run t1 vm exec par -- sh -c 'rm /root/big; echo ok'
	[ "$(cat "$W/out")" = ok ] || fail "par does not run on after the fork"
fi

# bangerd killed in the middle of a fork's save: the next bangerd adopts
# the parent (its QEMU, paused for the save, continues) and no child is
# left.  800 MB in the guest's memory make the save take seconds.
run t1 vm exec par -- sh -c 'tr "\\0" x </dev/zero | head -c 800000000 >/dev/shm/fill'
expect_rc 0 "fill par's memory"
q=$(vm_field t1 par pid)
trace "[t1] banger vm fork par --name par-x &, kill -9 bangerd mid-save"
with_timeout 300 banger vm fork par --name par-x </dev/null >"$W/fx.out" \
    2>"$W/fx.err" &
bg=$!
saving() {
	[ -s "$vms/par/suspend.new/state" ]
}
wait_until 120 saving || fail "par's save never began: $(cat "$W/fx.err")"
dpid=$(daemon_pid t1)
kill -KILL "$dpid"
wait_until 10 pid_gone "$dpid" || fatal "bangerd $dpid survived kill -9"
wait "$bg"
[ $? = 0 ] && fail "vm fork exited 0 though bangerd died mid-save"
show "$W/fx.err" "vm fork par --name par-x"
run t1 vm list --json
expect_rc 0 "vm list after the crash"
[ "$(vm_state t1 par)" = running ] || fail "par is '$(vm_state t1 par)'"
[ "$(vm_field t1 par pid)" = "$q" ] || fail "par is not its old QEMU $q"
vm_absent t1 par-x || fail "a child of the cut-short fork is listed"
[ -e "$vms/par-x" ] && fail "the cut-short child's directory is left"
[ -e "$vms/par/suspend.new" ] && fail "par's suspend.new left after the crash"
run t1 vm exec par -- sh -c 'rm /dev/shm/fill; cat /root/count'
expect_rc 0 "vm exec in the adopted par"
n1=$(cat "$W/out")
sleep 1
run t1 vm exec par -- cat /root/count
[ "$(cat "$W/out")" -gt "$n1" ] ||
    fail "par's counter stands still ($n1, then $(cat "$W/out")): not continued"

# A fork of a stopped VM is refused.
run t1 vm stop par-2
run t1 vm fork par-2
expect_rc 125 "fork of a stopped VM"
grep -q 'only a running VM' "$W/err" || fail "no reason: $(cat "$W/err")"

for v in par par-1 par-2; do
	run t1 vm delete $v
	expect_rc 0 "vm delete $v"
done
wait_until 10 no_qemu t1 || fail "qemu left after the deletes"
wait_until 10 no_taps || fail "taps left: $(ns_taps)"
no_leases t1 || fail "leases left: $(user_leases t1)"
[ -z "$(ls "$vms")" ] || fail "directories left: $(ls "$vms")"
