#!/bin/sh
# /init of the Leo appliance's initramfs (os-image ApplianceInitramfs, `leo image build-appliance`;
# docs/appliance-image.md). PID 1 until the root is open, then systemd. In order:
#   1. mounts proc, sys and devtmpfs;
#   2. loads the drivers of the boot disk (the Pi's SD card controller, or virtio-blk), device-mapper
#      with dm-verity, and squashfs, in dependency order (/lib/modules/load-order; insmod), then the
#      modules of /lib/modules/extra/load-order if an appended initramfs brought any;
#   3. finds the disk whose MBR disk identifier is leo.disk= (the image's fixed one), waiting up to 30 s;
#   4. opens its partition 2 (squashfs) with its partition 3 (the hash tree) as the dm-verity
#      volume leo-root, read-only, with the root hash, salt and size of the kernel command line
#      (leo.verity.roothash=, leo.verity.salt=, leo.verity.blocks=): every block read later is
#      checked against the root hash, and a changed block is an I/O error;
#   5. mounts it on /root and hands over to systemd (switch_root).
# Any failure prints LEO-APPLIANCE-FAIL with the reason and reboots after 10 s: nothing boots from
# an unverified root. Serial lines: LEO-APPLIANCE-INIT, LEO-APPLIANCE-ROOT, LEO-APPLIANCE-FAIL.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
up() { cut -d' ' -f1 /proc/uptime; }
fail() {
  echo "LEO-APPLIANCE-FAIL $* uptime=$(up)"
  sleep 10
  reboot -f
}
echo "LEO-APPLIANCE-INIT image=$(cat /etc/leo-image) uptime=$(up)"
load() {
  while read -r m; do
    err=$(insmod "$1/$m.ko" 2>&1) || echo "leo-init: module $m not loaded: $err"
  done < "$1/load-order"
}
load /lib/modules
[ -f /lib/modules/extra/load-order ] && load /lib/modules/extra

arg() {
  for a in $(cat /proc/cmdline); do
    case "$a" in "$1="*) echo "${a#*=}"; return;; esac
  done
}
DISK_ID=$(arg leo.disk)
ROOTHASH=$(arg leo.verity.roothash)
SALT=$(arg leo.verity.salt)
BLOCKS=$(arg leo.verity.blocks)
case "$DISK_ID" in [0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]) ;; *) fail "leo.disk='$DISK_ID' is not 8 hex digits";; esac
case "$ROOTHASH" in *[!0-9a-f]*|'') fail "leo.verity.roothash='$ROOTHASH' is not hex";; esac
[ ${#ROOTHASH} -eq 64 ] || fail "leo.verity.roothash is ${#ROOTHASH} hex digits, not 64"
case "$SALT" in *[!0-9a-f]*|'') fail "leo.verity.salt='$SALT' is not hex";; esac
case "$BLOCKS" in *[!0-9]*|'') fail "leo.verity.blocks='$BLOCKS' is not a number";; esac

# The disk: the one whose MBR carries leo.disk= at offset 440 (little-endian, as od -tx4 prints it on arm64 and amd64).
part() { # DISK N: the device name of partition N of DISK
  for p in /sys/block/"$1"/"$1"*; do
    [ "$(cat "$p/partition" 2>/dev/null)" = "$2" ] && { basename "$p"; return; }
  done
}
DISK=
i=0
while [ $i -lt 150 ]; do
  for d in /sys/block/*; do
    d=${d##*/}
    case "$d" in loop*|ram*|dm-*) continue;; esac
    id=$(dd if="/dev/$d" bs=1 skip=440 count=4 2>/dev/null | od -An -tx4 | tr -d ' \n')
    if [ "$id" = "$DISK_ID" ] && [ -n "$(part "$d" 3)" ]; then DISK=$d; break 2; fi
  done
  sleep 0.2
  i=$((i + 1))
done
[ -n "$DISK" ] || fail "no disk with MBR disk identifier $DISK_ID and three partitions"
DATA=/dev/$(part "$DISK" 2)
HASH=/dev/$(part "$DISK" 3)
DM_DISABLE_UDEV=1 dmsetup create leo-root --readonly \
    --table "0 $((BLOCKS * 8)) verity 1 $DATA $HASH 4096 4096 $BLOCKS 1 sha256 $ROOTHASH $SALT" \
  || fail "dm-verity refused $DATA with hash tree $HASH"
mkdir -p /root
mount -t squashfs -o ro /dev/mapper/leo-root /root || fail "the verity root on $DATA does not mount (a block that does not match the root hash reads as an I/O error)"
echo "LEO-APPLIANCE-ROOT data=$DATA hash=$HASH roothash=$ROOTHASH uptime=$(up)"
umount /proc /sys
mount --move /dev /root/dev
exec switch_root /root /lib/systemd/systemd
