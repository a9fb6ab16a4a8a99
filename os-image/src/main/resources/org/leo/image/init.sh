#!/bin/sh
# /init of the Leo HPC image (os-image, `leo image build-hpc`). PID 1 in the initramfs: nothing
# on disk is mounted and nothing persists. In order:
#   1. mounts proc, sys, securityfs (/sys/kernel/security: the TPM's firmware event log,
#      tpm0/binary_bios_measurements, and IMA's list; built into Debian's kernel), devtmpfs and a
#      tmpfs on /tmp and /run;
#   2. loads the NIC, disk and USB drivers in dependency order (/lib/modules/load-order; insmod,
#      no modprobe), none of which mounts anything;
#   3. takes an address from the Pi by DHCP (busybox udhcpc; the hook sets address and route);
#   4. in the --with-docker image only: starts the task engine (/bin/leo-dockerd: dockerd with its containerd,
#      data in RAM, no network plugins);
#   5. starts the agent (/opt/leo/agent.args), which reads leo.server=, leo.ca=, leo.attest= and
#      leo.nonce= from the kernel command line, enrolls and attests;
#   6. if the agent ends, reboots: a new boot is the only way to enroll again.
# Serial lines a test harness can match: LEO-IMAGE-INIT, LEO-BOOT (the command line, the size
# of the TPM event log and PCR 11, to compare with leo-hpc.efi.measurements; "none" without a TPM), LEO-DHCP-OK / LEO-DHCP-FAIL,
# LEO-DOCKERD-START and LEO-DOCKERD-READY / LEO-DOCKERD-FAIL (with the engine), LEO-AGENT-START, LEO-AGENT-EXIT rc=N.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t securityfs securityfs /sys/kernel/security || echo "leo-init: securityfs not mounted: no TPM event log for the agent"
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs tmpfs /run
up() { cut -d' ' -f1 /proc/uptime; }
echo "LEO-IMAGE-INIT image=$(cat /etc/leo-image) uptime=$(up)"
# How this boot came: a UEFI boot of the UKI has "leo-hpc.efi " in front (iPXE passes the image name).
echo "LEO-BOOT cmdline=[$(cat /proc/cmdline)] tpm-eventlog=$(wc -c < /sys/kernel/security/tpm0/binary_bios_measurements 2>/dev/null || echo none)" \
  "pcr11=$(cat /sys/class/tpm/tpm0/pcr-sha256/11 2>/dev/null || echo none)"
while read -r m; do
  err=$(insmod "/lib/modules/$m.ko" 2>&1) || echo "leo-init: driver $m not loaded: $err"
done < /lib/modules/load-order
ip link set lo up
IF=
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  IF=$(ls /sys/class/net | grep -v '^lo$' | head -n1)
  [ -n "$IF" ] && break
  sleep 0.2
done
if [ -z "$IF" ]; then
  echo "LEO-DHCP-FAIL no network interface uptime=$(up)"
else
  ip link set "$IF" up
  if udhcpc -i "$IF" -n -q -t 10 -T 2 -V LeoHpcImage -s /bin/udhcpc-hook >/tmp/udhcpc.log 2>&1; then
    echo "LEO-DHCP-OK iface=$IF ip=$(ip -4 -o addr show dev "$IF" | awk '{print $4}') uptime=$(up)"
  else
    echo "LEO-DHCP-FAIL iface=$IF uptime=$(up)"; cat /tmp/udhcpc.log
  fi
fi
if [ -x /bin/leo-dockerd ]; then
  /bin/leo-dockerd
fi
echo "LEO-AGENT-START uptime=$(up)"
MALLOC_ARENA_MAX=2 HOME=/root /opt/leo/jre/bin/java @/opt/leo/agent.args
rc=$?
echo "LEO-AGENT-EXIT rc=$rc uptime=$(up)"
sleep 5
reboot -f
