#!/bin/sh
# mmdebstrap --customize-hook for debian-bookworm (fakechroot mode, under
# mmdebstrap's fakeroot, so everything written is owned by root in the
# tarball).
#
# usage: customize.sh ROOT RECIPEDIR KERNELDIR
#
# fakechroot resolves absolute symlinks against the host unless a command
# runs inside the chroot, so this only stages files in ROOT/tmp (a plain
# directory) and does the real work with inside.sh under chroot(8).
set -eu

root=$1
recipe=$2
kdir=$3
stage=$root/tmp/banger-custom

err() {
	echo "customize: $*" >&2
	exit 1
}

rm -rf "$stage"
mkdir -p "$stage"

# The agent is the one in the image's initramfs (static, and the same
# build that the initramfs boots), so the rootfs and initrd agree.
if [ "$(head -c 2 "$kdir/initrd.img" | od -An -tx1 | tr -d ' ')" = 1f8b ]
then
	gzip -dc <"$kdir/initrd.img"
else
	cat "$kdir/initrd.img"
fi | cpio -i --quiet --to-stdout sbin/banger-agent >"$stage/banger-agent" ||
    err "cannot extract sbin/banger-agent from $kdir/initrd.img"
[ -s "$stage/banger-agent" ] || err "$kdir/initrd.img has no agent"

cp "$kdir/modules.tar.gz" "$recipe/inside.sh" "$recipe/banger-agent.service" \
    "$recipe/sshd-banger.conf" "$recipe/ssh-hostkey.conf" "$stage/"

chroot "$root" /bin/sh /tmp/banger-custom/inside.sh
rm -rf "$stage"
