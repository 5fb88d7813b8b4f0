# The image a VM was created with is the image that boots, also when
# another image is present (a second image used to be replaced by the
# default at boot: `--image alt` booted tiny, `--image tiny` booted
# debian-bookworm).  The second image, "alt", is tiny's kernel and
# initramfs with one more file appended to the initramfs; the guest
# tells which one booted.
. "$REGRESS/test-lib.sh"

alt=$(state_dir t1)/images/alt
mkdir -p "$W/extra/etc" "$alt" || fatal "mkdir"
echo alt >"$W/extra/etc/banger-image"
# newc archives concatenate; the kernel unpacks both.
(cd "$W/extra" && printf 'etc\netc/banger-image\n' |
    cpio -o -H newc --owner 0:0 --quiet) >"$W/extra.cpio" ||
    fatal "cpio"
# The second archive must start on a 4-byte boundary: pad the first.
cp "$IMAGES/initrd.img" "$alt/initrd.img" || fatal "cp"
sz=$(stat -c %s "$alt/initrd.img")
truncate -s $(( (sz + 511) / 512 * 512 )) "$alt/initrd.img" || fatal "truncate"
cat "$W/extra.cpio" >>"$alt/initrd.img" || fatal "cat"
for k in vmlinux vmlinuz; do
	[ -f "$IMAGES/$k" ] && cp "$IMAGES/$k" "$alt/$k"
done
chown -R "$(user_uid t1):$(user_gid t1)" "$(user_home t1)/.local" ||
    fatal "chown"

run t1 image list --json
expect_rc 0 "image list"
jq -e '.[] | select(.name == "alt")' "$W/out" >/dev/null ||
    fail "image list lacks alt"

# Command mode, each image by name.
run t1 vm run --rm --image alt -- cat /etc/banger-image
expect_rc 0 "vm run --image alt"
grep -q "image alt" "$W/err" || fail "spec line does not name alt"
[ "$(cat "$W/out")" = alt ] || fail "--image alt booted another image"
run t1 vm run --rm --image tiny -- sh -c 'test -e /etc/banger-image && echo alt || echo tiny'
expect_rc 0 "vm run --image tiny"
[ "$(cat "$W/out")" = tiny ] || fail "--image tiny booted another image"

# A kept VM: create, then stop and start; what `vm show` says boots.
run t1 vm create --name a1 --image alt
expect_rc 0 "vm create --image alt"
run t1 vm show --json a1
[ "$(jq -r .image "$W/out")" = alt ] ||
    fail "vm show: image '$(jq -r .image "$W/out")'"
run t1 vm exec a1 -- cat /etc/banger-image
expect_rc 0 "vm exec a1"
[ "$(cat "$W/out")" = alt ] || fail "a1 (created) did not boot alt"
run t1 vm stop a1
expect_rc 0 "vm stop a1"
run t1 vm start a1
expect_rc 0 "vm start a1"
run t1 vm exec a1 -- cat /etc/banger-image
expect_rc 0 "vm exec a1 after start"
[ "$(cat "$W/out")" = alt ] || fail "a1 (restarted) did not boot alt"
run t1 vm delete a1
expect_rc 0 "vm delete a1"

# image show and image delete.  An image a VM was made from stays.
run t1 vm create --name a2 --image alt --no-start
expect_rc 0 "vm create a2 --image alt --no-start"
run t1 image show alt
expect_rc 0 "image show alt"
grep -qx "vms        a2" "$W/out" || fail "image show alt: $(cat "$W/out")"
run t1 image show --json alt
[ "$(jq -c '[.name, .rootfs, .vms]' "$W/out")" = '["alt",false,["a2"]]' ] ||
    fail "image show --json alt: $(cat "$W/out")"
run t1 image delete alt
expect_rc 125 "image delete alt while a2 is made from it"
grep -q "image alt is used by 1 VM (a2); delete it first" "$W/err" ||
    fail "image delete alt refused with: $(cat "$W/err")"
[ -f "$alt/initrd.img" ] || fail "a refused image delete removed files"
run t1 image delete tiny
expect_rc 125 "image delete tiny"
grep -q "built-in image" "$W/err" || fail "image delete tiny: $(cat "$W/err")"
run t1 image delete nosuch
expect_rc 125 "image delete nosuch"
grep -q "no image named nosuch" "$W/err" || fail "image delete nosuch: $(cat "$W/err")"
run t1 image show nosuch
expect_rc 125 "image show nosuch"
run t1 image delete ../x
expect_rc 2 "image delete ../x"
run t1 vm delete a2
expect_rc 0 "vm delete a2"
run t1 image delete alt
expect_rc 0 "image delete alt"
[ -e "$alt" ] && fail "image delete alt left $alt"
run t1 image list --json
jq -e '.[] | select(.name == "alt")' "$W/out" >/dev/null &&
    fail "image list still has alt"

# What a crash in the middle of a delete leaves goes at the next start.
mkdir -p "$alt.delete/x" && chown -R "$(user_uid t1):$(user_gid t1)" "$alt.delete"
run t1 daemon stop
expect_rc 0 "daemon stop"
run t1 image list
expect_rc 0 "image list (a new bangerd)"
[ -e "$alt.delete" ] && fail "a new bangerd left $alt.delete"
