#!/usr/bin/env bash
# boot-bench.sh - time from VM power-on to the initramfs marker: a disk-less QEMU VM (TCG) booting
# the same kernel + initramfs from Leo (`leo pxe serve`, appliance PxeBootIT) and from dnsmasq
# (DHCP+TFTP, python http.server; the harness's stand-in, PxeBootVmTest), alternating, same run.
#
# usage: bench/boot-bench.sh     env: ROUNDS=3 (alternating rounds; the median per cell is reported)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$LEO_ROOT"
ROUNDS=${ROUNDS:-3}
BENCH_WORK=$(mktemp -d /var/tmp/leo-boot-bench.XXXXXX)
trap 'rm -rf "$BENCH_WORK"' EXIT
scripts/install-deps bench
./mvnw -q -B -ntp -DskipTests install

CASES=(biosBootsOverTftp biosBootsOverHttp uefiBootsOverTftp)
list=$(IFS=+; echo "${CASES[*]}")
# timelines FILE SERVER: "server title phase seconds" rows from the printed boot timelines.
timelines() {
  awk -v srv="$2" '/^(leo )?(BIOS|UEFI)-(TFTP|HTTP)/ {title=$0; sub(/^leo /, "", title); sub(/ .*/, "", title)}
       /^  \+ *[0-9.]+ s / && title != "" {t=$2; $1=""; $2=""; $3=""; sub(/^ +/, ""); print srv "\t" title "\t" $0 "\t" t}' "$1"
}
RESULTS=$BENCH_WORK/results.tsv
for round in $(seq "$ROUNDS"); do
  bench_log "round $round: dnsmasq"
  ./mvnw -q -B -ntp -pl pxe-server surefire:test -Dleo.test.vm.standin=true -Dtest="PxeBootVmTest#$list" >/dev/null 2>&1 \
    || { bench_log "dnsmasq boots failed"; exit 1; }
  timelines pxe-server/target/surefire-reports/org.leo.pxe.vm.PxeBootVmTest-output.txt dnsmasq >> "$RESULTS"
  bench_log "round $round: leo"
  ./mvnw -q -B -ntp -pl appliance failsafe:integration-test failsafe:verify -Dit.test="PxeBootIT#$list" >/dev/null 2>&1 \
    || { bench_log "leo boots failed"; exit 1; }
  timelines appliance/target/failsafe-reports/org.leo.appliance.e2e.PxeBootIT-output.txt leo >> "$RESULTS"
done

TABLE=$BENCH_WORK/table.md
{
  echo "Command: \`bench/boot-bench.sh\` (ROUNDS=$ROUNDS, alternating dnsmasq and leo; $(date -u +%Y-%m-%d), $(nproc) cores," \
       "QEMU $(dpkg-query -W -f='${Version}' qemu-system-x86) under TCG software emulation, stock Debian iPXE ROM, OVMF for UEFI)."
  echo
  echo "Median seconds after VM power-on; same kernel and initramfs; both servers answer IPv6 router solicitations and send DHCP option 175.176."
  echo
  echo "| boot | phase | dnsmasq | leo | leo / dnsmasq |"
  echo "|---|---|---|---|---|"
  for c in BIOS-TFTP BIOS-HTTP UEFI-TFTP; do
    for phase in "DHCPACK sent (server)" "boot script loaded" "kernel fetched" "initrd fetched" "initramfs marker"; do
      med() { awk -F'\t' -v s="$1" -v c="$c" -v p="$phase" '$1==s && $2==c && $3==p {print $4}' "$RESULTS" | sort -g \
              | awk '{a[NR]=$1} END {if (NR) print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
      d=$(med dnsmasq); l=$(med leo)
      [ -n "$d" ] && [ -n "$l" ] && awk -v c="$c" -v p="$phase" -v d="$d" -v l="$l" \
        'BEGIN {printf "| %s | %s | %.2f | %.2f | %.2f |\n", c, p, d, l, l/d}'
    done
  done
} > "$TABLE"
cat "$TABLE"
bench_replace_section docs/benchmarks.md boot-time "$TABLE"
