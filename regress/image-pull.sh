# banger image pull (issue 9): an OCI image from a registry of the test's
# own (regress/oci-registry.py on the namespace's loopback) made a
# bootable image: layers applied in order with whiteouts, owners, modes
# and links; the config's Env, WorkingDir and User applied to commands;
# blobs shared through the cache; credentials from the user's auth file;
# and what is wrong (a corrupted blob, an unknown tag, a login missing)
# refused with nothing left behind.
. "$REGRESS/test-lib.sh"

PYREG="/usr/bin/python3 $REGRESS/oci-registry.py"
REG=$W/registry
S=$W/srv
mkdir -p "$REG" "$S" "$W/lay" && chown 65534:65534 "$S" || fatal "mkdir"

# banger-fetch's confinement for a pull, tried with its own code
# (regress/fetch-probe): what is refused must be allowed without it.
home=$(user_home t1)
as_user t1 sh -c 'mkdir -p "$1/probe-w" "$1/probe-r" && echo g >"$1/probe-r/given" &&
    echo s >"$1/probe-secret"' sh "$home" || fatal "probe files"
for mode in none pull; do
	rm -f "$home/probe-w/new" "$home/planted"
	as_user t1 sh -c '"$@"; :' sh "$BIN/fetch-probe" $mode "$home/probe-w" \
	    "$home/probe-r" "$home/probe-secret" 5000 5001 >"$W/probe.$mode" 2>&1
	sed "s/^/  $mode: /" "$W/probe.$mode"
done
probe_is() {
	grep -qx "$2 allowed" "$W/probe.none" ||
	    { fail "fetch-probe: $2 is refused with no sandbox: no evidence"; return; }
	grep -qx "$2 $3" "$W/probe.pull" && ok "pull sandbox: $2 $3" ||
	    fail "pull sandbox: $2 $(grep "^$2 " "$W/probe.pull"), want $3"
}
probe_is pull read-secret "refused EACCES"
probe_is pull read-parent-environ "refused EACCES"
probe_is pull write-elsewhere "refused EACCES"
probe_is pull read-own-status allowed
probe_is pull read-system allowed
probe_is pull read-given allowed
probe_is pull write-own-dir allowed
probe_is pull connect-given-port allowed
if grep -q "cannot limit network ports" "$W/probe.pull"; then
	say "SKIP (check): this kernel's Landlock has no network rights"
else
	probe_is pull connect-other-port "refused EACCES"
	probe_is pull bind "refused EACCES"
fi

# Two layers: a busybox root, then changes on top of it.
/usr/bin/python3 - "$W/lay" <<'EOF' || fatal "making the layers"
import io, sys, tarfile
out = sys.argv[1]
def layer(path, entries):
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as t:
        for e in entries:
            name, kind = e[0], e[1]
            ti = tarfile.TarInfo(name)
            ti.uid, ti.gid, ti.mtime = e[3] if len(e) > 3 else (0, 0, 1700000000)
            ti.mode = e[4] if len(e) > 4 else (0o755 if kind in "dl" else 0o644)
            data = None
            if kind == "d":
                ti.type = tarfile.DIRTYPE
            elif kind == "l":
                ti.type, ti.linkname = tarfile.SYMTYPE, e[2]
            elif kind == "h":
                ti.type, ti.linkname = tarfile.LNKTYPE, e[2]
            else:
                data = e[2] if isinstance(e[2], bytes) else e[2].encode()
                ti.size = len(data)
            t.addfile(ti, io.BytesIO(data) if data is not None else None)
bb = open("/bin/busybox", "rb").read()
l1 = [("bin", "d", None), ("bin/busybox", "f", bb, (0, 0, 1700000000), 0o755)]
for a in ("sh", "id", "pwd", "cat", "ls", "echo", "test", "stat",
          "readlink", "env"):
    l1.append(("bin/" + a, "l", "busybox"))
l1 += [("etc", "d", None),
       ("etc/passwd", "f", "root:x:0:0:root:/root:/bin/sh\n"
        "app:x:1000:1000:app:/home/app:/bin/sh\n"),
       ("etc/group", "f", "root:x:0:\napp:x:1000:\nstaff:x:50:app\n"),
       ("etc/os-release", "f", "ID=pulled\n"),
       ("etc/removed", "f", "lower\n"),
       ("opt/old/a", "f", "a\n"), ("opt/old/b", "f", "b\n"),
       ("home/app", "d", None, (1000, 1000, 1700000000), 0o750),
       ("srv/app", "d", None)]
layer(out + "/l1.tar", l1)
layer(out + "/l2.tar", [
    ("etc/layer2", "f", "two\n"),
    ("etc/.wh.removed", "f", ""),
    ("opt/old/new", "f", "new\n"),
    ("opt/old/.wh..wh..opq", "f", ""),
    ("etc/l2-hard", "h", "etc/layer2"),
    ("etc/l2-sym", "l", "layer2"),
    ("srv/app/tool", "f", "#!/bin/sh\necho tool\n", (1000, 50, 1700000000), 0o4755),
])
EOF

$PYREG add "$REG" test/busy:1 --layer "$W/lay/l1.tar" \
    "$W/lay/l2.tar" --env FOO=bar --env "GREETING=hello world" \
    --workdir /srv/app --user app >"$W/add.out" 2>&1 ||
    fatal "oci-registry.py add: $(cat "$W/add.out")"
# A WorkingDir that climbs out of /root, with a non-root User.
$PYREG add "$REG" test/busy:dotdot --layer "$W/lay/l1.tar" \
    "$W/lay/l2.tar" --workdir /root/.. --user app >"$W/add.out" 2>&1 ||
    fatal "oci-registry.py add dotdot: $(cat "$W/add.out")"
# The same layers again behind an index (and an arm64 decoy).
$PYREG add "$REG" test/busy:idx --layer "$W/lay/l1.tar" \
    "$W/lay/l2.tar" --index >"$W/add.out" 2>&1 ||
    fatal "oci-registry.py add --index: $(cat "$W/add.out")"
# zstd layers.
$PYREG add "$REG" test/busy:zst --layer "$W/lay/l1.tar" --zstd \
    >"$W/add.out" 2>&1 || fatal "oci-registry.py add --zstd: $(cat "$W/add.out")"
chmod -R a+rX "$REG"

# serve AUTH PORTFILE [ARGS...]: the registry on the namespace's
# loopback as nobody; its pid in REGPID.
serve() {
	_auth=$1
	_pf=$2
	shift 2
	rm -f "$_pf"
	ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 \
	    --clear-groups $PYREG serve "$REG" --listen 127.0.0.1:0 \
	    --auth "$_auth" --port-file "$_pf" --log "$S/reg-$_auth.log" \
	    "$@" >"$W/reg-$_auth.out" 2>&1 &
	REGPID=$!
	wait_until 20 test -s "$_pf" ||
	    fatal "the registry did not start: $(cat "$W/reg-$_auth.out")"
}
serve bearer "$S/port"
BPID=$REGPID
PORT=$(cat "$S/port")
H=127.0.0.1:$PORT
images=$(state_dir t1)/images

run t1 image pull "$H/test/busy:1" --name busy
expect_rc 0 "image pull busy"
grep -q "layer 2 of 2" "$W/err" && grep -q "applying layer 2 of 2" "$W/err" &&
    ok "progress shown" || fail "no layer progress: $(cat "$W/err")"
[ -f "$images/busy/rootfs.ext4" ] || fatal "no rootfs.ext4 for busy"
e2fsck -fn "$images/busy/rootfs.ext4" >"$W/fsck" 2>&1 &&
    ok "the root file system is clean (e2fsck -fn)" ||
    fail "e2fsck on the pulled root: $(tail -n 5 "$W/fsck")"

run t1 vm run --rm --image busy -- sh -c 'id -u; id -g; id -G; pwd;
    echo "$FOO|$GREETING|$HOME|$USER"; cat /etc/layer2; ls /opt/old;
    test -e /etc/removed || echo removed-gone; readlink /etc/l2-sym;
    stat -c "%h %i" /etc/layer2 /etc/l2-hard; stat -c "%a %u %g" /srv/app/tool;
    cat /proc/1/comm'
expect_rc 0 "vm run --image busy"
out=$W/out
sed -n 1p "$out" | grep -qx 1000 && sed -n 2p "$out" | grep -qx 1000 &&
    ok "User app: uid and gid 1000" || fail "user: $(head -n 2 "$out")"
sed -n 3p "$out" | grep -qx "1000 50" &&
    ok "supplementary group from /etc/group" || fail "groups: $(sed -n 3p "$out")"
sed -n 4p "$out" | grep -qx /srv/app && ok "WorkingDir /srv/app" ||
    fail "cwd: $(sed -n 4p "$out")"
sed -n 5p "$out" | grep -qx "bar|hello world|/home/app|app" &&
    ok "Env, HOME and USER" || fail "env: $(sed -n 5p "$out")"
sed -n 6p "$out" | grep -qx two || fail "layer 2's file: $(sed -n 6p "$out")"
sed -n 7p "$out" | grep -qx new && ok "opaque directory: only layer 2's entry" ||
    fail "opaque /opt/old: $(sed -n 7p "$out")"
sed -n 8p "$out" | grep -qx removed-gone && ok "whiteout removed /etc/removed" ||
    fail "whiteout: $(sed -n 8p "$out")"
sed -n 9p "$out" | grep -qx layer2 || fail "symlink: $(sed -n 9p "$out")"
l1=$(sed -n 10p "$out")
l2=$(sed -n 11p "$out")
[ "${l1%% *}" = 2 ] && [ "$l1" = "$l2" ] && ok "hard link: one inode, 2 links" ||
    fail "hard link: '$l1' '$l2'"
sed -n 12p "$out" | grep -qx "4755 1000 50" && ok "mode and owner kept" ||
    fail "mode/owner: $(sed -n 12p "$out")"
sed -n 13p "$out" | grep -qx agent || fail "pid 1: $(sed -n 13p "$out")"

# A workspace for the image's User: /root passable, the tree app's.
wsr=$W/wsapp/proj
mkdir -p "$wsr/sub" && (cd "$wsr" && git init -q . && echo hi >f &&
    echo deep >sub/g && git add -A && git -c user.email=t@example.invalid \
    -c user.name=t commit -qm init) || fatal "workspace repo"
chown -R "$(user_uid t1)" "$W/wsapp"
run t1 vm run --rm --image busy "$wsr" -- sh -c 'id -u; pwd; cat f sub/g;
    echo made >sub/new && cat sub/new; stat -c "%u %a" /root/proj/sub/g'
expect_rc 0 "vm run --image busy PATH (User app)"
[ "$(cat "$W/out")" = "$(printf '1000\n/root/proj\nhi\ndeep\nmade\n1000 644')" ] &&
    ok "User app works in its workspace: reads, writes, owns it" ||
    fail "workspace as app: $(cat "$W/out")"

# WorkingDir /root/.. for User app: not a workspace, so the agent gives
# app nothing and /root stays closed to it (an agent that took ".." for
# a workspace gave app the guest's whole root file system, and the
# command then ran in /).
run t1 image pull "$H/test/busy:dotdot" --name dotdot
expect_rc 0 "image pull busy:dotdot"
run t1 vm run --rm --image dotdot -- sh -c 'pwd; stat -c %u /etc/layer2 /bin'
[ "$RC" = 126 ] && grep -q "/root/..: Permission denied" "$W/err" &&
    ok "WorkingDir /root/..: nothing is given to app" ||
    fail "dotdot: exit $RC, $(cat "$W/out")"
run t1 image delete dotdot

# An index resolved to amd64, its layers from the cache: no blob fetched.
blobs_before=$(grep -c "GET /v2/test/busy/blobs/.*status=20" "$S/reg-bearer.log")
run t1 image pull "$H/test/busy:idx"
expect_rc 0 "image pull busy:idx (an index)"
[ -d "$images/busy-idx" ] && ok "the name made from the reference" ||
    fail "no image busy-idx: $(ls "$images")"
blobs_after=$(grep -c "GET /v2/test/busy/blobs/.*status=20" "$S/reg-bearer.log")
# Only the new config blob may have been fetched.
[ $((blobs_after - blobs_before)) -le 1 ] &&
    ok "layers came from the cache ($((blobs_after - blobs_before)) blob fetched)" ||
    fail "$((blobs_after - blobs_before)) blobs fetched for cached layers"
run t1 vm run --rm --image busy-idx -- cat /etc/layer2
[ "$(cat "$W/out")" = two ] || fail "busy-idx: $(cat "$W/out")"

run t1 image pull "$H/test/busy:zst" --name busyz
expect_rc 0 "image pull (zstd layer)"
run t1 vm run --rm --image busyz -- sh -c 'cat /etc/os-release; pwd; id -u'
[ "$(cat "$W/out")" = "$(printf 'ID=pulled\n/\n0')" ] &&
    ok "zstd layer; no WorkingDir or User: / and root" ||
    fail "busyz: $(cat "$W/out")"

# vm run --image REF uses the image REF names only if it came from REF:
# busy-1 here was pulled from busy:zst, not busy:1.
run t1 image pull "$H/test/busy:zst" --name busy-1
expect_rc 0 "image pull busy:zst as busy-1"
run t1 vm run --rm --image "$H/test/busy:1" -- true
[ "$RC" -ne 0 ] && grep -q "was not pulled from" "$W/err" &&
    ok "an image of the same name from another reference is not used" ||
    fail "vm run --image with a name from elsewhere: $RC $(cat "$W/err")"
run t1 image delete busy-1
run t1 vm run --rm --image "$H/test/busy:1" -- cat /etc/layer2
expect_rc 0 "vm run --image REF (pulled on first use)"
grep -q "pulling image busy-1" "$W/err" && [ "$(cat "$W/out")" = two ] &&
    ok "vm run --image REF pulled busy-1 and ran in it" ||
    fail "vm run --image REF: $(cat "$W/out" "$W/err")"
run t1 vm run --rm --image "$H/test/busy:1" -- true
grep -q "pulling" "$W/err" && fail "the second vm run --image pulled again"

# Refusals leave no image and no build directory.
refused() {
	[ "$RC" -ne 0 ] || fail "image pull $1 succeeded"
	grep -q "$2" "$W/err" && ok "refused: $2" ||
	    fail "image pull $1: '$(cat "$W/err")', wanted '$2'"
	[ -e "$images/$1" ] && fail "a refused pull left $images/$1"
	[ -e "$images/$1.build" ] && fail "a refused pull left $1.build"
	return 0
}
run t1 image pull "$H/test/busy:nosuch" --name nosuch
refused nosuch "has no manifest nosuch"
run t1 image pull "$H/test/busy:1" --name busy
refused busy-again-unused "image busy exists"
run t1 image pull "not a ref" --name badref
refused badref "reference\|invalid"
# A blob whose bytes are not what its digest says.
cache=$(user_home t1)/.cache/banger/oci
rm -rf "$cache"
# busy:1's first layer, from its manifest.
layer1=$REG/blobs/sha256/$(/usr/bin/python3 -c '
import json, sys
d = open(sys.argv[1] + "/tags/test/busy/1").read().strip()
m = json.load(open(sys.argv[1] + "/blobs/sha256/" + d.split(":")[1]))
print(m["layers"][0]["digest"].split(":")[1])' "$REG") || fatal "no manifest"
cp "$layer1" "$W/layer1.save"
printf 'x' | dd of="$layer1" bs=1 seek=5000 conv=notrunc 2>/dev/null
run t1 image pull "$H/test/busy:1" --name corrupt
refused corrupt "digest\|sha256"
ls "$cache/blobs/sha256" 2>/dev/null | grep -qx "$(basename "$layer1")" &&
    fail "a corrupted blob was kept in the cache under its digest"
cp "$W/layer1.save" "$layer1"

# A fake credential helper (docker-credential-regress): credentials for
# any loopback registry, none when $HOME/.nocreds exists.
cat >"$BIN/docker-credential-regress" <<'EOS'
#!/bin/sh
[ "$1" = get ] || exit 2
server=$(cat)
if [ -e "$HOME/.nocreds" ]; then
	echo "credentials not found in native keychain"
	exit 1
fi
case $server in
127.0.0.1:*)
	printf '{"ServerURL":"%s","Username":"reguser","Secret":"regpass"}\n' \
	    "$server" ;;
*)	echo "credentials not found in native keychain"; exit 1 ;;
esac
EOS
chmod 0755 "$BIN/docker-credential-regress"
home=$(user_home t1)

# Ctrl-C during a pull (a registry that stalls mid-blob) cancels it: no
# image, no build directory, no banger-fetch left, and the next pull runs.
# The pull goes through the credential helper: its answer's file goes too.
serve none "$S/port4" --stall
SPID=$REGPID
mkdir -p "$home/.docker"
printf '{"credHelpers":{"127.0.0.1:%s":"regress"}}\n' "$(cat "$S/port4")" \
    >"$home/.docker/config.json"
chown -R "$(user_uid t1):$(user_gid t1)" "$home/.docker"
rm -rf "$cache"
trace "[t1] banger image pull (stalled), then SIGINT"
as_user t1 "$BIN/banger" image pull \
    "127.0.0.1:$(cat "$S/port4")/test/busy:1" --name stalled \
    >"$W/cout" 2>"$W/cerr" &
CPID=$!
wait_until 60 grep -q "layer 1 of 2" "$W/cerr" ||
    fail "the stalled pull never reached its layers: $(cat "$W/cerr")"
# The job is confined: no new privileges, the launcher's seccomp filter.
fetch_pid() {
	for _p in /proc/[0-9]*; do
		{ tr '\0' ' ' <"$_p/cmdline"; } 2>/dev/null |
		    grep -q "^[^ ]*banger-fetch pull-image stalled " &&
		    echo "${_p#/proc/}"
	done
}
fpid=$(fetch_pid | head -n 1)
if pid_alive "$fpid"; then
	[ "$(proc_status "$fpid" Seccomp)" = 2 ] &&
	    [ "$(proc_status "$fpid" NoNewPrivs)" = 1 ] &&
	    ok "banger-fetch runs with no_new_privs under a seccomp filter" ||
	    fail "banger-fetch: Seccomp $(proc_status "$fpid" Seccomp), NoNewPrivs $(proc_status "$fpid" NoNewPrivs)"
else
	fail "no banger-fetch process for the stalled pull"
fi
# Ctrl-C: SIGINT to the CLI itself (not to the job's shell).
cli=
for _p in /proc/[0-9]*; do
	{ tr '\0' ' ' <"$_p/cmdline"; } 2>/dev/null |
	    grep -q "^$BIN/banger image pull .* --name stalled" && cli=${_p#/proc/}
done
[ -n "$cli" ] && kill -INT "$cli" || fail "no CLI process to interrupt"
wait "$CPID"
echo "  exit $?"
show "$W/cerr" stderr
fetch_gone() {
	[ -z "$(fetch_pid)" ]
}
wait_until 30 fetch_gone && ok "the CLI's end stopped banger-fetch" ||
    fail "banger-fetch still runs after the CLI ended"
wait_until 30 test ! -e "$images/stalled.build" &&
    ok "the cancelled pull left no build directory" ||
    fail "the cancelled pull left $images/stalled.build"
[ -e "$images/stalled" ] && fail "a cancelled pull left an image"
set -- "$home/run/banger"/auth-*
[ -e "$1" ] && fail "the interrupted pull left the helper's answer in $1" ||
    ok "the interrupted pull removed the helper's answer"
rm -rf "$home/.docker"
grep -q "image stalled: pulling cancelled" "$(state_dir t1)/bangerd.log" &&
    ok "bangerd cancelled the pull" || fail "bangerd did not say it cancelled"
kill "$SPID" 2>/dev/null
wait "$SPID" 2>/dev/null
run t1 image pull "$H/test/busy:1" --name stalled
expect_rc 0 "a pull after the cancelled one"

# banger-fetch may connect only to the registry's port and 443 (Landlock's
# network rights): blobs redirected to another port of the same loopback
# are out of its reach.
serve none "$S/port3" --redirect-blobs "http://$H"
RPID=$REGPID
rm -rf "$cache"
run t1 image pull "127.0.0.1:$(cat "$S/port3")/test/busy:1" --name elsewhere
log=$images/elsewhere.build.log
if grep -q "cannot limit network ports" "$log" 2>/dev/null; then
	say "SKIP (check): this kernel's Landlock has no network rights"
else
	refused elsewhere "layer 1\|connect"
	grep -qi "connect" "$W/err" "$log" 2>/dev/null &&
	    ok "the connection to another port was refused" ||
	    fail "no refused connection: $(cat "$W/err")"
fi
kill "$RPID" 2>/dev/null
wait "$RPID" 2>/dev/null
kill "$BPID" 2>/dev/null
wait "$BPID" 2>/dev/null

# A registry that wants a login: refused without one, pulled with the
# user's docker config.json.
serve basic "$S/port2" --htpasswd "reguser:regpass"
BAPID=$REGPID
H2=127.0.0.1:$(cat "$S/port2")
run t1 image pull "$H2/test/busy:1" --name nologin
refused nologin "login\|credentials\|auth"
home=$(user_home t1)
mkdir -p "$home/.docker" "$home/run/containers"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$H2" \
    "$(printf reguser:regpass | base64)" >"$home/.docker/config.json"
# podman's file, looked at first, has nothing for this registry: it
# must not hide docker's.
printf '{"auths":{"other.example":{"auth":"eDp5"}}}\n' \
    >"$home/run/containers/auth.json"
chown -R "$(user_uid t1):$(user_gid t1)" "$home/.docker" \
    "$home/run/containers"
run t1 image pull "$H2/test/busy:1" --name withlogin
expect_rc 0 "image pull with ~/.docker/config.json"
run t1 vm run --rm --image withlogin -- cat /etc/layer2
[ "$(cat "$W/out")" = two ] || fail "withlogin: $(cat "$W/out")"
# A credential helper the config names (credHelpers): the CLI runs it,
# banger-fetch gets its answer in a file that is gone after the pull.
printf '{"credHelpers":{"%s":"regress"}}\n' "$H2" >"$home/.docker/config.json"
rm -f "$home/run/containers/auth.json"
run t1 image pull "$H2/test/busy:1" --name viahelper
expect_rc 0 "image pull through a credential helper (credHelpers)"
set -- "$home/run/banger"/auth-*
[ -e "$1" ] && fail "the helper's answer was left in $1" ||
    ok "the helper's answer is removed after the pull"
# credsStore for every registry, and a helper that is not there.
printf '{"auths":{"%s":{}},"credsStore":"regress"}\n' "$H2" \
    >"$home/.docker/config.json"
run t1 image pull "$H2/test/busy:1" --name viastore
expect_rc 0 "image pull through a credential store (credsStore)"
printf '{"credHelpers":{"%s":"nosuch"}}\n' "$H2" >"$home/.docker/config.json"
run t1 image pull "$H2/test/busy:1" --name nohelper
refused nohelper "docker-credential-nosuch"
# A store with nothing for the registry: docker's "not found" means no
# login, so the pull goes anonymously (and this registry wants one).
touch "$home/.nocreds" && chown "$(user_uid t1)" "$home/.nocreds"
printf '{"auths":{"%s":{}},"credsStore":"regress"}\n' "$H2" \
    >"$home/.docker/config.json"
run t1 image pull "$H2/test/busy:1" --name anon
refused anon "wants a user name and password"
rm -f "$home/.nocreds"
rm -f "$BIN/docker-credential-regress"
rm -rf "$home/.docker" "$home/run/containers"
kill "$BAPID" 2>/dev/null
wait "$BAPID" 2>/dev/null

run t1 image delete busy
expect_rc 0 "image delete busy"
