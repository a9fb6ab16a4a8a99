#!/bin/sh
# /init of the Leo disk-less test VM (busybox initramfs built by build-test-initramfs.sh).
# Kernel command line it reads:
#   leo.server=IP      the boot server to probe (required for the network probes)
#   leo.http_port=N    HTTP port of the boot server (default 80)
#   leo.probe=NAME     file fetched over HTTP (/NAME) and TFTP (NAME) (default leo-probe.txt)
#   leo.nonce=...      not interpreted here; printed as part of the command line
# Serial lines the test harness matches (unanchored: console lines can merge):
#   LEO-MARKER: initramfs reached uptime=<s> cmdline=<the whole /proc/cmdline>
#   LEO-NET: ..., LEO-DHCP-OK ip=..., LEO-HTTP-OK sha256=..., LEO-TFTP-OK sha256=... (or -FAIL)
#   LEO-DONE uptime=<s> dhcp=ok|fail http=ok|fail tftp=ok|fail
# then powers the VM off (QEMU runs with -no-reboot, so a panic also ends the VM).
/bin/busybox --install -s /bin
export PATH=/bin
mkdir -p /proc /sys /dev /tmp /run
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
up() { cut -d' ' -f1 /proc/uptime; }
arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p" | head -n1; }
echo "LEO-MARKER: initramfs reached uptime=$(up) cmdline=$(cat /proc/cmdline)"

# NIC drivers, dependency order (no modules.dep in the image: insmod, not modprobe)
while read -r m; do
  insmod "/lib/modules/$m.ko" 2>/dev/null
done < /lib/modules/load-order
ip link set lo up
IF=
for i in 1 2 3 4 5 6 7 8 9 10; do
  IF=$(ls /sys/class/net | grep -v '^lo$' | head -n1)
  [ -n "$IF" ] && break
  sleep 0.2
done
echo "LEO-NET: iface=${IF:-none} uptime=$(up)"
DHCP=fail HTTP=fail TFTP=fail
SRV=$(arg leo.server)
PORT=$(arg leo.http_port); PORT=${PORT:-80}
PROBE=$(arg leo.probe); PROBE=${PROBE:-leo-probe.txt}
if [ -n "$IF" ]; then
  ip link set "$IF" up
  if udhcpc -i "$IF" -n -q -t 5 -T 2 -V LeoTestInitramfs -s /bin/udhcpc-hook >/tmp/udhcpc.log 2>&1; then
    DHCP=ok
    echo "LEO-DHCP-OK ip=$(ip -4 -o addr show dev "$IF" | awk '{print $4}') uptime=$(up)"
  else
    echo "LEO-DHCP-FAIL uptime=$(up)"; cat /tmp/udhcpc.log
  fi
  if [ -z "$SRV" ]; then
    echo "LEO-NET: no leo.server= on the command line, skipping HTTP/TFTP probes"
  else
    # (busybox 1.35 wget -T segfaults: bound it with timeout instead)
    if timeout 20 wget -q -O /tmp/probe-http "http://$SRV:$PORT/$PROBE"; then
      HTTP=ok; echo "LEO-HTTP-OK sha256=$(sha256sum /tmp/probe-http | cut -d' ' -f1) uptime=$(up)"
    else
      echo "LEO-HTTP-FAIL url=http://$SRV:$PORT/$PROBE uptime=$(up)"
    fi
    if timeout 20 tftp -g -r "$PROBE" -l /tmp/probe-tftp "$SRV"; then
      TFTP=ok; echo "LEO-TFTP-OK sha256=$(sha256sum /tmp/probe-tftp | cut -d' ' -f1) uptime=$(up)"
    else
      echo "LEO-TFTP-FAIL file=$PROBE server=$SRV uptime=$(up)"
    fi
  fi
fi
echo "LEO-DONE uptime=$(up) dhcp=$DHCP http=$HTTP tftp=$TFTP"
sync
poweroff -f
