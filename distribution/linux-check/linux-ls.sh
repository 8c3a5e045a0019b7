#!/usr/bin/env bash
# Boots Debian's Linux 6.1 under qemu with an image as its pstore/blk device and prints what Linux
# shows under /sys/fs/pstore: "FILE name size sha256" a record. Not part of the build.
#   apt-get install qemu-system-x86 linux-image-6.1.0-56-amd64 busybox-static cpio
#   linux-ls.sh IMAGE "kmsg_size=64 pmsg_size=64 console_size=64"    (sizes in KiB, as pstore_blk takes them)
# The image is used as it is: pass a copy.
set -euo pipefail
image=$1
params=${2:-kmsg_size=64}
kernel=6.1.0-56-amd64
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/bin" "$work/root/lib" "$work/root/proc" "$work/root/sys" "$work/root/dev"
cp /bin/busybox "$work/root/bin/busybox"
modules="drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_legacy_dev
  drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci drivers/block/virtio_blk fs/pstore/pstore_zone"
for m in $modules fs/pstore/pstore_blk; do cp "/lib/modules/$kernel/kernel/$m.ko" "$work/root/lib/"; done
cat > "$work/root/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(for m in $modules; do basename "$m"; done | tr '\n' ' '); do insmod /lib/\$m.ko; done
insmod /lib/pstore_blk.ko blkdev=/dev/vda best_effort=y $params
mkdir -p /sys/fs/pstore
mount -t pstore pstore /sys/fs/pstore
echo "=== BEGIN"
for f in /sys/fs/pstore/*; do [ -e "\$f" ] || continue; echo "FILE \$(basename \$f) \$(wc -c < \$f) \$(sha256sum < \$f | cut -d' ' -f1)"; done
echo "=== END"
poweroff -f
INIT
chmod +x "$work/root/init"
(cd "$work/root" && find . | cpio -o -H newc 2>/dev/null | gzip > "$work/initramfs.gz")
timeout 300 qemu-system-x86_64 -accel tcg -cpu max -m 512 -kernel "/boot/vmlinuz-$kernel" -initrd "$work/initramfs.gz" \
    -append "console=ttyS0 quiet loglevel=3" -drive "file=$image,format=raw,if=virtio" -nographic -no-reboot 2>&1 \
    | tr -d '\r' | sed -n '/=== BEGIN/,/=== END/p' | grep '^FILE' || true
