# Warm starts: `banger image warm` makes a template of tiny (a booted,
# saved guest); vm run then restores it instead of booting.  The
# command's output and status are right, the workspace and a file_sync
# file are there, each VM is itself (hostname, address, MAC, random
# bytes); --cold boots; a damaged template falls back to a cold boot that
# still runs the command, and one without its RAM file is not used; a
# warm VM suspends and resumes; warm = "auto" makes the template in the
# background the first time a VM could have used it.
. "$REGRESS/test-lib.sh"

tdir=$(state_dir t1)/templates
cfgdir=$(user_home t1)/.config/banger

repo=$TESTROOT/work/wm/proj
mkdir -p "$repo/sub"
(
	cd "$repo" || exit 1
	git init -q .
	echo hello-warm > a.txt
	echo deep > sub/f
	git add -A
	git -c user.email=t@example.invalid -c user.name=t commit -qm init
) || fatal "cannot make the test repository"
echo synced-secret >"$TESTROOT/work/wm/sync.txt"
chown -R banger-t1 "$TESTROOT/work/wm"
chmod 0755 "$TESTROOT/work/wm"
install -d -m 0700 -o banger-t1 "$(user_home t1)/.config" "$cfgdir"
printf 'warm = "manual"\n[[file_sync]]\nhost = "%s"\nguest = "/root/.synced"\n' \
    "$TESTROOT/work/wm/sync.txt" >"$cfgdir/config.toml"
chown banger-t1 "$cfgdir/config.toml"

# No template yet, warm = "manual": a cold boot, and no template made.
run t1 vm run --rm -- true
expect_rc 0 "vm run without a template"
grep -q 'warm' "$W/err" && fail "a warm start without a template"
[ -e "$tdir" ] && [ -n "$(ls "$tdir")" ] && fail "manual made a template"

run t1 image warm tiny
expect_rc 0 "image warm tiny"
grep -q 'is ready' "$W/err" || fail "image warm did not say it was ready"
key=$(ls "$tdir")
echo "  template: $key"
[ "$(echo "$key" | grep -c .)" = 1 ] || fatal "want one template, have: $key"
for f in state info work.ext4 ram; do
	[ "$(stat -c %a "$tdir/$key/$f")" = 600 ] ||
	    fail "$f mode $(stat -c %a "$tdir/$key/$f")"
done
# Its RAM is a file of the VM's memory size, which the state leaves out.
mem=$(echo "$key" | sed -n 's/.*-\([0-9][0-9]*\)m-[0-9]*d$/\1/p')
[ "$(stat -c %s "$tdir/$key/ram")" = $((mem * 1048576)) ] ||
    fail "the template's RAM file has $(stat -c %s "$tdir/$key/ram") bytes, want $mem MiB"
[ "$(stat -c %s "$tdir/$key/state")" -lt 1048576 ] ||
    fail "the template's state holds its RAM: $(stat -c %s "$tdir/$key/state") bytes"
run t1 image show --json tiny
expect_rc 0 "image show tiny"
[ "$(jq -r '.warm[0]' "$W/out")" = "${key#tiny-}" ] ||
    fail "image show's warm: $(jq -c .warm "$W/out"), want ${key#tiny-}"
vm_list_json t1
[ "$(jq length "$W/list.json")" = 0 ] || fail "the template's VM is listed"
wait_until 10 no_qemu t1 || fail "the template's qemu is left"
wait_until 10 no_taps || fail "taps left after image warm: $(ns_taps)"
[ -z "$(ls "$(state_dir t1)/vms")" ] || fail "VM directories left: $(ls "$(state_dir t1)/vms")"

# Warm: the command, its status, the workspace and the synced file.
run t1 vm run --rm "$repo" -- sh -c 'cat a.txt sub/f /root/.synced; exit 7'
expect_rc 7 "warm vm run's exit status"
grep -q 'starting VM .* warm' "$W/err" || fail "the run was not warm: $(cat "$W/err")"
[ "$(cat "$W/out")" = "$(printf 'hello-warm\ndeep\nsynced-secret')" ] ||
    fail "warm run printed: $(cat "$W/out")"

# Two warm VMs, and each is itself.
probe='hostname; cat /sys/class/net/eth0/address; ip -4 -o addr show dev eth0 | awk "{print \$4}"; head -c 16 /dev/urandom | od -An -tx1 | tr -d " "'
for v in w1 w2; do
	run t1 vm create --name $v
	expect_rc 0 "vm create $v (warm)"
	grep -q 'warm' "$W/err" || fail "$v was not started warm"
	run t1 vm exec $v -- sh -c "$probe"
	cp "$W/out" "$W/probe.$v"
	[ "$(sed -n 1p "$W/probe.$v")" = $v ] || fail "$v's hostname: $(sed -n 1p "$W/probe.$v")"
	case $(sed -n 3p "$W/probe.$v") in
	"$(vm_field t1 $v address)"/*) ;;
	*) fail "$v's eth0 has $(sed -n 3p "$W/probe.$v"), want $(vm_field t1 $v address)" ;;
	esac
done
for l in 2 3 4; do
	[ "$(sed -n ${l}p "$W/probe.w1")" != "$(sed -n ${l}p "$W/probe.w2")" ] ||
	    fail "w1 and w2 share line $l: $(sed -n ${l}p "$W/probe.w1")"
done
# A warm VM (its RAM mapped from the template's file) suspends and
# resumes like any other, and its processes and files are kept.
# setsid: agent sessions end with the agent channel; this must not.
run t1 vm exec w2 -- sh -c "echo kept >/root/kept; setsid sh -c 'echo \$\$ >/root/sleep.pid; exec sleep 1000' </dev/null >/dev/null 2>&1 &"
run t1 vm suspend w2
expect_rc 0 "vm suspend w2 (warm)"
run t1 vm resume w2
expect_rc 0 "vm resume w2 (warm)"
run t1 vm exec w2 -- sh -c 'cat /root/kept; kill -0 "$(cat /root/sleep.pid)" && echo sleeping'
[ "$(cat "$W/out")" = "$(printf 'kept\nsleeping')" ] ||
    fail "w2 after suspend and resume: $(cat "$W/out")"
# A warm VM's disk is its own afterwards: a cold restart keeps its files.
run t1 vm exec w1 -- sh -c 'echo mine >/root/mine'
run t1 vm stop w1
expect_rc 0 "vm stop w1"
run t1 vm start w1
expect_rc 0 "vm start w1 (cold)"
run t1 vm exec w1 -- cat /root/mine
[ "$(cat "$W/out")" = mine ] || fail "w1 lost a file across a cold restart"
run t1 vm delete w1 w2
expect_rc 0 "vm delete w1 w2"

# bangerd killed in the middle of a warm start: the VM keeps its own
# disk (the synced file is on it after a cold start), nothing pending.
trace "[t1] banger vm create --name w5 &, kill -9 bangerd once it starts warm"
with_timeout 300 banger vm create --name w5 </dev/null >"$W/w5.out" 2>"$W/w5.err" &
bg=$!
wait_until 120 grep -q 'starting VM w5 warm' "$W/w5.err" ||
    fail "w5 did not start warm: $(cat "$W/w5.err")"
dpid=$(daemon_pid t1)
kill -KILL "$dpid"
wait "$bg"
show "$W/w5.err" "vm create w5"
wait_until 10 pid_gone "$dpid" || fatal "bangerd $dpid survived kill -9"
run t1 vm list --json
st=$(jq -r '.[] | select(.name == "w5") | .state' "$W/out")
[ "$st" = stopped ] || fail "w5 is '$st' after bangerd's restart, want stopped"
[ -e "$(state_dir t1)/vms/w5/seed.pending" ] && fail "seed.pending left after reconcile"
run t1 vm start w5
expect_rc 0 "cold start of w5"
run t1 vm exec w5 -- cat /root/.synced
[ "$(cat "$W/out")" = synced-secret ] || fail "w5 lost its own files: $(cat "$W/out")"
run t1 vm delete w5
expect_rc 0 "vm delete w5"

# --cold boots.
run t1 vm run --rm --cold -- true
expect_rc 0 "vm run --cold"
grep -q 'warm' "$W/err" && fail "--cold started warm"
grep -q 'is ready' "$W/err" || fail "--cold did not boot"

# A template without its RAM file (as older bangers made them) is not
# used, nor shown, and bangerd says why.
mv "$tdir/$key/ram" "$W/ram.good"
run t1 image show --json tiny
[ "$(jq -c .warm "$W/out")" = "[]" ] ||
    fail "image show lists a template without its RAM file: $(jq -c .warm "$W/out")"
run t1 vm run --rm -- true
expect_rc 0 "vm run, the template without its RAM file"
grep -q 'warm' "$W/err" && fail "started warm from a template without its RAM file"
grep -q 'its RAM file is missing' "$(state_dir t1)/bangerd.log" ||
    fail "bangerd did not say why the template was not used"
mv "$W/ram.good" "$tdir/$key/ram"

# A damaged template: the run falls back to a cold boot and still works.
cp "$tdir/$key/state" "$W/state.good"
size=$(stat -c %s "$tdir/$key/state")
printf 'XXXXXXXX' | dd of="$tdir/$key/state" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
run t1 vm run --rm "$repo" -- cat a.txt
expect_rc 0 "vm run from a damaged template"
[ "$(cat "$W/out")" = hello-warm ] || fail "fallback run printed: $(cat "$W/out")"
grep -q 'booting VM .* cold' "$W/err" || fail "no fallback said: $(cat "$W/err")"
wait_until 10 no_qemu t1 || fail "qemu left after the fallback"

# warm = "auto": the first VM that could have used a template makes one.
rm -rf "$tdir"
printf 'warm = "auto"\n' >"$cfgdir/config.toml"
npid=$(pgrep -U "$(user_uid t1)" -x banger-net)
[ -n "$npid" ] || fail "no banger-net before the background build"
run t1 vm run --rm -- true
expect_rc 0 "vm run with warm = auto"
wait_until 300 test -f "$tdir/$key/info" ||
    fail "no template made in the background: $(ls -R "$tdir" 2>&1)"
wait_until 30 no_qemu t1 || fail "qemu left after the background template"
# The hidden template VM is nothing banger-net must serve.
[ "$(pgrep -U "$(user_uid t1)" -x banger-net)" = "$npid" ] ||
    fail "banger-net restarted during the template's build ($npid, now $(pgrep -U "$(user_uid t1)" -x banger-net))"
[ -z "$(ls "$(state_dir t1)/vms")" ] || fail "VM directories left: $(ls "$(state_dir t1)/vms")"
ls "$(state_dir t1)/vms" | grep -q seed.pending && fail "seed.pending left"
run t1 vm run --rm -- true
expect_rc 0 "vm run after the background template"
grep -q 'warm' "$W/err" || fail "not warm after the background template"
