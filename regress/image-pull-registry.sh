# banger image pull against a real registry (issue 9): Debian's
# docker-registry (the distribution project's registry) on the test
# namespace's loopback, images pushed to it with skopeo in OCI and Docker
# v2 schema 2 form, then pulled, booted and run.  .ci/deps.sh installs
# skopeo and unpacks docker-registry (not installed: its package would
# start a service on the host) into /var/cache/banger-regress; a host
# without either skips the test.
. "$REGRESS/test-lib.sh"

REGBIN=/var/cache/banger-regress/docker-registry/usr/bin/docker-registry
[ -x "$REGBIN" ] || REGBIN=$(command -v docker-registry) ||
    skip "no docker-registry (see .ci/deps.sh)"
command -v skopeo >/dev/null || skip "no skopeo (apt-get install skopeo)"
PY=/usr/bin/python3

# The image: a busybox root and a layer on top, as regress/oci-registry.py
# lays it out, turned into an OCI image layout for skopeo.
S=$W/srv
mkdir -p "$W/lay" "$W/src" "$S/data" || fatal "mkdir"
chown -R 65534:65534 "$S"
$PY - "$W/lay" <<'EOF' || fatal "making the layers"
import io, sys, tarfile
out = sys.argv[1]
def layer(path, entries):
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as t:
        for name, data, mode, link in entries:
            ti = tarfile.TarInfo(name)
            ti.mode, ti.mtime = mode, 1700000000
            if link is not None:
                ti.type, ti.linkname = tarfile.SYMTYPE, link
                t.addfile(ti)
            elif data is None:
                ti.type = tarfile.DIRTYPE
                t.addfile(ti)
            else:
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
bb = open("/bin/busybox", "rb").read()
l1 = [("bin", None, 0o755, None), ("bin/busybox", bb, 0o755, None),
      ("etc/os-release", b"ID=pushed\n", 0o644, None)]
for a in ("sh", "cat", "pwd", "echo"):
    l1.append(("bin/" + a, None, 0o777, "busybox"))
layer(out + "/l1.tar", l1)
layer(out + "/l2.tar", [("etc/motd", b"from the second layer\n", 0o644, None),
                        ("app", None, 0o755, None)])
EOF
$PY "$REGRESS/oci-registry.py" add "$W/src" test/busy:1 --layer \
    "$W/lay/l1.tar" "$W/lay/l2.tar" --env GREETING=pushed --workdir /app \
    >"$W/add.out" 2>&1 || fatal "oci-registry.py add: $(cat "$W/add.out")"
# An OCI image layout of it: the same blobs, an index naming the tag.
$PY - "$W/src" <<'EOF' || fatal "making the OCI layout"
import json, os, sys
d = sys.argv[1]
dig = open(d + "/tags/test/busy/1").read().strip()
hexd = dig.split(":")[1]
mt = open(d + "/types/" + hexd).read().strip()
size = os.path.getsize(d + "/blobs/sha256/" + hexd)
json.dump({"imageLayoutVersion": "1.0.0"}, open(d + "/oci-layout", "w"))
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": mt,
    "digest": dig, "size": size,
    "annotations": {"org.opencontainers.image.ref.name": "1"}}]},
    open(d + "/index.json", "w"))
EOF

PORT=15000
cat >"$S/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $S/data
http:
  addr: 127.0.0.1:$PORT
EOF
ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$REGBIN" serve "$S/config.yml" >"$W/registry.out" 2>&1 &
regpid=$!
wait_until 20 sh -c 'ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q .' \
    sh "$NS" "$PORT" ||
    fatal "docker-registry did not start: $(tail -n 5 "$W/registry.out")"
H=127.0.0.1:$PORT

push() {
	trace "skopeo copy $* (in the namespace)"
	ip netns exec "$NS" skopeo --insecure-policy copy --quiet \
	    --dest-tls-verify=false "$@" >"$W/skopeo.out" 2>&1 ||
	    fatal "skopeo copy: $(cat "$W/skopeo.out")"
}
push "oci:$W/src:1" "docker://$H/test/busy:oci"
push --format v2s2 "oci:$W/src:1" "docker://$H/test/busy:v2s2"

for tag in oci v2s2; do
	run t1 image pull "$H/test/busy:$tag" --name "pushed-$tag"
	expect_rc 0 "image pull of skopeo's $tag push"
	run t1 vm run --rm --image "pushed-$tag" -- sh -c \
	    'cat /etc/os-release /etc/motd; pwd; echo "$GREETING"'
	expect_rc 0 "vm run --image pushed-$tag"
	[ "$(cat "$W/out")" = "$(printf 'ID=pushed\nfrom the second layer\n/app\npushed')" ] &&
	    ok "the $tag image from docker-registry booted, its config applied" ||
	    fail "pushed-$tag printed: $(cat "$W/out")"
	run t1 image show "pushed-$tag"
	grep -q "^source .*$H/test/busy:$tag@sha256:" "$W/out" &&
	    ok "image show names the reference and digest" ||
	    fail "image show: $(cat "$W/out")"
	run t1 image delete "pushed-$tag"
done
kill "$regpid" 2>/dev/null
wait "$regpid" 2>/dev/null
