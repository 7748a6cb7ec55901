#!/bin/sh
# Runs inside the new root file system (chroot) once, while the image is built.
set -eu
echo numalab >/etc/hostname
printf '127.0.0.1 localhost\n127.0.1.1 numalab\n' >/etc/hosts
: >/etc/fstab
passwd -d root >/dev/null

# The lab runs numad itself, in the foreground, from the scenario script: the
# packaged numad 0.5 service must not start behind its back.
systemctl disable numad.service 2>/dev/null || true
# Shutdown must not wait for guests; the scenario script destroys its domains.
systemctl disable libvirt-guests.service 2>/dev/null || true
systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer \
	man-db.timer getty@tty1.service 2>/dev/null || true
systemctl enable lab-run.service

# libvirtd stays up (no idle timeout) and logs what pre-placement needs:
# "About to run /usr/bin/numad -w ..." (util.command) and
# "Nodeset returned from numad: ..." (qemu.qemu_process).
if [ -f /etc/default/libvirtd ]; then
	sed -i 's/^LIBVIRTD_ARGS=.*/LIBVIRTD_ARGS=""/' /etc/default/libvirtd
fi
cat >>/etc/libvirt/libvirtd.conf <<'CONF'
log_filters="1:util.command 1:qemu.qemu_process 1:util.numa 1:qemu.qemu_driver 3:*"
log_outputs="1:file:/var/log/libvirt/libvirtd.log"
CONF
# Inner domains are plain TCG QEMU processes: no network, no VNC.
sed -i 's/^#\?\s*vnc_listen.*//' /etc/libvirt/qemu.conf
# Keep the journal small and in memory.
mkdir -p /etc/systemd/journald.conf.d
printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=32M\n' >/etc/systemd/journald.conf.d/lab.conf
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /usr/share/doc/* /usr/share/man/*
