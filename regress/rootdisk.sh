# The guest side of a root disk snapshot (banger.root=rw).  This host
# cannot make the snapshot itself (no device-mapper; see priv-disk), so a
# loop device over a small root file system stands in for it: root opens
# the device and a test user's QEMU gets it by descriptor exactly as from
# bangerd (fd 6, fd set 1, host_device; regress/boot-ready carries a copy
# of bangerd/qemu.c's drive line, which test-qemu pins).  The guest's init must mount it read-write
# as the root itself (no overlay), copy the first boot's files staged in
# the work disk's overlay/upper and set them aside, write the VM's own
# files, and switch to it; the agent, that root's /sbin/init here, then
# powers off.  Checked afterwards from the host with debugfs.
. "$REGRESS/test-lib.sh"

[ -x "$BIN/boot-ready" ] || fatal "no boot-ready (obj/regress/boot-ready)"
KERNEL=$IMAGES/vmlinux
[ -f "$KERNEL" ] || KERNEL=$IMAGES/vmlinuz
INITRD=$IMAGES/initrd.img
[ -f "$INITRD" ] || fatal "no initrd.img in $IMAGES (make images)"

D=$(user_home t1)/rootdisk
install -d -m 0755 -o "$(user_name t1)" "$D"
R=$W/root
mkdir -p "$R" "$W/work/overlay/upper/etc" "$W/work/root"

# A root file system from the initramfs, whose /sbin/init is the agent.
(cd "$R" && cpio -id --quiet) <"$INITRD" || fatal "cannot unpack $INITRD"
[ -x "$R/sbin/banger-agent" ] || fatal "no agent in the initramfs"
rm -f "$R/sbin/init"
ln -s banger-agent "$R/sbin/init"
echo from-image >"$R/etc/from-image"
truncate -s 64M "$D/root.ext4"
mkfs.ext4 -q -F -L banger-root -d "$R" "$D/root.ext4" ||
    fatal "mkfs root.ext4"

# The work disk, with a file staged for the first boot as banger-fetch
# stages the VM's ssh host key.
echo seeded >"$W/work/overlay/upper/etc/seed-test"
truncate -s 64M "$D/work.ext4"
mkfs.ext4 -q -F -L banger-work -d "$W/work" "$D/work.ext4" ||
    fatal "mkfs work.ext4"
chown "$(user_name t1)" "$D/work.ext4"

L=$(losetup -f --show "$D/root.ext4") || fatal "losetup"
# test_end (test-lib.sh) still reports the result.
trap 'losetup -d "$L" 2>/dev/null; test_end' EXIT
trace "[t1] boot-ready -p -r 7 -w work.ext4 (7<>$L)"
as_user t1 "$BIN/boot-ready" -p -c "$D/console.log" -w "$D/work.ext4" \
    -r 7 "$KERNEL" "$INITRD" 7<>"$L" >"$W/out" 2>"$W/err"
RC=$?
show "$W/err" stderr
expect_rc 0 "boot on the stand-in snapshot, ready, powered off"
losetup -d "$L"
trap test_end EXIT
show "$D/console.log" console

grep -q 'banger-init:' "$D/console.log" &&
    fail "init complained: $(grep 'banger-init:' "$D/console.log" | head -3)"
# cat FILE from an ext4 image without mounting it.
dcat() {
	debugfs -R "cat $2" "$1" 2>/dev/null
}
[ "$(dcat "$D/root.ext4" /etc/hostname)" = bench ] ||
    fail "root disk /etc/hostname: '$(dcat "$D/root.ext4" /etc/hostname)'"
dcat "$D/root.ext4" /etc/machine-id | grep -qx '[0-9a-f]\{32\}' ||
    fail "no machine-id written into the root disk"
[ "$(dcat "$D/root.ext4" /etc/seed-test)" = seeded ] ||
    fail "the staged file was not copied into the root disk"
[ "$(dcat "$D/root.ext4" /etc/from-image)" = from-image ] ||
    fail "the image's own files are gone"
dcat "$D/work.ext4" /overlay/seeded/etc/seed-test | grep -qx seeded ||
    fail "overlay/upper was not set aside as overlay/seeded"
debugfs -R "stat /overlay/upper" "$D/work.ext4" 2>&1 |
    grep -q 'File not found' || fail "overlay/upper still on the work disk"
# Mounted read-write and cleanly unmounted by the poweroff.
lm=$(dumpe2fs -h "$D/root.ext4" 2>/dev/null | sed -n 's/^Last mount time: *//p')
{ [ -n "$lm" ] && [ "$lm" != n/a ]; } ||
    fail "the root disk was never mounted (last mount time '$lm')"
e2fsck -fn "$D/root.ext4" >"$W/fsck" 2>&1 ||
    { fail "root disk not clean after poweroff"; show "$W/fsck" e2fsck; }
rm -rf "$D"
