#!/usr/bin/env bash
# tftp-bench.sh - TFTP throughput: Leo's TFTP server against tftpd-hpa and dnsmasq, same client
# (atftp), same machine, same run; on loopback and through a UDP relay that adds a LAN-like
# round trip (0.2 ms and 1 ms). Then 64 concurrent clients, and HTTP boot versus TFTP.
#
# usage: bench/tftp-bench.sh            (writes the tables into docs/benchmarks.md)
# env:   RUNS=3 (repetitions per loopback cell, the median is reported)  RELAY_RUNS=1 (relay cells last 20-60 s each)
#        SIZE_MB=64   CONC=64   CONC_MB=16   LEO_HEAP=256m   LEO_OPTS (extra `leo pxe serve` options)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$LEO_ROOT"
RUNS=${RUNS:-3}; RELAY_RUNS=${RELAY_RUNS:-1}; SIZE_MB=${SIZE_MB:-64}; CONC=${CONC:-64}; CONC_MB=${CONC_MB:-16}
BENCH_WORK=$(mktemp -d /var/tmp/leo-bench.XXXXXX)
trap 'bench_cleanup; rm -rf "$BENCH_WORK"' EXIT

scripts/install-deps bench
[ -x appliance/target/quarkus-app/quarkus-run.jar ] || [ -f appliance/target/quarkus-app/quarkus-run.jar ] \
  || ./mvnw -q -B -ntp -DskipTests package
# The appliance runs with a bounded heap, as on a Pi; the figure is part of the result.
LEO_HEAP=${LEO_HEAP:-256m}
LEO=(java -Xmx$LEO_HEAP -jar "$LEO_ROOT/appliance/target/quarkus-app/quarkus-run.jar")
RELAY=(java -cp "$LEO_ROOT/bench/target/classes" org.leo.bench.UdpDelayRelay)

ROOT=$BENCH_WORK/root; mkdir -p "$ROOT"
head -c $((SIZE_MB << 20)) /dev/urandom > "$ROOT/big.bin"
head -c $((CONC_MB << 20)) /dev/urandom > "$ROOT/conc.bin"
"${LEO[@]}" pxe manifest keygen --dir "$BENCH_WORK/keys" >/dev/null
"${LEO[@]}" pxe manifest create --boot-root "$ROOT" --key "$BENCH_WORK/keys/boot-manifest.key" \
  --out "$BENCH_WORK/boot.manifest" >/dev/null

# start_server NAME NS: start one TFTP server on 127.0.0.1:69 in NS (and ours' HTTP on :8080).
start_server() {
  case $1 in
    leo) bench_bg "$2" "${LEO[@]}" pxe serve --no-dhcp --no-ra --address 127.0.0.1 --tftp-port 69 --http-port 8080 \
            --boot-root "$ROOT" --manifest "$BENCH_WORK/boot.manifest" --public-key "$BENCH_WORK/keys/boot-manifest.pub" \
            --data-dir "$BENCH_WORK/data-$2" --tftp-max-transfers-per-client "$CONC" ${LEO_OPTS:-} >/dev/null
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
  RUNS=1 fetch "$ns" 69 "blksize 1432" >/dev/null   # one warm-up fetch per server (page cache, JIT), not timed
  for path in loopback:69 relay-0.2ms:7002 relay-1ms:7010; do
    for mode in "lock-step blksize 1432" "windowsize 16"; do
      case $mode in
        lock-step*) opts=("blksize 1432") ;;
        windowsize*) opts=("blksize 1432" "windowsize 16") ;;
      esac
      if [ "${path%%:*}" = loopback ]; then n=$RUNS; else n=$RELAY_RUNS; fi
      s=$(RUNS=$n fetch "$ns" "${path#*:}" "${opts[@]}")
      bench_log "$server ${path%%:*} $mode: $s s"
      printf '%s\t%s\t%s\t%s\n' "$server" "${path%%:*}" "$mode" "$s" >> "$RESULTS"
    done
  done
  bench_cleanup
done

# ---- 64 concurrent clients, and HTTP versus TFTP ------------------------------------------------
# cpu_seconds PID: user+system CPU time the process used so far.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
peak_rss_mib() { awk '/^VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

CONC_RESULTS=$BENCH_WORK/concurrency.tsv
: > "$CONC_RESULTS"
for server in leo dnsmasq tftpd-hpa; do
  ns=leob-$server
  bench_ns "$ns"
  start_server "$server" "$ns" >/dev/null
  pid=${BENCH_PIDS[0]}   # ip netns exec execs the server: this is its PID
  RUNS=1 fetch "$ns" 69 "blksize 1432" >/dev/null
  cpu0=$(cpu_seconds "$pid")
  t0=$(date +%s.%N)
  cpids=()
  for i in $(seq "$CONC"); do
    ip netns exec "$ns" atftp --option "blksize 1432" -g -r conc.bin -l "$BENCH_WORK/conc-$i.bin" 127.0.0.1 69 \
      >/dev/null 2>&1 & cpids+=($!)
  done
  failed=0
  for p in "${cpids[@]}"; do wait "$p" || failed=$((failed + 1)); done
  t1=$(date +%s.%N)
  cpu1=$(cpu_seconds "$pid")
  ok=0
  for i in $(seq "$CONC"); do cmp -s "$ROOT/conc.bin" "$BENCH_WORK/conc-$i.bin" && ok=$((ok + 1)); rm -f "$BENCH_WORK/conc-$i.bin"; done
  rss=$(peak_rss_mib "$pid")
  [ "$server" = tftpd-hpa ] && rss="n/a (one process per transfer)"
  wall=$(echo "$t1 - $t0" | bc -l)
  printf '%s\t%s\t%s\t%s\t%s\n' "$server" "$ok" "$wall" "$(echo "$cpu1 - $cpu0" | bc -l)" "$rss" >> "$CONC_RESULTS"
  bench_log "$server: $ok/$CONC complete in $wall s, peak RSS $rss MiB"
  if [ "$server" = leo ]; then
    # HTTP boot of the same big file from the same server, curl, median of RUNS.
    times=()
    for _ in $(seq "$RUNS"); do
      times+=("$(bench_time ip netns exec "$ns" curl -fsS -o "$BENCH_WORK/out.bin" http://127.0.0.1:8080/big.bin)")
      cmp -s "$ROOT/big.bin" "$BENCH_WORK/out.bin" || { echo "HTTP CORRUPT"; exit 1; }
    done
    HTTP_S=$(bench_median "${times[@]}")
  fi
  bench_cleanup
done

# ---- render ---------------------------------------------------------------------------------
TABLE=$BENCH_WORK/table.md
{
  echo "Command: \`bench/tftp-bench.sh\` (RUNS=$RUNS on loopback, RELAY_RUNS=$RELAY_RUNS through the relay, ${SIZE_MB} MiB file, client atftp $(dpkg-query -W -f='${Version}' atftp)," \
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
  echo
  echo "$CONC concurrent atftp clients (blksize 1432, lock-step) each fetching a ${CONC_MB} MiB file, loopback:"
  echo
  echo "| server | complete | wall s | aggregate MB/s | server CPU s | server peak RSS MiB |"
  echo "|---|---|---|---|---|---|"
  awk -F'\t' -v n="$CONC" -v mb="$CONC_MB" '{printf "| %s | %d/%d | %.2f | %.0f | %.2f | %s |\n", $1, $2, n, $3, n*mb*1.048576/$3, $4, $5}' "$CONC_RESULTS"
  echo
  l=$(awk -F'\t' '$1=="leo" && $2=="loopback" && $3 ~ /^lock-step/ {print $4}' "$RESULTS")
  w=$(awk -F'\t' '$1=="leo" && $2=="loopback" && $3 ~ /^windowsize/ {print $4}' "$RESULTS")
  awk -v h="$HTTP_S" -v l="$l" -v w="$w" -v sz="$SIZE_MB" 'BEGIN {
    printf "HTTP boot of the same %d MiB file from the same server (curl, loopback): %.2f s (%.0f MB/s): %.1fx faster than TFTP lock-step, %.1fx faster than TFTP windowsize 16.\n",
      sz, h, sz*1.048576/h, l/h, w/h }'
  echo
  echo "Leo ran with -Xmx$LEO_HEAP (the heap bound of the appliance); peak RSS is the whole JVM."
} > "$TABLE"
cat "$TABLE"
bench_replace_section docs/benchmarks.md tftp-throughput "$TABLE"
