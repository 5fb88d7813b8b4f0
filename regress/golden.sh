# The golden image: `banger image build debian-bookworm` as an ordinary
# user, then VMs on it: systemd, the tools, ssh with the VM's pinned host
# key (vm ssh and ssh NAME.vm), a root file system whose changes survive
# stop/start, and the default image once it exists.
. "$REGRESS/test-lib.sh"

# The build reaches Debian's archive, so it runs outside the namespace
# (see as_user_hostnet); nothing else in this test does.
stop_daemons
trace "[t1] banger image build debian-bookworm (host network)"
with_timeout 1200 as_user_hostnet t1 "$BIN/banger" image build \
    debian-bookworm >"$W/out" 2>"$W/err"
RC=$?
show "$W/err" stderr
expect_rc 0 "image build"
grep -q "bootstrapping\|mmdebstrap" "$W/err" || fail "no progress shown"
# mmdebstrap's steps, and packages fetched and installed, a line per
# tenth of them: the last says all were.
grep -q "banger: installing essential packages$" "$W/err" ||
    fail "no bootstrap steps shown"
grep -q "banger: fetched [0-9]* of [0-9]* packages$" "$W/err" ||
    fail "no download progress shown"
last=$(grep "banger: installed [0-9]* of [0-9]* packages$" "$W/err" | tail -n 1)
case $last in
"banger: installed "*) [ "$(echo "$last" | cut -d' ' -f3)" = \
    "$(echo "$last" | cut -d' ' -f5)" ] ||
	fail "installation progress ends short: $last" ;;
*) fail "no installation progress shown" ;;
esac
[ "$(grep -c " packages$" "$W/err")" -le 45 ] ||
    fail "more progress lines than a line per tenth"
as_user_hostnet t1 "$BIN/banger" daemon stop >/dev/null 2>&1
wait_until 10 no_live_bangerd t1 || fail "build daemon did not stop"
[ -f "$(state_dir t1)/images/debian-bookworm/rootfs.ext4" ] ||
    fatal "no rootfs.ext4 after the build"
# Journaled (a snapshot VM mounts it read-write), and still sparse.
rootfs=$(state_dir t1)/images/debian-bookworm/rootfs.ext4
dumpe2fs -h "$rootfs" 2>/dev/null | grep -q '^Filesystem features:.*has_journal' ||
    fail "rootfs.ext4 has no journal"
echo "  rootfs.ext4: $(du -m --apparent-size "$rootfs" | cut -f1) MiB," \
    "$(du -m "$rootfs" | cut -f1) MiB used"

run t1 image list --json
expect_rc 0 "image list"
jq -e '.[] | select(.name == "debian-bookworm" and .rootfs == true)' \
    "$W/out" >/dev/null || fail "image list lacks debian-bookworm"
jq -e '.[] | select(.name == "tiny" and .rootfs == false)' "$W/out" \
    >/dev/null || fail "image list lacks tiny"

# Command mode; debian-bookworm is now the default image.
with_timeout 600 run t1 vm run --rm -- sh -c 'cat /etc/debian_version;
    systemctl is-system-running --wait; git --version | cut -d" " -f1;
    jq --version | cut -c1-3; command -v docker; id -u'
expect_rc 0 "vm run on the golden image"
grep -q "image debian-bookworm" "$W/err" || fail "spec line does not name the image"
sed -n 1p "$W/out" | grep -q '^12\.' || fail "not Debian 12: $(sed -n 1p "$W/out")"
sed -n 2p "$W/out" | grep -Eq '^(running|degraded)$' ||
    fail "systemd is '$(sed -n 2p "$W/out")'"
[ "$(sed -n 3,6p "$W/out" | tr '\n' ' ')" = "git jq- /usr/bin/docker 0 " ] ||
    fail "tools: $(sed -n 3,6p "$W/out" | tr '\n' ' ')"

# A kept VM, reached by ssh with its own pinned host key.
with_timeout 600 run t1 vm run --name g1 -- sh -c \
    'echo persisted > /etc/banger-test; stat -c "%a %U" /root /root/.ssh /root/.ssh/authorized_keys'
expect_rc 0 "vm run --name g1"
[ "$(tr '\n' ' ' <"$W/out")" = "700 root 700 root 600 root " ] ||
    fail "/root and .ssh modes: $(tr '\n' ' ' <"$W/out")"
grep -q '^g1\.vm ssh-ed25519 ' "$(state_dir t1)/ssh/known_hosts" ||
    fail "g1's host key is not in known_hosts"
# Its root: a snapshot where the kernel has device-mapper (it answers
# DM_VERSION: a stale /dev/mapper/control does not count), else the overlay.
want_root=overlay
kernel_has_dm && want_root=snapshot
run t1 vm show --json g1
[ "$(jq -r .root "$W/out")" = $want_root ] ||
    fail "g1's root is '$(jq -r .root "$W/out")', want $want_root"
run t1 vm show g1
grep -q "^root       $want_root\$" "$W/out" || fail "vm show has no root line"
run t1 vm ssh g1 -- cat /etc/banger-test
expect_rc 0 "vm ssh g1 -- cat"
[ "$(cat "$W/out")" = persisted ] || fail "vm ssh output '$(cat "$W/out")'"
cfg=$(user_home t1)/.config/banger/ssh_config
grep -q '^Host g1\.vm' "$cfg" || fail "ssh_config has no block for g1"
as_user t1 ssh -F "$cfg" -o BatchMode=yes g1.vm echo via-ssh-config \
    >"$W/out" 2>"$W/err"
[ "$(cat "$W/out")" = via-ssh-config ] ||
    fail "ssh g1.vm: $(cat "$W/out" "$W/err" | head -c 300)"
# A wrong host key is refused, not learned.
sed -i 's/^g1\.vm ssh-ed25519 .*/g1.vm ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGu4Ryzs0ItQ8KJvUDmj3UE4UxBmdDhY4w2zG1GyW9Mm/' \
    "$(state_dir t1)/ssh/known_hosts"
run t1 vm ssh g1 -- true
[ "$RC" = 0 ] && fail "ssh accepted a host key that is not g1's"

with_timeout 300 run t1 vm stop g1
expect_rc 0 "vm stop g1"
with_timeout 600 run t1 vm start g1
expect_rc 0 "vm start g1"
run t1 vm exec g1 -- cat /etc/banger-test
[ "$(cat "$W/out")" = persisted ] ||
    fail "a root file system change did not survive stop/start"
run t1 vm delete g1
expect_rc 0 "vm delete g1"
grep -q '^g1\.vm ' "$(state_dir t1)/ssh/known_hosts" &&
    fail "known_hosts still has g1"

# vm create and vm start return once sshd listens: `ssh NAME.vm` right
# after them connects at the first attempt.
g2_ssh() {
	as_user t1 ssh -F "$cfg" -o BatchMode=yes -o ConnectionAttempts=1 \
	    g2.vm echo up >"$W/out" 2>"$W/err"
	[ "$(cat "$W/out")" = up ] ||
	    fail "ssh g2.vm right after $1: $(head -c 300 "$W/err")"
}
with_timeout 600 run t1 vm create --name g2
expect_rc 0 "vm create --name g2"
grep -q "waiting for the ssh server" "$W/err" ||
    fail "vm create did not wait for the ssh server"
g2_ssh "vm create"
with_timeout 300 run t1 vm stop g2
expect_rc 0 "vm stop g2"
with_timeout 600 run t1 vm start g2
expect_rc 0 "vm start g2"
g2_ssh "vm start"
run t1 vm delete g2
expect_rc 0 "vm delete g2"

# --image tiny boots tiny, not the default image that now exists: its
# pid 1 is tiny's init, not systemd.
run t1 vm run --rm --image tiny -- cat /proc/1/comm
expect_rc 0 "vm run --image tiny beside the golden image"
grep -q "image tiny" "$W/err" || fail "spec line does not name tiny"
[ "$(cat "$W/out")" != systemd ] || fail "--image tiny booted the golden image"

# No command on an image without sshd: a clear refusal.
run t1 vm run --rm --image tiny
expect_rc 125 "interactive on the tiny image"
grep -q "no ssh server" "$W/err" || fail "no 'no ssh server' message"

# --branch/--from: the workspace becomes a checkout of a new branch at the
# ref, with the host's uncommitted changes still in the working tree.
repo=$TESTROOT/work/gbr/proj
mkdir -p "$repo"
(
	cd "$repo" || exit 1
	git init -q .
	echo one >a
	git add a
	git -c user.email=t@example.invalid -c user.name=t commit -qm one
	git tag v1
	echo two >a
	git -c user.email=t@example.invalid -c user.name=t commit -qam two
	echo three >a
) || fatal "cannot make the --branch repository"
v1=$(git -C "$repo" rev-parse --short v1)
chown -R banger-t1 "$TESTROOT/work/gbr"
chmod 0755 "$TESTROOT/work/gbr"
with_timeout 600 run t1 vm run --rm --branch feat --from v1 "$repo" -- \
    sh -c 'git branch --show-current; git rev-parse --short HEAD;
    git status --short; cat a'
expect_rc 0 "vm run --branch feat --from v1"
[ "$(tr '\n' ' ' <"$W/out")" = "feat $v1  M a three " ] ||
    fail "--branch checkout: $(tr '\n' ' ' <"$W/out")"
with_timeout 600 run t1 vm run --rm --branch feat --from no-such-ref "$repo" \
    -- true
expect_rc 125 "--from an unknown ref"
grep -q "could not check out" "$W/err" || fail "no checkout error"
run t1 vm run --rm --image tiny --branch feat "$repo" -- true
expect_rc 125 "--branch on the tiny image"
grep -q "image with git" "$W/err" || fail "no 'image with git' message"
run t1 vm run --from v1 "$repo" -- true
expect_rc 2 "--from without --branch"
# The same checkout made by vm workspace prepare in a running VM.
with_timeout 600 run t1 vm create --name gwsp
expect_rc 0 "vm create gwsp"
with_timeout 600 run t1 vm workspace prepare --branch feat --from v1 gwsp \
    "$repo"
expect_rc 0 "vm workspace prepare --branch feat --from v1"
run t1 vm exec gwsp -- sh -c 'cd /root/proj && git branch --show-current;
    git rev-parse --short HEAD; git status --short; cat a;
    ls /root/.cache/banger/*.bundle 2>/dev/null'
[ "$(tr '\n' ' ' <"$W/out")" = "feat $v1  M a three " ] ||
    fail "workspace prepare --branch: $(tr '\n' ' ' <"$W/out")"
# vm cp with GNU tar on both ends: the checkout (its .git too) comes out
# as a repository at v1, and a file goes in.
install -d -o banger-t1 "$TESTROOT/work/gbr/back"
run t1 vm cp gwsp:/root/proj "$TESTROOT/work/gbr/back"
expect_rc 0 "vm cp of the checkout out of the golden VM"
[ "$(as_user t1 git -C "$TESTROOT/work/gbr/back/proj" rev-parse --short \
    HEAD 2>/dev/null)" = "$v1" ] || fail "the copied-out checkout is not at v1"
cmp -s "$repo/a" "$TESTROOT/work/gbr/back/proj/a" ||
    fail "the copied-out working tree differs"
run t1 vm cp "$repo/a" gwsp:/root/a2
expect_rc 0 "vm cp of a file into the golden VM"
run t1 vm exec gwsp -- cat /root/a2
[ "$(cat "$W/out")" = three ] || fail "vm cp in gave '$(cat "$W/out")'"
run t1 vm delete gwsp
expect_rc 0 "vm delete gwsp"

# Warm starts of the golden image.  The template is saved once systemd's
# start-up has finished (a restored VM does not finish the boot), and
# each warm VM takes its own hostname, machine id and ssh host key; the
# new key is the one bangerd pins, and ssh accepts it at once.
with_timeout 600 run t1 image warm debian-bookworm
expect_rc 0 "image warm debian-bookworm"
for v in gw1 gw2; do
	with_timeout 600 run t1 vm create --name $v
	expect_rc 0 "vm create $v (warm)"
	grep -q 'starting VM .* warm' "$W/err" || fail "$v was not started warm"
	as_user t1 ssh -F "$cfg" -o BatchMode=yes -o ConnectionAttempts=1 \
	    $v.vm 'systemctl is-system-running; hostname; cat /etc/machine-id
	    cut -d" " -f1,2 /etc/ssh/ssh_host_ed25519_key.pub
	    ls /etc/ssh | grep "^ssh_host_" | tr "\n" " "; echo' \
	    >"$W/gw.$v" 2>"$W/err"
	[ "$(wc -l <"$W/gw.$v")" = 5 ] ||
	    fail "ssh $v.vm right after a warm start: $(head -c 300 "$W/err")"
	sed -n 1p "$W/gw.$v" | grep -Eq '^(running|degraded)$' ||
	    fail "$v: systemd is '$(sed -n 1p "$W/gw.$v")' after a warm start"
	[ "$(sed -n 2p "$W/gw.$v")" = $v ] ||
	    fail "$v's hostname: $(sed -n 2p "$W/gw.$v")"
	grep -q "^$v\.vm $(sed -n 4p "$W/gw.$v")\( \|\$\)" \
	    "$(state_dir t1)/ssh/known_hosts" ||
	    fail "$v's new host key is not the one pinned"
	# The template's keys are gone: the pinned one is the only one.
	[ "$(sed -n 5p "$W/gw.$v")" = \
	    "ssh_host_ed25519_key ssh_host_ed25519_key.pub " ] ||
	    fail "$v's host keys: $(sed -n 5p "$W/gw.$v")"
done
# One step took the identity and the files (an agent with `own`).
grep -q 'has no own command' "$(state_dir t1)/bangerd.log" &&
    fail "bangerd took the older agent's steps for a warm start"
[ "$(sed -n 3p "$W/gw.gw1")" != "$(sed -n 3p "$W/gw.gw2")" ] ||
    fail "two warm VMs share a machine id"
[ "$(sed -n 4p "$W/gw.gw1")" != "$(sed -n 4p "$W/gw.gw2")" ] ||
    fail "two warm VMs share an ssh host key"
run t1 vm delete gw1 gw2
expect_rc 0 "vm delete gw1 gw2"

# bangerd's side of a root snapshot, under its own seccomp filter, as far
# as a kernel without device-mapper goes: BANGER_DM_CONTROL makes bangerd
# believe in device-mapper, and the regress helper's control is a plain
# file.  bangerd makes a snapshot VM, sends banger-priv the image and
# root.cow, the helper attaches both loops and fails at the device-mapper
# call, and the start fails with that error, leaving no loop, lease or
# VMM behind and bangerd alive.
if ! kernel_has_dm; then
	stop_daemons
	install -m 0600 /dev/null "$DM_CTL"
	trace "[t1] BANGER_DM_CONTROL=$DM_CTL banger vm create --no-start --name snapt"
	with_timeout 600 as_user t1 env BANGER_DM_CONTROL="$DM_CTL" \
	    "$BIN/banger" vm create --no-start --name snapt >"$W/out" 2>"$W/err"
	RC=$?
	show "$W/err" stderr
	expect_rc 0 "vm create --no-start snapt"
	cow=$(state_dir t1)/vms/snapt/root.cow
	[ -f "$cow" ] || fail "no root.cow: not made a snapshot VM"
	run t1 vm show --json snapt
	[ "$(jq -r .root "$W/out")" = snapshot ] ||
	    fail "snapt's root is '$(jq -r .root "$W/out")', want snapshot"
	with_timeout 600 run t1 vm start snapt
	expect_rc 125 "vm start of a snapshot VM whose snapshot fails"
	grep -q 'root disk snapshot: device-mapper version: Inappropriate ioctl' \
	    "$W/err" || fail "the helper's error did not reach the user"
	grep -q 'image on loop 7:[0-9]*, copy-on-write on loop' \
	    "$(state_dir t1)/bangerd.log" || fail "the helper attached no loops"
	[ -z "$(losetup -n -O NAME -j "$cow")" ] || fail "a loop is left on root.cow"
	grep -q "^disk $(user_uid t1) " "$LEASES" && fail "a disk lease is left"
	no_qemu t1 || fail "a QEMU runs after the failed start"
	run t1 vm show --json snapt
	expect_rc 0 "bangerd still answers"
	[ "$(jq -r '.root + " " + .state' "$W/out")" = "snapshot stopped" ] ||
	    fail "snapt: $(jq -r '.root + " " + .state' "$W/out")"
	run t1 vm delete snapt
	expect_rc 0 "vm delete snapt"
	stop_daemons
	rm -f "$DM_CTL"
fi
