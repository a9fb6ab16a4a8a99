#!/bin/bash
# build-test-initramfs.sh CACHE_DIR OUT_DIR
#
# Builds the disk-less test VM's boot artifacts from the inputs fetch-debian-boot-inputs.sh put into
# CACHE_DIR (kroot/ = dpkg -x of the Debian kernel, bbstatic/ = dpkg -x of busybox-static):
#   OUT_DIR/vmlinuz     the Debian kernel (copied)
#   OUT_DIR/initrd.img  gzip'd newc cpio: static busybox, /init (initramfs-init.sh), the udhcpc hook
#                       and the virtio-net + e1000 NIC modules (decompressed if shipped as .ko.xz/.zst)
#   OUT_DIR/build-info.txt  KVER, module list and sha256 of both files
# Reproducible for equal inputs: sorted file list, mtimes clamped to 0, uid/gid 0, gzip -n.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 CACHE_DIR OUT_DIR" >&2; exit 2; }
CACHE=$1; OUT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
say() { printf 'build-test-initramfs: %s\n' "$*"; }

KVER=$(sed -n 's/^KVER=//p' "$CACHE/inputs.txt")
[ -n "$KVER" ] || { say "no KVER in $CACHE/inputs.txt (run fetch-debian-boot-inputs.sh first)"; exit 1; }
M=$CACHE/kroot/lib/modules/$KVER
[ -d "$M" ] || { say "missing $M"; exit 1; }
# Dependency order (the package has no modules.dep: depmod runs at install time, which we skip).
MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net e1000"

mkdir -p "$OUT"
WORK=$(mktemp -d "$OUT/.build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
R=$WORK/root
mkdir -p "$R/bin" "$R/lib/modules" "$R/dev" "$R/proc" "$R/sys" "$R/tmp" "$R/run"
install -m755 "$CACHE/bbstatic/bin/busybox" "$R/bin/busybox"
ln -s busybox "$R/bin/sh"
install -m755 "$HERE/initramfs-init.sh" "$R/init"
install -m755 "$HERE/udhcpc-hook.sh" "$R/bin/udhcpc-hook"
: > "$R/lib/modules/load-order"
for m in $MODULES; do
  f=$(find "$M" \( -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" -o -name "$m.ko.gz" \) | head -n1)
  if [ -z "$f" ]; then
    # Built into this kernel? Then there is nothing to load.
    if grep -q "/$m.ko\$" "$M/modules.builtin" 2>/dev/null; then say "$m is built in"; continue; fi
    say "module $m not found under $M"; exit 1
  fi
  case "$f" in
    *.ko.xz)  xz -dc "$f" > "$R/lib/modules/$m.ko" ;;
    *.ko.zst) zstd -qdc "$f" > "$R/lib/modules/$m.ko" ;;
    *.ko.gz)  gzip -dc "$f" > "$R/lib/modules/$m.ko" ;;
    *)        cp "$f" "$R/lib/modules/$m.ko" ;;
  esac
  echo "$m" >> "$R/lib/modules/load-order"
done
# /dev/console must exist before devtmpfs is mounted, or early /init output is lost.
mknod -m 600 "$R/dev/console" c 5 1
find "$R" -exec touch -h -d @0 {} +
(cd "$R" && find . -print0 | LC_ALL=C sort -z \
   | cpio --null -o -H newc --owner=0:0 --reproducible --quiet) | gzip -9 -n > "$WORK/initrd.img"
cp "$CACHE/kroot/boot/vmlinuz-$KVER" "$WORK/vmlinuz"
{
  echo "KVER=$KVER"
  echo "modules=$(tr '\n' ' ' < "$R/lib/modules/load-order")"
  (cd "$WORK" && sha256sum vmlinuz initrd.img)
} > "$WORK/build-info.txt"
mv -f "$WORK/vmlinuz" "$WORK/initrd.img" "$WORK/build-info.txt" "$OUT/"
say "built $OUT (KVER=$KVER):"
sed 's/^/  /' "$OUT/build-info.txt"
