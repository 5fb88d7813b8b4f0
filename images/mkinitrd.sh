#!/bin/sh
# Build the guest initramfs: busybox, the kernel modules the guest needs
# (with their dependencies, in load order), the agent and /init.
#
# usage: mkinitrd.sh KTREE AGENT INIT OUT COMPRESS MODULES...
#   KTREE	unpacked kernel package (lib/modules/VER/...)
#   COMPRESS	"gzip" or "none"
# Runs unprivileged: owners are set to root in the archive by cpio -R, and
# /dev/console (which the kernel opens before /init runs) is written as a
# hand-made newc entry, so no mknod is needed.
set -eu

# Absolute paths: the archive is built from inside the staging tree.
ktree=$(realpath "$1")
agent=$(realpath "$2")
init=$(realpath "$3")
out=$(realpath "$4")
compress=$5
shift 5

err() {
	echo "mkinitrd: $*" >&2
	exit 1
}

busybox=${BUSYBOX:-/bin/busybox}
[ -x "$busybox" ] || err "$busybox missing (apt-get install busybox-static)"
# A dynamic busybox has an .interp section; the initramfs has no libc.
grep -qa '\.interp' "$busybox" &&
    err "$busybox is dynamically linked; need busybox-static"
[ -x "$agent" ] || err "$agent missing"

moddir=$(ls -d "$ktree"/lib/modules/*/ 2>/dev/null | head -n 1)
[ -n "$moddir" ] || err "$ktree: no lib/modules"

stage="$out.root"
rm -rf "$stage"
mkdir -p "$stage"
cd "$stage"
mkdir -p bin sbin usr/bin usr/sbin dev proc sys tmp run root etc \
    lib/modules
cp "$busybox" bin/busybox
for a in $("$busybox" --list-full); do
	[ -e "$a" ] || ln -s /bin/busybox "$a"
done
cp "$agent" sbin/banger-agent
cp "$init" init
chmod 0755 init sbin/banger-agent bin/busybox
chmod 0700 root
chmod 1777 tmp

# Modules: the kernel package ships no modules.dep, so read each module's
# "depends=" string from its .modinfo section.
find "$moddir" -name '*.ko*' > "$out.kolist"
kofile() {
	# Module names use '_'; file names may use '-'.
	pat=$(echo "$1" | sed 's/[_-]/[_-]/g')
	grep -E "/$pat\.ko(\.(xz|zst|gz))?\$" "$out.kolist" | head -n 1
}
loaded=" "
addmod() {
	case $loaded in *" $1 "*) return 0 ;; esac
	f=$(kofile "$1")
	[ -n "$f" ] || err "module $1 not found under $moddir"
	case $f in
	*.ko.xz)	xz -dc "$f" > "lib/modules/$1.ko" ;;
	*.ko.zst)	zstd -dcq "$f" > "lib/modules/$1.ko" ;;
	*.ko.gz)	gzip -dc "$f" > "lib/modules/$1.ko" ;;
	*)		cp "$f" "lib/modules/$1.ko" ;;
	esac
	deps=$(tr '\0' '\n' < "lib/modules/$1.ko" |
	    sed -n 's/^depends=//p' | head -n 1 | tr ',' ' ')
	loaded="$loaded$1 "
	for d in $deps; do
		addmod "$d"
	done
	# After its dependencies: the list is in load order.
	echo "$1" >> lib/modules/load
}
for m in "$@"; do
	addmod "$m"
done
rm "$out.kolist"

# One newc entry for a character device, owned by root.
newc_chr() { # name mode major minor
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
	    1000000 $((0020000 | $2)) 0 0 1 0 0 0 0 $3 $4 \
	    $(( ${#1} + 1 )) 0
	printf '%s\0' "$1"
	pad=$(( (4 - (110 + ${#1} + 1) % 4) % 4 ))
	head -c $pad /dev/zero
}
newc_trailer() {
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
	    0 0 0 0 1 0 0 0 0 0 0 11 0
	printf 'TRAILER!!!\0'
	head -c 1 /dev/zero
}

{
	find . -mindepth 1 | LC_ALL=C sort |
	    cpio --quiet -o -H newc -R 0:0
	# cpio pads to 512 bytes with zeros; the kernel skips zeros
	# between concatenated archives.
	newc_chr dev/console 0600 5 1
	newc_trailer
} > "$out.cpio"

case $compress in
gzip)	gzip -9n < "$out.cpio" > "$out.tmp"; rm "$out.cpio" ;;
none)	mv "$out.cpio" "$out.tmp" ;;
*)	err "unknown compression $compress" ;;
esac
cd /
rm -rf "$stage"
mv "$out.tmp" "$out"
