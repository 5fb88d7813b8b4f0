#!/bin/sh
# Install banger's build, test and runtime dependencies from Debian's
# archive (Debian 12 / Ubuntu 22.04 or later).  Needs root.
set -eu

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: run as root (sudo make deps)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
	build-essential pkg-config clang \
	libevent-dev libmsgpack-dev libsqlite3-dev libcap-ng-dev \
	libseccomp-dev libcmocka-dev libjansson-dev \
	libnl-3-dev libnl-route-3-dev libnftables-dev \
	qemu-system-x86 busybox-static cpio gzip xz-utils zstd lz4 bzip2 \
	jq passwd fakeroot e2fsprogs git libyaml-dev openssh-client \
	mmdebstrap fakechroot debian-archive-keyring kmod libext2fs-dev \
	iproute2 nftables util-linux procps psmisc mandoc ca-certificates \
	libldns-dev ldnsutils dnsmasq-base \
	libsystemd-dev dbus-daemon python3-dbus python3-gi
