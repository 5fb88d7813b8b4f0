#!/bin/sh
# Runs inside the debian-bookworm chroot (fakechroot + fakeroot) with the
# files staged by customize.sh in /tmp/banger-custom.
set -eu
c=/tmp/banger-custom
sd=/etc/systemd/system

install -D -m 0755 $c/banger-agent /usr/local/sbin/banger-agent
install -D -m 0644 $c/banger-agent.service $sd/banger-agent.service
mkdir -p $sd/multi-user.target.wants
ln -sf $sd/banger-agent.service $sd/multi-user.target.wants/

# sshd: keys only; no host keys in the image (each VM has its own).
install -D -m 0644 $c/sshd-banger.conf /etc/ssh/sshd_config.d/banger.conf
install -D -m 0644 $c/ssh-hostkey.conf $sd/ssh.service.d/banger.conf
rm -f /etc/ssh/ssh_host_*

# The kernel's modules, for udev, docker (overlay, br_netfilter, veth,
# nf_tables) and whatever the user loads.
mkdir -p /usr/lib/modules
tar -xzf $c/modules.tar.gz -C /usr/lib/modules
for v in /usr/lib/modules/*/; do
	v=${v%/}
	depmod -a "${v##*/}"
done

# Nothing on a VGA console; timers and jobs a short-lived sandbox does not
# want competing for an emulated CPU; first-boot prompts.
for u in getty@tty1.service apt-daily.timer apt-daily-upgrade.timer \
    e2scrub_all.timer e2scrub_reap.service fstrim.timer logrotate.timer \
    dpkg-db-backup.timer man-db.timer systemd-firstboot.service \
    systemd-networkd-wait-online.service systemd-networkd.service \
    networking.service; do
	ln -sf /dev/null $sd/$u
done
# dockerd and containerd start on the first use of /run/docker.sock.
rm -f $sd/multi-user.target.wants/docker.service \
    $sd/multi-user.target.wants/containerd.service
# eth0 is configured by the initramfs before systemd starts: keep its name.
mkdir -p /etc/systemd/network
ln -sf /dev/null /etc/systemd/network/99-default.link

# Per-VM identity is written at boot by the initramfs.
rm -f /etc/machine-id /var/lib/dbus/machine-id /etc/hostname
: >/etc/machine-id
chmod 0444 /etc/machine-id

# Last: /etc and /var are as new as /usr, so ldconfig.service and
# systemd-hwdb-update.service (ConditionNeedsUpdate) do not run at boot.
[ -f /etc/udev/hwdb.bin ] || [ -f /usr/lib/udev/hwdb.bin ] ||
    systemd-hwdb update --usr
touch -r /usr /etc/.updated /var/.updated
