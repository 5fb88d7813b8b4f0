#!/bin/sh
# Extract the ELF vmlinux from an x86 bzImage, for PVH boot.
#
# The boot header says where the compressed kernel is: setup_sects at
# 0x1f1 (0 means 4), and payload_offset/payload_length at 0x248/0x24c
# (boot protocol 2.08+), relative to the protected-mode code that follows
# the setup sectors.  The payload's first bytes name the compressor.
set -eu

in=$1
out=$2

err() {
	echo "extract-vmlinux: $*" >&2
	exit 1
}

# u32/u8 little-endian at a byte offset, as decimal.
u32() { od -A n -t u4 -j "$1" -N 4 "$in" | tr -d ' '; }
u8() { od -A n -t u1 -j "$1" -N 1 "$in" | tr -d ' '; }

[ "$(od -A n -t x1 -j 514 -N 4 "$in" | tr -d ' ')" = 48647253 ] ||
    err "$in: not a bzImage (no HdrS)"
proto=$(od -A n -t u2 -j 518 -N 2 "$in" | tr -d ' ')
[ "$proto" -ge 520 ] || err "$in: boot protocol too old for payload fields"

setup=$(u8 497)
[ "$setup" -ne 0 ] || setup=4
start=$(( (setup + 1) * 512 + $(u32 584) ))
len=$(u32 588)
[ "$len" -gt 0 ] || err "$in: empty payload"

payload() { tail -c +"$((start + 1))" "$in" | head -c "$len"; }
magic=$(payload | od -A n -t x1 -N 6 | tr -d ' ')

case $magic in
1f8b*)		dec="gzip -dc" ;;
fd377a585a00)	dec="xz -dc" ;;
28b52ffd*)	dec="zstd -dcq" ;;
425a68*)	dec="bzip2 -dc" ;;
5d0000*)	dec="xz -dc --format=lzma" ;;
894c5a*)	dec="lzop -dc" ;;
02214c18*)
	# Legacy lz4 frames; the kernel build appends the uncompressed
	# size as 4 more bytes, which lz4 would take for a block header.
	len=$((len - 4))
	dec="lz4 -dcq" ;;
*)		err "$in: unknown compression (magic $magic)" ;;
esac

if ! payload | $dec > "$out.tmp"; then
	rm -f "$out.tmp"
	err "$in: $dec failed"
fi
[ "$(od -A n -t x1 -N 4 "$out.tmp" | tr -d ' ')" = 7f454c46 ] ||
    { rm -f "$out.tmp"; err "$in: payload did not decompress to an ELF"; }
mv "$out.tmp" "$out"
