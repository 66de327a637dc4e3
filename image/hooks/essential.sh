#!/bin/sh
# mmdebstrap --essential-hook (after the Essential packages, before the rest):
# make update-initramfs a no-op while packages are installed. Under emulation
# mkinitramfs takes minutes, and the kernel, initramfs-tools and raspi-firmware
# would each run it; customize.sh restores it and runs it once at the end.
set -eu
root="$1"
chroot "$root" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs
cat >"$root/usr/sbin/update-initramfs" <<'STUB'
#!/bin/sh
echo "update-initramfs: deferred to the end of the image build" >&2
exit 0
STUB
chmod 0755 "$root/usr/sbin/update-initramfs"
