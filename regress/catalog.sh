# The signed image catalog (issue 9), banger-fetch's side: a catalog made
# with banger-sign and a bundle made with `banger-fetch bundle-image`,
# served by a static HTTP server (python3's, with byte ranges) on the test
# namespace's loopback, pulled by `banger-fetch catalog-pull` run directly
# as t1: a good pull, a resumed one, and refusals (another key, a changed
# catalog, a rolled-back serial, a bundle larger or shorter than its
# entry, another sha256, an extra member, a kernel the user lacks) that
# leave no bundle under its final name in the cache.
. "$REGRESS/test-lib.sh"

PY=/usr/bin/python3
SIGN=$OBJDIR/sign/banger-sign
[ -x "$PY" ] || skip "no $PY"
command -v zstd >/dev/null || skip "no zstd"
command -v mkfs.ext4 >/dev/null || command -v /usr/sbin/mkfs.ext4 \
    >/dev/null || skip "no mkfs.ext4"
[ -x "$SIGN" ] || fatal "no $SIGN (make)"
assert_ns
ip -n "$NS" link set lo up
PATH=$PATH:/usr/sbin:/sbin

T1=$(user_uid t1):$(user_gid t1)
U=$W/u
WWW=$W/www
rm -rf "$U" "$WWW" "$W/img" "$W/tree" "$W/kernel" "$W/keys" "$W/keys2" \
    "$W/keys3" "$W/keys4"
mkdir -p "$U" "$WWW/bundles" "$W/img" "$W/tree/srv" "$W/kernel" \
    "$W/keys" "$W/keys2" || fatal "mkdir"
chown "$T1" "$U"
chmod 0755 "$WWW" "$WWW/bundles" "$W/img" "$W/kernel" "$W/keys" "$W/keys2"

# The kernel directory the job copies from (its bytes are not booted here).
echo "not a kernel" >"$W/kernel/vmlinux"
echo "not an initramfs" >"$W/kernel/initrd.img"
chmod 0644 "$W/kernel/"*

# ---- the publisher: an ext4, a bundle, keys, a signed catalog ---------------
echo hello >"$W/tree/srv/hello"
head -c 300000 /dev/urandom >"$W/tree/srv/noise"
truncate -s 32M "$W/img/rootfs.ext4" &&
    mkfs.ext4 -q -F -d "$W/tree" "$W/img/rootfs.ext4" ||
    fatal "mkfs.ext4 -d"
chmod 0644 "$W/img/rootfs.ext4"

# job ARGS...: banger-fetch ARGS as t1 in the namespace; its fd-3 status
# lines in $W/status, exit status in RC.
job() {
	trace "[t1] banger-fetch $*"
	as_user t1 "$BIN/banger-fetch" "$@" 3>"$W/status" >"$W/out" \
	    2>"$W/err"
	RC=$?
	echo "  exit $RC"
	show "$W/status" status
	show "$W/err" stderr
}

job bundle-image img "$W/img" "$U/img.tar.zst"
expect_rc 0 "bundle-image"
B=$U/img.tar.zst
BSIZE=$(stat -c %s "$B" 2>/dev/null)
BSHA=$(sha256sum "$B" | cut -d' ' -f1)
grep -qx "progress bundle $B size $BSIZE sha256 $BSHA" "$W/status" &&
    ok "bundle-image says the bundle's size and sha256" ||
    fail "no size and sha256 line"
[ "$(zstd -dc "$B" | tar -tf - | tr '\n' ' ')" = "manifest.json rootfs.ext4 " ] &&
    ok "the bundle holds manifest.json and rootfs.ext4" ||
    fail "members: $(zstd -dc "$B" | tar -tf - | tr '\n' ' ')"
job bundle-image img "$W/img" "$U/img.tar.zst"
expect_rc 1 "bundle-image over an existing file"
[ "$(stat -c %s "$B")" = "$BSIZE" ] && ok "the existing bundle is untouched" ||
    fail "the existing bundle changed"
cp "$B" "$WWW/bundles/img.tar.zst"

"$SIGN" keygen "$W/k.sec" "$W/keys/good.pub" >/dev/null &&
    "$SIGN" keygen "$W/k2.sec" "$W/keys2/other.pub" >/dev/null ||
    fatal "banger-sign keygen"
chmod 0644 "$W/keys/good.pub" "$W/keys2/other.pub"

# publish DIR NAME URL BUNDLE [SECRET]: an entry in $WWW/DIR/catalog.json,
# signed.
publish() {
	mkdir -p "$WWW/$1" && chmod 0755 "$WWW/$1"
	"$SIGN" add "$WWW/$1/catalog.json" "$2" "$3" "$4" >/dev/null &&
	    "$SIGN" sign "$WWW/$1/catalog.json" "${5:-$W/k.sec}" >/dev/null ||
	    fatal "banger-sign add/sign $1"
	chmod 0644 "$WWW/$1/catalog.json" "$WWW/$1/catalog.json.sig"
}

# publish_as DIR URL FILE: as publish, but the entry's size and sha256
# are FILE's, a bundle banger-sign add itself would refuse to sign (the
# server's lie, as a client meets it).
publish_as() {
	publish "$1" img "$2" "$B"
	"$PY" - "$WWW/$1/catalog.json" "$(stat -c %s "$3")" \
	    "$(sha256sum "$3" | cut -d' ' -f1)" <<'PYEOF' || fatal "publish_as $1"
import json, sys
c = json.load(open(sys.argv[1]))
c["entries"][0]["size"], c["entries"][0]["sha256"] = int(sys.argv[2]), sys.argv[3]
open(sys.argv[1], "w").write(json.dumps(c, indent=2) + "\n")
PYEOF
	"$SIGN" sign "$WWW/$1/catalog.json" "$W/k.sec" >/dev/null ||
	    fatal "banger-sign sign $1"
	chmod 0644 "$WWW/$1/catalog.json" "$WWW/$1/catalog.json.sig"
}

publish good img ../bundles/img.tar.zst "$B"
"$SIGN" verify "$WWW/good/catalog.json" "$W/keys/good.pub" >/dev/null &&
    ok "banger-sign verify: good" || fail "banger-sign verify"
"$SIGN" verify "$WWW/good/catalog.json" "$W/keys2/other.pub" 2>/dev/null &&
    fail "banger-sign verify took another key" ||
    ok "banger-sign verify: another key refused"

# ---- the server ---------------------------------------------------------------
PORT=8765
: >"$W/http.log"
ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$PY" "$REGRESS/static-http.py" "$WWW" "$PORT" >"$W/http.out" 2>"$W/http.log" &
for _i in $(seq 100); do
	grep -q ready "$W/http.out" 2>/dev/null && break
	sleep 0.1
done
grep -q ready "$W/http.out" || fatal "the HTTP server did not start: $(cat "$W/http.log")"
URL=http://127.0.0.1:$PORT

# pull NAME OUT CACHE CATALOG_DIR [KEYDIR]: catalog-pull as t1 into fresh
# $U/OUT, cache $U/CACHE (kept between pulls).
pull() {
	rm -rf "$U/$2"
	mkdir -p "$U/$2" "$U/$3" && chown "$T1" "$U/$2" "$U/$3"
	job catalog-pull "$1" "$U/$2" "$W/kernel" "$U/$3" \
	    "$URL/$4/catalog.json" --keys "${5:-$W/keys}"
}

serial_file() {
	echo "$U/$1/catalog/serial-$(printf %s "$URL/$2/catalog.json" |
	    sha256sum | cut -d' ' -f1)"
}

# refused WHAT PATTERN CACHE SHA: exit 1, the error says PATTERN, no
# bundle SHA under its final name.
refused() {
	expect_rc 1 "$1"
	grep -q "^error .*$2" "$W/status" && ok "$1: the error says \"$2\"" ||
	    fail "$1: no error saying \"$2\""
	[ ! -e "$U/$3/bundles/$4" ] && ok "$1: no bundle in the cache" ||
	    fail "$1: a bundle under its final name"
}

# ---- a good pull ----------------------------------------------------------------
pull img o1 c1 good
expect_rc 0 "catalog-pull"
cmp -s "$U/o1/rootfs.ext4" "$W/img/rootfs.ext4" &&
    ok "rootfs.ext4 is the image's" || fail "rootfs.ext4 differs"
[ "$(stat -c %b "$U/o1/rootfs.ext4")" -lt 32768 ] &&
    ok "rootfs.ext4 kept its holes" || fail "rootfs.ext4 is not sparse"
cmp -s "$U/o1/vmlinux" "$W/kernel/vmlinux" &&
    cmp -s "$U/o1/initrd.img" "$W/kernel/initrd.img" &&
    ok "the kernel and initramfs copied" || fail "kernel files"
[ ! -e "$U/o1/agent-init" ] && ok "no agent-init marker" ||
    fail "an agent-init marker"
printf 'ref catalog:img\ndigest sha256:%s\n' "$BSHA" >"$W/want-source"
cmp -s "$U/o1/source" "$W/want-source" && ok "source names the bundle" ||
    fail "source: $(cat "$U/o1/source" 2>/dev/null)"
[ "$(cat "$(serial_file c1 good)" 2>/dev/null)" = 1 ] &&
    ok "serial 1 recorded" || fail "serial not recorded"
[ -f "$U/c1/bundles/$BSHA" ] && [ ! -e "$U/c1/bundles/$BSHA.partial" ] &&
    ok "the bundle cached by its sha256" || fail "bundle cache"
grep -q "^progress downloading img" "$W/status" && ok "download progress" ||
    fail "no download progress"
# Again from the cache: no second download.
GETS=$(grep -c "GET /bundles/img.tar.zst" "$W/http.log")
pull img o1 c1 good
expect_rc 0 "catalog-pull from the cache"
[ "$(grep -c "GET /bundles/img.tar.zst" "$W/http.log")" = "$GETS" ] &&
    ok "the cached bundle is not downloaded again" ||
    fail "downloaded again ($GETS before): $(tail -n 4 "$W/http.log")"

# ---- resumed ----------------------------------------------------------------------
mkdir -p "$U/c2/bundles"
head -c 100000 "$B" >"$U/c2/bundles/$BSHA.partial"
chown -R "$T1" "$U/c2"
pull img o2 c2 good
expect_rc 0 "a resumed pull"
grep -q '"GET /bundles/img.tar.zst HTTP/1.1" 206 .* range=bytes=100000-' \
    "$W/http.log" && ok "resumed at byte 100000" ||
    fail "not resumed: $(tail -n 3 "$W/http.log")"
grep -q "^progress resuming img at 100000" "$W/status" &&
    ok "the resume is said" || fail "no resume line"
cmp -s "$U/o2/rootfs.ext4" "$W/img/rootfs.ext4" &&
    ok "the resumed pull's rootfs.ext4 is the image's" ||
    fail "resumed rootfs.ext4 differs"

# ---- refusals --------------------------------------------------------------------
pull img o3 c3 good "$W/keys2"
refused "another key" "wrong signature" c3 "$BSHA"
# The right key, bound to another catalog ("catalog URL" lines): refused;
# bound to this one (among others): taken.
mkdir -p "$W/keys3" "$W/keys4" && chmod 0755 "$W/keys3" "$W/keys4"
{ cat "$W/keys/good.pub"; echo "catalog $URL/other/catalog.json"; } \
    >"$W/keys3/good.pub"
{ cat "$W/keys/good.pub"; echo "catalog $URL/other/catalog.json"
    echo "catalog $URL/good/catalog.json"; } >"$W/keys4/good.pub"
chmod 0644 "$W/keys3/good.pub" "$W/keys4/good.pub"
pull img o3 c3 good "$W/keys3"
refused "a key bound to another catalog" "trusted only for other catalogs" \
    c3 "$BSHA"
pull img o3b c3b good "$W/keys4"
expect_rc 0 "catalog-pull with a key bound to this catalog"

mkdir -p "$WWW/tampered" && chmod 0755 "$WWW/tampered"
sed 's/"img"/"imh"/' "$WWW/good/catalog.json" >"$WWW/tampered/catalog.json"
cp "$WWW/good/catalog.json.sig" "$WWW/tampered/"
chmod 0644 "$WWW/tampered/"*
pull imh o3 c3 tampered
refused "a changed catalog" "wrong signature" c3 "$BSHA"
printf 'AAAA\n' >"$WWW/tampered/catalog.json.sig"
pull imh o3 c3 tampered
refused "a signature that is not one" "wrong signature" c3 "$BSHA"

# Rolled back: serial 2 pulled, then serial 1 (validly signed) served.
publish roll img ../bundles/img.tar.zst "$B"
cp "$WWW/roll/catalog.json" "$W/roll1.json"
cp "$WWW/roll/catalog.json.sig" "$W/roll1.sig"
publish roll img ../bundles/img.tar.zst "$B"
pull img o4 c4 roll
expect_rc 0 "a pull at serial 2"
rm -f "$U/c4/bundles/$BSHA"
cp "$W/roll1.json" "$WWW/roll/catalog.json"
cp "$W/roll1.sig" "$WWW/roll/catalog.json.sig"
pull img o4 c4 roll
refused "a rolled-back catalog" "rolled back: serial 1 is older than 2" c4 \
    "$BSHA"
[ "$(cat "$(serial_file c4 roll)")" = 2 ] && ok "serial 2 still recorded" ||
    fail "the serial went back"

# A newer catalog whose bundle never arrives still shuts out the older
# one: its serial is recorded once its signature verifies.
publish roll2 img ../bundles/img.tar.zst "$B"
cp "$WWW/roll2/catalog.json" "$W/roll2-1.json"
cp "$WWW/roll2/catalog.json.sig" "$W/roll2-1.sig"
pull img o4b c4b roll2
expect_rc 0 "a pull at serial 1"
publish roll2 img ../bundles/gone.tar.zst "$B"
rm -f "$U/c4b/bundles/$BSHA"
pull img o4b c4b roll2
[ "$RC" = 1 ] || fail "a pull of a bundle that is not there: exit $RC"
cp "$W/roll2-1.json" "$WWW/roll2/catalog.json"
cp "$W/roll2-1.sig" "$WWW/roll2/catalog.json.sig"
pull img o4b c4b roll2
refused "serial 1 after a failed pull at serial 2" \
    "rolled back: serial 1 is older than 2" c4b "none"

# A bundle larger than its entry (the entry made from a shorter copy).
head -c $((BSIZE - 1000)) "$B" >"$W/short.tar.zst"
SHORT=$(sha256sum "$W/short.tar.zst" | cut -d' ' -f1)
publish_as size ../bundles/img.tar.zst "$W/short.tar.zst"
pull img o5 c5 size
refused "a bundle larger than its entry" "wrong size" c5 "$SHORT"
[ ! -e "$U/c5/bundles/$SHORT.partial" ] && ok "no partial kept" ||
    fail "a partial kept"

# Another sha256 with the right size.
cp "$B" "$W/flip.tar.zst"
printf 'X' | dd of="$W/flip.tar.zst" bs=1 seek=$((BSIZE - 100)) conv=notrunc \
    2>/dev/null
FLIP=$(sha256sum "$W/flip.tar.zst" | cut -d' ' -f1)
publish_as sha ../bundles/img.tar.zst "$W/flip.tar.zst"
pull img o6 c6 sha
refused "a bundle with another sha256" "wrong sha256" c6 "$FLIP"
[ ! -e "$U/c6/bundles/$FLIP.partial" ] && ok "no partial kept" ||
    fail "a partial kept"

# Truncated: the server has only part of the bundle.
cp "$W/short.tar.zst" "$WWW/bundles/short.tar.zst"
chmod 0644 "$WWW/bundles/short.tar.zst"
publish trunc img ../bundles/short.tar.zst "$B"
pull img o7 c7 trunc
refused "a truncated bundle" "truncated" c7 "$BSHA"
[ -e "$U/c7/bundles/$BSHA.partial" ] &&
    ok "the partial download is kept for a resume" || fail "no partial"

# An extra member, signed and whole.
mkdir -p "$W/extra" && zstd -dc "$B" | tar -C "$W/extra" -xSf - &&
    echo evil >"$W/extra/evil" &&
    tar -C "$W/extra" -cSf - manifest.json rootfs.ext4 evil |
    zstd -q >"$WWW/bundles/extra.tar.zst" || fatal "extra bundle"
chmod 0644 "$WWW/bundles/extra.tar.zst"
EXTRA=$(sha256sum "$WWW/bundles/extra.tar.zst" | cut -d' ' -f1)
publish_as extra ../bundles/extra.tar.zst "$WWW/bundles/extra.tar.zst"
"$SIGN" add "$W/refuse.json" img ../bundles/extra.tar.zst \
    "$WWW/bundles/extra.tar.zst" >/dev/null 2>"$W/sign.err" &&
    fail "banger-sign add signed a bundle with an extra member" ||
    { grep -q "bad member: evil" "$W/sign.err" &&
    ok "banger-sign add refuses a bundle clients would refuse" ||
    fail "banger-sign add: $(cat "$W/sign.err")"; }
pull img o8 c8 extra
refused "a bundle with an extra member" "bad member: evil" c8 "$EXTRA"

# A kernel the user has not imported, and a name the catalog lacks.
mkdir -p "$WWW/kern" && chmod 0755 "$WWW/kern"
sed 's/"tiny"/"big"/' "$WWW/good/catalog.json" >"$WWW/kern/catalog.json"
"$SIGN" sign "$WWW/kern/catalog.json" "$W/k.sec" >/dev/null ||
    fatal "sign kern"
chmod 0644 "$WWW/kern/"*
pull img o9 c9 kern
refused "a kernel the user lacks" "boots kernel big, which is not installed" c9 "$BSHA"
# banger-sign add --kernel and remove: the entry's kernel, the serial on.
cp "$WWW/good/catalog.json" "$W/k.json"
"$SIGN" add --kernel big "$W/k.json" img ../bundles/img.tar.zst \
    "$WWW/bundles/img.tar.zst" >/dev/null || fail "banger-sign add --kernel"
[ "$(jq -r '.entries[] | select(.name == "img") | .kernel' "$W/k.json")" = \
    big ] && ok "banger-sign add --kernel names the kernel" ||
    fail "add --kernel: $(cat "$W/k.json")"
s0=$(jq .serial "$W/k.json")
"$SIGN" remove "$W/k.json" img >/dev/null || fail "banger-sign remove"
[ "$(jq '.entries | length' "$W/k.json")" = 0 ] &&
    [ "$(jq .serial "$W/k.json")" = $((s0 + 1)) ] &&
    ok "banger-sign remove takes the entry out, serial $((s0 + 1))" ||
    fail "remove: $(cat "$W/k.json")"
"$SIGN" remove "$W/k.json" img 2>"$W/sign.err" &&
    fail "banger-sign remove of a name the catalog lacks" ||
    { grep -q "no image img" "$W/sign.err" &&
    ok "banger-sign remove: a missing name is an error" ||
    fail "remove again: $(cat "$W/sign.err")"; }
"$SIGN" add --kernel BAD "$W/k.json" img x "$WWW/bundles/img.tar.zst" \
    2>/dev/null && fail "banger-sign add took a bad kernel name"
# With the user's kernel "big" (`banger kernel import`): its files.
mkdir -p "$W/kernels/big" && cp "$W/kernel/vmlinux" "$W/kernels/big/" &&
    echo "big's initramfs" >"$W/kernels/big/initrd.img" &&
    chmod -R a+rX "$W/kernels" || fatal "kernels/big"
rm -rf "$U/o10"
mkdir -p "$U/o10" "$U/c10" && chown "$T1" "$U/o10" "$U/c10"
job catalog-pull img "$U/o10" "$W/kernel" "$U/c10" \
    "$URL/kern/catalog.json" --kernels "$W/kernels" --keys "$W/keys"
expect_rc 0 "catalog-pull of an entry with the user's kernel"
cmp -s "$U/o10/initrd.img" "$W/kernels/big/initrd.img" &&
    [ "$(cat "$U/o10/kernel" 2>/dev/null)" = big ] &&
    ok "the entry's kernel is the user's big, and recorded" ||
    fail "kernel big: $(cat "$U/o10/kernel" 2>/dev/null)"
pull nosuch o9 c9 good
refused "a name the catalog lacks" "has no image nosuch" c9 "$BSHA"
