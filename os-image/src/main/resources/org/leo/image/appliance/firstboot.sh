#!/bin/sh
# /usr/lib/leo-appliance/firstboot - leo-firstboot.service (docs/appliance-image.md, "First boot").
#
# The image holds no state partition, so that it stays the same bytes for everyone. On the first
# boot this script makes one in the rest of the disk, encrypted with a key only this Pi's TPM can
# unseal; on every later boot it finds it and does nothing. In order:
#   1. finds the boot disk (the one holding the dm-verity root's data partition) and returns if it
#      already has partition 4;
#   2. appends partition 4 (type 83) from the end of the hash tree's partition to the end of the disk
#      and tells the kernel (partx);
#   3. formats it LUKS2 with a random key of 64 bytes that lives only in /run (tmpfs), opens it,
#      makes ext4 (label leo-state) with /leo (leo's state, bind-mounted on /var/lib/leo) and
#      /etc/leo (the configuration, bind-mounted on /etc/leo): the package's defaults, then what a
#      seed volume labelled LEO-SEED brings (its etc-leo/ and leo/ directories, copied once);
#   4. seals a new key to the TPM (systemd-cryptenroll --tpm2-device=auto, no PCR policy: nothing on
#      a Pi measures the boot into the TPM, so a PCR policy would bind to nothing) and wipes the
#      random key's slot, so the TPM's token is the only way in.
# systemd-cryptsetup@leo-state (crypttab: tpm2-device=auto) then opens it on this and every boot.
# Lines on the console: LEO-FIRSTBOOT-PRESENT, LEO-FIRSTBOOT-DONE, LEO-FIRSTBOOT-FAIL.
set -eu
fail() {
  echo "LEO-FIRSTBOOT-FAIL $*"
  exit 1
}
# The root's dm device, its data partition, and that partition's disk.
rootdev=$(mountpoint -d /) || fail "cannot tell the root's device"
slave=$(ls "/sys/dev/block/$rootdev/slaves" 2>/dev/null | head -n1)
[ -n "$slave" ] || fail "the root ($rootdev) is not a device-mapper volume over a partition"
disk=$(basename "$(dirname "$(readlink -f "/sys/class/block/$slave")")")
part() {
  for p in /sys/block/"$disk"/"$disk"*; do
    [ "$(cat "$p/partition" 2>/dev/null)" = "$1" ] && { basename "$p"; return; }
  done
}
if [ -n "$(part 4)" ]; then
  echo "LEO-FIRSTBOOT-PRESENT /dev/$(part 4)"
  exit 0
fi
[ -e /dev/tpmrm0 ] || fail "no TPM (/dev/tpmrm0): the state partition is not made without one"

echo "leo-firstboot: making the state partition on /dev/$disk"
p3=$(part 3)
[ -n "$p3" ] || fail "/dev/$disk has no partition 3 (the hash tree)"
# sysfs gives partition 3's start and size in 512-byte sectors; partition 4 starts at the next MiB
start=$(( ($(cat "/sys/block/$disk/$p3/start") + $(cat "/sys/block/$disk/$p3/size") + 2047) / 2048 * 2048 ))
echo "start=$start, type=83" | sfdisk --append --no-reread --no-tell-kernel --quiet "/dev/$disk"
partx --add --nr 4 "/dev/$disk"
echo "leo-firstboot: partition 4 of /dev/$disk from sector $start"
udevadm settle --timeout=30 || true
p4=$(part 4)
[ -n "$p4" ] && [ -b "/dev/$p4" ] || fail "partition 4 of /dev/$disk did not appear"

work=/run/leo-firstboot
rm -rf "$work"
mkdir -m 0700 "$work" "$work/mnt"
cleanup() {
  set +e
  umount "$work/mnt" "$work/seed" 2>/dev/null
  cryptsetup close leo-state-new 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
(umask 077 && head -c 64 /dev/urandom > "$work/key")
# The random key's slot is wiped below: a cheap key derivation is enough for it (the TPM's slot gets systemd's own).
cryptsetup luksFormat --type luks2 --batch-mode --label leo-state --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
  --key-file "$work/key" "/dev/$p4"
echo "leo-firstboot: LUKS2 on /dev/$p4"
cryptsetup open --key-file "$work/key" "/dev/$p4" leo-state-new
mkfs.ext4 -q -L leo-state /dev/mapper/leo-state-new
mount /dev/mapper/leo-state-new "$work/mnt"
mkdir -p "$work/mnt/leo" "$work/mnt/etc/leo"
cp -a /usr/share/leo-appliance/etc-leo/. "$work/mnt/etc/leo/"
seed=$(blkid -L LEO-SEED 2>/dev/null || true)
if [ -n "$seed" ]; then
  mkdir "$work/seed"
  mount -o ro "$seed" "$work/seed"
  [ -d "$work/seed/etc-leo" ] && cp -r "$work/seed/etc-leo/." "$work/mnt/etc/leo/"
  [ -d "$work/seed/leo" ] && cp -r "$work/seed/leo/." "$work/mnt/leo/"
  umount "$work/seed"
  echo "leo-firstboot: seeded /etc/leo and /var/lib/leo from $seed (LEO-SEED)"
fi
chown -R root:leo "$work/mnt/etc/leo"
chmod -R u=rwX,g=rX,o= "$work/mnt/etc/leo"
# systemd-networkd (user systemd-network) reads the HPC segment's port from /etc/leo/hpc.network:
# it may pass through /etc/leo (not list it) and read that one file; leo.properties stays root:leo 0640.
chmod o+x "$work/mnt/etc/leo"
[ -f "$work/mnt/etc/leo/hpc.network" ] && chmod 0644 "$work/mnt/etc/leo/hpc.network"
chown -R leo:leo "$work/mnt/leo"
chmod 0750 "$work/mnt/leo"
umount "$work/mnt"
cryptsetup close leo-state-new
echo "leo-firstboot: sealing its key to the TPM"
systemd-cryptenroll --unlock-key-file="$work/key" --tpm2-device=auto --tpm2-pcrs= --wipe-slot=password "/dev/$p4"
echo "LEO-FIRSTBOOT-DONE /dev/$p4: LUKS2, its key sealed to this TPM, ext4 leo-state inside"
