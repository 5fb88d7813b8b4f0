#!/bin/sh
# Fetch Debian's cloud kernel package into CACHE and unpack it there, once.
# Prints the unpacked tree's path.  Needs only apt-get/apt-cache (no root)
# and dpkg-deb.  KERNEL_DEB=path skips the download and uses that package.
set -eu

cache=$1
meta=${KERNEL_META:-linux-image-cloud-amd64}
mkdir -p "$cache"

err() {
	echo "fetch-kernel: $*" >&2
	exit 1
}

if [ -n "${KERNEL_DEB:-}" ]; then
	deb=$KERNEL_DEB
	[ -f "$deb" ] || err "KERNEL_DEB=$deb: no such file"
else
	# The metapackage depends on exactly one versioned image package;
	# that is the one we want (the metapackage itself holds no kernel).
	pkg=$(apt-cache depends "$meta" 2>/dev/null |
	    sed -n 's/^ *Depends: \(linux-image-[0-9][^ <>]*\)$/\1/p' |
	    head -n 1)
	if [ -z "$pkg" ]; then
		# No package lists (apt-get update never ran): fall back to
		# whatever an earlier run left in the cache.
		deb=$(ls "$cache"/linux-image-[0-9]*.deb 2>/dev/null |
		    sort | tail -n 1)
		[ -n "$deb" ] || err "cannot resolve $meta (run apt-get update?)"
		echo "fetch-kernel: apt cannot resolve $meta;" \
		    "using cached $deb" >&2
	else
		deb=$(ls "$cache/${pkg}"_*.deb 2>/dev/null | tail -n 1)
		if [ -z "$deb" ]; then
			echo "fetch-kernel: downloading $pkg" >&2
			tmp="$cache/dl.$$"
			rm -rf "$tmp"
			mkdir "$tmp"
			(cd "$tmp" && apt-get download -q "$pkg" >&2) ||
			    { rm -rf "$tmp"; err "apt-get download $pkg failed"; }
			mv "$tmp"/*.deb "$cache"/
			rmdir "$tmp"
			deb=$(ls "$cache/${pkg}"_*.deb | tail -n 1)
		fi
	fi
fi

tree="$cache/$(basename "$deb" .deb)"
if [ ! -f "$tree/.unpacked" ]; then
	rm -rf "$tree" "$tree.tmp"
	dpkg-deb -x "$deb" "$tree.tmp" || err "dpkg-deb -x $deb failed"
	touch "$tree.tmp/.unpacked"
	mv "$tree.tmp" "$tree"
fi
echo "$tree"
