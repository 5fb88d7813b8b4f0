# banger image register (issue 9): an ext4 root the user has, made an
# image.  The file is copied (the user's stays byte for byte as it was),
# checked with libext2fs and labelled; VMs boot it with banger's agent
# as its init, since it has no agent of its own.  What is not an ext4
# root with a /bin/sh is refused and registers nothing.
. "$REGRESS/test-lib.sh"

# A root of our own: a static busybox, /bin/sh, an os-release to tell it.
R=$W/root
mkdir -p "$R/bin" "$R/etc" || fatal "mkdir"
cp /bin/busybox "$R/bin/busybox" || fatal "no /bin/busybox (busybox-static)"
for a in sh cat ls echo; do
	ln -s busybox "$R/bin/$a" || fatal "ln"
done
printf 'ID=regress\nNAME="a root of the regress suite"\n' >"$R/etc/os-release"
mkext4() {
	truncate -s 64M "$1" && mkfs.ext4 -q -F -L mine -d "$2" "$1" &&
	    chmod 0644 "$1"
}
img=$W/root.ext4
mkext4 "$img" "$R" || fatal "mkfs.ext4"
sum=$(sha256sum <"$img")

images=$(state_dir t1)/images
registered() {
	run t1 image list --json
	jq -e --arg n "$1" '.[] | select(.name == $n and .rootfs)' "$W/out" \
	    >/dev/null
}

run t1 image register --name reg --rootfs "$img"
expect_rc 0 "image register reg"
grep -q "registering image reg" "$W/err" || fail "no progress: $(cat "$W/err")"
[ "$(sha256sum <"$img")" = "$sum" ] && ok "the user's file is unchanged" ||
    fail "image register changed the user's file"
registered reg && ok "image list has reg, a full image" ||
    fail "image list lacks reg: $(cat "$W/out")"
label=$(e2label "$images/reg/rootfs.ext4" 2>/dev/null)
[ "$label" = banger-root ] || fail "the copy is labelled '$label'"

run t1 vm run --rm --image reg -- cat /etc/os-release
expect_rc 0 "vm run --image reg"
grep -qx "ID=regress" "$W/out" && ok "the registered root booted" ||
    fail "vm run --image reg printed: $(cat "$W/out")"
run t1 vm run --rm --image reg -- sh -c 'cat /proc/1/comm; echo ok >/tmp/x && cat /tmp/x'
expect_rc 0 "vm run --image reg, pid 1"
[ "$(cat "$W/out")" = "$(printf 'agent\nok')" ] &&
    ok "banger's agent is the root's init" ||
    fail "pid 1 and /tmp: $(cat "$W/out")"
# The changes a VM makes stay its own.
run t1 vm create --name rg1 --image reg
expect_rc 0 "vm create rg1 --image reg"
run t1 vm exec rg1 -- sh -c 'echo changed >/etc/os-release'
expect_rc 0 "vm exec rg1"
run t1 vm run --rm --image reg -- cat /etc/os-release
grep -qx "ID=regress" "$W/out" || fail "one VM's change reached the image"
# No ssh server: an interactive session is refused with what to do.
run t1 vm run --rm --image reg
expect_rc 125 "vm run --image reg with no command"
grep -q "no ssh server" "$W/err" || fail "interactive refusal: $(cat "$W/err")"

# Refusals register nothing and leave no build directory.
refused() {
	expect_rc "$1" "image register $2"
	grep -q "$3" "$W/err" && ok "refused: $3" ||
	    fail "image register $2: '$(cat "$W/err")', wanted '$3'"
	[ -e "$images/$2" ] && fail "a refused register left $images/$2"
	[ -e "$images/$2.build" ] && fail "a refused register left $2.build"
	registered "$2" && fail "a refused register listed $2"
	return 0
}
head -c 4M /dev/zero >"$W/zero.img" && chmod 0644 "$W/zero.img"
run t1 image register --name bad1 --rootfs "$W/zero.img"
refused 125 bad1 "is not an ext2/3/4 file system image"
mkdir -p "$W/nosh/etc"
mkext4 "$W/nosh.ext4" "$W/nosh" || fatal "mkfs.ext4"
run t1 image register --name bad2 --rootfs "$W/nosh.ext4"
refused 125 bad2 "no /bin/sh"
run t1 image register --name reg --rootfs "$img"
expect_rc 125 "image register reg again"
grep -q "image reg exists" "$W/err" || fail "a second reg: $(cat "$W/err")"
run t1 image register --name tiny --rootfs "$img"
refused 125 tiny "built-in image"
run t1 image register --name bad3 --rootfs "$W/nonexistent.ext4"
refused 2 bad3 "nonexistent.ext4"
run t1 image register --name bad4
expect_rc 2 "image register without --rootfs"

# An image a VM is made from stays; then it goes.
run t1 image delete reg
expect_rc 125 "image delete reg while rg1 uses it"
run t1 vm delete rg1
expect_rc 0 "vm delete rg1"
run t1 image delete reg
expect_rc 0 "image delete reg"
[ -e "$images/reg" ] && fail "image delete left $images/reg"
