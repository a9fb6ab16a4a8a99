#!/usr/bin/env bash
# agent-cost.sh - what the HPC agent costs: peak and current RSS and CPU share, idle (one challenge
# every few minutes) and answering (one challenge a second: OS, hardware and network checks read
# from this machine's real /proc and /sys), against the real attestation server on loopback.
#
# usage: bench/agent-cost.sh             (writes its table into docs/benchmarks.md)
# env:   AGENT_OPTS="-Xmx32m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"  WINDOW=60  WARMUP=20
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$LEO_ROOT"
AGENT_OPTS=${AGENT_OPTS:-"-Xms8m -Xmx24m -Xss256k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:ReservedCodeCacheSize=16m -Dio.netty.allocator.type=unpooled"}
export MALLOC_ARENA_MAX=2
WINDOW=${WINDOW:-60}; WARMUP=${WARMUP:-20}
BENCH_WORK=$(mktemp -d /var/tmp/leo-agent-cost.XXXXXX)
trap 'bench_cleanup; rm -rf "$BENCH_WORK"' EXIT
./mvnw -q -B -ntp -pl bench -am -DskipTests package dependency:build-classpath -Dmdep.outputFile="$BENCH_WORK/cp.txt" >/dev/null
CP="bench/target/classes:$(cat "$BENCH_WORK/cp.txt")"
# The agent runs with its own dependencies only, as on the HPC.
./mvnw -q -B -ntp -pl hpc-agent -am -DskipTests package dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$BENCH_WORK/agent-cp.txt" >/dev/null
ACP="hpc-agent/target/classes:$(cat "$BENCH_WORK/agent-cp.txt")"
TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
MAC=52:54:00:00:00:01
# The HPC as the agent sees it: this machine's real /proc, /sys and /dev, and a root file system
# the size of a small initramfs (this machine's own / holds gigabytes a booted HPC does not have):
# a copy of /etc plus 48 MiB standing in for the agent's Java runtime.
HOST=$BENCH_WORK/host; mkdir -p "$HOST/root/opt/jre"
ln -s /proc "$HOST/proc"; ln -s /sys "$HOST/sys"; ln -s /dev "$HOST/dev"
cp -a /etc "$HOST/root/etc" 2>/dev/null || true
head -c $((48 << 20)) /dev/urandom > "$HOST/root/opt/jre/modules"
ROOT_FILES=$(find "$HOST/root" -type f | wc -l); ROOT_MB=$(du -sm "$HOST/root" | cut -f1)
ROWS=$BENCH_WORK/rows.md; : > "$ROWS"
for mode in idle answering; do
  d=$BENCH_WORK/$mode; mkdir -p "$d"; ep=$(free_port); ap=$(free_port)
  mean=$([ $mode = idle ] && echo 600 || echo 1)
  coproc SRV { exec java -Xmx512m -cp "$CP" org.leo.bench.attest.AttestBenchServer "$d/data" "$d/boot.db" "$ep" "$ap" "$mean" 2>"$d/server.err"; }
  spid=$SRV_PID; BENCH_PIDS+=("$spid")
  read -r ready ca <&"${SRV[0]}"
  nonce=$(java -cp "$CP" org.leo.bench.attest.RecordBoot "$d/boot.db" "$MAC")
  # shellcheck disable=SC2086
  java $AGENT_OPTS -cp "$ACP" org.leo.agent.AgentMain --server 127.0.0.1 --enroll-port "$ep" --attest-port "$ap" --ca "$ca" \
      --root "$HOST" --mac "$MAC" --cmdline "initrd=initrd.img leo.nonce=$nonce console=ttyS0" --disk-threads 1 >"$d/agent.out" 2>"$d/agent.err" &
  apid=$!; BENCH_PIDS+=("$apid")
  sleep "$WARMUP"
  echo RESET >&"${SRV[1]}"; read -r _ <&"${SRV[0]}"
  a0=$(cpu_ticks "$apid"); t0=$(date +%s.%N)
  sleep "$WINDOW"
  a1=$(cpu_ticks "$apid"); t1=$(date +%s.%N)
  echo REPORT >&"${SRV[1]}"; read -r report <&"${SRV[0]}"
  hwm=$(awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$apid/status"); rss=$(awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$apid/status")
  cpu=$(echo "($a1 - $a0) / $TCK / ($t1 - $t0) * 100" | bc -l)
  answered=$(echo "$report" | sed 's/.*answered=\([0-9]*\).*/\1/'); p50=$(echo "$report" | sed 's/.*p50_ms=\([0-9.]*\).*/\1/')
  bench_log "$mode: $report; agent RSS $rss MiB (peak $hwm), CPU $(printf %.2f "$cpu")%"
  printf '| %s | %s | %s | %s | %.2f%% | %s |\n' "$mode" "$answered" "$rss" "$hwm" "$cpu" "$p50" >> "$ROWS"
  kill "$apid" 2>/dev/null || true; wait "$apid" 2>/dev/null || true
  exec {SRV[1]}>&-; wait "$spid" 2>/dev/null || true
  bench_cleanup
done
OUT=$BENCH_WORK/section.md
{
  echo "Command: \`bench/agent-cost.sh\` (agent JVM options \`$AGENT_OPTS\`, MALLOC_ARENA_MAX=2; WARMUP=${WARMUP} s, WINDOW=${WINDOW} s; the agent reads this machine's real /proc, /sys and /dev ($(ls -d /proc/[0-9]* | wc -l) processes) and a $ROOT_MB MiB root file system of $ROOT_FILES files), $(date +%F), $(nproc) cores; $(java -version 2>&1 | head -1)."
  echo
  echo "idle: after the baseline (every check, the root file system digest included), one challenge every 600 s on average; answering: one a second on average, each with OS (processes with executable digests, modules, command line; the root file system digest in 30% of them), hardware and network checks (70% each for the last two)."
  echo
  echo "| mode | challenges answered in the window | agent RSS MiB | agent peak RSS MiB | agent CPU (% of one core) | p50 challenge-to-verdict ms |"
  echo "|---|---|---|---|---|---|"
  cat "$ROWS"
} > "$OUT"
bench_replace_section docs/benchmarks.md agent-cost "$OUT"
cat "$OUT"
