#!/usr/bin/env bash
# tftp-bench.sh - TFTP throughput: Leo's TFTP server against tftpd-hpa and dnsmasq, same client
# (atftp), same machine, same run; on loopback and through a UDP relay that adds a LAN-like
# round trip (0.2 ms and 1 ms). Then 64 concurrent clients, and HTTP boot versus TFTP.
#
# usage: bench/tftp-bench.sh            (writes the tables into docs/benchmarks.md)
# env:   RUNS=3 (repetitions per cell, the median is reported)   SIZE_MB=64   CONC=64   CONC_MB=16
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$LEO_ROOT"
RUNS=${RUNS:-3}; SIZE_MB=${SIZE_MB:-64}; CONC=${CONC:-64}; CONC_MB=${CONC_MB:-16}
BENCH_WORK=$(mktemp -d /var/tmp/leo-bench.XXXXXX)
trap 'bench_cleanup; rm -rf "$BENCH_WORK"' EXIT

scripts/install-deps bench
[ -x appliance/target/quarkus-app/quarkus-run.jar ] || [ -f appliance/target/quarkus-app/quarkus-run.jar ] \
  || ./mvnw -q -B -ntp -DskipTests package
LEO=(java -jar "$LEO_ROOT/appliance/target/quarkus-app/quarkus-run.jar")
RELAY=(java -cp "$LEO_ROOT/bench/target/classes" org.leo.bench.UdpDelayRelay)

ROOT=$BENCH_WORK/root; mkdir -p "$ROOT"
head -c $((SIZE_MB << 20)) /dev/urandom > "$ROOT/big.bin"
head -c $((CONC_MB << 20)) /dev/urandom > "$ROOT/conc.bin"
"${LEO[@]}" pxe manifest keygen --dir "$BENCH_WORK/keys" >/dev/null
"${LEO[@]}" pxe manifest create --boot-root "$ROOT" --key "$BENCH_WORK/keys/appliance.key" \
  --out "$BENCH_WORK/boot.manifest" >/dev/null

# start_server NAME NS: start one TFTP server on 127.0.0.1:69 in NS (and ours' HTTP on :8080).
start_server() {
  case $1 in
    leo) bench_bg "$2" "${LEO[@]}" pxe serve --no-dhcp --no-ra --address 127.0.0.1 --tftp-port 69 --http-port 8080 \
            --boot-root "$ROOT" --manifest "$BENCH_WORK/boot.manifest" --public-key "$BENCH_WORK/keys/appliance.pub" \
            --data-dir "$BENCH_WORK/data-$2" >/dev/null
         bench_wait_tcp "$2" 8080 ;;
    tftpd-hpa) bench_bg "$2" in.tftpd -L -4 -u root -s "$ROOT" -a 127.0.0.1:69 >/dev/null ;;
    dnsmasq) bench_bg "$2" dnsmasq --no-daemon --conf-file=/dev/null --port=0 --enable-tftp --tftp-root="$ROOT" \
               --listen-address=127.0.0.1 --bind-interfaces --user=root --log-facility=- >/dev/null ;;
  esac
  bench_wait_udp "$2" 69
}

# fetch PORT OPTIONS...: atftp fetch of big.bin through 127.0.0.1:PORT, seconds (median of RUNS).
fetch() {
  local ns=$1 port=$2; shift 2
  local opts=() times=() t
  for o in "$@"; do opts+=(--option "$o"); done
  for _ in $(seq "$RUNS"); do
    t=$(bench_time ip netns exec "$ns" atftp "${opts[@]}" -g -r big.bin -l "$BENCH_WORK/out.bin" 127.0.0.1 "$port") \
      || { echo "FAIL"; return; }
    cmp -s "$ROOT/big.bin" "$BENCH_WORK/out.bin" || { echo "CORRUPT"; return; }
    times+=("$t")
  done
  bench_median "${times[@]}"
}

RESULTS=$BENCH_WORK/results.tsv
: > "$RESULTS"
for server in leo tftpd-hpa dnsmasq; do
  ns=leob-$server
  bench_ns "$ns"
  start_server "$server" "$ns" >/dev/null
  bench_bg "$ns" "${RELAY[@]}" 127.0.0.1:7002 127.0.0.1:69 200 >/dev/null
  bench_bg "$ns" "${RELAY[@]}" 127.0.0.1:7010 127.0.0.1:69 1000 >/dev/null
  bench_wait_udp "$ns" 7002; bench_wait_udp "$ns" 7010
  for path in loopback:69 relay-0.2ms:7002 relay-1ms:7010; do
    for mode in "lock-step blksize 1432" "windowsize 16"; do
      case $mode in
        lock-step*) opts=("blksize 1432") ;;
        windowsize*) opts=("blksize 1432" "windowsize 16") ;;
      esac
      s=$(fetch "$ns" "${path#*:}" "${opts[@]}")
      bench_log "$server ${path%%:*} $mode: $s s"
      printf '%s\t%s\t%s\t%s\n' "$server" "${path%%:*}" "$mode" "$s" >> "$RESULTS"
    done
  done
  bench_cleanup
done

# ---- render ---------------------------------------------------------------------------------
TABLE=$BENCH_WORK/table.md
{
  echo "Command: \`bench/tftp-bench.sh\` (RUNS=$RUNS, ${SIZE_MB} MiB file, client atftp $(dpkg-query -W -f='${Version}' atftp)," \
       "tftpd-hpa $(dpkg-query -W -f='${Version}' tftpd-hpa), dnsmasq $(dpkg-query -W -f='${Version}' dnsmasq-base)), $(date -u +%Y-%m-%d), $(nproc) cores."
  echo
  echo "Median seconds for one ${SIZE_MB} MiB fetch (MB/s in brackets); ratio = tftpd-hpa lock-step time / this time."
  echo
  echo "| path | mode | leo | tftpd-hpa | dnsmasq | leo vs faster reference | leo vs tftpd-hpa lock-step |"
  echo "|---|---|---|---|---|---|---|"
  for path in loopback relay-0.2ms relay-1ms; do
    for mode in "lock-step blksize 1432" "windowsize 16"; do
      row() { awk -F'\t' -v s="$1" -v p="$path" -v m="$mode" '$1==s && $2==p && $3==m {print $4}' "$RESULTS"; }
      l=$(row leo); h=$(row tftpd-hpa); d=$(row dnsmasq)
      hl=$(awk -F'\t' -v p="$path" '$1=="tftpd-hpa" && $2==p && $3 ~ /^lock-step/ {print $4}' "$RESULTS")
      awk -v l="$l" -v h="$h" -v d="$d" -v hl="$hl" -v sz="$SIZE_MB" -v p="$path" -v m="$mode" 'BEGIN {
        f = (h < d) ? h : d
        printf "| %s | %s | %.2f (%.0f) | %.2f (%.0f) | %.2f (%.0f) | %.2fx | %.2fx |\n", p, m,
          l, sz*1.048576/l, h, sz*1.048576/h, d, sz*1.048576/d, f/l, hl/l }'
    done
  done
} > "$TABLE"
cat "$TABLE"
bench_replace_section docs/benchmarks.md tftp-throughput "$TABLE"
