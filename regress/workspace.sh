# Workspace mode: the repository's tracked files land at /root/<repo>
# (symlinks stay symlinks, modes kept, nothing else), --dry-run lists
# them without creating anything, and the workspace flags need a PATH.
. "$REGRESS/test-lib.sh"

repo=$TESTROOT/work/ws/myrepo
mkdir -p "$repo/sub/dir"
(
	cd "$repo" || exit 1
	git init -q .
	echo hello > a.txt
	printf '#!/bin/sh\necho ran\n' > run.sh
	chmod 0755 run.sh
	chmod 0640 a.txt
	echo deep > sub/dir/file
	ln -s a.txt link
	ln -s /etc/passwd abs
	echo 'ignored.txt' > .gitignore
	echo gone > gone.txt
	git add -A
	git -c user.email=t@example.invalid -c user.name=t commit -qm init
	rm gone.txt
	echo x > ignored.txt
	echo y > untracked.txt
) || fatal "cannot make the test repository"
chown -R banger-t1 "$TESTROOT/work/ws"
chmod 0755 "$TESTROOT/work/ws"

want=".gitignore
a.txt
abs
link
run.sh
sub/dir/file"

run t1 vm run --dry-run "$repo"
expect_rc 0 "--dry-run"
[ "$(sort "$W/out")" = "$want" ] || fail "--dry-run listed: $(tr '\n' ' ' <"$W/out")"
vm_list_json t1
[ "$(jq length "$W/list.json")" = 0 ] || fail "--dry-run created a VM"

run t1 vm run --dry-run --include-untracked "$repo"
expect_rc 0 "--dry-run --include-untracked"
[ "$(sort "$W/out")" = "$(printf '%s\nuntracked.txt' "$want" | sort)" ] ||
    fail "--include-untracked listed: $(tr '\n' ' ' <"$W/out")"

run t1 vm run --dry-run -- true
expect_rc 2 "--dry-run without a workspace"
grep -q "needs a workspace" "$W/err" || fail "no 'needs a workspace' message"
run t1 vm run --include-untracked -- true
expect_rc 2 "--include-untracked without a workspace"
run t1 vm run "$TESTROOT/work/ws" -- true
expect_rc 2 "a directory that is not a repository"
grep -q "not inside a git repository" "$W/err" || fail "no 'not a repository' message"
run t1 vm run /nonexistent-dir -- true
expect_rc 2 "a missing directory"

run t1 vm run --rm "$repo" -- sh -c 'pwd; cat a.txt; cat sub/dir/file;
    readlink link; readlink abs; ./run.sh; stat -c "%a %u" run.sh a.txt;
    ls -A | tr "\n" " "; echo'
expect_rc 0 "vm run with a workspace"
cat >"$W/want" <<EOW
/root/myrepo
hello
deep
a.txt
/etc/passwd
ran
755 0
640 0
.gitignore a.txt abs link run.sh sub 
EOW
cmp -s "$W/out" "$W/want" || {
	diff "$W/want" "$W/out"
	fail "the workspace in the guest is not the repository's tracked files"
}
no_qemu t1 || fail "qemu left after --rm"

# The tool bootstrap: a (fake) mise in ~/.local/bin runs `install` in the
# workspace before the command, logging in the guest; its failure does
# not fail the run.
echo "tiny 1.0" >"$repo/.tool-versions"
chown banger-t1 "$repo/.tool-versions"
(cd "$repo" && git -c safe.directory="*" add .tool-versions &&
    git -c safe.directory="*" -c user.email=t@example.invalid \
    -c user.name=t commit -qm tools) ||
    fail "cannot commit .tool-versions"
fake=$(user_home t1)/fake-mise
printf '#!/bin/sh\necho "fake mise $* in $(pwd)"\nexit 3\n' >"$fake"
chmod 0755 "$fake"
chown banger-t1 "$fake"
cfgdir=$(user_home t1)/.config/banger
install -d -m 0700 -o banger-t1 "$(user_home t1)/.config" "$cfgdir"
printf '[[file_sync]]\nhost = "~/fake-mise"\nguest = "~/.local/bin/mise"\nmode = "0755"\n' \
    >"$cfgdir/config.toml"
chown banger-t1 "$cfgdir/config.toml"
run t1 vm run --rm "$repo" -- cat /root/.cache/banger/vm-run-tooling-myrepo.log
expect_rc 0 "vm run with a failing tool bootstrap"
[ "$(cat "$W/out")" = "fake mise install in /root/myrepo" ] ||
    fail "bootstrap log: '$(cat "$W/out")'"
rm -f "$cfgdir/config.toml"

# The VM starts while banger-fetch still writes its work disk: bangerd
# boots it at mkdisk's "disk-ready" (bangerd.log says so before the disk
# is written), and the guest's init reads nothing of the disk until its
# first bytes say it is whole.  2,000 files of random bytes (about 64
# MB) must arrive intact, each one.
big=$TESTROOT/work/ws/big
mkdir -p "$big"
/usr/bin/python3 - "$big" <<'PYEOF' || fatal "cannot make the big tree"
import os, random, sys
rng = random.Random(7)
for i in range(2000):
    d = "%s/d%02d" % (sys.argv[1], i % 40)
    os.makedirs(d, exist_ok=True)
    with open("%s/f%04d" % (d, i), "wb") as f:
        f.write(os.urandom(rng.randint(1000, 64000)))
PYEOF
(cd "$big" && git init -q . && git add -A &&
    git -c user.email=t@example.invalid -c user.name=t commit -qm big) ||
    fatal "cannot commit the big tree"
(cd "$big" && find . -path ./.git -prune -o -type f -print | LC_ALL=C sort |
    LC_ALL=C xargs sha256sum) >"$W/big.want"
chown -R banger-t1 "$big"
log=$(state_dir t1)/bangerd.log
uid1=$(user_uid t1)
trace "[t1] banger vm run --rm --cold --name gate1 BIG -- sha256sum ... &"
with_timeout 600 banger vm run --rm --cold --name gate1 "$big" -- sh -c \
    'find . -type f | sort | xargs sha256sum' </dev/null >"$W/out" \
    2>"$W/err" &
bg=$!
# banger-fetch is stopped as soon as it is seen, then let run in 10 ms
# slices until gate1's QEMU runs: it is then stopped in the middle of
# writing the disk (bangerd starts the VM at its "disk-ready").
gate_qemu() {
	pgrep -U "$uid1" -f 'qemu-system.*banger\.name=gate1 ' >/dev/null
}
mk=
i=0
while [ $i -lt 6000 ] && [ -z "$mk" ]; do
	mk=$(pgrep -U "$uid1" -f 'mkdisk .*/gate1/work\.ext4' | head -n 1)
	[ -n "$mk" ] || sleep 0.01
	i=$((i + 1))
done
[ -n "$mk" ] || fatal "banger-fetch was not seen making gate1's disk"
kill -STOP "$mk"
i=0
while [ $i -lt 600 ] && ! gate_qemu && kill -0 "$mk" 2>/dev/null; do
	kill -CONT "$mk"
	sleep 0.01
	kill -STOP "$mk"
	sleep 0.1
	i=$((i + 1))
done
gate_qemu && [ -d "/proc/$mk" ] ||
    fatal "gate1's QEMU did not start while banger-fetch wrote its disk"
echo "  banger-fetch $mk stopped after $i slices, gate1's QEMU running"
con=$(state_dir t1)/vms/gate1/console.log
wait_until 120 grep -q "waiting for the host to finish the work disk" \
    "$con" || fail "gate1's init did not wait for its disk"
sleep 1
[ ! -s "$W/out" ] || fail "gate1's command ran before its disk was written"
kill -CONT "$mk"
wait $bg
RC=$?
show "$W/err" "stderr"
expect_rc 0 "vm run with a 2,000-file workspace"
cmp -s "$W/out" "$W/big.want" ||
    fail "the guest's copy of the big workspace differs from the host's"
grep -n "vm gate1 .*starting while its work disk is written" "$log" \
    >"$W/gate.start" || fail "bangerd.log does not say gate1 started early"
grep -n "vm gate1: work disk written" "$log" >"$W/gate.done" ||
    fail "bangerd.log does not say gate1's disk was written"
cat "$W/gate.start" "$W/gate.done"
[ "$(cut -d: -f1 "$W/gate.start")" -lt "$(cut -d: -f1 "$W/gate.done")" ] ||
    fail "gate1 did not start before its disk was written"

# A disk that cannot be finished (the workspace does not fit) ends the
# VM already started on it: a clear error, no VM, QEMU, tap or lease.
fat=$TESTROOT/work/ws/fat
mkdir -p "$fat"
for i in 1 2 3 4 5 6 7 8 9 10; do
	head -c 30000000 /dev/urandom >"$fat/blob$i" ||
	    fatal "cannot make the fat tree"
done
(cd "$fat" && git init -q . && git -c core.compression=0 add -A &&
    git -c user.email=t@example.invalid -c user.name=t commit -qm fat) ||
    fatal "cannot commit the fat tree"
chown -R banger-t1 "$fat"
run t1 vm run --rm --name gate2 --disk-size 256M "$fat" -- true
[ "$RC" != 0 ] || fail "a workspace larger than its disk ran"
grep -q "larger --disk-size" "$W/err" ||
    fail "no 'larger --disk-size' advice for a full disk"
grep -q "vm gate2 .*starting while its work disk is written" "$log" ||
    fail "gate2 was not started before its disk failed"
# The error comes first; the delete ends when bangerd sees QEMU's end.
wait_until 20 no_qemu t1 || fail "gate2's QEMU outlived its failed disk"
wait_until 20 vm_absent t1 gate2 || fail "gate2 was left behind"
wait_until 20 no_leases t1 || fail "gate2's tap lease was left: $(user_leases t1)"
rm -rf "$fat"
