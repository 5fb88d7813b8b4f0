# banger kernel list|import|delete and --kernel (issue 9): a kernel the
# user has, a Debian vmlinuz (bzImage) with its modules tree, made one
# banger can boot: the ELF kernel extracted (byte for byte what
# images/extract-vmlinux.sh makes), banger's initramfs with the kernel's
# own modules appended, images made with it boot it.  Bad input is
# refused and leaves nothing in the kernel store.
. "$REGRESS/test-lib.sh"

# images/out/.kernel names the unpacked package, relative to images/.
tree=$(cat "$TOP/images/out/.kernel" 2>/dev/null)
case $tree in
"" | /*) ;;
*) tree=$TOP/images/$tree ;;
esac
[ -n "$tree" ] && [ -d "$tree/lib/modules" ] ||
    skip "no unpacked kernel package (make images)"
rel=$(ls "$tree/lib/modules")
[ -n "$rel" ] || skip "no modules in $tree"
# The user's copies, where the test user can read them.
cp "$tree"/boot/vmlinuz-"$rel" "$W/vmlinuz" && mkdir -p "$W/mods" &&
    cp -r "$tree/lib/modules/$rel" "$W/mods/$rel" &&
    chmod -R a+rX "$W/vmlinuz" "$W/mods" || fatal "copying the kernel"

kernels=$(state_dir t1)/kernels
images=$(state_dir t1)/images
klist() {
	run t1 kernel list --json
	expect_rc 0 "kernel list --json"
}
kfield() { # NAME FIELD
	jq -r --arg n "$1" ".[] | select(.name == \$n) | .$2" "$W/out"
}

klist
[ "$(kfield tiny release)" = "$rel" ] && [ "$(kfield tiny source)" = \
    "make images" ] && ok "kernel list has tiny, release $rel" ||
    fail "tiny in kernel list: $(cat "$W/out")"

run t1 kernel import --modules "$W/mods/$rel" k1 "$W/vmlinuz"
expect_rc 0 "kernel import k1"
grep -q "extracting the ELF kernel" "$W/err" && grep -q \
    "gathering the guest's modules" "$W/err" && ok "import shows progress" ||
    fail "import progress: $(cat "$W/err")"
klist
[ "$(kfield k1 release)" = "$rel" ] && [ "$(kfield k1 forms)" = \
    "vmlinux vmlinuz" ] && ok "k1: release $rel, vmlinux and vmlinuz" ||
    fail "k1 in kernel list: $(cat "$W/out")"
n=$(kfield k1 modules)
[ "$n" = "$(kfield tiny modules)" ] && [ "$n" -ge 6 ] &&
    ok "k1 has the tiny kernel's $n modules" ||
    fail "k1 has $n modules, tiny $(kfield tiny modules)"
cmp -s "$kernels/k1/vmlinux" "$TOP/images/out/vmlinux" &&
    ok "the extracted vmlinux is extract-vmlinux.sh's, byte for byte" ||
    fail "k1's vmlinux differs from images/out/vmlinux"
cmp -s "$kernels/k1/vmlinuz" "$W/vmlinuz" && ok "the bzImage is kept" ||
    fail "k1's vmlinuz differs from the source"
# banger's initramfs, then an archive of this kernel's modules.
tsize=$(stat -c %s "$IMAGES/initrd.img")
cmp -s -n "$tsize" "$kernels/k1/initrd.img" "$IMAGES/initrd.img" ||
    fail "k1's initrd.img does not start with banger's"
tail -c +$((tsize + 1)) "$kernels/k1/initrd.img" | cpio -it 2>/dev/null \
    >"$W/appended"
grep -qx "lib/modules/virtio_blk.ko" "$W/appended" &&
    grep -qx "lib/modules/load" "$W/appended" &&
    ok "the kernel's modules and load list are appended" ||
    fail "appended archive: $(cat "$W/appended")"

# An image that boots k1: the copy in the image, the release in the VM.
R=$W/root
mkdir -p "$R/bin" "$R/etc" && cp /bin/busybox "$R/bin/busybox" &&
    ln -s busybox "$R/bin/sh" && ln -s busybox "$R/bin/cat" &&
    ln -s busybox "$R/bin/uname" || fatal "root"
truncate -s 64M "$W/root.ext4" && mkfs.ext4 -q -F -L mine -d "$R" \
    "$W/root.ext4" && chmod 0644 "$W/root.ext4" || fatal "mkfs.ext4"
run t1 image register --name rk --kernel k1 --rootfs "$W/root.ext4"
expect_rc 0 "image register --kernel k1"
run t1 image show --json rk
[ "$(jq -r .kernel "$W/out")" = k1 ] && ok "image show says kernel k1" ||
    fail "image show rk: $(cat "$W/out")"
cmp -s "$images/rk/initrd.img" "$kernels/k1/initrd.img" &&
    cmp -s "$images/rk/vmlinux" "$kernels/k1/vmlinux" &&
    ok "the image holds k1's kernel and initramfs" ||
    fail "rk's kernel files are not k1's"
run t1 vm run --rm --image rk -- sh -c 'uname -r; cat /proc/modules'
expect_rc 0 "vm run --image rk"
[ "$(head -n 1 "$W/out")" = "$rel" ] && grep -q "^virtio_blk " "$W/out" &&
    ok "the VM runs $rel with the appended modules loaded" ||
    fail "uname -r and /proc/modules: $(cat "$W/out")"

# __complete offers kernel names.
run t1 __complete kernels
grep -qx tiny "$W/out" && grep -qx k1 "$W/out" &&
    ok "completion offers tiny and k1" || fail "__complete kernels: $(cat "$W/out")"

# ---- kernels through a signed catalog ------------------------------------
# t1 bundles k1; a catalog offers it and an image entry that boots it; t2,
# who never imported it, pulls the kernel (and boots it) and the image.
SIGN=$OBJDIR/sign/banger-sign
PY=/usr/bin/python3
[ -x "$SIGN" ] || fatal "no $SIGN (make)"
[ -x "$PY" ] || fatal "no $PY"
h1=$(user_home t1)
rm -f "$h1/k1.tar.zst" "$h1/cimg.tar.zst"
run t1 kernel bundle -o "$h1/k1.tar.zst" k1
expect_rc 0 "kernel bundle k1"
grep -q "bundle .* size [0-9]* sha256 [0-9a-f]*" "$W/err" &&
    ok "kernel bundle says its size and sha256" || fail "kernel bundle: $(cat "$W/err")"
[ "$(zstd -dc "$h1/k1.tar.zst" | tar -tf - | sort | tr '\n' ' ')" = \
    "manifest.json modules.cpio vmlinux " ] &&
    ok "the kernel bundle holds manifest.json, vmlinux, modules.cpio" ||
    fail "kernel bundle members: $(zstd -dc "$h1/k1.tar.zst" | tar -tf -)"
run t1 kernel bundle -o "$h1/tiny.tar.zst" tiny
expect_rc 125 "kernel bundle tiny"
# An image bundle of the catalog (made by banger-fetch as bundle-image
# does) whose entry boots k1.
mkdir -p "$W/cimg" && cp "$W/root.ext4" "$W/cimg/rootfs.ext4" &&
    chmod -R a+rX "$W/cimg" || fatal "cimg"
as_user t1 "$BIN/banger-fetch" bundle-image cimg "$W/cimg" \
    "$h1/cimg.tar.zst" 3>/dev/null >/dev/null 2>&1 || fatal "bundle-image"
WWW=$W/www
mkdir -p "$WWW/kernels" "$WWW/bundles" && cp "$h1/k1.tar.zst" \
    "$WWW/kernels/k1.tar.zst" && cp "$h1/cimg.tar.zst" \
    "$WWW/bundles/cimg.tar.zst" || fatal "www"
"$SIGN" keygen "$W/k.key" "$W/k.pub" >/dev/null || fatal "keygen"
"$SIGN" add-kernel "$WWW/catalog.json" k1 kernels/k1.tar.zst \
    "$WWW/kernels/k1.tar.zst" >"$W/sign.out" 2>&1 &&
    grep -q "release $rel, $n modules" "$W/sign.out" &&
    ok "banger-sign add-kernel checks the bundle: $rel, $n modules" ||
    fail "banger-sign add-kernel: $(cat "$W/sign.out")"
"$SIGN" add --kernel k1 "$WWW/catalog.json" cimg bundles/cimg.tar.zst \
    "$WWW/bundles/cimg.tar.zst" >/dev/null &&
    "$SIGN" sign "$WWW/catalog.json" "$W/k.key" >/dev/null ||
    fatal "banger-sign add/sign"
chmod -R a+rX "$WWW"
cp "$W/k.pub" "$TESTROOT/catalog.d/regress-kernel.pub" &&
    chmod 0644 "$TESTROOT/catalog.d/regress-kernel.pub" || fatal "key"
# A kernel bundle whose vmlinux is not a kernel is not signed.
mkdir -p "$W/badk" && printf '{"name": "bad", "release": "%s", "created": 0}' \
    "$rel" >"$W/badk/manifest.json" && head -c 4096 /dev/zero \
    >"$W/badk/vmlinux" && tar -C "$W/badk" -cf - manifest.json vmlinux |
    zstd -q >"$W/badk.tar.zst" || fatal "badk"
"$SIGN" add-kernel "$W/other.json" bad x "$W/badk.tar.zst" \
    >/dev/null 2>"$W/sign.err" &&
    fail "banger-sign add-kernel took a bundle whose vmlinux is no kernel" ||
    ok "banger-sign add-kernel refuses a bundle clients would refuse"
PORT=8767
ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$PY" "$REGRESS/static-http.py" "$WWW" "$PORT" >"$W/http.out" \
    2>"$W/http.log" &
wait_until 20 grep -q ready "$W/http.out" ||
    fatal "the HTTP server did not start: $(cat "$W/http.log")"
h2=$(user_home t2)
mkdir -p "$h2/.config/banger"
printf 'catalog_url = "http://127.0.0.1:%s/catalog.json"\n' "$PORT" \
    >"$h2/.config/banger/config.toml"
chown -R "$(user_uid t2):$(user_gid t2)" "$h2/.config"
k2s=$(state_dir t2)/kernels
# A higher serial an older banger recorded in the cache still counts.
u2=$(user_name t2)
for d in "$h2/.cache" "$h2/.cache/banger" "$h2/.cache/banger/catalog" \
    "$h2/.cache/banger/catalog/catalog"; do
	install -d -m 0700 -o "$u2" "$d" || fatal "install -d $d"
done
oldser=$h2/.cache/banger/catalog/catalog/serial-$(printf %s \
    "http://127.0.0.1:$PORT/catalog.json" | sha256sum | cut -d' ' -f1)
echo 999 >"$oldser" && chown "$u2" "$oldser"
run t2 kernel pull k1
[ "$RC" != 0 ] && grep -q "rolled back" "$W/err" &&
    ok "a serial recorded where an older banger kept it still counts" ||
    fail "old serial file ignored: $RC $(cat "$W/err")"
rm -f "$oldser"
run t2 kernel pull k1
expect_rc 0 "t2: kernel pull k1"
set -- "$(state_dir t2)"/catalog/serial-*
[ -f "$1" ] && [ "$(cat "$1")" -ge 1 ] &&
    ok "the catalog's serial is kept in the state directory" ||
    fail "no serial in $(state_dir t2)/catalog: $(ls -a "$(state_dir t2)/catalog" 2>&1)"
cmp -s "$k2s/k1/vmlinux" "$kernels/k1/vmlinux" &&
    cmp -s "$k2s/k1/initrd.img" "$kernels/k1/initrd.img" &&
    ok "t2's k1 is t1's kernel and initramfs, byte for byte" ||
    fail "t2's pulled k1 differs from t1's"
run t2 kernel list --json
ksha=$(sha256sum "$WWW/kernels/k1.tar.zst" | cut -d' ' -f1)
[ "$(kfield k1 release)" = "$rel" ] && [ "$(kfield k1 modules)" = "$n" ] &&
    [ "$(kfield k1 source)" = "catalog:k1@sha256:$ksha" ] &&
    ok "t2's kernel list: k1, $rel, $n modules, from the catalog" ||
    fail "t2's kernel list: $(cat "$W/out")"
run t2 kernel pull k1
expect_rc 125 "t2: kernel pull k1 again"
# A kernel entry whose bundle is whole and signed but holds no kernel
# (listed by hand: banger-sign refuses it): refused, not kept cached.
cp "$W/badk.tar.zst" "$WWW/kernels/bad.tar.zst"
bsha=$(sha256sum "$WWW/kernels/bad.tar.zst" | cut -d' ' -f1)
jq --arg s "$bsha" --argjson n "$(stat -c %s "$WWW/kernels/bad.tar.zst")" \
    '.serial += 1 | .kernels += [{"name": "bad", "url":
    "kernels/bad.tar.zst", "size": $n, "sha256": $s}]' \
    "$WWW/catalog.json" >"$W/c.json" && mv "$W/c.json" "$WWW/catalog.json" &&
    "$SIGN" sign "$WWW/catalog.json" "$W/k.key" >/dev/null &&
    chmod -R a+rX "$WWW" || fatal "listing bad"
run t2 kernel pull bad
[ "$RC" != 0 ] && grep -q "vmlinux" "$W/err" &&
    ok "a signed kernel bundle holding no kernel is refused" ||
    fail "kernel pull bad: $RC $(cat "$W/err")"
[ -e "$k2s/bad" ] && fail "a refused kernel pull left kernels/bad"
[ -e "$h2/.cache/banger/catalog/bundles/$bsha" ] &&
    fail "the refused bundle stayed in the cache" ||
    ok "the refused bundle is not kept in the cache"
run t2 kernel pull nosuch
[ "$RC" != 0 ] && grep -q "has no kernel nosuch" "$W/err" &&
    ok "a kernel the catalog lacks is refused" ||
    fail "kernel pull nosuch: $RC $(cat "$W/err")"
[ -e "$k2s/nosuch" ] && fail "a refused kernel pull left nosuch"
run t2 image register --name rk --kernel k1 --rootfs "$W/root.ext4"
expect_rc 0 "t2: image register --kernel k1 (pulled)"
run t2 vm run --rm --image rk -- uname -r
[ "$RC" = 0 ] && [ "$(cat "$W/out")" = "$rel" ] &&
    ok "t2 boots the pulled kernel" ||
    fail "t2 vm run --image rk: exit $RC, $(cat "$W/out")"
run t2 image delete rk
# The catalog's image that boots k1: the kernel comes with it.
run t2 kernel delete k1
expect_rc 0 "t2: kernel delete k1"
run t2 image pull cimg
expect_rc 0 "t2: image pull cimg (its entry boots the catalog's k1)"
i2=$(state_dir t2)/images/cimg
cmp -s "$i2/vmlinux" "$kernels/k1/vmlinux" &&
    cmp -s "$i2/initrd.img" "$kernels/k1/initrd.img" &&
    [ ! -e "$i2/modules.cpio" ] &&
    ok "the image has the catalog's k1, its initramfs made here" ||
    fail "cimg's kernel files are not k1's"
run t2 image show --json cimg
[ "$(jq -r .kernel "$W/out")" = k1 ] && ok "image show: kernel k1" ||
    fail "image show cimg: $(cat "$W/out")"
[ -e "$k2s/k1" ] && fail "an image pull put k1 in t2's kernels"
run t2 image delete cimg
rm -f "$TESTROOT/catalog.d/regress-kernel.pub" "$h2/.config/banger/config.toml"

# An ELF vmlinux with no modules: one form, no modules, said so.
cp "$TOP/images/out/vmlinux" "$W/vmlinux" && chmod 0644 "$W/vmlinux" ||
    fatal "cp vmlinux"
run t1 kernel import k2 "$W/vmlinux"
expect_rc 0 "kernel import k2 (ELF)"
grep -q "the guest loads no modules" "$W/err" ||
    fail "no warning about the missing modules: $(cat "$W/err")"
klist
[ "$(kfield k2 forms)" = vmlinux ] && [ "$(kfield k2 modules)" = 0 ] &&
    [ "$(kfield k2 release)" = "$rel" ] &&
    ok "k2: vmlinux only, no modules, release from its banner" ||
    fail "k2 in kernel list: $(cat "$W/out")"

# Refusals leave nothing behind.
refused() { # RC NAME TEXT
	expect_rc "$1" "kernel import $2"
	grep -q "$3" "$W/err" && ok "refused: $3" ||
	    fail "kernel import $2: '$(cat "$W/err")', wanted '$3'"
	[ -e "$kernels/$2" ] && fail "a refused import left $kernels/$2"
	[ -e "$kernels/$2.build" ] && fail "a refused import left $2.build"
	return 0
}
head -c 1M /dev/urandom >"$W/junk" && chmod 0644 "$W/junk"
run t1 kernel import bad1 "$W/junk"
refused 125 bad1 "not a Linux kernel"
mkdir -p "$W/nomods" && chmod 0755 "$W/nomods"
run t1 kernel import --modules "$W/nomods" bad2 "$W/vmlinuz"
refused 125 bad2 "neither in"
# Cut in half: the bzImage's payload runs past the file's end.
head -c $(($(stat -c %s "$W/vmlinuz") / 2)) "$W/vmlinuz" >"$W/short" &&
    chmod 0644 "$W/short"
run t1 kernel import bad3 "$W/short"
[ "$RC" = 125 ] && ok "a truncated bzImage is refused" ||
    fail "kernel import of a truncated bzImage: exit $RC"
[ -e "$kernels/bad3" ] && fail "a refused import left $kernels/bad3"
run t1 kernel import tiny "$W/vmlinuz"
refused 125 tiny "a name banger gives its own kernel"
run t1 kernel import k1 "$W/vmlinuz"
expect_rc 125 "kernel import k1 again"
grep -q "kernel k1 exists" "$W/err" || fail "a second k1: $(cat "$W/err")"
run t1 image register --name rk2 --kernel nope --rootfs "$W/root.ext4"
expect_rc 125 "image register --kernel nope"
grep -q "no kernel named nope" "$W/err" && ok "an unknown kernel is refused" ||
    fail "--kernel nope: $(cat "$W/err")"
[ -e "$images/rk2" ] || [ -e "$images/rk2.build" ] &&
    fail "a refused register left rk2"

# Deleting a kernel leaves the images made with it whole.
run t1 kernel delete tiny
expect_rc 125 "kernel delete tiny"
run t1 kernel delete k1
expect_rc 0 "kernel delete k1"
[ -e "$kernels/k1" ] && fail "kernel delete left $kernels/k1"
run t1 vm run --rm --image rk -- uname -r
[ "$RC" = 0 ] && [ "$(cat "$W/out")" = "$rel" ] &&
    ok "an image of a deleted kernel still boots it" ||
    fail "vm run --image rk after kernel delete: exit $RC, $(cat "$W/out")"
run t1 kernel delete k1
expect_rc 125 "kernel delete k1 again"
run t1 image delete rk
run t1 kernel delete k2
expect_rc 0 "kernel delete k2"
