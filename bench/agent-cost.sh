#!/usr/bin/env bash
# agent-cost.sh - what the HPC agent costs: peak and current RSS and CPU share, idle (one challenge
# every few minutes) and answering (one challenge a second: OS, hardware and network checks read
# from this machine's real /proc and /sys), against the real attestation server on loopback.
# The agent runs as on the HPC: its runtime class path only (no BouncyCastle), the JVM options of
# hpc-agent/jvm.options and MALLOC_ARENA_MAX=2; once with the JDK's default CDS archive, once with
# an AppCDS archive of the agent's classes (trained by a run of TRAIN seconds, as the HPC image
# build does).
#
# usage: bench/agent-cost.sh             (writes its table into docs/benchmarks.md)
# env:   WINDOW=60  WARMUP=20  TRAIN=30
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$LEO_ROOT"
AGENT_OPTS=$(grep -v '^#' hpc-agent/jvm.options | xargs)
export MALLOC_ARENA_MAX=2
WINDOW=${WINDOW:-60}; WARMUP=${WARMUP:-20}; TRAIN=${TRAIN:-30}
BENCH_WORK=$(mktemp -d /var/tmp/leo-agent-cost.XXXXXX)
trap 'bench_cleanup; rm -rf "$BENCH_WORK"' EXIT
./mvnw -q -B -ntp -pl bench -am -DskipTests package dependency:build-classpath -Dmdep.outputFile="$BENCH_WORK/cp.txt" >/dev/null
CP="bench/target/classes:$(cat "$BENCH_WORK/cp.txt")"
# The agent runs with its own runtime dependencies only, as on the HPC, from jars (CDS needs jars).
./mvnw -q -B -ntp -pl hpc-agent -am -DskipTests package dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile="$BENCH_WORK/agent-cp.txt" >/dev/null
ACP="$LEO_ROOT/hpc-agent/target/hpc-agent-0.1.0-SNAPSHOT.jar:$(cat "$BENCH_WORK/agent-cp.txt")"
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

# measure MODE CDS-LABEL SECONDS [JVM-OPTS...]: one server and one agent; after WARMUP seconds, a
# window of SECONDS; appends a table row (unless SECONDS is 0: a training run).
measure() {
  local mode=$1 label=$2 window=$3; shift 3
  local d=$BENCH_WORK/$mode-$label ep ap mean spid apid a0 a1 t0 t1 report hwm rss cpu answered p50
  mkdir -p "$d"; ep=$(free_port); ap=$(free_port)
  mean=$([ "$mode" = idle ] && echo 600 || echo 1)
  coproc SRV { exec java -Xmx512m -cp "$CP" org.leo.bench.attest.AttestBenchServer "$d/data" "$d/boot.db" "$ep" "$ap" "$mean" 2>"$d/server.err"; }
  spid=$SRV_PID; BENCH_PIDS+=("$spid")
  read -r _ ca <&"${SRV[0]}"
  nonce=$(java -cp "$CP" org.leo.bench.attest.RecordBoot "$d/boot.db" "$MAC")
  java @hpc-agent/jvm.options "$@" -cp "$ACP" org.leo.agent.AgentMain --server 127.0.0.1 --enroll-port "$ep" --attest-port "$ap" --ca "$ca" \
      --root "$HOST" --mac "$MAC" --cmdline "initrd=initrd.img leo.nonce=$nonce console=ttyS0" --disk-threads 1 >"$d/agent.out" 2>"$d/agent.err" &
  apid=$!; BENCH_PIDS+=("$apid")
  sleep "$WARMUP"
  kill -0 "$apid" 2>/dev/null || { bench_log "the agent died: $(tail -3 "$d/agent.err")"; exit 1; }
  if [ "$window" -gt 0 ]; then
    echo RESET >&"${SRV[1]}"; read -r _ <&"${SRV[0]}"
    a0=$(cpu_ticks "$apid"); t0=$(date +%s.%N)
    sleep "$window"
    a1=$(cpu_ticks "$apid"); t1=$(date +%s.%N)
    echo REPORT >&"${SRV[1]}"; read -r report <&"${SRV[0]}"
    hwm=$(awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$apid/status"); rss=$(awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$apid/status")
    cpu=$(echo "($a1 - $a0) / $TCK / ($t1 - $t0) * 100" | bc -l)
    answered=$(echo "$report" | sed 's/.*answered=\([0-9]*\).*/\1/'); p50=$(echo "$report" | sed 's/.*p50_ms=\([0-9.]*\).*/\1/')
    bench_log "$mode, $label: $report; agent RSS $rss MiB (peak $hwm), CPU $(printf %.2f "$cpu")%"
    printf '| %s | %s | %s | %s | %s | %.2f%% | %s |\n' "$mode" "$label" "$answered" "$rss" "$hwm" "$cpu" "$p50" >> "$ROWS"
  fi
  kill "$apid" 2>/dev/null || true; wait "$apid" 2>/dev/null || true
  exec {SRV[1]}>&-; wait "$spid" 2>/dev/null || true
  bench_cleanup
  ENGINE=$(sed -n 's/.*SHA-256 by //p' "$d/agent.err" | head -1)
}

for mode in idle answering; do measure "$mode" "JDK default CDS" "$WINDOW"; done
# AppCDS: the classes a run loads, archived as the HPC image build does (training, then -Xshare:dump).
bench_log "training an AppCDS archive for $TRAIN s"
WARMUP_SAVED=$WARMUP; WARMUP=$TRAIN
measure answering train 0 -XX:DumpLoadedClassList="$BENCH_WORK/agent.classlist"
WARMUP=$WARMUP_SAVED
java @hpc-agent/jvm.options -Xshare:dump -XX:SharedClassListFile="$BENCH_WORK/agent.classlist" \
  -XX:SharedArchiveFile="$BENCH_WORK/agent.jsa" -cp "$ACP" > "$BENCH_WORK/dump.log" 2>&1 \
  || { bench_log "CDS dump failed: $(tail -3 "$BENCH_WORK/dump.log")"; exit 1; }
CLASSES=$(grep -vc '^[#@]' "$BENCH_WORK/agent.classlist")
JSA_MB=$(du -m "$BENCH_WORK/agent.jsa" | cut -f1)
for mode in idle answering; do measure "$mode" "AppCDS" "$WINDOW" -XX:SharedArchiveFile="$BENCH_WORK/agent.jsa" -Xshare:on; done

# The floor under the agent: the same JVM options and class path, only a gRPC TLS channel open.
bench_log "floor: a JVM with only a gRPC TLS channel (GrpcFloor)"
d=$BENCH_WORK/floor; mkdir -p "$d"; ep=$(free_port); ap=$(free_port)
coproc SRV { exec java -Xmx512m -cp "$CP" org.leo.bench.attest.AttestBenchServer "$d/data" "$d/boot.db" "$ep" "$ap" 600 2>"$d/server.err"; }
spid=$SRV_PID; BENCH_PIDS+=("$spid")
read -r _ _ <&"${SRV[0]}"
java @hpc-agent/jvm.options -cp "bench/target/classes:$ACP" org.leo.bench.attest.GrpcFloor 127.0.0.1 "$ep" >"$d/floor.out" 2>"$d/floor.err" &
fpid=$!; BENCH_PIDS+=("$fpid")
sleep "$WARMUP"
grep -q '^ready ' "$d/floor.out" || { bench_log "GrpcFloor did not reach the server: $(tail -3 "$d/floor.err")"; exit 1; }
FLOOR_RSS=$(awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$fpid/status"); FLOOR_HWM=$(awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$fpid/status")
FLOOR_CLASSES=$(jcmd "$fpid" VM.classloader_stats 2>/dev/null | awk '/^Total =/ {print $4}')
bench_log "floor: RSS $FLOOR_RSS MiB (peak $FLOOR_HWM), $FLOOR_CLASSES classes"
printf '| floor: gRPC TLS channel only (GrpcFloor, %s classes) | JDK default CDS | - | %s | %s | - | - |\n' "${FLOOR_CLASSES:-?}" "$FLOOR_RSS" "$FLOOR_HWM" >> "$ROWS"
exec {SRV[1]}>&-
bench_cleanup

OUT=$BENCH_WORK/section.md
{
  echo "Command: \`bench/agent-cost.sh\` (agent JVM options from \`hpc-agent/jvm.options\`: \`$AGENT_OPTS\`; MALLOC_ARENA_MAX=2; the agent's runtime class path only; WARMUP=${WARMUP} s, WINDOW=${WINDOW} s; the agent reads this machine's real /proc, /sys and /dev ($(ls -d /proc/[0-9]* | wc -l) processes) and a $ROOT_MB MiB root file system of $ROOT_FILES files; SHA-256 by $ENGINE), $(date +%F), $(nproc) cores; $(java -version 2>&1 | head -1)."
  echo
  echo "idle: after the baseline (every check, the root file system digest included), one challenge every 600 s on average; answering: one a second on average, each with OS (processes with executable digests, modules, command line; the root file system digest in 30% of them), hardware and network checks (70% each for the last two). AppCDS: an archive of the $CLASSES classes a ${TRAIN} s answering run loaded (${JSA_MB} MiB), made with \`-Xshare:dump\`."
  echo
  echo "| mode | class data | challenges answered in the window | agent RSS MiB | agent peak RSS MiB | agent CPU (% of one core) | p50 challenge-to-verdict ms |"
  echo "|---|---|---|---|---|---|---|"
  cat "$ROWS"
} > "$OUT"
bench_replace_section docs/benchmarks.md agent-cost "$OUT"
cat "$OUT"
