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
	libcurl4-openssl-dev libarchive-dev libzstd-dev libssl-dev \
	libnl-3-dev libnl-route-3-dev libnftables-dev \
	qemu-system-x86 busybox-static cpio gzip xz-utils zstd lz4 bzip2 \
	jq passwd fakeroot e2fsprogs git libyaml-dev openssh-client \
	buildbot buildbot-worker sqlite3 \
	mmdebstrap fakechroot debian-archive-keyring kmod libext2fs-dev \
	iproute2 nftables util-linux procps psmisc mandoc ca-certificates \
	libldns-dev ldnsutils dnsmasq-base \
	libsystemd-dev dbus-daemon python3-dbus python3-gi skopeo \
	chromium curl

# buildbot and buildbot-worker (for regress/buildbot.sh) start nothing on
# install: their init scripts run only instances configured in
# /etc/default/buildbot*, and none is by default.  The test runs its own
# master and worker, with Debian's /usr/bin/python3.

# The regress test resolved-real runs Debian's systemd-resolved inside the
# test's namespaces.  Installing the package would hand this host's own
# DNS to it, so where it is not installed, unpack it (no maintainer
# scripts, no service) where the test looks.
RESOLVED_ROOT=/var/cache/banger-regress/systemd-resolved
if [ ! -x /lib/systemd/systemd-resolved ] &&
    [ ! -x /usr/lib/systemd/systemd-resolved ] &&
    [ ! -x "$RESOLVED_ROOT/lib/systemd/systemd-resolved" ]; then
	dl=$(mktemp -d)
	chown _apt "$dl" 2>/dev/null || :
	# The one built with the installed systemd: it links against that
	# package's private libsystemd-shared.
	v=$(dpkg-query -W -f='${Version}' systemd 2>/dev/null || :)
	if (cd "$dl" && { apt-get download -q "systemd-resolved=$v" ||
	    apt-get download -q systemd-resolved; }); then
		mkdir -p "$RESOLVED_ROOT"
		dpkg-deb -x "$dl"/systemd-resolved_*.deb "$RESOLVED_ROOT"
	else
		echo "deps: could not fetch systemd-resolved; regress resolved-real will be skipped" >&2
	fi
	rm -rf "$dl"
fi

# The regress test image-pull-registry runs Debian's docker-registry in
# the test's namespace.  Its package would start a registry service on
# this host, so it is unpacked (not installed) where the test looks.
REGISTRY_ROOT=/var/cache/banger-regress/docker-registry
if ! command -v docker-registry >/dev/null &&
    [ ! -x "$REGISTRY_ROOT/usr/bin/docker-registry" ]; then
	dl=$(mktemp -d)
	chown _apt "$dl" 2>/dev/null || :
	if (cd "$dl" && apt-get download -q docker-registry); then
		mkdir -p "$REGISTRY_ROOT"
		dpkg-deb -x "$dl"/docker-registry_*.deb "$REGISTRY_ROOT"
	else
		echo "deps: could not fetch docker-registry; regress image-pull-registry will be skipped" >&2
	fi
	rm -rf "$dl"
fi
