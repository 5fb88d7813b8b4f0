# vm pull and vm acp.  A hostile guest (the tiny image with a fake git
# that sends garbage, bundles naming other or more refs, objects that
# fail fsck, an endless stream, a silent one, a good bundle aimed at the
# checked-out branch, a symbolic ref to it or a branch it does not
# fast-forward) is refused each
# time and changes no ref and no object on the host; a bundle of our ref
# alone is taken (the control), without the extra blob packed along with
# it.  vm acp passes one JSON-RPC exchange and the agent's exit status,
# and a missing agent gives 127.  On the golden image (built by the golden test, run
# before this one): a guest commit, an uncommitted edit and an untracked
# file reach branch banger/NAME; the host's HEAD, index and work tree and
# the guest's stay as they were; neither the guest's hooks, filter and
# diff drivers nor the host's own are ever run on the host.
. "$REGRESS/test-lib.sh"

h1=$(user_home t1)
top=$h1/pull
repo=$top/proj
scratch=$top/scratch
MK=$top/markers
mkdir -p "$repo" "$MK" || fatal "mkdir"
(
	cd "$repo" || exit 1
	git init -q -b main .
	echo one >a
	git add a
	git -c user.email=t@example.invalid -c user.name=t commit -qm one
) || fatal "cannot make the host repository"
chown -R banger-t1 "$top"

# git as t1 on the host, for the test's own looks (no hooks of its own).
hgit() {
	as_user t1 git -c core.hooksPath=/dev/null -C "$repo" "$@"
}
sgit() {
	as_user t1 git -c core.hooksPath=/dev/null -c user.email=s@x.invalid \
	    -c user.name=s -C "$scratch" "$@"
}
refs() {
	hgit for-each-ref --format='%(refname) %(objectname)'
	hgit rev-parse HEAD
}
# Every file of the host's object store: a refused bundle adds none.
objs() {
	find "$repo/.git/objects" -type f | sort
}
no_markers() {
	[ -z "$(ls -A "$MK")" ] || fail "$1: markers on the host: $(ls "$MK")"
}

# The host's own drivers and hooks leave a marker if anything runs them.
hgit config filter.x.clean "touch $MK/host-clean; cat"
hgit config filter.x.smudge "touch $MK/host-smudge; cat"
hgit config diff.x.textconv "touch $MK/host-textconv; cat"
for hk in post-checkout post-merge reference-transaction post-rewrite; do
	printf '#!/bin/sh\ntouch %s/host-%s\n' "$MK" "$hk" \
	    >"$repo/.git/hooks/$hk"
	chmod 0755 "$repo/.git/hooks/$hk"
done
chown -R banger-t1 "$repo/.git/hooks"

# ---- a hostile guest, on the tiny image --------------------------------
as_user t1 git clone -q "$repo" "$scratch" || fatal "clone"
base=$(hgit rev-parse HEAD)
echo two >"$scratch/b"
chown banger-t1 "$scratch/b"
sgit add b && sgit commit -qm two || fatal "scratch commit"
sgit update-ref refs/banger/pull HEAD
sgit bundle create -q "$top/main.bundle" refs/heads/main "^$base" ||
    fatal "bundle main"
sgit bundle create -q "$top/two.bundle" refs/banger/pull refs/heads/main \
    "^$base" || fatal "bundle two"
sgit bundle create -q "$top/good.bundle" refs/banger/pull "^$base" ||
    fatal "bundle good"
# The same with an extra blob nothing refers to, packed along.
junk=$(echo "junk nothing refers to" | sgit hash-object -w --stdin)
{
	printf '# v2 git bundle\n-%s\n%s refs/banger/pull\n\n' "$base" \
	    "$(sgit rev-parse refs/banger/pull)"
	{ sgit rev-list --objects --no-object-names refs/banger/pull "^$base"
	  echo "$junk"; } | sgit pack-objects --stdout -q
} >"$top/junk.bundle" || fatal "bundle junk"
sgit bundle verify -q "$top/junk.bundle" || fatal "the junk bundle is bad"
# A commit git's fsck refuses (a malformed date), under our ref.
tree=$(sgit rev-parse "HEAD^{tree}")
bad=$(printf 'tree %s\nparent %s\nauthor b <b@x> notatime\ncommitter b <b@x> 1 +0000\n\nbad\n' \
    "$tree" "$base" | sgit hash-object -t commit -w --stdin --literally)
sgit update-ref refs/banger/pull "$bad" || fatal "bad commit"
sgit bundle create -q "$top/fsck.bundle" refs/banger/pull "^$base" ||
    fatal "bundle fsck"
head -c 4096 /dev/urandom >"$top/garbage.bundle"
chmod 0644 "$top"/*.bundle

with_timeout 300 run t1 vm run --name hx --image tiny -- true
expect_rc 0 "vm run --name hx --image tiny"
# Whatever the script asks, this git answers; `bundle` sends the payload.
banger vm exec hx -- sh -c 'mkdir -p /usr/local/bin && cat >/usr/local/bin/git &&
    chmod 0755 /usr/local/bin/git' <<'FAKE' || fail "cannot install the fake git"
#!/bin/sh
case $1 in
bundle) exec cat /root/payload ;;
rev-parse) case "$*" in *--show-toplevel*) pwd -P ;;
	*) echo 0123456789abcdef0123456789abcdef01234567 ;; esac ;;
write-tree|rev-list) echo 0123456789abcdef0123456789abcdef01234567 ;;
cat-file) cat >/dev/null ;;
esac
exit 0
FAKE
before=$(refs)
obefore=$(objs)
for b in garbage main two fsck; do
	banger vm exec hx -- sh -c 'cat >/root/payload' <"$top/$b.bundle" ||
	    fail "cannot send $b.bundle"
	run t1 vm pull hx --repo "$repo" --guest-path /root
	expect_rc 125 "vm pull of a $b bundle"
	grep -q "refused the guest's bundle" "$W/err" ||
	    fail "$b bundle: no refusal: $(cat "$W/err")"
	grep -q "nothing changed on the host" "$W/err" ||
	    fail "$b bundle: no 'nothing changed'"
	case $b in
	garbage) why="not a version 2 git bundle" ;;
	main) why="it names refs/heads/main, not refs/banger/pull" ;;
	two) why="more than one ref" ;;
	fsck) why="do not pass git index-pack --strict" ;;
	esac
	grep -q "$why" "$W/err" || fail "$b bundle: not '$why'"
	[ "$(refs)" = "$before" ] || fail "$b bundle: the host's refs changed"
	[ "$(objs)" = "$obefore" ] ||
	    fail "$b bundle: the host's objects changed"
done
no_markers "hostile bundles"

# A well-formed bundle (with a junk blob) refused by the branch checks,
# which come after index-pack: nothing of it reaches the repository.
side=$(hgit -c user.name=h -c user.email=h@x.invalid commit-tree \
    "$base^{tree}" -p "$base" -m side) && hgit update-ref refs/heads/side \
    "$side" || fatal "cannot make branch side"
before=$(refs)
obefore=$(objs)
banger vm exec hx -- sh -c 'cat >/root/payload' <"$top/junk.bundle"
run t1 vm pull hx --repo "$repo" --guest-path /root --branch main
expect_rc 125 "vm pull into the checked-out branch"
grep -q "checked-out branch" "$W/err" || fail "main: $(cat "$W/err")"
[ "$(refs)" = "$before" ] || fail "main: the host's refs changed"
[ "$(objs)" = "$obefore" ] || fail "main: the host's objects changed"
run t1 vm pull hx --repo "$repo" --guest-path /root --branch side
expect_rc 125 "vm pull into a branch it does not fast-forward"
grep -q "is not a fast-forward" "$W/err" || fail "side: $(cat "$W/err")"
[ "$(refs)" = "$before" ] || fail "side: the host's refs changed"
[ "$(objs)" = "$obefore" ] || fail "side: the host's objects changed"
# A branch that is a symbolic ref to the checked-out one.
hgit symbolic-ref refs/heads/alias refs/heads/main || fatal "symbolic-ref"
before=$(refs)
run t1 vm pull hx --repo "$repo" --guest-path /root --branch alias
expect_rc 125 "vm pull into a symbolic ref"
grep -q "alias is a symbolic ref" "$W/err" || fail "alias: $(cat "$W/err")"
[ "$(refs)" = "$before" ] || fail "alias: the host's refs changed"
[ "$(objs)" = "$obefore" ] || fail "alias: the host's objects changed"

# The control: a bundle of our ref alone is taken, without the junk.
run t1 vm pull hx --repo "$repo" --guest-path /root
expect_rc 0 "vm pull of a well-formed bundle"
[ "$(hgit show banger/hx:b)" = two ] || fail "banger/hx lacks b"
grep -q "banger/hx: created" "$W/out" || fail "no 'created' line"
grep -q "b | 1 +" "$W/out" || fail "no diffstat: $(cat "$W/out")"
hgit cat-file -e "$junk" 2>/dev/null &&
    fail "the junk blob reached the host's repository"
hgit fsck --no-progress >/dev/null 2>&1 || fail "git fsck fails on the host"
ls /tmp | grep -q banger-pull-objects && fail "a quarantine is left in /tmp"
before=$(refs)
obefore=$(objs)

# An endless stream: cut at --max-size; the guest's command is sent
# SIGTERM and the VM takes commands again.
banger vm exec hx -- ln -sf /dev/zero /root/payload
run t1 vm pull hx --repo "$repo" --guest-path /root --max-size 1M
expect_rc 125 "vm pull of an endless stream"
grep -q "more than 1048576 bytes" "$W/err" ||
    fail "endless stream: $(cat "$W/err")"
[ "$(refs)" = "$before" ] || fail "endless stream: the host's refs changed"
[ "$(objs)" = "$obefore" ] ||
    fail "endless stream: the host's objects changed"
run t1 vm exec hx -- true
expect_rc 0 "a command right after the cut stream"
no_markers "endless stream"

# A stream that never sends a byte (a FIFO nobody writes): cut after
# --idle-timeout seconds.
banger vm exec hx -- sh -c 'rm -f /root/payload && mkfifo /root/payload' ||
    fail "cannot make the FIFO"
run t1 vm pull hx --repo "$repo" --guest-path /root --idle-timeout 2
expect_rc 125 "vm pull of a silent stream"
grep -q "sent nothing for 2 seconds" "$W/err" ||
    fail "silent stream: $(cat "$W/err")"
[ "$(refs)" = "$before" ] || fail "silent stream: the host's refs changed"
[ "$(objs)" = "$obefore" ] ||
    fail "silent stream: the host's objects changed"
run t1 vm exec hx -- true
expect_rc 0 "a command right after the silent stream"
run t1 vm pull hx --repo "$repo" --idle-timeout 0
expect_rc 2 "vm pull --idle-timeout 0"

# No git, no repository: said so, with the way to get one.
banger vm exec hx -- rm /usr/local/bin/git
run t1 vm pull hx --repo "$repo" --guest-path /root
expect_rc 125 "vm pull without git in the guest"
grep -q "needs a git checkout" "$W/err" && grep -q -- "--branch" "$W/err" ||
    fail "no git: $(cat "$W/err")"

# ---- vm acp ------------------------------------------------------------
banger vm exec hx -- sh -c 'cat >/root/agent && chmod 0755 /root/agent' \
    <<'AGENT' || fail "cannot install the agent"
#!/bin/sh
IFS= read -r line
printf '{"jsonrpc":"2.0","id":1,"result":{"echo":%s}}\n' "$line"
exit 3
AGENT
req='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":1,"s":"é\\u0001"}}'
printf '%s\n' "$req" >"$W/req"
printf '{"jsonrpc":"2.0","id":1,"result":{"echo":%s}}\n' "$req" >"$W/want"
run t1 vm acp hx -- /root/agent <"$W/req"
expect_rc 3 "vm acp -- /root/agent"
cmp -s "$W/out" "$W/want" || fail "vm acp: the answer differs"
run t1 vm acp hx </dev/null
expect_rc 127 "vm acp without opencode"
grep -q "no agent 'opencode'" "$W/err" || fail "no 'no agent' message"

# ---- the golden image ----------------------------------------------------
[ -f "$(state_dir t1)/images/debian-bookworm/rootfs.ext4" ] ||
    fatal "t1 has no debian-bookworm image: run the golden test first" \
    "(sh regress/run.sh golden pull)"
with_timeout 600 run t1 vm run --name pl --image debian-bookworm \
    --branch work "$repo" -- true
expect_rc 0 "vm run --branch work on the golden image"
# In the guest: its own hooks, filter and diff drivers, all leaving
# markers (at the host's path, which exists in the guest only there), a
# commit, an uncommitted edit and an untracked file.
with_timeout 300 run t1 vm exec pl -- sh -c '
set -e
cd /root/proj
mkdir -p "$1"
git config user.email g@example.invalid
git config user.name g
git config filter.x.clean "touch $1/guest-clean; cat"
git config filter.x.smudge "touch $1/guest-smudge; cat"
git config diff.x.textconv "touch $1/guest-textconv; cat"
for h in post-checkout post-commit post-merge reference-transaction \
    pre-commit; do
	printf "#!/bin/sh\ntouch %s/guest-%s\n" "$1" "$h" >.git/hooks/$h
	chmod 0755 .git/hooks/$h
done
echo "* filter=x diff=x" >.gitattributes
echo guest >>a
git add -A
git commit -qm "guest commit"
echo uncommitted >>a
echo new >new.txt
' sh "$MK"
expect_rc 0 "the guest's commit and changes"
gstate='cd /root/proj && git --no-optional-locks status --porcelain && git rev-parse HEAD &&
    git symbolic-ref HEAD && md5sum .git/index a && git for-each-ref'
with_timeout 300 run t1 vm exec pl -- sh -c "$gstate"
cp "$W/out" "$W/guest-before"
hstate() {
	hgit --no-optional-locks status --porcelain
	hgit rev-parse HEAD
	hgit symbolic-ref HEAD
	md5sum "$repo/.git/index" "$repo/a"
}
hbefore=$(hstate)

with_timeout 600 run t1 vm pull pl --repo "$repo"
expect_rc 0 "vm pull pl"
grep -q "banger/pl: created" "$W/out" || fail "no 'created' line"
grep -q "new.txt" "$W/out" && grep -q "changed" "$W/out" ||
    fail "no diffstat: $(cat "$W/out")"
[ "$(hgit show banger/pl:a | tr '\n' ' ')" = "one guest uncommitted " ] ||
    fail "banger/pl:a is '$(hgit show banger/pl:a | tr '\n' ' ')'"
[ "$(hgit show banger/pl:new.txt)" = new ] || fail "banger/pl lacks new.txt"
[ "$(hgit log -1 --format=%s banger/pl~1)" = "guest commit" ] ||
    fail "the guest's commit is not banger/pl~1"
[ "$(hgit log -1 --format=%s banger/pl)" = \
    "banger vm pull: uncommitted changes" ] || fail "no snapshot commit"
[ "$(hstate)" = "$hbefore" ] ||
    fail "the host's HEAD, index or work tree changed"
[ "$(cat "$repo/a")" = one ] || fail "the host's work tree changed"
no_markers "vm pull"
with_timeout 300 run t1 vm exec pl -- sh -c "$gstate"
cmp -s "$W/out" "$W/guest-before" ||
    fail "the guest's HEAD, index, work tree or refs changed"
with_timeout 300 run t1 vm exec pl -- ls "$MK"
grep -q guest-clean "$W/out" && grep -q guest-post-commit "$W/out" ||
    fail "the markers do not work (the guest's own: $(cat "$W/out"))"

# Again after another edit: the earlier snapshot is replaced.
with_timeout 300 run t1 vm exec pl -- sh -c 'echo more >>/root/proj/new.txt'
with_timeout 600 run t1 vm pull pl --repo "$repo"
expect_rc 0 "vm pull pl again"
grep -q "banger/pl: updated" "$W/out" || fail "no 'updated' line"
[ "$(hgit show banger/pl:new.txt | tr '\n' ' ')" = "new more " ] ||
    fail "the second pull did not bring the edit"
# The checked-out branch is never moved.
main=$(hgit rev-parse main)
obefore=$(objs)
with_timeout 600 run t1 vm pull pl --repo "$repo" --branch main
expect_rc 125 "vm pull into the checked-out branch"
grep -q "checked-out branch" "$W/err" || fail "no checked-out message"
[ "$(hgit rev-parse main)" = "$main" ] || fail "main moved"
[ "$(objs)" = "$obefore" ] || fail "main: the host's objects changed"
# A directory that is no repository.
with_timeout 300 run t1 vm pull pl --repo "$repo" --guest-path /root
expect_rc 125 "vm pull of a non-repository"
grep -q "not a git repository" "$W/err" &&
    grep -q "needs a git checkout" "$W/err" ||
    fail "non-repository: $(cat "$W/err")"
[ "$(hstate)" = "$hbefore" ] ||
    fail "the host's HEAD, index or work tree changed"
no_markers "the end"
