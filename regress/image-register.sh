# banger image register (issue 9): an ext4 root the user has, made an
# image.  The file is copied (the user's stays byte for byte as it was)
# and only its superblock read on the host; VMs boot it with banger's
# agent as its init, since it has no agent of its own.  What is not a
# cleanly unmounted ext4 is refused and registers nothing.
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
cmp -s "$img" "$images/reg/rootfs.ext4" && ok "the copy is the file" ||
    fail "the registered copy differs from the user's file"

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
run t1 vm exec rg1 -- cat /etc/os-release
[ "$(cat "$W/out")" = changed ] || fail "rg1's change did not stay in rg1"
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
# A journal to replay (the "needs_recovery" feature set by hand).
cp "$img" "$W/dirty.ext4" && chmod 0644 "$W/dirty.ext4"
debugfs -w -R "feature needs_recovery" "$W/dirty.ext4" >/dev/null 2>&1 ||
    fatal "debugfs"
run t1 image register --name bad2 --rootfs "$W/dirty.ext4"
refused 125 bad2 "was not cleanly unmounted"
# banger's own disk labels would mislead the guest's init.
cp "$img" "$W/worklabel.ext4" && chmod 0644 "$W/worklabel.ext4" &&
    e2label "$W/worklabel.ext4" banger-work || fatal "e2label"
run t1 image register --name bad6 --rootfs "$W/worklabel.ext4"
refused 125 bad6 "a label banger gives its own disks"
mkfifo -m 0644 "$W/fifo"
run t1 image register --name bad5 --rootfs "$W/fifo"
refused 125 bad5 "is not an ext2/3/4 file system image"
run t1 image register --name debian-bookworm --rootfs "$img"
refused 125 debian-bookworm "a name banger gives its own images"
run t1 image register --name reg --rootfs "$img"
expect_rc 125 "image register reg again"
grep -q "image reg exists" "$W/err" || fail "a second reg: $(cat "$W/err")"
run t1 image register --name tiny --rootfs "$img"
refused 125 tiny "a name banger gives its own images"
# From another file system (tmpfs): copied by reads and writes.
shm=/dev/shm/banger-regress-$$.ext4
cp "$img" "$shm" && chmod 0644 "$shm" || fatal "cp to /dev/shm"
run t1 image register --name reg2 --rootfs "$shm"
expect_rc 0 "image register reg2 from /dev/shm"
rm -f "$shm"
cmp -s "$img" "$images/reg2/rootfs.ext4" || fail "reg2's copy differs"
run t1 image delete reg2
expect_rc 0 "image delete reg2"
run t1 image register --name bad3 --rootfs "$W/nonexistent.ext4"
refused 2 bad3 "nonexistent.ext4"
run t1 image register --name bad4
expect_rc 2 "image register without --rootfs"

# A root the guest's kernel will not mount (one byte of the superblock
# changed, so its checksum fails; banger's own checks pass): the VM
# powers off instead of running the command on the initramfs.
cp "$img" "$W/broken.ext4" && chmod 0644 "$W/broken.ext4"
printf 'X' | dd of="$W/broken.ext4" bs=1 seek=$((1024 + 0x78)) conv=notrunc \
    2>/dev/null || fatal "dd"
run t1 image register --name broken --rootfs "$W/broken.ext4"
expect_rc 0 "image register broken (its superblock looks fine)"
run t1 vm run --name br1 --image broken -- cat /etc/os-release
[ "$RC" != 0 ] && ! grep -q "ID=regress" "$W/out" &&
    ok "a root that cannot be mounted fails the boot ($RC)" ||
    fail "vm run --image broken: exit $RC, '$(cat "$W/out")'"
grep -qs "cannot start the registered root" \
    "$(state_dir t1)/vms/br1/console.log" && ok "the console says why" ||
    fail "no 'cannot start the registered root' line in br1's console"
run t1 vm delete br1
run t1 image delete broken
expect_rc 0 "image delete broken"

# An image a VM is made from stays; then it goes.
run t1 image delete reg
expect_rc 125 "image delete reg while rg1 uses it"
run t1 vm delete rg1
expect_rc 0 "vm delete rg1"
run t1 image delete reg
expect_rc 0 "image delete reg"
[ -e "$images/reg" ] && fail "image delete left $images/reg"
