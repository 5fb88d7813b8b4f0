# banger image pull of a real distribution (issue 9): a Debian 12 root
# with Python, as `mmdebstrap --format=tar` makes it (merged /usr: /bin,
# /lib and /sbin are symbolic links), published as an OCI image by the
# test's own registry with a second layer that writes through those links
# and whites out a file; then commands through the agent, as the image's
# user, with its Env and WorkingDir.  The root tarball comes from Debian's
# archive once and is kept in /var/cache/banger-regress; a host that
# cannot reach the archive skips the test.
. "$REGRESS/test-lib.sh"

CACHE=/var/cache/banger-regress
BASE=$CACHE/bookworm-python3.tar
if [ ! -s "$BASE" ]; then
	command -v mmdebstrap >/dev/null || skip "no mmdebstrap"
	mkdir -p "$CACHE"
	trace "mmdebstrap --variant=minbase --include=python3-minimal bookworm"
	if ! timeout 900 mmdebstrap --quiet --variant=minbase \
	    --include=python3-minimal --format=tar bookworm "$BASE.tmp" \
	    >"$W/mm.log" 2>&1; then
		tail -n 5 "$W/mm.log"
		rm -f "$BASE.tmp"
		skip "mmdebstrap could not make a Debian root (no archive?)"
	fi
	mv "$BASE.tmp" "$BASE" || fatal "mv"
fi

PYREG="/usr/bin/python3 $REGRESS/oci-registry.py"
REG=$W/registry
S=$W/srv
mkdir -p "$REG" "$S" && chown 65534:65534 "$S" || fatal "mkdir"
/usr/bin/python3 - "$W/l2.tar" <<'EOF' || fatal "making layer 2"
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    def add(name, data=None, mode=0o644, kind=tarfile.REGTYPE):
        ti = tarfile.TarInfo(name)
        ti.mode, ti.type, ti.mtime = mode, kind, 1700000000
        if data is not None:
            ti.size = len(data)
        t.addfile(ti, io.BytesIO(data) if data is not None else None)
    # Through /bin -> usr/bin: it must land in /usr/bin.
    add("bin/hello", b"#!/bin/sh\necho hello from $0\n", 0o755)
    add("etc/.wh.issue", b"")
    add("work", None, 0o777, tarfile.DIRTYPE)
EOF
$PYREG add "$REG" debian/py:12 --layer "$BASE" "$W/l2.tar" \
    --env LANG=C.UTF-8 --env PYTHONDONTWRITEBYTECODE=1 --workdir /work \
    --user nobody >"$W/add.out" 2>&1 ||
    fatal "oci-registry.py add: $(cat "$W/add.out")"
chmod -R a+rX "$REG"
ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
    $PYREG serve "$REG" --listen 127.0.0.1:0 --auth bearer \
    --port-file "$S/port" --log "$S/reg.log" >"$W/reg.out" 2>&1 &
wait_until 20 test -s "$S/port" ||
    fatal "the registry did not start: $(cat "$W/reg.out")"
H=127.0.0.1:$(cat "$S/port")

# vm run --image REF: pulled the first time, under the name image pull
# gives it.
run t1 vm run --rm --image "$H/debian/py:12" -- sh -c '
    cat /etc/debian_version; python3 -c "import sys; print(sys.version_info[0])";
    id -un; pwd; echo "$LANG $PYTHONDONTWRITEBYTECODE"; hello;
    test -e /etc/issue || echo issue-gone; readlink /bin'
expect_rc 0 "vm run --image $H/debian/py:12"
grep -q "pulling image py-12" "$W/err" && ok "pulled on first use" ||
    fail "no pull on first use: $(cat "$W/err")"
out=$W/out
sed -n 1p "$out" | grep -q '^12\.' && ok "Debian 12's root" ||
    fail "debian_version: $(sed -n 1p "$out")"
sed -n 2p "$out" | grep -qx 3 && ok "the image's python3 runs" ||
    fail "python3: $(sed -n 2p "$out")"
sed -n 3p "$out" | grep -qx nobody && sed -n 4p "$out" | grep -qx /work &&
    ok "User nobody in WorkingDir /work" ||
    fail "user/cwd: $(sed -n 3,4p "$out")"
sed -n 5p "$out" | grep -qx "C.UTF-8 1" || fail "Env: $(sed -n 5p "$out")"
sed -n 6p "$out" | grep -qx "hello from /usr/bin/hello" &&
    ok "a layer's bin/hello went through /bin -> usr/bin" ||
    fail "hello: $(sed -n 6p "$out")"
sed -n 7p "$out" | grep -qx issue-gone || fail "whiteout of /etc/issue"
sed -n 8p "$out" | grep -qx usr/bin || fail "/bin: $(sed -n 8p "$out")"

# The second time the image is there: no pull.
run t1 vm run --rm --image "$H/debian/py:12" -- true
expect_rc 0 "vm run --image again"
grep -q "pulling" "$W/err" && fail "pulled again: $(cat "$W/err")"
run t1 image delete py-12
expect_rc 0 "image delete py-12"
