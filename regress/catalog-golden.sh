# Build once, pull everywhere (issue 9): t1's debian-bookworm image (made
# by the golden test just before) bundled with `banger image bundle`,
# listed in a catalog signed with banger-sign, served by a static HTTP
# server on the test namespace's loopback; t2, who never built it, sets
# catalog_url, trusts the key and gets it with `banger image pull
# debian-bookworm`; with it deleted again, `vm run` with no --image pulls
# it on demand and boots it.  Run alone, without the golden image, the
# test is skipped.
. "$REGRESS/test-lib.sh"

PY=/usr/bin/python3
SIGN=$OBJDIR/sign/banger-sign
[ -x "$SIGN" ] || fatal "no $SIGN (make)"
src=$(state_dir t1)/images/debian-bookworm
[ -f "$src/rootfs.ext4" ] ||
    skip "t1 has no debian-bookworm image (the golden test builds it)"

WWW=$W/www
mkdir -p "$WWW/bundles" || fatal "mkdir"
chmod 0755 "$WWW" "$WWW/bundles"
h1=$(user_home t1)
rm -f "$h1/db.tar.zst"

run t1 image bundle debian-bookworm -o "$h1/db.tar.zst"
expect_rc 0 "image bundle debian-bookworm"
line=$(grep "bundle .* size [0-9]* sha256 [0-9a-f]*" "$W/err")
[ -n "$line" ] && ok "the bundle's size and sha256 shown" ||
    fail "no size and sha256 line: $(cat "$W/err")"
cp "$h1/db.tar.zst" "$WWW/bundles/db.tar.zst" || fatal "cp"
chmod 0644 "$WWW/bundles/db.tar.zst"
echo "  bundle: $(du -m "$WWW/bundles/db.tar.zst" | cut -f1) MiB for a" \
    "$(du -m "$src/rootfs.ext4" | cut -f1) MiB root"
run t1 image bundle debian-bookworm -o "$h1/db.tar.zst"
[ "$RC" -ne 0 ] && grep -q "exists" "$W/err" &&
    ok "an existing bundle file is not overwritten" ||
    fail "image bundle over an existing file: $RC $(cat "$W/err")"
run t1 image bundle tiny -o "$h1/tiny.tar.zst"
[ "$RC" -ne 0 ] && grep -q "only an image banger built" "$W/err" &&
    ok "an initramfs image is not bundled" || fail "bundle tiny: $(cat "$W/err")"

"$SIGN" keygen "$W/k.key" "$W/k.pub" >/dev/null || fatal "banger-sign keygen"
"$SIGN" add "$WWW/catalog.json" debian-bookworm bundles/db.tar.zst \
    "$WWW/bundles/db.tar.zst" >/dev/null || fatal "banger-sign add"
"$SIGN" sign "$WWW/catalog.json" "$W/k.key" >/dev/null ||
    fatal "banger-sign sign"
chmod 0644 "$WWW/catalog.json" "$WWW/catalog.json.sig"

PORT=8766
ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$PY" "$REGRESS/static-http.py" "$WWW" "$PORT" >"$W/http.out" \
    2>"$W/http.log" &
wait_until 20 grep -q ready "$W/http.out" ||
    fatal "the HTTP server did not start: $(cat "$W/http.log")"

# t2: the catalog, not yet its key.
h2=$(user_home t2)
mkdir -p "$h2/.config/banger"
printf 'catalog_url = "http://127.0.0.1:%s/catalog.json"\n' "$PORT" \
    >"$h2/.config/banger/config.toml"
chown -R "$(user_uid t2):$(user_gid t2)" "$h2/.config"
run t2 image pull debian-bookworm
[ "$RC" -ne 0 ] && grep -qi "signature\|key" "$W/err" &&
    ok "a catalog signed by a key t2 does not trust is refused" ||
    fail "untrusted catalog: $RC $(cat "$W/err")"
[ -e "$(state_dir t2)/images/debian-bookworm" ] &&
    fail "a refused catalog pull left an image"

cp "$W/k.pub" "$TESTROOT/catalog.d/regress.pub" && chmod 0644 \
    "$TESTROOT/catalog.d/regress.pub" || fatal "installing the key"
run t2 image pull debian-bookworm
expect_rc 0 "image pull debian-bookworm from the catalog"
cmp -s "$src/rootfs.ext4" "$(state_dir t2)/images/debian-bookworm/rootfs.ext4" &&
    ok "t2's root is t1's, byte for byte" ||
    fail "t2's rootfs.ext4 differs from t1's"
run t2 image show debian-bookworm
sha=$(sha256sum "$WWW/bundles/db.tar.zst" | cut -d' ' -f1)
grep -qx "source     catalog:debian-bookworm@sha256:$sha" "$W/out" &&
    ok "image show: from the catalog, with the bundle's sha256" ||
    fail "image show: $(cat "$W/out")"
run t2 image pull debian-bookworm --name other
[ "$RC" -ne 0 ] && grep -q "keeps its name" "$W/err" ||
    fail "a catalog image under another name: $RC $(cat "$W/err")"

# vm run with no --image: the default image, pulled from the catalog on
# demand when there is none.
run t2 image delete debian-bookworm
expect_rc 0 "image delete debian-bookworm (t2)"
with_timeout 600 run t2 vm run --rm -- \
    sh -c '. /etc/os-release; echo $ID; echo booted'
expect_rc 0 "vm run (no --image) with a catalog"
grep -q "pulling it from the catalog" "$W/err" &&
    ok "the default image was pulled on demand" ||
    fail "no pull on demand: $(cat "$W/err")"
[ "$(cat "$W/out")" = "$(printf 'debian\nbooted')" ] &&
    ok "t2 booted the image it pulled" || fail "vm run printed: $(cat "$W/out")"
grep -q "image debian-bookworm" "$W/err" ||
    fail "the VM's spec line does not name debian-bookworm: $(cat "$W/err")"

rm -f "$TESTROOT/catalog.d/regress.pub" "$h1/db.tar.zst" \
    "$h2/.config/banger/config.toml"
run t2 image delete debian-bookworm
